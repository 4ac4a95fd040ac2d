"""The build, top to bottom: load → check → plan → render → write → report.

Everything is rendered before anything is written, so a failed build leaves the
previous PDFs and manifest exactly as they were; the files are written as one
transaction (writer.Transaction): all to temporary names, then all renamed, the
manifest last, and put back as they were if anything fails on the way.

Each page is laid out once: worksheets and teacher notes are laid out for their own
files, and packs and class sets are assembled from those PDFs (assemble.py) as soon
as their documents are ready – built in this run, or current in the output folder.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterator

from . import manifest
from .cache import Cache
from .errors import BuildError, Problem, ProblemsFound
from .inputs import load_inputs
from .lessons import KEY_STAGES
from .manifest import Entry
from .plan import ASSEMBLED, VARIANTS, Job, parts, plan, shard
from .project import Project
from .worker import Result, Settings, Worker, init_process, prepare_for_fork, run_in_process
from . import index
from .writer import Transaction, describe_existing, interrupts_deferred, stale

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

    @property
    def laid_out(self) -> int:
        """Pages WeasyPrint laid out (a pack's cover and contents, not its documents')."""
        return sum(r.laid_out for r in self.built)


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

    out_existed = options.out.is_dir()

    # 1. load: every input validated, every problem reported at once
    inputs = load_inputs(options.project, settings, keep_going=options.keep_going)
    load_failures = list(inputs.problems)

    # 2. check: the safeguarding gates; --no-check builds drafts instead.  Nothing is
    #    written unless they pass, so they run while the workers lay the documents out;
    #    with --keep-going a lesson failing them is left out of the plan, so they run first.
    cache = Cache(options.out, options.project, inputs, settings)

    def check() -> None:
        from .checkmemo import CheckMemo
        from .checks import run_checks, today
        from .render import Templates

        # an unchanged lesson's findings come from the last build into this folder
        memo = CheckMemo(cache.saved_checks, base=cache.base, project=options.project,
                         templates=Templates.of(options.project, inputs.config),
                         strict=options.strict, day=today().isoformat())
        findings = run_checks(options.project, inputs, strict=options.strict, memo=memo)
        cache.checks = {**cache.saved_checks, **memo.found}
        errors = [p for p in findings if p.severity == "error"]
        report.warnings = [p for p in findings if p.severity != "error"]
        if errors and not options.keep_going:
            raise ProblemsFound(findings, what="check error")
        bad = {p.path for p in errors}
        load_failures.extend(errors)
        inputs.lessons = {k: l for k, l in inputs.lessons.items() if l.shown not in bad}

    alongside = options.check and not options.keep_going
    if options.check and not alongside:
        check()

    # 3. plan: which documents, which of them are already current
    jobs = _plan(options, inputs)
    todo = jobs if options.force else [j for j in jobs if not cache.is_current(j)]
    # A pack is assembled from its documents' PDFs: those not being built now must be
    # current on disk, or they are built too (e.g. `--lesson` into an empty folder).
    lessons = list(inputs.lessons.values())
    wanted = set(todo)
    for job in [j for j in todo if j.kind in ASSEMBLED]:
        for part in parts(job, lessons):
            if part not in wanted and (options.force or not cache.is_current(part)):
                wanted.add(part)
                todo.append(part)
                if part not in jobs:
                    jobs.append(part)
    todo = sorted(wanted, key=lambda j: (j.kind in ASSEMBLED, j.variant != "standard",
                                         j.variant, j.path))
    report.skipped = [j for j in jobs if j not in wanted]

    def checked() -> None:
        """Runs once the work is handed out, before the first result is reported."""
        if alongside:
            check()
        for i, job in enumerate(report.skipped, 1):
            reporter("skipped", job, None, i, len(jobs))

    # 4. render: serial and parallel run the same Worker.run
    done = len(report.skipped)
    for result in _render(todo, settings, inputs, options.jobs, options.out, cache, checked):
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

    # 5. write: every file to a temporary name first, then all renamed, the manifest
    #    last; any failure puts the folder back as it was.  Ctrl-C waits for this
    #    short phase to finish, so the manifest always matches the files.
    with interrupts_deferred():
        previous = manifest.read(options.out)
        entries: dict[str, Entry] = {}
        with Transaction(options.out, create=not out_existed) as transaction:
            for result in report.built:
                transaction.stage(result.job.path, result.data)
                entries[result.job.path] = manifest.entry_for(
                    result.data, path=result.job.path, kind=result.job.kind,
                    key_stage=result.job.key_stage, lesson=result.job.lesson,
                    variant=result.job.variant, pages=result.pages)
            removed = set()
            if _is_full_build(options):
                removed = set(stale(options.out, keep={j.path for j in jobs}, previous=previous))
                for rel in sorted(removed):
                    transaction.remove(rel)
            entries = describe_existing(options.out, entries, previous, removed)
            transaction.stage(manifest.NAME, manifest.render(list(entries.values())))
            # output/index.html and the first-page thumbnails of what changed
            listed = list(entries.values())
            fresh = {r.job.path: r.data for r in report.built}
            for rel, data in index.index_files(options.out, listed, rebuilt=fresh,
                                               school=_school_name(inputs)).items():
                transaction.stage(rel, data)
            for path in index.stale_thumbnails(options.out, listed):
                transaction.remove(path.relative_to(options.out).as_posix())
            report.removed = sorted(removed)
        for result in report.built:
            cache.record(result)
        cache.save()

    report.seconds = time.perf_counter() - start
    if failures:
        raise BuildError(f"{len(report.failed) or len(failures)} document(s) could not be built; "
                         "everything else was written.", failures)
    return report


def _school_name(inputs) -> str | None:
    return inputs.config.school.name if inputs.config else None


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
        # a lesson's documents, and the pack and class set that hold them
        groups = {(inputs.lessons[w].key_stage) for w in wanted}
        jobs = [j for j in jobs if j.lesson in wanted or
                (j.kind in ASSEMBLED and j.key_stage in groups)]
    if options.key_stages:
        jobs = [j for j in jobs if j.key_stage in options.key_stages or j.key_stage is None]
    if options.shard:
        jobs = shard(jobs, *options.shard)
    return jobs


def _is_full_build(options: BuildOptions) -> bool:
    return not (options.lesson_ids or options.key_stages or options.shard)


# Documents by how long one takes to lay out (teacher notes about 1 s, a PowerPoint deck 0.3 s).
LONGEST_FIRST = {"teacher-notes": 0, "worksheet": 1, "slides": 2, "parents-guide": 3,
                 "slides-pptx": 4}


def _render(jobs: list[Job], settings: Settings, inputs, workers: int, out: Path,
            cache: Cache, first: Callable[[], None]) -> Iterator[Result]:
    """Results as they are ready; one process per worker, or this process for --jobs 1.
    `first()` runs before any result is returned: in this process, while the workers
    start on the documents (or before the documents when there are no workers).

    Documents first; a pack or class set as soon as the documents it is assembled from
    are ready (built now, or current in the output folder), in whichever worker is free:
    it receives their PDFs and lays out only its cover, contents and page numbers."""
    if not jobs:
        first()
        return
    lessons = list(inputs.lessons.values())
    # Longest first, so that no worker is left with a long document at the end while the
    # other waits; a key stage's teacher notes and worksheets first, so its pack can start.
    documents = sorted((j for j in jobs if j.kind not in ASSEMBLED),
                       key=lambda j: LONGEST_FIRST.get(j.kind, len(LONGEST_FIRST)))
    assembled = [j for j in jobs if j.kind in ASSEMBLED]
    building = {j.path for j in documents}
    done: dict[str, Result] = {}

    def ready(job: Job) -> bool:
        return all(p.path in done or p.path not in building for p in parts(job, lessons))

    def inputs_of(job: Job) -> tuple[list[tuple[Job, bytes]] | None, Result | None]:
        """The PDFs of a pack's documents, or a failed Result saying which one failed."""
        found, used = [], []
        for part in parts(job, lessons):
            if part.path in done:
                result = done[part.path]
                if not result.ok:
                    failed = Result(job)
                    failed.problems = result.problems or [
                        Problem(part.path, None, "could not be built")]
                    return None, failed
                found.append((part, result.data))
                used += result.used
            else:
                found.append((part, (out / part.path).read_bytes()))
                used += cache.entries.get(part.path, {}).get("used", [])
        used_of[job.path] = used
        return found, None

    used_of: dict[str, list[str]] = {}

    def finish(job: Job, result: Result) -> Result:
        if job.kind in ASSEMBLED and result.ok:
            result.used = sorted(set(result.used) | set(used_of.get(job.path, [])))
        else:
            done[job.path] = result
        return result

    # Forked workers inherit this process's loaded inputs and renderer; one worker per two
    # documents at most (a one-lesson edit's four use both CPUs, one document stays here).
    # No fork from `serve`'s request threads: a fork there can inherit another thread's lock.
    fork = os.name == "posix"
    workers = max(1, min(workers, len(documents) // 2))
    if threading.current_thread() is not threading.main_thread():
        workers = 1
    if workers == 1:
        first()
        worker = Worker(settings, inputs)
        for job in documents:
            yield finish(job, worker.run(job))
        for job in assembled:
            found, failed = inputs_of(job)
            yield finish(job, failed or worker.run(job, found))
        return
    context = multiprocessing.get_context("fork" if fork else "spawn")
    if fork:
        prepare_for_fork(settings, inputs)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=init_process, initargs=(settings,))
    try:
        futures = {pool.submit(run_in_process, job): job for job in documents}
        first()
        waiting = list(assembled)
        while futures or waiting:
            for job in [j for j in waiting if ready(j)]:
                waiting.remove(job)
                found, failed = inputs_of(job)
                if failed:
                    yield finish(job, failed)
                else:
                    futures[pool.submit(run_in_process, job, found)] = job
            if not futures:
                continue
            finished, _ = wait(list(futures), return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=lambda f: futures[f]):
                job = futures.pop(future)
                yield finish(job, future.result())
    except BaseException:
        # Ctrl-C or a failed check stops the workers now rather than after their current
        # documents (their results only ever come back here, so nothing is half-written);
        # Python 3.11 has no public way to stop a pool's processes.
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def default_jobs() -> int:
    """One worker per CPU."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


__all__ = ["build", "BuildOptions", "BuildReport", "default_jobs", "KEY_STAGES"]
