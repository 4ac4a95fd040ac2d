"""Worksheet blocks (lessonpack/blocks/): timed headings, art, baseline, chat, profile,
hand and cards, built into real PDFs in every variant from a tiny project whose
templates/art/ holds its own (coloured) pictures."""

from __future__ import annotations

import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from conftest import REPO, lesson_md, pdf_text, plan_tail, structure_of, tagged_text
from lessonpack.cli import main
from test_accessibility import structure
from test_variants import render_ppm, rgb_triples

VARIANTS = ("standard", "large-print", "dyslexia", "greyscale")
# coloured on purpose: the greyscale variant must grey them (hex, rgb() and named colours)
ART = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="100" height="100">' \
      '<circle cx="50" cy="50" r="40" fill="#e59a2f" stroke="rgb(20, 60, 160)" stroke-width="6"/>' \
      '<rect x="35" y="35" width="30" height="30" fill="purple"/></svg>'
ART_NAMES = ("pip-waves", "pip-happy", "icon-gift", "icon-question", "icon-scissors")

BODY = textwrap.dedent("""\
    ## Starter {10 min}

    ![Pip the penguin waves hello](art:pip-waves)

    ::: baseline
    - Someone you meet in a game is always who they say they are.
    - If a secret makes you worried, you should keep it.
    - You can tell a grown-up even if you promised not to.
    :::

    ::: answer
    BASELINE-ANSWER: false, false, true.
    :::

    ## Activity 1: Amara's game chat {20 min}

    ::: chat Amara
    -- Monday 4:15 pm --
    Jay_Goals: wow your castle is amazing!
    Amara: thanks :)
    [Jay_Goals sent 500 gems]
    Jay_Goals: dont tell anyone about the gems ok? its our secret
    :::

    ::: profile
    name: Jay_Goals
    age: 11
    bio: I love football and building games!
    picture: a smiling boy in a football shirt
    friends: 212
    :::

    ::: cards
    - ![A wrapped present](art:icon-gift) A player you don't know sends you free coins.
    - Someone says "let's talk on another app".
    :::

    ::: keep Keep this: the way out
    1. KEEP-STEP: tell a grown-up you trust.
    :::

    ## What I know now {15 min}

    ::: hand My helping hand

    It is never your fault. You will not be in trouble for telling.
    """)


def run(root: Path, *args: str):
    return CliRunner().invoke(main, ["--project", str(root), *args], catch_exceptions=False)


def make(root: Path, body: str = BODY, **front) -> Path:
    (root / "lessons" / "ks2").mkdir(parents=True)
    shutil.copytree(REPO / "data", root / "data")
    (root / "templates" / "art").mkdir(parents=True)
    for name in ART_NAMES:
        (root / "templates" / "art" / f"{name}.svg").write_text(ART, encoding="utf-8")
    (root / "lessons/ks2/grooming.md").write_text(lesson_md(body=body, **front), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = make(tmp_path_factory.mktemp("blocks") / "proj")
    result = run(root, "build", "--variant", "all", "--lesson", "ks2-grooming", "--jobs", "1")
    assert result.exit_code == 0, result.output
    return root / "output" / "ks2"


def doc(out: Path, kind: str, variant: str = "standard") -> Path:
    return out / f"ks2-grooming-{kind}{'' if variant == 'standard' else '-' + variant}.pdf"


# --- every block, every variant -----------------------------------------------------

@pytest.mark.parametrize("variant", VARIANTS)
def test_every_block_prints_in_every_variant(built, variant):
    sheet = tagged_text(doc(built, "worksheet", variant))
    for text in ("Before we start", "What I know now", "Amara's phone",
                 "wow your castle is amazing!", "Jay_Goals sent 500 gems", "Monday 4:15 pm",
                 "Age: 11 (says)", "a smiling boy in a football shirt", "Friends: 212",
                 "I love football and building games!", "Cut out the cards",
                 "sends you free coins.", "My helping hand", "How I could tell them"):
        assert text in sheet, f"{variant}: {text!r} missing"
    assert "{10 min}" not in sheet and "10 min" not in sheet     # no minutes for pupils
    notes = tagged_text(doc(built, "teacher-notes", variant))
    assert "Starter 10 min" in notes and "{" not in notes
    assert "Amara's phone" in notes and "Age: 11 (says)" in notes


@pytest.mark.parametrize("kind", ["worksheet", "teacher-notes"])
def test_greyscale_blocks_and_art_have_no_coloured_pixel(built, kind):
    path = doc(built, kind, "greyscale")
    for page in range(1, len(PdfReader(str(path)).pages) + 1):
        _, _, pixels = render_ppm(path, page, 30)
        worst = max(max(t) - min(t) for t in rgb_triples(pixels))
        assert worst <= 3, f"page {page} has a coloured pixel (channel spread {worst})"
    # the same art is in colour in the standard variant (teacher notes open with the
    # "Lesson at a glance" page, so look at every page)
    standard = doc(built, kind, "standard")
    spreads = [max(max(t) - min(t) for t in rgb_triples(render_ppm(standard, page, 30)[2]))
               for page in range(1, len(PdfReader(str(standard)).pages) + 1)]
    assert max(spreads) > 100


def test_large_print_blocks_are_16pt_or_more(built):
    import pdfplumber
    with pdfplumber.open(doc(built, "worksheet", "large-print")) as pdf:
        small = {c["text"] for page in pdf.pages for c in page.chars
                 if c["text"].strip() and round(c["size"], 2) < 16}
    assert not small, small


# --- art ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["worksheet", "teacher-notes"])
def test_art_is_a_figure_with_its_alt_text(built, kind):
    with pikepdf.open(doc(built, kind)) as pdf:
        alts = [str(e.Alt) for e in structure(pdf) if str(e.S) == "/Figure" and "/Alt" in e]
    assert "Pip the penguin waves hello" in alts
    assert "A wrapped present" in alts               # the card's own icon
    assert "Question mark" in alts                   # the default icon of the other card


def test_art_comes_through_the_template_chain_and_counts_for_the_cache(tmp_path):
    root = make(tmp_path / "p")
    school = tmp_path / "school"
    (school / "overrides" / "templates" / "art").mkdir(parents=True)
    grey = ART.replace("#e59a2f", "#123456")
    (school / "overrides" / "templates" / "art" / "pip-waves.svg").write_text(grey, encoding="utf-8")
    (school / "school.yml").write_text("school:\n  name: Art School\noverrides: overrides/\n",
                                       encoding="utf-8")
    out = tmp_path / "out"
    args = ["--config", str(school / "school.yml"), "--out", str(out), "--lesson", "ks2-grooming",
            "--jobs", "1"]
    first = run(root, "build", *args)
    assert first.exit_code == 0, first.output
    before = doc(out / "ks2", "worksheet").read_bytes()
    assert b"#123456" not in before
    # editing the school's picture makes the worksheet stale: the cache saw the file
    (school / "overrides" / "templates" / "art" / "pip-waves.svg").write_text(
        ART.replace("#e59a2f", "#00aa00"), encoding="utf-8")
    again = run(root, "build", *args)
    assert again.exit_code == 0, again.output
    assert doc(out / "ks2", "worksheet").read_bytes() != before


def line_of(root: Path, needle: str) -> int:
    lines = (root / "lessons/ks2/grooming.md").read_text(encoding="utf-8").split("\n")
    return next(i for i, text in enumerate(lines, 1) if needle in text)


def test_unknown_art_and_missing_alt_fail_check_with_file_and_line(tmp_path):
    body = BODY.replace("(art:pip-waves)", "(art:pip-wave)").replace("[A wrapped present]", "[]")
    root = make(tmp_path / "p", body)
    result = run(root, "check")
    assert result.exit_code == 1
    where = "lessons/ks2/grooming.md"
    assert f"{where}:{line_of(root, 'art:pip-wave')}: art: unknown art 'pip-wave' " \
           "(did you mean 'pip-waves'?)" in result.output
    assert f"{where}:{line_of(root, '![](art:icon-gift)')}: alt-text: art 'icon-gift' has no " \
           "alt text" in result.output


# --- baseline ----------------------------------------------------------------------

STATEMENT = "You can tell a grown-up even if you promised not to."


def test_baseline_twice_on_the_worksheet_once_for_the_teacher(built):
    sheet = pdf_text(doc(built, "worksheet"))
    assert sheet.count(STATEMENT) == 2
    assert sheet.index("Before we start") < sheet.index(STATEMENT) < sheet.index("Amara's phone")
    last = sheet.rindex(STATEMENT)
    assert sheet.rindex("What I know now") < last < sheet.index("Remember")
    assert "BASELINE-ANSWER" not in sheet
    notes = pdf_text(doc(built, "teacher-notes"))
    assert notes.count(STATEMENT) == 1 and "BASELINE-ANSWER" in notes
    with pikepdf.open(doc(built, "worksheet")) as pdf:
        tables = [e for e in structure(pdf) if str(e.S) == "/Table"]
        heads = [sum(1 for k in structure_of(t) if str(k.S) == "/TH") for t in tables]
    assert heads.count(4) == 2                      # Statement | True | False | Not sure, twice


def test_a_keep_box_ends_the_worksheet_but_stays_in_place_for_the_teacher(built):
    # pupils work the steps out in Activity 1; the box they take home prints after
    # "What I know now", never under the task, and before Remember
    sheet = pdf_text(doc(built, "worksheet"))
    assert sheet.count("KEEP-STEP") == 1
    assert sheet.rindex("What I know now") < sheet.index("Keep this: the way out") \
        < sheet.index("KEEP-STEP") < sheet.index("Remember")
    notes = pdf_text(doc(built, "teacher-notes"))
    assert notes.index("Cut out the cards") < notes.index("KEEP-STEP") < notes.rindex("What I know now")
    assert "The worksheet prints this box at the end" in notes
    assert "The worksheet prints this box" not in sheet


def test_baseline_columns_and_fillable_fields(tmp_path):
    body = BODY.replace("::: baseline\n", "::: baseline Yes | No | Not sure\n")
    root = make(tmp_path / "p", body)
    result = run(root, "build", "--fillable", "--lesson", "ks2-grooming", "--jobs", "1")
    assert result.exit_code == 0, result.output
    sheet = root / "output/ks2/ks2-grooming-worksheet.pdf"
    assert "Statement Yes No Not sure" in pdf_text(sheet)
    fields = PdfReader(str(sheet)).get_fields()
    titles = [f.get("/TU") for f in fields.values()]
    boxes = [t for t in titles if t and t.startswith("You can tell a grown-up")]
    assert len(boxes) == 6                          # 3 columns, before and after
    assert len(set(fields)) == len(fields)
    for n in range(1, 6):
        assert f"Trusted adult {n}" in titles
    assert "Palm" in titles


def test_a_lesson_without_one_baseline_fails_check(tmp_path):
    root = make(tmp_path / "p", BODY.replace("::: baseline", "::: ticks"))
    result = run(root, "check")
    assert result.exit_code == 1
    assert f"lessons/ks2/grooming.md:{line_of(root, '## Starter')}: baseline: no '::: baseline'" \
        in result.output


# --- timings -----------------------------------------------------------------------

def test_minutes_that_do_not_add_up_fail_check_with_the_sum(tmp_path):
    root = make(tmp_path / "p", BODY + "\n::: teacher\nAllow 5–10 minutes for questions.\n:::\n",
                duration_minutes=60)
    result = run(root, "check")
    assert result.exit_code == 1
    assert f"lessons/ks2/grooming.md:{line_of(root, 'duration_minutes')}: timings: activities add " \
           "up to 45 min (10 + 20 + 15) but duration_minutes is 60" in result.output
    assert f"grooming.md:{line_of(root, 'Allow 5–10')}: timings: '5–10 minutes'" in result.output


def test_a_lesson_with_no_timed_activity_fails_check(tmp_path):
    root = make(tmp_path / "p", re.sub(r" \{\d+ min\}", "", BODY))
    result = run(root, "check")
    assert result.exit_code == 1
    assert "no timed activity" in result.output


def test_teacher_headings_carry_minutes_and_stay_headings(built):
    with pikepdf.open(doc(built, "teacher-notes")) as pdf:
        h2 = [e for e in structure(pdf) if str(e.S) == "/H2"]
    assert len(h2) >= 3
    text = tagged_text(doc(built, "teacher-notes"))
    assert "Activity 1: Amara's game chat 20 min" in text


# --- chat --------------------------------------------------------------------------

def test_chat_reads_in_order_with_speakers(built):
    for path in (doc(built, "worksheet"), doc(built, "teacher-notes")):
        text = tagged_text(path)
        order = ["Monday 4:15 pm", "Jay_Goals: wow your castle is amazing!", "Amara: thanks :)",
                 "Jay_Goals sent 500 gems",
                 "Jay_Goals: dont tell anyone about the gems ok? its our secret"]
        positions = [text.find(s) for s in order]
        assert -1 not in positions, (path.name, positions, text[:2000])
        assert positions == sorted(positions)
        printed = pdf_text(path)          # pdftotext: each message after its speaker, in order
        at = printed.index("Amara's phone")
        for piece in ("Monday 4:15 pm", "Jay_Goals", "wow your castle", "Amara", "thanks :)",
                      "Jay_Goals sent 500 gems", "Jay_Goals", "dont tell anyone"):
            at = printed.index(piece, at + 1)


@pytest.mark.parametrize("chat, message", [
    ("::: chat Noah\nJay_Goals wow\n:::", "is none of"),
    ("::: chat Noah\n\n:::", "has no messages"),
    ("::: chat\nJay_Goals: hi\n:::", "name the phone's owner"),
    ("::: profile\nname: Jay\nheight: 150cm\n:::", "unknown profile key 'height'"),
    ("::: profile\nage: 11\n:::", "needs a 'name"),
])
def test_bad_chat_and_profile_lines_are_errors_with_their_line(tmp_path, chat, message):
    root = make(tmp_path / "p", BODY.replace("It is never your fault.", chat + "\n\nIt is never your fault."))
    result = run(root, "check")
    assert result.exit_code == 1
    fence = line_of(root, "It is never your fault.") - 1 - len(chat.split("\n"))
    bad = fence + 1 if "wow" in chat else fence + 2 if "height" in chat else fence
    assert f"lessons/ks2/grooming.md:{bad}: " in result.output
    assert message in result.output


# --- hand --------------------------------------------------------------------------

def test_trusted_adults_prints_the_hand(tmp_path):
    root = make(tmp_path / "p", BODY.replace("::: hand My helping hand", "::: trusted-adults"))
    result = run(root, "build", "--lesson", "ks2-grooming", "--jobs", "1")
    assert result.exit_code == 0, result.output
    sheet = pdf_text(root / "output/ks2/ks2-grooming-worksheet.pdf")
    assert "My trusted adults" in sheet and "How I could tell them" in sheet


MM = 72 / 25.4


@pytest.mark.parametrize("variant", ["standard", "large-print"])
def test_each_finger_of_the_hand_is_wide_enough_to_write_a_name(tmp_path, variant):
    """A 7-year-old writes "Grandma" or "Mr Okafor" in each finger's space: at least 25 mm
    wide (the thumb too) and 15 mm tall, and no two spaces overlap (read from the form
    fields, which --fillable lays exactly over the printed boxes)."""
    root = make(tmp_path / "p")
    result = run(root, "build", "--fillable", "--variant", variant, "--lesson", "ks2-grooming",
                 "--jobs", "1")
    assert result.exit_code == 0, result.output
    suffix = "" if variant == "standard" else "-" + variant
    reader = PdfReader(str(root / f"output/ks2/ks2-grooming-worksheet{suffix}.pdf"))
    rects = {}
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            title = str(annot.get("/TU") or annot.get("/Parent", {}).get("/TU", ""))
            if title.startswith("Trusted adult") or title == "Palm":
                x0, y0, x1, y1 = (float(v) for v in annot["/Rect"])
                rects[title] = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    assert sorted(rects) == ["Palm"] + [f"Trusted adult {n}" for n in range(1, 6)]
    for title, (x0, y0, x1, y1) in rects.items():
        assert x1 - x0 >= 25 * MM, f"{variant}: {title} is {(x1 - x0) / MM:.1f} mm wide"
        assert y1 - y0 >= 15 * MM, f"{variant}: {title} is {(y1 - y0) / MM:.1f} mm tall"
    boxes = list(rects.values())
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)


# The drawing's shapes, from templates/art/hand.svg itself: each writing space must lie on
# its own finger, so a redrawn hand or a moved space that no longer fits fails here.

def _hand_shapes(svg: Path) -> tuple[tuple[float, float], dict]:
    """(viewBox width, height) and {id: (x, y, w, h, rx, angle, cx, cy)} of the drawing's
    rounded rectangles (fingers 1–5, thumb first, and the palm)."""
    import xml.etree.ElementTree as ET
    root = ET.parse(svg).getroot()
    _, _, vw, vh = (float(v) for v in root.get("viewBox").split())
    shapes = {}
    for el in root.iter("{http://www.w3.org/2000/svg}rect"):
        if el.get("id"):
            angle, cx, cy = 0.0, 0.0, 0.0
            if turn := re.fullmatch(r"rotate\(([-\d.]+) ([-\d.]+) ([-\d.]+)\)", el.get("transform", "")):
                angle, cx, cy = (float(v) for v in turn.groups())
            shapes[el.get("id")] = (*(float(el.get(k)) for k in ("x", "y", "width", "height", "rx")),
                                    angle, cx, cy)
    return (vw, vh), shapes


def _inside(shape, px: float, py: float, inset: float) -> bool:
    """Is the point at least `inset` inside the rounded rectangle (negative: near it)?"""
    import math
    x, y, w, h, r, angle, cx, cy = shape
    if angle:
        a = math.radians(-angle)
        dx, dy = px - cx, py - cy
        px, py = cx + dx * math.cos(a) - dy * math.sin(a), cy + dx * math.sin(a) + dy * math.cos(a)
    x, y, w, h, r = x + inset, y + inset, w - 2 * inset, h - 2 * inset, max(r - inset, 0.0)
    if not (x <= px <= x + w and y <= py <= y + h):
        return False
    qx, qy = min(max(px, x + r), x + w - r), min(max(py, y + r), y + h - r)
    return (px - qx) ** 2 + (py - qy) ** 2 <= r * r + 1e-6


def _edge_points(x: float, y: float, w: float, h: float, n: int = 12):
    for i in range(n + 1):
        t = i / n
        yield from ((x + t * w, y), (x + t * w, y + h), (x, y + t * h), (x + w, y + t * h))


def _laid_out_hands(root: Path, jobs) -> dict:
    """{job path: [(drawing box, {spot: writing space box})]} in CSS px, each box (x, y, w, h),
    read from WeasyPrint's laid-out boxes as the layout gate reads them."""
    from lessonpack.project import Project
    from lessonpack.worker import Settings, Worker, stylesheets_for

    def classes(box) -> set[str]:
        element = getattr(box, "element", None)
        return set((element.get("class") or "").split()) if element is not None else set()

    def kids(box) -> list:
        return list(getattr(box, "children", None) or [])

    worker = Worker(Settings(str(Project(root).root)))
    found = {}
    for job in jobs:
        doc, *_ = worker.renderer._render(  # noqa: SLF001 - the boxes, as the layout gate reads them
            worker.compose(job).html, base_url=worker.project.lessons,
            extra_css=stylesheets_for(worker.templates, job, worker.inputs.paper))
        hands = []
        todo = [page._page_box for page in doc.pages]  # noqa: SLF001
        while todo:
            box = todo.pop()
            if "hand-figure" not in classes(box):
                todo += kids(box)
                continue
            drawing, spaces, inner = None, {}, kids(box)
            while inner:
                b = inner.pop()
                if "art-hand" in classes(b):
                    drawing = (b.content_box_x(), b.content_box_y(), b.width, b.height)
                elif "hand-spot" in classes(b):
                    (spot,) = classes(b) - {"hand-spot"}
                    spaces[spot] = (b.border_box_x(), b.border_box_y(), b.border_width(), b.border_height())
                inner += kids(b)
            hands.append((drawing, spaces))
        found[job.path] = hands
    return found


PX_MM = 96 / 25.4
INSET = 2     # units of the 360-wide drawing: about 1 mm on a worksheet


def test_every_writing_space_lies_inside_its_own_finger(tmp_path):
    """The round-3 reviews: on the KS2 worksheet two finger boxes straddled the outline
    between two fingers and the little finger's hung outside the hand; the KS1 boxes were
    25 x 18 mm.  Laid out in every variant, at KS1 and KS2 and in the teacher notes, each
    space (read from WeasyPrint's boxes, mapped onto templates/art/hand.svg) lies inside its
    own finger (the thumb is finger-1), by about 1 mm on a worksheet, and as far clear of
    every other finger and of the palm (the palm's clear of the thumb), and is at least
    25 mm wide and 20 mm tall on a worksheet."""
    from lessonpack.plan import Job

    root = make(tmp_path / "p")
    (root / "lessons" / "ks1").mkdir()
    (root / "lessons" / "ks1" / "reporting.md").write_text(lesson_md(
        "ks1", "reporting", body="## Starter {30 min}\n\n::: hand My helping hand\n\n" + plan_tail(15)),
        encoding="utf-8")
    jobs = [Job(f"{ks}/{lesson}-worksheet{'' if v == 'standard' else '-' + v}.pdf", "worksheet", ks, lesson, v)
            for ks, lesson in (("ks1", "ks1-reporting"), ("ks2", "ks2-grooming")) for v in VARIANTS]
    jobs.append(Job("ks2/ks2-grooming-teacher-notes.pdf", "teacher-notes", "ks2", "ks2-grooming"))
    (vw, vh), shapes = _hand_shapes(REPO / "templates" / "art" / "hand.svg")
    assert sorted(shapes) == ["finger-1", "finger-2", "finger-3", "finger-4", "finger-5", "palm"]
    for path, hands in _laid_out_hands(root, jobs).items():
        assert len(hands) == 1, path
        (dx, dy, dw, dh), spaces = hands[0]
        assert sorted(spaces) == sorted(shapes), path
        sx, sy = dw / vw, dh / vh                          # CSS px per drawing unit
        for spot, (x, y, w, h) in spaces.items():
            if "teacher" not in path:
                assert w >= 25 * PX_MM and h >= 20 * PX_MM, \
                    f"{path}: {spot} is {w / PX_MM:.1f} x {h / PX_MM:.1f} mm"
            for px, py in _edge_points(x, y, w, h):
                u, v = (px - dx) / sx, (py - dy) / sy
                assert _inside(shapes[spot], u, v, INSET), \
                    f"{path}: {spot}'s space leaves its finger at ({u:.0f}, {v:.0f})"
                # a finger's space is off the palm; under the palm the fingers don't show
                others = [o for o in shapes if o != spot
                          and not (spot == "palm" and o in ("finger-2", "finger-3", "finger-4", "finger-5"))]
                over = [o for o in others if _inside(shapes[o], u, v, -INSET)]
                assert not over, f"{path}: {spot}'s space runs onto {over} at ({u:.0f}, {v:.0f})"
