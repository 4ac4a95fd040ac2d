"""Every content gate rule both ways, per key stage: readability just under and just over
each ceiling, every word list, blame wording in teacher text, and each signposting rule
broken by an override template that drops its box or line.

Fixed expectations (ceilings, words, messages) are typed here, not read from the code or
data under test. Each test builds one small project and runs `check` once on it.
"""

from __future__ import annotations

import re

import pytest

from conftest import QUIET_BODY, REPO, lesson_md
from lessonpack.checks.readability import grade
from lessonpack.helplines import load_registry
from lessonpack.lessons import parse_lesson
from lessonpack.markdown import WORKSHEET, render_body

REGISTRY = load_registry(REPO / "data/helplines.yml")
CEILING = {"ks1": 3.0, "ks2": 5.0, "ks3": 8.0, "ks4": 10.0}
KEY_STAGES = tuple(CEILING)
FINDING = re.compile(r"^(lessons/\S+?):(\d+): (\S+): (.*)$", re.M)


def findings(output: str, code: str) -> dict[str, list[str]]:
    """{'lessons/ks2/grooming.md': [message, ...]} for one finding code."""
    found: dict[str, list[str]] = {}
    for path, _line, got, message in FINDING.findall(output):
        if got == code:
            found.setdefault(path, []).append(message)
    return found


def one_per_key_stage(body_for) -> dict[str, str]:
    return {f"{ks}/grooming.md": lesson_md(ks, "grooming", body=body_for(ks)) for ks in KEY_STAGES}


# --- readability ---------------------------------------------------------------------

SHORT = "Sam and Mo play a game on the big red bus"
LONG = ["family", "telephone", "computer", "messages", "important", "another", "every", "video"]


def paragraph(long_words: int, sentences: int = 24) -> str:
    """`sentences` sentences of ten words; the first `long_words` short words become long ones."""
    words = SHORT.split()
    out, n = [], 0
    for _ in range(sentences):
        sentence = []
        for w in words + ["now"]:
            if n < long_words and w not in ("Sam", "Mo"):
                sentence.append(LONG[n % len(LONG)])
                n += 1
            else:
                sentence.append(w)
        out.append(" ".join(sentence) + ".")
    return " ".join(out)


def body(long_words: int) -> str:
    return f"## Starter\n\n{paragraph(long_words)}\n"


def pupils_grade(tmp_path, ks: str, long_words: int) -> float:
    """The grade of the worksheet text as the gate measures it (body blocks + objectives)."""
    path = tmp_path / "lessons" / ks / "grooming.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(lesson_md(ks, "grooming", body=body(long_words)), encoding="utf-8")
    lesson = parse_lesson(path, f"lessons/{ks}/grooming.md", known_helplines=REGISTRY)
    return grade(render_body(lesson, WORKSHEET, REGISTRY).sentences_text() + lesson.objectives)[0]


def around(tmp_path, ks: str) -> tuple[int, int]:
    """Long-word counts whose text reads just under and just over the key stage's ceiling."""
    low, high = 0, 24 * 8
    assert pupils_grade(tmp_path, ks, low) < CEILING[ks] < pupils_grade(tmp_path, ks, high)
    while high - low > 1:            # grade rises with every long word: bisect to the edge
        mid = (low + high) // 2
        if pupils_grade(tmp_path, ks, mid) <= CEILING[ks]:
            low = mid
        else:
            high = mid
    under, over = pupils_grade(tmp_path, ks, low), pupils_grade(tmp_path, ks, high)
    assert CEILING[ks] - 0.5 < under <= CEILING[ks] < over < CEILING[ks] + 0.5, (ks, under, over)
    return low, high


@pytest.fixture(scope="module")
def edges(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("calibrate")
    return {ks: around(tmp, ks) for ks in KEY_STAGES}


def test_readability_just_under_each_ceiling_passes(make_project, cli, edges):
    root = make_project(one_per_key_stage(lambda ks: body(edges[ks][0])))
    result = cli(root, "check")
    assert not findings(result.output, "readability"), result.output
    assert result.exit_code == 0, result.output


def test_readability_just_over_each_ceiling_fails(make_project, cli, edges):
    root = make_project(one_per_key_stage(lambda ks: body(edges[ks][1])))
    result = cli(root, "check")
    assert result.exit_code == 1
    found = findings(result.output, "readability")
    for ks in KEY_STAGES:
        messages = found.get(f"lessons/{ks}/grooming.md", [])
        assert len(messages) == 1, (ks, result.output)
        assert f"(ceiling {CEILING[ks]:g} for {ks.upper()};" in messages[0]


# --- age words: the shared list and each key stage's -----------------------------------

# word typed in pupils' text → the key stages where `check` must refuse it
WORDS = {
    "predators": {"ks1", "ks2", "ks3", "ks4"},     # the shared list: every key stage
    "child porn": {"ks1", "ks2", "ks3", "ks4"},
    "victim": {"ks1", "ks2", "ks3", "ks4"},
    "grooming": {"ks1"},                           # KS1 only: older pupils learn the word
    "blackmailed": {"ks1"},
    "nudes": {"ks1", "ks2"},                       # primary only
    "sexting": {"ks1", "ks2"},
}


@pytest.mark.parametrize("word", list(WORDS))
def test_each_word_list_applies_to_exactly_its_key_stages(make_project, cli, word):
    text = f"Sam talks about {word} with a trusted adult."
    root = make_project(one_per_key_stage(
        lambda ks: QUIET_BODY + f"\n::: student\n{text}\n:::\n\n::: teacher\n{text}\n:::\n"))
    result = cli(root, "check")
    found = findings(result.output, "age-word")
    refused = {path.split("/")[1] for path, messages in found.items()
               if any(f"'{word}' is not for" in m for m in messages)}
    assert refused == WORDS[word], result.output
    for ks in WORDS[word]:     # once per lesson: the pupils' line, never the teacher's
        hits = [m for m in found[f"lessons/{ks}/grooming.md"] if f"'{word}'" in m]
        assert len(hits) == 1 and f"{ks.upper()} pupils' text" in hits[0]
    assert result.exit_code == (1 if WORDS[word] else 0)


# --- blame: pupils' text, teacher text and model answers alike --------------------------

@pytest.mark.parametrize("block", ["student", "teacher", "answer"])
@pytest.mark.parametrize("phrase", ["Amara should have known better.",
                                    "Why did you send it, Amara?",
                                    "It was her own fault for replying."])
def test_blame_is_refused_in_every_audience(make_project, cli, block, phrase):
    source = lesson_md("ks3", "grooming", body=QUIET_BODY + f"\n::: {block}\n{phrase}\n:::\n")
    line = source.split("\n").index(phrase) + 1
    root = make_project({"ks3/grooming.md": source})
    result = cli(root, "check")
    assert result.exit_code == 1
    assert re.search(rf"^lessons/ks3/grooming\.md:{line}: blame: victim-blaming language",
                     result.output, re.M), result.output


# --- signposting: front matter rules per key stage -----------------------------------

@pytest.mark.parametrize("ks", KEY_STAGES)
def test_ceop_is_required_from_ks2_and_childline_everywhere(make_project, cli, ks):
    root = make_project({f"{ks}/grooming.md": lesson_md(ks, "grooming", body=QUIET_BODY,
                                                        signposting=["police-emergency"])})
    result = cli(root, "check")
    assert result.exit_code == 1
    found = findings(result.output, "signpost")[f"lessons/{ks}/grooming.md"]
    assert "every lesson signposts Childline: add 'childline'" in found
    ceop = f"{ks.upper()} lessons signpost CEOP: add 'ceop'"
    assert (ceop in found) == (ks != "ks1"), found


# --- signposting: what the composed documents print, broken by override templates -------

REMEMBER = '<section class="remember-box"><h2>Remember</h2><ul>{}</ul></section>'
SAFEGUARDING = '<section class="safeguarding">{}</section>'
DSL = "<h3>Your Designated Safeguarding Lead</h3><p>Ask at the office.</p>"
PROMISE = "<h3>If a child tells you something</h3><p>Never promise to keep it secret.</p>"
NSPCC = "<p>NSPCC Helpline 0808 800 5000</p>"
STEP_OUT = "<h3>Step-out routine</h3><p>Where they can go: the library.</p><p>Who follows up: the DSL.</p>"

OVERRIDES = {   # rule: (the override template, the message check must print)
    "not-your-fault": ("partials/remember.html",
                       REMEMBER.format("<li>You will not be in trouble for telling.</li>"),
                       "the worksheet never says it is not the child's fault"),
    "not-in-trouble": ("partials/remember.html", REMEMBER.format("<li>It is never your fault.</li>"),
                       "the worksheet never says the child won't be in trouble for telling"),
    "childline-number": ("partials/who-can-help.html",
                         '<section class="who-can-help"><h2>Who can help</h2>'
                         "<p>Childline: childline.org.uk</p></section>",
                         "the worksheet does not print Childline's number"),
    "dsl-box": ("partials/safeguarding-box.html", SAFEGUARDING.format(PROMISE + NSPCC + STEP_OUT),
                "the teacher notes have no Designated Safeguarding Lead box"),
    "nspcc": ("partials/safeguarding-box.html", SAFEGUARDING.format(DSL + PROMISE + STEP_OUT),
              "the teacher notes do not print the NSPCC helpline"),
    "disclosure": ("partials/safeguarding-box.html", SAFEGUARDING.format(DSL + NSPCC + STEP_OUT),
                   "the teacher notes have no disclosure steps"),
    "step-out": ("partials/safeguarding-box.html", SAFEGUARDING.format(DSL + PROMISE + NSPCC),
                 "the teacher notes have no step-out routine"),
}


def test_the_quiet_body_passes_with_the_built_in_templates(make_project, cli):
    """The baseline for the override tests: without an override nothing is missing."""
    root = make_project({f"{ks}/grooming.md": lesson_md(ks, "grooming", body=QUIET_BODY)
                         for ks in ("ks1", "ks4")})
    result = cli(root, "check")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("rule", list(OVERRIDES))
def test_an_override_template_that_drops_a_signpost_fails(make_project, cli, rule):
    template, html, message = OVERRIDES[rule]
    root = make_project({f"{ks}/grooming.md": lesson_md(ks, "grooming", body=QUIET_BODY)
                         for ks in ("ks1", "ks4")},
                        files={f"templates/{template}": html})
    result = cli(root, "check")
    assert result.exit_code == 1
    found = findings(result.output, "signpost")
    for ks in ("ks1", "ks4"):
        got = found.get(f"lessons/{ks}/grooming.md", [])
        assert len(got) == 1 and got[0].startswith(message), result.output
