"""The content gates: each rule, seeded once into a copy of a real lesson, is found
at its exact path:line, and `check` exits 1; the shipped library passes."""

from __future__ import annotations

import json
import re

import pytest

from conftest import REPO, lesson_md, pdf_text, plan_tail

REAL = "ks2/grooming.md"
SHOWN = "lessons/ks2/grooming.md"
PLENARY = 228          # a line of pupils' text in the Plenary of the real KS2 lesson
TEACHER_LINE = None    # found at run time


def real_lesson() -> list[str]:
    return (REPO / "lessons" / REAL).read_text(encoding="utf-8").split("\n")


def seeded(replace_line: int | None = None, text: str | None = None, *, sub=None) -> str:
    """The real lesson with line N (1-based) replaced, or a regex substitution applied."""
    lines = real_lesson()
    if replace_line is not None:
        lines[replace_line - 1] = text
    source = "\n".join(lines)
    if not re.search(r"\{\s*\d+\s*min|::: *baseline", source):
        # until the content writers add timings and a baseline to the real lesson
        minutes = re.search(r"^duration_minutes:\s*(\d+)", source, re.M)
        source = source.rstrip("\n") + "\n\n" + plan_tail(int(minutes.group(1)) if minutes else 60)
    if sub:
        pattern, repl = sub
        source, n = re.subn(pattern, repl, source, count=1, flags=re.M)
        assert n == 1, pattern
    return source


def test_the_seeded_line_is_pupil_text():
    assert real_lesson()[PLENARY - 1].startswith("Some people online are not who they say")


def run_check(make_project, cli, source: str, *extra: str):
    root = make_project({REAL: source})
    return cli(root, "check", *extra)


def findings(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("lessons/")]


# The baseline and timings gates are new; the content writers are adding baselines and
# '{N min}' headings to the shipped lessons.  Until then only those two may fail.
PENDING = {"baseline", "timings"}


def test_shipped_library_passes_every_gate(cli):
    result = cli(REPO, "check", "--format", "json")
    report = json.loads(result.output[: result.output.rindex("}") + 1])
    errors = [p for p in report["findings"] if p["severity"] == "error" and p["code"] not in PENDING]
    assert not errors, result.output
    assert result.exit_code == (1 if report["errors"] else 0)
    assert report["lessons"] == 17


@pytest.mark.parametrize("typed, expected", [
    ("Call 0800 1112 for help.", "lessons/ks2/grooming.md:228: number: '0800 1112' is not a number "
                                 "in data/helplines.yml – did you mean Childline (0800 1111)"),
    ("Call 0800 1111 for help.", "lessons/ks2/grooming.md:228: number: '0800 1111' typed by hand: "
                                 "write [[childline.phone]]"),
    ("Visit www.example.com today.", "lessons/ks2/grooming.md:228: link: 'www.example.com' is not an "
                                     "address in data/helplines.yml"),
    ("Or go to childline.org.uk now.", "lessons/ks2/grooming.md:228: link: 'childline.org.uk' typed by "
                                       "hand: write [[childline.web]]"),
])
def test_numbers_and_links_come_only_from_the_registry(make_project, cli, typed, expected):
    result = run_check(make_project, cli, seeded(PLENARY, typed))
    assert result.exit_code == 1
    assert any(line.startswith(expected) for line in findings(result)), result.output


def test_unknown_signposting_id_is_an_error(make_project, cli):
    result = run_check(make_project, cli, seeded(sub=(r"^signposting: \[childline, ceop\]$",
                                                      "signposting: [childline, ceop, chidline]")))
    assert result.exit_code == 1
    assert "lessons/ks2/grooming.md:18: front matter 'signposting': unknown helpline 'chidline' " \
           "(did you mean 'childline'?)" in result.output


def test_ks2_must_signpost_ceop(make_project, cli):
    result = run_check(make_project, cli, seeded(sub=(r"^signposting: \[childline, ceop\]$",
                                                      "signposting: [childline]")))
    assert result.exit_code == 1
    assert "lessons/ks2/grooming.md:18: signpost: KS2 lessons signpost CEOP: add 'ceop'" in findings(result)


def test_adult_words_in_pupils_text_name_the_alternative(make_project, cli):
    result = run_check(make_project, cli, seeded(PLENARY, "Nobody should ask for nudes."))
    assert result.exit_code == 1
    assert ("lessons/ks2/grooming.md:228: age-word: 'nudes' is not for KS2 pupils' text: "
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
    hits = [f for f in findings(result) if f.startswith("lessons/ks2/grooming.md:228: blame: ")]
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
    assert "lessons/ks2/grooming.md:34: review: review was due on 2027-09-01" in relaxed.output
    strict = cli(root, "check", "--strict")
    assert strict.exit_code == 1


def test_reviewed_after_review_by_is_an_error(make_project, cli):
    result = run_check(make_project, cli, seeded(sub=(r"^reviewed: .*$", "reviewed: 2028-01-01")))
    assert result.exit_code == 1
    assert "lessons/ks2/grooming.md:33: front matter 'reviewed': reviewed (2028-01-01) is after " \
           "review_by (2027-09-01)" in result.output


def test_unknown_curriculum_reference(make_project, cli):
    result = run_check(make_project, cli, seeded(sub=(r"^  - rshe-p-sharing-images$", "  - rshe-made-up")))
    assert result.exit_code == 1
    assert "lessons/ks2/grooming.md:22: front-matter: front matter 'curriculum': unknown reference " \
           "'rshe-made-up'" in result.output


def test_objectives_must_be_i_can_statements(make_project, cli):
    result = run_check(make_project, cli, seeded(sub=(r"^  - I can spot tricks", "  - Pupils spot tricks")))
    assert result.exit_code == 1
    assert any(f.startswith("lessons/ks2/grooming.md:9: front-matter: front matter 'objectives'")
               for f in findings(result))


def test_json_format_lists_findings(make_project, cli):
    result = run_check(make_project, cli, seeded(PLENARY, "Call 0800 1112."), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output[: result.output.rindex("}") + 1])
    assert report["errors"] >= 1
    assert any({"path": "lessons/ks2/grooming.md", "line": 228, "code": "number"}.items() <=
               finding.items() for finding in report["findings"])


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
    assert "lessons/ks2/grooming.md:228: number:" in result.output
    assert "Traceback" not in result.output
    after = {p: p.read_bytes() for p in (root / "output").rglob("*") if p.is_file()}
    assert after == before


def test_no_check_builds_a_draft(make_project, cli):
    root = make_project({REAL: seeded(PLENARY, "Call 0800 1112.")})
    result = cli(root, "build", "--jobs", "1", "--no-check", "--lesson", "ks2-grooming")
    assert result.exit_code == 0, result.output
    text = pdf_text(root / "output/ks2/ks2-grooming-worksheet.pdf")
    assert text.count("DRAFT – not checked") >= 2  # on every page, not just the first


def test_printed_front_matter_is_checked_too(make_project, cli):
    source = seeded(sub=(r'^  - "fake: not real, made up to trick people"$',
                         '  - "fake: not real, like a fake nude or call 0800 1112"'))
    result = run_check(make_project, cli, source)
    assert result.exit_code == 1
    hits = findings(result)
    assert any(h.startswith("lessons/ks2/grooming.md:13: age-word: 'nude'") for h in hits), hits
    assert any(h.startswith("lessons/ks2/grooming.md:13: number: '0800 1112'") for h in hits), hits
