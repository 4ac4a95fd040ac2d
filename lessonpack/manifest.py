"""output/manifest.json: what is in the output folder, with sizes and checksums."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from . import GENERATOR

NAME = "manifest.json"
KINDS = ("worksheet", "teacher-notes", "pack", "worksheets", "parents-guide", "parents-letter",
         "slides", "slides-pptx")
EXTENSIONS = (".pdf", ".pptx")   # the documents a build writes


@dataclass(frozen=True)
class Entry:
    """One document in the manifest."""

    path: str
    kind: str
    key_stage: str | None
    lesson: str | None
    variant: str
    pages: int
    bytes: int
    sha256: str


def entry_for(data: bytes, *, path: str, kind: str, key_stage: str | None, lesson: str | None,
              variant: str, pages: int) -> Entry:
    """The manifest entry of a document about to be written."""
    return Entry(path=path, kind=kind, key_stage=key_stage, lesson=lesson, variant=variant,
                 pages=pages, bytes=len(data), sha256=hashlib.sha256(data).hexdigest())


def read(out: Path) -> dict[str, Entry]:
    """Entries of the existing manifest by path; an unreadable manifest counts as empty."""
    try:
        raw = json.loads((out / NAME).read_text(encoding="utf-8"))
        return {d["path"]: Entry(**d) for d in raw["documents"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def render(entries: list[Entry]) -> bytes:
    """The manifest file's bytes: sorted, stable, no absolute paths or times."""
    documents = [asdict(e) for e in sorted(entries, key=lambda e: e.path)]
    text = json.dumps({"generator": GENERATOR, "documents": documents}, indent=2,
                      ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()
