"""Pictures for PowerPoint: our SVG art (and an SVG crest) as PNG.

python-pptx places raster images only.  The SVG is drawn by the same WeasyPrint renderer
as the PDFs – through the same SafeFetcher, so the PowerPoint file shows exactly what the
slides PDF shows and can read nothing the PDF could not – and the one-page PDF is turned
into pixels by pdfium.  Both are deterministic: the same SVG gives the same PNG bytes.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

DPI = 200
RASTER = {".png", ".jpg", ".jpeg", ".gif"}


class Rasteriser:
    """PNG bytes of pictures, each drawn once per process."""

    def __init__(self, renderer, *, base_url: Path):
        self.renderer = renderer
        self.base_url = base_url
        self._done: dict[tuple[str, float], tuple[bytes, float]] = {}
        self.used: set[Path] = set()

    def png(self, uri: str, width_mm: float) -> tuple[bytes, float]:
        """(PNG bytes, height/width) of the picture at `uri`, drawn width_mm wide."""
        key = (uri, round(width_mm, 1))
        if key not in self._done:
            self._done[key] = self._draw(uri, width_mm)
        return self._done[key]

    def _draw(self, uri: str, width_mm: float) -> tuple[bytes, float]:
        path = _path(uri)
        if path is not None and path.suffix.lower() in RASTER:
            from PIL import Image

            data = path.read_bytes()
            self.used.add(path)
            with Image.open(io.BytesIO(data)) as image:
                return data, image.height / image.width
        ratio = _svg_ratio(path.read_text(encoding="utf-8")) if path is not None else 1.0
        w, h = width_mm, width_mm * ratio
        html = (f"<style>@page {{ size: {w:.2f}mm {h:.2f}mm; margin: 0 }} body {{ margin: 0 }}"
                f" img {{ display: block; width: {w:.2f}mm; height: {h:.2f}mm }}</style>"
                f'<img src="{uri}" alt="">')
        _, pdf, errors, used = self.renderer._render(  # noqa: SLF001 - same process, same fetcher
            html, base_url=self.base_url, write=True, base=False)
        if errors:
            from .errors import BuildError

            raise BuildError(f"could not draw {uri}: {errors[0]}")
        self.used.update(used)
        return _pdf_to_png(pdf, width_mm), ratio


def _path(uri: str) -> Path | None:
    parts = urlsplit(uri)
    return Path(unquote(parts.path)) if parts.scheme == "file" else None


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
