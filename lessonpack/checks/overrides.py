"""A school's override of a shipped lesson must say which version it was made from, and
is flagged when the shipped lesson has changed since (it would silently miss later fixes)."""

from __future__ import annotations

from ..errors import Problem

CODE = "override-changed"


def check(lesson) -> list[Problem]:
    """Warnings for an override whose shipped lesson changed, or that does not say."""
    if lesson.override not in ("lesson", "sections") or not lesson.shipped_stamp:
        return []
    line = lesson.based_on_line
    if lesson.based_on is None:
        return [Problem(lesson.shown, line, f"this override replaces the shipped lesson "
                        f"{lesson.id!r} and will miss later fixes to it; add "
                        f"'based_on: {lesson.shipped_stamp}' to the front matter so `check` can "
                        "tell you when it changes", code=CODE, severity="warning")]
    if lesson.based_on != lesson.shipped_stamp:
        return [Problem(lesson.shown, line, f"the shipped lesson {lesson.id!r} has changed since this "
                        f"override was made (based_on {lesson.based_on}, now {lesson.shipped_stamp}): "
                        "compare the two, bring over what you need, then set "
                        f"'based_on: {lesson.shipped_stamp}'", code=CODE, severity="warning")]
    return []
