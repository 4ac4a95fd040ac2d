"""Teacher notes a teacher can teach from: "Lesson at a glance" first, each pupils' task
beside its model answer, and a safeguarding box with a step-out routine and help for
staff – read back from the built PDFs."""

from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pytest

from conftest import lesson_md

BODY = """\
## Starter {10 min}

Amara plays a game. A new friend says hi.

::: student
Which zebrafish clue shows the friend might not be who they say?

::: lines 3
:::

::: answer
The quokka answer: the friend knows things a new friend could not know.
:::

## Activity 1: Amara's game chat {25 min}

::: student
Read the story again and list every trick the pretend friend uses to win trust, then underline the one that worried you most.

::: box 4
:::

## Plenary {10 min}

It is never your fault. You will not be in trouble for telling.
"""

FRONT = dict(resources=["Worksheet (one per pupil)", "Anonymous question box"],
             key_questions=["What do we really know about someone online?"],
             key_messages=["People online are not always who they say they are."])


def build(make_project, cli, *, config: str | None = None, pack: bool = False, name="proj") -> Path:
    files = {"school/school.yml": config} if config else {}
    root = make_project({"ks2/grooming.md": lesson_md(body=BODY, **FRONT)}, files=files, name=name)
    args = ["build", "--jobs", "1", "--no-check"]
    if config:
        args += ["--config", root / "school/school.yml"]
    if not pack:
        args += ["--lesson", "ks2-grooming"]
    result = cli(root, *args)
    assert result.exit_code == 0, result.output
    return root / "output/ks2"


@pytest.fixture
def notes(make_project, cli) -> Path:
    return build(make_project, cli) / "ks2-grooming-teacher-notes.pdf"


def _no_watermark(page):
    """The page without the large diagonal 'DRAFT – not checked' (a --no-check build)."""
    return page.filter(lambda obj: obj.get("object_type") != "char" or obj.get("size", 0) < 20)


def clean_text(path: Path) -> str:
    """Every page's text without the watermark, whitespace normalised."""
    with pdfplumber.open(path) as pdf:
        return " ".join(" ".join((_no_watermark(p).extract_text() or "").split()) for p in pdf.pages)


def first_page_text(path: Path) -> str:
    with pdfplumber.open(path) as pdf:
        return " ".join((_no_watermark(pdf.pages[0]).extract_text() or "").split())


def test_notes_open_with_the_lesson_at_a_glance(notes):
    page = first_page_text(notes)
    assert "Lesson at a glance" in page
    # each activity names its projector slides: "5" or "6–8"
    assert re.search(r"Activity Minutes Slides Starter 10 min \d+(–\d+)? Activity 1: Amara's game chat "
                     r"25 min \d+(–\d+)? Plenary 10 min \d+(–\d+)? Total 45 min", page), page
    for expected in ("Resources", "Worksheet (one per pupil)", "Key questions",
                     "What do we really know about someone online?", "Key messages",
                     "People online are not always who they say they are."):
        assert expected in page
    # the plan is a page of its own: the safeguarding box starts on the next one
    assert "Safeguarding: read before you teach" not in page
    text = clean_text(notes)
    assert text.index("Lesson at a glance") < text.index("Safeguarding: read before you teach")


def test_glance_slides_come_from_the_slides_mapping(make_project):
    from lessonpack.compose import compose
    from lessonpack.inputs import load_inputs
    from lessonpack.plan import Job
    from lessonpack.project import Project
    from lessonpack.render import Templates

    root = make_project({"ks2/grooming.md": lesson_md(body=BODY, **FRONT)})
    project = Project(root)

    class Settings:
        config_path, key_stages, draft, fillable = None, (), False, False

    inputs = load_inputs(project, Settings())
    templates = Templates([project.templates], project.builtin_templates)
    inputs.slides = {"ks2-grooming": {"Starter": "1–2", "Plenary": "9"}}
    # (a pack reuses the teacher notes' own pages, so this page is the pack's too)
    for job in (Job("x.pdf", "teacher-notes", "ks2", "ks2-grooming"),):
        html = compose(job, inputs, templates).html
        rows = re.findall(r'<td class="activity">(.*?)</td><td class="minutes">(.*?)</td>'
                          r'<td class="slides">(.*?)</td>', html)
        assert rows == [("Starter", "10 min", "1–2"), ("Activity 1: Amara&#39;s game chat", "25 min", "–"),
                        ("Plenary", "10 min", "9")], (job.kind, rows)


def _words(path: Path, needle: str):
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            for word in _no_watermark(page).extract_words():
                if needle in word["text"]:
                    return number, word, float(page.width)
    raise AssertionError(f"{needle!r} not in {path.name}")


def test_each_task_is_printed_beside_its_model_answer(notes):
    task_page, task, width = _words(notes, "zebrafish")
    answer_page, answer, _ = _words(notes, "quokka")
    assert task_page == answer_page
    assert task["x1"] < width / 2 < answer["x0"], (task, answer)     # two columns
    assert abs(task["top"] - answer["top"]) < 40                      # side by side, not stacked
    text = clean_text(notes)
    assert "PUPILS' TASK" in text.upper() and "MODEL ANSWER" in text.upper()
    # spaces to write in shrink to a marker: no ruled lines in the teacher's copy
    assert "[3 lines to write on]" in text and "[box to write or draw in]" in text and "[4 box" not in text


def test_a_task_without_an_answer_is_full_width(notes):
    _, start, width = _words(notes, "underline")
    assert start["x1"] > width / 2 or start["x0"] < width / 2 - 30
    with pdfplumber.open(notes) as pdf:
        for page in map(_no_watermark, pdf.pages):
            words = [w for w in page.extract_words() if w["text"] in ("trust,", "trick")]
            if words:
                line = [w for w in page.extract_words() if abs(w["top"] - words[0]["top"]) < 2]
                assert max(w["x1"] for w in line) > page.width / 2 + 40   # runs across the page
                return
    raise AssertionError("the lone task is missing")


def test_the_worksheet_still_has_its_writing_space_and_no_answer(make_project, cli):
    out = build(make_project, cli)
    text = clean_text(out / "ks2-grooming-worksheet.pdf")
    assert "zebrafish" in text and "quokka" not in text and "Pupils' task" not in text
    assert "lines to write on" not in text


def test_safeguarding_box_has_step_out_check_in_and_staff_help(notes):
    text = clean_text(notes)
    assert "Step-out routine" in text
    assert "Agree a place before the lesson" in text            # the default without school.yml
    assert "Who follows up:" in text
    assert "check in with the DSL about any pupil who may be affected" in text
    assert "Professionals Online Safety Helpline 0344 381 4772" in text
    assert "helpline@saferinternet.org.uk" in text
    assert "Marie Collins Foundation" in text and "mariecollinsfoundation.org.uk" in text
    assert "www.ceopeducation.co.uk" in text
    # the ground rules are printed once
    assert text.count("Ground rules") == 1


@pytest.mark.parametrize("key_stage, fits, unfit", [
    ("ks1", ["Who goes with them:", "Agree a sign with the class",
             "never leaves the room on their own", "The teaching assistant"],
     ["without asking or explaining", "Who checks on them:", "the library"]),
    ("ks3", ["Who checks on them:", "within a few minutes", "step out without asking or explaining",
             "quiet room or the library"],
     ["Who goes with them:", "never leaves the room"]),
])
def test_step_out_routine_fits_the_age(make_project, cli, key_stage, fits, unfit):
    """5–11-year-olds never leave the room alone: an agreed sign, and an adult goes with them;
    at KS3/KS4 a pupil may step out and an adult checks on them within minutes.  Either way
    the teacher or DSL follows up the same day."""
    root = make_project({f"{key_stage}/grooming.md": lesson_md(key_stage, body=BODY, **FRONT)})
    result = cli(root, "build", "--jobs", "1", "--no-check", "--lesson", f"{key_stage}-grooming")
    assert result.exit_code == 0, result.output
    text = clean_text(root / f"output/{key_stage}/{key_stage}-grooming-teacher-notes.pdf")
    for words in fits + ["Who follows up: The class teacher or the DSL talks with them privately the same day"]:
        assert words in text, (key_stage, words)
    for words in unfit:
        assert words not in text, (key_stage, words)


def test_step_out_place_and_adult_come_from_school_yml(make_project, cli):
    config = ("school:\n  name: Hillside Test Academy\n"
              "step_out:\n  place: the quiet room next to the library\n"
              "  follow_up: Mrs Rahman, the learning mentor, checks on them before home time.\n"
              "  adult: Mr Okafor, our teaching assistant\n")
    out = build(make_project, cli, config=config, pack=True)
    for name in ("ks2-grooming-teacher-notes.pdf", "ks2-pack.pdf"):
        text = clean_text(out / name)
        assert "Where they can go: the quiet room next to the library." in text, name
        assert "Who follows up: Mrs Rahman, the learning mentor, checks on them before home time." in text
        assert "Who goes with them: Mr Okafor, our teaching assistant" in text
        assert "Agree a place before the lesson" not in text
    assert "Total 45 min" in clean_text(out / "ks2-pack.pdf")       # the glance works in packs too


@pytest.mark.parametrize("value, message", [
    ("step_out: {follow_up: Mr B}\n", "'step_out': missing 'place'"),
    ("step_out: {place: library, folow_up: Mr B}\n", "'step_out.folow_up': unknown key (did you mean 'follow_up'?)"),
    ("step_out: [library]\n", "'step_out': expected a mapping with keys place, follow_up, adult"),
])
def test_bad_step_out_names_the_line(make_project, cli, value, message):
    root = make_project(files={"school/school.yml": "school:\n  name: Hillside\n" + value})
    result = cli(root, "check", "--config", root / "school/school.yml")
    assert result.exit_code == 1
    assert f"school.yml:3: {message}" in result.output, result.output


def test_a_task_too_long_for_two_columns_is_followed_by_its_answer(make_project, cli):
    task = "\n".join(f"- Zebrafish item {i} about a friend online who asks for things." for i in range(40))
    answer = "\n".join(f"- Quokka item {i}: tell a trusted adult." for i in range(40))
    body = (f"## Starter {{45 min}}\n\n::: student\nRead these.\n\n{task}\n:::\n\n"
            f"::: answer\n{answer}\n:::\n\nIt is never your fault. You will not be in trouble for telling.\n")
    root = make_project({"ks2/grooming.md": lesson_md(body=body, **FRONT)})
    assert cli(root, "build", "--jobs", "1", "--no-check", "--lesson", "ks2-grooming").exit_code == 0
    notes = root / "output/ks2/ks2-grooming-teacher-notes.pdf"
    text = clean_text(notes)
    assert text.index("Zebrafish item 39") < text.index("Quokka item 0")   # nothing lost, in order
    _, task_word, width = _words(notes, "Zebrafish")
    _, answer_word, _ = _words(notes, "Quokka")
    assert answer_word["x0"] < width / 2                                  # full width, not a column


def test_a_bullet_right_after_a_numbered_list_starts_its_own_list(make_project, cli):
    """Markdown glues "- Stretch" onto a numbered item above it unless the lists are told
    apart; a teacher checking answers must see "Stretch" as its own point."""
    body = ("## Starter {45 min}\n\n::: student\nWho could help?\n:::\n\n"
            "::: answer\n1. A trusted adult, straight away.\n2. The police on 999 in danger.\n"
            "- **Stretch:** Childline can talk it through.\n:::\n\n"
            "It is never your fault. You will not be in trouble for telling.\n")
    root = make_project({"ks2/grooming.md": lesson_md(body=body, **FRONT)})
    assert cli(root, "build", "--jobs", "1", "--no-check", "--lesson", "ks2-grooming").exit_code == 0
    text = clean_text(root / "output/ks2/ks2-grooming-teacher-notes.pdf")
    assert "2. The police on 999 in danger. • Stretch: Childline" in text, text
    assert "- Stretch" not in text


PREP_BODY = BODY + """
::: teacher
## Teacher notes

### Before you teach

- PREP-ONE: tell the DSL the date.

### Key facts for this lesson

- PREP-TWO: a fact.

### Signs a pupil may need help

STAYS-AT-END: withdrawal.

### Likely questions

- PREP-THREE: a question.
:::
"""


def test_preparation_sections_print_before_the_starter(make_project, cli):
    """Reviewers read "Before you teach", "Key facts" and "Likely questions" at the end,
    after the lesson they prepare for: the teacher notes print them, in their order, after
    the safeguarding box and key words and before the first timed activity; the rest of the
    "Teacher notes" block stays where the lesson put it."""
    root = make_project({"ks3/grooming.md": lesson_md("ks3", body=PREP_BODY, **FRONT)})
    result = cli(root, "build", "--jobs", "1", "--no-check", "--lesson", "ks3-grooming")
    assert result.exit_code == 0, result.output
    text = clean_text(root / "output/ks3/ks3-grooming-teacher-notes.pdf")
    order = [text.find(w) for w in ("Lesson at a glance", "Step-out routine", "Before you teach",
                                    "PREP-ONE", "Key facts for this lesson", "PREP-TWO",
                                    "Likely questions", "PREP-THREE", "Amara plays a game",
                                    "list every trick",
                                    "Teacher notes Signs a pupil may need help",
                                    "STAYS-AT-END")]
    assert -1 not in order and order == sorted(order), order
    assert text.count("PREP-ONE") == 1
    # the worksheet never prints teacher text, wherever it goes
    sheet = clean_text(root / "output/ks3/ks3-grooming-worksheet.pdf")
    assert "PREP-ONE" not in sheet and "Before you teach" not in sheet


def test_real_lesson_prepares_before_the_starter(tmp_path):
    """KS3 sextortion puts its Teacher notes block after "What I know now"."""
    from lessonpack.plan import Job
    from lessonpack.worker import Settings, Worker

    from conftest import REPO

    worker = Worker(Settings(str(REPO)))
    done = worker.run(Job("ks3/ks3-sextortion-teacher-notes.pdf", "teacher-notes", "ks3",
                          "ks3-sextortion"))
    assert done.ok, done.problems
    path = tmp_path / "notes.pdf"
    path.write_bytes(done.data)
    text = clean_text(path)
    body = text.find("Safeguarding: read before you teach")     # after the glance's table
    starter = text.find("Starter", body)
    assert 0 < body < text.find("Before you teach", body) < text.find("Likely questions", body) < starter
    assert text.find("Adapting for SEND") > text.find("What I know now", starter) > starter


def test_a_long_glance_stays_on_page_one_in_real_lessons(tmp_path):
    """KS3 grooming and AI imagery: "Lesson at a glance" ran three lines onto page 2, a page
    of its own; a long plan is now set tighter and page 2 opens with the safeguarding box."""
    import pypdf

    from lessonpack.plan import Job
    from lessonpack.worker import Settings, Worker

    from conftest import REPO

    worker = Worker(Settings(str(REPO)))
    for lesson_id in ("ks3-grooming", "ks3-ai-imagery"):
        done = worker.run(Job(f"ks3/{lesson_id}-teacher-notes.pdf", "teacher-notes", "ks3", lesson_id))
        assert done.ok and not done.layout, (done.problems, done.layout)
        path = tmp_path / f"{lesson_id}.pdf"
        path.write_bytes(done.data)
        pages = [" ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(path).pages]
        last_message = worker.inputs.lessons[lesson_id].key_messages[-1]
        assert " ".join(last_message.split()[-4:]) in pages[0], lesson_id
        assert "Key messages" in pages[0] and "Safeguarding: read before you teach" in pages[1]
        assert "Key messages" not in pages[1]


def test_layout_gate_flags_a_glance_that_runs_onto_a_page_of_its_own(make_project):
    """Too many key messages for one page even set tight: the glance's tail sits alone on
    page 2 before its forced page break, and the gate says so (it used to pass as 'ended by
    force')."""
    from lessonpack.plan import Job
    from lessonpack.project import Project
    from lessonpack.worker import Settings, Worker

    messages = [f"Key message number {i}: a line a teacher reads out" for i in range(23)]
    root = make_project({"ks3/grooming.md": lesson_md("ks3", body=BODY, key_messages=messages)})
    worker = Worker(Settings(str(Project(root).root)))
    done = worker.run(Job("ks3/ks3-grooming-teacher-notes.pdf", "teacher-notes", "ks3", "ks3-grooming"))
    found = [p.message for p in done.layout if "runs over from page 1" in p.message]
    assert len(found) == 1 and "page 2: page is only" in found[0] and \
        "'Lesson at a glance' runs over from page 1" in found[0], \
        [p.message for p in done.layout]


@pytest.mark.parametrize("lesson_id", ["ks2-isolation", "ks1-grooming"])
def test_the_notes_do_not_begin_again_after_likely_questions(tmp_path, lesson_id):
    """Reviewers found a second band headed "Teacher notes" after "Likely questions" (all
    KS2 notes, p. 4): the rest of a "Teacher notes" block at the top of a lesson goes on in
    the preparation box, its sections ("Signs…", "Adapting for SEND") beside "Likely
    questions" – one band, the heading "Teacher notes" never printed in the body."""
    import pypdf

    from lessonpack.plan import Job
    from lessonpack.worker import Settings, Worker

    from conftest import REPO

    worker = Worker(Settings(str(REPO)))
    ks = lesson_id[:3]
    done = worker.run(Job(f"{ks}/{lesson_id}-teacher-notes.pdf", "teacher-notes", ks, lesson_id))
    assert done.ok, done.problems
    path = tmp_path / "notes.pdf"
    path.write_bytes(done.data)
    pages = [" ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(path).pages]
    # without the running head and foot, which name the document
    text = re.sub(r"Teacher notes lessonpack · Teacher notes – not for pupils Page \d+ of \d+",
                  "", " ".join(pages))
    body = text.find("Safeguarding: read before you teach")
    starter = text.find("Starter", text.find("Likely questions", body))
    order = [text.find(w, body) for w in ("Before you teach", "Likely questions",
                                            "Signs a child may need help", "Adapting for SEND")]
    assert -1 not in order and order == sorted(order) and order[-1] < starter, order
    assert "Teacher notes" not in text[body:starter], text[body:starter]
    # one TEACHER band before the Starter: the label printed once there
    assert text[text.find("Before you teach", body) - 40:starter].count("TEACHER") <= 1


@pytest.mark.parametrize("config, marked", [
    (None, ["dsl", "place", "adult"]),
    ("school:\n  name: Hillside\nstep_out:\n  place: the quiet room next to the library\n", ["dsl", "adult"]),
    ("school:\n  name: Hillside\ndsl:\n  name: Ms A. Example\n  phone: 01632 960000\n"
     "step_out:\n  place: the quiet room next to the library\n  adult: Mr Okafor\n", []),
])
def test_what_school_yml_leaves_unset_is_marked_fill_in(make_project, cli, config, marked):
    """A teacher printing tomorrow without school.yml got an empty DSL box and default
    words: what is unset is marked "Fill in before teaching" with a line to write on in the
    safeguarding box, and in the ground-rules slide's speaker notes; the pupils' slide
    keeps neutral words, never a blank or the marker."""
    from pptx import Presentation

    out = build(make_project, cli, config=config)
    text = clean_text(out / "ks2-grooming-teacher-notes.pdf")
    box = text[text.find("Safeguarding: read before you teach"):text.find("If a child tells you")]
    assert box, text
    assert box.count("Fill in before teaching") == (("dsl" in marked) + bool({"place", "adult"} & set(marked)))
    assert ("Your school's DSL:" in box) == ("dsl" in marked)
    step_out = box[box.find("Step-out routine"):]
    line = step_out[step_out.find("Fill in before teaching"):] if "Fill in" in step_out else ""
    assert ("place" in line, "adult" in line) == ("place" in marked, "adult" in marked), line
    assert ("Ms A. Example" in box) != ("dsl" in marked)
    deck = Presentation(str(out / "ks2-grooming-slides.pptx"))
    rules = deck.slides[1]
    notes = rules.notes_slide.notes_text_frame.text
    shown = " ".join(s.text_frame.text for s in rules.shapes if s.has_text_frame)
    assert ("Fill in before teaching" in notes) == bool(marked), notes
    for what, words in (("place", "the place a pupil can go"), ("adult", "the adult who goes with them"),
                        ("dsl", "Designated Safeguarding Lead")):
        assert (words in notes) == (what in marked), (what, notes)
    assert "Fill in" not in shown and "__" not in shown
    assert ("go with you to a quiet place" in shown) == ("place" in marked), shown
    assert ("A grown-up will go with you" in shown) == ("adult" in marked), shown


def test_a_short_teacher_box_never_splits_over_a_page(make_project, cli):
    """Forty short teacher boxes between paragraphs: without the rule some would start at the
    foot of one page and end at the top of the next (a teacher reads half a note)."""
    parts = []
    for i in range(40):
        # paragraphs of one to five lines, so that page breaks fall at many places
        parts.append(f"Pupils read part {i} of the story together and talk about it. " +
                     "They say what the friend did next and how it made Amara feel. " * (i % 5) + "\n")
        parts.append(f"::: teacher\nWombat{i:02d}: ask the class what the friend wants.\n\n"
                     "- Listen to two answers.\n- Then move on.\n\n"
                     f"Keep it calm and brief. Numbat{i:02d}.\n:::\n")
    body = "## Starter {45 min}\n\n" + "\n".join(parts) + \
        "\nIt is never your fault. You will not be in trouble for telling.\n"
    root = make_project({"ks2/grooming.md": lesson_md(body=body, **FRONT)})
    assert cli(root, "build", "--jobs", "1", "--no-check", "--lesson", "ks2-grooming").exit_code == 0
    notes = root / "output/ks2/ks2-grooming-teacher-notes.pdf"
    with pdfplumber.open(notes) as pdf:
        pages = [_no_watermark(page).extract_text() or "" for page in pdf.pages]
    assert len(pages) >= 4
    for i in range(40):
        first = [n for n, text in enumerate(pages) if f"Wombat{i:02d}" in text]
        last = [n for n, text in enumerate(pages) if f"Numbat{i:02d}" in text]
        assert first and first == last, f"note {i} starts on page {first} and ends on {last}"


def test_a_short_numbered_list_never_splits_over_a_page(make_project, cli):
    """Steps in order (up to five) are one idea: step 4 never waits on the next page."""
    parts = []
    for i in range(30):
        parts.append(f"Pupils read part {i} of the story together and talk about it. " +
                     "They say what the friend did next and how it made Amara feel. " * (i % 5) + "\n")
        parts.append(f"1. Kiwi{i:02d} tell a trusted adult.\n2. Save the chat.\n3. Report it.\n"
                     f"4. Emu{i:02d} block them.\n")
    body = "## Starter {45 min}\n\n" + "\n".join(parts) + \
        "\nIt is never your fault. You will not be in trouble for telling.\n"
    root = make_project({"ks2/grooming.md": lesson_md(body=body, **FRONT)})
    assert cli(root, "build", "--jobs", "1", "--no-check", "--lesson", "ks2-grooming").exit_code == 0
    with pdfplumber.open(root / "output/ks2/ks2-grooming-teacher-notes.pdf") as pdf:
        pages = [_no_watermark(page).extract_text() or "" for page in pdf.pages]
    for i in range(30):
        first = [n for n, text in enumerate(pages) if f"Kiwi{i:02d}" in text]
        last = [n for n, text in enumerate(pages) if f"Emu{i:02d}" in text]
        assert first and first == last, f"list {i} starts on page {first} and ends on {last}"
