"""The layout gate: each rule seeded once in a real lesson, found on the right page of the
laid-out document; the keep-together rules of print.css prevent what they promise."""

from __future__ import annotations

from pathlib import Path

import pytest

from lessonpack.plan import Job
from lessonpack.project import Project
from lessonpack.worker import Settings, Worker

from conftest import REPO, lesson_md

# The keep-together rules switched off, so that the gate's own rules can be seeded.
LOOSE_CSS = """
h1, h2, h3, h4 { break-after: auto; page-break-after: auto; }
tbody tr:first-child, tbody tr:nth-child(2), tbody tr:last-child { break-before: auto; }
.answer-lines, .answer-box, div.ticks, div.sort { break-before: auto; }
li + li:last-child, li:first-child + li { break-before: auto; }
p.label, p.card-title { break-after: auto; }
.worksheet-doc li:first-child:nth-last-child(-n+8) ~ li,
.worksheet-doc tbody tr:first-child:nth-last-child(-n+8) ~ tr { break-before: auto; }
div.ticks > ul.ticks, div.sort > table.sort { break-inside: auto; }
div.answer { break-inside: auto; }
"""



def _worker(make_project, body: str, *, loose: bool, name: str) -> tuple[Worker, Job]:
    files = {}
    if loose:
        css = (REPO / "templates" / "css" / "print.css").read_text(encoding="utf-8")
        files["templates/css/print.css"] = css + LOOSE_CSS
    root = make_project({"ks2/grooming.md": lesson_md(body=body)}, files=files, name=name)
    worker = Worker(Settings(str(Project(root).root)))
    return worker, Job("ks2/ks2-grooming-worksheet.pdf", "worksheet", "ks2", "ks2-grooming")


def _rules(worker: Worker, job: Job) -> dict[str, list[str]]:
    result = worker.run(job, write=False)
    assert result.ok, result.problems
    found: dict[str, list[str]] = {}
    for problem in result.layout:
        found.setdefault(problem.code, []).append(str(problem))
    return found


def _sweep(make_project, body_of, sizes, *, loose: bool, name: str, rule: str,
           first: bool = False, kind: str = "worksheet") -> list[tuple[int, str]]:
    """(filler size, finding) of `rule` for fillers of `sizes` box rows pushing the seeded
    element down the first page; one project, rewritten per size."""
    worker, job = _worker(make_project, body_of(1), loose=loose, name=name)
    job = Job(f"ks2/ks2-grooming-{kind}.pdf", kind, "ks2", "ks2-grooming")
    lesson_file = Path(worker.project.root) / "lessons" / "ks2" / "grooming.md"
    hits = []
    for n in sizes:
        lesson_file.write_text(lesson_md(body=body_of(n)), encoding="utf-8")
        hits += [(n, f) for f in _rules(Worker(worker.settings), job).get(f"layout-{rule}", [])]
        if hits and first:
            break
    return hits


def _heading_body(n: int) -> str:
    return f"## Starter\n\nIntro.\n\n::: box {n}\n\n## Activity two\n\nSome text under it.\n\n" \
           "::: box 12\n\nIt is never your fault.\n"


def _instruction_body(n: int) -> str:
    return f"## Starter\n\nIntro.\n\n::: box {n}\n\nWrite three names of grown-ups here.\n\n" \
           "::: lines 6\n\nIt is never your fault.\n"


def _table_body(n: int, rows: int = 10) -> str:
    rows = "\n".join(f"| Statement number {i} | yes |" for i in range(1, rows + 1))
    return f"## Starter\n\nIntro.\n\n::: box {n}\n\n| What happens | Safe? |\n|---|---|\n{rows}\n\n" \
           "::: box 10\n\nIt is never your fault.\n"


def _list_body(n: int, items: int = 10) -> str:
    items = "\n".join(f"- Step number {i}: tell a grown-up you trust." for i in range(1, items + 1))
    return f"## Starter\n\nIntro.\n\n::: box {n}\n\nThe steps:\n\n{items}\n\n" \
           "::: box 10\n\nIt is never your fault.\n"


def _short_table_body(n: int) -> str:
    return _table_body(n, rows=4)


def _short_list_body(n: int) -> str:
    return _list_body(n, items=5)


def _short_ticks_body(n: int) -> str:
    ticks = "\n".join(f"- \"Message number {i} from someone you only know online.\"" for i in range(1, 7))
    return f"## Starter\n\nIntro.\n\n::: box {n}\n\n::: student\nTick each message that shows a " \
           f"trick.\n\n::: ticks\n{ticks}\n:::\n:::\n\n::: box 10\n\nIt is never your fault.\n"


@pytest.mark.parametrize("rule,body_of,pages,expect", [
    # a list or table of more than eight: one item/row left at the foot of page 1, or the
    # last one alone at the top of page 2
    ("split-list", _list_body, ("page 1:", "page 2:"), "leaving one item"),
    ("stranded-heading", _heading_body, ("page 1:",), "is the last thing on the page"),
    ("stranded-instruction", _instruction_body, ("page 1:",), "its answer space is overleaf"),
    ("split-table", _table_body, ("page 1:", "page 2:"), "leaving 1 row"),
    # eight or fewer: split at all, even evenly
    ("split-short-list", _short_list_body, ("page 1:",),
     "list 'Step number 1: tell a grown-up you trust.…' (5 items) is split across pages 1 and 2"),
    ("split-short-list", _short_ticks_body, ("page 1:",),
     "list '\"Message number 1 from someone you only know…' (6 items) is split across pages 1 and 2"),
    ("split-short-table", _short_table_body, ("page 1:",),
     "table 'What happens Safe? Statement number 1 yes Statement…' (4 rows) is split across pages 1 and 2")])
def test_keep_together_rule_is_found_when_css_allows_it_and_prevented_by_print_css(
        make_project, rule, body_of, pages, expect):
    name = f"{rule}-{body_of.__name__}"
    loose = _sweep(make_project, body_of, range(8, 29), loose=True, name=f"loose-{name}",
                   rule=rule, first=True)
    assert loose, f"seeding {rule} with the keep rules off should be found by the gate"
    size, finding = loose[0]
    assert finding.startswith("lessons/ks2/grooming.md")
    assert any(f"ks2/ks2-grooming-worksheet.pdf {page}" in finding for page in pages), finding
    assert expect in finding, finding
    # The same positions with the shipped print.css: the keep rule prevents the fault.
    kept = _sweep(make_project, body_of, range(size - 2, size + 3), loose=False,
                  name=f"kept-{name}", rule=rule)
    assert kept == [], f"print.css should prevent {rule}: {kept}"


def test_a_short_list_split_in_the_teacher_notes_is_only_a_lone_item_fault(make_project):
    """Teacher notes are read by one adult, not photocopied: a short list there may run on
    overleaf (split-list still guards against one item left alone)."""
    def body_of(n: int) -> str:
        items = "\n".join(f"- Point number {i} for the teacher to draw out." for i in range(1, 7))
        return "## Starter\n\nIntro.\n\n::: teacher\n" + \
            "\n\n".join(f"Teacher paragraph {i} with a few words to fill the line." for i in range(n)) + \
            f"\n\n{items}\n:::\n\nIt is never your fault.\n"
    worker, _ = _worker(make_project, body_of(1), loose=True, name="notes-short")
    job = Job("ks2/ks2-grooming-teacher-notes.pdf", "teacher-notes", "ks2", "ks2-grooming")
    lesson_file = Path(worker.project.root) / "lessons" / "ks2" / "grooming.md"
    from lessonpack.layout import _split_lists
    split = 0
    for n in range(20, 80, 3):
        lesson_file.write_text(lesson_md(body=body_of(n)), encoding="utf-8")
        fresh = Worker(worker.settings)
        doc, *_ = fresh.renderer._render(fresh.compose(job).html, base_url=fresh.project.lessons)
        boxes = [page._page_box for page in doc.pages]
        if any(f.rule == "split-short-list" for f in _split_lists(boxes)):   # as on a worksheet
            split += 1
            assert "layout-split-short-list" not in _rules(fresh, job)
    assert split, "some filler size should split the teacher's six-point list"


def _notes_rules(make_project, name: str, extra_css: str) -> dict[str, list[str]]:
    css = (REPO / "templates" / "css" / "print.css").read_text(encoding="utf-8")
    root = make_project({"ks2/grooming.md": lesson_md()},
                        files={"templates/css/print.css": css + extra_css}, name=name)
    job = Job("ks2/ks2-grooming-teacher-notes.pdf", "teacher-notes", "ks2", "ks2-grooming")
    return _rules(Worker(Settings(str(Project(root).root))), job)


def test_the_safeguarding_box_keeps_its_short_lists_whole_in_the_teacher_notes(make_project):
    """The expert's find (round 3): the ground rules broke after "Everyone has the right to
    pass." in all three KS2 teacher notes.  A gap above the box's lists pushes them down
    page 2: with the keep rule off, the gate finds the seven ground rules split (teacher
    notes or not); with print.css, the list moves on whole at the same gaps."""
    loose_rule = ".safeguarding li:first-child:nth-last-child(-n+8) ~ li { break-before: auto; }\n"
    found = None
    for gap in range(30, 130, 6):
        push = f".safeguarding p.check-in {{ margin-bottom: {gap}mm; }}\n"
        hits = [f for f in _notes_rules(make_project, f"loose-{gap}", push + loose_rule)
                .get("layout-split-short-list", []) if "Agree the ground rules" in f]
        if hits:
            found = gap, hits[0]
            break
    assert found, "some gap should split the ground rules with the keep rule off"
    gap, finding = found
    assert "ks2/ks2-grooming-teacher-notes.pdf page 2:" in finding, finding
    assert "(7 items) is split across pages 2 and 3" in finding, finding
    for near in (gap - 2, gap, gap + 2):
        push = f".safeguarding p.check-in {{ margin-bottom: {near}mm; }}\n"
        rules = _notes_rules(make_project, f"kept-{near}", push)
        assert "layout-split-short-list" not in rules, rules


def test_the_shipped_worksheets_and_guide_print_short_lists_and_tables_whole():
    """The expert's finds (KS2 grooming's ticks, KS3 grooming's tactic table, KS4
    grooming's tactic ticks) and every other short list or table on the pages teachers
    photocopy."""
    from lessonpack.cli_more import _inputs
    from lessonpack.plan import plan

    project = Project(REPO)
    inputs = _inputs(project, None, keep_going=True)
    worker = Worker(Settings(str(REPO)), inputs)
    jobs = [j for j in plan(list(inputs.lessons.values()), packs=False)
            if j.kind in ("worksheet", "parents-guide")]
    assert len(jobs) == 17
    split = [str(p) for job in jobs for p in worker.run(job, write=False).layout
             if p.code in ("layout-split-short-list", "layout-split-short-table")]
    assert split == []


def test_stranded_heading_names_the_lesson_line(make_project):
    hits = _sweep(make_project, _heading_body, range(8, 29), loose=True, name="line",
                  rule="stranded-heading", first=True)
    body_line = lesson_md(body=_heading_body(1)).split("\n").index("## Activity two") + 1
    assert hits and hits[0][1].startswith(f"lessons/ks2/grooming.md:{body_line}:"), hits


def _lead_art_rules(make_project, fillers: range, *, loose: bool) -> dict[int, list[str]]:
    """KS1: a heading, then a paragraph that opens with a character drawn beside its words,
    pushed down page 1 by `fillers` one-line paragraphs."""
    files = {}
    if loose:
        css = (REPO / "templates" / "css" / "print.css").read_text(encoding="utf-8")
        files["templates/css/print.css"] = css + ".ks-ks1 p.lead-art { break-inside: auto; }\n"
    root = make_project({}, files=files, name=f"lead-art-{loose}")
    lesson = root / "lessons" / "ks1" / "grooming.md"
    lesson.parent.mkdir(parents=True)
    job = Job("ks1/ks1-grooming-worksheet.pdf", "worksheet", "ks1", "ks1-grooming")
    found = {}
    for n in fillers:
        body = "## Starter\n\nIntro.\n\n" + "".join(f"Filler line {i} for the page.\n\n"
                                                  for i in range(n)) + \
            "## Activity two\n\n![Leo waves](art:child-leo) Leo is 7. He plays a car game with " \
            "his friend Ben. Rex sends Leo messages.\n\n::: box 12\n\nIt is never your fault.\n"
        lesson.write_text(lesson_md("ks1", body=body), encoding="utf-8")
        result = Worker(Settings(str(root))).run(job, write=False)
        assert result.ok, result.problems
        found[n] = [str(p) for p in result.layout if p.code == "layout-stranded-heading"]
    return found


def test_a_heading_whose_picture_paragraph_went_overleaf_is_stranded(make_project):
    """A KS1 paragraph opening with a floated character can leave an empty start on the
    page, after the heading: the gate looks past it, and print.css keeps the paragraph
    whole so the heading goes over with it."""
    loose = _lead_art_rules(make_project, range(8, 14), loose=True)
    hits = [f for found in loose.values() for f in found]
    assert hits and all("heading 'Activity two' is the last thing on the page" in f
                        and "page 1:" in f for f in hits), loose
    kept = _lead_art_rules(make_project, range(8, 14), loose=False)
    assert not any(kept.values()), kept


def test_near_empty_middle_page(make_project):
    # A tall box that cannot share page 1 leaves it near empty.
    body = "## Starter\n\nIntro.\n\n::: box 24\n\nIt is never your fault.\n"
    worker, job = _worker(make_project, body, loose=False, name="empty")
    found = _rules(worker, job)
    assert any("page 1: page is only" in f for f in found["layout-near-empty"]), found


def _overflow_body(n: int) -> str:
    return "## Starter\n\nIntro.\n\n::: teacher\n" + \
        "\n\n".join(f"Teacher paragraph {i} with a few words to fill the line." for i in range(n)) + \
        "\n:::\n\nIt is never your fault.\n"


def test_short_last_page(make_project):
    # Teacher text that pushes only the end of the notes overleaf leaves a near-empty last page.
    hits = _sweep(make_project, _overflow_body, range(8, 60, 2), loose=False, name="last",
                  rule="near-empty-last", first=True, kind="teacher-notes")
    assert hits, "some filler size should leave a short last page"
    assert "last page is only" in hits[0][1] and "(at least 25%)" in hits[0][1]


def test_forced_page_break_is_not_a_near_empty_page(make_project):
    # A page ended on purpose (a forced break, like "Lesson at a glance") is not a fault.
    css = (REPO / "templates" / "css" / "print.css").read_text(encoding="utf-8")
    body = "## Starter\n\nIntro.\n\n## Activity\n\nMore.\n\n::: box 10\n\nNever your fault.\n"
    root = make_project({"ks2/grooming.md": lesson_md(body=body)}, name="forced", files={
        "templates/css/print.css": css + "\n.lesson-body h2:nth-of-type(2) { break-before: page; }\n"})
    worker = Worker(Settings(str(root)))
    job = Job("ks2/ks2-grooming-worksheet.pdf", "worksheet", "ks2", "ks2-grooming")
    composed = worker.compose(job)
    doc, _, _, _ = worker.renderer._render(composed.html, base_url=worker.project.lessons)
    from lessonpack.layout import MIDDLE_FILL, _fill, inspect
    assert len(doc.pages) >= 2 and _fill(doc.pages[0]._page_box) < MIDDLE_FILL
    assert not [f for f in inspect(doc.pages, kind="worksheet") if f.rule == "near-empty"]


def test_worksheet_over_four_sides(make_project):
    body = "## Starter\n\n" + "\n\n".join("::: box 20" for _ in range(6)) + "\n\nNever your fault.\n"
    worker, job = _worker(make_project, body, loose=False, name="long")
    found = _rules(worker, job)
    assert any("worksheet runs to" in f and "(at most 4)" in f for f in found["layout-too-long"])


def test_strict_build_fails_on_layout_and_writes_nothing(make_project, cli):
    body = "## Starter\n\nIntro.\n\n::: box 24\n\nIt is never your fault.\n"
    root = make_project({"ks2/grooming.md": lesson_md(body=body)}, name="strict")
    out = root / "output"
    relaxed = cli(root, "build", "--no-check", "--jobs", "1", "--out", out)
    assert relaxed.exit_code == 0, relaxed.output
    assert "warning: lessons/ks2/grooming.md" in relaxed.output and "layout-near-empty" in relaxed.output
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    strict = cli(root, "build", "--no-check", "--strict", "--force", "--jobs", "1", "--out", out)
    assert strict.exit_code == 1
    assert "ks2/ks2-grooming-worksheet.pdf page 1: page is only" in strict.output
    assert "layout problem" in strict.output and "nothing was written" in strict.output
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_four_sides_is_the_class_set_limit_not_the_large_print_one(make_project):
    body = "## Starter\n\n" + "\n\n".join("::: box 20" for _ in range(6)) + "\n\nNever your fault.\n"
    worker, _ = _worker(make_project, body, loose=False, name="long-lp")
    found = {}
    for variant in ("standard", "greyscale", "large-print", "dyslexia"):
        job = Job(f"ks2/ks2-grooming-worksheet-{variant}.pdf", "worksheet", "ks2", "ks2-grooming",
                  variant)
        result = worker.run(job, write=False)
        assert result.pages > 4
        found[variant] = [p for p in result.layout if p.code == "layout-too-long"]
    assert found["standard"] and found["greyscale"]
    assert not found["large-print"] and not found["dyslexia"]


def _label_body(n: int) -> str:
    return (f"## Starter\n\nIntro.\n\n::: teacher\n" +
            "\n\n".join(f"Teacher paragraph {i} with a few words to fill the line." for i in range(n)) +
            "\n:::\n\n::: answer\nThe model answer, several lines long. " * 1 +
            " ".join(["More of the model answer."] * 30) + "\n:::\n\nIt is never your fault.\n")


def test_a_label_left_at_the_page_foot_is_found_and_prevented(make_project):
    loose = _sweep(make_project, _label_body, range(20, 80, 2), loose=True, name="label-loose",
                   rule="stranded-heading", first=True, kind="teacher-notes")
    assert loose and "'Model answer' is the last thing on the page" in loose[0][1], loose
    size = loose[0][0]
    kept = _sweep(make_project, _label_body, range(size - 2, size + 3), loose=False,
                  name="label-kept", rule="stranded-heading", kind="teacher-notes")
    assert kept == [], kept


def _chat_and_task(n: int) -> str:
    """A teacher box of n paragraphs, then a chat and a short pupils' task under it."""
    messages = "\n".join(f"Max: Message number {i} from Max to Sam." for i in range(1, 9))
    ticks = "\n".join(f"- Warning sign number {i}." for i in range(1, 7))
    return ("## Activity 1: Sam's chat {10 min}\n\n::: teacher\n" +
            "\n\n".join(f"Teacher paragraph {i} with a few words to fill the line." for i in range(n)) +
            f"\n:::\n\n::: chat Sam\n-- Week 1 --\n{messages}\n:::\n\n"
            f"::: student\nTick the warning signs.\n\n::: ticks\n{ticks}\n:::\n:::\n\n"
            "## Plenary {5 min}\n\nIt is never your fault.\n")


def test_a_chat_or_short_task_split_in_the_teacher_notes_is_found_and_prevented(make_project):
    """Reviewers found Ava's chat and KS4 grooming's sort list cut by a page break in the
    teacher notes.  With print.css's keep rules off, some filler height splits each and the
    gate names it; with the shipped print.css, no filler height splits either."""
    loose = ".teacher-doc .chat, div.student.task.whole { break-inside: auto; }\n" \
            ".chat ol.chat-messages > li, ul.ticks li, div.ticks > ul.ticks { break-inside: auto; }\n" \
            "li + li:last-child, li:first-child + li { break-before: auto; }\n"
    css = (REPO / "templates" / "css" / "print.css").read_text(encoding="utf-8")
    job = Job("ks2/ks2-grooming-teacher-notes.pdf", "teacher-notes", "ks2", "ks2-grooming")
    found: dict[str, list[int]] = {"chat 'Sam": [], "pupils' task": []}
    for style, name in ((css + loose, "loose"), (css, "kept")):
        root = make_project({"ks2/grooming.md": lesson_md(body=_chat_and_task(1))},
                            files={"templates/css/print.css": style}, name=f"whole-{name}")
        worker = Worker(Settings(str(Project(root).root)))
        lesson_file = Path(worker.project.root) / "lessons" / "ks2" / "grooming.md"
        for n in range(2, 44, 3):
            lesson_file.write_text(lesson_md(body=_chat_and_task(n)), encoding="utf-8")
            hits = _rules(Worker(worker.settings), job).get("layout-split-block", [])
            for what in found:
                if any(what in h for h in hits):
                    assert name == "loose", (n, hits)          # print.css prevents it
                    found[what].append(n)
            if all(found.values()) and name == "loose":
                break
    assert all(found.values()), f"some filler should split the chat and the task: {found}"
