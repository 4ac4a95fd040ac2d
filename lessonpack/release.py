"""`lessonpack release`: one clean, complete, reproducible zip of every standard document.

Either build everything from scratch into a clean folder (default dist/build),
or merge the folders that `build --shard I/N` made on several CI machines.
Then zip exactly the documents the manifest lists, with manifest.json,
SHA256SUMS and a README for teachers, into dist/lessonpack-packs-<version>.zip.
The build cache and temporary files never reach the zip.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from pathlib import Path
from typing import Callable

from . import GENERATOR, __version__, manifest
from .archive import make_zip, sha256sums
from .errors import Problem, ReleaseError
from .lessons import AGES
from .index import NAME as INDEX, THUMBS, write_index
from .manifest import Entry
from .project import Project
from .writer import write_atomic

log = logging.getLogger(__name__)

DIST = "dist"
BUILD = "build"
VARIANT = "standard"
KIND_LABELS = {"worksheet": "worksheet, for pupils",
               "teacher-notes": "teacher notes, not for pupils",
               "pack": "every lesson of the key stage",
               "worksheets": "class set: every worksheet of the key stage",
               "parents-guide": "guide for parents and carers",
               "parents-letter": "letter to parents and carers",
               "slides": "projector slides, pupils' content only",
               "slides-pptx": "the same slides, editable in PowerPoint"}

Echo = Callable[[str], None]


def release_name() -> str:
    """'lessonpack-packs-0.1.0': the zip's name and the folder inside it."""
    return f"lessonpack-packs-{__version__}"


def zip_name() -> str:
    """'lessonpack-packs-0.1.0.zip'."""
    return release_name() + ".zip"


def make_release(project: Project, *, out: Path | None = None, merge: list[Path] | None = None,
                 jobs: int = 1, config_path: Path | None = None,
                 echo: Echo | None = None, home: Path | None = None) -> tuple[Path, int]:
    """Build (or merge shard folders), then zip into home/dist (default the project's);
    returns (zip path, documents in it)."""
    echo = echo or (lambda line: None)
    merge = [Path(d).resolve() for d in merge or []]
    home = Path(home or project.root)
    folder = Path(out).resolve() if out else (home / DIST / BUILD).resolve()
    _prepare(project, folder, sources=merge, ours=out is None)
    if merge:
        entries = merge_shards(project, merge, folder, config_path=config_path, echo=echo)
    else:
        entries = _build_all(project, folder, jobs=jobs, config_path=config_path, echo=echo)
    files = release_files(folder, entries)
    target = home / DIST / zip_name()
    # One top folder, so unzipping never scatters files into the teacher's Downloads.
    write_atomic(target, make_zip(files, prefix=release_name() + "/"))
    log.info("wrote %s with %d documents", target, len(entries))
    return target, len(entries)


# --- the clean folder ----------------------------------------------------------------

def _prepare(project: Project, folder: Path, *, sources: list[Path], ours: bool) -> None:
    """Empty `folder` for the release, refusing to delete anything that is not ours."""
    root = project.root.resolve()
    if root.is_relative_to(folder):
        raise ReleaseError(f"{folder}: the release folder cannot contain the project itself; "
                           "choose another --out")
    for source in sources:
        if folder.is_relative_to(source) or source.is_relative_to(folder):
            raise ReleaseError(f"{folder}: the release folder cannot be, contain or lie inside "
                               f"the shard folder {source}; choose another --out")
    if folder.exists() and not folder.is_dir():
        raise ReleaseError(f"{folder}: not a folder; choose another --out")
    if folder.is_dir() and any(folder.iterdir()):
        if not ours and not (folder / manifest.NAME).is_file():
            raise ReleaseError(f"{folder}: not empty and not a lessonpack output folder "
                               "(no manifest.json); choose another --out")
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)


# --- building ------------------------------------------------------------------------

def _build_all(project: Project, folder: Path, *, jobs: int, config_path: Path | None,
               echo: Echo) -> dict[str, Entry]:
    """Every lesson, standard variant, checked, rebuilt from scratch into `folder`."""
    from .build import BuildOptions, build

    def progress(event, job, result, done, total):
        echo(f"[{done:>{len(str(total))}}/{total}] {event:<8} {job.path}")

    options = BuildOptions(project=project, out=folder, config_path=config_path,
                           variant=VARIANT, jobs=jobs, force=True)
    report = build(options, progress)
    for warning in report.warnings:
        echo(f"warning: {warning}")
    echo(f"built {len(report.built)} documents, {report.pages} pages in {report.seconds:.1f} s")
    return manifest.read(folder)


# --- merging shards --------------------------------------------------------------------

def merge_shards(project: Project, shards: list[Path], folder: Path, *,
                 config_path: Path | None = None, echo: Echo | None = None) -> dict[str, Entry]:
    """Copy the documents of every shard folder into `folder` and write the full manifest.

    Every problem is collected first and reported at once: a missing or unreadable
    manifest, a file that does not match its manifest, two shards with different
    bytes for one path, and documents missing from (or foreign to) a full build.
    Nothing is copied unless the shards are complete and consistent.
    """
    echo = echo or (lambda line: None)
    problems: list[Problem] = []
    merged: dict[str, tuple[Entry, Path]] = {}
    for shard in shards:
        for entry in _read_shard(shard, problems):
            source = shard / entry.path
            if not source.is_file():
                problems.append(Problem(_shown(shard, entry.path), None,
                                        "listed in its manifest.json but missing"))
                continue
            if manifest.sha256_file(source) != entry.sha256:
                problems.append(Problem(_shown(shard, entry.path), None,
                                        "does not match the sha256 in its manifest.json"))
                continue
            if entry.path in merged and merged[entry.path][0].sha256 != entry.sha256:
                problems.append(Problem(
                    _shown(shard, entry.path), None,
                    f"differs from {_shown(merged[entry.path][1], entry.path)} "
                    f"(sha256 {entry.sha256[:12]}… vs {merged[entry.path][0].sha256[:12]}…): "
                    "the shards were not built from the same inputs"))
                continue
            merged.setdefault(entry.path, (entry, shard))
    if not problems:
        problems += _completeness(project, config_path, set(merged), shards)
    if problems:
        raise ReleaseError(f"cannot merge {len(shards)} shard folder(s); nothing was released.",
                           problems)
    for path, (entry, shard) in sorted(merged.items()):
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, (shard / path).read_bytes())
    for shard in shards:
        count = sum(1 for _, source in merged.values() if source == shard)
        echo(f"merged {count} documents from {shard.name}/")
    entries = {path: entry for path, (entry, _) in merged.items()}
    write_atomic(folder / manifest.NAME, manifest.render(list(entries.values())))
    write_index(folder, list(entries.values()), rebuilt=dict.fromkeys(entries))
    return entries


def _read_shard(shard: Path, problems: list[Problem]) -> list[Entry]:
    """The entries of one shard's manifest; problems are appended, not raised."""
    where = _shown(shard, manifest.NAME)
    if not shard.is_dir():
        problems.append(Problem(str(shard), None, "shard folder not found"))
        return []
    try:
        raw = json.loads((shard / manifest.NAME).read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(Problem(where, None, "missing: every shard folder needs the manifest "
                                "that `lessonpack build --shard I/N` writes"))
        return []
    except (OSError, ValueError) as exc:
        problems.append(Problem(where, None, f"unreadable: {exc}"))
        return []
    if not isinstance(raw, dict) or not isinstance(raw.get("documents"), list):
        problems.append(Problem(where, None, "not a lessonpack manifest (no 'documents' list)"))
        return []
    if raw.get("generator") != GENERATOR:
        problems.append(Problem(where, None, f"made by {raw.get('generator')!r}, "
                                f"but this is {GENERATOR}: build every shard with one version"))
    entries = []
    for n, item in enumerate(raw["documents"], 1):
        try:
            entry = Entry(**item)
        except TypeError as exc:
            problems.append(Problem(where, None, f"document {n}: {exc}"))
            continue
        if not _safe_relative(entry.path):
            problems.append(Problem(where, None, f"document {n}: unsafe path {entry.path!r}"))
            continue
        entries.append(entry)
    return entries


def _completeness(project: Project, config_path: Path | None, have: set[str],
                  shards: list[Path]) -> list[Problem]:
    """Problems if the merged documents are not exactly a full standard build."""
    from .inputs import load_inputs
    from .plan import plan
    from .worker import Settings

    inputs = load_inputs(project, Settings(str(project.root),
                                           str(config_path) if config_path else None))
    want = {j.path for j in plan(list(inputs.lessons.values()), variants=(VARIANT,),
                                 letter=inputs.config is not None)}
    where = ", ".join(s.name for s in shards)
    problems = [Problem(where, None, f"no shard has {path}: was a shard left out?")
                for path in sorted(want - have)]
    problems += [Problem(where, None, f"{path} is not part of a full {VARIANT} build "
                         "of this project") for path in sorted(have - want)]
    return problems


def _safe_relative(path: str) -> bool:
    """A manifest path we may copy: relative, inside the folder, a PDF or PowerPoint file."""
    parts = path.split("/")
    return (path.endswith(manifest.EXTENSIONS) and not path.startswith("/") and "\\" not in path
            and all(p not in ("", ".", "..") for p in parts))


def _shown(folder: Path, rel: str) -> str:
    return f"{folder.name}/{rel}"


# --- the zip's contents ------------------------------------------------------------------

def release_files(folder: Path, entries: dict[str, Entry]) -> dict[str, bytes]:
    """Path → bytes of everything in the zip: the PDFs, manifest, README, SHA256SUMS."""
    files: dict[str, bytes] = {}
    problems = []
    for path, entry in sorted(entries.items()):
        data = (folder / path).read_bytes()
        if hashlib.sha256(data).hexdigest() != entry.sha256:
            problems.append(Problem(_shown(folder, path), None,
                                    "changed after it was built; release again"))
        files[path] = data
    if problems:
        raise ReleaseError("the release folder changed while it was being zipped.", problems)
    files[manifest.NAME] = manifest.render(list(entries.values()))
    # The offline index and its thumbnails, as the build wrote them.
    for path in [folder / INDEX] + sorted((folder / THUMBS).rglob("*.png")):
        if path.is_file():
            files[path.relative_to(folder).as_posix()] = path.read_bytes()
    files["README.txt"] = readme(list(entries.values())).encode("utf-8")
    files["SHA256SUMS"] = sha256sums(files)
    return files


def readme(entries: list[Entry]) -> str:
    """A short README.txt for teachers: what is where, and how to check the files."""
    title = f"Safeguarding lesson packs – lessonpack {__version__}"
    pages = sum(e.pages for e in entries)
    lines = [title, "=" * len(title), "",
             "Printable lessons on staying safe online (grooming, isolation, reporting,",
             "sextortion, AI-made images) for UK schools. Every PDF is tagged for",
             "screen readers and ready to print; each lesson also has projector slides",
             "as a PDF and as a PowerPoint file your school can adapt.", "",
             "- Worksheets are for pupils. Teacher notes hold model answers and",
             "  safeguarding guidance: do not give them to pupils.",
             "- Read the teacher notes and tell your Designated Safeguarding Lead (DSL)",
             "  before you teach a lesson; if a pupil discloses anything, follow your",
             "  school's safeguarding policy and tell the DSL straight away.", "",
             f"Contents: {len(entries)} documents, {pages} pages.", ""]
    for folder in sorted({e.path.split("/")[0] for e in entries}):
        ages = f" (ages {AGES[folder]})" if folder in AGES else ""
        name = f"Key Stage {folder[2:]}{ages}" if folder in AGES else \
            "For parents and carers" if folder == "parents" else folder
        lines.append(f"{folder}/  {name}")
        for e in sorted((e for e in entries if e.path.startswith(folder + "/")),
                        key=lambda e: (e.kind == "pack", e.path)):
            file = e.path.split("/", 1)[1]
            unit = "slide" if e.kind.startswith("slides") else "page"
            lines.append(f"  {file:<34} {KIND_LABELS.get(e.kind, e.kind)} "
                         f"({e.pages} {unit}{'s' if e.pages != 1 else ''})")
        lines.append("")
    lines += ["Checking the files",
              "  manifest.json lists every document with its pages and SHA-256 checksum.",
              "  To check nothing was damaged in transit: sha256sum -c SHA256SUMS", ""]
    return "\n".join(lines)


__all__ = ["make_release", "merge_shards", "release_files", "readme", "zip_name"]
