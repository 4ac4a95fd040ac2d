"""Packs and class sets: assembled from their documents' own pages, ready to photocopy.

Every pack page keeps its document's own "Page n of N" and carries the pack page
number in its outer corner; the contents point at the right pages; every document
starts on a right-hand (odd) page; the structure tree holds every lesson's headings,
in order; and a rebuild gives the same bytes.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from click.testing import CliRunner
from conftest import REPO, lesson_md

from lessonpack.cli import main

LESSONS = {"ks2/grooming.md": lesson_md("ks2", "grooming"),
           "ks2/isolation.md": lesson_md("ks2", "isolation"),
           "ks2/reporting.md": lesson_md("ks2", "reporting")}
TITLES = ["Test lesson ks2 grooming", "Test lesson ks2 isolation", "Test lesson ks2 reporting"]
IDS = ["ks2-grooming", "ks2-isolation", "ks2-reporting"]
BLANK = "This page is intentionally blank"


def run(root: Path, *args) -> None:
    result = CliRunner().invoke(main, ["--project", str(root), *map(str, args)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("packs") / "proj"
    shutil.copytree(REPO / "data", root / "data")
    for rel, text in LESSONS.items():
        (root / "lessons" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "lessons" / rel).write_text(text, encoding="utf-8")
    run(root, "build", "--jobs", "1")
    return root


@pytest.fixture(scope="module")
def out(project) -> Path:
    return project / "output"


def page_texts(path: Path) -> list[str]:
    """Each page's text (poppler), whitespace normalised."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    return [" ".join(page.split()) for page in text.split("\f")[:-1]]


def corner_numbers(path: Path, side: float = 45, bottom: float = 57) -> list[str]:
    """The text in the outer bottom corner of each page (right on odd, left on even):
    `side` points in from the edge, `bottom` points up from the foot of the page."""
    found = []
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            width, height = float(page.width), float(page.height)
            box = (width - side, height - bottom, width, height) if number % 2 \
                else (0, height - bottom, side, height)
            found.append(" ".join((page.crop(box).extract_text() or "").split()))
    return found


def own_footer(text: str) -> tuple[int, int] | None:
    match = re.search(r"Page (\d+) of (\d+)", text)
    return (int(match[1]), int(match[2])) if match else None


def test_every_pack_page_keeps_its_documents_footer_and_carries_its_pack_number(out):
    pack = out / "ks2/ks2-pack.pdf"
    texts, corners = page_texts(pack), corner_numbers(pack)
    documents = [out / f"ks2/{i}-{kind}.pdf" for i in IDS for kind in ("teacher-notes", "worksheet")]
    expected_footers = []
    for document in documents:
        pages = len(page_texts(document))
        expected_footers += [(n, pages) for n in range(1, pages + 1)]
    footers = [own_footer(t) for t in texts[2:] if BLANK not in t]
    assert footers == expected_footers            # each document's own "Page n of N", in order
    for number, (text, corner) in enumerate(zip(texts, corners), 1):
        if number == 1:
            assert corner == ""                   # the cover carries no number
        else:
            assert corner == str(number), (number, corner, text[-80:])


def test_contents_point_at_the_pages_where_each_document_starts(out):
    pack = out / "ks2/ks2-pack.pdf"
    texts = page_texts(pack)
    contents = texts[1]
    entries = [int(n) for n in re.findall(r"(?:Teacher notes|Worksheet) ?\.*\s*page (\d+)", contents)]
    assert len(entries) == 2 * len(TITLES), contents
    for i, title in enumerate(TITLES):
        notes, worksheet = entries[2 * i], entries[2 * i + 1]
        first = next(n for n, t in enumerate(texts, 1) if n > 2 and title in t)
        assert first == notes, f"{title}: contents say {notes}, title first on page {first}"
        assert "TEACHER NOTES" in texts[notes - 1].upper() and own_footer(texts[notes - 1])[0] == 1
        assert "Worksheet" in texts[worksheet - 1] and title in texts[worksheet - 1]
        assert own_footer(texts[worksheet - 1])[0] == 1
    # and the contents entries are links to those pages
    with pikepdf.open(pack) as pdf:
        names = pdf.Root.Names.Dests.Names
        where = {str(names[i]): pdf.pages.index(pikepdf.Page(names[i + 1][0])) + 1
                 for i in range(0, len(names), 2)}
    assert [where[f"{i}-{k}"] for i in IDS for k in ("teacher-notes", "worksheet")] == entries


@pytest.mark.parametrize("name", ["ks2/ks2-pack.pdf", "ks2/ks2-worksheets.pdf"])
def test_every_document_starts_on_an_odd_page_with_blank_left_pages_marked(out, name):
    texts = page_texts(out / name)
    starts = [n for n, t in enumerate(texts, 1) if (own_footer(t) or (0, 0))[0] == 1]
    expected = len(TITLES) * (2 if name.endswith("pack.pdf") else 1)
    assert len(starts) == expected
    assert all(n % 2 == 1 for n in starts), starts
    blanks = [n for n, t in enumerate(texts, 1) if BLANK in t]
    for n in blanks:
        assert n % 2 == 0 and n + 1 in starts and own_footer(texts[n - 1]) is None
    # a blank page only where the previous document ended on an odd page
    for n in starts:
        if n > 3 and n - 1 not in blanks:
            assert own_footer(texts[n - 2])[0] == own_footer(texts[n - 2])[1]


def test_the_class_set_holds_every_worksheet_and_nothing_else(out):
    texts = page_texts(out / "ks2/ks2-worksheets.pdf")
    worksheet_pages = sum(len(page_texts(out / f"ks2/{i}-worksheet.pdf")) for i in IDS)
    assert len([t for t in texts if BLANK not in t]) == worksheet_pages
    assert not any("ANSWER-TEXT" in t or "TEACHER-TEXT" in t for t in texts)
    manifest = json.loads((out / "manifest.json").read_text())["documents"]
    entry = next(d for d in manifest if d["path"] == "ks2/ks2-worksheets.pdf")
    assert entry["kind"] == "worksheets" and entry["lesson"] is None and entry["key_stage"] == "ks2"
    assert entry["pages"] == len(texts)
    with pikepdf.open(out / "ks2/ks2-worksheets.pdf") as pdf:
        assert str(pdf.docinfo.Title) == "Key Stage 2 worksheets – class set"
        assert pdf.open_metadata()["dc:title"] == "Key Stage 2 worksheets – class set"
        assert [item.title for item in pdf.open_outline().root] == TITLES


def struct_headings(path: Path) -> list[tuple[str, str]]:
    """(H1…H6, text) of every heading in the structure tree, in reading order."""
    lines = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True,
                           text=True, check=True).stdout.splitlines()
    found = []
    for i, line in enumerate(lines):
        match = re.match(r"^(\s*)(H[1-6])\b", line)
        if not match:
            continue
        depth, words = len(match[1]), []
        for deeper in lines[i + 1:]:
            if len(deeper) - len(deeper.lstrip()) <= depth:
                break
            words += re.findall(r'"(.*)"', deeper)
        found.append((match[2], " ".join(words)))
    return found


def test_the_pack_structure_tree_holds_every_lessons_headings_in_order(out):
    pack = struct_headings(out / "ks2/ks2-pack.pdf")
    expected = []
    for i in IDS:
        for kind in ("teacher-notes", "worksheet"):
            expected += struct_headings(out / f"ks2/{i}-{kind}.pdf")
    assert pack[:2] == [("H1", "Key Stage 2"), ("H2", "Contents")]
    assert pack[2:] == expected
    assert [h for h in pack if h[0] == "H1"][1:] == [("H1", t) for t in TITLES for _ in (1, 2)]
    with pikepdf.open(out / "ks2/ks2-pack.pdf") as pdf:
        root = pdf.Root.StructTreeRoot
        document = root.K[0]
        assert document.S == "/Document" and all(kid.P.objgen == document.objgen
                                                  for kid in document.K)
        pages = {page.objgen for page in pdf.pages}
        nums = root.ParentTree.Nums
        keys = [int(nums[i]) for i in range(0, len(nums), 2)]
        assert keys == sorted(set(keys)) and int(root.ParentTreeNextKey) == keys[-1] + 1
        for page in pdf.pages:                     # every page's marked content is findable
            if "/StructParents" in page.obj:
                assert int(page.obj.StructParents) in keys
        for i in range(1, len(nums), 2):
            value = nums[i]        # a page's elements by MCID, or an annotation's element
            for element in (value if isinstance(value, pikepdf.Array) else [value]):
                assert element.Pg.objgen in pages
        assert bool(pdf.Root.MarkInfo.Marked) and str(pdf.Root.Lang) == "en-GB"


def element_types(path: Path) -> list[str]:
    """The structure types of a PDF, depth first, in reading order."""
    found = []

    def walk(node):
        if isinstance(node, pikepdf.Dictionary):
            if "/S" in node:
                found.append(str(node.S))
            kids = node.get("/K")
            for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
                walk(kid)

    with pikepdf.open(path) as pdf:
        walk(pdf.Root.StructTreeRoot)
    return found


@pytest.mark.parametrize("name, kinds", [("ks2/ks2-pack.pdf", ("teacher-notes", "worksheet")),
                                         ("ks2/ks2-worksheets.pdf", ("worksheet",))])
def test_every_documents_figures_tables_and_lists_are_in_the_tree_in_order(out, name, kinds):
    """The assembled tree is the documents' trees one after another (after the pack's
    cover and contents): nothing dropped, nothing duplicated, nothing reordered."""
    expected = []
    for i in IDS:
        for kind in kinds:
            expected += [t for t in element_types(out / f"ks2/{i}-{kind}.pdf") if t != "/Document"]
    found = [t for t in element_types(out / name) if t != "/Document"]
    assert found[len(found) - len(expected):] == expected
    assert {"/Figure", "/L", "/H1", "/H2"} <= set(expected)      # QR codes, lists, headings
    if "teacher-notes" in kinds:
        assert "/Table" in expected                                  # "Lesson at a glance"


def test_pack_bookmarks_nest_lesson_document_section(out):
    with pikepdf.open(out / "ks2/ks2-pack.pdf") as pdf:
        top = list(pdf.open_outline().root)
        assert [item.title for item in top] == ["Cover", "Contents", *TITLES]
        for lesson in top[2:]:
            assert [c.title for c in lesson.children] == ["Teacher notes", "Worksheet"]
            worksheet = lesson.children[1]
            assert "Starter" in [s.title for s in worksheet.children]
            page = pdf.pages.index(pikepdf.Page(worksheet.destination[0])) + 1
            assert page % 2 == 1


def test_packs_and_class_sets_rebuild_byte_identically_in_parallel_too(project, out, tmp_path):
    again = tmp_path / "again"
    run(project, "build", "--jobs", "2", "--out", again)
    for name in ("ks2/ks2-pack.pdf", "ks2/ks2-worksheets.pdf", "ks2/ks2-grooming-worksheet.pdf"):
        assert (again / name).read_bytes() == (out / name).read_bytes(), name


def test_a_one_lesson_build_reassembles_its_pack_from_the_other_lessons_pdfs(project, tmp_path):
    copy = tmp_path / "proj"
    shutil.copytree(project, copy)
    lesson = copy / "lessons/ks2/isolation.md"
    lesson.write_text(lesson.read_text().replace("A new friend says hi.", "A new friend waves."))
    result = CliRunner().invoke(main, ["--project", str(copy), "build", "--jobs", "1",
                                       "--lesson", "ks2-isolation"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    built = set(re.findall(r"built\s+(\S+\.pdf)", result.output))
    assert built == {"ks2/ks2-isolation-worksheet.pdf", "ks2/ks2-isolation-teacher-notes.pdf",
                     "ks2/ks2-isolation-slides.pdf", "ks2/ks2-pack.pdf", "ks2/ks2-worksheets.pdf"}
    texts = " ".join(page_texts(copy / "output/ks2/ks2-pack.pdf"))
    assert "A new friend waves." in texts and "Test lesson ks2 reporting" in texts
    # the same bytes as a clean build of the edited project
    run(copy, "build", "--jobs", "1", "--out", copy / "clean")
    for name in ("ks2/ks2-pack.pdf", "ks2/ks2-worksheets.pdf"):
        assert (copy / "output" / name).read_bytes() == (copy / "clean" / name).read_bytes()


def test_packs_honour_the_variant_and_the_paper(project, tmp_path):
    school = tmp_path / "school.yml"
    school.write_text("school:\n  name: Paper Test School\npaper: letter\n", encoding="utf-8")
    out = tmp_path / "out"
    run(project, "build", "--jobs", "1", "--config", school, "--variant", "large-print",
        "--out", out)
    pack = out / "ks2/ks2-pack-large-print.pdf"
    with pikepdf.open(pack) as pdf:
        sizes = {tuple(round(float(v)) for v in page.mediabox) for page in pdf.pages}
        assert sizes == {(0, 0, 612, 792)}                      # US Letter, every page
        assert str(pdf.docinfo.Title) == "Key Stage 2 safeguarding pack – Paper Test School"
    texts = page_texts(pack)
    worksheet = page_texts(out / "ks2/ks2-grooming-worksheet-large-print.pdf")
    first = next(n for n, t in enumerate(texts, 1) if n > 2 and "Test lesson ks2 grooming" in t)
    assert first % 2 == 1
    # the large-print worksheet's own pages, in the pack, with the pack number in the corner
    start = next(n for n, t in enumerate(texts, 1) if n > first and "Name:" in t)
    for offset, page in enumerate(worksheet):
        assert own_footer(texts[start - 1 + offset]) == own_footer(page)
    corners = corner_numbers(pack, side=39, bottom=85)      # large print: 14 mm side margins
    assert all(corners[n - 1] == str(n) for n in range(2, len(texts) + 1)), corners
    assert (out / "ks2/ks2-worksheets-large-print.pdf").is_file()
