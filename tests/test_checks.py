"""The content gates: each rule, seeded once into a copy of a real lesson, is found
at its exact path:line, and `check` exits 1; the shipped library passes."""

from __future__ import annotations

import json
import re

import pytest

from pypdf import PdfReader

from conftest import REPO, lesson_md, pdf_text

REAL = "ks2/grooming.md"
SHOWN = "lessons/ks2/grooming.md"
# The lesson the rules are seeded into: a small one that passes every gate, so that these
# tests do not depend on the wording or line numbers of the shipped lessons.
PLENARY_TEXT = "It is never your fault. You will not be in trouble for telling."


def base_lesson() -> list[str]:
    return lesson_md().split("\n")


def line_of(start: str) -> int:
    """1-based line of the first line of the base lesson that starts with `start`."""
    return next(n for n, line in enumerate(base_lesson(), 1) if line.startswith(start))


PLENARY = line_of(PLENARY_TEXT)      # a line of pupils' text in the Plenary
CURRICULUM_LINE = line_of("  - 'rshe-")
OBJECTIVE_LINE = line_of("  - 'I can")
CEOP_LINE = line_of("  - 'ceop'")


def seeded(replace_line: int | None = None, text: str | None = None, *, sub=None) -> str:
    """The base lesson with line N (1-based) replaced, or a regex substitution applied."""
    lines = base_lesson()
    if replace_line is not None:
        lines[replace_line - 1] = text
    source = "\n".join(lines)
    if sub:
        pattern, repl = sub
        source, n = re.subn(pattern, repl, source, count=1, flags=re.M)
        assert n == 1, pattern
    return source


def test_the_seeded_line_is_pupil_text(make_project, cli):
    assert base_lesson()[PLENARY - 1] == PLENARY_TEXT
    assert cli(make_project({REAL: seeded()}), "check").exit_code == 0


def run_check(make_project, cli, source: str, *extra: str):
    root = make_project({REAL: source})
    return cli(root, "check", *extra)


def findings(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("lessons/")]


def test_shipped_library_passes_every_gate(cli):
    result = cli(REPO, "check", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output[: result.output.rindex("}") + 1])
    assert report["errors"] == 0
    assert report["lessons"] == 17


@pytest.mark.parametrize("typed, expected", [
    ("Call 0800 1112 for help.", f"lessons/ks2/grooming.md:{PLENARY}: number: '0800 1112' is not a number "
                                 "in data/helplines.yml – did you mean Childline (0800 1111)"),
    ("Call 0800 1111 for help.", f"lessons/ks2/grooming.md:{PLENARY}: number: '0800 1111' typed by hand: "
                                 "write [[childline.phone]]"),
    ("Visit www.example.com today.", f"lessons/ks2/grooming.md:{PLENARY}: link: 'www.example.com' is not an "
                                     "address in data/helplines.yml"),
    ("Or go to childline.org.uk now.", f"lessons/ks2/grooming.md:{PLENARY}: link: 'childline.org.uk' typed by "
                                       "hand: write [[childline.web]]"),
])
def test_numbers_and_links_come_only_from_the_registry(make_project, cli, typed, expected):
    result = run_check(make_project, cli, seeded(PLENARY, typed))
    assert result.exit_code == 1
    assert any(line.startswith(expected) for line in findings(result)), result.output


def test_unknown_signposting_id_is_an_error(make_project, cli):
    result = run_check(make_project, cli, seeded(sub=(r"^  - 'ceop'$", "  - 'ceop'\n  - 'chidline'")))
    assert result.exit_code == 1
    assert f"lessons/ks2/grooming.md:{CEOP_LINE + 1}: front matter 'signposting': " \
           "unknown helpline 'chidline' (did you mean 'childline'?)" in result.output


def test_ks2_must_signpost_ceop(make_project, cli):
    result = run_check(make_project, cli, seeded(sub=(r"^  - 'ceop'\n", "")))
    assert result.exit_code == 1
    assert f"lessons/ks2/grooming.md:{line_of('signposting:')}: signpost: KS2 lessons signpost CEOP: " \
           "add 'ceop'" in findings(result)


def test_adult_words_in_pupils_text_name_the_alternative(make_project, cli):
    result = run_check(make_project, cli, seeded(PLENARY, "Nobody should ask for nudes."))
    assert result.exit_code == 1
    assert (f"lessons/ks2/grooming.md:{PLENARY}: age-word: 'nudes' is not for KS2 pupils' text: "
            "'a picture of private parts'") in findings(result)


def test_teacher_text_may_use_adult_words(make_project, cli):
    source = seeded(sub=(r"^::: teacher$", "::: teacher\nCEOP handles reports of sexual abuse online."))
    result = run_check(make_project, cli, source)
    assert not [f for f in findings(result) if "age-word" in f], result.output


@pytest.mark.parametrize("sentence", ["Amara should have known better.",
                                      "Why did you send it, Amara?"])
def test_victim_blaming_is_an_error_with_the_reason(make_project, cli, sentence):
    result = run_check(make_project, cli, seeded(PLENARY, sentence))
    assert result.exit_code == 1
    hits = [f for f in findings(result) if f.startswith(f"lessons/ks2/grooming.md:{PLENARY}: blame: ")]
    assert hits and "victim-blaming language" in hits[0], result.output


def test_negated_phrases_are_not_blame(make_project, cli):
    result = run_check(make_project, cli, seeded(PLENARY, "It is never your own fault. Avoid asking why did you."))
    assert result.exit_code == 0, result.output


def test_readability_above_the_ceiling(make_project, cli):
    body = ("## Starter\n\nConsequently, unsupervised communication platforms facilitate "
            "manipulative relationships, notwithstanding considerable technological "
            "safeguards implemented internationally by organisations.\n\n"
            "It is never your fault. You will not be in trouble for telling.\n")
    root = make_project({"ks2/grooming.md": lesson_md(body=body)})
    result = cli(root, "check")
    assert result.exit_code == 1
    hit = [f for f in findings(result) if "readability" in f]
    assert hit and hit[0].startswith("lessons/ks2/grooming.md:4: readability: pupils' text reads at grade")
    assert "ceiling 5 for KS2" in hit[0]


def test_answer_text_copied_into_pupils_text_is_a_leak(make_project, cli):
    body = ("## Starter\n\n::: answer\nSam can tell a parent or a teacher right away.\n:::\n\n"
            "::: student\nSam can tell a parent or a teacher right away.\n:::\n\n"
            "It is never your fault. You will not be in trouble for telling.\n")
    root = make_project({"ks2/grooming.md": lesson_md(body=body)})
    result = cli(root, "check")
    assert result.exit_code == 1
    assert any("leak: teacher-only text reaches the worksheet" in f for f in findings(result))


def test_overdue_review_is_a_warning_and_strict_makes_it_an_error(make_project, cli, monkeypatch):
    monkeypatch.setenv("LESSONPACK_TODAY", "2027-10-01")
    root = make_project({REAL: seeded()})
    relaxed = cli(root, "check")
    assert relaxed.exit_code == 0
    assert f"lessons/ks2/grooming.md:{line_of('review_by:')}: review: review was due on 2027-09-01" \
        in relaxed.output
    strict = cli(root, "check", "--strict")
    assert strict.exit_code == 1


def test_reviewed_after_review_by_is_an_error(make_project, cli):
    result = run_check(make_project, cli, seeded(sub=(r"^reviewed: .*$", "reviewed: 2028-01-01")))
    assert result.exit_code == 1
    assert f"lessons/ks2/grooming.md:{line_of('reviewed:')}: front matter 'reviewed': reviewed (2028-01-01) is after " \
           "review_by (2027-09-01)" in result.output


def test_unknown_curriculum_reference(make_project, cli):
    result = run_check(make_project, cli, seeded(sub=(r"^  - 'rshe-p-online-relationships'$",
                                                      "  - 'rshe-made-up'")))
    assert result.exit_code == 1
    assert f"lessons/ks2/grooming.md:{CURRICULUM_LINE}: front-matter: front matter 'curriculum': unknown reference " \
           "'rshe-made-up'" in result.output


def test_objectives_must_be_i_can_statements(make_project, cli):
    result = run_check(make_project, cli, seeded(sub=(r"^  - 'I can name", "  - 'Pupils name")))
    assert result.exit_code == 1
    assert any(f.startswith(f"lessons/ks2/grooming.md:{OBJECTIVE_LINE}: front-matter: front matter 'objectives'")
               for f in findings(result))


def test_json_format_lists_findings(make_project, cli):
    result = run_check(make_project, cli, seeded(PLENARY, "Call 0800 1112."), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output[: result.output.rindex("}") + 1])
    assert report["errors"] >= 1
    assert {"path": "lessons/ks2/grooming.md", "line": PLENARY, "code": "number"}.items() <= \
        report["findings"][0].items()


def test_new_scaffold_fails_check_until_filled(make_project, cli):
    root = make_project({})
    created = cli(root, "new", "--key-stage", "ks3", "--topic", "isolation")
    assert created.exit_code == 0, created.output
    result = cli(root, "check")
    assert result.exit_code == 1
    todos = [f for f in findings(result) if ": todo: " in f]
    assert todos and all(f.startswith("lessons/ks3/isolation.md:") for f in todos)


def test_build_refuses_what_check_rejects_and_leaves_output(make_project, cli):
    root = make_project({REAL: seeded()})
    assert cli(root, "build", "--jobs", "1").exit_code == 0
    before = {p: p.read_bytes() for p in (root / "output").rglob("*") if p.is_file()}
    (root / "lessons" / REAL).write_text(seeded(PLENARY, "Call 0800 1112."), encoding="utf-8")
    result = cli(root, "build", "--jobs", "1")
    assert result.exit_code == 1
    assert f"lessons/ks2/grooming.md:{PLENARY}: number:" in result.output
    assert "Traceback" not in result.output
    after = {p: p.read_bytes() for p in (root / "output").rglob("*") if p.is_file()}
    assert after == before


def test_no_check_builds_a_draft(make_project, cli):
    root = make_project({REAL: seeded(PLENARY, "Call 0800 1112.")})
    result = cli(root, "build", "--jobs", "1", "--no-check", "--lesson", "ks2-grooming")
    assert result.exit_code == 0, result.output
    for kind in ("worksheet", "teacher-notes"):
        reader = PdfReader(str(root / f"output/ks2/ks2-grooming-{kind}.pdf"))
        assert len(reader.pages) >= 2
        for page in reader.pages:                  # on every page, not just the first
            assert "DRAFT – not checked" in page.extract_text()
    checked = make_project({REAL: seeded()}, name="checked")
    assert cli(checked, "build", "--jobs", "1").exit_code == 0
    assert "DRAFT" not in pdf_text(checked / "output/ks2/ks2-grooming-worksheet.pdf")


def test_printed_front_matter_is_checked_too(make_project, cli):
    source = seeded(sub=(r"^  - 'trusted adult: a grown-up who helps you'$",
                         "  - 'fake: not real, like a fake nude or call 0800 1112'"))
    line = line_of("keywords:") + 1
    result = run_check(make_project, cli, source)
    assert result.exit_code == 1
    hits = findings(result)
    assert any(h.startswith(f"lessons/ks2/grooming.md:{line}: age-word: 'nude'") for h in hits), hits
    assert any(h.startswith(f"lessons/ks2/grooming.md:{line}: number: '0800 1112'") for h in hits), hits
