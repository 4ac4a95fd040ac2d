"""QR codes for the web reporting routes, made locally as SVG."""

from __future__ import annotations

from functools import lru_cache

import segno


@lru_cache(maxsize=64)
def qr_data_uri(url: str) -> str:
    """An SVG QR code for url as a data: URI, black on white, with a quiet zone."""
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2, dark="#000000",
                                                   light="#ffffff")
