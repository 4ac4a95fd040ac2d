"""Front matter completeness beyond the loader: objectives, sources, curriculum, TODOs."""

from __future__ import annotations

import re

from ..errors import Problem

CODE = "front-matter"
TODO_RE = re.compile(r"\bTODO\b")


def check(subject, curriculum: dict) -> list[Problem]:
    lesson = subject.lesson
    problems = []

    def add(key: str, message: str, line: int | None = None, code: str = CODE) -> None:
        problems.append(Problem(lesson.shown, line or lesson.line_of(key) or 1, message, code=code))

    if not lesson.is_guide:
        if not lesson.objectives:
            add("objectives", "front matter 'objectives': give at least one 'I can…' statement")
        for i, objective in enumerate(lesson.objectives):
            if not objective.startswith("I can"):
                add("objectives", f"front matter 'objectives': {objective[:40]!r} should start with 'I can'",
                    lesson.line_of(f"objectives.{i}"))
    if not lesson.sources:
        add("sources", "front matter 'sources': name where the facts come from")
    if not lesson.curriculum:
        add("curriculum", "front matter 'curriculum': give at least one reference from data/curriculum.yml")
    for i, ref in enumerate(lesson.curriculum):
        if ref not in curriculum:
            add("curriculum", f"front matter 'curriculum': unknown reference {ref!r} "
                              "(the ids are the keys of data/curriculum.yml)", lesson.line_of(f"curriculum.{i}"))
    text = lesson.path.read_text(encoding="utf-8").split("\n")
    for n, line in enumerate(text, 1):
        if TODO_RE.search(line):
            add("", f"unfinished: {line.strip()[:70]}", n, code="todo")
    return problems
