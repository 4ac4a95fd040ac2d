"""Progress lines: one per document in logs, one line updated in place on a terminal."""

from __future__ import annotations

import io
import os

from lessonpack.build import BuildReport
from lessonpack.plan import Job
from lessonpack.report import Progress
from lessonpack.worker import Result

JOBS = [Job("ks2/ks2-grooming-worksheet.pdf", "worksheet", "ks2", "ks2-grooming"),
        Job("ks3/ks3-ai-imagery-teacher-notes-large-print.pdf", "teacher-notes", "ks3",
            "ks3-ai-imagery", "large-print"),
        Job("ks2/ks2-pack.pdf", "pack", "ks2", None)]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(stream) -> Progress:
    progress = Progress(stream=stream)
    progress("skipped", JOBS[0], None, 1, 3)
    progress("built", JOBS[1], Result(JOBS[1], data=b"%PDF", pages=3, seconds=0.5), 2, 3)
    progress("built", JOBS[2], Result(JOBS[2], data=b"%PDF", pages=12, seconds=2.25), 3, 3)
    return progress


def test_a_log_gets_one_plain_line_per_document():
    log = io.StringIO()
    run(log)
    assert log.getvalue().splitlines() == [
        "[1/3] current  ks2/ks2-grooming-worksheet.pdf",
        "[2/3] built    ks3/ks3-ai-imagery-teacher-notes-large-print.pdf (3 pages, 0.50 s)",
        "[3/3] built    ks2/ks2-pack.pdf (12 pages, 2.25 s)"]
    assert "\r" not in log.getvalue() and "\033" not in log.getvalue()


def test_a_terminal_gets_one_line_rewritten_in_place_and_cut_to_fit(monkeypatch):
    monkeypatch.setattr("shutil.get_terminal_size", lambda *a, **k: os.terminal_size((60, 24)))
    term = Terminal()
    run(term)
    text = term.getvalue()
    assert "current" not in text                    # current documents are only counted
    assert text.count("\n") == 1 and text.endswith("\n")   # one line, finished at the end
    updates = text.rstrip("\n").split("\r\033[K")[1:]
    assert updates[0].startswith("[2/3] built    ks3/ks3-ai-imagery-teacher-notes")
    assert len(updates[0]) == 59                    # a wrapped line could not be rewritten
    assert updates[1] == "[3/3] built    ks2/ks2-pack.pdf (12 pages, 2.25 s)"


def test_summary_counts_documents_pages_time_and_current():
    report = BuildReport(built=[Result(JOBS[1], data=b"x", pages=3), Result(JOBS[2], data=b"x", pages=12)],
                         skipped=[JOBS[0]], seconds=4.3)
    assert Progress(stream=io.StringIO()).summary(report) == \
        "built 2 documents, 15 pages in 4.3 s; 1 already current"
