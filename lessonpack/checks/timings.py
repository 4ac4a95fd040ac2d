"""Timings: activity headings carry single minutes that add up to duration_minutes.

    ## Starter {10 min}
    ## Activity 1: Amara's game chat {25 min}

A teacher reading "Allow 5–10 minutes" cannot plan a lesson that adds up, so a range
of minutes anywhere in the text is a warning.
"""

from __future__ import annotations

import re

from ..errors import Problem
from ..timings import activities

CODE = "timings"
RANGE_RE = re.compile(r"\b\d{1,3}\s*(?:–|—|-|to)\s*\d{1,3}\s*(?:min|mins|minutes)\b", re.I)


def check(subject) -> list[Problem]:
    lesson = subject.lesson
    if lesson.is_guide:
        return []
    problems = []
    where = lesson.line_of("duration_minutes") or max(lesson.body_line - 1, 1)
    timed = activities(lesson)
    total = sum(a.minutes for a in timed)
    if not timed:
        problems.append(Problem(lesson.shown, where,
                                "no timed activity: give each activity heading its minutes, "
                                "e.g. '## Starter {10 min}'", code=CODE))
    elif total != lesson.duration_minutes:
        parts = " + ".join(str(a.minutes) for a in timed)
        problems.append(Problem(lesson.shown, where,
                                f"activities add up to {total} min ({parts}) but duration_minutes "
                                f"is {lesson.duration_minutes}", code=CODE))
    for line, text in subject.all_lines():
        found = RANGE_RE.search(text)
        if found:
            problems.append(Problem(lesson.shown, line,
                                    f"'{found.group(0)}': give single minutes in the activity "
                                    "heading ('## Task {10 min}') instead of a range",
                                    code=CODE, severity="warning"))
    return problems
