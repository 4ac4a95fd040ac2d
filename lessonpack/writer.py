"""Writing the output folder: atomic files, stale files, the manifest's view of it."""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
from pathlib import Path

from . import manifest
from .manifest import Entry
from .plan import VARIANTS

TEMP_PREFIX = "."


def write_atomic(target: Path, data: bytes) -> None:
    """Write to a temporary file beside target, then rename: never a half-written file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{target.name}.", suffix=".tmp",
                               dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def pdfs_in(out: Path) -> list[str]:
    """Every finished document (PDF, PowerPoint) under out, as posix paths relative to it."""
    if not out.is_dir():
        return []
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                  if p.suffix in manifest.EXTENSIONS and not p.name.startswith(TEMP_PREFIX)
                  and p.is_file())


def remove_stale(out: Path, *, keep: set[str], previous: dict[str, Entry]) -> list[str]:
    """Delete PDFs an earlier build made that this full build no longer makes.

    Only files the previous manifest lists are touched: anything else in the
    folder was put there by someone else and is left alone.
    """
    removed = []
    for rel in previous:
        if rel not in keep and (out / rel).is_file():
            (out / rel).unlink()
            removed.append(rel)
            folder = (out / rel).parent
            if folder != out and not any(folder.iterdir()):
                folder.rmdir()
    return removed


def describe_existing(out: Path, entries: dict[str, Entry], previous: dict[str, Entry]
                      ) -> dict[str, Entry]:
    """Manifest entries for exactly the PDFs now in out.

    Files built now have fresh entries; files left from an earlier build keep
    theirs when their checksum still matches; anything else is described anew.
    """
    result: dict[str, Entry] = {}
    for rel in pdfs_in(out):
        if rel in entries:
            result[rel] = entries[rel]
            continue
        path = out / rel
        digest = manifest.sha256_file(path)
        old = previous.get(rel)
        if old and old.sha256 == digest:
            result[rel] = old
            continue
        kind, key_stage, lesson, variant = guess(rel)
        result[rel] = Entry(path=rel, kind=kind, key_stage=key_stage, lesson=lesson,
                            variant=variant, pages=count_pages(path),
                            bytes=path.stat().st_size, sha256=digest)
    return result


def guess(rel: str) -> tuple[str, str | None, str | None, str]:
    """(kind, key stage, lesson, variant) from an output path, for files we did not just build."""
    folder, _, name = rel.rpartition("/")
    stem, _, ext = name.rpartition(".")
    variant = "standard"
    for v in VARIANTS[1:]:
        if stem.endswith(f"-{v}"):
            stem, variant = stem[: -len(v) - 1], v
    if folder == "parents":
        return ("parents-letter" if stem == "letter" else "parents-guide"), None, \
            (None if stem == "letter" else stem), variant
    if stem.endswith("-slides"):
        return ("slides-pptx" if ext == "pptx" else "slides"), folder, stem[: -len("-slides")], \
            variant
    for kind in ("worksheet", "teacher-notes"):
        if stem.endswith(f"-{kind}"):
            return kind, folder, stem[: -len(kind) - 1], variant
    return "pack", folder or None, None, variant


def count_pages(path: Path) -> int:
    """Pages of a PDF (slides of a PowerPoint file) we did not build in this run."""
    try:
        if path.suffix == ".pptx":
            import zipfile
            with zipfile.ZipFile(path) as pptx:
                return sum(1 for n in pptx.namelist()
                           if n.startswith("ppt/slides/slide") and n.endswith(".xml"))
        from pypdf import PdfReader
        return len(PdfReader(str(path)).pages)
    except Exception:  # noqa: BLE001 - a foreign or damaged file still gets listed
        return 0


@contextlib.contextmanager
def interrupts_deferred():
    """Hold Ctrl-C until the block ends, then raise it: the output is never half-updated."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt
