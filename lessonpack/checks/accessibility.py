"""Accessibility gates: a heading outline a screen reader can navigate, and images
that say what they show.

The templates print the title as the only level-1 heading, so a lesson body starts
at `##` and goes down one level at a time.  Both documents are checked, because a
heading inside `::: teacher` can leave a worksheet's outline with a gap that the
teacher notes do not have.  markdown.py already finds images without alt text
(code 'alt-text'); they are collected here from both audiences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import Problem
from ..markdown import source_line
from ..timings import split_minutes

ATX_RE = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
SETEXT_RE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
INLINE_MARKS_RE = re.compile(r"[*_`~\\]|\[\[([^\]]*)\]\]|\[([^\]]*)\]\([^)]*\)")
FENCE_RE = re.compile(r"^ {0,3}(```|~~~)")
GENERIC_ALT = {"image", "picture", "photo", "img", "graphic", "icon", "figure", "diagram"}
TITLE_LEVEL = 1


@dataclass(frozen=True)
class SourceHeading:
    """A heading as written in the lesson file."""

    line: int
    level: int
    text: str


def check(lesson, worksheet_rendered, teacher_rendered) -> list[Problem]:
    """Headings that skip a level or repeat the title's level, and images without alt."""
    problems: list[Problem] = []
    sources = source_headings(lesson.body, lesson.body_line)
    for rendered in (worksheet_rendered, teacher_rendered):
        if rendered is None:
            continue
        problems += heading_problems(rendered.headings(), sources, lesson.shown)
        problems += [p for p in rendered.problems if p.code == "alt-text"]
        problems += _generic_alt(rendered, lesson)
    return sorted(set(problems), key=lambda p: (p.line or 0, p.message))


def heading_problems(headings: list[tuple[int, str]], sources: list[SourceHeading],
                     shown: str) -> list[Problem]:
    """Problems in one document's outline; `headings` are (level, text) in print order."""
    problems = []
    previous_level, previous_text = TITLE_LEVEL, None
    cursor = 0
    for level, text in headings:
        source, cursor = _find_source(sources, cursor, level, text)
        line = source.line if source else None
        hashes = "#" * level
        if level == TITLE_LEVEL:
            problems.append(Problem(
                shown, line, f"'{hashes} {text}' is a level-1 heading: the lesson title is the "
                             "page's only level-1 heading, so use '## ' for sections",
                code="heading-level"))
        elif level > previous_level + 1:
            after = f"'{'#' * previous_level} {previous_text}'" if previous_text else "the title"
            problems.append(Problem(
                shown, line, f"'{hashes} {text}' skips a heading level after {after}: use "
                             f"'{'#' * (previous_level + 1)} {text}' so screen readers can "
                             "follow the outline", code="heading-level"))
        previous_level, previous_text = level, text
    return problems


def source_headings(body: str, first_line: int) -> list[SourceHeading]:
    """ATX (`## x`) and setext (underlined) headings of a Markdown body, with file lines."""
    headings = []
    lines = body.split("\n")
    in_code = False
    for i, text in enumerate(lines):
        if FENCE_RE.match(text):
            in_code = not in_code
            continue
        if in_code:
            continue
        atx = ATX_RE.match(text)
        if atx:
            headings.append(SourceHeading(first_line + i, len(atx.group(1)),
                                          _plain(split_minutes(atx.group(2))[0])))
            continue
        setext = SETEXT_RE.match(text)
        if setext and i > 0 and lines[i - 1].strip() and not ATX_RE.match(lines[i - 1]) \
                and not lines[i - 1].lstrip().startswith((":::", "-", "*", ">")):
            level = 1 if setext.group(1)[0] == "=" else 2
            headings.append(SourceHeading(first_line + i - 1, level, _plain(lines[i - 1])))
    return headings


def _find_source(sources: list[SourceHeading], cursor: int, level: int, text: str
                 ) -> tuple[SourceHeading | None, int]:
    """The source heading a rendered one came from: same level and text, in order."""
    wanted = _plain(text)
    for matcher in (lambda s: s.level == level and s.text == wanted,
                    lambda s: s.level == level and (wanted in s.text or s.text in wanted)):
        for i in range(cursor, len(sources)):
            if matcher(sources[i]):
                return sources[i], i + 1
    return None, cursor


def _plain(text: str) -> str:
    """Heading text without Markdown marks, for matching source to output."""
    text = INLINE_MARKS_RE.sub(lambda m: m.group(2) or "", text)
    return " ".join(text.split()).casefold()


def _generic_alt(rendered, lesson) -> list[Problem]:
    """Alt text that names the file or just says 'image' tells a blind reader nothing."""
    problems = []
    for img in rendered.tree.iter("img"):
        alt = " ".join((img.get("alt") or "").split())
        src = img.get("src", "")
        stem = re.sub(r"\.[a-z0-9]+$", "", src.rsplit("/", 1)[-1], flags=re.I)
        if alt and (alt.casefold() in GENERIC_ALT or alt.casefold() in (src.casefold(), stem.casefold())):
            problems.append(Problem(
                lesson.shown, source_line(lesson, src),
                f"image {src}: alt text '{alt}' does not say what the picture shows; "
                "describe it, e.g. ![Sam looking worried at a phone](…)",
                code="alt-text", severity="warning"))
    return problems

