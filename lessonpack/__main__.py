"""`python -m lessonpack …` is `lessonpack …`."""

from .cli import main

main()
