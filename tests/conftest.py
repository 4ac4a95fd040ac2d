"""Shared fixtures: tiny real projects built from a dict in tmp_path, and PDF readers."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from lessonpack.cli import main
from lessonpack.project import HOME

REPO = HOME


class FLOW(list):
    """A front matter list written on one line (a JSON list is YAML flow style)."""


FLOW_KEYS = ("resources", "key_questions", "key_messages")


def plan_tail(minutes: int) -> str:
    """A timed activity holding a baseline: what every lesson must have."""
    return textwrap.dedent(f"""\
        ## Check-in {{{minutes} min}}

        ::: baseline
        - People online are always who they say they are.
        - You can tell a grown-up you trust.
        - A secret that makes you feel bad should be kept.
        :::
        """)


def lesson_md(key_stage: str = "ks2", topic: str = "grooming", *, body: str | None = None,
              **front) -> str:
    """A small lesson that passes every check, with front matter keys overridable."""
    signposting = ["childline"] if key_stage == "ks1" else ["childline", "ceop"]
    meta = {
        "id": f"{key_stage}-{topic}",
        # KS1 titles are pupils' text too: no adult words such as "grooming"
        "title": f"Test lesson {key_stage} " + ("safe friends" if key_stage == "ks1" else topic),
        "key_stage": key_stage, "topic": topic, "duration_minutes": 45,
        "objectives": ["I can name a grown-up I trust."],
        "keywords": ["trusted adult: a grown-up who helps you"],
        "signposting": signposting,
        "curriculum": ["rshe-p-online-relationships"],
        "sources": ["Childline – About Childline: https://www.childline.org.uk/pages/about"],
        "reviewed": "2026-11-25", "review_by": "2027-09-01",
        # "Lesson at a glance": last, one line each, so the lines above keep their numbers
        "resources": FLOW(["Worksheet (one per pupil)"]),
        "key_questions": FLOW(["Who could Sam tell?"]),
        "key_messages": FLOW(["You can always tell a grown-up you trust."]),
    }
    meta.update({k: FLOW(v) for k, v in front.items() if k in FLOW_KEYS and isinstance(v, list)})
    front = {k: v for k, v in front.items() if not (k in FLOW_KEYS and isinstance(v, list))}
    meta.update(front)
    meta.update({k: meta.pop(k) for k in FLOW_KEYS if k in meta})   # always last
    lines = ["---"]
    for key, value in meta.items():
        if value is None:
            continue
        if isinstance(value, FLOW):
            lines.append(f"{key}: {json.dumps(list(value), ensure_ascii=False)}")
        elif isinstance(value, list):
            lines.append(f"{key}:")
            lines += [f"  - {v!r}" if isinstance(v, str) else f"  - {v}" for v in value]
        else:
            lines.append(f"{key}: {value}")
    lines.append("---")
    if body is None:
        body = textwrap.dedent("""\
            ## Starter {20 min}

            ::: baseline
            - People online are always who they say they are.
            - You can tell a grown-up you trust.
            :::

            Sam plays a game. A new friend says hi.

            ::: student
            Who can Sam tell? Write one name.

            ::: lines 2
            :::

            ::: answer
            ANSWER-TEXT: Sam can tell a parent or a teacher.
            :::

            ::: teacher
            TEACHER-TEXT: Allow five minutes for this task.
            :::

            ## Plenary {25 min}

            It is never your fault. You will not be in trouble for telling.
            """)
    if meta["key_stage"] != "parents" and not re.search(r"\{\s*\d+\s*min|::: *baseline", body):
        # Every lesson needs timed activities and one baseline (check fails otherwise);
        # a test about something else gets a plain one after its own body.
        body = body.rstrip("\n") + "\n\n" + plan_tail(meta.get("duration_minutes") or 45)
    return "\n".join(lines) + "\n" + body


def public_sources(text: str) -> str:
    """A shipped lesson whose sources still cite the internal reference file, with public
    addresses instead (check requires them; the lessons are being rewritten)."""
    import re
    return re.sub(r"^  - .*(§|\.md).*$", '  - "NSPCC – Report abuse: https://www.nspcc.org.uk/what-you-can-do/report-abuse/"',
                  text, flags=re.M)


# A lesson body that prints no number, no address and none of the reassurance words, so
# whatever of those a document shows came from the registry and the templates.
QUIET_BODY = textwrap.dedent("""\
    ## Starter

    Sam plays a game. A new player says hi and asks lots of questions.

    ::: student
    Who can Sam talk to? Write one name.

    ::: lines 2
    :::

    ::: answer
    Sam can talk to a parent or a teacher.
    :::

    ::: teacher
    Give pupils a few minutes for this task.
    :::
    """)


@pytest.fixture
def make_project(tmp_path):
    """make_project({"ks2/grooming.md": text, ...}) → a project folder with data/."""

    def make(lessons: dict[str, str] | None = None, *, files: dict[str, str | bytes] | None = None,
             name: str = "proj") -> Path:
        root = tmp_path / name
        (root / "lessons").mkdir(parents=True)
        shutil.copytree(REPO / "data", root / "data")
        for rel, text in (lessons if lessons is not None else {"ks2/grooming.md": lesson_md()}).items():
            path = root / "lessons" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        for rel, content in (files or {}).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return root

    return make


@pytest.fixture
def cli():
    """cli(project, "build", "--jobs", "1") → click Result (exit_code, output)."""

    def run(project: Path | None, *args: str):
        runner = CliRunner()
        pre = ["--project", str(project)] if project else []
        return runner.invoke(main, pre + [str(a) for a in args], catch_exceptions=True)

    return run


def build_shipped(out: Path, lesson_ids, *, jobs: int = 1) -> Path:
    """The shipped lessons' documents built into `out` with the real CLI, gates off (the
    content gates have tests of their own): what a teacher's copy prints."""
    import sys

    args = [sys.executable, str(REPO / "build.py"), "--project", str(REPO), "build",
            "--out", str(out), "--jobs", str(jobs), "-q", "--no-check"]
    for lesson_id in lesson_ids:
        args += ["--lesson", lesson_id]
    done = subprocess.run(args, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def pdf_text(path: Path) -> str:
    """Text of a PDF as poppler's pdftotext sees it, whitespace normalised."""
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         text=True, check=True).stdout
    return " ".join(out.split())


DRAFT_MARK = "DRAFT – not checked"


def tagged_text(path: Path) -> str:
    """The text of a PDF's tag tree in reading order (what a screen reader gets), whitespace
    normalised; page furniture is not tagged, and the DRAFT mark of --no-check builds
    (tagged where each page repeats it) is left out so a sentence over a page break reads
    as one."""
    out = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True,
                         text=True, check=True).stdout
    strings = re.findall(r'^\s*"(.*)"$', out, re.M)
    text = " ".join(" ".join(s for s in strings if s.strip() and s != DRAFT_MARK).split())
    return re.sub(r" ([:.,?!])(?= |$)", r"\1", text)   # e.g. a chat speaker's colon is a span


def structure_of(node):
    """Every structure element below a node of a PDF's tag tree, depth first."""
    import pikepdf

    kids = node.get("/K")
    for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid
            yield from structure_of(kid)


def pdf_pages(path: Path) -> int:
    from pypdf import PdfReader
    return len(PdfReader(str(path)).pages)


def default_sigint() -> None:
    """preexec_fn for a child that must see Ctrl-C: a shell that runs the tests in the
    background leaves SIGINT ignored, and Python then never raises KeyboardInterrupt."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
