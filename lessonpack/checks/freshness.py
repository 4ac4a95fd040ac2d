"""Freshness: lessons are reviewed on time."""

from __future__ import annotations

import datetime as dt

from ..errors import Problem

CODE = "review"


def check(subject, today: dt.date, *, strict: bool = False) -> list[Problem]:
    lesson = subject.lesson
    if lesson.review_by < today:
        days = (today - lesson.review_by).days
        return [Problem(lesson.shown, lesson.line_of("review_by"),
                        f"review was due on {lesson.review_by} ({days} days ago): check the facts "
                        "and helplines, then update 'reviewed' and 'review_by'",
                        code=CODE, severity="error" if strict else "warning")]
    return []
