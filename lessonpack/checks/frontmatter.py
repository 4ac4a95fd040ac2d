"""Front matter completeness beyond the loader: objectives, sources a teacher can open,
curriculum, the "Lesson at a glance" lists, TODOs."""

from __future__ import annotations

import re

from ..errors import Problem

CODE = "front-matter"
TODO_RE = re.compile(r"\bTODO\b")
#: A public web address: https, a dotted host name (not localhost, not an IP address).
PUBLIC_URL = re.compile(r"https://(?!localhost\b)(?![\d.]+(?:[:/]|$))[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}"
                        r"(?:[/?#]\S*)?", re.I)
#: An address with no page: the host alone, perhaps with "/" (www.gov.uk, www.iwf.org.uk/).
HOME_PAGE = re.compile(r"https://[^/?#\s]+/?", re.I)
#: Citations a teacher cannot open: our own reference files and their sections.
INTERNAL = re.compile(r"(?i)\.md\b|§|safeguarding-facts")
GLANCE_KEYS = {"resources": "what the teacher needs ready (worksheets, scissors, a question box)",
               "key_questions": "the questions to ask during the lesson",
               "key_messages": "what every pupil should leave knowing"}


def check(subject, curriculum: dict, *, strict: bool = False) -> list[Problem]:
    lesson = subject.lesson
    problems = []

    def add(key: str, message: str, line: int | None = None, code: str = CODE) -> None:
        problems.append(Problem(lesson.shown, line or lesson.line_of(key) or 1, message, code=code))

    if not lesson.is_guide:
        if not lesson.objectives:
            add("objectives", "front matter 'objectives': give at least one 'I can…' statement")
        for i, objective in enumerate(lesson.objectives):
            if not objective.startswith("I can"):
                add("objectives", f"front matter 'objectives': {objective[:40]!r} should start with 'I can'",
                    lesson.line_of(f"objectives.{i}"))
        for key, what in GLANCE_KEYS.items():
            if not getattr(lesson, key):
                add(key, f"front matter '{key}': list {what} – printed in 'Lesson at a glance'")
    if not lesson.sources:
        add("sources", "front matter 'sources': name where the facts come from")
    for i, source in enumerate(lesson.sources):
        line = lesson.line_of(f"sources.{i}")
        internal = INTERNAL.search(source)
        if internal:
            add("sources", f"front matter 'sources': {source[:50]!r} cites an internal file "
                           f"({internal.group(0)!r}) a teacher cannot open; give the public page it "
                           "came from, e.g. 'NSPCC – Grooming: https://www.nspcc.org.uk'", line)
            continue
        url = PUBLIC_URL.search(source)
        if not url:
            add("sources", f"front matter 'sources': {source[:50]!r} has no public https:// address; "
                           "write the name and the address, e.g. 'NSPCC – Grooming: https://www.nspcc.org.uk'",
                line)
        elif len(re.sub(r"[^A-Za-z]", "", source.replace(url.group(0), ""))) < 3:
            add("sources", f"front matter 'sources': {source[:50]!r}: name the source before its "
                           "address, e.g. 'NSPCC – Grooming: https://www.nspcc.org.uk'", line)
        elif HOME_PAGE.fullmatch(url.group(0).rstrip(".,;)")):
            # a teacher checking a fact needs the page that says it, not the site's front door
            problems.append(Problem(
                lesson.shown, line or 1,
                f"front matter 'sources': {url.group(0)!r} is a home page; give the address of the "
                "page that says it, e.g. 'NSPCC Learning – Childline: "
                "https://learning.nspcc.org.uk/services/childline'", code=CODE,
                severity="error" if strict else "warning"))
    if not lesson.curriculum:
        add("curriculum", "front matter 'curriculum': give at least one reference from data/curriculum.yml")
    for i, ref in enumerate(lesson.curriculum):
        if ref not in curriculum:
            add("curriculum", f"front matter 'curriculum': unknown reference {ref!r} "
                              "(the ids are the keys of data/curriculum.yml)", lesson.line_of(f"curriculum.{i}"))
    text = lesson.source_lines()
    for n, line in enumerate(text, 1):
        if TODO_RE.search(line):
            add("", f"unfinished: {line.strip()[:70]}", n, code="todo")
    return problems
