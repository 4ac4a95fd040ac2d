"""Ctrl-C during the write loop of a real build (a subprocess, a real SIGINT): the build
finishes writing every document and the manifest, then exits 130 – the manifest always
matches the files on disk."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

from conftest import REPO, lesson_md

# Runs the real CLI; the only change is that Ctrl-C arrives right after the first document
# is written, i.e. in the middle of the write loop.
RUNNER = """
import os, signal, sys
import lessonpack.build as build

real = build.Transaction.stage
written = []

def write_then_interrupt(self, rel, data):
    real(self, rel, data)
    written.append(rel)
    if len(written) == 1:
        print("HOOK: SIGINT after", rel, file=sys.stderr, flush=True)
        os.kill(os.getpid(), signal.SIGINT)

build.Transaction.stage = write_then_interrupt
from lessonpack.cli import main
main(prog_name="lessonpack")
"""


def test_ctrl_c_in_the_write_loop_finishes_the_files_and_the_manifest(make_project):
    root = make_project({"ks2/grooming.md": lesson_md(), "ks2/isolation.md": lesson_md("ks2", "isolation")})
    done = subprocess.run([sys.executable, "-c", RUNNER, "--project", str(root), "build", "--jobs", "1"],
                          capture_output=True, text=True, cwd=root, timeout=300,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "HOME": str(root)})
    assert "HOOK: SIGINT after" in done.stderr, done.stderr          # it did hit the write loop
    assert done.returncode == 130, done.stderr
    assert "interrupted: " in done.stderr and "Traceback" not in done.stderr
    out = root / "output"
    on_disk = sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                     if p.suffix in (".pdf", ".pptx"))
    assert on_disk == sorted(["ks2/ks2-grooming-teacher-notes.pdf", "ks2/ks2-grooming-worksheet.pdf",
                              "ks2/ks2-isolation-teacher-notes.pdf", "ks2/ks2-isolation-worksheet.pdf",
                              "ks2/ks2-pack.pdf", "ks2/ks2-worksheets.pdf"] +
                             [f"ks2/ks2-{t}-slides.{e}" for t in ("grooming", "isolation")
                              for e in ("pdf", "pptx")])
    manifest = json.loads((out / "manifest.json").read_text())
    assert {d["path"]: d["sha256"] for d in manifest["documents"]} == \
        {p: hashlib.sha256((out / p).read_bytes()).hexdigest() for p in on_disk}
    assert not [p for p in out.rglob(".*") if p.name != ".lessonpack-cache.json"]  # no temp files
