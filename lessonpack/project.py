"""Where things are: the project's folders, and the built-in fallbacks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
#: Where the shipped lessons, templates and data are: inside an installed package
#: (lessonpack/shipped/, copied there by setup.py), else the checkout itself.
HOME = _PACKAGE / "shipped" if (_PACKAGE / "shipped" / "data" / "helplines.yml").is_file() \
    else _PACKAGE.parent
#: A school folder (made by `lessonpack init`) is a folder holding this file.
SCHOOL_FILE = "school.yml"


def find_school(start: Path | None = None) -> Path | None:
    """The current folder when it is a school folder (holds school.yml), else None."""
    here = Path(start or Path.cwd()).resolve()
    return here if (here / SCHOOL_FILE).is_file() else None


@dataclass(frozen=True)
class Project:
    """A lessonpack project: lessons/, data/, templates/ under one root."""

    root: Path

    @classmethod
    def find(cls, start: Path | None = None) -> "Project":
        """The project containing `start` (default: the current folder), else the checkout."""
        here = Path(start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / "lessons").is_dir() and (folder / "data" / "helplines.yml").is_file():
                return cls(folder)
        return cls(HOME)

    @property
    def lessons(self) -> Path:
        return self.root / "lessons"

    def data(self, name: str) -> Path:
        """A data file: the project's own, else the built-in one."""
        own = self.root / "data" / name
        return own if own.is_file() else HOME / "data" / name

    def doc(self, name: str) -> Path:
        """A file of docs/ (the cast list): the project's own, else the shipped one."""
        own = self.root / "docs" / name
        return own if own.is_file() else HOME / "docs" / name

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def builtin_templates(self) -> Path:
        return HOME / "templates"

    def shown(self, path: Path) -> str:
        """A path as messages print it: relative to the project when inside it."""
        try:
            return Path(path).resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)
