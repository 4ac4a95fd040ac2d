"""Our own SVG art: `![alt](art:NAME)` → templates/art/NAME.svg, found through the
template chain (school overrides → project templates → built-in), so a school can
redraw a picture by dropping a file of the same name into overrides/templates/art/."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

ART_RE = re.compile(r"^art:([a-z0-9][a-z0-9-]*)$")


class ArtLibrary:
    """The art files visible to one build, overrides first."""

    def __init__(self, folders: list[Path], *, greyscale: bool = False):
        self.folders = [Path(f) / "art" for f in folders]
        self.greyscale = greyscale

    @classmethod
    def of(cls, templates, *, greyscale: bool = False) -> "ArtLibrary":
        """The library seen by a render.Templates chain."""
        return cls(list(templates.search) + [templates.builtin], greyscale=greyscale)

    def uri(self, path: Path) -> str:
        """The URL the PDF renderer's SafeFetcher serves the file at (grey when asked)."""
        return path.as_uri() + ("?greyscale" if self.greyscale else "")

    def find(self, name: str) -> Path | None:
        """The file drawing `name`, or None."""
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
            return None
        for folder in self.folders:
            path = folder / f"{name}.svg"
            if path.is_file():
                return path.resolve()
        return None

    def names(self) -> list[str]:
        """Every art name available."""
        return sorted({p.stem for f in self.folders if f.is_dir() for p in f.glob("*.svg")})

    def unknown(self, name: str) -> str:
        """The message for a name with no file, with the closest known name."""
        close = difflib.get_close_matches(name, self.names(), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else \
            " (the names are the files in templates/art/, without .svg)"
        return f"unknown art '{name}'{hint}"
