"""One worker: turns Jobs into PDF bytes.  The same code runs in-process (--jobs 1)
and in each worker process, which pays for WeasyPrint, fonts and stylesheets once."""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from .compose import STAMPS_TEMPLATE, Composed, Inputs, compose, compose_stamps, pack_lessons
from .errors import LessonpackError, Problem
from .plan import ASSEMBLED, Job
from .plan import parts as plan_parts
from .project import Project
from .render import Templates

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))


@dataclass(frozen=True)
class Settings:
    """Everything a worker process needs to rebuild its inputs (picklable)."""

    project_root: str
    config_path: str | None = None
    fillable: bool = False
    draft: bool = False
    key_stages: tuple[str, ...] = ()


@dataclass
class Result:
    """What one job produced: bytes and pages, or the problems that stopped it."""

    job: Job
    data: bytes | None = None
    pages: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)
    used: list[str] = field(default_factory=list)   # template files, for the cache
    layout: list[Problem] = field(default_factory=list)  # the layout gate's findings (warnings)
    laid_out: int = 0       # pages WeasyPrint laid out: its own, or a pack's front matter

    @property
    def ok(self) -> bool:
        return self.data is not None and not any(p.severity == "error" for p in self.problems)


def stylesheets_for(templates: Templates, job: Job, paper: str) -> list[Path]:
    """Variant and paper stylesheets added on top of css/print.css."""
    extra = []
    for name in ([f"css/variant-{job.variant}.css"] if job.variant != "standard" else []) + \
            ([f"css/paper-{paper.lower()}.css"] if paper.lower() != "a4" else []):
        path = templates.find_asset(name)
        if path:
            extra.append(path)
    return extra


class Worker:
    """Holds the loaded inputs, templates and renderer of one process."""

    def __init__(self, settings: Settings, inputs: Inputs | None = None):
        from .inputs import load_inputs

        self.settings = settings
        self.project = Project(Path(settings.project_root))
        self.inputs = inputs or load_inputs(self.project, settings)
        self.templates = Templates.of(self.project, self.inputs.config)
        self._renderer = None

    @property
    def renderer(self):
        if self._renderer is None:
            from .pdf import Renderer

            config = self.inputs.config
            allowed = [self.project.templates, self.project.builtin_templates,
                       self.project.lessons, *FONT_DIRS]
            if config:
                allowed.append(config.dir)
            base = self.templates.find_asset("css/print.css")
            self._renderer = Renderer(allowed=allowed, stylesheets=[base])
        return self._renderer

    def compose(self, job: Job) -> Composed:
        return compose(job, self.inputs, self.templates)

    def run(self, job: Job, parts: list[tuple[Job, bytes]] | None = None, *,
            write: bool = True) -> Result:
        """Render one job (or, with write=False, only lay it out for the layout gate);
        problems are returned, never raised.  A pack or class set is assembled from
        `parts`, the PDFs of its documents, in print order."""
        start = time.perf_counter()
        result = Result(job)
        try:
            if job.kind == "slides-pptx":
                return self._powerpoint(job, result, start)
            if job.kind in ASSEMBLED:
                if parts is None:     # on its own (e.g. a preview): lay its documents out here
                    parts = []
                    for part in plan_parts(job, list(self.inputs.lessons.values())):
                        done = self.run(part)
                        if not done.ok:
                            result.problems += done.problems
                            return result
                        parts.append((part, done.data))
                        result.laid_out += done.laid_out
                self._assemble(job, parts, result)
                result.seconds = time.perf_counter() - start
                return result
            composed = self.compose(job)
            result.problems += composed.problems
            extra = stylesheets_for(self.templates, job, self.inputs.paper)
            if job.kind == "slides":   # their own stylesheet, variants included
                extra = [self.templates.find_asset("css/slides.css")]
            rendered = self.renderer.to_pdf(
                composed.html, base_url=self.project.lessons, extra_css=extra,
                forms=self.inputs.fillable and job.kind == "worksheet", kind=job.kind,
                variant=job.variant, write=write, own_css=job.kind == "slides")
            where = composed.sources[0].shown if len(composed.sources) == 1 else job.path
            result.problems += [Problem(where, None, message, code="resource")
                                for message in rendered.errors]
            result.layout = layout_problems(job, composed.sources, rendered.layout)
            result.data, result.pages = rendered.pdf, rendered.pages
            result.laid_out = rendered.pages
            # Templates it loaded plus every stylesheet, image and font it read, so that
            # editing print.css or a lesson's image makes the document stale.
            # An override added later in front of any of them counts as well.
            used = list(self.templates.used_by(composed.template)) + list(rendered.used)
            result.used = [str(p) for p in used + self.templates.shadows(used)]
        except LessonpackError as exc:
            result.problems += exc.problems or [Problem(job.path, None, exc.message)]
        except RecursionError:
            # WeasyPrint lays out nested boxes recursively: a pathological document fails
            # alone (markdown.MAX_DEPTH normally stops lessons long before this).
            lesson = self.inputs.lessons.get(job.lesson or "")
            result.problems.append(Problem(lesson.shown if lesson else job.path, None,
                                           "too deeply nested to lay out; simplify the lesson"))
        result.seconds = time.perf_counter() - start
        return result

    def _powerpoint(self, job: Job, result: Result, start: float) -> Result:
        """The editable PowerPoint file: the same deck as the slides PDF, other writer."""
        from .compose import build_date, deck_for
        from .powerpoint import write_pptx

        from .raster import RasterError

        lesson = self.inputs.lessons[job.lesson]
        deck = deck_for(lesson, self.inputs, result.problems, [], self.templates)
        config = self.inputs.config
        try:
            result.data = write_pptx(deck, school=config.school if config else None,
                                     date=build_date([lesson]), rasterise=self.raster)
        except RasterError as exc:    # the same problem the slides PDF reports
            result.problems.append(Problem(lesson.shown, None, str(exc), code="resource"))
        result.pages = len(deck.slides)
        result.used = [str(p) for p in self.raster.used]
        result.seconds = time.perf_counter() - start
        return result

    @property
    def raster(self):
        """SVG art and crests as PNG for PowerPoint, drawn by the PDF renderer."""
        if getattr(self, "_raster", None) is None:
            from .raster import Rasteriser

            self._raster = Rasteriser(self.renderer, base_url=self.project.lessons)
        return self._raster


    def _assemble(self, job: Job, parts: list[tuple[Job, bytes]], result: Result) -> None:
        """A pack: its cover and contents laid out, then its documents' own pages with the
        pack's page numbers drawn over them; a class set: the worksheets alone.  Every
        document starts on a right-hand page."""
        from .assemble import Part, assemble, page_counts, page_size, plan_pages, stamp_sheet

        lessons = {l.id: l for l in pack_lessons(job, self.inputs)}
        pdfs = [data for _job, data in parts]
        counts = page_counts(pdfs)
        pack = job.kind == "pack"
        extra = stylesheets_for(self.templates, job, self.inputs.paper)
        front_pdf, used = None, []
        layout = plan_pages(0, counts, numbered=False)
        if pack:
            # The contents print the page each document starts on, which depends on how
            # many pages the front matter takes: 2 (cover, contents) unless it says otherwise.
            front = 2
            for _attempt in range(3):
                composed = compose(job, self.inputs, self.templates,
                                   starts=plan_pages(front, counts, numbered=True).starts)
                result.problems += composed.problems
                rendered = self.renderer.to_pdf(composed.html, base_url=self.project.lessons,
                                                extra_css=extra)
                result.laid_out += rendered.pages
                front_pdf = rendered.pdf
                if rendered.pages + rendered.pages % 2 == front:
                    break
                front = rendered.pages + rendered.pages % 2
            result.problems += [Problem(job.path, None, m, code="resource")
                                for m in rendered.errors]
            used = [str(p) for p in self.templates.used_by(composed.template)] + \
                [str(p) for p in rendered.used]
            layout = plan_pages(rendered.pages, counts, numbered=True)
        stamps_pdf, sheet = None, None
        if layout.stamps:
            # page numbers and blank-page notes: one page holding every number, laid out
            # untagged, each drawn clipped into its page's corner (assemble.stamp_sheet)
            size = page_size(pdfs[0])
            sheet = stamp_sheet(layout, size, job.variant)
            html = compose_stamps(job, self.inputs, self.templates, sheet, size)
            css = ["css/stamps.css"] + (["css/stamps-large-print.css"]
                                        if job.variant == "large-print" else [])
            stamped = self.renderer.to_pdf(
                html, base_url=self.project.lessons, tagged=False, own_css=True,
                extra_css=[p for p in map(self.templates.find_asset, css) if p])
            stamps_pdf = stamped.pdf
            used += [str(p) for p in self.templates.used_by(STAMPS_TEMPLATE)] + \
                [str(p) for p in stamped.used]
        labels = {"teacher-notes": "Teacher notes", "worksheet": "Worksheet"}
        pieces = [Part(data, label=labels[j.kind] if pack else None,
                       group=lessons[j.lesson].title if pack and j.lesson in lessons else None)
                  for j, data in parts]
        result.data = assemble(parts=pieces, layout=layout, front=front_pdf, stamps=stamps_pdf,
                               sheet=sheet,
                               title=None if pack else _title_of(job, self.inputs))
        result.pages = layout.pages
        result.used = sorted(set(used))


def _title_of(job: Job, inputs: Inputs) -> str:
    from .compose import pack_title

    school = inputs.config.school if inputs.config else None
    return pack_title(job) + (f" – {school.name}" if school else "")


def layout_problems(job: Job, sources: list, findings: list) -> list[Problem]:
    """Layout findings as warnings naming the document and page, and the lesson file and
    line where the words on that page can be found in it."""
    from .markdown import source_line

    lesson = sources[0] if len(sources) == 1 else None
    out = []
    for finding in findings:
        line = None
        if lesson is not None and finding.text:
            needle = finding.text.rstrip("…").split()
            for n in range(min(len(needle), 5), 1, -1):   # the longest run of words found
                line = source_line(lesson, " ".join(needle[:n]))
                if line:
                    break
        out.append(Problem(lesson.shown if lesson else job.path, line,
                           f"{job.path} page {finding.page}: {finding.message}",
                           code=f"layout-{finding.rule}", severity="warning"))
    return out


# --- process pool plumbing ----------------------------------------------------------

_WORKER: Worker | None = None
#: A worker made ready in the parent just before the pool forks: each forked process starts
#: with its loaded inputs, converted bodies and parsed stylesheets instead of a second of
#: loading its own (with "spawn" the initializer loads them as before).
_INHERITED: Worker | None = None


def prepare_for_fork(settings: Settings, inputs: Inputs) -> None:
    """Load everything a worker needs in this process, for forked workers to inherit."""
    global _INHERITED
    _INHERITED = Worker(settings, inputs)
    _INHERITED.renderer  # noqa: B018 - import WeasyPrint and parse CSS once, before the fork


def init_process(settings: Settings) -> None:
    """Pool initializer: the parent handles Ctrl-C; the worker loads everything once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    global _WORKER
    if _INHERITED is not None and _INHERITED.settings == settings:
        _WORKER = _INHERITED
        return
    _WORKER = Worker(settings)
    _WORKER.renderer  # noqa: B018 - import WeasyPrint and parse CSS before the first job


def run_in_process(job: Job, parts: list[tuple[Job, bytes]] | None = None) -> Result:
    """Pool task: run one job in this process's worker."""
    assert _WORKER is not None
    return _WORKER.run(job, parts)
