"""Pictures for PowerPoint: our SVG art (and an SVG crest) as PNG.

python-pptx places raster images only.  The SVG is drawn by the same WeasyPrint renderer
as the PDFs – through the same SafeFetcher, so the PowerPoint file shows exactly what the
slides PDF shows and can read nothing the PDF could not – and the one-page PDF is turned
into pixels by pdfium.  Both are deterministic: the same SVG gives the same PNG bytes.
"""

from __future__ import annotations

import io
import re
from html import escape
from pathlib import Path
from urllib.parse import unquote

DPI = 200
RASTER = {".png", ".jpg", ".jpeg", ".gif"}
# A picture is drawn at the first of these widths (mm) at least as wide as asked, and
# PowerPoint scales it down: an icon used at three sizes in a deck is drawn once.
WIDTHS = (12.0, 25.0, 50.0, 100.0, 200.0)


class Rasteriser:
    """PNG bytes of pictures, each drawn once per process."""

    def __init__(self, renderer, *, base_url: Path):
        self.renderer = renderer
        self.base_url = base_url
        self._done: dict[tuple[str, float], tuple[bytes, float]] = {}
        self.used: set[Path] = set()

    def png(self, uri: str, width_mm: float) -> tuple[bytes, float]:
        """(PNG bytes, height/width) of the picture at `uri`, drawn width_mm wide."""
        drawn = next((w for w in WIDTHS if w >= width_mm), round(width_mm, 1))
        key = (uri, drawn)
        if key not in self._done:
            self._done[key] = self._draw(uri, drawn)
        return self._done[key]

    def _draw(self, uri: str, width_mm: float) -> tuple[bytes, float]:
        # Every read goes through the renderer's SafeFetcher, as for the PDFs: a picture
        # outside the allowed folders (a symlink out, a missing file) fails the same way.
        url = uri if re.match(r"^[a-z][a-z0-9+.-]*:", uri) else \
            (Path(self.base_url) / unquote(uri)).as_uri()
        fetcher = self.renderer.fetcher_class()
        path = fetcher.allowed_path(url)
        if path is None:
            raise RasterError(fetcher.explain(url))
        if path.suffix.lower() in RASTER:
            from PIL import Image, UnidentifiedImageError

            try:
                with Image.open(path) as image:
                    ratio = image.height / image.width
            except (OSError, UnidentifiedImageError, ZeroDivisionError):
                ratio = 1.0      # WeasyPrint names the broken file below
        else:
            ratio = _svg_ratio(path.read_text(encoding="utf-8", errors="replace"))
        w, h = width_mm, width_mm * ratio
        html = (f'<html lang="en-GB"><head><title>picture</title><style>@page {{ size: {w:.2f}mm '
                f"{h:.2f}mm; margin: 0 }} body {{ margin: 0 }} img {{ display: block; "
                f'width: {w:.2f}mm; height: {h:.2f}mm }}</style></head><body>'
                f'<img src="{escape(url)}" alt="picture"></body></html>')
        _, pdf, errors, used = self.renderer._render(  # noqa: SLF001 - same process, same fetcher
            html, base_url=self.base_url, write=True, own_css=True, tagged=False)
        if errors:
            raise RasterError(errors[0])
        self.used.update(used)
        return _pdf_to_png(pdf, width_mm), ratio


class RasterError(Exception):
    """A picture could not be read or drawn; the message is the PDF renderer's."""


def _svg_ratio(svg: str) -> float:
    """height / width of an SVG, from its viewBox (else its width and height)."""
    found = re.search(r'viewBox\s*=\s*"\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)', svg)
    if found and float(found.group(1)) > 0:
        return float(found.group(2)) / float(found.group(1))
    w = re.search(r'\bwidth\s*=\s*"([\d.]+)', svg)
    h = re.search(r'\bheight\s*=\s*"([\d.]+)', svg)
    if w and h and float(w.group(1)) > 0:
        return float(h.group(1)) / float(w.group(1))
    return 1.0


def _pdf_to_png(pdf: bytes, width_mm: float) -> bytes:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        scale = DPI / 72
        bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 0))
        image = bitmap.to_pil()
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=False)
        page.close()
        return buffer.getvalue()
    finally:
        document.close()
