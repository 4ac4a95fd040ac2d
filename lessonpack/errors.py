"""Errors a teacher can act on: each names a file (and line) and says what to do."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about one place in one file."""

    path: str
    line: int | None
    message: str
    code: str = ""
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        code = f"{self.code}: " if self.code else ""
        return f"{where}: {code}{self.message}"

    def as_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "code": self.code,
                "severity": self.severity, "message": self.message}


def display_path(path: Path | str, root: Path | None = None) -> str:
    """A path as the user should see it: relative to the project when inside it."""
    path = Path(path)
    for base in (root, Path.cwd()):
        if base is None:
            continue
        try:
            return str(path.resolve().relative_to(Path(base).resolve()))
        except (ValueError, OSError):
            continue
    return str(path)


class LessonpackError(click.ClickException):
    """Base of every error we expect; the CLI prints it without a traceback."""

    exit_code = 1

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = list(problems or [])

    def format_message(self) -> str:
        if self.problems:
            lines = [str(p) for p in self.problems]
            return "\n".join(lines + [self.message])
        return self.message

    def show(self, file=None) -> None:  # noqa: D102 - click hook
        click.echo(self.format_message(), err=True, file=file)


class ProblemsFound(LessonpackError):
    """Several problems were collected; report them all, then fail once."""

    def __init__(self, problems: list[Problem], what: str = "problem"):
        problems = sorted(set(problems), key=lambda p: (p.path, p.line or 0, p.message))
        errors = [p for p in problems if p.severity == "error"]
        n = len(errors)
        super().__init__(f"{n} {what}{'s' if n != 1 else ''} found; nothing was written.",
                         problems)


class LessonError(ProblemsFound):
    """A lesson source could not be loaded."""


class ConfigError(ProblemsFound):
    """The school config is not valid."""


class BuildError(LessonpackError):
    """A document could not be rendered."""


class ReleaseError(LessonpackError):
    """A release could not be assembled (bad shard folders, unsafe output folder)."""
