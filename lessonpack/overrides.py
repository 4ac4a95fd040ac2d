"""A school's changes to a shipped lesson: the whole file, or only some of its sections.

A section override names the lesson it changes and the version it was made from:

    ---
    sections_of: ks2-grooming
    based_on: 3f2a9c1d0b7e          # first 12 hex digits of the shipped file's sha256
    ---
    ## Activity 2: Spot the trick {15 min}
    …the school's version of this section…

Every level-2 section of the override replaces the shipped section with the same heading
(minutes aside); the rest of the lesson stays the shipped one and keeps receiving fixes.
`check` warns when the shipped file no longer matches `based_on`.  Each line of the
merged lesson remembers the file and line it came from, so findings point at the file a
teacher should edit.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from .errors import Problem
from .timings import HEADING_RE, split_minutes

FENCE_OPEN = re.compile(r"^ {0,3}:{3,}[ \t]*[A-Za-z][\w-]*")
FENCE_CLOSE = re.compile(r"^ {0,3}:{3,}[ \t]*$")
SECTION_KEYS = ("sections_of", "based_on")
STAMP_LENGTH = 12


def stamp(text: str) -> str:
    """The version stamp of a lesson file: the first 12 hex digits of its sha256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:STAMP_LENGTH]


@dataclass
class Section:
    """A level-2 section of a body (or the part before the first heading)."""

    title: str | None          # None for the text before the first heading
    lines: list[str]
    first: int                 # offset of its first line in the body


def sections(body: str) -> list[Section]:
    """Split a body at its top-level '## ' headings (not inside ::: blocks)."""
    out = [Section(None, [], 0)]
    depth = 0
    for offset, text in enumerate(body.split("\n")):
        if FENCE_CLOSE.match(text):
            depth = max(0, depth - 1)
        elif FENCE_OPEN.match(text) and not _void(text):
            depth += 1
        heading = HEADING_RE.match(text) if depth == 0 else None
        if heading and len(heading.group(1)) == 2:
            out.append(Section(_key(heading.group(2)), [], offset))
        out[-1].lines.append(text)
    return out


def _void(text: str) -> bool:
    kind = text.strip(": \t").split()[0].lower() if text.strip(": \t") else ""
    return kind in ("lines", "box", "trusted-adults", "hand")


def _key(title: str) -> str:
    return " ".join(split_minutes(title)[0].lower().split())


@dataclass
class Merged:
    """A shipped lesson with a school's sections in place."""

    text: str
    origins: list[tuple[str, int]]   # per line of text: (file shown, line)
    problems: list[Problem]


def merge(shipped_text: str, shipped_shown: str, override_body: str, override_shown: str,
          override_body_line: int, shipped_front_end: int) -> Merged:
    """The shipped file with each of the override's sections in place of its namesake.

    shipped_front_end: number of lines of the shipped file up to and including the
    front matter's closing '---'.
    """
    shipped_lines = shipped_text.split("\n")
    head = shipped_lines[:shipped_front_end]
    body = "\n".join(shipped_lines[shipped_front_end:])
    origins = [(shipped_shown, n + 1) for n in range(len(head))]
    lines = list(head)
    ours = {s.title: s for s in sections(override_body) if s.title is not None}
    problems = []
    used = set()
    for section in sections(body):
        replacement = ours.get(section.title) if section.title is not None else None
        if replacement is not None:
            used.add(section.title)
            lines += replacement.lines
            origins += [(override_shown, override_body_line + replacement.first + i)
                        for i in range(len(replacement.lines))]
        else:
            lines += section.lines
            origins += [(shipped_shown, shipped_front_end + section.first + i + 1)
                        for i in range(len(section.lines))]
    for title, section in ours.items():
        if title not in used:
            problems.append(Problem(override_shown, override_body_line + section.first,
                                    f"section '{section.lines[0].lstrip('#').strip()}' is not a "
                                    f"section of {shipped_shown} (its headings: "
                                    f"{', '.join(s.lines[0].lstrip('#').strip() for s in sections(body) if s.title)})"))
    return Merged("\n".join(lines), origins, problems)


def remap(problems: list[Problem], lessons) -> list[Problem]:
    """Findings about a merged lesson, pointed at the file and line they came from."""
    from dataclasses import replace

    merged = {l.shown: l for l in lessons if getattr(l, "origins", None)}
    out = []
    for problem in problems:
        lesson = merged.get(problem.path)
        if lesson is not None and problem.line and 0 < problem.line <= len(lesson.origins):
            shown, line = lesson.origins[problem.line - 1]
            problem = replace(problem, path=shown, line=line)
        out.append(problem)
    return out
