"""Writing the output folder: atomic files, stale files, the manifest's view of it.

A build's files go out as one `Transaction`: every file is first written to a
temporary name beside its target (same folder, so the rename is atomic), then
all are renamed into place and the manifest last.  Whatever fails on the way – a
full disk, a read-only or vanished folder – every temporary is removed and every
file already renamed is put back, so the folder is byte-for-byte what it was.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import tempfile
import threading
from pathlib import Path

from . import manifest
from .errors import LessonpackError, display_path
from .manifest import Entry
from .plan import VARIANTS

TEMP_PREFIX = "."


class OutputError(LessonpackError):
    """The output folder could not be written; it was left exactly as it was."""

    def __init__(self, folder: Path, exc: OSError):
        super().__init__(f"cannot write to {display_path(folder)}/: {describe_os_error(exc)}; "
                         "the previous output is unchanged")
        self.errno = exc.errno


def describe_os_error(exc: OSError) -> str:
    """'no space left on device', in words a teacher can act on."""
    if exc.errno == errno.ENOENT:
        return "the folder was removed during the build"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    text = os.strerror(exc.errno) if exc.errno else str(exc)
    return text[:1].lower() + text[1:]


class Transaction:
    """All files of one build: staged under temporary names, then renamed together.

    stage() writes a temporary file; remove() marks a file for deletion; commit()
    renames everything into place (the files of `last` after all others) keeping a
    hard link to each file it replaces or removes until all renames succeeded;
    abort() undoes everything.  Used as a context manager it commits on success and
    aborts on any exception, raising OSErrors as one OutputError naming the folder.
    """

    def __init__(self, out: Path, *, create: bool):
        self.out = Path(out)
        self.create = create            # may the output folder itself be made?
        self._staged: list[tuple[Path, Path]] = []     # (temporary, target)
        self._removals: list[Path] = []
        self._made_dirs: list[Path] = []
        self._backups: list[tuple[Path, Path | None]] = []   # (target, link to old file)
        self._placed: list[Path] = []

    def __enter__(self) -> Transaction:
        return self

    def __exit__(self, kind, exc, tb):
        if exc is None:
            try:
                self.commit()
            except OSError as error:
                self.abort()
                raise OutputError(self.out, error) from error
            return False
        self.abort()
        if isinstance(exc, OSError):
            raise OutputError(self.out, exc) from exc
        return False

    def _mkdir(self, folder: Path) -> None:
        missing = []
        current = folder
        while not current.is_dir():
            if current == self.out and not self.create:
                raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(current))
            missing.append(current)
            current = current.parent
        for path in reversed(missing):
            os.mkdir(path)
            self._made_dirs.append(path)

    def stage(self, rel: str, data: bytes) -> None:
        """Write data to a temporary file beside out/rel."""
        target = self.out / rel
        self._mkdir(target.parent)
        fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{target.name}.", suffix=".tmp",
                                   dir=target.parent)
        self._staged.append((Path(tmp), target))
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)

    def remove(self, rel: str) -> None:
        """Delete out/rel when the transaction commits."""
        self._removals.append(self.out / rel)

    def _backup(self, target: Path) -> None:
        if not target.exists():
            self._backups.append((target, None))
            return
        fd, link = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{target.name}.", suffix=".old",
                                    dir=target.parent)
        os.close(fd)
        os.unlink(link)
        os.link(target, link)
        self._backups.append((target, Path(link)))

    def commit(self) -> None:
        """Rename every staged file into place, then delete the removed ones."""
        for tmp, target in self._staged:
            self._backup(target)
            os.replace(tmp, target)
            self._placed.append(target)
        for target in self._removals:
            if target.is_file():
                self._backup(target)
                os.unlink(target)
                self._placed.append(target)
        # Committed: the links to the old files are no longer needed.
        for _target, link in self._backups:
            if link is not None:
                with contextlib.suppress(OSError):
                    os.unlink(link)
        for target in self._removals:
            folder = target.parent
            with contextlib.suppress(OSError):
                if folder != self.out and not any(folder.iterdir()):
                    folder.rmdir()
        self._staged, self._backups, self._placed = [], [], []

    def abort(self) -> None:
        """Put every file back as it was and remove every temporary and new folder."""
        backups = dict(self._backups)
        for target in reversed(self._placed):
            link = backups.get(target)
            with contextlib.suppress(OSError):
                if link is not None:
                    os.replace(link, target)
                else:
                    os.unlink(target)
        for _target, link in self._backups:
            if link is not None:
                with contextlib.suppress(OSError):
                    os.unlink(link)
        for tmp, _target in self._staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        for folder in reversed(self._made_dirs):
            with contextlib.suppress(OSError):
                folder.rmdir()
        self._staged, self._backups, self._placed, self._made_dirs = [], [], [], []


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


def stale(out: Path, *, keep: set[str], previous: dict[str, Entry]) -> list[str]:
    """PDFs an earlier build made that this full build no longer makes.

    Only files the previous manifest lists are touched: anything else in the
    folder was put there by someone else and is left alone.
    """
    return [rel for rel in previous if rel not in keep and (out / rel).is_file()]


def describe_existing(out: Path, entries: dict[str, Entry], previous: dict[str, Entry],
                      removed: set[str] = frozenset()) -> dict[str, Entry]:
    """Manifest entries for exactly the PDFs in out once this build is written.

    Files built now have fresh entries; files left from an earlier build keep
    theirs when their checksum still matches; anything else is described anew.
    """
    result: dict[str, Entry] = {}
    for rel in sorted((set(pdfs_in(out)) | set(entries)) - removed):
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
    if stem == f"{folder}-worksheets":
        return "worksheets", folder, None, variant
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
