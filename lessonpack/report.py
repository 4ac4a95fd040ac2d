"""Progress and summary lines: with cli.py, the only place that prints."""

from __future__ import annotations

import shutil
import sys

import click

from .build import BuildReport
from .plan import Job
from .worker import Result


class Progress:
    """One line per document; on a terminal, a line that updates in place."""

    def __init__(self, *, quiet: bool = False, stream=None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.quiet = quiet

    def __call__(self, event: str, job: Job, result: Result | None, done: int, total: int) -> None:
        if self.quiet:
            return
        width = len(str(total))
        prefix = f"[{done:>{width}}/{total}]"
        if event == "skipped":
            if not self.tty:
                click.echo(f"{prefix} current  {job.path}", file=self.stream)
            return
        if event == "built":
            line = f"{prefix} built    {job.path} ({result.pages} page{'s' if result.pages != 1 else ''}, {result.seconds:.2f} s)"
        else:
            line = f"{prefix} FAILED   {job.path}"
        if self.tty and event == "built":
            # A line wider than the terminal wraps, and "\r" then rewrites only its last
            # row, leaving the rest on screen: cut it to fit instead.
            columns = shutil.get_terminal_size().columns
            click.echo(f"\r\033[K{line[:max(columns - 1, 20)]}", file=self.stream,
                       nl=done == total)
        else:
            if self.tty:
                click.echo("\r\033[K", file=self.stream, nl=False)
            click.echo(line, file=self.stream)

    def summary(self, report: BuildReport) -> str:
        """'built 34 documents, 81 pages in 6.2 s (2 current, skipped)'."""
        n = len(report.built)
        text = f"built {n} document{'s' if n != 1 else ''}, {report.pages} pages in {report.seconds:.1f} s"
        if report.laid_out and report.laid_out != report.pages:
            # packs and class sets reuse their documents' pages: say how many were laid out
            text += f" ({report.laid_out} laid out)"
        if report.skipped:
            text += f"; {len(report.skipped)} already current"
        if report.failed:
            text += f"; {len(report.failed)} failed"
        return text
