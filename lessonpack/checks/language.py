"""Age-appropriate words in pupils' text, per key stage, from data/language.yml."""

from __future__ import annotations

import re
from functools import lru_cache

from ..errors import Problem
from ..helplines import REF_RE

CODE = "age-word"


@lru_cache(maxsize=256)
def word_pattern(word: str) -> re.Pattern:
    """'nude*' → a case-insensitive whole-word pattern matching nude, nudes, nudity…"""
    stem = re.escape(word.rstrip("*")).replace(r"\ ", r"\s+")
    tail = r"[\w'’-]*" if word.endswith("*") else r"(?:s|es)?"
    return re.compile(rf"(?i)(?<![\w-]){stem}{tail}(?![\w-])")


def check(subject, words: dict) -> list[Problem]:
    lesson = subject.lesson
    banned = dict(words.get("all") or {})
    banned.update(words.get(lesson.key_stage) or {})
    problems = []
    for line, text in subject.student_lines():
        text = REF_RE.sub("", text)
        seen: set[int] = set()   # one finding per word, even when two patterns match it
        for word, alternative in banned.items():
            for match in word_pattern(word).finditer(text):
                if match.start() in seen:
                    continue
                seen.add(match.start())
                problems.append(Problem(
                    lesson.shown, line,
                    f"'{match.group(0)}' is not for {lesson.key_stage.upper()} pupils' text: {alternative}",
                    code=CODE))
    return problems
