"""Signposting: Childline always, CEOP from KS2, reassurance on every worksheet,
the DSL box, NSPCC helpline and step-out routine in every teacher document – checked on the
documents as composed, so a template override cannot drop them unnoticed."""

from __future__ import annotations

import re

from ..errors import Problem

CODE = "signpost"
NOT_YOUR_FAULT = re.compile(r"(?i)(never|not)\s+(your|their)\s+fault")
STEP_OUT = re.compile(r"(?i)step[- ]out routine.{0,400}?where they can go.{0,600}?who follows up")
NOT_IN_TROUBLE = re.compile(r"(?i)(not|won['’]t|will\s+not)\s+(be\s+)?in\s+trouble")


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").replace("&#x27;", "'").split())


def check(subject, registry) -> list[Problem]:
    lesson = subject.lesson
    line = lesson.line_of("signposting")
    problems = []
    if "childline" not in lesson.signposting:
        problems.append(Problem(lesson.shown, line, "every lesson signposts Childline: add 'childline'", code=CODE))
    if lesson.key_stage in ("ks2", "ks3", "ks4") and "ceop" not in lesson.signposting:
        problems.append(Problem(lesson.shown, line, f"{lesson.key_stage.upper()} lessons signpost CEOP: add 'ceop'", code=CODE))
    worksheet = _text(subject.worksheet_html)
    if not NOT_YOUR_FAULT.search(worksheet):
        problems.append(Problem(lesson.shown, 1, "the worksheet never says it is not the child's fault "
                                                 "(the 'Remember' box may have been removed by a template)", code=CODE))
    if not lesson.is_guide and not NOT_IN_TROUBLE.search(worksheet):
        problems.append(Problem(lesson.shown, 1, "the worksheet never says the child won't be in trouble for telling", code=CODE))
    if "childline" in registry and registry["childline"].phone not in worksheet:
        problems.append(Problem(lesson.shown, 1, "the worksheet does not print Childline's number", code=CODE))
    if not lesson.is_guide:
        teacher = _text(subject.teacher_html)
        if "Designated Safeguarding Lead" not in teacher:
            problems.append(Problem(lesson.shown, 1, "the teacher notes have no Designated Safeguarding Lead box", code=CODE))
        if "nspcc" in registry and registry["nspcc"].phone not in teacher:
            problems.append(Problem(lesson.shown, 1, "the teacher notes do not print the NSPCC helpline", code=CODE))
        if not STEP_OUT.search(teacher):
            problems.append(Problem(lesson.shown, 1, "the teacher notes have no step-out routine (where a "
                                                     "pupil can go and who follows up; the safeguarding box "
                                                     "may have been changed by a template)", code=CODE))
        if not re.search(r"(?i)never promise", teacher):
            problems.append(Problem(lesson.shown, 1, "the teacher notes have no disclosure steps", code=CODE))
    return problems
