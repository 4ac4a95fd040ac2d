"""The build, top to bottom: load → check → plan → render → write → report.

Everything is rendered before anything is written, so a failed build leaves the
previous PDFs and manifest exactly as they were; each file is written to a
temporary name and renamed, and the manifest is written last.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterator

from . import manifest
from .cache import Cache
from .errors import BuildError, Problem, ProblemsFound
from .inputs import load_inputs
from .lessons import KEY_STAGES
from .manifest import Entry
from .plan import VARIANTS, Job, plan, shard
from .project import Project
from .worker import Result, Settings, Worker, init_process, run_in_process
from .index import write_index
from .writer import describe_existing, interrupts_deferred, remove_stale, write_atomic

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildOptions:
    """What `lessonpack build` was asked to do."""

    project: Project
    out: Path
    config_path: Path | None = None
    key_stages: tuple[str, ...] = ()
    lesson_ids: tuple[str, ...] = ()
    variant: str | None = None          # None: the config's, else standard; "all": every one
    fillable: bool = False
    jobs: int = 1
    force: bool = False
    keep_going: bool = False
    check: bool = True
    strict: bool = False
    shard: tuple[int, int] | None = None


@dataclass
class BuildReport:
    """What happened, for the summary line and the tests."""

    built: list[Result] = field(default_factory=list)
    skipped: list[Job] = field(default_factory=list)
    failed: list[Result] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)   # documents no longer chosen, deleted
    seconds: float = 0.0

    @property
    def pages(self) -> int:
        return sum(r.pages for r in self.built)


Reporter = Callable[[str, Job, Result | None, int, int], None]


def build(options: BuildOptions, reporter: Reporter | None = None) -> BuildReport:
    """Build the requested documents into options.out; see the module docstring."""
    start = time.perf_counter()
    report = BuildReport()
    reporter = reporter or (lambda *a: None)
    settings = Settings(project_root=str(options.project.root),
                        config_path=str(options.config_path) if options.config_path else None,
                        fillable=options.fillable, draft=not options.check,
                        key_stages=tuple(options.key_stages))

    # 1. load: every input validated, every problem reported at once
    inputs = load_inputs(options.project, settings, keep_going=options.keep_going)
    load_failures = list(inputs.problems)

    # 2. check: the safeguarding gates; --no-check builds drafts instead
    if options.check:
        from .checks import run_checks

        findings = run_checks(options.project, inputs, strict=options.strict)
        errors = [p for p in findings if p.severity == "error"]
        report.warnings = [p for p in findings if p.severity != "error"]
        if errors and not options.keep_going:
            raise ProblemsFound(findings, what="check error")
        bad = {p.path for p in errors}
        load_failures += errors
        inputs.lessons = {k: l for k, l in inputs.lessons.items() if l.shown not in bad}

    # 3. plan: which documents, which of them are already current
    jobs = _plan(options, inputs)
    cache = Cache(options.out, options.project, inputs, settings)
    todo = jobs if options.force else [j for j in jobs if not cache.is_current(j)]
    report.skipped = [j for j in jobs if j not in todo]
    for i, job in enumerate(report.skipped, 1):
        reporter("skipped", job, None, i, len(jobs))

    # 4. render: serial and parallel run the same Worker.run
    done = len(report.skipped)
    for result in _render(todo, settings, inputs, options.jobs):
        done += 1
        (report.built if result.ok else report.failed).append(result)
        reporter("built" if result.ok else "failed", result.job, result, done, len(jobs))

    # Once each: a lesson's problem recurs in its worksheet, teacher notes and pack.
    failures = list(dict.fromkeys([p for r in report.failed for p in r.problems] + load_failures))
    if failures and not options.keep_going:
        raise BuildError("build failed; nothing was written.", failures)

    # The layout gate: split tables, stranded headings, near-empty pages, long worksheets.
    layout = [p for r in report.built for p in r.layout]
    report.warnings += layout
    if options.strict and layout:
        raise ProblemsFound([replace(p, severity="error") for p in layout], what="layout problem")

    # 5. write: documents first, each atomically; the manifest last.  Ctrl-C waits
    #    for this short phase to finish, so the manifest always matches the files.
    with interrupts_deferred():
        previous = manifest.read(options.out)
        entries: dict[str, Entry] = {}
        for result in report.built:
            write_atomic(options.out / result.job.path, result.data)
            entries[result.job.path] = manifest.entry_for(
                result.data, path=result.job.path, kind=result.job.kind,
                key_stage=result.job.key_stage, lesson=result.job.lesson,
                variant=result.job.variant, pages=result.pages)
            cache.record(result)
        if _is_full_build(options):
            report.removed = remove_stale(options.out, keep={j.path for j in jobs},
                                          previous=previous)
        entries = describe_existing(options.out, entries, previous)
        write_atomic(options.out / manifest.NAME, manifest.render(list(entries.values())))
        write_index(options.out, list(entries.values()), rebuilt={r.job.path for r in report.built},
                    school=inputs.config.school.name if inputs.config else None)
        cache.save()

    report.seconds = time.perf_counter() - start
    if failures:
        raise BuildError(f"{len(report.failed) or len(failures)} document(s) could not be built; "
                         "everything else was written.", failures)
    return report


def _plan(options: BuildOptions, inputs) -> list[Job]:
    if options.variant == "all":
        variants = VARIANTS
    else:
        variants = (options.variant or (inputs.config.variant if inputs.config else "standard"),)
    lessons = list(inputs.lessons.values())
    wanted = set(options.lesson_ids)
    excluded = sorted(wanted & set(inputs.excluded))
    if excluded:
        raise BuildError(f"lesson {excluded[0]!r} is not built: {inputs.excluded[excluded[0]]}")
    unknown = wanted - set(inputs.lessons)
    if unknown:
        import difflib

        hints = [f"{u!r}" + (f" (did you mean {m[0]!r}?)" if (m := difflib.get_close_matches(
            u, list(inputs.lessons), n=1)) else "") for u in sorted(unknown)]
        raise BuildError(f"unknown lesson id {', '.join(hints)}; `lessonpack list` shows them all")
    jobs = plan(lessons, variants=variants, letter=inputs.config is not None)
    if wanted:
        jobs = [j for j in jobs if j.lesson in wanted]
    if options.key_stages:
        jobs = [j for j in jobs if j.key_stage in options.key_stages or j.key_stage is None]
    if options.shard:
        jobs = shard(jobs, *options.shard)
    return jobs


def _is_full_build(options: BuildOptions) -> bool:
    return not (options.lesson_ids or options.key_stages or options.shard)


def _render(jobs: list[Job], settings: Settings, inputs, workers: int) -> Iterator[Result]:
    """Results in plan order; one process per worker, or this process for --jobs 1."""
    if not jobs:
        return
    workers = max(1, min(workers, len(jobs)))
    if workers == 1:
        worker = Worker(settings, inputs)
        for job in jobs:
            yield worker.run(job)
        return
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=init_process, initargs=(settings,))
    try:
        # Largest first (packs), so the pool is not left waiting on one long job at the end.
        order = sorted(jobs, key=lambda j: j.kind != "pack")
        futures = {job: pool.submit(run_in_process, job) for job in order}
        for job in jobs:
            yield futures[job].result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def default_jobs() -> int:
    """One worker per CPU."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


__all__ = ["build", "BuildOptions", "BuildReport", "default_jobs", "KEY_STAGES"]
