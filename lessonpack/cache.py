"""Which documents are already current.

A document is current only if the PDF on disk is the one we recorded, and its
stamp – a hash of the lesson sources, the school config, every template and
stylesheet it used, the data files, the variant and options, and the tool
versions – is unchanged.  A cache that cannot be read means "rebuild all"; a
failed document is never recorded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

from . import __version__, manifest
from .plan import Job

log = logging.getLogger(__name__)
NAME = ".lessonpack-cache.json"
FORMAT = 1


class Cache:
    """Stamps of the documents in one output folder."""

    def __init__(self, out: Path, project, inputs, settings):
        self.out = Path(out)
        self.project = project
        self.inputs = inputs
        self.settings = settings
        self.path = self.out / NAME
        self._digests: dict[str, bytes] = {}
        self.saved_checks: dict = {}     # the check findings of the last build (checkmemo)
        self.checks: dict | None = None  # …and of this one, saved with the stamps
        self.entries = self._load()
        self._base = self._base_stamp()

    def _load(self) -> dict:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if raw.get("format") != FORMAT or not isinstance(raw.get("documents"), dict):
                return {}
            if isinstance(raw.get("checks"), dict):
                self.saved_checks = raw["checks"]
            return raw["documents"]
        except (OSError, ValueError, AttributeError):
            return {}

    def _base_stamp(self) -> str:
        digest = hashlib.sha256(f"lessonpack {__version__}|{_weasyprint_version()}".encode())
        digest.update(_code_hash().encode())
        for name in ("helplines.yml", "safeguarding.yml", "curriculum.yml"):
            digest.update(self.project.data(name).read_bytes())
        config = self.inputs.config
        if config:
            digest.update(config.path.read_bytes())
            if config.school.logo:
                digest.update(_uri_path(config.school.logo).read_bytes())
        digest.update(repr((self.settings.fillable, self.settings.draft)).encode())
        # compose.build_date puts SOURCE_DATE_EPOCH into every document's date.
        digest.update(f"SOURCE_DATE_EPOCH={os.environ.get('SOURCE_DATE_EPOCH', '')}".encode())
        digest.update(_fonts_fingerprint().encode())
        return digest.hexdigest()

    @property
    def base(self) -> str:
        """The part of every stamp that is not about one document: code, data, config, fonts."""
        return self._base

    def stamp(self, job: Job, used: list[str]) -> str:
        """The stamp of a job given the template files it used."""
        digest = hashlib.sha256(self._base.encode())
        digest.update(repr(job).encode())
        # "Lesson at a glance" prints the slide numbers of its own lesson's activities: only
        # that lesson's numbers, or one edit would make every document stale.
        slides = getattr(self.inputs, "slides", None) or {}
        for lesson in self._sources(job):
            digest.update(lesson.sha256.encode())
            digest.update(json.dumps(slides.get(lesson.id, {}), sort_keys=True).encode())
        for path in sorted(used):
            digest.update(self._file_digest(path))
        return digest.hexdigest()

    def _file_digest(self, path: str) -> bytes:
        """A file's hash, read once per build: every document uses print.css and the base
        templates, and each is stamped twice (is it current? then, once built, record it)."""
        if path not in self._digests:
            # The list comes from the cache file itself: read only regular files, so a
            # damaged or hand-edited cache naming a device or a folder cannot hang a build.
            try:
                if Path(path).is_file():
                    self._digests[path] = hashlib.sha256(Path(path).read_bytes()).digest()
            except OSError:
                pass
            self._digests.setdefault(path, b"missing:" + path.encode())
        return self._digests[path]

    def _sources(self, job: Job):
        lessons = self.inputs.lessons
        if job.lesson:
            return [lessons[job.lesson]] if job.lesson in lessons else []
        if job.kind in ("pack", "worksheets"):
            return [l for l in lessons.values() if l.key_stage == job.key_stage]
        return list(lessons.values())

    def is_current(self, job: Job) -> bool:
        """True if the PDF on disk was made from exactly these inputs."""
        entry = self.entries.get(job.path)
        target = self.out / job.path
        if not entry or not target.is_file():
            return False
        try:
            if entry.get("stamp") != self.stamp(job, entry.get("used", [])):
                return False
            return manifest.sha256_file(target) == entry.get("sha256")
        except (OSError, TypeError, AttributeError):
            return False

    def record(self, result) -> None:
        """Remember a document that was just written successfully."""
        self.entries[result.job.path] = {
            "stamp": self.stamp(result.job, result.used), "used": result.used,
            "sha256": hashlib.sha256(result.data).hexdigest()}

    def save(self) -> None:
        from .writer import write_atomic

        saved = {"format": FORMAT, "documents": self.entries}
        if self.checks is not None:
            saved["checks"] = self.checks
        data = json.dumps(saved, indent=1, sort_keys=True)
        try:
            write_atomic(self.path, data.encode("utf-8"))
        except OSError as exc:  # the cache is an optimisation: never fail a build on it
            log.warning("could not save the build cache %s: %s", self.path, exc)


def _weasyprint_version() -> str:
    try:
        from importlib.metadata import version
        return version("weasyprint")
    except Exception:  # noqa: BLE001
        return "unknown"


def _uri_path(uri: str) -> Path:
    from urllib.parse import unquote, urlsplit
    return Path(unquote(urlsplit(uri).path))


def _fonts_fingerprint() -> str:
    """The installed fonts (path, size, time): a font installed later, say Andika after
    `sudo make setup`, changes what the fallback chain picks, so every document is stale."""
    from .worker import FONT_DIRS

    digest = hashlib.sha256()
    for folder in (*FONT_DIRS, Path.home() / ".local/share/fonts", Path.home() / ".fonts"):
        for root, _dirs, files in sorted(os.walk(folder)):
            for name in sorted(files):
                try:
                    st = os.stat(os.path.join(root, name))
                except OSError:
                    continue
                digest.update(f"{root}/{name}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _code_hash() -> str:
    """A hash of lessonpack's own code: a changed renderer makes every document stale."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()
