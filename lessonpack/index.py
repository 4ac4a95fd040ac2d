"""output/index.html: every document of the manifest on one page, with thumbnails.

One static, self-contained page (no script, no web fonts, inline CSS) a teacher can open
from a USB stick: documents grouped by key stage, then kind, each with a thumbnail of
its first page, its page count and a link.  Thumbnails are PNGs rendered with pdfium
(pypdfium2) and written by Pillow without timestamps, so a rebuild gives the same bytes.
"""

from __future__ import annotations

import io
from html import escape
from pathlib import Path

from . import GENERATOR
from .manifest import Entry

NAME = "index.html"
THUMBS = "thumbnails"
THUMB_WIDTH = 180
GROUPS = (("ks1", "Key Stage 1 (ages 5–7)"), ("ks2", "Key Stage 2 (ages 7–11)"),
          ("ks3", "Key Stage 3 (ages 11–14)"), ("ks4", "Key Stage 4 (ages 14–16)"),
          (None, "Parents and carers"))
KIND_ORDER = ("pack", "worksheets", "teacher-notes", "worksheet", "slides", "slides-pptx",
              "parents-guide", "parents-letter")
KIND_NAMES = {"pack": "Pack", "worksheets": "Class set of worksheets", "teacher-notes": "Teacher notes",
              "worksheet": "Worksheet", "slides": "Slides (PDF)", "slides-pptx": "Slides (PowerPoint)",
              "parents-guide": "Guide for parents and carers", "parents-letter": "Letter to parents"}


def thumbnail_path(rel: str) -> str:
    """'ks2/ks2-grooming-worksheet.pdf' → 'thumbnails/ks2/ks2-grooming-worksheet.png'."""
    return f"{THUMBS}/{rel.rsplit('.', 1)[0]}.png"


def thumbnail(pdf: Path | bytes) -> bytes:
    """A PNG of the first page, THUMB_WIDTH pixels wide."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    try:
        page = document[0]
        scale = THUMB_WIDTH / page.get_width()
        image = page.render(scale=scale, may_draw_forms=True).to_pil().convert("RGB")
        page.close()
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)   # Pillow writes no time chunk
    return buffer.getvalue()


def page(entries: list[Entry], *, school: str | None = None) -> bytes:
    """The index page's bytes."""
    title = f"{school} – safeguarding lessons" if school else "Safeguarding lessons"
    parts = [f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="{escape(GENERATOR)}">
<title>{escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0 auto; max-width: 68rem; padding: 1rem 1.5rem 3rem;
       color: #1f2937; background: #fff; line-height: 1.4; }}
h1 {{ font-size: 1.8rem; margin: 0.5rem 0 0.25rem; }}
h2 {{ font-size: 1.4rem; margin: 2rem 0 0.5rem; border-bottom: 2px solid #1f2937; }}
h3 {{ font-size: 1.1rem; margin: 1.25rem 0 0.5rem; }}
ul.docs {{ list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 1rem; }}
ul.docs li {{ width: 11.5rem; }}
ul.docs a {{ color: #1d4ed8; text-decoration: underline; }}
ul.docs a:focus {{ outline: 3px solid #f59e0b; }}
ul.docs img {{ display: block; width: 100%; height: auto; border: 1px solid #6b7280; margin-bottom: 0.35rem; }}
.meta {{ color: #374151; font-size: 0.9rem; margin: 0.15rem 0 0; }}
</style>
</head>
<body>
<main>
<h1>{escape(title)}</h1>
<p>Every document of this build, by key stage. Print worksheets from the class set, teach from
the teacher notes, and show the slides on the projector.</p>
"""]
    for key_stage, heading in GROUPS:
        group = [e for e in entries if e.key_stage == key_stage]
        if not group:
            continue
        parts.append(f'<section aria-labelledby="h-{key_stage or "parents"}">\n'
                     f'<h2 id="h-{key_stage or "parents"}">{escape(heading)}</h2>\n')
        for kind in sorted({e.kind for e in group}, key=_kind_rank):
            parts.append(f"<h3>{escape(KIND_NAMES.get(kind, kind))}</h3>\n<ul class=\"docs\">\n")
            for entry in sorted((e for e in group if e.kind == kind), key=lambda e: e.path):
                parts.append(_item(entry))
            parts.append("</ul>\n")
        parts.append("</section>\n")
    parts.append("</main>\n</body>\n</html>\n")
    return "".join(parts).encode("utf-8")


def _kind_rank(kind: str) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


def _item(entry: Entry) -> str:
    name = entry.path.rsplit("/", 1)[-1]
    unit = "slide" if entry.kind == "slides-pptx" else "page"
    meta = f"{entry.pages} {unit}{'s' if entry.pages != 1 else ''}"
    if entry.variant != "standard":
        meta += f" · {entry.variant}"
    picture = ""
    if entry.path.endswith(".pdf"):
        picture = (f'<img src="{escape(thumbnail_path(entry.path))}" alt="" '
                   f'width="{THUMB_WIDTH}" loading="lazy">')
    return (f'<li><a href="{escape(entry.path)}">{picture}{escape(name)}</a>'
            f'<p class="meta">{escape(meta)}</p></li>\n')


def index_files(out: Path, entries: list[Entry], *, rebuilt: set[str],
                school: str | None = None) -> dict[str, bytes]:
    """index.html and the thumbnails that are new or whose document was rebuilt."""
    files = {NAME: page(entries, school=school)}
    for entry in entries:
        if not entry.path.endswith(".pdf"):
            continue
        thumb = thumbnail_path(entry.path)
        if entry.path in rebuilt or not (out / thumb).is_file():
            files[thumb] = thumbnail(out / entry.path)
    return files


def stale_thumbnails(out: Path, entries: list[Entry]) -> list[Path]:
    """Thumbnails of documents no longer in the manifest."""
    wanted = {thumbnail_path(e.path) for e in entries}
    folder = out / THUMBS
    if not folder.is_dir():
        return []
    return [p for p in sorted(folder.rglob("*.png"))
            if p.relative_to(out).as_posix() not in wanted]


def write_index(out: Path, entries: list[Entry], *, rebuilt: set[str],
                school: str | None = None) -> None:
    """Write index.html and the thumbnails it needs; remove thumbnails no longer listed."""
    from .writer import write_atomic

    for rel, data in index_files(out, entries, rebuilt=rebuilt, school=school).items():
        write_atomic(out / rel, data)
    for path in stale_thumbnails(out, entries):
        path.unlink()
        folder = path.parent
        while folder != out and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
