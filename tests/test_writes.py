"""A build that cannot finish writing leaves the output folder exactly as it was.

Each failure is injected into a real build through the CLI: the disk fills up while a
file is being written, the folder turns read-only, a rename fails half-way through,
the folder vanishes.  The folder is compared byte for byte before and after.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest
from conftest import lesson_md

LESSONS = {"ks2/grooming.md": lesson_md("ks2", "grooming"),
           "ks2/isolation.md": lesson_md("ks2", "isolation")}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under folder (hidden ones too) with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def first_build_then_edit(make_project, cli) -> tuple[Path, dict[str, bytes]]:
    """A built output folder, and an edit so that the next build rewrites most of it."""
    root = make_project(LESSONS)
    result = cli(root, "build", "--jobs", "1")
    assert result.exit_code == 0, result.output
    for rel in LESSONS:
        lesson = root / "lessons" / rel
        lesson.write_text(lesson.read_text().replace("A new friend says hi.",
                                                     "A new friend says hello."))
    return root, snapshot(root / "output")


def failing_after(real, calls: int, error: int, counter: list[int]):
    """real(), except that call number `calls` (1-based) raises OSError(error)."""

    def fake(*args, **kwargs):
        counter[0] += 1
        if counter[0] == calls:
            raise OSError(error, os.strerror(error))
        return real(*args, **kwargs)

    return fake


def assert_unchanged(result, root: Path, before: dict[str, bytes], cause: str):
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("cannot write")]
    assert lines == [f"cannot write to output/: {cause}; the previous output is unchanged"], \
        result.output
    assert snapshot(root / "output") == before       # same files, same bytes, no temporaries


@pytest.mark.parametrize("calls", [1, 3])
def test_a_full_disk_while_writing_changes_nothing(make_project, cli, monkeypatch, calls):
    root, before = first_build_then_edit(make_project, cli)
    monkeypatch.chdir(root)
    # fsync is where a full disk shows itself when writes are buffered.
    monkeypatch.setattr(os, "fsync", failing_after(os.fsync, calls, errno.ENOSPC, [0]))
    result = cli(root, "build", "--jobs", "1")
    assert_unchanged(result, root, before, "no space left on device")


@pytest.mark.parametrize("error, cause", [(errno.EROFS, "read-only file system"),
                                          (errno.EACCES, "permission denied")])
def test_a_read_only_output_folder_changes_nothing(make_project, cli, monkeypatch, error, cause):
    root, before = first_build_then_edit(make_project, cli)
    monkeypatch.chdir(root)
    out = str(root / "output")
    real_open = os.open

    def refusing_open(path, flags, *args, **kwargs):
        if str(path).startswith(out) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(error, os.strerror(error), path)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
    result = cli(root, "build", "--jobs", "1")
    assert_unchanged(result, root, before, cause)


@pytest.mark.parametrize("calls", [1, 2, 4])
def test_a_rename_failing_half_way_puts_every_file_back(make_project, cli, monkeypatch, calls):
    root, before = first_build_then_edit(make_project, cli)
    monkeypatch.chdir(root)
    monkeypatch.setattr(os, "replace", failing_after(os.replace, calls, errno.EROFS, [0]))
    result = cli(root, "build", "--jobs", "1")
    assert_unchanged(result, root, before, "read-only file system")


def test_an_output_folder_that_vanishes_is_not_half_recreated(make_project, cli, monkeypatch):
    root, _ = first_build_then_edit(make_project, cli)
    monkeypatch.chdir(root)
    from lessonpack import writer

    real_enter = writer.Transaction.__enter__

    def vanish_then_enter(self):
        shutil.rmtree(self.out)       # someone deletes output/ while the PDFs are laid out
        return real_enter(self)

    monkeypatch.setattr(writer.Transaction, "__enter__", vanish_then_enter)
    result = cli(root, "build", "--jobs", "1")
    assert result.exit_code == 1, result.output
    assert "cannot write to output/: the folder was removed during the build" in result.output
    assert "internal error" not in result.output
    assert not (root / "output").exists()


def test_a_successful_build_leaves_no_temporary_files(make_project, cli):
    root, _ = first_build_then_edit(make_project, cli)
    assert cli(root, "build", "--jobs", "1").exit_code == 0
    leftovers = [p for p in (root / "output").rglob("*") if p.name.endswith((".tmp", ".old"))]
    assert leftovers == []
