"""Answer leaks: no sentence of an answer or teacher block may reach the worksheet."""

from __future__ import annotations

import re

from ..errors import Problem

CODE = "leak"
MIN_WORDS = 5


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    return [p for p in parts if len(p.split()) >= MIN_WORDS]


def check(subject) -> list[Problem]:
    lesson = subject.lesson
    if subject.teacher is None:
        return []
    hidden = []
    for el in subject.teacher.tree.iter("div"):
        if el.get("class") in ("answer", "teacher"):
            for child in el:
                if child.get("class") != "label":
                    hidden += _sentences("".join(child.itertext()))
    shown = " ".join(" ".join(subject.worksheet.tree.itertext()).split())
    slides = " ".join(" ".join(subject.slides_text).split())
    problems = []
    for sentence in hidden:
        if sentence in _shared_text(subject):
            continue
        for where, text in (("worksheet", shown), ("slides", slides)):
            if sentence in text:
                problems.append(Problem(lesson.shown, lesson.body_line,
                                        f"teacher-only text reaches the {where}: \"{sentence[:70]}\"",
                                        code=CODE))
    return problems


def _shared_text(subject) -> str:
    """Text that both documents print on purpose (outside any block)."""
    from ..markdown import TEACHER, WORKSHEET

    lines = subject.lesson.body.split("\n")
    outside = [lines[n - subject.lesson.body_line] for n, seen in subject.scan.audience.items()
               if {WORKSHEET, TEACHER} <= seen]
    return " ".join(" ".join(outside).split())
