"""Projector slides: a 16:9 PDF and an editable PowerPoint file per lesson, made from the
worksheet's own content, read back from real outputs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import pikepdf
import pytest
from pptx import Presentation

from conftest import REPO, lesson_md, pdf_text, structure_of
from lessonpack.helplines import load_registry
from lessonpack.lessons import parse_lesson
from lessonpack.markdown import TEACHER, WORKSHEET, render_body
from lessonpack.plan import Job
from lessonpack.project import Project
from lessonpack.worker import Settings, Worker

LESSONS = ("ks1-grooming", "ks4-sextortion")
REGISTRY = load_registry(REPO / "data/helplines.yml")


def _lesson(lesson_id: str):
    ks, topic = lesson_id.split("-", 1)
    path = REPO / "lessons" / ks / f"{topic}.md"
    return parse_lesson(path, path.name)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Two real lessons built once with the real CLI."""
    out = tmp_path_factory.mktemp("slides")
    # --no-check: the content gates have tests of their own (and one below for slides);
    # these tests are about what the slides show, whatever state the lessons are in.
    args = [sys.executable, str(REPO / "build.py"), "--project", str(REPO), "build",
            "--out", str(out), "--jobs", "1", "-q", "--no-check"]
    for lesson_id in LESSONS:
        args += ["--lesson", lesson_id]
    done = subprocess.run(args, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def _files(built, lesson_id):
    ks = lesson_id[:3]
    return built / ks / f"{lesson_id}-slides.pdf", built / ks / f"{lesson_id}-slides.pptx"


def _slide_text(slide) -> str:
    """Every word on a PowerPoint slide (not its notes)."""
    words = []
    for shape in slide.shapes:
        shapes = list(shape.shapes) if shape.shape_type == 6 else [shape]   # 6: group
        for s in shapes:
            if s.has_text_frame:
                words.append(s.text_frame.text)
            if getattr(s, "has_table", False) and s.has_table:
                words += [c.text for row in s.table.rows for c in row.cells]
    return " ".join(" ".join(words).split())


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_both_files_are_in_the_manifest_with_their_slide_count(built, lesson_id):
    pdf, pptx = _files(built, lesson_id)
    assert pdf.is_file() and pptx.is_file()
    entries = {d["path"]: d for d in json.loads((built / "manifest.json").read_text())["documents"]}
    rel_pdf, rel_pptx = (p.relative_to(built).as_posix() for p in (pdf, pptx))
    assert entries[rel_pdf]["kind"] == "slides"
    assert entries[rel_pptx]["kind"] == "slides-pptx"
    assert entries[rel_pptx]["pages"] == len(Presentation(pptx).slides) == entries[rel_pdf]["pages"]


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_slides_pdf_is_16_9_tagged_english_and_titled(built, lesson_id):
    pdf, _ = _files(built, lesson_id)
    with pikepdf.open(pdf) as doc:
        assert len(doc.pages) >= 6
        for page in doc.pages:
            x0, y0, x1, y1 = (float(v) for v in page.MediaBox)
            assert abs((x1 - x0) / (y1 - y0) - 16 / 9) < 0.001
        assert "/StructTreeRoot" in doc.Root
        assert str(doc.Root.Lang) == "en-GB"
        assert str(doc.docinfo["/Title"]) == _lesson(lesson_id).title


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_title_objectives_and_childline_are_on_the_slides(built, lesson_id):
    pdf, pptx = _files(built, lesson_id)
    lesson = _lesson(lesson_id)
    pdf_words = pdf_text(pdf)
    pptx_words = " ".join(_slide_text(s) for s in Presentation(pptx).slides)
    for text in (pdf_words, pptx_words):
        for needed in [lesson.title, *lesson.objectives, "Childline", "0800 1111"]:
            assert " ".join(needed.split()) in text, (lesson_id, needed)


def _hidden_sentences(lesson) -> list[str]:
    """Sentences of ::: answer and ::: teacher blocks that the worksheet does not print too."""
    teacher = render_body(lesson, TEACHER, REGISTRY).tree
    shown = " ".join(" ".join(render_body(lesson, WORKSHEET, REGISTRY).tree.itertext()).split())
    out = []
    for div in teacher.iter("div"):
        if div.get("class") in ("answer", "teacher"):
            for child in div:
                if child.get("class") == "label":
                    continue
                text = " ".join("".join(child.itertext()).split())
                out += [s for s in re.split(r"(?<=[.!?])\s+", text)
                        if len(s.split()) >= 5 and s not in shown]
    return out


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_no_answer_or_teacher_sentence_reaches_a_slide(built, lesson_id):
    pdf, pptx = _files(built, lesson_id)
    hidden = _hidden_sentences(_lesson(lesson_id))
    assert len(hidden) > 10          # the lesson has teacher text to leak
    slides = pdf_text(pdf) + " " + " ".join(_slide_text(s) for s in Presentation(pptx).slides)
    leaked = [s for s in hidden if s in slides]
    assert not leaked


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_powerpoint_has_titles_editable_text_pictures_and_speaker_notes(built, lesson_id):
    _, pptx = _files(built, lesson_id)
    prs = Presentation(pptx)
    assert abs(prs.slide_width / prs.slide_height - 16 / 9) < 0.001
    notes = []
    for slide in prs.slides:
        assert slide.shapes.title is not None and slide.shapes.title.text_frame.text.strip()
        body = [s for s in slide.shapes if not s.is_placeholder and
                (s.has_text_frame and s.text_frame.text.strip() or s.shape_type in (6, 19))]
        if slide != prs.slides[0]:
            assert body, slide.shapes.title.text_frame.text
        for shape in slide.shapes:
            if shape.shape_type == 13:                                   # a picture
                assert shape._element.nvPicPr.cNvPr.get("descr"), "picture without alt text"
        if slide.has_notes_slide:
            notes.append(slide.notes_slide.notes_text_frame.text)
    # the teacher notes for the moment: timing or guidance, and model answers
    assert sum(1 for n in notes if n.strip()) >= 6
    assert any(n.startswith("Model answer") or "\n\nModel answer" in n for n in notes)
    # text sizes: nothing on a slide body below 16 pt
    sizes = {r.font.size.pt for s in prs.slides for sh in s.shapes if sh.has_text_frame
             for p in sh.text_frame.paragraphs for r in p.runs if r.font.size}
    assert min(sizes) >= 16


def test_pdf_text_is_big_enough_for_the_back_of_the_room(built):
    import pdfplumber

    pdf, _ = _files(built, "ks4-sextortion")
    with pdfplumber.open(pdf) as doc:
        height = float(doc.pages[0].height)
        for page in doc.pages:
            small = [c for c in page.chars if c["size"] < height / 27]
            # only the slide number "3 / 22" in the corner is smaller
            assert all(c["text"] in "0123456789/ " and c["top"] > height * 0.9 for c in small)


def test_two_builds_give_identical_powerpoint_bytes(built):
    _, pptx = _files(built, "ks1-grooming")
    worker = Worker(Settings(str(REPO)))
    again = worker.run(Job("ks1/ks1-grooming-slides.pptx", "slides-pptx", "ks1", "ks1-grooming"))
    assert again.ok, again.problems
    assert again.data == pptx.read_bytes()



def test_profile_card_shows_the_camera_icon_on_the_slide_and_in_powerpoint():
    """A profile card's camera icon beside "Their picture shows:" is on the worksheet; the
    slide shows it too (a tagged Figure with alt text inside the card, on the card's page)
    and so does PowerPoint (a picture with alt text in the card's group shape)."""
    import io

    worker = Worker(Settings(str(REPO)))
    pdf = worker.run(Job("ks4/ks4-ai-imagery-slides.pdf", "slides", "ks4", "ks4-ai-imagery"))
    pptx = worker.run(Job("ks4/ks4-ai-imagery-slides.pptx", "slides-pptx", "ks4", "ks4-ai-imagery"))
    assert pdf.ok and pptx.ok, pdf.problems + pptx.problems

    with pikepdf.open(io.BytesIO(pdf.data)) as doc:
        numbers = {page.objgen: n for n, page in enumerate(doc.pages)}
        card_page = next(n for n, page in enumerate(doc.pages)
                         if b"lena_16" in _page_text(pdf.data, n))
        figures = [(str(e.get("/Alt", "")), numbers.get(e["/Pg"].objgen) if "/Pg" in e else None,
                    str(e["/P"].get("/S")), [str(k.get("/S")) for k in e["/P"]["/K"]
                                              if isinstance(k, pikepdf.Dictionary)])
                   for e in structure_of(doc.Root.StructTreeRoot) if str(e.get("/S")) == "/Figure"]
    # the picture box: a Div holding the icon and its two paragraphs (label, description)
    assert ("Profile picture", card_page, "/Div", ["/Figure", "/P", "/P"]) in figures, figures

    slide = Presentation(io.BytesIO(pptx.data)).slides[card_page]
    group = next(s for s in slide.shapes if s.shape_type == 6 and
                 "profile card" in s._element.nvGrpSpPr.cNvPr.get("descr", ""))
    pictures = [s for s in group.shapes if s.shape_type == 13]
    assert [p._element.nvPicPr.cNvPr.get("descr") for p in pictures] == ["Profile picture"]
    box = next(s for s in group.shapes if s.has_text_frame and
               s.text_frame.text.startswith("Their picture shows:"))
    icon = pictures[0]
    # inside the grey picture box, above its words
    assert box.left < icon.left and icon.left + icon.width < box.left + box.width
    assert box.top < icon.top and icon.top + icon.height <= box.top + box.text_frame.margin_top


def _page_text(data: bytes, n: int) -> bytes:
    """The text of page n (from 0) of a PDF, as pdftotext reads it."""
    return subprocess.run(["pdftotext", "-f", str(n + 1), "-l", str(n + 1), "-", "-"],
                          input=data, capture_output=True, check=True).stdout


# --- tiny projects: the model and the gates ----------------------------------------------

BODY = textwrap.dedent("""\
    ## Starter {5 min}

    Sam plays a game. A new friend says hi.

    ::: student
    Who can Sam tell? Write one name.

    ::: lines 2
    :::

    ::: answer
    ANSWER-TEXT: Sam can tell a parent or a teacher.
    :::

    ::: teacher
    TEACHER-TEXT: Read the story aloud and pause.
    :::

    ::: slide Sam's choices

    Sam can stop, block and tell.

    ## Plenary {40 min}

    It is never your fault. You will not be in trouble for telling.
    """)


def _deck(make_project, body=BODY, **front):
    from lessonpack.compose import deck_for

    root = make_project({"ks2/grooming.md": lesson_md(body=body, **front)})
    worker = Worker(Settings(str(Project(root).root)))
    return worker, deck_for(worker.inputs.lessons["ks2-grooming"], worker.inputs, [], [])


def test_slide_marker_starts_a_titled_slide_and_notes_land_beside_their_question(make_project):
    worker, deck = _deck(make_project)
    titles = [s.title for s in deck.slides]
    assert titles[:3] == ["Test lesson ks2 grooming", "Our ground rules", "Today I will learn"]
    assert "Sam's choices" in titles
    question = next(s for s in deck.slides if "Who can Sam tell?" in s.text())
    notes = "\n".join(question.notes)
    assert "ANSWER-TEXT" in notes and "TEACHER-TEXT" in notes and "Starter – 5 min." in notes
    assert not any("ANSWER-TEXT" in s.text() or "TEACHER-TEXT" in s.text() for s in deck.slides)
    assert deck.slides[-1].title == "Who can help"
    assert deck.numbers_by_activity()["Starter"] == f"{question.number}–{question.number + 1}"
    # the marker prints nothing on the worksheet
    sheet = worker.run(Job("ks2/ks2-grooming-worksheet.pdf", "worksheet", "ks2", "ks2-grooming"))
    assert sheet.ok and b"Sam's choices" not in sheet.data
    # "Lesson at a glance" in the teacher notes names each activity's slides
    notes = worker.run(Job("ks2/ks2-grooming-teacher-notes.pdf", "teacher-notes", "ks2",
                           "ks2-grooming"))
    assert notes.ok, notes.problems
    path = worker.project.root / "notes.pdf"
    path.write_bytes(notes.data)
    text = pdf_text(path)
    for activity, numbers in deck.numbers_by_activity().items():
        assert re.search(rf"{activity} \d+ min {numbers}", text), (activity, numbers, text[:600])


def test_check_reads_key_messages_which_only_slides_print(make_project, cli):
    messages = ["Sam should have known it was a trick.", "Call 0800 1112 for help.",
                "Nobody may ask you for a naked picture."]
    root = make_project({"ks2/grooming.md": lesson_md(key_messages=messages)})
    result = cli(root, "check")
    assert result.exit_code == 1
    found = result.output
    assert re.search(r"grooming\.md:\d+: blame: .*should have", found), found
    assert re.search(r"grooming\.md:\d+: age-word: 'naked'", found), found
    assert re.search(r"grooming\.md:\d+: number: '0800 1112'", found), found
    # and the fault really reaches only the slides: the worksheet has no key messages
    clean = make_project({"ks2/grooming.md": lesson_md()}, name="clean")
    assert cli(clean, "check").exit_code == 0


def test_layout_gate_reports_a_slide_that_overflows(make_project):
    long = " ".join(["Sam reads a very long message from a new friend online."] * 40)
    worker, _ = _deck(make_project, body=f"## Starter\n\n{long}\n\n## Plenary\n\nIt is never your fault.\n")
    result = worker.run(Job("ks2/ks2-grooming-slides.pdf", "slides", "ks2", "ks2-grooming"),
                        write=False)
    assert result.ok, result.problems
    codes = [p.code for p in result.layout]
    assert "layout-overflowing-slide" in codes
    assert any("Starter" in p.message or "Sam reads" in p.message for p in result.layout)


def test_large_print_makes_no_second_deck_and_powerpoint_is_standard_only():
    from lessonpack.plan import VARIANTS, plan

    jobs = plan([_lesson("ks2-grooming")], variants=VARIANTS, packs=False)
    slides = sorted(j.path for j in jobs if j.kind.startswith("slides"))
    assert slides == ["ks2/ks2-grooming-slides-dyslexia.pdf", "ks2/ks2-grooming-slides-greyscale.pdf",
                      "ks2/ks2-grooming-slides.pdf", "ks2/ks2-grooming-slides.pptx"]
