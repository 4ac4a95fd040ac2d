"""The shipped lesson library: every lesson exists, builds, signposts and reassures,
and no answer or teacher-only sentence ever reaches a worksheet.

The library is built with --no-check, so one content fault fails the gate test
(test_checks.py::test_shipped_library_passes_every_gate) instead of turning every
test here into an error."""

from __future__ import annotations

import re
import subprocess
from collections import Counter

import pytest

from conftest import REPO, build_shipped, pdf_text, structure_of, tagged_text
from test_fixed_expectations import REASSURANCE, UK_PHONE_RE, VERIFIED, plain
from lessonpack.helplines import load_registry
from lessonpack.lessons import TOPICS, parse_lesson
from lessonpack.markdown import TEACHER, render_body
from lessonpack.yamlfile import load_yaml_mapping

EXPECTED = [f"{ks}-{t}" for ks in ("ks1", "ks2") for t in TOPICS[:3]] + \
           [f"{ks}-{t}" for ks in ("ks3", "ks4") for t in TOPICS] + ["parents-guide"]
REGISTRY = load_registry(REPO / "data/helplines.yml")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Every lesson's documents (no packs), built once with the real CLI, gates off."""
    return build_shipped(tmp_path_factory.mktemp("library"), EXPECTED, jobs=2)


def test_every_expected_lesson_exists():
    found = sorted(parse_lesson(p, p.name).id for p in (REPO / "lessons").glob("*/*.md"))
    assert found == sorted(EXPECTED)


VERIFIED_PHONES = {phone for phone, _web, _email in VERIFIED.values() if phone}


@pytest.mark.parametrize("lesson_id", [e for e in EXPECTED if e != "parents-guide"])
def test_worksheet_signposts_and_reassures(built, lesson_id):
    """Childline (and CEOP from KS2) with their verified details, no unverified number, and
    the Remember box itself – its exact lines, after its heading – not just the words,
    which lesson bodies use too."""
    ks = lesson_id[:3]
    text = plain(built / ks / f"{lesson_id}-worksheet.pdf")
    assert "Childline" in text and "0800 1111" in text and "childline.org.uk" in text
    if ks != "ks1":   # an address may be hyphenated at a line end: compare without hyphens
        assert "CEOP" in text and "ceop.police.uk/safetycentre" in text.replace("-", "")
    assert set(UK_PHONE_RE.findall(text)) <= VERIFIED_PHONES
    box = text[text.rindex("Remember"):]
    position = 0
    for line in REASSURANCE[ks]:
        assert line in box[position:], (lesson_id, line)
        position = box.index(line, position) + len(line)


@pytest.mark.parametrize("lesson_id", [e for e in EXPECTED if e != "parents-guide"])
def test_teacher_notes_carry_the_safeguarding_box(built, lesson_id):
    text = pdf_text(built / lesson_id[:3] / f"{lesson_id}-teacher-notes.pdf")
    assert set(UK_PHONE_RE.findall(text)) <= VERIFIED_PHONES
    assert re.search(r"Police emergency\W+999\b", text), "the box's 999 line"
    for needed in ("0808 800 5000", "Designated Safeguarding Lead", "Ground rules",
                   "If a child tells you something", "Never promise to keep it secret",
                   "Tell the Designated Safeguarding Lead straight away – always the same day"):
        assert needed in text, (lesson_id, needed)


def test_parents_guide_signposts(built):
    text = pdf_text(built / "parents" / "parents-guide.pdf")
    assert set(UK_PHONE_RE.findall(text)) <= VERIFIED_PHONES
    for needed in ("0808 800 5000", "help@nspcc.org.uk", "CEOP", "Childline", "never their fault"):
        assert needed in text


def _sentences(el) -> list[str]:
    text = " ".join("".join(el.itertext()).split())
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 6]


@pytest.mark.parametrize("lesson_id", [e for e in EXPECTED if e != "parents-guide"])
def test_no_answer_or_teacher_text_reaches_the_worksheet(built, lesson_id):
    path = REPO / "lessons" / lesson_id[:3] / f"{lesson_id[4:]}.md"
    lesson = parse_lesson(path, path.name, known_helplines=REGISTRY)
    teacher = render_body(lesson, TEACHER, REGISTRY).tree
    hidden = [s for div in teacher.iter("div") if div.get("class") in ("answer", "teacher")
              for child in div if child.get("class") != "label" for s in _sentences(child)]
    assert hidden, "every lesson has model answers and teacher notes"
    # The tag tree in reading order: no page furniture, no DRAFT mark, and the teacher notes'
    # task-beside-answer columns read one after the other, not interleaved line by line.
    worksheet = squash(tagged_text(built / lesson_id[:3] / f"{lesson_id}-worksheet.pdf"))
    # sentences also written outside blocks, or printed by the Remember box, are fine
    allowed = squash(_outside_blocks(lesson) + " ".join(REASSURANCE[lesson.key_stage]))
    leaked = [s for s in hidden if squash(s) in worksheet and squash(s) not in allowed]
    assert not leaked, leaked
    # the same matching does find every one of those sentences where they belong
    notes = squash(tagged_text(built / lesson_id[:3] / f"{lesson_id}-teacher-notes.pdf"))
    assert [s for s in hidden if squash(s) not in notes] == []
    # and the worksheet really is the pupils' version: no model-answer label
    assert "Model answer" not in worksheet


def squash(text: str) -> str:
    """Letters and digits only: bullets, quotes and line-end hyphens do not hide a sentence."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _outside_blocks(lesson) -> str:
    from lessonpack.markdown import WORKSHEET, scan

    found = scan(lesson.body, first_line=lesson.body_line, shown="x")
    lines = lesson.body.split("\n")
    return " ".join(" ".join(lines[n - lesson.body_line] for n, seen in found.audience.items()
                             if TEACHER in seen and WORKSHEET in seen).split())


@pytest.mark.parametrize("lesson_id", [e for e in EXPECTED if e != "parents-guide"])
def test_worksheet_has_pictures_and_mock_ups_within_four_sides(built, lesson_id):
    """Issue 12's bar for the shipped library: KS1/KS2 worksheets carry at least two of our
    illustrations, KS3/KS4 at least one chat or profile mock-up; QR codes and the crest do
    not count.  (Four sides at most is the layout gate's, on the printed – not draft –
    documents: test_checks.py::test_shipped_library_passes_every_gate.)"""
    import pikepdf

    path = built / lesson_id[:3] / f"{lesson_id}-worksheet.pdf"
    with pikepdf.open(path) as pdf:
        figures = [str(e.get("/Alt", "")) for e in structure_of(pdf.Root.StructTreeRoot)
                   if str(e.get("/S", "")) == "/Figure"]
    pictures = [alt for alt in figures if alt and not alt.startswith("QR code for") and
                not alt.endswith(" crest")]
    html = _worksheet_html(lesson_id)
    mock_ups = html.count('class="chat"') + html.count('class="profile"')
    if lesson_id[:3] in ("ks1", "ks2"):
        assert len(pictures) >= 2, (lesson_id, figures)
    else:
        assert mock_ups >= 1, lesson_id
        assert "’s phone" in tagged_text(path) or "'s phone" in tagged_text(path) or \
            "Age:" in tagged_text(path)


def _worksheet_html(lesson_id: str) -> str:
    path = REPO / "lessons" / lesson_id[:3] / f"{lesson_id[4:]}.md"
    lesson = parse_lesson(path, path.name, known_helplines=REGISTRY)
    from lessonpack.markdown import WORKSHEET
    return render_body(lesson, WORKSHEET, REGISTRY).html


@pytest.mark.parametrize("lesson_id", [e for e in EXPECTED if e != "parents-guide"])
def test_the_reviews_red_lines_hold(built, lesson_id):
    """Issue 13's acceptance on what is printed: no primary worksheet tells pupils to
    screenshot (the adult saves evidence), no worksheet promises 'whatever has happened',
    no document names an internal file, every KS3/KS4 worksheet shows 999."""
    ks = lesson_id[:3]
    worksheet = plain(built / ks / f"{lesson_id}-worksheet.pdf")
    notes = plain(built / ks / f"{lesson_id}-teacher-notes.pdf")
    if ks in ("ks1", "ks2"):
        assert not re.search(r"screen ?shot", worksheet, re.I), lesson_id
    assert "whatever has happened" not in worksheet.lower()
    for text in (worksheet, notes):
        assert not re.search(r"safeguarding-facts|\.md\b|§", text), lesson_id
    if ks in ("ks3", "ks4"):
        assert re.search(r"\b999\b", worksheet), lesson_id


def test_a_ks1_character_who_opens_a_paragraph_is_drawn_beside_it_not_word_sized(built):
    # ks1-reporting: "![Pip …](art:pip-pointing) 1. **Stop.** …" – Pip stands beside the
    # three steps (about 22 mm wide), so their first word starts well in from the margin
    out = subprocess.run(["pdftotext", "-bbox", str(built / "ks1" / "ks1-reporting-worksheet.pdf"), "-"],
                         capture_output=True, text=True, check=True).stdout
    width = float(re.search(r'<page width="([\d.]+)"', out).group(1))
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', out)
    margin = min(float(x) for x, _, _ in words)
    stop = next(i for i, (_, _, w) in enumerate(words) if w == "Stop.")
    line_y = words[stop][1]
    first_x = min(float(x) for x, y, _ in words if y == line_y)
    assert (first_x - margin) / width * 210 > 15, "Pip is printed at the height of a word"
