"""Jinja2 templates → HTML documents.

Templates are looked up in the school's override folder first, then the
project's templates/, then the built-in templates shipped with lessonpack; an
override can extend the very template it replaces with
`{% extends "!builtin/worksheet.html" %}`.  The environment is sandboxed and
autoescapes: templates hold layout, and lesson text arrives as finished HTML
from markdown.py – it is data, never evaluated as a template.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import jinja2
from jinja2 import meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

BUILTIN_PREFIX = "!builtin"


class Templates:
    """The template environment for one build."""

    def __init__(self, search: list[Path], builtin: Path):
        self.search = [Path(p) for p in search if Path(p).is_dir()]
        self.builtin = Path(builtin)
        loader = jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader([str(p) for p in self.search + [self.builtin]]),
             jinja2.PrefixLoader({BUILTIN_PREFIX: jinja2.FileSystemLoader(str(self.builtin))},
                                 delimiter="/")])
        self.env = ImmutableSandboxedEnvironment(
            loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
            trim_blocks=True, lstrip_blocks=True)
        self.env.filters["longdate"] = lambda d: f"{d.day} {d:%B %Y}"
        self._used: dict[str, list[Path]] = {}

    def render(self, name: str, **context) -> str:
        """Render one template with the given context."""
        return self.env.get_template(name).render(**context)

    def locate(self, name: str) -> Path | None:
        """The file a template name resolves to."""
        if name.startswith(BUILTIN_PREFIX + "/"):
            path = self.builtin / name[len(BUILTIN_PREFIX) + 1:]
            return path if path.is_file() else None
        for folder in self.search + [self.builtin]:
            path = folder / name
            if path.is_file():
                return path
        return None

    def used_by(self, name: str) -> list[Path]:
        """Every template file `name` loads (itself, parents, includes), for the cache."""
        if name not in self._used:
            files: list[Path] = []
            todo, seen = [name], set()
            while todo:
                current = todo.pop()
                if current in seen:
                    continue
                seen.add(current)
                path = self.locate(current)
                if path is None:
                    continue
                files.append(path)
                source = path.read_text(encoding="utf-8")
                refs = meta.find_referenced_templates(self.env.parse(source))
                todo += [r for r in refs if r]
            self._used[name] = files
        return self._used[name]

    def find_asset(self, relative: str) -> Path | None:
        """A stylesheet or image under the template folders, overrides first."""
        return self.locate(relative)

    def fingerprint(self, names: list[str]) -> str:
        """A hash of every template file the given templates use."""
        digest = hashlib.sha256()
        for name in sorted(names):
            for path in self.used_by(name):
                digest.update(path.read_bytes())
        return digest.hexdigest()
