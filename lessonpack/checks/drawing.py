"""KS1: at most two drawing tasks in a lesson (an expert finding: more is a lesson of drawing)."""

from __future__ import annotations

import re

from ..errors import Problem

CODE = "drawing"
MAX_DRAWINGS = 2
DRAW = re.compile(r"(?i)(?<![\w-])draw(?![\w-])")


def check(subject) -> list[Problem]:
    lesson = subject.lesson
    if lesson.key_stage != "ks1":
        return []
    tasks = [line for line, text in subject.student_lines() if DRAW.search(text)]
    return [Problem(lesson.shown, line,
                    f"drawing task {n} of {len(tasks)} (lines {', '.join(map(str, tasks))}): KS1 lessons ask "
                    f"for at most {MAX_DRAWINGS} drawings; turn the others into talking, pointing or ticking",
                    code=CODE)
            for n, line in enumerate(tasks, 1) if n > MAX_DRAWINGS]
