"""Image preparation: the school crest in grey for the greyscale variant."""

from __future__ import annotations

import base64
import io
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

RASTER = (".png", ".jpg", ".jpeg", ".gif")


@lru_cache(maxsize=8)
def greyscale_uri(file_uri: str) -> str:
    """A grey PNG data: URI of a raster image; other images (SVG) are returned unchanged.

    WeasyPrint has no CSS filter, so a colour crest would be the only colour on a
    greyscale page; converting it here keeps the variant truly grey.
    """
    path = Path(unquote(urlsplit(file_uri).path))
    if path.suffix.lower() not in RASTER:
        return file_uri
    from PIL import Image  # a WeasyPrint dependency

    with Image.open(path) as image:
        grey = image.convert("LA") if "A" in image.getbands() or "transparency" in image.info \
            else image.convert("L")
        buffer = io.BytesIO()
        grey.save(buffer, format="PNG", optimize=False)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


HEX_RE = re.compile(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})(?![0-9a-fA-F])")
RGB_RE = re.compile(r"rgba?\(\s*([\d.]+%?)\s*[, ]\s*([\d.]+%?)\s*[, ]\s*([\d.]+%?)")
NAMED_RE = re.compile(r"((?:fill|stroke|stop-color|flood-color|lighting-color|color)\s*(?:=\s*[\"']|:\s*))"
                      r"([a-zA-Z]+)")


def _grey(r: float, g: float, b: float) -> str:
    level = round(0.299 * r + 0.587 * g + 0.114 * b)
    return f"#{level:02x}{level:02x}{level:02x}"


def greyscale_svg(data: bytes) -> bytes:
    """The SVG with every colour (hex, rgb(), named) replaced by its grey of equal
    luminance: our art is flat SVG, so this is all the greyscale variant needs."""
    from PIL import ImageColor  # a WeasyPrint dependency

    text = data.decode("utf-8")

    def hex_grey(m):
        value = m.group(1)
        if len(value) == 3:
            value = "".join(c * 2 for c in value)
        return _grey(*(int(value[i:i + 2], 16) for i in (0, 2, 4)))

    def rgb_grey(m):
        parts = [float(p[:-1]) * 2.55 if p.endswith("%") else float(p) for p in m.groups()]
        grey = _grey(*parts)[1:3]
        level = int(grey, 16)
        return m.group(0).split("(")[0] + f"({level}, {level}, {level}"

    def named_grey(m):
        name = m.group(2).lower()
        if name in ImageColor.colormap:
            return m.group(1) + _grey(*ImageColor.getrgb(name)[:3])
        return m.group(0)

    text = HEX_RE.sub(hex_grey, text)
    text = RGB_RE.sub(rgb_grey, text)
    text = NAMED_RE.sub(named_grey, text)
    return text.encode("utf-8")
