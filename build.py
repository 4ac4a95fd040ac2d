"""`python build.py …` is `lessonpack …` (CONTRACT)."""

try:
    from lessonpack.cli import main
except ModuleNotFoundError as exc:  # run with a Python that lacks our dependencies
    import sys

    sys.exit(f"lessonpack's dependencies are not installed for this Python ({exc.name} is missing).\n"
             "Run `make packs` once (it creates .venv), then use `.venv/bin/python build.py …` "
             "or `.venv/bin/lessonpack …`.")
main()
