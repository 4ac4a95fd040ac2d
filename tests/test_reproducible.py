"""Same inputs → byte-identical PDFs and manifest, wherever and however they are built."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pikepdf
from conftest import lesson_md

LESSONS = {"ks1/grooming.md": lesson_md("ks1", "grooming", reviewed="2026-10-05"),
           "ks2/grooming.md": lesson_md("ks2", "grooming", reviewed="2026-11-25")}


def files_of(out) -> dict[str, bytes]:
    """Every file a build leaves for readers (the cache is private to the folder)."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != ".lessonpack-cache.json"}


def build(cli, root, out, *args):
    result = cli(root, "build", "--out", out, *args)
    assert result.exit_code == 0, result.output
    return files_of(out)


def test_two_builds_in_different_places_are_byte_identical(make_project, cli, tmp_path):
    root = make_project(LESSONS)
    first = build(cli, root, tmp_path / "one" / "out", "--jobs", "1")
    # The same project copied elsewhere, built in parallel into a differently named folder.
    moved = tmp_path / "elsewhere" / "copy"
    shutil.copytree(root, moved)
    second = build(cli, moved, tmp_path / "two", "--jobs", "2")
    documents = {"ks1/ks1-grooming-worksheet.pdf", "ks1/ks1-grooming-teacher-notes.pdf",
                 "ks1/ks1-pack.pdf", "ks1/ks1-worksheets.pdf", "ks2/ks2-grooming-worksheet.pdf",
                 "ks2/ks2-grooming-teacher-notes.pdf", "ks2/ks2-pack.pdf", "ks2/ks2-worksheets.pdf",
                 "ks1/ks1-grooming-slides.pdf", "ks1/ks1-grooming-slides.pptx",
                 "ks2/ks2-grooming-slides.pdf", "ks2/ks2-grooming-slides.pptx"}
    thumbnails = {f"thumbnails/{d[:-4]}.png" for d in documents if d.endswith(".pdf")}
    assert set(first) == {"manifest.json", "index.html"} | documents | thumbnails
    assert set(second) == set(first)
    for name in first:
        assert first[name] == second[name], f"{name} differs between builds"


def test_pdfs_carry_no_local_paths_or_build_times(make_project, cli, tmp_path):
    root = make_project(LESSONS)
    files = build(cli, root, tmp_path / "out", "--jobs", "1")
    folder = str(tmp_path).encode()
    for name, data in files.items():
        if not name.endswith(".pdf"):
            continue
        assert folder not in data, name
        with pikepdf.open(tmp_path / "out" / name) as pdf:
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Stream):
                    assert folder not in obj.read_bytes(), f"{name}: a stream names {folder!r}"
            # the identifier is ours, not random; the second half is a hash of the content
            assert bytes(pdf.trailer.ID[0]) == b"lessonpack"
    manifest = json.loads(files["manifest.json"])
    assert not any(d["path"].startswith("/") for d in manifest["documents"])
    assert folder.decode() not in files["manifest.json"].decode()


def pdf_date(path) -> str:
    with pikepdf.open(path) as pdf:
        return str(pdf.docinfo["/CreationDate"])


def test_document_date_is_the_review_date_unless_source_date_epoch(make_project, cli, tmp_path,
                                                                   monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    root = make_project(LESSONS)
    out = tmp_path / "out"
    build(cli, root, out, "--jobs", "1")
    assert pdf_date(out / "ks1/ks1-grooming-worksheet.pdf").startswith("D:20261005")
    assert pdf_date(out / "ks2/ks2-pack.pdf").startswith("D:20261125")

    epoch = int(dt.datetime(2027, 3, 4, tzinfo=dt.timezone.utc).timestamp())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
    result = cli(root, "build", "--out", out, "--jobs", "1")
    assert result.exit_code == 0, result.output
    # The date is part of every document, so the cache must not call them current.
    assert "current" not in result.output and "already current" not in result.output
    assert pdf_date(out / "ks1/ks1-grooming-worksheet.pdf").startswith("D:20270304")
    assert pdf_date(out / "ks2/ks2-pack.pdf").startswith("D:20270304")
