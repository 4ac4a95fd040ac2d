"""Check findings of unchanged lessons, kept from one build to the next.

The content gates compose every lesson's documents the way a build does, which is most of
what a one-lesson edit spends outside WeasyPrint.  A lesson's findings are reused only when
everything they could depend on is byte-for-byte what it was: the lesson's own (merged)
source and the slides made from it, every template and data file, the cast list, the school
config, lessonpack's code, `--strict` and today's date (a review date can fall due
overnight).  Anything else, or a memo that cannot be read, means the gates run again.
`lessonpack check` never uses it: it always runs every gate.
"""

from __future__ import annotations

import hashlib
import json

from .errors import Problem


class CheckMemo:
    """Per-lesson findings keyed by a hash of every input the gates read."""

    def __init__(self, saved: dict | None, *, base: str, project, templates, strict: bool,
                 day: str):
        digest = hashlib.sha256(f"{base}|strict={strict}|day={day}".encode())
        files = [project.doc("cast.md")]
        for folder in [*templates.folders, templates.builtin, project.root / "data"]:
            if folder.is_dir():
                files += sorted(p for p in folder.rglob("*") if p.is_file())
        for path in files:
            digest.update(str(path).encode() + b"\0")
            try:
                digest.update(hashlib.sha256(path.read_bytes()).digest())
            except OSError:
                digest.update(b"missing")
        self._shared = digest.hexdigest()
        self.saved = saved if isinstance(saved, dict) else {}
        self.found: dict[str, dict] = {}

    def key(self, lesson, slides) -> str:
        digest = hashlib.sha256(self._shared.encode())
        digest.update(f"{lesson.id}|{lesson.shown}|{lesson.sha256}".encode())
        digest.update(json.dumps(slides, sort_keys=True).encode())
        return digest.hexdigest()

    def get(self, lesson, slides) -> list[Problem] | None:
        """The findings recorded for exactly this lesson and inputs, else None."""
        key = self.key(lesson, slides)
        entry = self.saved.get(lesson.id)
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        try:
            problems = [Problem(**p) for p in entry["problems"]]
        except (KeyError, TypeError):
            return None
        self.found[lesson.id] = entry
        return problems

    def put(self, lesson, slides, problems: list[Problem]) -> None:
        self.found[lesson.id] = {"key": self.key(lesson, slides),
                                 "problems": [p.as_dict() for p in problems]}
