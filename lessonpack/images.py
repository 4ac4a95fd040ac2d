"""Image preparation: the school crest in grey for the greyscale variant."""

from __future__ import annotations

import base64
import io
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
