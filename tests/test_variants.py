"""Print variants, fillable worksheets and page craft, measured on the real PDFs.

One small KS2 lesson that uses every building block is built once per module in all
four variants (and once more with --fillable); each test then reads the PDFs with
pdfplumber, pypdf, pdffonts, pdftoppm or zbarimg.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import textwrap
from pathlib import Path

import pdfplumber
import pytest
import tinycss2
from click.testing import CliRunner
from pypdf import PdfReader

from conftest import REPO, lesson_md, pdf_text
from lessonpack.cli import main
from lessonpack.helplines import load_registry

MM = 72 / 25.4
VARIANTS = ("standard", "large-print", "dyslexia", "greyscale")
CSS = REPO / "templates" / "css"

BODY = textwrap.dedent("""\
    ## Starter

    Sam plays a game online. A new player says *hi* to Sam.

    ::: scenario Sam's new game friend
    Sam is 9. A player called Star sends Sam a gift. Star asks Sam to keep it a secret.
    :::

    ::: student
    Who can Sam tell? Write one name.

    ::: lines 2

    What could Sam do? Tick the good ideas.

    ::: ticks
    - Tell a grown-up at home.
    - Keep the secret.
    :::

    Is it safe? Tick one box for each.

    ::: sort
    - A friend from school says hi.
    - A player asks for a photo.
    :::

    Draw Sam telling a grown-up.

    ::: box 6

    Write a kind note to Sam.

    ::: box 2

    ::: trusted-adults
    :::

    ::: answer
    ANSWER-TEXT: Sam can tell a parent or a teacher.
    :::

    ::: teacher
    TEACHER-TEXT: Allow five minutes for this task.
    :::

    ## Plenary

    ::: remember
    It is never your fault. You will not be in trouble for telling.
    :::
    """)


def run(root: Path, *args: str):
    result = CliRunner().invoke(main, ["--project", str(root), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("variants") / "proj"
    (root / "lessons" / "ks2").mkdir(parents=True)
    shutil.copytree(REPO / "data", root / "data")
    (root / "lessons/ks2/grooming.md").write_text(lesson_md(body=BODY), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def built(project) -> Path:
    """Every variant of the worksheet and teacher notes (checks on: no DRAFT marks)."""
    run(project, "build", "--variant", "all", "--lesson", "ks2-grooming", "--jobs", "1")
    return project / "output"


def doc(out: Path, kind: str, variant: str) -> Path:
    suffix = "" if variant == "standard" else f"-{variant}"
    return out / "ks2" / f"ks2-grooming-{kind}{suffix}.pdf"


def char_sizes(path: Path) -> list[float]:
    with pdfplumber.open(path) as pdf:
        return [round(c["size"], 2) for page in pdf.pages for c in page.chars if c["text"].strip()]


def fonts(path: Path) -> set[str]:
    """Embedded font names as pdffonts lists them, without the subset prefix or hyphens
    ('Open-Sans-Italic' → 'OpenSansItalic')."""
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return {re.sub(r"^[A-Z]{6}\+", "", line.split()[0]).replace("-", "")
            for line in out.splitlines()[2:] if line.strip()}


def render_ppm(path: Path, page: int, dpi: int) -> tuple[int, int, bytes]:
    """One page as raw RGB via pdftoppm's PPM (P6) output: (width, height, pixels)."""
    data = subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), str(path)],
                          capture_output=True, check=True).stdout      # PPM on stdout
    fields, pos = [], 0
    while len(fields) < 4:                      # magic, width, height, maxval
        while data[pos:pos + 1].isspace():
            pos += 1
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    assert fields[0] == b"P6" and fields[3] == b"255"
    width, height = int(fields[1]), int(fields[2])
    pixels = data[pos + 1:]
    assert len(pixels) == width * height * 3
    return width, height, pixels


def rgb_triples(pixels: bytes):
    return zip(pixels[0::3], pixels[1::3], pixels[2::3])


# --- variants ---------------------------------------------------------------------

def test_variant_all_builds_every_variant_with_contract_names(built):
    names = sorted(p.name for p in (built / "ks2").glob("*.pdf"))
    # --lesson builds the lesson's documents and the pack and class set that hold them
    assert names == sorted([f"ks2-grooming-{kind}{'' if v == 'standard' else '-' + v}.pdf"
                            for kind in ("worksheet", "teacher-notes") for v in VARIANTS] +
                           [f"ks2-{kind}{'' if v == 'standard' else '-' + v}.pdf"
                            for kind in ("pack", "worksheets") for v in VARIANTS] +
                           [f"ks2-grooming-slides{'' if v == 'standard' else '-' + v}.pdf"
                            for v in ("standard", "dyslexia", "greyscale")])
    # each variant changes the layout or the paint
    assert len({doc(built, "worksheet", v).read_bytes() for v in VARIANTS}) == 4


@pytest.mark.parametrize("kind", ["worksheet", "teacher-notes"])
def test_large_print_sets_every_character_at_16pt_or_more(built, kind):
    standard = char_sizes(doc(built, kind, "standard"))
    large = char_sizes(doc(built, kind, "large-print"))
    assert statistics.median(standard) < 16          # the measure can fail
    assert statistics.median(large) >= 16
    assert min(large) >= 15.9, f"smallest text in large print is {min(large)} pt"
    # headings are larger than the body text
    assert max(large) >= 1.5 * statistics.median(large)


def test_large_print_puts_each_key_word_above_its_meaning(built):
    """One column: the glossary's two columns collapse to term, then meaning beneath."""
    def positions(path):
        with pdfplumber.open(path) as pdf:
            words = pdf.pages[0].extract_words()
        i = next(i for i, w in enumerate(words) if w["text"] == "trusted")
        assert [w["text"] for w in words[i:i + 4]] == ["trusted", "adult", "a", "grown-up"]
        return words[i], words[i + 2]        # "trusted" and the meaning's first word
    term, meaning = positions(doc(built, "worksheet", "standard"))
    assert abs(term["top"] - meaning["top"]) < 2 and meaning["x0"] > term["x1"]
    term, meaning = positions(doc(built, "worksheet", "large-print"))
    assert meaning["top"] > term["bottom"] and abs(meaning["x0"] - term["x0"]) < 2 * MM


def test_large_print_answer_spaces_are_taller(built):
    def box_height(path):
        """Height of the 6-row answer box: the rounded box just below its question."""
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                words = page.extract_words()
                for i, w in enumerate(words):
                    if [x["text"] for x in words[i:i + 3]] == ["Draw", "Sam", "telling"]:
                        below = [c for c in page.curves if 0 < c["top"] - w["bottom"] < 15 * MM]
                        return min(below, key=lambda c: c["top"])["height"]
        raise AssertionError("question not found")
    assert box_height(doc(built, "worksheet", "large-print")) > \
        1.3 * box_height(doc(built, "worksheet", "standard"))


@pytest.mark.parametrize("kind", ["worksheet", "teacher-notes"])
def test_dyslexia_paper_is_cream_not_white(built, kind):
    width, height, pixels = render_ppm(doc(built, kind, "dyslexia"), 1, 20)
    triples = list(rgb_triples(pixels))
    corner = triples[0]
    assert all(abs(a - b) <= 2 for a, b in zip(corner, (0xFD, 0xF6, 0xE3))), corner
    white = sum(1 for t in triples if t == (255, 255, 255))
    assert white / len(triples) < 0.01
    # the standard page is white, so the measure can tell them apart
    _, _, pixels = render_ppm(doc(built, kind, "standard"), 1, 20)
    assert next(rgb_triples(pixels)) == (255, 255, 255)


@pytest.mark.parametrize("kind", ["worksheet", "teacher-notes"])
def test_dyslexia_sets_text_in_andika_without_italics(built, kind):
    standard = fonts(doc(built, kind, "standard"))
    dyslexia = fonts(doc(built, kind, "dyslexia"))
    assert any(f.startswith("OpenSans") for f in standard)
    assert any(f.startswith("Andika") for f in dyslexia)
    assert not any(f.startswith("OpenSans") for f in dyslexia), dyslexia
    assert not any("Italic" in f or "Oblique" in f for f in dyslexia), dyslexia
    if kind == "worksheet":                        # *hi* is in italics on the standard sheet
        assert any("Italic" in f for f in standard)


def test_dyslexia_avoids_block_capitals(built):
    assert "WORKSHEET" in pdf_text(doc(built, "worksheet", "standard"))
    text = pdf_text(doc(built, "worksheet", "dyslexia"))
    assert "WORKSHEET" not in text and "Worksheet" in text


def test_dyslexia_lines_stay_short_and_text_left_aligned(built):
    with pdfplumber.open(doc(built, "teacher-notes", "dyslexia")) as pdf:
        page = pdf.pages[0]
        lines = page.extract_text_lines()
        longest = max(len(line["text"]) for line in lines)
        lefts = [round(line["x0"]) for line in lines if len(line["text"]) > 40]
    assert longest <= 80, longest
    assert statistics.mode(lefts) >= 20 * MM       # 22 mm margins: a narrower measure


@pytest.mark.parametrize("kind", ["worksheet", "teacher-notes"])
def test_greyscale_has_no_coloured_pixel(built, kind):
    pages = len(PdfReader(str(doc(built, kind, "greyscale"))).pages)
    for page in range(1, pages + 1):
        _, _, pixels = render_ppm(doc(built, kind, "greyscale"), page, 30)
        worst = max(max(r, g, b) - min(r, g, b) for r, g, b in rgb_triples(pixels))
        assert worst <= 3, f"page {page} has a coloured pixel (channel spread {worst})"
    _, _, pixels = render_ppm(doc(built, kind, "standard"), 1, 30)
    assert max(max(t) - min(t) for t in rgb_triples(pixels)) > 40


def _is_colour(token) -> bool:
    """A hash or rgb()/rgba() colour whose channels differ (not black, white or grey)."""
    if token.type == "hash":
        value = token.value
        if len(value) in (3, 4):
            value = "".join(c * 2 for c in value[:3])
        if not re.fullmatch(r"[0-9a-fA-F]{6}([0-9a-fA-F]{2})?", value):
            return False
        r, g, b = (int(value[i:i + 2], 16) for i in (0, 2, 4))
        return len({r, g, b}) > 1
    if token.type == "function" and token.lower_name in ("rgb", "rgba"):
        numbers = [t.value for t in token.arguments if t.type in ("number", "percentage")][:3]
        return len(set(numbers)) > 1
    return False


def _walk_tokens(tokens):
    for token in tokens:
        yield token
        if token.type == "function":
            yield from _walk_tokens(token.arguments)


def _declarations(css: str, *, coloured: bool) -> set[tuple[str, str]]:
    """(selector, property family) of each declaration in css – only those that set a hue
    when `coloured`.  Margin boxes count as '@page@top-left'; 'border-left' is 'border'."""
    found = set()

    def visit(rules, outer=""):
        for rule in rules:
            if rule.type == "qualified-rule":
                selectors = [s.strip() for s in tinycss2.serialize(rule.prelude).split(",")]
            elif rule.type == "at-rule" and rule.content is not None:
                selectors = [(outer + "@" + rule.lower_at_keyword + tinycss2.serialize(rule.prelude)).strip()]
                inner = tinycss2.parse_blocks_contents(rule.content, skip_whitespace=True, skip_comments=True)
                visit([r for r in inner if r.type != "declaration"], selectors[0])
            else:
                continue
            for decl in tinycss2.parse_blocks_contents(rule.content, skip_whitespace=True, skip_comments=True):
                if decl.type != "declaration":
                    continue
                if coloured and not any(_is_colour(t) for t in _walk_tokens(decl.value)):
                    continue
                family = decl.lower_name if decl.lower_name.startswith("--") \
                    else decl.lower_name.split("-")[0]
                found.update((" ".join(s.split()), family) for s in selectors)

    visit(tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True))
    return found


def test_greyscale_overrides_every_colour_in_print_css():
    """Static guard for colours the test lesson does not show (draft marks, packs,
    the DSL box): each coloured declaration in print.css is re-declared, for the same
    selector, in variant-greyscale.css; greyscale itself sets no hue."""
    base = _declarations((CSS / "print.css").read_text(encoding="utf-8"), coloured=True)
    grey_css = (CSS / "variant-greyscale.css").read_text(encoding="utf-8")
    assert len(base) > 20                               # the parser sees print.css's colours
    missing = sorted(base - _declarations(grey_css, coloured=False))
    assert not missing, f"colours in print.css with no greyscale override: {missing}"
    assert not _declarations(grey_css, coloured=True)


# --- page craft -------------------------------------------------------------------

@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("kind", ["worksheet", "teacher-notes"])
def test_nothing_is_printed_within_12mm_of_the_paper_edge(built, kind, variant):
    with pdfplumber.open(doc(built, kind, variant)) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            width, height = page.width, page.height
            marks = page.chars + page.images + [
                o for o in page.rects + page.lines + page.curves
                if not (o["width"] > width - 1 and o["height"] > height - 1)]  # the page background
            for o in marks:
                gaps = (o["x0"], o["top"], width - o["x1"], height - o["bottom"])
                assert min(gaps) >= 12 * MM - 0.5, \
                    f"page {number}: {o.get('text', o.get('object_type'))!r} is " \
                    f"{min(gaps) / MM:.1f} mm from the edge"


def test_letter_paper_keeps_the_margins(project, tmp_path):
    school = tmp_path / "school.yml"
    school.write_text("school:\n  name: Margin Test School\npaper: letter\n", encoding="utf-8")
    out = tmp_path / "out"
    run(project, "build", "--lesson", "ks2-grooming", "--config", str(school), "--out", str(out),
        "--variant", "large-print", "--jobs", "1")
    with pdfplumber.open(out / "ks2/ks2-grooming-worksheet-large-print.pdf") as pdf:
        page = pdf.pages[0]
        assert round(page.width) == 612 and round(page.height) == 792
        for p in pdf.pages:
            for c in p.chars:
                assert min(c["x0"], c["top"], p.width - c["x1"], p.height - c["bottom"]) >= 12 * MM - 0.5


CONTENT_MM = 297 - 18 - 20          # A4 minus print.css's top and bottom margins


def _pages_of(html_body: str, extra_css: Path | None = None) -> list[str]:
    """Lay out a fragment with print.css (and extra rules); the text of each page."""
    import io

    from lessonpack.pdf import Renderer

    renderer = Renderer(allowed=[REPO / "templates"], stylesheets=[CSS / "print.css"])
    html = ('<html lang="en-GB"><head><title>t</title></head><body class="worksheet ks-ks2">'
            f'<article class="document worksheet-doc">{html_body}</article></body></html>')
    result = renderer.to_pdf(html, base_url=REPO / "templates",
                             extra_css=[extra_css] if extra_css else [])
    return [page.extract_text() for page in PdfReader(io.BytesIO(result.pdf)).pages]


PAGE_FOOT_CASES = {
    # what would be stranded at the foot of page 1: a question above its answer box …
    "question": ('<p>QUESTION-HERE</p><div class="answer-box rows-8" style="--rows: 8"></div>',
                 ".answer-box { break-before: auto; }", "QUESTION-HERE", 14),
    # … a heading above its first paragraph …
    "heading": ('<h2>HEADING-HERE</h2><p>' + "First words of the section. " * 30 + '</p>',
                "h2 { break-after: auto; }", "HEADING-HERE", 22),
    # … the top half of a story card.
    "card": ('<div class="card scenario"><p class="card-title">CARD-TITLE</p>' +
             "<p>A line of the story.</p>" * 14 + "</div>",
             ".card { break-inside: auto; }", "CARD-TITLE", 40),
}


@pytest.mark.parametrize("case", sorted(PAGE_FOOT_CASES))
def test_page_breaks_never_strand_a_question_heading_or_card(case, tmp_path):
    """With print.css the marked text moves to page 2 with what belongs to it; with the
    one rule that does it switched off, it stays at the foot of page 1 – so the layout
    really is at the edge and the rule is what keeps things together."""
    fragment, rule_off, marker, room = PAGE_FOOT_CASES[case]
    filler = f'<div style="height: {CONTENT_MM - room}mm"></div>'
    kept = _pages_of(filler + fragment)
    assert marker not in kept[0] and marker in kept[1], kept
    off = tmp_path / "rule-off.css"
    off.write_text(rule_off, encoding="utf-8")
    split = _pages_of(filler + fragment, off)
    assert marker in split[0], split


# --- fillable worksheets ----------------------------------------------------------

@pytest.fixture(scope="module")
def fillable(project, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fillable")
    run(project, "build", "--fillable", "--lesson", "ks2-grooming", "--out", str(out), "--jobs", "1")
    return out


def test_fillable_worksheet_has_text_fields_and_check_boxes(fillable):
    reader = PdfReader(str(doc(fillable, "worksheet", "standard")))
    fields = reader.get_fields()
    text = {n: f for n, f in fields.items() if f.get("/FT") == "/Tx"}
    boxes = {n: f for n, f in fields.items() if f.get("/FT") == "/Btn"}
    # name + date, lines 2, box 6, box 2, the hand's five fingers and palm
    assert len(text) == 2 + 3 + 6, sorted(text)
    # two tick-list items, two sort rows x three columns, lesson_md's baseline (3 x 3) twice
    assert len(boxes) == 2 + 2 * 3 + 2 * 3 * 3, sorted(boxes)
    multiline = [n for n, f in text.items() if int(f.get("/Ff", 0)) & (1 << 12)]
    assert len(multiline) == 3 + 6
    # one widget per field: names are unique within the document
    widgets = [a.get_object() for page in reader.pages for a in page.get("/Annots", [])
               if a.get_object().get("/Subtype") == "/Widget"]
    assert len(widgets) == len(fields)
    assert len({str(w["/T"]) for w in widgets}) == len(widgets)
    # tooltips say what each field is for
    tips = {str(f.get("/TU")) for f in fields.values()}
    assert "Answer to: Who can Sam tell? Write one name." in tips
    assert "Answer to: Draw Sam telling a grown-up." in tips
    assert "Tell a grown-up at home." in tips
    assert "A player asks for a photo. – Unsafe" in tips
    assert {"Your name", "Trusted adult 1", "Trusted adult 5"} <= tips


def test_fillable_answer_fields_are_sized_by_their_rows(fillable):
    reader = PdfReader(str(doc(fillable, "worksheet", "standard")))
    heights = {}
    for page in reader.pages:
        for annot in page.get("/Annots", []):
            annot = annot.get_object()
            tip = str(annot.get("/TU", ""))
            rect = [float(v) for v in annot["/Rect"]]
            heights[tip] = abs(rect[3] - rect[1])
    six = heights["Answer to: Draw Sam telling a grown-up."]
    two = heights["Answer to: Write a kind note to Sam."]
    assert six / two == pytest.approx(3, rel=0.02)
    assert six == pytest.approx(6 * 2.2 * 12.5, abs=1)    # six rows of 2.2em at KS2's 12.5 pt


def test_fillable_worksheet_prints_exactly_like_the_paper_one(fillable, built):
    """Same pages, same words in the same places: the fields lie over the printed rules."""
    def words(path):
        with pdfplumber.open(path) as pdf:
            return [[(w["text"], round(w["x0"]), round(w["top"])) for w in page.extract_words()]
                    for page in pdf.pages]
    paper, form = doc(built, "worksheet", "standard"), doc(fillable, "worksheet", "standard")
    # within 1 pt: a form embeds its font whole, so glyph positions round a hair differently
    for page_form, page_paper in zip(words(form), words(paper), strict=True):
        assert [w[0] for w in page_form] == [w[0] for w in page_paper]
        assert all(abs(a[1] - b[1]) <= 1 and abs(a[2] - b[2]) <= 1
                   for a, b in zip(page_form, page_paper))
    with pdfplumber.open(paper) as a, pdfplumber.open(form) as b:
        for pa, pb in zip(a.pages, b.pages):
            shapes = lambda p: sorted((round(o["x0"]), round(o["top"]), round(o["width"]), round(o["height"]))
                                      for o in p.rects + p.lines + p.curves)
            assert shapes(pa) == shapes(pb)


def test_only_worksheets_are_fillable(fillable):
    assert PdfReader(str(doc(fillable, "worksheet", "standard"))).get_fields()
    assert not PdfReader(str(doc(fillable, "teacher-notes", "standard"))).get_fields()


# --- QR codes ---------------------------------------------------------------------

def test_qr_codes_decode_to_their_helpline_urls(built):
    registry = load_registry(REPO / "data/helplines.yml")
    expected = {registry[h].url for h in ("childline", "ceop") if registry[h].qr}
    assert expected
    path = doc(built, "worksheet", "standard")
    last = len(PdfReader(str(path)).pages)         # "Who can help" closes the worksheet
    png = path.parent / "qr-page"
    subprocess.run(["pdftoppm", "-r", "150", "-f", str(last), "-l", str(last), "-png", "-singlefile",
                    str(path), str(png)], check=True)
    out = subprocess.run(["zbarimg", "-q", "--raw", f"{png}.png"], capture_output=True, text=True)
    assert set(out.stdout.split()) == expected


def test_greyscale_crest_is_grey(make_project, cli):
    """A colour PNG crest is converted: the greyscale page has no coloured pixel at all."""
    from test_school import png, school_yml

    root = make_project(files={"school/school.yml": school_yml().replace("crest.svg", "crest.png"),
                               "school/crest.png": png(16, 16, (200, 30, 30))})
    result = cli(root, "build", "--jobs", "1", "--lesson", "ks2-grooming", "--variant", "all",
                 "--config", root / "school/school.yml")
    assert result.exit_code == 0, result.output
    grey = root / "output/ks2/ks2-grooming-worksheet-greyscale.pdf"
    _, _, pixels = render_ppm(grey, 1, 30)
    assert max(max(t) - min(t) for t in rgb_triples(pixels)) <= 3
    colour = root / "output/ks2/ks2-grooming-worksheet.pdf"
    _, _, pixels = render_ppm(colour, 1, 30)
    assert any(r > 150 and g < 80 for r, g, b in rgb_triples(pixels))  # the red crest
