"""Activity timings: `## Starter {10 min}` headings, and the lesson plan they make.

One regular expression, used by the Markdown extension (to print the minutes), by
`check` (they must add up to duration_minutes) and by "Lesson at a glance".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: An activity heading: '## Title {10 min}' (level 2; the minutes are whole numbers).
MINUTES_RE = re.compile(r"\s*\{\s*(\d{1,3})\s*min(?:s|utes?)?\s*\}\s*$", re.I)
HEADING_RE = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")


@dataclass(frozen=True)
class Activity:
    """One timed activity of a lesson."""

    title: str
    minutes: int
    line: int           # file line of its heading


def split_minutes(text: str) -> tuple[str, int | None]:
    """'Starter {10 min}' → ('Starter', 10); text without minutes → (text, None)."""
    found = MINUTES_RE.search(text)
    if not found:
        return text, None
    return text[:found.start()].rstrip(), int(found.group(1))


def activities(lesson) -> list[Activity]:
    """Every level-2 heading of the body that carries minutes, in order."""
    out: list[Activity] = []
    fenced = False
    for offset, text in enumerate(lesson.body.split("\n")):
        if text.lstrip().startswith("```"):
            fenced = not fenced
            continue
        heading = HEADING_RE.match(text)
        if fenced or not heading or len(heading.group(1)) != 2:
            continue
        title, minutes = split_minutes(heading.group(2))
        if minutes is not None:
            out.append(Activity(title, minutes, lesson.body_line + offset))
    return out
