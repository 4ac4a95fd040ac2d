"""Projector slides: a 16:9 PDF and an editable PowerPoint file per lesson, made from the
worksheet's own content, read back from real outputs."""

from __future__ import annotations

import json
import re
import subprocess
import textwrap
from dataclasses import replace

import pikepdf
import pytest
from pptx import Presentation

from conftest import REPO, build_shipped, lesson_md, pdf_text, structure_of
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
    # --no-check: the content gates have tests of their own (and one below for slides);
    # these tests are about what the slides show, whatever state the lessons are in.
    return build_shipped(tmp_path_factory.mktemp("slides"), LESSONS)


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
    # KS2 grooming's Jay_Goals card (KS4 AI imagery's lena_16 card became a chat)
    pdf = worker.run(Job("ks2/ks2-grooming-slides.pdf", "slides", "ks2", "ks2-grooming"))
    pptx = worker.run(Job("ks2/ks2-grooming-slides.pptx", "slides-pptx", "ks2", "ks2-grooming"))
    assert pdf.ok and pptx.ok, pdf.problems + pptx.problems

    with pikepdf.open(io.BytesIO(pdf.data)) as doc:
        numbers = {page.objgen: n for n, page in enumerate(doc.pages)}
        card_page = next(n for n, page in enumerate(doc.pages)
                         if b"a smiling boy" in _page_text(pdf.data, n))
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


@pytest.mark.parametrize("lesson_id, words", [
    ("ks1-grooming", "If you feel sad or worried, show our sign at any time. A grown-up will go "
                     "with you to a quiet place. You can talk to your teacher about it."),
    ("ks4-sextortion", "Need a break? You can step out to the place your teacher tells you. An "
                       "adult will check on you there. After, you can talk to your teacher or our "
                       "safeguarding lead."),
])
def test_ground_rules_slide_tells_pupils_how_to_take_a_break(built, lesson_id, words):
    """The pupils see the step-out routine in their own words: the sign and the adult who
    goes with them at KS1/KS2, the place and the adult who checks at KS3/KS4."""
    pdf, pptx = _files(built, lesson_id)
    page = " ".join(_page_text(pdf.read_bytes(), 1).decode().split())
    assert page.startswith("Our ground rules") and words in page, page
    slide = Presentation(str(pptx)).slides[1]
    assert words in _slide_text(slide)


def test_ground_rules_slide_names_the_schools_place_adult_and_dsl(make_project, cli):
    config = ("school:\n  name: Hillside\ndsl:\n  name: Ms A. Example\n"
              "step_out:\n  place: the quiet room next to the library\n"
              "  adult: Mr Okafor, our teaching assistant\n")
    root = make_project({"ks3/grooming.md": lesson_md("ks3", body=BODY)},
                        files={"school/school.yml": config})
    result = cli(root, "build", "--jobs", "1", "--no-check", "--lesson", "ks3-grooming",
                 "--config", root / "school/school.yml")
    assert result.exit_code == 0, result.output
    page = " ".join(_page_text((root / "output/ks3/ks3-grooming-slides.pdf").read_bytes(), 1)
                    .decode().split())
    assert ("Need a break? You can step out to the quiet room next to the library. Mr Okafor, "
            "our teaching assistant will check on you there. After, you can talk to your teacher "
            "or our safeguarding lead, Ms A. Example.") in page, page


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


# --- how content is spread over slides: real decks, read back -----------------------------

SPREAD = ("ks1-isolation", "ks1-reporting", "ks2-isolation", "ks2-reporting", "ks3-grooming",
          "ks4-isolation", "ks4-reporting", "ks4-ai-imagery", "ks4-sextortion")
HAND_ALT = "An open hand: write on each finger and on the palm"
MM = 72 / 25.4


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    """The slides PDF and PowerPoint file of lessons whose short tables, one-line slides and
    hands the reviewers found badly spread; written to disk to be read back."""
    return _slide_files(tmp_path_factory.mktemp("spread"), SPREAD)


def _slide_files(out, lesson_ids) -> dict:
    """lesson id → (slides PDF, PowerPoint file) built by a worker into out, none with an
    overflowing slide."""
    worker = Worker(Settings(str(REPO)))
    files = {}
    for lesson_id in lesson_ids:
        ks = lesson_id[:3]
        pair = []
        for kind, name in (("slides", "slides.pdf"), ("slides-pptx", "slides.pptx")):
            done = worker.run(Job(f"{ks}/{lesson_id}-{name}", kind, ks, lesson_id))
            assert done.ok, done.problems
            assert not [p for p in done.layout if p.code.endswith("overflowing-slide")], done.layout
            path = out / f"{lesson_id}-{name}"
            path.write_bytes(done.data)
            pair.append(path)
        files[lesson_id] = tuple(pair)
    return files


def _pages(pdf) -> list[str]:
    """The text of each page, as pdftotext reads it, whitespace normalised."""
    with pikepdf.open(pdf) as doc:
        count = len(doc.pages)
    return [" ".join(_page_text(pdf.read_bytes(), n).decode().split()) for n in range(count)]


def _tables(lesson_id: str) -> list[list[str]]:
    """The statements of each table the worksheet prints (baseline and sort tables)."""
    tree = render_body(_lesson(lesson_id), WORKSHEET, REGISTRY).tree
    return [[" ".join("".join(tr.find("td").itertext()).split()) for tr in table.iter("tr")
             if tr.find("td") is not None] for table in tree.iter("table")]


@pytest.mark.parametrize("lesson_id", ["ks1-isolation", "ks1-reporting", "ks2-reporting",
                                       "ks3-grooming", "ks4-isolation", "ks4-reporting"])
def test_a_short_table_is_on_one_slide(decks, lesson_id):
    """A table of up to six rows (the baseline "Before we start", a sort) is shown whole on
    one slide – in the PDF and in PowerPoint – never cut 2/2 or 3/1."""
    pdf, pptx = decks[lesson_id]
    pages = _pages(pdf)
    slides = [[[c.text_frame.text for c in row.cells][0] for row in shape.table.rows]
              for slide in Presentation(pptx).slides for shape in slide.shapes
              if getattr(shape, "has_table", False) and shape.has_table]
    short = [rows for rows in _tables(lesson_id) if 2 <= len(rows) <= 6]
    assert short, lesson_id
    for rows in short:
        assert any(all(r in page for r in rows) for page in pages), (lesson_id, rows)
        assert any(all(r in " ".join(" ".join(t.split()) for t in table) for r in rows)
                   for table in slides), (lesson_id, rows)
    # the baseline's heading is on the slide of its table, however it fits
    for rows in short[:1]:
        assert any("Before we start" in page and all(r in page for r in rows) for page in pages)


@pytest.mark.parametrize("lesson_id", SPREAD)
def test_no_slide_holds_only_a_line_or_a_lone_picture(decks, lesson_id):
    """A slide shows more than its title and one line: an instruction or a closing sentence
    shares the slide of what it belongs to, and a lone icon sits beside other content."""
    import pdfplumber

    pdf, _ = decks[lesson_id]
    with pdfplumber.open(pdf) as doc:
        for number, page in enumerate(doc.pages[1:], 2):
            body = [w for w in page.extract_words() if 33 * MM < w["top"] < 131 * MM]
            lines = {round(w["top"]) for w in body}
            assert len(lines) >= 2, (lesson_id, number, [w["text"] for w in body])


@pytest.mark.parametrize("lesson_id, alone, beside", [
    ("ks4-isolation", "It's caring, not snitching.", "if messages vanish"),
    ("ks4-ai-imagery", "What could Theo do? Give three ideas.", "How might Dev feel when he finds out?"),
    # (the whole chat now fits its slide, so the story goes on with the question after it)
    ("ks2-isolation", "Sami stops going to football club", "What could Sami do now?"),
])
def test_a_lone_sentence_joins_the_slide_it_belongs_to(decks, lesson_id, alone, beside):
    pdf, pptx = decks[lesson_id]
    assert any(alone in page and beside in page for page in _pages(pdf)), (alone, beside)
    texts = [_slide_text(s) for s in Presentation(pptx).slides]
    assert any(alone in t for t in texts)
    assert not any(t.startswith(s.shapes.title.text_frame.text) and
                   t[len(s.shapes.title.text_frame.text):].strip().startswith(alone) and
                   len(t) < len(s.shapes.title.text_frame.text) + len(alone) + 40
                   for t, s in zip(texts, Presentation(pptx).slides))


@pytest.mark.parametrize("lesson_id", ["ks1-reporting", "ks2-isolation"])
def test_the_hand_slide_shows_the_hand(decks, lesson_id):
    """`::: hand` prints a hand to write on; its slide shows the same drawing (a tagged
    Figure with the hand's alt text on the page of the instruction) and so does PowerPoint."""
    pdf, pptx = decks[lesson_id]
    pages = _pages(pdf)
    hand_page = next(n for n, page in enumerate(pages) if "On a finger, write or draw" in page)
    with pikepdf.open(pdf) as doc:
        numbers = {page.objgen: n for n, page in enumerate(doc.pages)}
        figures = [(str(e.get("/Alt", "")), numbers.get(e["/Pg"].objgen) if "/Pg" in e else None)
                   for e in structure_of(doc.Root.StructTreeRoot) if str(e.get("/S")) == "/Figure"]
    assert (HAND_ALT, hand_page) in figures, figures
    slide = next(s for s in Presentation(pptx).slides
                 if "On a finger, write or draw" in _slide_text(s))
    alts = [s._element.nvPicPr.cNvPr.get("descr") for s in slide.shapes if s.shape_type == 13]
    assert HAND_ALT in alts, alts


def test_many_tick_columns_leave_the_statements_room(decks):
    """KS3 grooming's sort has six tick columns: no heading prints over another word, each
    short statement keeps to one line, and the statement column keeps about 40% of the table
    (PDF and PowerPoint)."""
    import pdfplumber

    pdf, pptx = decks["ks3-grooming"]
    statements = next(rows for rows in _tables("ks3-grooming") if len(rows) == 7)
    with pdfplumber.open(pdf) as doc:
        page = next(p for p in doc.pages if "Flattery" in (p.extract_text() or ""))
        words = page.extract_words()
    for i, a in enumerate(words):
        for b in words[i + 1:]:
            overlap_x = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
            overlap_y = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            assert overlap_x <= 0.5 or overlap_y <= 0.5, (a["text"], b["text"])
    for statement in statements:
        first = statement.split()[0]
        tops = {round(w["top"]) for w in words if w["text"] == first}
        line = [w for w in words if round(w["top"]) in tops]
        assert statement.split()[-1] in [w["text"] for w in line], statement
    head = next(w for w in words if w["text"] == "Statement")
    flattery = next(w for w in words if w["text"] == "Flattery")
    table_width = (254 - 24) * MM
    assert flattery["x0"] - head["x0"] >= 0.35 * table_width
    table = next(sh.table for s in Presentation(pptx).slides for sh in s.shapes
                 if getattr(sh, "has_table", False) and sh.has_table and
                 sh.table.cell(0, 1).text_frame.text == "Flattery")
    widths = [c.width for c in table.columns]
    assert widths[0] / sum(widths) >= 0.38


def test_a_numbered_list_cut_by_writing_spaces_stays_whole(make_project):
    """Four numbered situations, each with lines to write on, are one list: all four on one
    slide with their instruction (KS4 reporting's were once cut 3/1)."""
    body = textwrap.dedent("""\
        ## Activity 1: Who can help? {15 min}

        Use the "Who can help" box at the end. Who could help in each situation?

        1. A new online "friend" from a game wants a secret chat on a private app, and asks
           for a photo.

        ::: lines 1

        2. Someone says they will tell everyone a secret about Sam unless Sam sends a picture.

        ::: lines 1

        3. Sam is sent a link to a web page that makes Sam feel scared and upset.

        ::: lines 2

        4. A friend has gone to meet an online "friend" alone and is not answering her phone.

        ::: lines 1

        ## Plenary {5 min}

        It is never your fault. You will not be in trouble for telling.
        """)
    _, deck = _deck(make_project, body=body)
    slides = [s.text() for s in deck.slides if s.activity == "Activity 1: Who can help?"]
    assert any("secret chat on a private app" in t and "not answering her phone" in t and
               "Who could help in each situation?" in t for t in slides), slides


def test_an_instruction_and_its_picture_join_the_table_that_follows(make_project):
    """"Tick one." with a picture, then a four-row table: one slide, not an instruction
    slide and the table cut over two more."""
    body = textwrap.dedent("""\
        ## Activity 1: Surprise or bad secret? {10 min}

        ![Pip waves](art:pip-waves)

        Surprise or bad secret? Tick one.

        ::: sort Surprise | Bad secret
        - A present for Dad's birthday, told on the day.
        - Someone online says, "Don't tell your mum we chat."
        - A party for Gran, and everyone knows on Saturday.
        - Someone says, "Keep it secret or you will be in trouble."
        :::

        ## Plenary {5 min}

        It is never your fault. You will not be in trouble for telling.
        """)
    _, deck = _deck(make_project, body=body)
    slides = [s for s in deck.slides if s.activity == "Activity 1: Surprise or bad secret?"]
    assert len(slides) == 1, [(s.title, [b.kind for b in s.blocks]) for s in slides]
    kinds = [b.kind for b in slides[0].blocks]
    assert kinds == ["text", "table"] and len(slides[0].blocks[1].rows) == 4


@pytest.mark.parametrize("lesson_id, speaker", [("ks4-grooming", "Jake_14"), ("ks4-isolation", "Rhys")])
def test_a_chat_time_line_stays_with_the_message_after_it(lesson_id, speaker):
    """Reviewers found 'Week 6' at the foot of one slide and its messages on the next, and
    a threat alone on a slide: a chat cut over several slides is cut before a time, week or
    notice line, never after one, and every part holds at least two messages."""
    from lessonpack.compose import deck_for

    worker = Worker(Settings(str(REPO)))
    deck = deck_for(worker.inputs.lessons[lesson_id], worker.inputs, [], [])
    pieces = [b for s in deck.slides for b in s.blocks if b.kind == "chat"]
    assert len(pieces) > 1, lesson_id                      # the chat is cut: the rule matters
    for piece in pieces[:-1]:
        assert piece.entries[-1][0] not in ("time", "notice"), (lesson_id, [e[2] for e in piece.entries])
    for piece in pieces[1:]:                               # cut at a week or notice line
        assert piece.entries[0][0] in ("time", "notice"), (lesson_id, piece.entries[0])
    for piece in pieces:
        assert sum(e[0] in ("message", "mine") for e in piece.entries) >= 2, piece.entries
    if speaker:
        ks = lesson_id[:3]
        done = worker.run(Job(f"{ks}/{lesson_id}-slides.pdf", "slides", ks, lesson_id))
        assert done.ok, done.problems
        for n in range(len(deck.slides)):
            page = " ".join(_page_text(done.data, n).decode().split())
            weeks = list(re.finditer(r"Week \d+(?![\d,?])", page))    # labels, not "in Week 7?"
            if weeks and "phone" in page:
                assert speaker in page[weeks[-1].end():], (lesson_id, n + 1, page)


# --- chats and pictures on slides (round-3 reviews): real decks, read back ---------------

CHATS = ("ks1-grooming", "ks2-grooming", "ks2-reporting", "ks4-grooming")


@pytest.fixture(scope="module")
def chat_decks(tmp_path_factory):
    """The slides PDF and PowerPoint file of the lessons whose chats the reviewers found cut
    at their key moment, and whose pictures were missing from the slides."""
    return _slide_files(tmp_path_factory.mktemp("chats"), CHATS)


def _chats(lesson_id: str) -> list[list[str]]:
    """The messages of each of a lesson's chats, as the worksheet prints them."""
    tree = render_body(_lesson(lesson_id), WORKSHEET, REGISTRY).tree
    return [[" ".join("".join(span.itertext()).split()) for span in chat.iter("span")
             if "bubble" in (span.get("class") or "").split()]
            for chat in tree.iter("div") if "chat" in (chat.get("class") or "").split()]


@pytest.mark.parametrize("lesson_id, together", [
    ("ks2-grooming", ["Jay_Goals sent 500 gems", "The gems are our secret.",
                      "Let's use a private app. Send me a photo."]),
    ("ks2-reporting", ["Your pet is so cute!", "Let's chat on a private app. Our secret, OK?",
                       "Send me a photo of you. Just for me."]),
    ("ks4-grooming", ["Week 8", "send more or your school sees the last one",
                      "no. I'm not sending anything else", "Keira keeps the chat"]),
])
def test_a_short_chat_or_its_key_moment_stays_on_one_slide(chat_decks, lesson_id, together):
    """The gift and the secret, Cool_Kat's three messages, Keira's threat with her refusal: on one slide of
    the PDF and of the PowerPoint file."""
    pdf, pptx = chat_decks[lesson_id]
    assert any(all(t in page for t in together) for page in _pages(pdf)), together
    texts = [_slide_text(s) for s in Presentation(pptx).slides]
    assert any(all(t in text for t in together) for text in texts), together


@pytest.mark.parametrize("lesson_id", CHATS)
def test_no_slide_shows_a_single_chat_message_alone(chat_decks, lesson_id):
    """A slide showing a chat shows at least two of its messages (a chat of up to six is
    whole), in the PDF and in PowerPoint."""
    pdf, pptx = chat_decks[lesson_id]
    chats = _chats(lesson_id)
    assert chats and all(chats)
    messages = [m for chat in chats for m in chat]
    slides = [s for s in _pages(pdf) if "’s phone" in s]
    texts = [t for t in (_slide_text(s) for s in Presentation(pptx).slides) if "’s phone" in t]
    assert slides and len(slides) == len(texts)
    for shown in slides + texts:
        assert sum(m in shown for m in messages) >= 2, shown
    for chat in chats:
        if len(chat) <= 6:     # one slide shows all of it
            assert any(all(m in shown for m in chat) for shown in slides), chat


def _figures(pdf) -> list[tuple[str, int | None]]:
    """The (alt text, page from 0) of every Figure in a PDF's tag tree."""
    with pikepdf.open(pdf) as doc:
        numbers = {page.objgen: n for n, page in enumerate(doc.pages)}
        return [(str(e.get("/Alt", "")), numbers.get(e["/Pg"].objgen) if "/Pg" in e else None)
                for e in structure_of(doc.Root.StructTreeRoot) if str(e.get("/S")) == "/Figure"]


def _pictures(slide) -> list[str]:
    """The alt texts of a PowerPoint slide's pictures, in groups too."""
    out = []
    for shape in slide.shapes:
        for s in (list(shape.shapes) if shape.shape_type == 6 else [shape]):
            if s.shape_type == 13:
                out.append(s._element.nvPicPr.cNvPr.get("descr"))
    return out


@pytest.mark.parametrize("lesson_id, words, alts", [
    ("ks2-reporting", "Tell a trusted adult.", ["Speech bubble", "Lock", "No-entry sign", "Flag"]),
    ("ks1-grooming", "No means no.",
     ["Pip the penguin points to the rules", "A padlock", "A heart", "A no-entry sign",
      "A worried face", "A speech bubble"]),
    ("ks1-grooming", "Gran video calls.", ["Gran", "A phone", "A question mark", "A gift"]),
])
def test_pictures_in_list_items_and_lines_are_on_their_slide(chat_decks, lesson_id, words, alts):
    """The icons the worksheet prints beside the four steps (Tell, Save, Block, Report), a
    sort table's rows and Pip beside "Pip's rules" are on the slide of those words: tagged
    figures on that PDF page, pictures on that PowerPoint slide."""
    pdf, pptx = chat_decks[lesson_id]
    page = next(n for n, text in enumerate(_pages(pdf)) if words in text)
    on_page = [alt for alt, n in _figures(pdf) if n == page]
    assert all(alt in on_page for alt in alts), (alts, on_page)
    slide = next(s for s in Presentation(pptx).slides if words in _slide_text(s))
    assert all(alt in _pictures(slide) for alt in alts), _pictures(slide)


# --- chats in one column for young pupils (round-5 reviews) -------------------------------

LONG_CHAT = textwrap.dedent("""\
    ## Activity 1: Sam's new friend {15 min}

    Sam is 10. A player called Max sends Sam messages.

    ::: chat Sam
    -- Week 1 --
    Max: You're so good at this game.
    Max: What school do you go to?
    -- Week 2 --
    Max: Your mum sounds strict.
    Max: You can tell me anything.
    -- Week 3 --
    Max: I got you 500 gems.
    Max: Don't tell your friends.
    -- Week 4 --
    Max: Let's move to a private app.
    Max: Send me a photo of you.
    :::

    What could Sam do? Tell a trusted adult.

    ## Plenary {5 min}

    It is never your fault. You will not be in trouble for telling.
    """)


def _chat_deck(make_project, ks):
    from lessonpack.compose import deck_for

    root = make_project({f"{ks}/grooming.md": lesson_md(ks, body=LONG_CHAT)})
    worker = Worker(Settings(str(Project(root).root)))
    return worker, deck_for(worker.inputs.lessons[f"{ks}-grooming"], worker.inputs, [], [])


@pytest.mark.parametrize("ks", ["ks2", "ks3"])
def test_a_long_chat_reads_top_to_bottom(make_project, ks):
    """Reviewers found a KS1 and a KS2 chat in two columns, read across the rows in the
    wrong order.  At KS1/KS2 a chat too long for one slide is cut over slides in one
    column, before a week line, two messages at least a part; at KS3/KS4 two columns only
    when each starts at a week line.  The PowerPoint file draws the same columns."""
    worker, deck = _chat_deck(make_project, ks)
    pieces = [b for s in deck.slides for b in s.blocks if b.kind == "chat"]
    assert sum(len(p.entries) for p in pieces) == 12, [p.entries for p in pieces]
    for piece in pieces:
        assert sum(e[0] in ("message", "mine") for e in piece.entries) >= 2, piece.entries
        assert piece.entries[0][0] == "time", piece.entries[0]
        if piece.split:
            assert ks == "ks3" and piece.entries[piece.split][0] == "time", piece.entries
    if ks == "ks2":
        assert len(pieces) >= 2 and not any(p.split for p in pieces)
        done = worker.run(Job(f"{ks}/{ks}-grooming-slides.pptx", "slides-pptx", ks, f"{ks}-grooming"))
        assert done.ok, done.problems
        import io
        texts = [_slide_text(s) for s in Presentation(io.BytesIO(done.data)).slides
                 if "Sam’s phone" in _slide_text(s)]
        assert len(texts) == len(pieces)
        for text, piece in zip(texts, pieces):       # in the order it is said, top to bottom
            said = [e[2] for e in piece.entries]
            assert [text.index(s) for s in said] == sorted(text.index(s) for s in said), text
    # where two columns are allowed, they each start at a week line (or are not used)
    from lessonpack.slides import SPACE, _chat_fit

    whole = replace(pieces[0].whole or pieces[0], split=0)
    fitted = {k: _chat_fit(whole, k, SPACE) for k in ("ks1", "ks2", "ks3", "ks4")}
    assert fitted["ks1"] is None and fitted["ks2"] is None
    for k in ("ks3", "ks4"):
        assert fitted[k] is not None and whole.entries[fitted[k].split][0] == "time"
    no_week = replace(whole, entries=[e for e in whole.entries * 2 if e[0] != "time"])
    assert _chat_fit(no_week, "ks4", SPACE) is None       # mid-conversation columns: never


def test_no_shipped_ks1_or_ks2_chat_takes_two_columns():
    from lessonpack.compose import deck_for

    worker = Worker(Settings(str(REPO)))
    seen = 0
    for lesson_id, lesson in worker.inputs.lessons.items():
        if lesson_id[:3] in ("ks1", "ks2"):
            deck = deck_for(lesson, worker.inputs, [], [])
            chats = [b for s in deck.slides for b in s.blocks if b.kind == "chat"]
            seen += len(chats)
            assert not any(b.split for b in chats), lesson_id
    assert seen >= 6


def _document_texts(tmp_path, key_stage: str, lesson_id: str) -> dict[str, str]:
    """A shipped lesson's words on each of its documents: slides (PDF and PowerPoint),
    worksheet and teacher notes."""
    worker = Worker(Settings(str(REPO)))
    text = {}
    for kind, name in (("slides", "slides.pdf"), ("slides-pptx", "slides.pptx"),
                       ("worksheet", "worksheet.pdf"), ("teacher-notes", "teacher-notes.pdf")):
        done = worker.run(Job(f"{key_stage}/{lesson_id}-{name}", kind, key_stage, lesson_id))
        assert done.ok, done.problems
        path = tmp_path / name
        path.write_bytes(done.data)
        text[kind] = " ".join(_slide_text(s) for s in Presentation(path).slides) \
            if name.endswith(".pptx") else " ".join(pdf_text(path).split())
    return text


def test_a_projector_block_is_on_the_slides_and_never_printed(tmp_path):
    """ks4-sextortion's model steps (`::: projector`) follow the task on the slides, in the
    PDF and the PowerPoint file, and are on neither the worksheet nor the teacher notes:
    printed under the writing lines they would give the answer away."""
    text = _document_texts(tmp_path, "ks4", "ks4-sextortion")
    step = "Keep the evidence. Delete nothing."
    assert step in text["slides"] and step in text["slides-pptx"]
    assert step not in text["worksheet"] and step not in text["teacher-notes"]
    # the sentence after the block is pupils' text again, printed as before
    assert "staff should never ask you to send or show an image" in text["worksheet"]


def test_a_paper_block_is_printed_and_never_on_the_slides(tmp_path):
    """ks3-sextortion's take-home box (`::: paper`) repeats the projector slide's five steps:
    the worksheet and teacher notes print it, the slides (PDF and PowerPoint) show the steps
    once, so a teacher never clicks on to the same list again."""
    text = _document_texts(tmp_path, "ks3", "ks3-sextortion")
    box, step = "To keep: the way out", "Don't send anything more."
    assert box in text["worksheet"] and box in text["teacher-notes"]
    assert box not in text["slides"] and box not in text["slides-pptx"]
    # the projector slide still shows each step, once
    assert text["slides"].count(step) == 1 and text["slides-pptx"].count(step) == 1
    assert text["worksheet"].count(step) == 1


def _card_lesson(para: str) -> str:
    """A lesson body whose one activity is a story card of three copies of `para`."""
    return textwrap.dedent(f"""\
        ## Activity 1: What helps {{40 min}}

        ::: scenario If things get worse
        {para}

        {para}

        {para}
        :::

        ## Plenary {{5 min}}

        It is never your fault. You will not be in trouble for telling.
        """)


def test_a_story_card_without_a_picture_is_measured_at_the_whole_width(make_project):
    """A scenario card with no picture beside it is drawn across the whole slide: it is
    measured there too, so one that fits stays on one slide (KS4 isolation's "If things
    get worse" was measured beside a picture it never had and spread over two slides)."""
    para = "Sam tells a trusted adult at home, keeps the chat, then blocks and reports the account."
    worker, deck = _deck(make_project, body=_card_lesson(para))
    cards = [s for s in deck.slides if "If things get worse" in s.text()]
    assert len(cards) == 1 and cards[0].aside is None, [s.text() for s in cards]
    assert cards[0].text().count("keeps the chat") == 3
    # as built: the whole card on one page of the slides PDF, and it fits there
    result = worker.run(Job("ks2/ks2-grooming-slides.pdf", "slides", "ks2", "ks2-grooming"))
    assert result.ok and not result.layout, (result.problems, result.layout)
    pages = [_page_text(result.data, n) for n in range(len(deck.slides))]
    assert sum(b"If things get worse" in p for p in pages) == 1


def test_a_story_card_a_little_too_long_takes_smaller_type_not_a_second_slide(make_project):
    """A card that would be cut into two half-empty slides is first tried in smaller type
    (never below the 16 pt floor), in the PDF and in PowerPoint alike."""
    import io

    from pptx import Presentation

    from lessonpack import slides as geo

    para = ("Sam tells a trusted adult at home, keeps the chat just as it is, then blocks "
            "and reports the account that sent it.")
    card = geo.Block("story", paras=[((para, ""),)] * 3, title="If things get worse")
    assert geo.height(card, geo.BODY_WIDTH, "ks2") > geo.SPACE      # too long at 22 pt
    worker, deck = _deck(make_project, body=_card_lesson(para))
    cards = [s for s in deck.slides if "If things get worse" in s.text()]
    assert len(cards) == 1, [s.text() for s in cards]
    size = geo.block_pt(cards[0].blocks[-1], "ks2")
    assert geo.MIN_PT <= size < geo.body_pt("ks2")
    pdf = worker.run(Job("ks2/ks2-grooming-slides.pdf", "slides", "ks2", "ks2-grooming"))
    assert pdf.ok and not pdf.layout, (pdf.problems, pdf.layout)
    pages = [_page_text(pdf.data, n) for n in range(len(deck.slides))]
    assert [p.count(b"reports the account") for p in pages if b"If things get worse" in p] == [3]
    pptx = worker.run(Job("ks2/ks2-grooming-slides.pptx", "slides-pptx", "ks2", "ks2-grooming"))
    assert pptx.ok, pptx.problems
    slide = Presentation(io.BytesIO(pptx.data)).slides[cards[0].number - 1]
    runs = [r for shape in slide.shapes if shape.has_text_frame
            for p in shape.text_frame.paragraphs for r in p.runs if "reports the account" in r.text]
    assert len(runs) == 3 and all(r.font.size.pt == size for r in runs), \
        [(r.text, r.font.size and r.font.size.pt) for r in runs]


def test_who_can_help_is_printed_large_when_its_slides_have_room(make_project):
    """Three services at KS2 take two "Who can help" slides either way: each is printed in
    the bigger type and QR code of a lone service (it was the usual size on two half-empty
    slides), in the PDF and PowerPoint alike, and still fits."""
    import io

    from pptx import Presentation

    from lessonpack import slides as geo

    worker, deck = _deck(make_project, signposting=["childline", "ceop", "police-emergency"])
    help_slides = [s for s in deck.slides if s.title == "Who can help"]
    assert len(help_slides) == 2 and help_slides[-1] is deck.slides[-1]
    assert all(b.large for s in help_slides for b in s.blocks if b.kind == "helplines")
    pdf = worker.run(Job("ks2/ks2-grooming-slides.pdf", "slides", "ks2", "ks2-grooming"))
    assert pdf.ok and not pdf.layout, (pdf.problems, pdf.layout)
    pptx = worker.run(Job("ks2/ks2-grooming-slides.pptx", "slides-pptx", "ks2", "ks2-grooming"))
    assert pptx.ok, pptx.problems
    slides = Presentation(io.BytesIO(pptx.data)).slides
    names = {r.text: r.font.size.pt for s in help_slides
             for shape in slides[s.number - 1].shapes if shape.has_text_frame
             for p in shape.text_frame.paragraphs for r in p.runs
             if r.text in ("Childline", "CEOP Safety Centre", "Police emergency")}
    assert names == dict.fromkeys(("Childline", "CEOP Safety Centre", "Police emergency"),
                                  geo.body_pt("ks2") + 2), names


@pytest.mark.parametrize("items", [4, 5])
def test_a_sub_heading_is_never_dropped_when_the_title_cannot_take_it(make_project, items):
    """A list too long to share a slide with its sub-heading moves the heading into the slide
    title; "Activity 1: The law, and the way out" already has a colon, so the heading stays
    a line of its own (it used to vanish from the PDF and the PowerPoint)."""
    from lessonpack.slides import plain

    steps = "\n".join(f"- Step {i}: keep every message and tell a trusted adult at school "
                      "or at home today." for i in range(items))
    body = ("## Activity 1: The law, and the way out {45 min}\n\nRead the story together.\n\n"
            f"### Four steps if someone threatens you\n\n{steps}\n\n"
            "It is never your fault. You will not be in trouble for telling.\n")
    _worker, deck = _deck(make_project, body=body)
    shown = [s.title + " " + " ".join(plain(p) for b in s.blocks for p in (b.paras or []))
             for s in deck.slides]
    assert any("Four steps if someone threatens you" in text for text in shown)


def test_a_profile_without_a_bio_makes_its_slide(make_project, tmp_path):
    body = ("## Activity 1: Who is lena_16? {45 min}\n\n::: profile\nname: lena_16\nage: 16 (says)\n"
            "friends: 3\n:::\n\nIt is never your fault. You will not be in trouble for telling.\n")
    root = make_project({"ks2/grooming.md": lesson_md(body=body)})
    worker = Worker(Settings(str(Project(root).root)))
    made = {}
    for kind, name in (("slides", "slides.pdf"), ("slides-pptx", "slides.pptx")):
        done = worker.run(Job(f"ks2/ks2-grooming-{name}", kind, "ks2", "ks2-grooming"))
        assert done.ok, done.problems
        made[kind] = tmp_path / name
        made[kind].write_bytes(done.data)
    assert any("lena_16" in page and "16 (says)" in page for page in _pages(made["slides"]))


def test_a_numbered_list_in_a_story_card_keeps_its_numbers_on_the_slide(make_project):
    """"To keep: the way out" is five steps in order: on the slide, as on paper, 1 to 5."""
    from lessonpack.slides import plain

    body = ("## Activity 1: The way out {45 min}\n\n::: scenario To keep: the way out\n"
            "1. Stop replying.\n2. Tell a trusted adult.\n3. Keep the evidence.\n:::\n\n"
            "::: scenario Who can help\n- A teacher.\n- Childline.\n:::\n\n"
            "It is never your fault. You will not be in trouble for telling.\n")
    _worker, deck = _deck(make_project, body=body)
    cards = {b.title: [plain(p) for p in b.paras] for s in deck.slides for b in s.blocks
             if b.kind == "story"}
    assert cards["To keep: the way out"] == ["1. Stop replying.", "2. Tell a trusted adult.",
                                             "3. Keep the evidence."]
    assert cards["Who can help"] == ["• A teacher.", "• Childline."]
