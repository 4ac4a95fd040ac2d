"""Victim-blaming language (UKCIS guidance): in pupils' and teachers' text alike."""

from __future__ import annotations

import re

from ..errors import Problem
from .language import word_pattern

CODE = "blame"
# A phrase quoted in order to warn against it, or negated ("never your own fault").
NEGATION = re.compile(r"(?i)\b(never|not|no|avoid|don['’]t|do not|isn['’]t|wasn['’]t|nobody|no one)\b")
SENTENCE_START = re.compile(r"[.!?]\s")


def check(subject, phrases: dict) -> list[Problem]:
    lesson = subject.lesson
    problems = []
    for line, text in subject.all_lines():
        for phrase, reason in phrases.items():
            for match in word_pattern(phrase).finditer(text):
                before = text[: match.start()]
                starts = [m.end() for m in SENTENCE_START.finditer(before)]
                sentence_before = before[starts[-1]:] if starts else before
                if NEGATION.search(sentence_before):
                    continue
                problems.append(Problem(lesson.shown, line,
                                        f"victim-blaming language '{match.group(0)}': {reason}", code=CODE))
    return problems
