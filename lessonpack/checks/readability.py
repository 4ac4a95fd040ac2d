"""Readability: Flesch–Kincaid grade of the pupils' text against the key stage ceiling.

Syllables are counted with pyphen's hyphenation dictionary (offline, no data
download), which slightly undercounts long words; the ceilings allow for that.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..errors import Problem

CODE = "readability"
CEILING = {"ks1": 3.0, "ks2": 5.0, "ks3": 8.0, "ks4": 10.0, "parents": 10.0}
WORD_RE = re.compile(r"[A-Za-z]+(?:['’][a-z]+)?")
SENTENCE_RE = re.compile(r"[.!?]+(?:\s|$)")
VOWEL_GROUPS = re.compile(r"[aeiouy]+")


@lru_cache(maxsize=1)
def _dictionary():
    import pyphen
    return pyphen.Pyphen(lang="en_GB")


@lru_cache(maxsize=20000)
def syllables(word: str) -> int:
    """Syllables in a word: pyphen's hyphenation points, at least the vowel-group count − 1."""
    word = word.lower().strip("'’")
    by_hyphens = len(_dictionary().positions(word)) + 1
    groups = len(VOWEL_GROUPS.findall(word))
    if word.endswith("e") and groups > 1 and not word.endswith(("le", "ee")):
        groups -= 1
    return max(1, by_hyphens, groups)


def grade(blocks: list[str]) -> tuple[float, int, int, int]:
    """(FK grade, words, sentences, syllables) of text blocks; each block ends a sentence."""
    words = sentences = syl = 0
    for block in blocks:
        found = WORD_RE.findall(block)
        if not found:
            continue
        words += len(found)
        syl += sum(syllables(w) for w in found)
        sentences += max(1, len(SENTENCE_RE.findall(block.strip() + " ")))
    if not words:
        return 0.0, 0, 0, 0
    fk = 0.39 * words / sentences + 11.8 * syl / words - 15.59
    return round(fk, 1), words, sentences, syl


def check(subject) -> list[Problem]:
    lesson = subject.lesson
    ceiling = CEILING[lesson.key_stage]
    blocks = subject.worksheet.sentences_text() + lesson.objectives
    fk, words, sentences, _ = grade(blocks)
    if fk <= ceiling:
        return []
    worst = sorted(blocks, key=lambda b: -grade([b])[0])[:2]
    examples = "; ".join(f"\"{b[:60]}…\"" if len(b) > 60 else f"\"{b}\"" for b in worst)
    return [Problem(lesson.shown, lesson.line_of("key_stage"),
                    f"pupils' text reads at grade {fk} (ceiling {ceiling:g} for "
                    f"{lesson.key_stage.upper()}; {words} words in {sentences} sentences): "
                    f"use shorter sentences and everyday words, e.g. {examples}", code=CODE)]
