"""Content gates: one module per concern, each returning Problems with path:line.

`run_checks` prepares each lesson once – its fence scan, its body rendered for
the worksheet and for the teacher, and both documents composed from the real
templates – and hands that to every gate, so a gate checks what will really be
printed (an override template that drops the "Remember" box is caught too).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

from ..errors import Problem
from ..lessons import Lesson
from ..markdown import GUIDE, WORKSHEET, Rendered, Scan
from ..yamlfile import load_yaml_mapping


@dataclass
class Subject:
    """One lesson, prepared for the gates."""

    lesson: Lesson
    scan: Scan
    worksheet: Rendered              # the body as the pupils (or parents) see it
    teacher: Rendered | None         # the body as the teacher sees it (None for the guide)
    worksheet_html: str              # the whole composed document
    teacher_html: str
    slides_text: list[str] = field(default_factory=list)   # what each projector slide shows

    def printed_front_matter(self) -> list[tuple[int, str]]:
        """(file line, text) of the front matter pupils read too: title, objectives, keywords,
        and the key messages their slides show."""
        lines = self.lesson.source_lines()
        keys = [k for k in self.lesson.lines if k == "title" or
                k.split(".")[0] in ("objectives", "keywords", "key_messages") and "." in k]
        return sorted({(self.lesson.lines[k], lines[self.lesson.lines[k] - 1]) for k in keys})

    def student_lines(self) -> list[tuple[int, str]]:
        """(file line, text) of every line pupils read: printed front matter and body."""
        audience = GUIDE if self.lesson.is_guide else WORKSHEET
        lines = self.lesson.body.split("\n")
        return self.printed_front_matter() + \
            [(n, lines[n - self.lesson.body_line]) for n in self.scan.lines_for(audience)]

    def all_lines(self) -> list[tuple[int, str]]:
        """(file line, text) of every printed line: title, objectives, keywords and body."""
        return self.printed_front_matter() + [(self.lesson.body_line + i, text)
                                              for i, text in enumerate(self.lesson.body.split("\n"))]


def today() -> dt.date:
    """Today, or LESSONPACK_TODAY (ISO date) so tests and CI can pin it."""
    pinned = os.environ.get("LESSONPACK_TODAY")
    return dt.date.fromisoformat(pinned) if pinned else dt.date.today()


def prepare_lesson(lesson, inputs, templates) -> tuple[Subject | None, list[Problem]]:
    """One lesson's Subject (None if its fences are broken) and the problems found composing it."""
    from ..compose import compose
    from ..plan import Job

    ks = None if lesson.is_guide else lesson.key_stage
    kind = "parents-guide" if lesson.is_guide else "worksheet"
    pupils = compose(Job("x.pdf", kind, ks, lesson.id), inputs, templates)
    worksheet = pupils.bodies[0]
    if worksheet.scan.problems:
        return None, list(worksheet.scan.problems)
    problems = []
    teacher, teacher_html = None, ""
    if not lesson.is_guide:
        notes = compose(Job("x.pdf", "teacher-notes", ks, lesson.id), inputs, templates)
        teacher, teacher_html = notes.bodies[0], notes.html
    problems += worksheet.problems
    if teacher is not None:    # e.g. unknown art inside '::: teacher'
        problems += teacher.problems
    slides = []
    if not lesson.is_guide:
        from ..compose import deck_summary

        # what the slides made from the lesson body show: read when the inputs were
        # loaded (inputs made otherwise, as some tests do, have not read it)
        slides = inputs.slide_texts.get(lesson.id)
        if slides is None:
            slides = deck_summary(lesson, inputs, templates)[1]
    return Subject(lesson, worksheet.scan, worksheet, teacher, pupils.html, teacher_html,
                   slides), problems


def run_checks(project, inputs, *, strict: bool = False, on: dt.date | None = None,
               memo=None) -> list[Problem]:
    """Every finding on the chosen lessons, errors and warnings, sorted by place.  With a
    `memo` (checkmemo.CheckMemo, a build's), an unchanged lesson's findings are reused."""
    from ..render import Templates
    from . import blame

    templates = Templates.of(project, inputs.config)
    words, _ = load_yaml_mapping(project.data("language.yml"))
    cast = project.doc("cast.md")
    offenders = blame.offender_names(cast.read_text(encoding="utf-8")) if cast.is_file() else ()
    on = on or today()
    problems = []
    for lesson in inputs.lessons.values():
        slides = inputs.slide_texts.get(lesson.id, [] if lesson.is_guide else None)
        found = memo.get(lesson, slides) if memo is not None and slides is not None else None
        if found is None:
            found = check_lesson(lesson, inputs, templates, words, offenders,
                                 strict=strict, on=on)
            if memo is not None and slides is not None:
                memo.put(lesson, slides, found)
        problems += found
    return sorted(set(problems), key=lambda p: (p.path, p.line or 0, p.code, p.message))


def check_lesson(lesson, inputs, templates, words, offenders, *, strict: bool,
                 on: dt.date) -> list[Problem]:
    """Every gate on one lesson: what its worksheet, teacher notes and slides will print."""
    from ..overrides import remap
    from . import (accessibility, baseline, blame, drawing, frontmatter, freshness, language,
                   leaks, numbers, overrides as school_overrides, readability, signposting,
                   timings)

    subject, problems = prepare_lesson(lesson, inputs, templates)
    if subject is not None:
        problems += numbers.check(subject, inputs.registry)
        problems += signposting.check(subject, inputs.registry)
        problems += language.check(subject, words)
        problems += blame.check(subject, words.get("blame", {}), offenders)
        problems += readability.check(subject)
        problems += drawing.check(subject)
        problems += leaks.check(subject)
        problems += freshness.check(subject, on, strict=strict)
        problems += frontmatter.check(subject, inputs.curriculum, strict=strict)
        problems += accessibility.check(subject.lesson, subject.worksheet, subject.teacher)
        problems += baseline.check(subject)
        problems += timings.check(subject)
    # Findings in a section override's merged lesson point at the file each line came from.
    problems = remap(problems, [lesson])
    if subject is not None:
        problems += school_overrides.check(subject.lesson)
    return problems
