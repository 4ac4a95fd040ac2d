"""lessonpack is safe with any input: every bad input is one clear `path[:line]: message`
and exit 1 with the previous output untouched; lesson text is only ever text; documents
read no file outside the project and open no network connection; Ctrl-C and --keep-going
leave a whole, consistent output folder.

Each test runs the real CLI on a tiny project.  Tests that fail a build first copy a real
earlier build into the project's output/ and check it is byte-for-byte unchanged after.
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from conftest import default_sigint, REPO, lesson_md, pdf_text
from lessonpack.cli import main
from lessonpack.lessons import MAX_LESSON_BYTES

LESSON = "lessons/ks2/grooming.md"
SECRET = "TOPSECRET-7f3a9c"
# A 1×1 PNG: a real image for the tests that need one to exist.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAF"
                       "BQIAX8jx0gAAAABJRU5ErkJggg==")


# --- helpers ------------------------------------------------------------------------

def snapshot(out: Path) -> dict[str, bytes]:
    """Every file under out (hidden ones too), by relative path."""
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def previous_output(tmp_path_factory) -> Path:
    """A real earlier build (one ks2 lesson) to seed output/ with."""
    root = tmp_path_factory.mktemp("previous") / "proj"
    (root / "lessons/ks2").mkdir(parents=True)
    shutil.copytree(REPO / "data", root / "data")
    (root / LESSON).write_text(lesson_md(), encoding="utf-8")
    result = CliRunner().invoke(main, ["--project", str(root), "build", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    return root / "output"


@pytest.fixture
def seeded(previous_output):
    """seeded(root) copies the earlier build into root/output and returns its snapshot."""

    def seed(root: Path) -> dict[str, bytes]:
        shutil.copytree(previous_output, root / "output")
        before = snapshot(root / "output")
        assert any(name.endswith(".pdf") for name in before) and "manifest.json" in before
        return before

    return seed


def assert_refused(result, before: dict[str, bytes], root: Path, *expected: str) -> None:
    """Exit 1, every expected text in the messages, no traceback, output/ unchanged."""
    assert result.exit_code == 1, result.output
    for text in expected:
        assert text in result.output, f"{text!r} not in:\n{result.output}"
    assert "Traceback" not in result.output
    assert "internal error" not in result.output
    assert snapshot(root / "output") == before


@pytest.fixture
def listener():
    """A TCP server on 127.0.0.1 that counts the connections it receives."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    hits: list[tuple] = []

    def accept():
        while True:
            try:
                conn, peer = server.accept()
            except OSError:
                return
            hits.append(peer)
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1], hits
    server.close()


def pdf_streams(data: bytes) -> bytes:
    """The file's bytes plus every stream decompressed (images, fonts, attachments)."""
    chunks = [data]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                try:
                    chunks.append(obj.read_bytes())
                except pikepdf.PdfError:
                    chunks.append(obj.read_raw_bytes())
    return b"\n".join(chunks)


def image_count(data: bytes) -> int:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return sum(1 for obj in pdf.objects
                   if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image")


def active_content(path: Path) -> list[str]:
    """Scripts, launch/submit actions, attachments and file annotations in a PDF."""
    found = []
    with pikepdf.open(path) as pdf:
        names = pdf.Root.get("/Names") or {}
        found += [str(k) for k in ("/JavaScript", "/EmbeddedFiles") if k in names]
        found += [f"attachment {name}" for name in pdf.attachments]
        if "/OpenAction" in pdf.Root or "/AA" in pdf.Root:
            found.append("document action")
        for page in pdf.pages:
            for annot in page.get("/Annots") or []:
                if annot.get("/Subtype") == "/FileAttachment":
                    found.append("file attachment annotation")
                action = annot.get("/A") or {}
                if action.get("/S") not in (None, "/URI", "/GoTo"):
                    found.append(f"action {action.get('/S')}")
    return found


def uris(path: Path) -> list[str]:
    """Every URI a link annotation in the PDF points to."""
    found = []
    for page in PdfReader(str(path)).pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action and "/URI" in action:
                found.append(str(action["/URI"]))
    return found


# --- 1. inputs: one clear message each, exit 1, previous output untouched -----------

GOOD = lesson_md()
BAD_UTF8 = GOOD.encode("utf-8").replace(b"Sam plays", b"Sam \xff plays")
BAD_AT = BAD_UTF8.index(b"\xff")
BAD_LINE = BAD_UTF8.count(b"\n", 0, BAD_AT) + 1
# Half a KiB over the limit, whatever the size of the good lesson it starts from.
OVER_LIMIT = GOOD + "Filler text. " * ((MAX_LESSON_BYTES - len(GOOD.encode()) + 512) // 13 + 1)

INPUTS = {
    # name: (file content, texts the output must contain)
    "malformed-yaml": (GOOD.replace("title: Test", "title: [Test"),
                       [f"{LESSON}:4: malformed YAML", "flow sequence on line 3"]),
    "yaml-tab": (GOOD.replace("topic: grooming", "topic: grooming\n\tx: 1"),
                 [f"{LESSON}:6: malformed YAML"]),
    "not-a-mapping": ("---\n- a list\n- not keys\n---\nText.\n",
                      [f"{LESSON}:2: front matter must be 'key: value' lines, not list"]),
    "no-front-matter": ("# Just a heading\n\nText.\n",
                        [f"{LESSON}:1: a lesson must start with a '---' line"]),
    "unclosed-front-matter": ("---\nid: ks2-grooming\ntitle: x\n",
                              [f"{LESSON}:1: front matter is not closed"]),
    "unknown-key": (lesson_md(colour="red"),
                    [f"{LESSON}:20: front matter 'colour': unknown key"]),
    "misspelt-key": (GOOD.replace("review_by:", "reveiw_by:"),
                     ["front matter 'reveiw_by': unknown key (did you mean 'review_by'?)",
                      f"{LESSON}:1: front matter: missing 'review_by'"]),
    "missing-key": (lesson_md(title=None), [f"{LESSON}:1: front matter: missing 'title'"]),
    "wrong-type-minutes": (lesson_md(duration_minutes="forty"),
                           [f"{LESSON}:6: front matter 'duration_minutes': expected a whole number"]),
    "wrong-type-list": (lesson_md(objectives="I can do it."),
                        [f"{LESSON}:7: front matter 'objectives': expected a list of text items"]),
    "wrong-type-date": (lesson_md(reviewed="'25/11/2026'"),
                        [f"{LESSON}:18: front matter 'reviewed': expected a date like 2026-11-25"]),
    "python-tag": (lesson_md(title="!!python/object/apply:os.system [echo pwned]"),
                   [f"{LESSON}:3: malformed YAML: could not determine a constructor"]),
    "deep-nesting": (lesson_md(title="[" * 5000 + "]" * 5000),
                     [f"{LESSON}:2: malformed YAML: lists or mappings nested too deeply"]),
    "unknown-key-stage": (lesson_md(key_stage="ks5"),
                          [f"{LESSON}:4: front matter 'key_stage': unknown key stage 'ks5'"]),
    # a school may add topics of its own, so the lesson's file name must say which
    "unknown-topic": (lesson_md(topic="pirates"),
                      [f"{LESSON}:5: front matter 'topic': 'pirates' does not match the file name 'grooming.md'"]),
    "bad-topic": (lesson_md(topic="Pirate Ships"),
                  [f"{LESSON}:5: front matter 'topic': 'Pirate Ships' is not a valid topic"]),
    "invalid-utf8": (BAD_UTF8, [f"{LESSON}:{BAD_LINE}: not valid UTF-8 text (byte {BAD_AT})"]),
    "empty-file": ("", [f"{LESSON}:1: file is empty"]),
    "blank-file": ("\n\n   \n", [f"{LESSON}:1: file is empty"]),
    "just-over-the-limit": (OVER_LIMIT, [f"{LESSON}: file is 257 KiB; the limit is 256 KiB"]),
    "unclosed-block": (lesson_md(body="## Starter\n\nFor everyone.\n\n::: teacher\nTeacher only.\n"),
                       [f"{LESSON}:28: '::: teacher' is never closed"]),
    "stray-close": (lesson_md(body="## Starter\n\nFor everyone.\n:::\n"),
                    [f"{LESSON}:27: ':::' closes no open block"]),
}


@pytest.mark.parametrize("case", INPUTS)
def test_bad_lesson_is_one_clear_error(case, make_project, cli, seeded):
    content, expected = INPUTS[case]
    root = make_project({"ks2/grooming.md": ""})
    path = root / LESSON
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    before = seeded(root)
    result = cli(root, "build", "--jobs", "1")
    assert_refused(result, before, root, *expected)


def test_too_large_names_the_limit(make_project, cli, seeded):
    """The size limit is checked before the file is read, and the message says it."""
    root = make_project()
    (root / LESSON).write_bytes(b"---\n" + b"x" * (300 * 1024 - 4))
    before = seeded(root)
    result = cli(root, "build", "--jobs", "1")
    assert_refused(result, before, root, f"{LESSON}: file is 300 KiB; the limit is 256 KiB")


def test_duplicate_ids_name_both_files(make_project, cli, seeded):
    """A copy of a lesson (same id) is reported with both places, and nothing is built."""
    root = make_project({"ks2/grooming.md": lesson_md(),
                         "ks2/grooming-copy.md": lesson_md(title="My edited copy")})
    before = seeded(root)
    result = cli(root, "build", "--jobs", "1")
    assert_refused(result, before, root,
                   "lessons/ks2/grooming-copy.md:2: duplicate id 'ks2-grooming': "
                   "also used by lessons/ks2/grooming.md:2")


def test_duplicate_id_in_another_key_stage_folder(make_project, cli, seeded):
    root = make_project({"ks2/grooming.md": lesson_md(), "ks3/grooming.md": lesson_md()})
    before = seeded(root)
    result = cli(root, "build", "--jobs", "1")
    assert_refused(result, before, root,
                   "lessons/ks3/grooming.md:2: duplicate id 'ks2-grooming': "
                   "also used by lessons/ks2/grooming.md:2")


@pytest.mark.parametrize("bad_id", ["../../escaped", "ks2/../../../escaped", "/tmp/escaped",
                                    "ks2-grooming/../../escaped", "..", "KS2-Grooming", "ks2_grooming"])
def test_ids_cannot_escape_the_output_folder(bad_id, make_project, cli, seeded, tmp_path):
    root = make_project({"ks2/grooming.md": lesson_md(id=f"'{bad_id}'")})
    before = seeded(root)
    result = cli(root, "build", "--jobs", "1")
    assert_refused(result, before, root, f"{LESSON}:2: front matter 'id': {bad_id!r} is not a valid id")
    assert not [p for p in tmp_path.rglob("*escaped*")]
    assert not Path("/tmp/escaped").exists()


@pytest.mark.parametrize("key_stage", ["../../escaped", "ks2/../.."])
def test_key_stage_cannot_escape_the_output_folder(key_stage, make_project, cli, seeded, tmp_path):
    root = make_project({"ks2/grooming.md": GOOD.replace("key_stage: ks2", f"key_stage: '{key_stage}'")})
    before = seeded(root)
    result = cli(root, "build", "--jobs", "1")
    assert_refused(result, before, root, f"{LESSON}:4: front matter 'key_stage': unknown key stage")
    assert not [p for p in tmp_path.rglob("*escaped*")]


def test_lesson_symlink_out_of_project_is_refused(make_project, cli, seeded, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "isolation.md").write_text(lesson_md("ks2", "isolation"), encoding="utf-8")
    root = make_project()
    (root / "lessons/ks2/isolation.md").symlink_to(outside / "isolation.md")
    before = seeded(root)
    result = cli(root, "build", "--jobs", "1")
    assert_refused(result, before, root, "lessons/ks2/isolation.md: is a link to a file outside the project")


def test_linked_key_stage_folder_out_of_project_is_refused(make_project, cli, seeded, tmp_path):
    outside = tmp_path / "elsewhere" / "ks3"
    outside.mkdir(parents=True)
    (outside / "grooming.md").write_text(lesson_md("ks3", "grooming"), encoding="utf-8")
    root = make_project()
    (root / "lessons/ks3").symlink_to(outside)
    before = seeded(root)
    result = cli(root, "build", "--jobs", "1")
    assert_refused(result, before, root, "lessons/ks3/grooming.md: is a link to a file outside the project")


def test_linked_lessons_folder_out_of_project_is_refused(make_project, cli, seeded, tmp_path):
    """Even lessons/ itself as a link: its target is outside the project."""
    outside = tmp_path / "elsewhere"
    (outside / "ks2").mkdir(parents=True)
    (outside / "ks2/grooming.md").write_text(lesson_md(), encoding="utf-8")
    root = make_project()
    shutil.rmtree(root / "lessons")
    (root / "lessons").symlink_to(outside)
    before = seeded(root)
    result = cli(root, "build", "--jobs", "1")
    assert_refused(result, before, root, f"{LESSON}: is a link to a file outside the project")


def test_symlink_inside_the_project_is_fine(make_project, cli):
    """The refusal is about leaving the project, not about links as such."""
    root = make_project()
    shared = root / "shared"
    shared.mkdir()
    (root / LESSON).rename(shared / "grooming.md")
    (root / LESSON).symlink_to(shared / "grooming.md")
    result = cli(root, "build", "--jobs", "1", "--lesson", "ks2-grooming")
    assert result.exit_code == 0, result.output
    assert "Who can Sam tell?" in pdf_text(root / "output/ks2/ks2-grooming-worksheet.pdf")


def test_broken_override_template_names_file_and_line(make_project, cli, seeded):
    """A school's template with a mistake (or a sandbox escape) is an error at its line."""
    template = ('{% extends "!builtin/worksheet.html" %}\n{% block content %}\n{{ super() }}\n'
                '{{ "".__class__.__mro__[1].__subclasses__() }}\n{% endblock %}\n')
    root = make_project(files={"school/school.yml": "school:\n  name: Test School\noverrides: overrides\n",
                               "school/overrides/templates/worksheet.html": template})
    before = seeded(root)
    result = cli(root, "build", "--jobs", "1", "--config", root / "school/school.yml")
    assert_refused(result, before, root, "overrides/templates/worksheet.html:4: template error: "
                                         "access to attribute '__class__' of 'str' object is unsafe")


def test_override_template_linking_outside_is_refused(make_project, cli, seeded, tmp_path):
    """A symlinked template would print the file it points to: refused, named."""
    (tmp_path / "secret.html").write_text(f"<p>{SECRET}</p>", encoding="utf-8")
    root = make_project(files={"school/school.yml": "school:\n  name: Test School\noverrides: overrides\n"})
    partials = root / "school/overrides/templates/partials"
    partials.mkdir(parents=True)
    (partials / "remember.html").symlink_to(tmp_path / "secret.html")
    before = seeded(root)
    result = cli(root, "build", "--jobs", "1", "--config", root / "school/school.yml")
    assert_refused(result, before, root, "overrides/templates/partials/remember.html: "
                                         "template is a link to a file outside the template folders")
    assert SECRET not in result.output


# --- 2. lesson content is only ever text ----------------------------------------------

HTML_BODY = """\
## Starter

<script>alert('x')</script> <iframe src="https://evil.example/"></iframe>

<link rel="stylesheet" href="https://evil.example/x.css"> <object data="x.svg"></object>

<style>body { display: none }</style> <b onclick="x()">RAW-BOLD</b>

<div class="teacher">HIDDEN-DIV</div>

::: student
Who can Sam tell?
:::
"""


def test_raw_html_in_a_lesson_is_printed_as_text(make_project, cli):
    # --no-check: the renderer itself is under test here, not the content gates.
    root = make_project({"ks2/grooming.md": lesson_md(body=HTML_BODY)})
    result = cli(root, "build", "--jobs", "1", "--no-check", "--lesson", "ks2-grooming")
    assert result.exit_code == 0, result.output
    pdf = root / "output/ks2/ks2-grooming-worksheet.pdf"
    text = pdf_text(pdf)
    for literal in ("<script>alert('x')</script>", '<iframe src="https://evil.example/"></iframe>',
                    '<link rel="stylesheet" href="https://evil.example/x.css">',
                    '<object data="x.svg"></object>', "<style>body { display: none }</style>",
                    '<b onclick="x()">RAW-BOLD</b>', '<div class="teacher">HIDDEN-DIV</div>'):
        assert literal in text
    assert "Who can Sam tell?" in text            # <style> did not hide the page
    assert uris(pdf) == [u for u in uris(pdf) if u.startswith(("https://", "mailto:"))]
    assert not any("evil.example" in u for u in uris(pdf))
    assert active_content(pdf) == []


@pytest.mark.parametrize("url,kind", [("javascript:alert(1)", "link"), ("file:///etc/passwd", "link"),
                                      ("http://example.org/", "link"), ("data:text/html,x", "link"),
                                      ("file:///etc/hostname", "image"), ("/etc/hostname", "image"),
                                      ("../../../../etc/hostname", "image"),
                                      ("http://127.0.0.1:9/x.png", "image")])
def test_unsafe_urls_in_markdown_are_refused(url, kind, make_project, cli, seeded):
    markup = f"[click here]({url})" if kind == "link" else f"![a picture]({url})"
    body = f"## Starter\n\nSam reads this.\n\n{markup}\n"
    root = make_project({"ks2/grooming.md": lesson_md(body=body)})
    before = seeded(root)
    # --no-check: the checks refuse these too; here the renderer alone must refuse them.
    result = cli(root, "build", "--jobs", "1", "--no-check")
    assert_refused(result, before, root, f"{LESSON}:28: unsafe-url: {url!r}: ")


def test_jinja_typed_in_a_lesson_never_runs(make_project, cli):
    body = ("## Starter\n\nSum {{ 6*111 }} and {% for i in range(3) %}LOOP{% endfor %} "
            "and {{ config }} {# note #}\n\n::: student\nName {{ self }} here.\n:::\n")
    root = make_project({"ks2/grooming.md": lesson_md(
        body=body, title="'Title {{ 6*111 }}'", keywords=["{% raw %}: {{ 6*111 }}"])})
    result = cli(root, "build", "--jobs", "1", "--lesson", "ks2-grooming")
    assert result.exit_code == 0, result.output
    for name in ("worksheet", "teacher-notes"):
        pdf = root / f"output/ks2/ks2-grooming-{name}.pdf"
        text = pdf_text(pdf)
        assert "Sum {{ 6*111 }} and {% for i in range(3) %}LOOP{% endfor %}" in text
        assert "{{ config }} {# note #}" in text
        assert "Title {{ 6*111 }}" in text
        assert "666" not in text and "LOOPLOOP" not in text
        assert PdfReader(str(pdf)).metadata.title.startswith("Title {{ 6*111 }}")
    assert "Name {{ self }} here." in pdf_text(root / "output/ks2/ks2-grooming-worksheet.pdf")
    assert "{% raw %}" in pdf_text(root / "output/ks2/ks2-grooming-worksheet.pdf")


def test_templates_autoescape_config_values(make_project, cli):
    """Text from school.yml reaches the page as text, not markup."""
    root = make_project(files={"school/school.yml":
                               "school:\n  name: \"<i>Evil</i> & <script>x()</script> School\"\n"
                               "dsl:\n  name: \"<b>Ms {{ 6*111 }}</b>\"\n  phone: '01632 960000'\n"})
    result = cli(root, "build", "--jobs", "1", "--no-check", "--lesson", "ks2-grooming",
                 "--config", root / "school/school.yml")
    assert result.exit_code == 0, result.output
    worksheet = pdf_text(root / "output/ks2/ks2-grooming-worksheet.pdf")
    teacher = pdf_text(root / "output/ks2/ks2-grooming-teacher-notes.pdf")
    assert "<i>Evil</i> & <script>x()</script> School" in worksheet
    assert "<b>Ms {{ 6*111 }}</b>" in teacher and "666" not in teacher

    from lessonpack.render import Templates
    env = Templates([root / "templates"], REPO / "templates").env
    assert env.autoescape is True or env.autoescape("worksheet.html") is True


# --- 3. resources: one fetcher, project folders only, never the network --------------

def _outside(tmp_path: Path) -> Path:
    """Secrets outside the project: text, a stylesheet that would print it, an image."""
    out = tmp_path / "outside"
    out.mkdir(exist_ok=True)
    (out / "secret.txt").write_text(SECRET, encoding="utf-8")
    (out / "secret.css").write_text(f'body::after {{ content: "{SECRET}-CSS" }}', encoding="utf-8")
    (out / "secret.png").write_bytes(PNG)
    return out


def _vectors(out: Path, port: int, rel_escape: str) -> str:
    """Every way HTML can ask WeasyPrint for a file or a URL."""
    return f"""
<link rel="stylesheet" href="{(out / 'secret.css').as_uri()}">
<link rel="attachment" href="{(out / 'secret.txt').as_uri()}">
<style>@import url("{(out / 'secret.css').as_uri()}");
  .x {{ background: url("http://127.0.0.1:{port}/bg.png") }}</style>
<p class="x">VISIBLE-TEXT</p>
<img src="{(out / 'secret.png').as_uri()}" alt="secret image">
<img src="{rel_escape}" alt="relative escape">
<img src="http://127.0.0.1:{port}/pixel.png" alt="network image">
<img src="https://127.0.0.1:{port}/pixel.png" alt="tls image">
<img src="ftp://127.0.0.1:{port}/pixel.png" alt="ftp image">
<object data="{(out / 'secret.png').as_uri()}"></object>
<a rel="attachment" href="{(out / 'secret.txt').as_uri()}">attached</a>
<a rel="attachment" href="http://127.0.0.1:{port}/file.txt">attached</a>
"""


def test_make_fetcher_serves_only_allowed_folders(tmp_path, listener):
    from lessonpack.pdf import RefusedResource, make_fetcher

    port, hits = listener
    out = _outside(tmp_path)
    allowed = tmp_path / "proj/templates"
    (allowed / "images").mkdir(parents=True)
    (allowed / "images/ok.png").write_bytes(PNG)
    (allowed / "images/link-out.png").symlink_to(out / "secret.png")
    fetcher = make_fetcher([allowed])()

    ok = fetcher.fetch((allowed / "images/ok.png").as_uri())
    assert ok.read() == PNG
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    refused = [(out / "secret.txt").as_uri(),
               f"file://{allowed}/../../outside/secret.txt",
               (allowed / "images/link-out.png").as_uri(),
               (allowed / "images/missing.png").as_uri(),
               f"file://localhost{out / 'secret.txt'}", f"file://otherhost{allowed}/images/ok.png",
               f"http://127.0.0.1:{port}/x.png", f"https://127.0.0.1:{port}/x.png",
               f"ftp://127.0.0.1:{port}/x.png", f"HTTP://127.0.0.1:{port}/x.png",
               f"gopher://127.0.0.1:{port}/x", "file:///etc/passwd", "/etc/passwd", "images/ok.png"]
    for url in refused:
        with pytest.raises(RefusedResource):
            fetcher.fetch(url)
    assert fetcher.refused == refused
    assert fetcher.explain((allowed / "images/missing.png").as_uri()) == \
        "file not found: templates/images/missing.png"
    assert "only files inside the project" in fetcher.explain((out / "secret.txt").as_uri())
    assert hits == []


def test_renderer_reads_nothing_outside_and_reports_every_refusal(tmp_path, listener):
    """Defence in depth: HTML that asks for outside files and URLs in every way WeasyPrint
    knows gets none of them, and each refusal is reported.  With the outside folder
    allowed, the same HTML does leak – so the assertions can fail."""
    from lessonpack.pdf import Renderer

    port, hits = listener
    out = _outside(tmp_path)
    lessons = tmp_path / "proj/lessons"
    lessons.mkdir(parents=True)
    html = f"<html lang='en-GB'><head><title>t</title></head><body>" \
           f"{_vectors(out, port, '../../outside/secret.png')}</body></html>"

    safe = Renderer(allowed=[lessons], stylesheets=[]).to_pdf(html, base_url=lessons)
    (tmp_path / "safe.pdf").write_bytes(safe.pdf)
    assert "VISIBLE-TEXT" in pdf_text(tmp_path / "safe.pdf")
    assert SECRET not in pdf_text(tmp_path / "safe.pdf")
    assert SECRET.encode() not in pdf_streams(safe.pdf)
    assert image_count(safe.pdf) == 0
    assert hits == []
    errors = "\n".join(safe.errors)
    for url in [(out / "secret.css").as_uri(), (out / "secret.txt").as_uri(),
                (out / "secret.png").as_uri(), f"http://127.0.0.1:{port}/pixel.png",
                f"http://127.0.0.1:{port}/bg.png", f"https://127.0.0.1:{port}/pixel.png",
                f"ftp://127.0.0.1:{port}/pixel.png", f"http://127.0.0.1:{port}/file.txt"]:
        assert f"refused to load {url!r}" in errors

    # Positive control: the same vectors with the secrets' folder allowed do leak.
    leaky = Renderer(allowed=[lessons, out], stylesheets=[]).to_pdf(html, base_url=lessons)
    (tmp_path / "leaky.pdf").write_bytes(leaky.pdf)
    assert SECRET in pdf_text(tmp_path / "leaky.pdf")           # via the stylesheet
    assert SECRET.encode() in pdf_streams(leaky.pdf)            # via the attachment
    assert image_count(leaky.pdf) >= 1
    assert hits == []           # the network is refused whatever is allowed


def test_override_template_cannot_read_outside_files_or_the_network(make_project, cli, seeded,
                                                                     tmp_path, listener):
    port, hits = listener
    out = _outside(tmp_path)
    template = ('{% extends "!builtin/worksheet.html" %}\n{% block content %}{{ super() }}\n'
                + _vectors(out, port, "../../outside/secret.png")
                + "\n{% endblock %}\n")
    root = make_project(files={"school/school.yml": "school:\n  name: Test School\noverrides: overrides\n",
                               "school/overrides/templates/worksheet.html": template})
    before = seeded(root)
    result = cli(root, "build", "--jobs", "1", "--config", root / "school/school.yml")
    assert_refused(result, before, root, f"{LESSON}: resource: refused to load ",
                   repr((out / "secret.txt").as_uri()), repr(f"http://127.0.0.1:{port}/pixel.png"))
    assert hits == []

    # --keep-going writes every other document: none carries the secret.
    result = cli(root, "build", "--jobs", "1", "--keep-going", "--config", root / "school/school.yml")
    assert result.exit_code == 1, result.output
    assert "FAILED   ks2/ks2-grooming-worksheet.pdf" in result.output
    written = sorted((root / "output").rglob("*.pdf"))
    assert root / "output/ks2/ks2-grooming-teacher-notes.pdf" in written
    # The failed worksheet keeps its earlier, whole version.
    assert (root / "output/ks2/ks2-grooming-worksheet.pdf").read_bytes() == \
        before["ks2/ks2-grooming-worksheet.pdf"]
    for pdf in written:
        assert SECRET not in pdf_text(pdf)
        assert SECRET.encode() not in pdf_streams(pdf.read_bytes())
    assert hits == []


def test_override_stylesheet_cannot_import_outside_files_or_fonts_from_the_network(
        make_project, cli, seeded, tmp_path, listener):
    """Stylesheets are parsed once per process; their refusals still fail every document."""
    port, hits = listener
    out = _outside(tmp_path)
    css = (f'@import url("{(out / "secret.css").as_uri()}");\n'
           f'@font-face {{ font-family: Leak; src: url("http://127.0.0.1:{port}/x.woff") }}\n'
           "body { font-family: Leak, sans-serif }\n")
    root = make_project(files={"school/school.yml": "school:\n  name: Test School\noverrides: overrides\n",
                               "school/overrides/templates/css/print.css": css})
    before = seeded(root)
    result = cli(root, "build", "--jobs", "1", "--config", root / "school/school.yml")
    assert_refused(result, before, root, f"{LESSON}: resource: refused to load "
                                         f"{(out / 'secret.css').as_uri()!r}",
                   repr(f"http://127.0.0.1:{port}/x.woff"))
    assert hits == []


def test_missing_image_fails_the_lesson_naming_it(make_project, cli, seeded):
    body = "## Starter\n\n![A phone with a message](images/phone.png)\n\nSam reads it.\n"
    root = make_project({"ks2/grooming.md": lesson_md(body=body)})
    before = seeded(root)
    result = cli(root, "build", "--jobs", "1")
    assert_refused(result, before, root,
                   f"{LESSON}: resource: file not found: lessons/images/phone.png")
    assert "FAILED   ks2/ks2-grooming-worksheet.pdf" in result.output
    # Once per problem, although the worksheet, teacher notes and pack all hit it.
    assert result.output.count("file not found: lessons/images/phone.png") == 1


def test_present_image_is_used(make_project, cli):
    """The positive case: an image inside lessons/ reaches the PDF."""
    body = "## Starter\n\n![A phone with a message](images/phone.png)\n\nSam reads it.\n"
    root = make_project({"ks2/grooming.md": lesson_md(body=body)},
                        files={"lessons/images/phone.png": PNG})
    result = cli(root, "build", "--jobs", "1", "--lesson", "ks2-grooming")
    assert result.exit_code == 0, result.output
    assert image_count((root / "output/ks2/ks2-grooming-worksheet.pdf").read_bytes()) >= 1


def test_broken_image_logged_by_weasyprint_fails_the_lesson(make_project, cli, seeded):
    """WeasyPrint only logs an unreadable image; the lesson must fail, naming it."""
    body = "## Starter\n\n![A phone](images/phone.png)\n\nSam reads it.\n"
    root = make_project({"ks2/grooming.md": lesson_md(body=body)},
                        files={"lessons/images/phone.png": b"this is not a png"})
    before = seeded(root)
    result = cli(root, "build", "--jobs", "1")
    assert_refused(result, before, root, f"{LESSON}: resource: Failed to load image at ",
                   "lessons/images/phone.png")


def test_image_symlinked_out_of_project_is_refused(make_project, cli, seeded, tmp_path):
    out = _outside(tmp_path)
    body = "## Starter\n\n![A phone](images/phone.png)\n\nSam reads it.\n"
    root = make_project({"ks2/grooming.md": lesson_md(body=body)})
    (root / "lessons/images").mkdir()
    (root / "lessons/images/phone.png").symlink_to(out / "secret.png")
    before = seeded(root)
    result = cli(root, "build", "--jobs", "1")
    assert_refused(result, before, root, f"{LESSON}: resource: refused to load ",
                   "lessons/images/phone.png")


def test_svg_image_cannot_pull_outside_files_or_urls(make_project, cli, seeded, tmp_path, listener):
    """Images inside an SVG are fetched while the PDF is written: still refused, reported."""
    port, hits = listener
    out = _outside(tmp_path)
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20">'
           f'<image href="{(out / "secret.png").as_uri()}" width="10" height="10"/>'
           f'<image href="http://127.0.0.1:{port}/y.png" width="10" height="10"/></svg>')
    body = "## Starter\n\n![A drawing](images/drawing.svg)\n\nSam reads it.\n"
    root = make_project({"ks2/grooming.md": lesson_md(body=body)},
                        files={"lessons/images/drawing.svg": svg})
    before = seeded(root)
    result = cli(root, "build", "--jobs", "1")
    assert_refused(result, before, root, repr((out / "secret.png").as_uri()),
                   repr(f"http://127.0.0.1:{port}/y.png"))
    assert hits == []


def test_a_build_opens_no_network_connection(make_project, cli, monkeypatch):
    """Helplines carry web addresses (links and QR codes): none is ever fetched."""
    attempts = []

    def no_network(self, address, *args):
        attempts.append(address)
        raise OSError("network use during a build")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", no_network)
    monkeypatch.setattr(socket, "create_connection", lambda address, *a, **k: no_network(None, address))
    body = "## Starter\n\nSee [[childline.web]] or [[childline]].\n\n::: student\nWho can Sam tell?\n:::\n"
    root = make_project({"ks2/grooming.md": lesson_md(body=body)})
    result = cli(root, "build", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert attempts == []
    assert "childline.org.uk" in pdf_text(root / "output/ks2/ks2-grooming-worksheet.pdf")
    # Control: the trap does catch what WeasyPrint's own fetcher would do for http://.
    import urllib.request
    with pytest.raises(OSError):
        urllib.request.urlopen("http://127.0.0.1:9/x.png", timeout=1)
    assert attempts


# --- 4. outputs: atomic, manifest last, untouched on failure, Ctrl-C, --keep-going -----

def test_every_file_is_written_to_a_temp_name_then_renamed_manifest_last(make_project, cli,
                                                                         monkeypatch):
    renames = []
    real_replace = os.replace

    def spy(src, dst, *args, **kwargs):
        renames.append((Path(src), Path(dst)))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", spy)
    root = make_project()
    result = cli(root, "build", "--jobs", "1")
    assert result.exit_code == 0, result.output
    out = root / "output"
    targets = [dst for _, dst in renames]
    for src, dst in renames:
        assert src.parent == dst.parent                       # same folder: rename is atomic
        assert src.name.startswith("." + dst.name + ".")
    pdfs = {p for p in out.rglob("*.pdf")}
    assert pdfs and pdfs <= set(targets)
    manifest_at = targets.index(out / "manifest.json")
    assert all(targets.index(p) < manifest_at for p in pdfs)
    assert not [p for p in out.rglob(".*.tmp")]


def test_write_atomic_leaves_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    from lessonpack import writer

    target = tmp_path / "out/doc.pdf"
    target.parent.mkdir()
    target.write_bytes(b"old contents")

    def fail(fd):
        raise OSError("disk full")

    monkeypatch.setattr(writer.os, "fsync", fail)
    with pytest.raises(OSError):
        writer.write_atomic(target, b"new contents")
    assert target.read_bytes() == b"old contents"
    assert [p.name for p in target.parent.iterdir()] == ["doc.pdf"]


def test_render_failure_keeps_previous_output_byte_for_byte(make_project, cli):
    """A real earlier build of this very project, then a failing --force rebuild."""
    root = make_project({"ks2/grooming.md": lesson_md(), "ks2/isolation.md": lesson_md("ks2", "isolation")})
    assert cli(root, "build", "--jobs", "1").exit_code == 0
    before = snapshot(root / "output")
    (root / "lessons/ks2/isolation.md").write_text(
        lesson_md("ks2", "isolation", body="## Starter\n\n![Sam's phone](images/none.png)\n"),
        encoding="utf-8")
    result = cli(root, "build", "--jobs", "1", "--force")
    assert_refused(result, before, root, "lessons/ks2/isolation.md: resource: file not found: "
                                         "lessons/images/none.png", "nothing was written")


def test_keep_going_builds_every_valid_lesson_and_lists_every_failure(make_project, cli):
    root = make_project({
        "ks2/grooming.md": lesson_md(),
        "ks2/isolation.md": lesson_md("ks2", "isolation").replace("title: Test", "title: [Test"),
        "ks2/reporting.md": lesson_md("ks2", "reporting", body="## Starter\n\n![A map](images/map.png)\n"),
        "ks3/grooming.md": lesson_md("ks3", "grooming").replace("key_stage: ks3", "key_stage: ks9"),
    })
    result = cli(root, "build", "--jobs", "1", "--keep-going")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "lessons/ks2/isolation.md:4: malformed YAML" in result.output
    assert "lessons/ks2/reporting.md: resource: file not found: lessons/images/map.png" in result.output
    assert "lessons/ks3/grooming.md:4: front matter 'key_stage': unknown key stage 'ks9'" in result.output
    out = root / "output"
    built = sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                   if p.suffix in (".pdf", ".pptx"))
    assert built == ["ks2/ks2-grooming-slides.pdf", "ks2/ks2-grooming-slides.pptx",
                     "ks2/ks2-grooming-teacher-notes.pdf", "ks2/ks2-grooming-worksheet.pdf"]
    for rel in built[:1] + built[2:]:
        assert len(PdfReader(str(out / rel)).pages) >= 1
    assert "Who can Sam tell?" in pdf_text(out / "ks2/ks2-grooming-worksheet.pdf")
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(d["path"] for d in manifest["documents"]) == built


# The real CLI, each document taking half a second longer: on a busy machine the build
# could otherwise finish between the first progress line and the signal (exit 0).
SLOW_JOBS = """
import time
import lessonpack.worker as worker

real = worker.Worker.run

def slow_run(self, job, *args, **kwargs):
    time.sleep(0.5)
    return real(self, job, *args, **kwargs)

worker.Worker.run = slow_run
from lessonpack.cli import main
main(prog_name="lessonpack")
"""


def test_ctrl_c_stops_a_parallel_build_cleanly(make_project, cli):
    lessons = {f"{ks}/{topic}.md": lesson_md(ks, topic)
               for ks in ("ks2", "ks3") for topic in ("grooming", "isolation", "reporting")}
    root = make_project(lessons)
    # An earlier build of one lesson: what must survive the interrupted one.
    assert cli(root, "build", "--jobs", "1", "--lesson", "ks2-grooming").exit_code == 0
    out = root / "output"
    before = snapshot(out)

    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_JOBS, "--project", str(root), "build", "--jobs", "2", "--force"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env=dict(os.environ, PYTHONPATH=str(REPO)), preexec_fn=default_sigint)
    first = proc.stderr.readline()          # the first progress line: workers are busy
    assert first.startswith("[") and "built" in first, first
    os.killpg(proc.pid, signal.SIGINT)      # what a terminal's Ctrl-C does: the whole group
    stdout, stderr = proc.communicate(timeout=120)

    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and stdout == ""
    with pytest.raises(ProcessLookupError):     # no worker process outlived the build
        os.killpg(proc.pid, 0)
    others = [line for line in stderr.splitlines() if line.strip() and not line.startswith("[")]
    assert len(others) == 1 and others[0].startswith("interrupted: "), stderr
    assert snapshot(out) == before
    for pdf in out.rglob("*.pdf"):
        assert len(PdfReader(str(pdf)).pages) >= 1
    assert not [p for p in out.rglob(".*") if p.name != ".lessonpack-cache.json"]
