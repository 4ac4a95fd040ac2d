"""A Job → the HTML of its document: the template context, assembled in one place."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field, replace

from markupsafe import Markup

from . import GENERATOR
from .errors import Problem
from .art import ArtLibrary
from .helplines import Registry
from .images import greyscale_uri
from .lessons import AGES, KEY_STAGES, Lesson
from .markdown import GUIDE, TEACHER, WORKSHEET, render_body
from .plan import Job
from .qr import qr_data_uri
from .timings import activities

KS_NAMES = {"ks1": "Key Stage 1", "ks2": "Key Stage 2", "ks3": "Key Stage 3", "ks4": "Key Stage 4"}
TEMPLATE_OF = {"worksheet": "worksheet.html", "teacher-notes": "teacher-notes.html",
               "pack": "pack.html", "worksheets": "pack-stamps.html",
               "parents-guide": "guide.html", "parents-letter": "letter.html",
               "slides": "slides.html"}
STAMPS_TEMPLATE = "pack-stamps.html"
ADULT_HELPLINES = ("nspcc", "police-emergency")
STAFF_HELPLINES = ("posh", "marie-collins")
ALWAYS = "childline"


@dataclass
class Inputs:
    """Everything a document is made from, loaded once per process."""

    lessons: dict[str, Lesson]
    registry: Registry
    safeguarding: dict
    curriculum: dict
    config: object | None = None          # config.SchoolConfig
    draft: bool = False
    fillable: bool = False
    paper: str = "A4"
    slides: dict = field(default_factory=dict)   # lesson id → {activity title: "3–5"}
    slide_texts: dict = field(default_factory=dict)   # lesson id → what each body slide shows
    problems: list[Problem] = field(default_factory=list)
    excluded: dict[str, str] = field(default_factory=dict)   # lesson id → why it is not chosen


@dataclass
class Composed:
    """A document's HTML and what made it."""

    html: str
    template: str
    date: dt.date
    problems: list[Problem]
    sources: list[Lesson]
    bodies: list = field(default_factory=list)   # markdown.Rendered of each lesson body used


def build_date(lessons: list[Lesson]) -> dt.date:
    """The document date: SOURCE_DATE_EPOCH if set, else the newest review date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
    return max((l.reviewed for l in lessons), default=dt.date(2026, 1, 1))


def academic_year(day: dt.date) -> str:
    """'2026–27' for a date from September 2026 to August 2027."""
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}–{str(start + 1)[-2:]}"


def helplines_for(lesson: Lesson, registry: Registry, *, with_qr: bool) -> list:
    """The lesson's signposting, Childline first, each with a QR code for web routes."""
    ids = [ALWAYS] + [h for h in lesson.signposting if h != ALWAYS]
    out = []
    for hid in ids:
        helpline = registry.get(hid)
        if helpline is None:
            continue
        qr = qr_data_uri(helpline.url) if with_qr and helpline.qr and helpline.url else None
        out.append(_WithQr(helpline, qr))
    return out


class _WithQr:
    """A helpline plus its QR code, for templates."""

    def __init__(self, helpline, qr_svg):
        self._h = helpline
        self.qr_svg = qr_svg

    def __getattr__(self, name):
        return getattr(self._h, name)

    def for_key_stage(self, key_stage):
        return self._h.for_key_stage(key_stage)


def compose(job: Job, inputs: Inputs, templates, *, starts: list[int] | None = None) -> Composed:
    """Render the document of one job to HTML.

    For a pack this is its front matter only (cover and contents): the lessons' pages are
    those of their own documents (assemble.py), and `starts` are the pack pages where each
    lesson's teacher notes and worksheet begin, in the order of pack_lessons()."""
    config = inputs.config
    school = config.school if config else None
    if school and school.logo and job.variant == "greyscale":
        school = replace(school, logo=greyscale_uri(school.logo))
    common = dict(
        school=school, dsl=config.dsl if config else None,
        deputy=config.deputy_dsl if config else None,
        contacts=config.contacts if config else [],
        safeguarding=inputs.safeguarding,
        adult_helplines=[inputs.registry[h] for h in ADULT_HELPLINES if h in inputs.registry],
        staff_helplines=[inputs.registry[h] for h in STAFF_HELPLINES if h in inputs.registry],
        step_out=config.step_out if config else None,
    )
    problems: list[Problem] = []
    bodies: list = []
    deck = None
    if job.kind == "slides":
        lesson = inputs.lessons[job.lesson]
        deck = deck_for(lesson, inputs, problems, bodies, templates,
                        greyscale=job.variant == "greyscale")
        sections = [dict(lesson=lesson)]
        date = build_date([lesson])
        title = doc_title = lesson.title  # the contract: PDF title = lesson title
        sources = [lesson]
        key_stage = lesson.key_stage
    elif job.kind in ("worksheet", "teacher-notes", "parents-guide"):
        lesson = inputs.lessons[job.lesson]
        sections = [_lesson_context(lesson, job.kind, inputs, problems, bodies, templates,
                                    greyscale=job.variant == "greyscale")]
        date = build_date([lesson])
        title = doc_title = lesson.title  # the contract: PDF title = lesson title
        sources = [lesson]
        key_stage = lesson.key_stage
    elif job.kind in ("pack", "worksheets"):
        chosen = pack_lessons(job, inputs)
        pages = list(starts or [0] * (2 * len(chosen)))
        sections = [{"lesson": lesson, "teacher_page": pages[2 * i],
                     "worksheet_page": pages[2 * i + 1]} if job.kind == "pack" else
                    {"lesson": lesson} for i, lesson in enumerate(chosen)]
        date = build_date(chosen)
        title = pack_title(job)
        doc_title = title + (f" – {school.name}" if school else "")
        sources, key_stage = chosen, job.key_stage
    else:  # parents-letter
        chosen = [l for l in inputs.lessons.values() if l.key_stage in KEY_STAGES]
        sections = []
        date = build_date(chosen)
        title = doc_title = f"A letter to parents and carers from {school.name}" if school \
            else "A letter to parents and carers"
        sources, key_stage = chosen, "parents"
    doc = dict(
        kind=job.kind, key_stage=key_stage or "parents", variant=job.variant,
        paper=inputs.paper.lower(), draft=inputs.draft, title=doc_title,
        fillable=inputs.fillable and job.kind == "worksheet",  # Name/Date fields too
        author=school.name if school else "lessonpack",
        description=_description(job, sources),
        keywords=", ".join(sorted({l.topic for l in sources})),
        generator=GENERATOR, date=date.isoformat(),
        footer=_footer(job, school), year=academic_year(date),
        ks_name=KS_NAMES.get(job.key_stage or "", ""), ages=AGES.get(job.key_stage or "", ""),
    )
    template = TEMPLATE_OF[job.kind]
    if deck is not None:
        from .slides import block_pt, cards_per_row, title_pt

        context = dict(common, doc=doc, deck=deck, lesson=sections[0]["lesson"],
                       cards_per_row=lambda n: cards_per_row(n, deck.key_stage),
                       block_pt=lambda block: block_pt(block, deck.key_stage),
                       title_pt=lambda text: title_pt(deck.key_stage, text))
    elif job.kind in ("pack", "worksheets"):
        context = dict(common, doc=doc, sections=sections, title=title,
                       key_stages=_key_stage_summary(inputs))
    elif job.kind == "parents-letter":
        context = dict(common, doc=doc, key_stages=_key_stage_summary(inputs),
                       helplines=[inputs.registry[h] for h in
                                  ("nspcc", "ceop", "childline", "police-emergency")
                                  if h in inputs.registry])
    else:
        context = dict(common, doc=doc, **sections[0])
    html = templates.render(template, **context)
    return Composed(html=html, template=template, date=date, problems=problems, sources=sources,
                    bodies=bodies)


def pack_lessons(job: Job, inputs: Inputs) -> list[Lesson]:
    """The lessons of a pack or class set, in the order they are printed."""
    return [l for l in inputs.lessons.values() if l.key_stage == job.key_stage]


def pack_title(job: Job) -> str:
    if job.kind == "worksheets":
        return f"{KS_NAMES[job.key_stage]} worksheets – class set"
    return f"{KS_NAMES[job.key_stage]} safeguarding pack"


def compose_stamps(job: Job, inputs: Inputs, templates, sheet: dict,
                   size: tuple[float, float]) -> str:
    """The HTML of a pack's stamps document: its page numbers, each in a cell of
    assemble.stamp_sheet, and the blank-page note."""
    doc = dict(kind=job.kind, key_stage=job.key_stage, variant=job.variant,
               title=pack_title(job))
    pages = [[c for c in sheet["cells"] if c["page"] == n] for n in range(sheet["grid_pages"])]
    return templates.render(STAMPS_TEMPLATE, doc=doc, pages=pages,
                            blank=sheet["blank_page"] is not None,
                            cell_width=f"{sheet['width']:.3f}", cell_height=f"{sheet['height']:.3f}",
                            width=f"{size[0]:.4f}", height=f"{size[1]:.4f}")


def _lesson_context(lesson: Lesson, kind: str, inputs: Inputs, problems: list[Problem],
                    bodies: list, templates, *, greyscale: bool = False) -> dict:
    audience = {"worksheet": WORKSHEET, "teacher-notes": TEACHER, "parents-guide": GUIDE}[kind]
    rendered = render_body(lesson, audience, inputs.registry,
                           fillable=inputs.fillable and kind == "worksheet",
                           art=ArtLibrary.of(templates, greyscale=greyscale),
                           prep_first=kind == "teacher-notes")
    problems.extend(rendered.problems)
    bodies.append(rendered)
    reassurance_key = "parents" if lesson.is_guide else lesson.key_stage
    return dict(
        lesson=lesson, body=Markup(rendered.html), kind=kind,
        baseline_again=Markup(rendered.baseline_again),  # "What I know now" at the end
        take_home=Markup(rendered.take_home),            # `::: keep` boxes, after it
        helplines=helplines_for(lesson, inputs.registry, with_qr=kind != "teacher-notes"),
        reassurance=inputs.safeguarding["reassurance"][reassurance_key],
        curriculum=[{"id": c, "title": inputs.curriculum.get(c, {}).get("title", c)}
                    for c in lesson.curriculum],
        # "Lesson at a glance": the timed activities, and the slides each one uses
        # ({activity title: "3–5"}; empty until the lesson has slides, printed as "–").
        activities=activities(lesson) if not lesson.is_guide else [],
        slides=dict(inputs.slides.get(lesson.id, {})),
    )


def slide_summaries(inputs: Inputs, templates=None) -> tuple[dict, dict]:
    """From one deck per lesson: lesson id → {activity title: "3–5"} (the slides of each
    activity, for the teacher notes' "Lesson at a glance") and lesson id → the text of each
    slide made from the lesson body (for the checks, which look for answers shown on them)."""
    numbers, texts = {}, {}
    for lesson in inputs.lessons.values():
        if not lesson.is_guide:
            numbers[lesson.id], texts[lesson.id] = deck_summary(lesson, inputs, templates)
    return numbers, texts


def deck_summary(lesson: Lesson, inputs: Inputs, templates=None) -> tuple[dict, list[str]]:
    """One lesson's {activity title: "3–5"} and the text of each slide made from its body
    (the others print front matter and data)."""
    deck = deck_for(lesson, inputs, [], [], templates)
    return deck.numbers_by_activity(), [s.text() for s in deck.slides
                                        if s.kind in ("activity", "recap")]


def deck_for(lesson: Lesson, inputs: Inputs, problems: list[Problem], bodies: list,
             templates=None, *, greyscale: bool = False):
    """A lesson's slides: the worksheet's own body (rendered with slide markers) for what
    pupils see, the teacher notes' body for the speaker notes."""
    from .slides import build_deck

    art = ArtLibrary.of(templates, greyscale=greyscale) if templates is not None else None
    pupils = render_body(lesson, WORKSHEET, inputs.registry, slides=True, art=art)
    teacher = render_body(lesson, TEACHER, inputs.registry, art=art)
    problems.extend(pupils.problems)
    bodies.append(pupils)
    config = inputs.config
    return build_deck(lesson=lesson, pupils=pupils.tree, teacher=teacher.tree,
                      helplines=helplines_for(lesson, inputs.registry, with_qr=True),
                      safeguarding=inputs.safeguarding,
                      school=config.school if config else None,
                      step_out=config.step_out if config else None,
                      dsl=config.dsl if config else None)


def _key_stage_summary(inputs: Inputs) -> list[dict]:
    """Per key stage: its name, ages and the lesson titles chosen."""
    out = []
    for ks in KEY_STAGES:
        titles = [l.title for l in inputs.lessons.values() if l.key_stage == ks]
        if titles:
            out.append({"key_stage": ks, "name": KS_NAMES[ks], "ages": AGES[ks], "titles": titles})
    return out


def _description(job: Job, lessons: list[Lesson]) -> str:
    if job.kind in ("worksheet", "teacher-notes", "slides"):
        return f"{KS_NAMES[lessons[0].key_stage]} {job.kind.replace('-', ' ')}: {lessons[0].title}"
    if job.kind == "pack":
        return f"{KS_NAMES[job.key_stage]} lessons on online grooming, isolation and reporting"
    if job.kind == "worksheets":
        return f"{KS_NAMES[job.key_stage]}: every worksheet, for a class set"
    return "Information for parents and carers about online grooming and where to get help"


def _footer(job: Job, school) -> str:
    name = school.name if school else "lessonpack"
    label = {"worksheet": "Worksheet", "teacher-notes": "Teacher notes – not for pupils",
             "pack": "Safeguarding pack", "worksheets": "Worksheets – class set",
             "parents-guide": "For parents and carers",
             "parents-letter": "Letter to parents and carers", "slides": "Slides"}[job.kind]
    return f"{name} · {label}"

