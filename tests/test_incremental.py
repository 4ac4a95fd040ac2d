"""The build cache: only stale documents are rebuilt, and the cache is never trusted blindly."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from conftest import REPO, lesson_md, pdf_text

LESSONS = {"ks1/grooming.md": lesson_md("ks1", "grooming"),
           "ks2/grooming.md": lesson_md("ks2", "grooming"),
           "ks2/isolation.md": lesson_md("ks2", "isolation")}


def slides(*lesson_ids: str) -> set[str]:
    """A lesson's projector slides, PDF and PowerPoint."""
    return {f"{i[:3]}/{i}-slides.{ext}" for i in lesson_ids for ext in ("pdf", "pptx")}


PRINT = {"ks1/ks1-grooming-worksheet.pdf", "ks1/ks1-grooming-teacher-notes.pdf", "ks1/ks1-pack.pdf",
         "ks1/ks1-worksheets.pdf",
         "ks2/ks2-grooming-worksheet.pdf", "ks2/ks2-grooming-teacher-notes.pdf",
         "ks2/ks2-isolation-worksheet.pdf", "ks2/ks2-isolation-teacher-notes.pdf", "ks2/ks2-pack.pdf",
         "ks2/ks2-worksheets.pdf"}
ALL = PRINT | slides("ks1-grooming", "ks2-grooming", "ks2-isolation")
ONE = {"ks2/grooming.md": lesson_md("ks2", "grooming")}
ONE_PRINT = {"ks2/ks2-grooming-worksheet.pdf", "ks2/ks2-grooming-teacher-notes.pdf", "ks2/ks2-pack.pdf",
             "ks2/ks2-worksheets.pdf"}
ONE_ALL = ONE_PRINT | slides("ks2-grooming")
LINE = re.compile(r"^\[\s*\d+/(\d+)\] (built|current|FAILED)\s+(\S+)", re.M)


def events(output: str) -> dict[str, set[str]]:
    """{'built': {paths}, 'current': {paths}} from the CLI's non-TTY progress lines."""
    found: dict[str, set[str]] = {"built": set(), "current": set(), "FAILED": set()}
    for _total, event, path in LINE.findall(output):
        found[event].add(path)
    return found


def build(cli, root, *args):
    result = cli(root, "build", "--jobs", "1", *args)
    assert result.exit_code == 0, result.output
    return events(result.output), result.output


def manifest(root, out="output") -> dict[str, str]:
    docs = json.loads((root / out / "manifest.json").read_text())["documents"]
    return {d["path"]: d["sha256"] for d in docs}


def test_editing_one_lesson_rebuilds_only_its_documents_and_its_pack(make_project, cli):
    root = make_project(LESSONS)
    first, _ = build(cli, root)
    assert first["built"] == ALL and not first["current"]
    again, output = build(cli, root)
    assert again["current"] == ALL and not again["built"]
    assert "built 0 documents" in output and f"{len(ALL)} already current" in output

    lesson = root / "lessons/ks2/isolation.md"
    lesson.write_text(lesson.read_text().replace("A new friend says hi.",
                                                 "A new friend says hello and asks for a photo."))
    edited, output = build(cli, root)
    changed = {"ks2/ks2-isolation-worksheet.pdf", "ks2/ks2-isolation-teacher-notes.pdf",
               "ks2/ks2-pack.pdf", "ks2/ks2-worksheets.pdf"} | slides("ks2-isolation")
    assert edited["built"] == changed
    assert edited["current"] == ALL - changed
    assert "built 6 documents" in output and "10 already current" in output
    assert "asks for a photo" in pdf_text(root / "output/ks2/ks2-isolation-worksheet.pdf")
    assert "asks for a photo" in pdf_text(root / "output/ks2/ks2-pack.pdf")
    assert "asks for a photo" not in pdf_text(root / "output/ks2/ks2-grooming-worksheet.pdf")

    # The incremental result is exactly what a clean build of the edited project makes.
    clean, _ = build(cli, root, "--out", root / "clean")
    assert clean["built"] == ALL
    assert manifest(root) == manifest(root, "clean")


def test_a_lesson_whose_slides_change_leaves_the_other_lessons_current(make_project, cli):
    """"Lesson at a glance" prints a lesson's slide numbers: an edit that adds a slide to
    one lesson makes only that lesson's documents (and its pack) stale, not every one."""
    root = make_project(LESSONS)
    build(cli, root)
    lesson = root / "lessons/ks2/isolation.md"
    lesson.write_text(lesson.read_text() + "\n::: slide One more thing\n\nA new slide of words.\n")
    edited, _ = build(cli, root)
    changed = {"ks2/ks2-isolation-worksheet.pdf", "ks2/ks2-isolation-teacher-notes.pdf",
               "ks2/ks2-pack.pdf", "ks2/ks2-worksheets.pdf"} | slides("ks2-isolation")
    assert edited["built"] == changed
    assert edited["current"] == ALL - changed


@pytest.mark.parametrize("garbage", [b"{not json", b"\x00\xff\xfe binary", b"[1, 2, 3]",
                                     b'{"format": 1, "documents": {"ks2/ks2-pack.pdf": 7}}'])
def test_a_corrupt_cache_means_a_full_rebuild_not_a_crash(make_project, cli, garbage):
    root = make_project(ONE)
    build(cli, root)
    before = manifest(root)
    (root / "output/.lessonpack-cache.json").write_bytes(garbage)
    rebuilt, output = build(cli, root)
    assert rebuilt["built"] == ONE_ALL, output
    assert manifest(root) == before                       # same inputs, same bytes
    cache = json.loads((root / "output/.lessonpack-cache.json").read_text())
    assert set(cache["documents"]) == ONE_ALL             # and the cache is healthy again


def test_a_changed_or_missing_pdf_on_disk_is_rebuilt(make_project, cli):
    root = make_project(ONE)
    build(cli, root)
    (root / "output/ks2/ks2-grooming-worksheet.pdf").write_bytes(b"%PDF-1.7 tampered")
    (root / "output/ks2/ks2-pack.pdf").unlink()
    rebuilt, _ = build(cli, root)
    # the tampered worksheet is rebuilt to the bytes its class set already holds: that stays current
    assert rebuilt["built"] == {"ks2/ks2-grooming-worksheet.pdf", "ks2/ks2-pack.pdf"}
    assert rebuilt["current"] == {"ks2/ks2-grooming-teacher-notes.pdf", "ks2/ks2-worksheets.pdf"} | \
        slides("ks2-grooming")


def test_force_rebuilds_everything(make_project, cli):
    root = make_project(ONE)
    build(cli, root)
    forced, output = build(cli, root, "--force")
    assert forced["built"] == ONE_ALL and not forced["current"]
    assert "already current" not in output


def test_editing_the_stylesheet_rebuilds_every_document(make_project, cli):
    css = (REPO / "templates/css/print.css").read_text(encoding="utf-8")
    root = make_project(ONE, files={"templates/css/print.css": css})
    build(cli, root)
    used = json.loads((root / "output/.lessonpack-cache.json").read_text())["documents"]
    assert all(any(u.endswith("css/print.css") for u in d["used"])
               for path, d in used.items() if "-slides." not in path)
    (root / "templates/css/print.css").write_text(css + "\nh1 { letter-spacing: 0.01em; }\n")
    rebuilt, _ = build(cli, root)
    assert rebuilt["built"] == ONE_PRINT      # slides have a stylesheet of their own


def test_installing_a_font_makes_every_document_stale(make_project, cli, tmp_path, monkeypatch):
    fonts = tmp_path / "fonts"
    (fonts / "truetype").mkdir(parents=True)
    (fonts / "truetype/a.ttf").write_bytes(b"not really a font")
    monkeypatch.setattr("lessonpack.worker.FONT_DIRS", (fonts,))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    root = make_project(ONE)
    build(cli, root)
    assert build(cli, root)[0]["current"] == ONE_ALL
    (fonts / "truetype/andika.ttf").write_bytes(b"a font installed after the first build")
    assert build(cli, root)[0]["built"] == ONE_ALL


SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
       '<rect width="40" height="20" fill="{}"/></svg>')


def test_changing_a_lessons_image_rebuilds_the_documents_that_show_it(make_project, cli):
    body = "## Starter\n\n![A phone screen](images/phone.svg)\n\nSam plays a game.\n\n" \
           "## Plenary\n\nIt is never your fault. You will not be in trouble for telling.\n"
    lessons = dict(LESSONS, **{"ks2/isolation.md": lesson_md("ks2", "isolation", body=body)})
    root = make_project(lessons, files={"lessons/images/phone.svg": SVG.format("#123456")})
    build(cli, root)
    (root / "lessons/images/phone.svg").write_text(SVG.format("#654321"))
    rebuilt, _ = build(cli, root)
    assert rebuilt["built"] == {"ks2/ks2-isolation-worksheet.pdf",
                                "ks2/ks2-isolation-teacher-notes.pdf", "ks2/ks2-pack.pdf",
                                "ks2/ks2-worksheets.pdf"} | slides("ks2-isolation")


def test_a_copied_output_folder_stays_current_in_its_new_place(make_project, cli):
    root = make_project(ONE)
    build(cli, root)
    shutil.copytree(root / "output", root / "moved")
    moved, _ = build(cli, root, "--out", root / "moved")
    assert moved["current"] == ONE_ALL


def test_an_unchanged_lessons_check_findings_are_reused_only_while_its_inputs_match(make_project, cli):
    """The gates' findings for an unchanged lesson come from the last build into the folder
    (an edit re-checks one lesson, not all): proved by planting a warning in the memo, which
    the next build reports; editing the lesson, or any data file, runs its gates again."""
    root = make_project(LESSONS)
    build(cli, root)
    path = root / "output/.lessonpack-cache.json"
    saved = json.loads(path.read_text())
    assert set(saved["checks"]) == {"ks1-grooming", "ks2-grooming", "ks2-isolation"}
    planted = {"path": "lessons/ks2/isolation.md", "line": 1, "code": "planted",
               "severity": "warning", "message": "remembered from the last build"}
    saved["checks"]["ks2-isolation"]["problems"] = [planted]
    path.write_text(json.dumps(saved))
    _events, output = build(cli, root)
    assert "planted: remembered from the last build" in output

    # a data file the gates read changes: every lesson is checked again, the plant is gone
    words = (REPO / "data/language.yml").read_text(encoding="utf-8")
    (root / "data").mkdir(exist_ok=True)
    (root / "data/language.yml").write_text(words + '\n# a comment\n', encoding="utf-8")
    _events, output = build(cli, root)
    assert "remembered from the last build" not in output


def test_a_word_newly_banned_fails_the_build_of_a_lesson_that_did_not_change(make_project, cli):
    """A memo never hides a gate: the lesson passed yesterday, the word list changed today."""
    root = make_project(LESSONS)
    build(cli, root)
    words = (REPO / "data/language.yml").read_text(encoding="utf-8")
    words = words.replace("all:   # every key stage: graphic or stigmatising terms\n",
                          "all:   # every key stage: graphic or stigmatising terms\n"
                          '  "trusted": "a word banned for this test"\n')
    (root / "data").mkdir(exist_ok=True)
    (root / "data/language.yml").write_text(words, encoding="utf-8")
    result = cli(root, "build", "--jobs", "1")
    assert result.exit_code == 1
    assert "lessons/ks2/isolation.md" in result.output and "trusted" in result.output
