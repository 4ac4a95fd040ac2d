"""A school's own packs: school.yml, overrides, per-key-stage packs, the letter."""

from __future__ import annotations

import json
import re
import textwrap

import pikepdf
import pytest
from pypdf import PdfReader

from conftest import REPO, lesson_md, pdf_text

CREST = (REPO / "examples" / "crest.svg").read_text(encoding="utf-8")


def png(width: int = 8, height: int = 8, rgb=(31, 79, 103)) -> bytes:
    """A tiny solid PNG, made without an imaging library."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def school_yml(**extra: str) -> str:
    base = textwrap.dedent("""\
        school:
          name: Hillside Test Academy
          logo: crest.svg
        dsl:
          name: Ms Dee Ess-Ell
          phone: 01632 960111
          email: dsl@hillside.example
          where: the blue office
        deputy_dsl: {name: Mr Deputy Person, phone: 01632 960112}
        contacts:
          - {name: Hillside children's services, phone: 01632 960113}
        """)
    return base + "".join(f"{k}: {v}\n" for k, v in extra.items())


@pytest.fixture
def school_project(make_project):
    def make(config: str, lessons: dict | None = None, files: dict | None = None):
        lessons = lessons or {
            "ks1/grooming.md": lesson_md("ks1", "grooming", curriculum=["rshe-p-being-safe"]),
            "ks2/grooming.md": lesson_md("ks2", "grooming"),
            "ks2/isolation.md": lesson_md("ks2", "isolation"),
        }
        all_files = {"school/school.yml": config, "school/crest.svg": CREST}
        all_files.update(files or {})
        return make_project(lessons, files=all_files)
    return make


def test_school_details_show_where_they_belong(school_project, cli):
    root = school_project(school_yml(lessons="{exclude: [ks2-isolation]}"))
    result = cli(root, "build", "--jobs", "1", "--config", root / "school/school.yml")
    assert result.exit_code == 0, result.output
    out = root / "output"
    for worksheet in out.rglob("*-worksheet.pdf"):
        assert "Hillside Test Academy" in pdf_text(worksheet)
    for notes in out.rglob("*-teacher-notes.pdf"):
        text = pdf_text(notes)
        for detail in ("Ms Dee Ess-Ell", "01632 960111", "dsl@hillside.example", "the blue office",
                       "Mr Deputy Person", "Hillside children's services: 01632 960113"):
            assert detail in text, (notes.name, detail)
    # excluded lesson: no documents, not in its pack
    assert not list(out.rglob("ks2-isolation*"))
    assert "Test lesson ks2 isolation" not in pdf_text(out / "ks2/ks2-pack.pdf")
    assert "Test lesson ks2 grooming" in pdf_text(out / "ks2/ks2-pack.pdf")
    manifest = json.loads((out / "manifest.json").read_text())
    kinds = {d["kind"] for d in manifest["documents"]}
    assert kinds == {"worksheet", "teacher-notes", "pack", "worksheets", "parents-letter", "slides",
                     "slides-pptx"}


def test_crest_is_embedded_in_worksheets_and_cover(school_project, cli):
    root = school_project(school_yml().replace("logo: crest.svg", "logo: crest.png"),
                          files={"school/crest.png": png()})
    assert cli(root, "build", "--jobs", "1", "--config", root / "school/school.yml",
               "--key-stage", "ks2").exit_code == 0
    for name in ("ks2/ks2-grooming-worksheet.pdf", "ks2/ks2-pack.pdf"):
        with pikepdf.open(root / "output" / name) as pdf:
            images = list(pikepdf.Page(pdf.pages[0]).get_images().values())
            assert len(images) == 1, name
            assert (int(images[0].Width), int(images[0].Height)) == (8, 8)


def test_without_config_the_dsl_line_is_there_to_fill_in(make_project, cli):
    root = make_project()
    assert cli(root, "build", "--jobs", "1", "--lesson", "ks2-grooming").exit_code == 0
    text = pdf_text(root / "output/ks2/ks2-grooming-teacher-notes.pdf")
    assert "Your school's DSL:" in text


def test_pack_has_cover_contents_bookmarks_and_page_numbers(school_project, cli):
    root = school_project(school_yml())
    assert cli(root, "build", "--jobs", "1", "--config", root / "school/school.yml",
               "--key-stage", "ks2").exit_code == 0
    pack = root / "output/ks2/ks2-pack.pdf"
    reader = PdfReader(str(pack))
    cover = reader.pages[0].extract_text()
    assert "Hillside Test Academy" in cover and "Key Stage 2" in cover
    contents = " ".join(reader.pages[1].extract_text().split())
    assert "Contents" in contents
    assert "Test lesson ks2 grooming" in contents and "Test lesson ks2 isolation" in contents
    assert "Teacher notes" in contents and "Worksheet" in contents
    # contents entries carry real page numbers: the teacher notes of the first lesson start on page 3
    assert "page 3" in contents
    assert "Test lesson ks2 grooming" in reader.pages[2].extract_text()
    titles = [o.title for o in reader.outline if not isinstance(o, list)]
    assert "Test lesson ks2 grooming" in titles and "Test lesson ks2 isolation" in titles
    children = [o.title for item in reader.outline if isinstance(item, list) for o in item
                if not isinstance(o, list)]
    assert "Teacher notes" in children and "Worksheet" in children
    # each page keeps its own document's "Page n of N"; the pack number is in the corner
    last = reader.pages[-1].extract_text()
    assert re.search(r"Page (\d+) of \1", last) and str(len(reader.pages)) in last.split()


def test_override_template_and_lesson(school_project, cli):
    files = {
        "school/overrides/templates/worksheet.html":
            '{% extends "!builtin/worksheet.html" %}{% block content %}'
            '<p>OVERRIDE-BANNER</p>{{ super() }}{% endblock %}',
        "school/overrides/lessons/ks2/grooming.md":
            lesson_md("ks2", "grooming", title="Our own grooming lesson"),
        "school/overrides/lessons/ks2/reporting.md":
            lesson_md("ks2", "reporting", title="A lesson only our school has"),
    }
    root = school_project(school_yml(overrides="overrides/"), files=files)
    result = cli(root, "build", "--jobs", "1", "--config", root / "school/school.yml", "--key-stage", "ks2")
    assert result.exit_code == 0, result.output
    worksheet = pdf_text(root / "output/ks2/ks2-grooming-worksheet.pdf")
    assert "OVERRIDE-BANNER" in worksheet and "Our own grooming lesson" in worksheet
    assert "Who can help" in worksheet  # the extended built-in is still there
    assert (root / "output/ks2/ks2-reporting-worksheet.pdf").is_file()
    assert "A lesson only our school has" in pdf_text(root / "output/ks2/ks2-pack.pdf")


def test_override_that_drops_the_remember_box_fails_check(school_project, cli):
    files = {"school/overrides/templates/partials/remember.html": "<p>nothing here</p>"}
    quiet = "## Starter\n\nSam plays a game. A new friend says hi.\n"
    lessons = {"ks2/grooming.md": lesson_md("ks2", "grooming", body=quiet)}
    root = school_project(school_yml(overrides="overrides/"), lessons=lessons, files=files)
    result = cli(root, "check", "--config", root / "school/school.yml")
    assert result.exit_code == 1
    assert "signpost: the worksheet never says it is not the child's fault" in result.output


def test_bad_config_gives_three_messages_and_writes_nothing(school_project, cli):
    config = school_yml().replace("  phone: 01632 960111\n", "  fone: 01632 960111\n") \
                         .replace("logo: crest.svg", "logo: missing-crest.png")
    config += "paper: [A4]\n"
    root = school_project(config)
    result = cli(root, "build", "--jobs", "1", "--config", root / "school/school.yml")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    shown = str(root / "school/school.yml")
    assert f"{shown}:6: 'dsl.fone': unknown key (did you mean 'phone'?)" in result.output
    assert f"{shown}:3: 'school.logo': file not found: missing-crest.png" in result.output
    assert f"{shown}:12: 'paper': expected text (A4 or letter), got list ['A4']" in result.output
    assert not (root / "output").exists()


@pytest.mark.parametrize("line, message", [
    ("paper: A5", "'paper': unknown paper size 'A5' (expected A4 or letter)"),
    ("variant: sparkly", "'variant': unknown variant 'sparkly'"),
    ("lessons: {include: [ks2-groming]}", "'lessons.include.0': unknown lesson id 'ks2-groming' "
                                          "(did you mean 'ks2-grooming'?)"),
    ("lessons: {key_stages: [ks5]}", "'lessons.key_stages.0': unknown key stage 'ks5'"),
])
def test_bad_values_name_the_key(school_project, cli, line, message):
    root = school_project(school_yml() + line + "\n")
    result = cli(root, "check", "--config", root / "school/school.yml")
    assert result.exit_code == 1
    assert message in result.output, result.output


def test_letter_paper_and_parents_letter(school_project, cli):
    root = school_project(school_yml(paper="letter"))
    assert cli(root, "build", "--jobs", "1", "--config", root / "school/school.yml").exit_code == 0
    box = PdfReader(str(root / "output/ks2/ks2-grooming-worksheet.pdf")).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    letter = root / "output/parents/letter.pdf"
    reader = PdfReader(str(letter))
    assert len(reader.pages) == 1
    text = pdf_text(letter)
    assert "Hillside Test Academy" in text and "Ms Dee Ess-Ell" in text
    assert "Key Stage 1" in text and "Key Stage 2" in text
    assert "0808 800 5000" in text  # NSPCC helpline for parents


def test_example_config_is_valid(cli):
    result = cli(REPO, "check", "--config", REPO / "examples/school.yml")
    # the config is accepted and every lesson checked (the lessons' own findings are
    # test_checks.py's business)
    assert "school.yml" not in result.output and re.search(r"checked \d+ lessons", result.output), result.output
    from lessonpack.config import load_config
    assert load_config(REPO / "examples/school.yml").step_out.place == "the quiet room next to the library"
