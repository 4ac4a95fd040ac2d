"""Accessibility: every kind of PDF is tagged PDF/UA with language, title, a heading
outline without gaps, tables with header cells and images with alt text; and the
`check` gate (lessonpack/checks/accessibility.py) stops lessons that would break it."""

from __future__ import annotations

import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner

from conftest import REPO, lesson_md, pdf_text, public_sources, structure_of
from lessonpack.checks import accessibility
from lessonpack.cli import main
from lessonpack.helplines import load_registry
from lessonpack.lessons import parse_lesson
from lessonpack.markdown import GUIDE, TEACHER, WORKSHEET, render_body

REGISTRY = load_registry(REPO / "data/helplines.yml")
SCHOOL = "Outline Test School"

BODY = textwrap.dedent("""\
    ## Starter

    Sam plays a game online. A new player says hi.

    ### Talk about it

    ::: student
    Is it safe? Tick one box for each.

    ::: sort
    - A friend from school says hi.
    - A player asks for a photo.
    :::

    Who can Sam tell? Write one name.

    ::: lines 2
    :::

    ::: teacher
    TEACHER-TEXT: Allow five minutes for this task.
    :::

    ## Plenary

    It is never your fault. You will not be in trouble for telling.
    """)


def run(root: Path, *args: str):
    return CliRunner().invoke(main, ["--project", str(root), *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Worksheet, teacher notes, pack, parents' guide and letter of one small project."""
    root = tmp_path_factory.mktemp("a11y") / "proj"
    (root / "lessons/ks2").mkdir(parents=True)
    (root / "lessons/parents").mkdir()
    shutil.copytree(REPO / "data", root / "data")
    (root / "lessons/ks2/grooming.md").write_text(lesson_md(body=BODY), encoding="utf-8")
    guide = (REPO / "lessons/parents/parents-guide.md").read_text(encoding="utf-8")
    (root / "lessons/parents/parents-guide.md").write_text(public_sources(guide), encoding="utf-8")
    (root / "school").mkdir()
    shutil.copy(REPO / "examples/crest.svg", root / "school/crest.svg")
    (root / "school/school.yml").write_text(
        f"school:\n  name: {SCHOOL}\n  logo: crest.svg\ndsl:\n  name: Ms A. Example\n",
        encoding="utf-8")
    result = run(root, "build", "--config", str(root / "school/school.yml"), "--jobs", "1")
    assert result.exit_code == 0, result.output
    return root / "output"


GUIDE_TITLE = parse_lesson(REPO / "lessons/parents/parents-guide.md", "guide").title
DOCUMENTS = {
    "worksheet": ("ks2/ks2-grooming-worksheet.pdf", "Test lesson ks2 grooming"),
    "teacher-notes": ("ks2/ks2-grooming-teacher-notes.pdf", "Test lesson ks2 grooming"),
    "pack": ("ks2/ks2-pack.pdf", f"Key Stage 2 safeguarding pack – {SCHOOL}"),
    "parents-guide": ("parents/parents-guide.pdf", GUIDE_TITLE),
    "parents-letter": ("parents/letter.pdf", f"A letter to parents and carers from {SCHOOL}"),
}


def structure(pdf: pikepdf.Pdf):
    """Every structure element, depth first, in reading order."""
    def walk(node):
        if isinstance(node, pikepdf.Dictionary):
            if "/S" in node:
                yield node
            kids = node.get("/K")
            if isinstance(kids, pikepdf.Array):
                for kid in kids:
                    yield from walk(kid)
            elif isinstance(kids, pikepdf.Dictionary):
                yield from walk(kids)
    yield from walk(pdf.Root.StructTreeRoot)


@pytest.mark.parametrize("kind", sorted(DOCUMENTS))
def test_every_pdf_kind_is_tagged_with_language_and_title(built, kind):
    path, title = DOCUMENTS[kind]
    with pikepdf.open(built / path) as pdf:
        root = pdf.Root
        assert "/StructTreeRoot" in root
        assert len(list(structure(pdf))) > 20                  # a real tree, not an empty root
        assert str(root.Lang) == "en-GB"
        assert bool(root.MarkInfo.Marked) is True
        assert bool(root.ViewerPreferences.DisplayDocTitle) is True
        assert str(pdf.docinfo["/Title"]) == title
        meta = pdf.open_metadata()
        assert meta["dc:title"] == title
        assert meta["pdfuaid:part"] == "1"


@pytest.mark.parametrize("kind", sorted(DOCUMENTS))
def test_tagged_headings_never_skip_a_level(built, kind):
    with pikepdf.open(built / DOCUMENTS[kind][0]) as pdf:
        levels = [int(str(e.S)[2]) for e in structure(pdf) if re.fullmatch(r"/H[1-6]", str(e.S))]
    assert levels and levels[0] == 1, levels
    gaps = [(a, b) for a, b in zip(levels, levels[1:]) if b > a + 1]
    assert not gaps, f"{kind}: heading levels jump {gaps} in {levels}"
    if kind == "worksheet":
        assert 3 in levels                               # the lesson's '###' is a real H3


@pytest.mark.parametrize("kind", ["worksheet", "pack"])
def test_sort_tables_have_header_cells_linked_to_every_cell(built, kind):
    with pikepdf.open(built / DOCUMENTS[kind][0]) as pdf:
        tables = [e for e in structure(pdf) if str(e.S) == "/Table"]
        # a sort table: a THead row of four column headers and no row headers elsewhere
        # (the facts table, and the "Total" of the teacher notes' "Lesson at a glance")
        sort = [t for t in tables if any(str(e.S) == "/THead" for e in structure_of(t))
                and sum(1 for e in structure_of(t) if str(e.S) == "/TH") == 4
                and not any(str(e.S) == "/TH" for part in structure_of(t)
                            if str(part.S) in ("/TBody", "/TFoot") for e in structure_of(part))]
        assert sort, "no sort table (4 column headers) in the tag tree"
        for table in sort:      # the sort table (2 rows) and the baselines (3 rows)
            cells = [e for e in structure_of(table) if str(e.S) == "/TD"]
            assert len(cells) in (2 * 4, 3 * 4)
            assert all(len(cell.A.Headers) >= 1 for cell in cells)
        assert any(len([e for e in structure_of(t) if str(e.S) == "/TD"]) == 8 for t in sort)


@pytest.mark.parametrize("kind", sorted(DOCUMENTS))
def test_every_figure_has_alt_text(built, kind):
    with pikepdf.open(built / DOCUMENTS[kind][0]) as pdf:
        figures = [e for e in structure(pdf) if str(e.S) == "/Figure"]
        assert figures                                    # crest and/or QR codes
        assert all(str(f.get("/Alt", "")).strip() for f in figures)
        alts = {str(f.Alt) for f in figures}
    assert f"{SCHOOL} crest" in alts
    if kind in ("worksheet", "parents-guide"):
        assert any(a.startswith("QR code for ") for a in alts)


def test_page_furniture_is_left_out_of_the_tag_tree(built):
    """Running heads, page numbers and the footer are printed but not read out again
    on every page; tick boxes are drawn borders, so they carry no text."""
    path = built / DOCUMENTS["worksheet"][0]
    tagged = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True,
                            text=True, check=True).stdout
    printed = pdf_text(path)
    assert "Page 1 of" in printed and "Page 1 of" not in tagged
    assert f"{SCHOOL} · Worksheet" in printed and f"{SCHOOL} · Worksheet" not in tagged
    assert "A player asks for a photo." in tagged


# --- the gate ---------------------------------------------------------------------

def project_with(tmp_path: Path, body: str, files: dict[str, str] | None = None) -> Path:
    root = tmp_path / "proj"
    (root / "lessons/ks2").mkdir(parents=True)
    shutil.copytree(REPO / "data", root / "data")
    text = lesson_md(body=body)
    (root / "lessons/ks2/grooming.md").write_text(text, encoding="utf-8")
    for rel, content in (files or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(content, encoding="utf-8")
    return root


def line_of(root: Path, needle: str) -> int:
    lines = (root / "lessons/ks2/grooming.md").read_text(encoding="utf-8").split("\n")
    return next(i for i, text in enumerate(lines, 1) if needle in text)


PICTURE = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


def test_check_fails_on_a_heading_that_skips_a_level(tmp_path):
    root = project_with(tmp_path, "## Starter\n\nSam plays a game.\n\n#### Deep dive\n\nSam tells Mum.\n")
    result = run(root, "check")
    assert result.exit_code == 1
    line = line_of(root, "#### Deep dive")
    assert (f"lessons/ks2/grooming.md:{line}: heading-level: '#### Deep dive' skips a heading "
            "level after '## Starter': use '### Deep dive'") in result.output


def test_check_fails_on_a_second_level_one_heading(tmp_path):
    root = project_with(tmp_path, "# My lesson\n\nSam plays a game.\n\n## Plenary\n\nSam tells Mum.\n")
    result = run(root, "check")
    assert result.exit_code == 1
    assert f"lessons/ks2/grooming.md:{line_of(root, '# My lesson')}: heading-level: " \
           "'# My lesson' is a level-1 heading" in result.output


def test_check_fails_on_an_image_without_alt_text(tmp_path):
    body = "## Starter\n\nSam plays a game.\n\n![](images/phone.svg)\n\nSam tells Mum.\n"
    root = project_with(tmp_path, body, {"lessons/images/phone.svg": PICTURE})
    result = run(root, "check")
    assert result.exit_code == 1
    assert f"lessons/ks2/grooming.md:{line_of(root, '![](images/phone.svg)')}: alt-text: " \
           "'images/phone.svg': image has no alt text" in result.output


def test_check_fails_on_an_image_without_alt_text_in_the_teacher_notes_only(tmp_path):
    body = ("## Starter\n\nSam plays a game.\n\n::: teacher\nShow this slide.\n\n"
            "![](images/slide.svg)\n:::\n\nSam tells Mum.\n")
    root = project_with(tmp_path, body, {"lessons/images/slide.svg": PICTURE})
    result = run(root, "check")
    assert result.exit_code == 1
    assert f"lessons/ks2/grooming.md:{line_of(root, '![](images/slide.svg)')}: alt-text:" in result.output


def test_alt_text_that_only_names_the_file_is_a_warning(tmp_path):
    body = "## Starter\n\n![phone](images/phone.svg)\n\nSam plays a game and tells Mum.\n"
    root = project_with(tmp_path, body, {"lessons/images/phone.svg": PICTURE})
    result = run(root, "check")
    assert result.exit_code == 0, result.output
    assert "alt-text: image images/phone.svg: alt text 'phone' does not say what the picture " \
           "shows" in result.output and "(warning)" in result.output


def lesson_from(tmp_path: Path, body: str):
    root = project_with(tmp_path, body)
    return parse_lesson(root / "lessons/ks2/grooming.md", "lessons/ks2/grooming.md",
                        known_helplines=REGISTRY)


def test_a_gap_only_on_the_worksheet_is_found(tmp_path):
    """A '###' inside '::: teacher' leaves the worksheet jumping from '##' to '####'."""
    body = ("## Activity\n\nSam plays.\n\n::: teacher\n### For the teacher\n\nNotes.\n:::\n\n"
            "#### Pupils' questions\n\nWhat could Sam do?\n")
    lesson = lesson_from(tmp_path, body)
    worksheet = render_body(lesson, WORKSHEET, REGISTRY)
    teacher = render_body(lesson, TEACHER, REGISTRY)
    assert accessibility.check(lesson, None, teacher) == []
    problems = accessibility.check(lesson, worksheet, teacher)
    line = lesson.body.split("\n").index("#### Pupils' questions") + lesson.body_line
    assert [(p.line, p.code) for p in problems] == [(line, "heading-level")]
    assert "after '## Activity'" in problems[0].message


def test_underlined_headings_are_found_with_their_lines(tmp_path):
    body = "Starter\n-------\n\nSam plays.\n\n#### Too deep\n\nSam tells.\n"
    lesson = lesson_from(tmp_path, body)
    sources = accessibility.source_headings(lesson.body, lesson.body_line)
    assert [(s.level, s.text) for s in sources][:2] == [(2, "starter"), (4, "too deep")]
    assert sources[0].line == lesson.body_line
    problems = accessibility.check(lesson, render_body(lesson, WORKSHEET, REGISTRY), None)
    assert [p.line for p in problems] == [lesson.body_line + 5]


def test_headings_are_matched_to_their_own_lines_when_text_repeats(tmp_path):
    body = "## Task\n\nOne.\n\n### Task\n\nTwo.\n\n## Plenary\n\n#### Task\n\nThree.\n"
    lesson = lesson_from(tmp_path, body)
    problems = accessibility.check(lesson, render_body(lesson, WORKSHEET, REGISTRY), None)
    assert [p.line for p in problems] == [lesson.body_line + 10]


@pytest.mark.parametrize("path", sorted((REPO / "lessons").rglob("*.md")), ids=lambda p: p.stem)
def test_the_shipped_lessons_pass_the_accessibility_gate(path):
    lesson = parse_lesson(path, str(path.relative_to(REPO)), known_helplines=REGISTRY)
    if lesson.is_guide:
        rendered = (render_body(lesson, GUIDE, REGISTRY), None)
    else:
        rendered = (render_body(lesson, WORKSHEET, REGISTRY), render_body(lesson, TEACHER, REGISTRY))
    assert accessibility.check(lesson, *rendered) == []
