"""The core engine: one lesson → worksheet + teacher notes, manifest, metadata, CLI."""

from __future__ import annotations


import hashlib
import json

import pikepdf
import pytest
from pypdf import PdfReader

from conftest import REPO, lesson_md, pdf_pages, pdf_text, public_sources
from lessonpack.errors import LessonpackError
from lessonpack.helplines import load_registry
from lessonpack.lessons import parse_lesson
from lessonpack.markdown import GUIDE, TEACHER, WORKSHEET, render_body, scan

REGISTRY = load_registry(REPO / "data/helplines.yml")


def lesson_from(tmp_path, text: str, rel: str = "ks2/grooming.md"):
    path = tmp_path / "lessons" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return parse_lesson(path, f"lessons/{rel}", known_helplines=REGISTRY)


BODY = """\
Shared intro for everyone.

::: student
Pupil task only.

::: lines 2
::: ticks
- tick one
- tick two
:::
:::

::: teacher
Teacher guidance only.
:::

::: answer
Model answer only.
:::

Call [[childline.name]] on [[childline.phone]].
"""


def test_audience_blocks_reach_only_their_document(tmp_path):
    lesson = lesson_from(tmp_path, lesson_md(body=BODY))
    worksheet = render_body(lesson, WORKSHEET, REGISTRY).html
    teacher = render_body(lesson, TEACHER, REGISTRY).html
    assert "Shared intro" in worksheet and "Shared intro" in teacher
    # the teacher sees the pupils' task too, marked and beside its answer, without ruled lines
    assert "Pupil task only" in worksheet and "Pupil task only" in teacher
    assert "Pupils&#39; task" in teacher or "Pupils' task" in teacher
    assert "Pupils' task" not in worksheet and "Pupils&#39; task" not in worksheet
    assert teacher.count('class="rule"') == 0 and "[2 lines to write on]" in teacher
    assert "Teacher guidance only" in teacher and "Teacher guidance only" not in worksheet
    assert "Model answer only" in teacher and "Model answer only" not in worksheet
    own = worksheet.split('<section class="baseline">')[0]      # before lesson_md's baseline
    assert own.count('class="rule"') == 2 and own.count('class="tickbox"') == 2
    assert "Childline</span> on <span" in worksheet and "0800 1111" in worksheet


def test_raw_html_and_template_syntax_are_printed_as_text(tmp_path):
    body = "Hello <script>alert(1)</script> {{ 7*7 }} {% if true %}x{% endif %}\n"
    lesson = lesson_from(tmp_path, lesson_md(body=body))
    html = render_body(lesson, WORKSHEET, REGISTRY).html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "{{ 7*7 }}" in html and "49" not in html


def test_unclosed_block_names_its_line(tmp_path):
    text = lesson_md(body="Intro\n\n::: student\nNever closed.\n")
    lesson = lesson_from(tmp_path, text)
    found = scan(lesson.body, first_line=lesson.body_line, shown=lesson.shown, registry=REGISTRY)
    opening = text.split("\n").index("::: student") + 1
    assert [str(p) for p in found.problems] == [
        f"lessons/ks2/grooming.md:{opening}: '::: student' is never closed; add a line ':::' where it ends"]


def test_front_matter_problems_are_collected_with_lines(tmp_path):
    text = lesson_md(key_stage="ks5", duration_minutes="an hour", colour="blue")
    with pytest.raises(LessonpackError) as info:
        lesson_from(tmp_path, text)
    messages = [str(p) for p in info.value.problems]
    assert "lessons/ks2/grooming.md:4: front matter 'key_stage': unknown key stage 'ks5' " \
           "(expected ks1, ks2, ks3, ks4 or parents)" in messages
    assert any(m.startswith("lessons/ks2/grooming.md:6: front matter 'duration_minutes': expected a whole number")
               for m in messages)
    assert any("front matter 'colour': unknown key" in m for m in messages)


def test_build_makes_both_documents_with_metadata(make_project, cli):
    filler = "".join(f"\n## Part {n}\n\nSam asks a grown-up for help.\n" for n in range(25))
    root = make_project({"ks2/grooming.md": lesson_md(body=BODY + filler)})  # two pages at least
    result = cli(root, "build", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert "built 6 documents" in result.output   # worksheet, notes, slides (PDF, PowerPoint), pack, class set
    worksheet = root / "output/ks2/ks2-grooming-worksheet.pdf"
    teacher = root / "output/ks2/ks2-grooming-teacher-notes.pdf"
    ws_text, tn_text = pdf_text(worksheet), pdf_text(teacher)
    assert "Pupil task only" in ws_text and "Model answer only" not in ws_text
    assert "Teacher guidance only" in tn_text and "Model answer only" in tn_text
    assert "Shared intro" in tn_text and "Pupil task only" in tn_text
    for path, kind in ((worksheet, "Worksheet"), (teacher, "Teacher notes")):
        reader = PdfReader(str(path))
        assert reader.metadata.title == "Test lesson ks2 grooming"  # contract: = lesson title
        with pikepdf.open(path) as pdf:
            assert str(pdf.Root.Lang) == "en-GB"
            assert "/StructTreeRoot" in pdf.Root
        assert "Page 1 of" in reader.pages[0].extract_text()
        # running header carries the lesson title from page 2 on
        assert len(reader.pages) >= 2
        assert "Test lesson ks2 grooming" in reader.pages[1].extract_text()


def test_manifest_lists_exactly_the_files_with_checksums(make_project, cli):
    root = make_project({"ks1/grooming.md": lesson_md("ks1", "grooming"),
                         "ks2/grooming.md": lesson_md()})
    assert cli(root, "build", "--jobs", "1").exit_code == 0
    out = root / "output"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["generator"] == "lessonpack 0.1.0"
    on_disk = sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                     if p.suffix in (".pdf", ".pptx"))
    assert [d["path"] for d in manifest["documents"]] == on_disk
    for doc in manifest["documents"]:
        data = (out / doc["path"]).read_bytes()
        assert doc["sha256"] == hashlib.sha256(data).hexdigest()
        assert doc["bytes"] == len(data)
        if doc["kind"] == "slides-pptx":
            from pptx import Presentation
            assert doc["pages"] == len(Presentation(out / doc["path"]).slides)
        else:
            assert doc["pages"] == pdf_pages(out / doc["path"])
        assert doc["variant"] == "standard"
        assert set(doc) == {"path", "kind", "key_stage", "lesson", "variant", "pages", "bytes", "sha256"}
    pack = next(d for d in manifest["documents"] if d["kind"] == "pack" and d["key_stage"] == "ks1")
    assert pack["lesson"] is None
    # a later, partial build keeps listing every file in the folder
    assert cli(root, "build", "--jobs", "1", "--lesson", "ks1-grooming", "--force").exit_code == 0
    again = json.loads((out / "manifest.json").read_text())
    assert [d["path"] for d in again["documents"]] == on_disk


def test_excluding_a_lesson_removes_its_stale_files(make_project, cli):
    root = make_project({"ks1/grooming.md": lesson_md("ks1", "grooming"),
                         "ks2/grooming.md": lesson_md()})
    assert cli(root, "build", "--jobs", "1").exit_code == 0
    (root / "lessons/ks1/grooming.md").unlink()
    assert cli(root, "build", "--jobs", "1").exit_code == 0
    assert not list((root / "output").rglob("ks1*"))
    manifest = json.loads((root / "output/manifest.json").read_text())
    assert all(d["key_stage"] != "ks1" for d in manifest["documents"])


def test_bad_front_matter_exits_1_with_path_line_and_no_traceback(make_project, cli):
    root = make_project({"ks2/grooming.md": lesson_md(key_stage="ks5")})
    result = cli(root, "build", "--jobs", "1")
    assert result.exit_code == 1
    assert "lessons/ks2/grooming.md:4: front matter 'key_stage': unknown key stage 'ks5'" in result.output
    assert "Traceback" not in result.output
    assert not (root / "output").exists()


def test_unknown_option_is_a_usage_error(cli):
    result = cli(REPO, "build", "--colour", "red")
    assert result.exit_code == 2
    assert "Error: No such option '--colour'" in result.output


def test_list_and_clean(make_project, cli):
    root = make_project()
    listed = cli(root, "list")
    assert listed.exit_code == 0
    assert "ks2-grooming  ks2        grooming" in listed.output
    assert cli(root, "build", "--jobs", "1").exit_code == 0
    manifest = json.loads((root / "output/manifest.json").read_text())
    pages = sum(d["pages"] for d in manifest["documents"] if d["lesson"] == "ks2-grooming")
    header, _, row = cli(root, "list").output.splitlines()[:3]
    assert header.split()[-3:] == ["review", "by", "source"]
    assert row.split()[-3:] == [str(pages), "2027-09-01", "shipped"]
    cleaned = cli(root, "clean")
    assert cleaned.exit_code == 0 and not (root / "output").exists()


def test_the_parents_guide_is_one_document(make_project, cli):
    guide = (REPO / "lessons/parents/parents-guide.md").read_text(encoding="utf-8")
    root = make_project({"parents/parents-guide.md": guide})
    assert cli(root, "build", "--jobs", "1", "--no-check").exit_code == 0
    text = pdf_text(root / "output/parents/parents-guide.pdf")
    assert "0808 800 5000" in text and "never their fault" in text
    assert [p.name for p in (root / "output").rglob("*.pdf")] == ["parents-guide.pdf"]


@pytest.mark.parametrize("audience", [WORKSHEET, TEACHER, GUIDE])
def test_every_shipped_lesson_renders_for_every_audience(audience):
    for path in sorted((REPO / "lessons").glob("*/*.md")):
        lesson = parse_lesson(path, path.name, known_helplines=REGISTRY)
        rendered = render_body(lesson, audience, REGISTRY)
        assert not rendered.problems, (path, rendered.problems)
        levels = [level for level, _ in rendered.headings()]
        assert all(b - a <= 1 for a, b in zip([1] + levels, levels)), (path, levels)


def test_unclosed_block_fails_even_a_draft_build(make_project, cli):
    root = make_project({"ks2/grooming.md": lesson_md(body="Intro\n\n::: teacher\nNever closed.\n")})
    result = cli(root, "build", "--jobs", "1", "--no-check")
    assert result.exit_code == 1
    assert "lessons/ks2/grooming.md:" in result.output and "'::: teacher' is never closed" in result.output
    assert not (root / "output").exists()


def test_a_flood_of_brackets_is_refused_before_markdown_sees_it(tmp_path):
    lesson = lesson_from(tmp_path, lesson_md(body="[" * 5000 + "\n"))
    rendered = render_body(lesson, WORKSHEET, REGISTRY)
    assert rendered.html == ""
    assert "5000 '[' characters; a lesson may have at most 1000" in str(rendered.problems[0])


def test_interrupts_during_writing_wait_for_the_manifest():
    import os
    import signal

    from lessonpack.writer import interrupts_deferred

    finished = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            finished.append("wrote everything")
    assert finished == ["wrote everything"]


def test_unknown_lesson_id_suggests_the_closest(make_project, cli):
    root = make_project()
    result = cli(root, "build", "--lesson", "ks2-groming")
    assert result.exit_code == 1
    assert "unknown lesson id 'ks2-groming' (did you mean 'ks2-grooming'?)" in result.output


def test_the_guide_sends_parents_to_the_school_not_to_a_trusted_adult(make_project, cli):
    guide = (REPO / "lessons/parents/parents-guide.md").read_text(encoding="utf-8")
    guide = public_sources(guide)   # keep this test about the guide's text
    root = make_project({"parents/parents-guide.md": guide})
    assert cli(root, "build", "--jobs", "1").exit_code == 0
    text = pdf_text(root / "output/parents/parents-guide.pdf")
    assert "Start with your child's school: the Designated Safeguarding Lead is there to help." in text
    assert "Talk to an adult you trust" not in text


def test_a_data_field_yaml_read_as_a_mapping_is_named_with_its_line(make_project, cli):
    """An unquoted value holding ': ' is a mapping to YAML: the build names the field and
    its line in data/, says what to do, and exits 1 (it was 'internal error: TypeError')."""
    safeguarding = (REPO / "data/safeguarding.yml").read_text(encoding="utf-8")
    told = "    - Keep telling until someone listens and helps.\n"
    helplines = (REPO / "data/helplines.yml").read_text(encoding="utf-8")
    note = next(l for l in helplines.splitlines(keepends=True) if l.startswith("  note: "))
    assert told in safeguarding
    root = make_project(files={
        "data/safeguarding.yml": safeguarding.replace(told, "    - Keep telling: someone listens.\n"),
        "data/helplines.yml": helplines.replace(note, "  note:\n    Open: every day\n", 1)})
    hid = next(l for l in helplines[:helplines.index(note)].splitlines()[::-1]
               if l and not l.startswith((" ", "#"))).rstrip(":")

    def line(text, start):
        return text[:text.index(start)].count("\n") + 1

    for command in (("build", "--jobs", "1"), ("check",)):
        result = cli(root, *command)
        assert result.exit_code == 1, result.output
        assert (f"data/safeguarding.yml:{line(safeguarding, told)}: reassurance.ks2 (item 3) "
                "must be text, got a mapping (put the text in quotes)") in result.output
        assert (f"data/helplines.yml:{line(helplines, note)}: {hid}.note must be text, got a "
                "mapping (put the text in quotes)") in result.output
        assert "Traceback" not in result.output and "internal error" not in result.output
    assert not (root / "output").exists()


def test_the_parents_guide_prints_its_words_and_its_sources(make_project, cli):
    """A parent meets "DSL" and "CEOP" in the glossary first and can open every source."""
    body = "## Talking about it\n\nAsk the DSL. It is never their fault.\n"
    guide = lesson_md("parents", "parents-guide", body=body, id="parents-guide",
                      keywords=["DSL: the Designated Safeguarding Lead, who leads on keeping children safe"],
                      sources=["Childline – About Childline: https://www.childline.org.uk/pages/about"])
    root = make_project({"parents/parents-guide.md": guide})
    assert cli(root, "build", "--jobs", "1", "--no-check").exit_code == 0
    text = " ".join(pdf_text(root / "output/parents/parents-guide.pdf").split())
    assert text.index("Words used in this guide") < text.index("DSL the Designated Safeguarding Lead") \
        < text.index("Talking about it")
    assert text.index("Talking about it") < text.index("Where this advice comes from") < \
        text.index("https://www.childline.org.uk/pages/about")
