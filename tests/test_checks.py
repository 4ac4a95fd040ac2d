"""The content gates: each rule, seeded once into a copy of a real lesson, is found
at its exact path:line, and `check` exits 1; the shipped library passes."""

from __future__ import annotations

import json
import re

import pytest

from pypdf import PdfReader

from conftest import REPO, lesson_md, pdf_text, plan_tail
from lessonpack.markdown import scan

#: '::: baseline' is added by another branch; until it is merged, the skeleton tests
#: judge everything else (and that the only complaint is the unknown block).
BASELINE_BLOCK = not scan("::: baseline\n- A statement.\n:::\n", first_line=1, shown="x").problems

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


def real_lesson() -> list[str]:
    return _current((REPO / "lessons" / REAL).read_text(encoding="utf-8").split("\n"))


def _current(lines: list[str]) -> list[str]:
    """The real lesson brought up to the front matter rules added with 'Lesson at a glance'
    (public sources; resources, key questions, key messages) while the content is being
    rewritten – keeping every line number, so the seeded lines below stay where they are.
    A lesson that already has the keys is returned unchanged."""
    if any(line.startswith("resources:") for line in lines):
        return lines
    out = list(lines)
    start = out.index("sources:")
    stop = start + 1
    while out[stop].startswith("  - "):
        stop += 1
    block = ['sources: ["NSPCC – Report abuse: https://www.nspcc.org.uk/what-you-can-do/report-abuse/"]',
             "resources: [Worksheet (one per pupil)]",
             'key_questions: ["Who could Amara tell?"]', 'key_messages: ["It is never your fault."]']
    assert len(block) <= stop - start, "the sources list is too short to make room"
    out[start:stop] = block + ["#"] * (stop - start - len(block))
    return out


def seeded(replace_line: int | None = None, text: str | None = None, *, sub=None) -> str:
    """The base lesson with line N (1-based) replaced, or a regex substitution applied."""
    lines = base_lesson()
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


def test_the_seeded_line_is_pupil_text(make_project, cli):
    assert base_lesson()[PLENARY - 1] == PLENARY_TEXT
    assert cli(make_project({REAL: seeded()}), "check").exit_code == 0


def run_check(make_project, cli, source: str, *extra: str):
    root = make_project({REAL: source})
    return cli(root, "check", *extra)


def findings(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("lessons/")]


# The baseline and timings gates are new; the content writers are adding baselines and
# '{N min}' headings to the shipped lessons.  Until then only those two may fail.


def test_shipped_library_passes_every_gate(cli):
    """Every content gate, and with --strict the layout gate on every document as it is
    printed: no split table or list, stranded heading, near-empty page, worksheet over four
    sides or overflowing slide."""
    result = cli(REPO, "check", "--strict", "--format", "json")
    report = json.loads(result.output[: result.output.rindex("}") + 1])
    assert report["findings"] == [], result.output
    assert result.exit_code == 0
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
    assert not [f for f in findings(result) if ": blame: " in f], result.output


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
    if not BASELINE_BLOCK:   # until the blocks helper's '::: baseline' is merged
        assert "unknown block '::: baseline'" in result.output
        return
    todos = [f for f in findings(result) if ": todo: " in f]
    assert todos and all(f.startswith("lessons/ks3/isolation.md:") for f in todos)


def _fill(text: str) -> str:
    """What an author does with the skeleton: write something in place of every TODO."""
    return re.sub(r"TODO", "Task", re.sub(r"TODO: ", "", text))


def test_new_scaffold_passes_check_once_filled(make_project, cli):
    root = make_project({})
    assert cli(root, "new", "--key-stage", "ks3", "--topic", "isolation").exit_code == 0
    path = root / "lessons/ks3/isolation.md"
    skeleton = path.read_text(encoding="utf-8")
    # the automatic Remember box says it: the skeleton prints no box of its own
    assert "::: remember" not in skeleton and "fault" not in skeleton
    assert skeleton.count("::: baseline") == 1 and "Sam" not in skeleton
    minutes = [int(m) for m in re.findall(r"^## .*\{(\d+) min\}$", skeleton, flags=re.M)]
    assert sum(minutes) == 60 and len(minutes) >= 4
    for key in ("resources:", "key_questions:", "key_messages:"):
        assert key in skeleton
    filled = _fill(skeleton)
    if not BASELINE_BLOCK:   # until '::: baseline' is merged, judge the rest of the lesson
        filled = re.sub(r"::: baseline\n.*?:::\n\n", "", filled, flags=re.S)
    path.write_text(filled, encoding="utf-8")
    result = cli(root, "check")
    assert result.exit_code == 0, result.output
    text = pdf_text_of_build(cli, root)
    assert "Lesson at a glance" in text and "Total 60 min" in text


def pdf_text_of_build(cli, root) -> str:
    assert cli(root, "build", "--jobs", "1", "--lesson", "ks3-isolation").exit_code == 0
    return pdf_text(root / "output/ks3/ks3-isolation-teacher-notes.pdf")


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


# --- gates added with "Lesson at a glance" ---------------------------------------------

def _line_of(source: str, needle: str) -> int:
    return next(n for n, text in enumerate(source.split("\n"), 1) if needle in text)


def _body(pupil: str = "", teacher: str = "", answer: str = "") -> str:
    return ("## Starter {45 min}\n\nAmara plays a game. A new friend says hi.\n\n"
            f"{pupil}\n\n::: student\nWho can Amara tell? Write one name.\n\n::: lines 2\n:::\n\n"
            f"::: answer\nAmara can tell a parent or a teacher. {answer}\n:::\n\n"
            f"::: teacher\nAllow five minutes for this task. {teacher}\n:::\n\n"
            "It is never your fault. You will not be in trouble for telling.\n")


@pytest.mark.parametrize("where", ["pupil", "teacher", "answer"])
@pytest.mark.parametrize("sentence", [
    "She should have kept AirDrop switched off.",
    "Amara shouldn't have accepted the friend request.",
    "Amara should not have replied.",
    "Why didn't you tell someone sooner?",
    "If only she had told her mum.",
    "He was silly to send the photo.",
])
def test_blaming_hindsight_is_caught_by_its_shape_in_every_text(make_project, cli, sentence, where):
    source = lesson_md(body=_body(**{where: sentence}))
    result = cli(make_project({"ks2/grooming.md": source}), "check")
    assert result.exit_code == 1
    line = _line_of(source, sentence)
    assert any(f.startswith(f"lessons/ks2/grooming.md:{line}: blame: victim-blaming language")
               for f in findings(result)), result.output


@pytest.mark.parametrize("sentence", [
    "The person who did this should not have done it.",
    "The offender should have known it was against the law.",
    "It is never your fault, whatever you did.",
    "Never ask \"why did you send it?\" – ask what happened.",
    "Everyone should have a trusted adult.",
    "Nobody should have to keep a secret like that.",
    "Jay_Goals: why didn't you reply?",     # the fake account's own tactic, in a story
])
def test_hindsight_aimed_at_the_offender_or_negated_passes(make_project, cli, sentence):
    result = cli(make_project({"ks2/grooming.md": lesson_md(body=_body(
        pupil=sentence, answer="" if sentence.startswith("Jay_Goals") else sentence)),
                               }, files={"docs/cast.md": "| name | role |\n|---|---|\n"
                                                         "| Jay_Goals | fake account: an adult |\n"}),
                 "check")
    assert not [f for f in findings(result) if ": blame: " in f], result.output


def test_blame_in_the_key_messages_is_caught(make_project, cli):
    source = lesson_md(key_messages=["She should have blocked him straight away."])
    result = cli(make_project({"ks2/grooming.md": source}), "check")
    line = _line_of(source, "She should have blocked him")
    assert any(f.startswith(f"lessons/ks2/grooming.md:{line}: blame: ") for f in findings(result)), \
        result.output


@pytest.mark.parametrize("source, expected", [
    ("NSPCC Learning – Grooming (safeguarding-facts.md §5)", "cites an internal file"),
    ("Reference pack §2, Childline", "cites an internal file"),
    ("NSPCC Learning – Grooming: recognising the signs", "has no public https:// address"),
    ("NSPCC: http://www.nspcc.org.uk", "has no public https:// address"),
    ("https://www.nspcc.org.uk", "name the source before its address"),
])
def test_sources_must_be_public_addresses_with_a_name(make_project, cli, source, expected):
    text = lesson_md(sources=["Childline – About Childline: https://www.childline.org.uk/pages/about", source])
    result = cli(make_project({"ks2/grooming.md": text}), "check")
    assert result.exit_code == 1
    line = _line_of(text, source)
    hits = [f for f in findings(result) if f.startswith(f"lessons/ks2/grooming.md:{line}: front-matter: ")]
    assert hits and expected in hits[0], result.output


@pytest.mark.parametrize("address", ["https://www.gov.uk", "https://www.iwf.org.uk/"])
def test_a_home_page_source_is_a_warning_that_strict_refuses(make_project, cli, address):
    source = f"DfE – Relationships Education statutory guidance: {address}"
    text = lesson_md(sources=["Childline – About Childline: https://www.childline.org.uk/pages/about", source])
    root = make_project({"ks2/grooming.md": text})
    line = _line_of(text, source)
    hint = f"lessons/ks2/grooming.md:{line}: front-matter: front matter 'sources': '{address}' is a home page"
    relaxed = cli(root, "check")
    assert relaxed.exit_code == 0 and hint in relaxed.output, relaxed.output
    strict = cli(root, "check", "--strict")
    assert strict.exit_code == 1 and hint in strict.output, strict.output


def test_a_named_public_source_passes(make_project, cli):
    text = lesson_md(sources=["NSPCC Learning – Grooming: https://learning.nspcc.org.uk/child-abuse-and-neglect/grooming"])
    result = cli(make_project({"ks2/grooming.md": text}), "check")
    assert not [f for f in findings(result) if "'sources'" in f], result.output


@pytest.mark.parametrize("key", ["resources", "key_questions", "key_messages"])
def test_lessons_need_the_glance_lists(make_project, cli, key):
    result = cli(make_project({"ks2/grooming.md": lesson_md(**{key: None})}), "check")
    assert result.exit_code == 1
    assert any(f.startswith(f"lessons/ks2/grooming.md:1: front-matter: front matter '{key}'")
               for f in findings(result)), result.output


def _ks1(draws: int) -> str:
    tasks = "".join(f"::: student\nDraw a picture number {n} of Pip.\n\n::: box 4\n:::\n\n"
                    for n in range(1, draws + 1))
    body = f"## Starter {{45 min}}\n\nPip plays a game.\n\n{tasks}It is never your fault. " \
           "You will not be in trouble for telling.\n"
    return lesson_md("ks1", "grooming", body=body, curriculum=["rshe-p-being-safe"])


def test_ks1_asks_for_at_most_two_drawings(make_project, cli):
    source = _ks1(3)
    result = cli(make_project({"ks1/grooming.md": source}), "check")
    assert result.exit_code == 1
    hits = [f for f in findings(result) if ": drawing: " in f]
    assert len(hits) == 1 and hits[0].startswith(
        f"lessons/ks1/grooming.md:{_line_of(source, 'number 3')}: drawing: drawing task 3 of 3"), hits
    two = cli(make_project({"ks1/grooming.md": _ks1(2)}, name="two"), "check")
    assert not [f for f in findings(two) if ": drawing: " in f], two.output


def test_a_template_that_drops_the_step_out_routine_fails_check(make_project, cli):
    config = "school:\n  name: Hillside Test Academy\noverrides: overrides/\n"
    files = {"school/school.yml": config,
             "school/overrides/templates/partials/step-out.html": "<p>Ask for help.</p>"}
    root = make_project(files=files)
    result = cli(root, "check", "--config", root / "school/school.yml")
    assert result.exit_code == 1
    assert "lessons/ks2/grooming.md:1: signpost: the teacher notes have no step-out routine" in result.output
    plain = make_project(files={"school/school.yml": config.replace("overrides: overrides/\n", "")},
                         name="plain")
    result = cli(plain, "check", "--config", plain / "school/school.yml")
    assert "step-out routine" not in result.output, result.output
