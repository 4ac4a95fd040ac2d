"""`lessonpack serve`: routes, refusals, 127.0.0.1 only, live reload, and a real browser
(Debian's Chromium through Playwright) with axe-core on the index and a preview."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import lesson_md
from lessonpack.project import Project
from lessonpack.serve import Settings, make_server, watch, watched

BODY = "## Starter\n\nSHIPPED-WORDS about Sam and a game.\n\nIt is never your fault.\n"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextlib.contextmanager
def running(root: Path, config: Path | None = None):
    """A real server on 127.0.0.1 and an ephemeral port, with its file watcher."""
    server, preview = make_server(Settings(project=Project(root), config_path=config, port=0))
    stop = threading.Event()
    threads = [threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True),
               threading.Thread(target=watch, args=(preview, watched(Project(root), config), stop),
                                daemon=True)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)   # let the watcher start before a test edits anything
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", preview, server
    finally:
        server.stopping = True
        stop.set()
        with preview.changed:
            preview.changed.notify_all()
        server.shutdown()
        server.server_close()


def get(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers.get("Content-Type", "")


@pytest.fixture
def site(make_project):
    root = make_project({"ks2/grooming.md": lesson_md(body=BODY)})
    with running(root) as (url, preview, server):
        yield root, url, preview, server


def test_index_preview_and_pdf_respond(site):
    root, url, _, _ = site
    status, body, kind = get(url + "/")
    assert status == 200 and kind.startswith("text/html")
    assert b'href="/ks2/ks2-grooming-worksheet.html"' in body and b'href="/ks2/ks2-pack.pdf"' in body
    status, body, _ = get(url + "/ks2/ks2-grooming-worksheet.html")
    assert status == 200 and b"SHIPPED-WORDS" in body
    assert b"Test lesson ks2 grooming" in body               # the composed document itself
    assert b'/_file/' in body and b"css/screen.css" in body and b"EventSource" in body
    status, body, kind = get(url + "/ks2/ks2-grooming-teacher-notes.pdf")
    assert status == 200 and kind == "application/pdf" and body.startswith(b"%PDF-")


@pytest.mark.parametrize("path", [
    "/ks2/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/ks2/%2E%2E/%2E%2E/etc/hosts",
    "/%252e%252e/etc/passwd", "/..%2f..%2fetc%2fpasswd", "/_file/0/../../../../etc/passwd",
    "/_file/0/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/_file/9/css/print.css", "/_file/0/css/%00.css",
    "/etc/passwd", "//etc/passwd", "/lessons/ks2/grooming.md", "/ks2/ks2-grooming-worksheet.txt",
    "/ks5/ks5-grooming-worksheet.html", "/manifest.json", "/_file/2/ks2/grooming.md", "/%ff.html"])
def test_anything_else_is_404(site, path):
    _, url, _, _ = site
    status, body, _ = get(url + path)
    assert status == 404, path
    assert b"root:" not in body and b"SHIPPED-WORDS" not in body


def test_resources_only_from_allowed_folders(site):
    _, url, _, _ = site
    page = get(url + "/ks2/ks2-grooming-worksheet.html")[1].decode()
    css = page.split('href="/_file/', 1)[1].split('"', 1)[0]
    status, body, kind = get(url + "/_file/" + css)
    assert status == 200 and kind.startswith("text/css") and b"@page" in body


def test_listens_on_127_0_0_1_only(site):
    _, url, _, server = site
    assert server.server_address[0] == "127.0.0.1"
    port = server.server_address[1]
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.2", port), timeout=2).close()
    socket.create_connection(("127.0.0.1", port), timeout=2).close()


def _until(predicate, seconds: float = 15.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return predicate()


def test_an_edit_shows_up_without_a_restart(site):
    root, url, preview, _ = site
    events = urllib.request.urlopen(url + "/_events", timeout=30)
    assert events.readline().strip() == b"data: 0"
    lesson = root / "lessons" / "ks2" / "grooming.md"
    lesson.write_text(lesson.read_text().replace("SHIPPED-WORDS", "EDITED-WORDS"), encoding="utf-8")
    assert _until(lambda: preview.epoch > 0), "the watcher saw no change"
    line = b""
    while not line.startswith(b"data:"):
        line = events.readline().strip()
    assert line == b"data: 1"
    events.close()
    body = get(url + "/ks2/ks2-grooming-worksheet.html")[1]
    assert b"EDITED-WORDS" in body and b"SHIPPED-WORDS" not in body


def test_check_findings_appear_as_a_banner_with_file_and_line(site):
    root, url, preview, _ = site
    lesson = root / "lessons" / "ks2" / "grooming.md"
    text = lesson.read_text().replace("SHIPPED-WORDS", "Call 0800 1112 now.")
    lesson.write_text(text, encoding="utf-8")
    assert _until(lambda: preview.epoch > 0)
    body = get(url + "/ks2/ks2-grooming-worksheet.html")[1].decode()
    line = text.split("\n").index("Call 0800 1112 now. about Sam and a game.") + 1
    assert 'class="preview-banner"' in body
    assert f"lessons/ks2/grooming.md:{line}:" in body


# --- a real browser ------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).is_file(), "Debian's chromium is needed (the Makefile installs it)"
    with sync_playwright() as playwright:
        chrome = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chrome
        chrome.close()


def _axe_serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']}: {v['help']}" for v in results.response["violations"]
            if v.get("impact") in ("serious", "critical")]


def test_browser_preview_follows_an_edit_and_passes_axe(site, browser, tmp_path):
    root, url, preview, _ = site
    page = browser.new_page(viewport={"width": 1000, "height": 1200})
    page.goto(url + "/ks2/ks2-grooming-worksheet.html")
    assert page.get_by_text("SHIPPED-WORDS").count() == 1
    shot = tmp_path / "preview.png"
    page.screenshot(path=str(shot))
    from PIL import Image

    with Image.open(shot) as image:
        grey = image.convert("L")
        dark = sum(grey.histogram()[:100])
        assert grey.size == (1000, 1200) and dark > 2000, "the preview looks blank"
    assert _axe_serious(page) == []
    lesson = root / "lessons" / "ks2" / "grooming.md"
    lesson.write_text(lesson.read_text().replace("SHIPPED-WORDS", "BROWSER-EDIT"), encoding="utf-8")
    page.get_by_text("BROWSER-EDIT").wait_for(timeout=20000)   # the page reloaded by itself
    page.close()


def test_axe_on_the_built_index(make_project, cli, browser):
    root = make_project({"ks2/grooming.md": lesson_md(body=BODY)})
    result = cli(root, "build", "--no-check", "--jobs", "1")
    assert result.exit_code == 0, result.output
    page = browser.new_page()
    page.goto((root / "output" / "index.html").as_uri())
    assert page.locator("img").count() >= 3
    assert _axe_serious(page) == []
    page.close()
