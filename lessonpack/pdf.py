"""HTML → PDF with WeasyPrint.  The only module that imports weasyprint.

One `Renderer` per process: it pays for `import weasyprint`, the font
configuration and the parsed stylesheets once, and every document after that
is only layout.  Every resource goes through `SafeFetcher`, which serves files
from the allowed folders only and refuses everything else – other local files,
`..` and symlink escapes, and every network scheme – so a lesson can neither
pull a file from the machine into a PDF nor make the build wait on the network.
"""

from __future__ import annotations

import logging
import mimetypes
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)

PDF_VARIANT = "pdf/ua-1"
GREYSCALE = "greyscale"   # query of an SVG URL that asks for its grey version


def _weasyprint():
    import weasyprint  # noqa: PLC0415 - imported once per process, on first use
    return weasyprint


class RefusedResource(Exception):
    """A document asked for a resource outside the allowed folders."""


def make_fetcher(allowed: list[Path]):
    """A WeasyPrint URL fetcher that serves only files under `allowed` folders."""
    weasyprint = _weasyprint()
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    roots = [Path(p).resolve() for p in allowed]

    class SafeFetcher(URLFetcher):
        """Serves local files from the project's own folders; refuses the rest."""

        def __init__(self):
            super().__init__(timeout=1, allowed_protocols=("file", "data"), allow_redirects=False)
            self.refused: list[str] = []
            self.served: list[Path] = []    # every file read into the document, for the cache

        def fetch(self, url, headers=None):  # noqa: D102 - WeasyPrint API
            if url.startswith("data:"):
                # Inline data (our QR codes) carries its content with it: nothing to leak.
                return super().fetch(url, headers)
            path = self.allowed_path(url)
            if path is None:
                self.refused.append(url)
                raise RefusedResource(f"refused to load {url!r}: only files inside the "
                                      "project's templates, lessons and the school folder are used")
            mime, _ = mimetypes.guess_type(path.name)
            self.served.append(path)
            body = path.read_bytes()
            query = urlsplit(url).query
            if query == GREYSCALE and path.suffix.lower() == ".svg":
                # art in the greyscale variant (WeasyPrint has no CSS filter)
                from .images import greyscale_svg
                body = greyscale_svg(body)
            return URLFetcherResponse(url=path.as_uri() + (f"?{query}" if query else ""), body=body,
                                      headers={"Content-Type": mime or "application/octet-stream"})

        @staticmethod
        def allowed_path(url: str) -> Path | None:
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                return None
            try:
                path = Path(unquote(parts.path)).resolve(strict=True)
            except (OSError, RuntimeError, ValueError):
                return None
            if not path.is_file():
                return None
            if any(path.is_relative_to(root) for root in roots):
                return path
            return None

        @staticmethod
        def explain(url: str) -> str:
            """Why allowed_path refused `url`, as a lesson error: missing, or not allowed."""
            parts = urlsplit(url)
            if parts.scheme == "file" and parts.netloc in ("", "localhost"):
                try:
                    path = Path(unquote(parts.path)).resolve()
                except (OSError, RuntimeError, ValueError):
                    path = None
                for root in roots:
                    if path is not None and path.is_relative_to(root) and not path.is_file():
                        return f"file not found: {root.name}/{path.relative_to(root).as_posix()}"
            return (f"refused to load {url!r}: only files inside the project's templates, "
                    "lessons and the school folder may be used")

    return SafeFetcher


@dataclass
class RenderResult:
    """What rendering one document produced."""

    pdf: bytes
    pages: int
    errors: list[str] = field(default_factory=list)
    used: list[Path] = field(default_factory=list)    # stylesheets, images, fonts it read
    layout: list = field(default_factory=list)        # layout.Finding, for the layout gate


class _Collect(logging.Handler):
    """Turns WeasyPrint's logged errors (missing images, refused URLs) into our errors."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record):
        # First line only (the rest is a traceback), without the ': ' of an empty reason.
        self.messages.append((record.getMessage().splitlines() or [""])[0].rstrip(": "))


class Renderer:
    """Lays out HTML documents; reuses fonts and stylesheets across documents."""

    def __init__(self, *, allowed: list[Path], stylesheets: list[Path]):
        wp = _weasyprint()
        from weasyprint.text.fonts import FontConfiguration

        self._wp = wp
        self.font_config = FontConfiguration()
        self.fetcher_class = make_fetcher(allowed)
        self._css: dict[Path, object] = {}
        self._css_files: dict[Path, list[Path]] = {}   # a stylesheet and what it imported
        self._css_refused: dict[Path, list[str]] = {}  # URLs a stylesheet asked for in vain
        self.stylesheets = [self.css(p) for p in stylesheets]
        self._base_css = [Path(p).resolve() for p in stylesheets]

    def css(self, path: Path):
        """A parsed stylesheet, parsed once per process."""
        path = Path(path).resolve()
        if path not in self._css:
            fetcher = self.fetcher_class()
            self._css[path] = self._wp.CSS(filename=str(path), font_config=self.font_config,
                                           url_fetcher=fetcher)
            self._css_files[path] = [path, *fetcher.served]
            self._css_refused[path] = list(fetcher.refused)
        return self._css[path]

    def _render(self, html: str, *, base_url: Path, extra_css: list[Path] = (),
                forms: bool = False, write: bool = False, base: bool = True
                ) -> tuple[object, bytes | None, list[str], list[Path]]:
        """Lay out one document (and write it when asked), plus every file it read: the cache
        must know them all.  Writing is watched too: attachments and the images inside SVGs
        are only fetched then."""
        fetcher = self.fetcher_class()
        collect = _Collect()
        wp_log = logging.getLogger("weasyprint")
        wp_log.addHandler(collect)
        try:
            doc = self._wp.HTML(string=html, base_url=str(base_url) + os.sep,
                                url_fetcher=fetcher).render(
                font_config=self.font_config,
                stylesheets=(self.stylesheets if base else []) + [self.css(p) for p in extra_css],
                pdf_variant=PDF_VARIANT, pdf_forms=forms or None)
            pdf = self.write(doc, forms=forms) if write else None
        finally:
            wp_log.removeHandler(collect)
        sheets = (self._base_css if base else []) + [Path(p).resolve() for p in extra_css]
        # Stylesheets are parsed once per process, so their refusals (@import, @font-face)
        # are kept and reported for every document that uses them.
        refused = [u for sheet in sheets for u in self._css_refused.get(sheet, [])] + fetcher.refused
        errors = list(dict.fromkeys(fetcher.explain(u) for u in refused))
        errors += [m for m in dict.fromkeys(collect.messages)
                   if not any(u in m for u in refused)]
        used = {f for sheet in sheets for f in self._css_files.get(sheet, [])}
        return doc, pdf, errors, sorted(used | set(fetcher.served))

    def write(self, document, *, forms: bool = False) -> bytes:
        """The PDF bytes of a laid-out document: tagged PDF/UA-1, reproducible."""
        return document.write_pdf(pdf_variant=PDF_VARIANT, pdf_forms=forms or None,
                                  pdf_identifier=b"lessonpack")

    def to_pdf(self, html: str, *, base_url: Path, extra_css: list[Path] = (),
               forms: bool = False, kind: str = "", write: bool = True,
               base: bool = True) -> RenderResult:
        """Render HTML to PDF bytes (or only lay it out), with the layout gate's findings;
        base=False leaves out the print stylesheet (slides bring their own)."""
        from .layout import inspect

        doc, pdf, errors, used = self._render(html, base_url=base_url, extra_css=extra_css,
                                              forms=forms, write=write, base=base)
        return RenderResult(pdf=pdf or b"", pages=len(doc.pages), errors=errors, used=used,
                            layout=inspect(doc.pages, kind=kind))

