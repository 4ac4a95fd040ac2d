"""`lessonpack serve`: a local preview that follows your edits.

Small on purpose, in the spirit of mkdocs' livereload: the standard library's threading
HTTP server on 127.0.0.1 only, watchfiles for the lessons, overrides, templates, data
and school.yml, and one tiny script in every preview page that listens for a new
"epoch" (server-sent events) and reloads.

Routes, and nothing else (anything else is 404):
    /                       every document, with links to its preview and its PDF
    /<path>.html            a document's HTML as it will print (the same compose path as
                            the PDF), shown as sheets, with a banner of `check` findings
    /<path>.pdf             the PDF, rendered on demand
    /_file/<n>/<path>       a stylesheet or picture the preview uses, only from the
                            folders the PDF renderer may read
    /_events                server-sent events: the epoch, bumped on every edit
"""

from __future__ import annotations

import html
import logging
import re
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .errors import LessonpackError, Problem
from .plan import Job, plan
from .project import Project

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
TYPES = {".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png",
         ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp"}
FILE_URL_RE = re.compile(r'(?P<attr>\b(?:src|href)=")(?P<url>file://[^"]+)"')
RELOAD_SCRIPT = """<script>
(function () {
  var source = new EventSource("/_events");
  source.onmessage = function (event) { if (event.data !== "%(epoch)s") { location.reload(); } };
})();
</script>"""


@dataclass(frozen=True)
class Settings:
    """What `serve` was asked for."""

    project: Project
    config_path: Path | None = None
    port: int = 8000


class Preview:
    """The state behind the server: inputs reloaded after each edit, one render at a time."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.epoch = 0
        self.changed = threading.Condition()
        self._lock = threading.Lock()          # WeasyPrint renders one document at a time
        self._worker = None
        self._worker_epoch = -1
        self._load_error: LessonpackError | None = None

    # -- state ----------------------------------------------------------------------

    def bump(self) -> None:
        """Something changed on disk: later requests reload; open pages are told."""
        with self.changed:
            self.epoch += 1
            self.changed.notify_all()

    def worker(self):
        """The worker for the current epoch (inputs, templates, renderer), or raise why not."""
        from .worker import Settings as WorkerSettings, Worker

        if self._worker_epoch != self.epoch:
            self._worker_epoch = self.epoch
            settings = WorkerSettings(str(self.settings.project.root),
                                      str(self.settings.config_path) if self.settings.config_path else None)
            try:
                # A new worker: fresh inputs, templates and stylesheets after an edit.
                self._worker, self._load_error = Worker(settings), None
            except LessonpackError as exc:
                self._worker, self._load_error = None, exc
        if self._worker is None:
            raise self._load_error or LessonpackError("nothing to preview")
        return self._worker

    def jobs(self) -> list[Job]:
        worker = self.worker()
        # PDFs only: the PowerPoint file has no HTML to preview (its slides PDF has)
        return [j for j in plan(list(worker.inputs.lessons.values()),
                                letter=worker.inputs.config is not None) if j.path.endswith(".pdf")]

    def job_for(self, path: str) -> Job | None:
        for job in self.jobs():
            if job.path == path:
                return job
        return None

    def roots(self) -> list[Path]:
        """The folders the preview may serve files from: those the PDF renderer may read."""
        worker = self.worker()
        config = worker.inputs.config
        roots = [worker.project.templates, worker.project.builtin_templates, worker.project.lessons]
        if config:
            roots.append(config.dir)
        return [r.resolve() for r in roots if r.is_dir()]

    # -- pages --------------------------------------------------------------------------

    def index_page(self) -> bytes:
        try:
            jobs = self.jobs()
        except LessonpackError as exc:
            return _page("lessonpack preview", _problems_banner(exc.problems, exc.message), self.epoch)
        rows = []
        for job in jobs:
            stem = job.path[:-len(".pdf")]
            rows.append(f'<li><a href="/{html.escape(stem)}.html">{html.escape(stem)}</a> · '
                        f'<a href="/{html.escape(job.path)}">PDF</a></li>')
        body = ("<h1>lessonpack preview</h1><p>Open a document to see it as it will print. "
                "Pages reload when you save a lesson, an override, a template or school.yml.</p>"
                f"<ul>{''.join(rows)}</ul>")
        return _page("lessonpack preview", body, self.epoch)

    def preview(self, job: Job) -> bytes:
        """The document's HTML exactly as composed for the PDF, plus screen CSS and a banner."""
        from .worker import stylesheets_for

        worker = self.worker()
        with self._lock:
            composed = worker.compose(job)
            findings = self.findings(job)
        css = [worker.templates.find_asset("css/print.css"),
               *stylesheets_for(worker.templates, job, worker.inputs.paper),
               worker.templates.find_asset("css/screen.css")]
        if job.kind == "slides":        # slides bring their own stylesheet, as in worker.run
            css = [worker.templates.find_asset("css/slides.css")]
        links = "".join(f'<link rel="stylesheet" href="{self.file_url(p)}">' for p in css if p)
        page = FILE_URL_RE.sub(lambda m: f'{m.group("attr")}{self.file_url(m.group("url"))}"',
                               composed.html)
        banner = _problems_banner(findings + composed.problems) if (findings or composed.problems) else ""
        page = page.replace("</head>", links + "</head>", 1)
        page = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + banner, page, count=1)
        page = page.replace("</body>", RELOAD_SCRIPT % {"epoch": self.epoch} + "</body>", 1)
        return page.encode("utf-8")

    def findings(self, job: Job) -> list[Problem]:
        """`check` on the lessons this document is made from."""
        from dataclasses import replace

        from .checks import run_checks

        worker = self.worker()
        lessons = {k: v for k, v in worker.inputs.lessons.items()
                   if job.lesson in (None, k) and (job.key_stage in (None, v.key_stage) or job.lesson)}
        if job.kind == "parents-letter":
            return []
        return run_checks(worker.project, replace(worker.inputs, lessons=lessons))

    def pdf(self, job: Job) -> bytes:
        """The PDF as `build` makes it; marked DRAFT while `check` finds errors in it."""
        worker = self.worker()
        with self._lock:
            errors = [p for p in self.findings(job) if p.severity == "error"]
            worker.inputs.draft = bool(errors)
            try:
                result = worker.run(job)
            finally:
                worker.inputs.draft = False
        if not result.ok:
            raise LessonpackError(f"{job.path} could not be built", result.problems)
        return result.data

    def file_url(self, target) -> str:
        """/_file/<root>/<path> for a file (or file:// URL) inside an allowed folder."""
        path = Path(unquote(urlsplit(str(target)).path)) if str(target).startswith("file:") \
            else Path(target)
        path = path.resolve()
        for n, root in enumerate(self.roots()):
            if path.is_relative_to(root):
                return f"/_file/{n}/{path.relative_to(root).as_posix()}"
        return "/_file/refused"

    def file(self, n: str, rel: str) -> tuple[bytes, str] | None:
        """A file under allowed folder number n, or None."""
        roots = self.roots()
        if not n.isdigit() or int(n) >= len(roots):
            return None
        root = roots[int(n)]
        try:
            path = (root / rel).resolve(strict=True)
        except (OSError, RuntimeError, ValueError):
            return None
        kind = TYPES.get(path.suffix.lower())
        if kind is None or not path.is_file() or not path.is_relative_to(root):
            return None
        return path.read_bytes(), kind


def _page(title: str, body: str, epoch: int) -> bytes:
    return (f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title>"
            "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;"
            "padding:0 1rem;color:#1f2937}a{color:#1d4ed8}"
            ".preview-banner{border:2px solid #b91c1c;background:#fef2f2;padding:.5rem 1rem}</style>"
            f"</head><body><main>{body}</main>{RELOAD_SCRIPT % {'epoch': epoch}}</body></html>"
            ).encode("utf-8")


def _problems_banner(problems: list[Problem], headline: str | None = None) -> str:
    errors = [p for p in problems if p.severity == "error"]
    items = "".join(f"<li><code>{html.escape(str(p))}</code>"
                    f"{' (warning)' if p.severity != 'error' else ''}</li>" for p in problems)
    title = headline or (f"check: {len(errors)} error{'s' if len(errors) != 1 else ''}, "
                         f"{len(problems) - len(errors)} warning{'s' if len(problems) - len(errors) != 1 else ''}")
    return (f'<aside class="preview-banner" role="status" aria-label="check findings">'
            f"<p><strong>{html.escape(title)}</strong></p><ul>{items}</ul></aside>")


class Handler(BaseHTTPRequestHandler):
    """GET only; every path is matched against the routes or answered 404."""

    preview: Preview
    server_version = "lessonpack"
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 - http.server API
        path = urlsplit(self.path).path
        try:
            decoded = unquote(path, errors="strict")
        except UnicodeDecodeError:
            return self.send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8")
        if "\x00" in decoded or any(part in ("..", ".") for part in decoded.split("/")):
            return self.send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8")
        try:
            if decoded == "/":
                return self.send(HTTPStatus.OK, self.preview.index_page(), "text/html; charset=utf-8")
            if decoded == "/_events":
                return self.events()
            if decoded.startswith("/_file/"):
                n, _, rel = decoded[len("/_file/"):].partition("/")
                found = self.preview.file(n, rel)
                if found:
                    return self.send(HTTPStatus.OK, *found)
            elif decoded.endswith(".html") or decoded.endswith(".pdf"):
                stem, _, suffix = decoded[1:].rpartition(".")
                job = self.preview.job_for(stem + ".pdf")
                if job is not None and suffix == "html":
                    return self.send(HTTPStatus.OK, self.preview.preview(job), "text/html; charset=utf-8")
                if job is not None:
                    return self.send(HTTPStatus.OK, self.preview.pdf(job), "application/pdf")
        except LessonpackError as exc:
            body = _page("lessonpack preview", _problems_banner(exc.problems, exc.message),
                         self.preview.epoch)
            return self.send(HTTPStatus.INTERNAL_SERVER_ERROR, body, "text/html; charset=utf-8")
        return self.send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8")

    def send(self, status: HTTPStatus, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def events(self) -> None:
        """Server-sent events: the current epoch now and after every change."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        preview = self.preview
        seen = None
        try:
            while not getattr(self.server, "stopping", False):
                with preview.changed:
                    if seen == preview.epoch:
                        preview.changed.wait(timeout=15)
                    epoch = preview.epoch
                if epoch != seen:
                    self.wfile.write(f"data: {epoch}\n\n".encode())
                    seen = epoch
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return
        self.close_connection = True

    def log_message(self, format, *args):  # noqa: A002 - http.server API
        log.info("%s %s", self.address_string(), format % args)


def watched(project: Project, config_path: Path | None) -> list[Path]:
    """What the preview follows: lessons, templates, data, and the school folder."""
    paths = [project.lessons, project.templates, project.root / "data"]
    if config_path:
        paths.append(Path(config_path).resolve().parent)
    return [p for p in dict.fromkeys(p.resolve() for p in paths) if p.is_dir()]


def make_server(settings: Settings) -> tuple[ThreadingHTTPServer, Preview]:
    """A server bound to 127.0.0.1 (never another address), not yet serving."""
    preview = Preview(settings)
    handler = type("BoundHandler", (Handler,), {"preview": preview})
    try:
        server = ThreadingHTTPServer((HOST, settings.port), handler)
    except OSError as exc:
        raise LessonpackError(f"cannot listen on {HOST}:{settings.port}: {exc.strerror or exc} "
                              "(try another --port)") from exc
    server.daemon_threads = True
    return server, preview


def watch(preview: Preview, paths: list[Path], stop: threading.Event) -> None:
    """Bump the preview's epoch whenever a watched file changes (runs in a thread)."""
    from watchfiles import watch as watch_files

    for _changes in watch_files(*paths, stop_event=stop, debounce=200, step=50,
                                raise_interrupt=False):
        preview.bump()


def serve(settings: Settings, *, ready=None) -> None:
    """Serve until Ctrl-C; `ready(url)` is called once the server listens."""
    server, preview = make_server(settings)
    stop = threading.Event()
    paths = watched(settings.project, settings.config_path)
    watcher = threading.Thread(target=watch, args=(preview, paths, stop), daemon=True)
    watcher.start()
    host, port = server.server_address[:2]
    if ready:
        ready(f"http://{host}:{port}/")
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.stopping = True
        stop.set()
        with preview.changed:
            preview.changed.notify_all()
        server.server_close()
        time.sleep(0)
