from lessonpack.cli import main
main()
