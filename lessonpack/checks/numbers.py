"""Phone numbers and web addresses: only from the registry, never typed by hand."""

from __future__ import annotations

import difflib
import re

from ..errors import Problem
from ..helplines import REF_RE, Registry

CODE_PHONE, CODE_WEB = "number", "link"
# UK-style numbers: 0800 1111, 0808 800 5000, 01632 960000, +44 …, and the short
# emergency numbers when they stand alone as a number to call.
PHONE_RE = re.compile(r"(?<![\w.])(?:\+44\s?|0)\d{2,4}[\s-]?\d{3,4}(?:[\s-]?\d{3,4})?(?!\w|\.\d)")
SHORT_RE = re.compile(r"(?i)\b(?:call|ring|phone|dial|on)\s+(999|101|111|112)\b")
WEB_RE = re.compile(r"(?i)\b(?:https?://|www\.)[^\s)>\]]+|\b(?:[a-z0-9-]+\.)+(?:uk|com|org|net|gov|police|info|io)\b(?:/[^\s)>\]]*)?")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text.replace("+44", "0"))


def check(subject, registry: Registry) -> list[Problem]:
    """Every hand-typed number or address in the body is an error, with the fix."""
    lesson = subject.lesson
    problems = []
    by_number = {_digits(h.phone): h for h in registry.values() if h.phone}
    by_web = {h.web.lower(): h for h in registry.values() if h.web}
    for line, text in subject.all_lines():
        text = REF_RE.sub("", text)
        for match in PHONE_RE.finditer(text):
            problems.append(Problem(lesson.shown, line, _phone_message(match.group(0), by_number),
                                    code=CODE_PHONE))
        for match in SHORT_RE.finditer(text):
            problems.append(Problem(lesson.shown, line, _phone_message(match.group(1), by_number),
                                    code=CODE_PHONE))
        for match in WEB_RE.finditer(text):
            problems.append(Problem(lesson.shown, line, _web_message(match.group(0), by_web),
                                    code=CODE_WEB))
    return problems


def _phone_message(number: str, by_number: dict) -> str:
    digits = _digits(number)
    if digits in by_number:
        h = by_number[digits]
        return f"'{number}' typed by hand: write [[{h.id}.phone]] so it comes from data/helplines.yml"
    close = difflib.get_close_matches(digits, list(by_number), n=1, cutoff=0.7)
    hint = f" – did you mean {by_number[close[0]].name} ({by_number[close[0]].phone}), [[{by_number[close[0]].id}.phone]]?" if close else ""
    return f"'{number}' is not a number in data/helplines.yml{hint}"


def _web_message(address: str, by_web: dict) -> str:
    bare = re.sub(r"(?i)^(https?://)?(www\.)?", "", address).rstrip(".,;:").lower()
    for web, h in by_web.items():
        if bare == web or bare.rstrip("/") == web:
            return f"'{address}' typed by hand: write [[{h.id}.web]] so it comes from data/helplines.yml"
    close = difflib.get_close_matches(bare, list(by_web), n=1, cutoff=0.75)
    hint = f" – did you mean [[{by_web[close[0]].id}.web]] ({close[0]})?" if close else ""
    return f"'{address}' is not an address in data/helplines.yml{hint}"
