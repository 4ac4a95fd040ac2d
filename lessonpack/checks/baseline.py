"""Baseline: every lesson (not the parents' guide) has exactly one `::: baseline`,
with statements, so pupils can show what they knew before and after."""

from __future__ import annotations

import re

from ..errors import Problem

CODE = "baseline"
ITEM_RE = re.compile(r"^\s{0,3}(?:[-*+]|\d+[.)])\s+\S")


def check(subject) -> list[Problem]:
    lesson = subject.lesson
    if lesson.is_guide:
        return []
    found = [b for b in subject.scan.blocks if b.kind == "baseline"]
    if len(found) != 1:
        headings = [n for n, text in subject.all_lines() if n >= lesson.body_line and
                    text.startswith("#")]
        where = headings[0] if headings else max(lesson.body_line - 1, 1)
        if not found:
            message = ("no '::: baseline': add one (3–5 statements pupils judge before "
                       "the lesson and again at the end), usually in the Starter")
        else:
            message = (f"{len(found)} '::: baseline' blocks (lines "
                       f"{', '.join(str(b.start) for b in found)}); a lesson has exactly one")
        return [Problem(lesson.shown, where, message, code=CODE)]
    block = found[0]
    if not any(ITEM_RE.match(text) for _, text in block.lines):
        return [Problem(lesson.shown, block.start, "'::: baseline' has no statements: write "
                        "them as a list ('- Online friends are always who they say they are.')",
                        code=CODE)]
    return []
