"""QR codes for the web reporting routes, made locally as SVG."""

from __future__ import annotations

from functools import lru_cache

import segno


@lru_cache(maxsize=64)
def qr_data_uri(url: str) -> str:
    """An SVG QR code for url as a data: URI, black on white, with a quiet zone."""
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2, dark="#000000",
                                                   light="#ffffff")


@lru_cache(maxsize=64)
def qr_png(url: str) -> bytes:
    """The same QR code as PNG bytes, for PowerPoint (which places raster pictures)."""
    import io

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=10, border=2, dark="#000000",
                                    light="#ffffff")
    return buffer.getvalue()
