"""Build-speed benchmark for lessonpack against a pandoc + WeasyPrint baseline.

Runs in a temporary copy of the project, so it never touches output/:

  full (--jobs 1)     `build --force --jobs 1` into a fresh folder
  no-op rebuild       the same build again: everything is current
  one-lesson edit     one lesson's text changed, default --jobs: its 4 documents (worksheet,
                      teacher notes, slides PDF and PowerPoint), its pack and its class set
  full (--jobs 2)     `build --force --jobs 2` into another fresh folder
  full (default)      `build --force` with the default --jobs (one per CPU); the
                      --jobs 2 run when the machine has 2 CPUs
  baseline            one process per document: `pandoc lesson.md -o x.html`, then
                      `weasyprint x.html x.pdf` (a key stage pack or class set: pandoc on
                      all its lessons)
  ms per page         one of our documents (the longest teacher notes) laid out and
                      written by WeasyPrint alone in a warm process, against the full
                      --jobs 1 build's seconds per page laid out

The baseline makes the same documents as lessonpack: per lesson a worksheet, teacher notes,
slides (pandoc + WeasyPrint) and a PowerPoint file (pandoc writes .pptx itself); the parents'
guide; per key stage a pack and a class set. The ratios against its documents without the
slides (the comparison before lessonpack made slides) are printed too.

Peak memory is ru_maxrss of each build's process tree (os.wait4, the largest single
process, like getrusage(RUSAGE_CHILDREN)); with --jobs 2 the parent and each worker
count separately. Ratios are printed against the targets of issue 15.

    .venv/bin/python benchmarks/bench.py [--key-stage ks1]… [--repeat N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUILD_PY = REPO / "build.py"
KEY_STAGES = ("ks1", "ks2", "ks3", "ks4")
LINE = re.compile(r"\]\s+built\s+(?P<path>\S+) \((?P<pages>\d+) pages?, (?P<seconds>[\d.]+) s\)")
SUMMARY = re.compile(r"built \d+ documents?, (?P<pages>\d+) pages in [\d.]+ s(?: \((?P<laid>\d+) laid out\))?")
EDIT = "\n\nThis sentence was added by the benchmark to change one lesson.\n"

TARGETS = {  # issue 15: name → (description, test on the ratio)
    "full_vs_baseline": ("full build (default --jobs) ≤ 0.25× baseline", lambda r: r <= 0.25),
    "edit_vs_baseline": ("one-lesson edit ≤ 0.06× baseline", lambda r: r <= 0.06),
    "full_vs_printed_baseline": ("  (against the baseline without slides)", lambda r: r <= 0.25),
    "edit_vs_printed_baseline": ("  (edit, against it without slides)", lambda r: r <= 0.06),
    "jobs2_speedup": ("--jobs 2 ≥ 1.6× faster than --jobs 1", lambda r: r >= 1.6),
    "noop_vs_full": ("no-op rebuild ≤ 0.1× full", lambda r: r <= 0.1),
    "peak_mib": ("peak memory < 400 MiB", lambda r: r < 400),
}


@dataclass
class Run:
    """One timed command."""

    name: str
    seconds: float
    max_rss_mib: float
    cpu_seconds: float = 0.0   # user + system of the process tree: steadier than wall time
    built: int = 0
    current: int = 0
    doc_seconds: dict[str, float] = field(default_factory=dict)
    doc_pages: dict[str, int] = field(default_factory=dict)
    pages: int = 0          # pages delivered (all built documents)
    laid_out: int = 0       # pages WeasyPrint laid out for them
    note: str = ""


def timed(name: str, cmd: list[str], *, cwd: Path | None = None) -> Run:
    """Run cmd to completion; wall time and the peak RSS of its process tree."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        # wait4, not wait: its rusage covers this child and every process it waited for.
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read().decode("utf-8", "replace") + err.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        sys.exit(f"benchmark step {name!r} failed ({proc.returncode}): {' '.join(cmd)}\n{text}")
    run = Run(name, seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)
    for match in LINE.finditer(text):
        run.doc_seconds[match["path"]] = float(match["seconds"])
        run.doc_pages[match["path"]] = int(match["pages"])
    run.built = len(run.doc_seconds)
    summary = SUMMARY.search(text)
    if summary:
        run.pages = int(summary["pages"])
        run.laid_out = int(summary["laid"] or summary["pages"])
    run.current = len(re.findall(r"\]\s+current\s", text))
    return run


def best(runs: list[Run]) -> Run:
    """The fastest of repeated runs (the least disturbed by other load)."""
    return min(runs, key=lambda r: r.seconds)


def copy_project(dest: Path) -> Path:
    """A throwaway copy of the checkout: inputs and lessonpack's own code.

    The code is copied too: the cache stamps lessonpack's source, so a colleague
    saving a file mid-run would otherwise turn the no-op rebuild into a full one.
    """
    for name in ("lessons", "data", "templates", "lessonpack"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, dest / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(BUILD_PY, dest / "build.py")
    return dest


def lesson_files(project: Path, key_stages: tuple[str, ...]) -> dict[str, list[Path]]:
    """Lesson sources by folder (key stage or parents), as a build would pick them."""
    folders = {}
    for folder in sorted(p for p in (project / "lessons").iterdir() if p.is_dir()):
        if folder.name in KEY_STAGES and key_stages and folder.name not in key_stages:
            continue
        files = sorted(folder.glob("*.md"))
        if files:
            folders[folder.name] = files
    return folders


def lessonpack(project: Path, out: Path, *args: str) -> list[str]:
    """The command line of one lessonpack build of the copy."""
    return [sys.executable, str(project / "build.py"), "--project", str(project), "build",
            "--out", str(out), *args]


def baseline(project: Path, work: Path, key_stages: tuple[str, ...]) -> Run | None:
    """pandoc + WeasyPrint, one process pair per document, for the same documents."""
    try:
        import pypandoc
        pandoc = pypandoc.get_pandoc_path()
    except (ImportError, OSError):
        print("baseline skipped: pandoc not found (make bench installs pypandoc-binary)")
        return None
    documents: list[tuple[str, list[Path]]] = []
    for folder, files in lesson_files(project, key_stages).items():
        for path in files:
            kinds = ("guide",) if folder == "parents" else ("worksheet", "teacher-notes",
                                                            "slides", "slides.pptx")
            documents += [(f"{folder}/{path.stem}-{kind}", [path]) for kind in kinds]
        if folder in KEY_STAGES:
            documents.append((f"{folder}/{folder}-pack", files))
            documents.append((f"{folder}/{folder}-worksheets", files))
    work.mkdir(parents=True)
    no_images = work / "no-images.lua"
    no_images.write_text("function Image(el) return {} end\n", encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_before = before.ru_utime + before.ru_stime
    start = time.perf_counter()
    peak = 0.0
    printed = 0.0      # seconds of the documents other than slides, for the older ratio
    processes = 0
    for name, sources in documents:
        stem = work / name.replace("/", "-")
        if name.endswith(".pptx"):      # pandoc writes PowerPoint itself (without our
            # art: pictures, which it would try to fetch; the HTML steps only link them)
            steps = [[pandoc, *map(str, sources), "--lua-filter", str(no_images), "-o", str(stem)]]
        else:
            steps = [[pandoc, *map(str, sources), "-o", f"{stem}.html"],
                     [sys.executable, "-m", "weasyprint", f"{stem}.html", f"{stem}.pdf"]]
        began = time.perf_counter()
        for cmd in steps:
            peak = max(peak, timed(name, cmd, cwd=sources[0].parent).max_rss_mib)
        processes += len(steps)
        if not name.endswith(("-slides", "-slides.pptx")):
            printed += time.perf_counter() - began
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = Run("pandoc + WeasyPrint", time.perf_counter() - start, peak,
              cpu.ru_utime + cpu.ru_stime - cpu_before,
              note=f"{processes} processes, no stylesheet; without slides {printed:.2f} s")
    run.built = len(documents)
    run.doc_seconds = {"printed": printed}
    return run


def measure(args) -> dict:
    """Every measurement, in a fresh temporary copy of the project."""
    key_stages = tuple(args.key_stage)
    ks_args = [a for ks in key_stages for a in ("--key-stage", ks)]
    results: dict[str, Run] = {}
    with tempfile.TemporaryDirectory(prefix="lessonpack-bench-") as tmp:
        tmp = Path(tmp)
        project = copy_project(tmp / "project")
        out1, out2 = tmp / "out-jobs1", tmp / "out-jobs2"
        lessonpack_cmd = lambda out, *a: lessonpack(project, out, *ks_args, *a)  # noqa: E731

        # Warm the OS file cache and Python's bytecode once, untimed.
        timed("warm-up", lessonpack_cmd(tmp / "warm", "--jobs", "1", "--lesson",
                                        _first_lesson(project, key_stages)))
        full1, noop, edit, full2, full_default = [], [], [], [], []
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        for n in range(args.repeat):
            shutil.rmtree(out1, ignore_errors=True)
            full1.append(timed("full --jobs 1", lessonpack_cmd(out1, "--jobs", "1", "--force")))
            noop.append(timed("no-op rebuild", lessonpack_cmd(out1, "--jobs", "1")))
            edited = _edit_one_lesson(project, key_stages, n)
            edit.append(timed("one-lesson edit", lessonpack_cmd(out1)))
            edit[-1].note = edited
            shutil.rmtree(out2, ignore_errors=True)
            full2.append(timed("full --jobs 2", lessonpack_cmd(out2, "--jobs", "2", "--force")))
            # out1 is now incremental + --jobs 1, out2 clean + --jobs 2, of the same inputs.
            same = (out1 / "manifest.json").read_bytes() == (out2 / "manifest.json").read_bytes()
            full2[-1].note = "same bytes as the incremental build" if same else \
                "DIFFERS from the incremental build: not reproducible!"
            if cpus != 2:
                shutil.rmtree(out2, ignore_errors=True)
                full_default.append(timed("full (default --jobs)", lessonpack_cmd(out2, "--force")))
        for key, runs in (("full_jobs1", full1), ("noop", noop), ("edit", edit), ("full_jobs2", full2)):
            results[key] = best(runs)
        if full_default:
            results["full_default"] = best(full_default)
        else:   # the default is one worker per CPU: on 2 CPUs that is the --jobs 2 run
            results["full_default"] = replace(results["full_jobs2"], name="full (default = -j 2)")
        results["per_page"] = per_page(project, key_stages, results["full_jobs1"])
        if not args.no_baseline:
            base = baseline(project, tmp / "baseline", key_stages)
            if base:
                results["baseline"] = base
    return results


def _first_lesson(project: Path, key_stages: tuple[str, ...]) -> str:
    import yaml

    path = next(iter(lesson_files(project, key_stages).values()))[0]
    front = path.read_text(encoding="utf-8").split("---")[1]
    return yaml.safe_load(front)["id"]


def _edit_one_lesson(project: Path, key_stages: tuple[str, ...], n: int) -> str:
    """Append a sentence to one lesson (a different one each repeat); returns its path."""
    files = [p for folder, ps in lesson_files(project, key_stages).items()
             if folder in KEY_STAGES for p in ps]
    path = files[(len(files) // 2 + n) % len(files)]
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(EDIT)
    return path.relative_to(project).as_posix()


def per_page(project: Path, key_stages: tuple[str, ...], full: Run) -> Run:
    """WeasyPrint alone on one of our documents, in a warm process: ms per page."""
    ks = (key_stages or ("ks3",))[0]
    script = f"""
import sys, time
sys.path.insert(0, {str(project)!r})
from pathlib import Path
from lessonpack.plan import Job
from lessonpack.worker import Settings, Worker, stylesheets_for
worker = Worker(Settings(project_root={str(project)!r}))
jobs = [Job(f"{{l.key_stage}}/{{l.id}}-teacher-notes.pdf", "teacher-notes", l.key_stage, l.id)
        for l in worker.inputs.lessons.values() if l.key_stage == {ks!r}]
best = None
for job in jobs:
    html = worker.compose(job).html
    worker.renderer.to_pdf(html, base_url=worker.project.lessons)        # warm
    start = time.process_time()          # CPU time: a busy machine does not inflate it
    result = worker.renderer.to_pdf(html, base_url=worker.project.lessons)
    seconds = time.process_time() - start
    if best is None or result.pages > best[1]:
        best = (job.path, result.pages, seconds)
print(f"PERPAGE {{best[0]}} {{best[1]}} {{best[2]:.4f}}")
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    path, pages, seconds = proc.stdout.split("PERPAGE ")[1].split()
    run = Run("WeasyPrint alone", float(seconds), 0, float(seconds), pages=int(pages),
              laid_out=int(pages))
    ours = 1000 * full.cpu_seconds / max(1, full.laid_out)
    run.note = (f"{path}: {1000 * float(seconds) / int(pages):.0f} ms CPU/page alone; full "
                f"--jobs 1 build {ours:.0f} ms CPU per page laid out, "
                f"{1000 * full.cpu_seconds / max(1, full.pages):.0f} per page delivered")
    return run


def ratios(results: dict[str, Run]) -> dict[str, float]:
    """The numbers the targets are about."""
    full = results["full_jobs1"].seconds
    out = {"jobs2_speedup": full / results["full_jobs2"].seconds,
           "noop_vs_full": results["noop"].seconds / full,
           "edit_vs_full": results["edit"].seconds / full,
           "peak_mib": max(r.max_rss_mib for k, r in results.items() if k != "baseline")}
    if "baseline" in results:
        out["full_vs_baseline"] = results["full_default"].seconds / results["baseline"].seconds
        out["edit_vs_baseline"] = results["edit"].seconds / results["baseline"].seconds
        printed = results["baseline"].doc_seconds.get("printed")
        if printed:   # the older comparison: all our documents against its printed ones only
            out["full_vs_printed_baseline"] = results["full_default"].seconds / printed
            out["edit_vs_printed_baseline"] = results["edit"].seconds / printed
    return out


def pack_share(run: Run) -> tuple[float, float, int, int]:
    """(pack and class set seconds, all document seconds, their pages, all pages) of one
    full build."""
    packs = [p for p in run.doc_seconds if p.endswith(("-pack.pdf", "-worksheets.pdf"))]
    return (sum(run.doc_seconds[p] for p in packs), sum(run.doc_seconds.values()),
            sum(run.doc_pages[p] for p in packs), sum(run.doc_pages.values()))


def report(results: dict[str, Run], args) -> dict:
    """Print the table, the ratios against the targets, and the pack share."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"\nlessonpack benchmark: {cpus} CPUs, load average {os.getloadavg()[0]:.2f} at the end, "
          f"best of {args.repeat}{', key stages ' + ' '.join(args.key_stage) if args.key_stage else ''}")
    print(f"{'measurement':<22} {'seconds':>8} {'cpu s':>7} {'documents':>10} {'current':>8} "
          f"{'peak MiB':>9} {'pages':>6} {'laid out':>9}")
    for key, run in results.items():
        print(f"{run.name[:22]:<22} {run.seconds:>8.2f} {run.cpu_seconds:>7.2f} {run.built:>10} "
              f"{run.current:>8} {run.max_rss_mib:>9.0f} {run.pages:>6} {run.laid_out:>9}  {run.note}")
    if results["noop"].built:
        print(f"warning: the no-op rebuild rebuilt {results['noop'].built} documents")
    numbers = ratios(results)
    print("\ntarget                                  measured   ")
    for key, (label, ok) in TARGETS.items():
        if key in numbers:
            unit = " MiB" if key == "peak_mib" else "×"
            print(f"{label:<38} {numbers[key]:>8.2f}{unit:<4} {'met' if ok(numbers[key]) else 'NOT met'}")
    pack_s, all_s, pack_p, all_p = pack_share(results["full_jobs1"])
    if all_s:
        print(f"\npacks and class sets in the full --jobs 1 build: {pack_s:.1f} s of {all_s:.1f} s rendering "
              f"({100 * pack_s / all_s:.0f}%), {pack_p} of {all_p} pages ({100 * pack_p / all_p:.0f}%)")
    print(f"largest process of the benchmark (RUSAGE_CHILDREN): "
          f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MiB")
    return {"ratios": numbers, "runs": {k: asdict(v) for k, v in results.items()},
            "packs": {"seconds": pack_s, "render_seconds": all_s, "pages": pack_p, "all_pages": all_p},
            "cpus": cpus, "loadavg": os.getloadavg()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--key-stage", action="append", default=[], choices=KEY_STAGES,
                        help="Only these key stages (and the parents' guide); default all.")
    parser.add_argument("--repeat", type=int, default=1, help="Runs of each build; the best counts.")
    parser.add_argument("--no-baseline", action="store_true", help="Skip pandoc + WeasyPrint.")
    parser.add_argument("--json", type=Path, help="Also write the results to this file.")
    args = parser.parse_args()
    summary = report(measure(args), args)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
