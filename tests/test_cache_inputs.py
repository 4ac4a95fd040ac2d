"""Every input the cache stamp covers, both ways: editing it rebuilds exactly the documents
that depend on it, their bytes change where the input is printed, and nothing else is
rebuilt. (Lesson text, lesson images and installed fonts: see test_incremental.py.)

One project (two KS2 lessons and a school config: six documents) is shared by the whole
module; each test first brings its output up to date, then makes one edit and rebuilds.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner

from conftest import QUIET_BODY, REPO, lesson_md, pdf_text
from lessonpack.cli import main

WS = {"ks2/ks2-grooming-worksheet.pdf", "ks2/ks2-isolation-worksheet.pdf"}
TN = {"ks2/ks2-grooming-teacher-notes.pdf", "ks2/ks2-isolation-teacher-notes.pdf"}
# A pack holds both documents of each lesson, the class set every worksheet.
PACK = {"ks2/ks2-pack.pdf"}
CLASS = {"ks2/ks2-worksheets.pdf"}
LETTER = {"parents/letter.pdf"}
# Projector slides, PDF and PowerPoint, of each lesson.
SLIDES = {f"ks2/ks2-{t}-slides.{ext}" for t in ("grooming", "isolation") for ext in ("pdf", "pptx")}
ALL = WS | TN | PACK | CLASS | LETTER | SLIDES
LINE = re.compile(r"^\[\s*\d+/\d+\] (built|current|FAILED)\s+(\S+)", re.M)

SCHOOL = """\
school:
  name: Hillside Test Academy
  logo: crest.svg
dsl:
  name: Ms Dee Ess-Ell
  phone: 01632 960111
"""
CREST = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">'
         '<circle cx="20" cy="20" r="18" fill="{}"/></svg>')
REMEMBER = ('<section class="remember-box"><h2>Remember</h2><ul>'
            '{% for line in reassurance %}<li>{{ line }}</li>{% endfor %}</ul>{}</section>')


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("cache") / "proj"
    shutil.copytree(REPO / "data", root / "data")
    for topic in ("grooming", "isolation"):
        path = root / "lessons/ks2" / f"{topic}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(lesson_md("ks2", topic, body=QUIET_BODY), encoding="utf-8")
    (root / "school").mkdir()
    (root / "school/school.yml").write_text(SCHOOL, encoding="utf-8")
    (root / "school/crest.svg").write_text(CREST.format("#123456"), encoding="utf-8")
    (root / "templates/partials").mkdir(parents=True)
    (root / "templates/partials/remember.html").write_text(REMEMBER.replace("{}", ""),
                                                           encoding="utf-8")
    (root / "templates/css").mkdir()
    shutil.copy(REPO / "templates/css/print.css", root / "templates/css/print.css")
    build(root)
    return root


def build(root, *args) -> dict[str, set[str]]:
    result = CliRunner().invoke(main, ["--project", str(root), "build", "--jobs", "1",
                                       "--config", str(root / "school/school.yml"), *args])
    assert result.exit_code == 0, result.output
    found: dict[str, set[str]] = {"built": set(), "current": set(), "FAILED": set()}
    for event, path in LINE.findall(result.output):
        found[event].add(path)
    return found


def shas(root) -> dict[str, str]:
    docs = json.loads((root / "output/manifest.json").read_text())["documents"]
    return {d["path"]: d["sha256"] for d in docs}


@pytest.fixture
def settled(project):
    """The project with its output current, before this test's edit."""
    assert not build(project)["FAILED"]
    return project


def rebuild_after(root, edit, *args) -> tuple[set[str], set[str]]:
    """(documents rebuilt, documents whose bytes changed) after `edit(root)`."""
    before = shas(root)
    edit(root)
    events = build(root, *args)
    after = shas(root)
    assert events["built"] | events["current"] == ALL
    return events["built"], {p for p in after if before.get(p) != after[p]}


def replace_in(path, old: str, new: str, count: int = 1):
    def edit(root):
        text = (root / path).read_text(encoding="utf-8")
        assert old in text, (path, old)
        (root / path).write_text(text.replace(old, new, count), encoding="utf-8")
    return edit


# input → (edit, documents rebuilt, documents whose bytes change)
EDITS = {
    # Childline's wording for all ages and for KS1/KS2 readers (`for`, `for_young`): every
    # document prints one of them
    "helplines.yml": (replace_in("data/helplines.yml", "about any worry, big or small",
                                 "about any worry at all, big or small", count=2), ALL, ALL),
    "safeguarding.yml": (replace_in("data/safeguarding.yml", "Keep telling until someone listens and helps.",
                                    "Keep on telling until someone listens and helps."),
                         ALL, WS | PACK | CLASS | SLIDES),     # the slides' Remember box
    "curriculum.yml": (replace_in("data/curriculum.yml", "people may pretend to be someone they are not",
                                  "people may pretend to be someone else"), ALL, TN | PACK),
    "school.yml": (replace_in("school/school.yml", "Hillside Test Academy", "Hillside Test School"),
                   ALL, ALL),
    "crest": (replace_in("school/crest.svg", "#123456", "#654321"), ALL, ALL),
    "a template": (replace_in("templates/partials/remember.html", "</ul>",
                              "</ul><p>Ask for help any time.</p>"), WS | PACK | CLASS, WS | PACK | CLASS),
    # Slides bring their own stylesheet (css/slides.css): print.css is not theirs.
    "the stylesheet": (replace_in("templates/css/print.css", "\n", "\nh1 { letter-spacing: 0.02em; }\n"),
                       ALL - SLIDES, ALL - SLIDES),
}


@pytest.mark.parametrize("name", list(EDITS))
def test_editing_an_input_rebuilds_exactly_what_depends_on_it(settled, name):
    edit, expect_built, expect_changed = EDITS[name]
    built, changed = rebuild_after(settled, edit)
    assert built == expect_built, name
    assert changed == expect_changed, name


def test_a_new_override_template_rebuilds_the_documents_that_include_it(settled):
    """An override that did not exist before replaces a built-in the documents used:
    they are stale although no file they read has changed."""
    users = {path for path, entry in json.loads(
        (settled / "output/.lessonpack-cache.json").read_text())["documents"].items()
        if any(u.endswith("partials/closing.html") for u in entry["used"])}
    assert users and users < ALL
    closing = (REPO / "templates/partials/closing.html").read_text(encoding="utf-8")
    built, changed = rebuild_after(settled, lambda root: (root / "templates/partials/closing.html")
                                   .write_text(closing + "<p>Made at Hillside.</p>", encoding="utf-8"))
    assert built == users and changed == users
    assert "Made at Hillside." in pdf_text(settled / "output" / sorted(users)[0])


def test_the_same_inputs_again_rebuild_nothing(settled):
    again = build(settled)
    assert again["current"] == ALL and not again["built"]


def test_the_variant_flag_builds_its_own_documents_and_leaves_the_others(settled):
    before = shas(settled)
    events = build(settled, "--variant", "large-print", "--lesson", "ks2-grooming")
    # --lesson also assembles its key stage's pack and class set, which need the other
    # lesson's documents in that variant too
    large = {p.replace(".pdf", "-large-print.pdf") for p in WS | TN | PACK | CLASS}
    assert events["built"] == large and not events["current"]
    after = shas(settled)
    assert {p: s for p, s in after.items() if p in before} == before
    assert build(settled)["current"] == ALL


def test_the_fillable_flag_rebuilds_and_changes_the_worksheets(settled):
    """Worksheets (alone and in the pack) gain form fields; the flag is in every stamp."""
    built, changed = rebuild_after(settled, lambda root: None, "--fillable")
    assert built == ALL and changed == WS | PACK | CLASS
    built, changed = rebuild_after(settled, lambda root: None)
    assert built == ALL and changed == WS | PACK | CLASS


def test_source_date_epoch_rebuilds_and_redates_everything(settled, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")     # 2026-01-01
    built, changed = rebuild_after(settled, lambda root: None)
    assert built == ALL and changed == ALL
