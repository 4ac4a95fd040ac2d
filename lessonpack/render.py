"""Jinja2 templates → HTML documents.

Templates are looked up in the school's override folder first, then the
project's templates/, then the built-in templates shipped with lessonpack; an
override can extend the very template it replaces with
`{% extends "!builtin/worksheet.html" %}`.  The environment is sandboxed and
autoescapes: templates hold layout, and lesson text arrives as finished HTML
from markdown.py – it is data, never evaluated as a template.
"""

from __future__ import annotations

import traceback
from pathlib import Path

import jinja2
from jinja2 import meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .errors import Problem, ProblemsFound, display_path

BUILTIN_PREFIX = "!builtin"


class _ContainedLoader(jinja2.FileSystemLoader):
    """A FileSystemLoader that refuses a template linking outside its folders, so a
    symlink in an override folder cannot print a file from the machine into a PDF."""

    def get_source(self, environment, template):  # noqa: D102 - Jinja API
        source, filename, uptodate = super().get_source(environment, template)
        real = Path(filename).resolve()
        if not any(real.is_relative_to(Path(p).resolve()) for p in self.searchpath):
            raise ProblemsFound([Problem(display_path(filename), None,
                                         "template is a link to a file outside the template "
                                         "folders; copy the file in instead")],
                                what="template error")
        return source, filename, uptodate


class Templates:
    """The template environment for one build."""

    def __init__(self, search: list[Path], builtin: Path):
        self.folders = [Path(p) for p in search]      # overrides first, existing or not
        self.search = [p for p in self.folders if p.is_dir()]
        self.builtin = Path(builtin)
        loader = jinja2.ChoiceLoader(
            [_ContainedLoader([str(p) for p in self.search + [self.builtin]]),
             jinja2.PrefixLoader({BUILTIN_PREFIX: _ContainedLoader(str(self.builtin))},
                                 delimiter="/")])
        self.env = ImmutableSandboxedEnvironment(
            loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
            trim_blocks=True, lstrip_blocks=True)
        self.env.filters["longdate"] = lambda d: f"{d.day} {d:%B %Y}"
        self._used: dict[str, list[Path]] = {}

    @classmethod
    def of(cls, project, config=None) -> "Templates":
        """A build's chain: the school's overrides (if any), the project's, the built-in."""
        overrides = [config.overrides / "templates"] if config and config.overrides else []
        return cls(overrides + [project.templates], project.builtin_templates)

    def render(self, name: str, **context) -> str:
        """Render one template; a broken (override) template is an error naming file and line."""
        try:
            return self.env.get_template(name).render(**context)
        except jinja2.TemplateSyntaxError as exc:
            where, line = exc.filename or exc.name or name, exc.lineno
            message = f"template error: {exc.message}"
        except jinja2.TemplateNotFound as exc:
            where, line = self._frame(exc) or (name, None)
            message = f"template error: no template named {exc.name!r}"
        except jinja2.TemplateError as exc:   # undefined names, sandbox refusals
            where, line = self._frame(exc) or (name, None)
            message = f"template error: {exc.message or type(exc).__name__}"
        except RecursionError as exc:         # e.g. an override that extends itself by name
            where, line = self._frame(exc) or (name, None)
            message = ("template error: templates extend or include each other in a loop "
                       "(to extend the built-in one, use \"!builtin/NAME\")")
        raise ProblemsFound([Problem(display_path(where), line, message)], what="template error")

    def _frame(self, exc: BaseException) -> tuple[str, int] | None:
        """The innermost template file and line in a rendering error's traceback."""
        folders = [p.resolve() for p in self.search + [self.builtin]]
        found = None
        for frame, line in traceback.walk_tb(exc.__traceback__):
            path = Path(frame.f_code.co_filename)
            if path.suffix != ".py" and any(path.resolve().is_relative_to(f) for f in folders):
                found = (str(path), line)
        return found

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

    def shadows(self, files: list[Path]) -> list[Path]:
        """The override paths searched before each of these files: absent now, but a school
        that adds one replaces the file, so the cache must count them as inputs too."""
        found: list[Path] = []
        for file in map(Path, files):
            for i, folder in enumerate(self.folders + [self.builtin]):
                if file.is_relative_to(folder):
                    found += [f / file.relative_to(folder) for f in self.folders[:i]]
                    break
        return found

    def find_asset(self, relative: str) -> Path | None:
        """A stylesheet or image under the template folders, overrides first."""
        return self.locate(relative)

