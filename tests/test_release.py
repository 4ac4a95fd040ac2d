"""`lessonpack release`: a complete, verifiable, byte-reproducible zip, built or merged from shards."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, lesson_md

from lessonpack import __version__
from lessonpack.archive import ZIP_EPOCH, make_zip, sha256sums, timestamp
from lessonpack.cli import main

PREFIX = f"lessonpack-packs-{__version__}/"
ZIP = f"dist/lessonpack-packs-{__version__}.zip"
PDFS = {"ks1/ks1-grooming-worksheet.pdf", "ks1/ks1-grooming-teacher-notes.pdf", "ks1/ks1-pack.pdf",
        "ks1/ks1-worksheets.pdf", "ks2/ks2-grooming-worksheet.pdf",
        "ks2/ks2-grooming-teacher-notes.pdf", "ks2/ks2-pack.pdf", "ks2/ks2-worksheets.pdf",
        "ks1/ks1-grooming-slides.pdf", "ks1/ks1-grooming-slides.pptx",
        "ks2/ks2-grooming-slides.pdf", "ks2/ks2-grooming-slides.pptx"}


def run(root: Path, *args) -> "click.testing.Result":  # noqa: F821
    return CliRunner().invoke(main, ["--project", str(root), *map(str, args)])


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """One tiny project, released once, plus its three shard folders."""
    root = tmp_path_factory.mktemp("release") / "proj"
    (root / "lessons").mkdir(parents=True)
    shutil.copytree(REPO / "data", root / "data")
    for ks in ("ks1", "ks2"):
        (root / "lessons" / ks).mkdir()
        (root / "lessons" / ks / "grooming.md").write_text(lesson_md(ks, "grooming"), encoding="utf-8")
    result = run(root, "release", "--jobs", "1")
    assert result.exit_code == 0, result.output
    for i in (1, 2, 3):
        result = run(root, "build", "--jobs", "1", "--shard", f"{i}/3", "--out", root / f"shard-{i}")
        assert result.exit_code == 0, result.output
    return root, (root / ZIP).read_bytes()


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_release_zip_holds_exactly_the_documents_and_their_checksums(released, tmp_path):
    root, data = released
    files = entries(data)
    names = list(files)
    assert names == sorted(names)
    assert all(n.startswith(PREFIX) for n in names)
    inside = {n[len(PREFIX):] for n in names}
    thumbs = {"thumbnails/" + p[:-len(".pdf")] + ".png" for p in PDFS if p.endswith(".pdf")}
    assert inside == PDFS | thumbs | {"manifest.json", "SHA256SUMS", "README.txt", "index.html"}
    assert not any(".lessonpack-cache" in n or n.endswith(".tmp") or "/." in n for n in names)

    # SHA256SUMS: sha256sum format, sorted, covering every other file, all correct
    sums = files[PREFIX + "SHA256SUMS"].decode().splitlines()
    listed = [line.split("  ", 1)[1] for line in sums]
    assert listed == sorted(inside - {"SHA256SUMS"})
    for line in sums:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(files[PREFIX + name]).hexdigest() == digest, name

    # and the real tool agrees once a teacher has unzipped it
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(tmp_path)
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path / PREFIX,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(": OK") == len(inside) - 1

    manifest = json.loads(files[PREFIX + "manifest.json"])
    assert {d["path"] for d in manifest["documents"]} == PDFS
    for d in manifest["documents"]:
        assert d["sha256"] == hashlib.sha256(files[PREFIX + d["path"]]).hexdigest()
        assert d["variant"] == "standard"
    assert files[PREFIX + "manifest.json"] == (root / "dist/build/manifest.json").read_bytes()


def test_release_zip_metadata_is_fixed(released):
    _, data = released
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            assert info.date_time == ZIP_EPOCH
            assert info.external_attr >> 16 == 0o100644
            assert info.create_system == 3
            assert info.extra == b""
            assert info.compress_type == zipfile.ZIP_DEFLATED


def test_readme_tells_teachers_what_is_where(released):
    _, data = released
    readme = entries(data)[PREFIX + "README.txt"].decode()
    assert "not for pupils" in readme and "sha256sum -c SHA256SUMS" in readme
    assert "Key Stage 1 (ages 5–7)" in readme and "Key Stage 2 (ages 7–11)" in readme
    for path in PDFS:
        assert path.split("/")[1] in readme
    assert "12 documents" in readme


def test_a_second_release_is_byte_identical(released, tmp_path):
    root, first = released
    for lesson in (root / "lessons").rglob("*.md"):
        os.utime(lesson, (1_900_000_000, 1_900_000_000))     # new mtimes must not matter
    result = run(root, "release", "--jobs", "1", "--out", tmp_path / "elsewhere")
    assert result.exit_code == 0, result.output
    assert "released 12 documents" in result.output
    assert (root / ZIP).read_bytes() == first


def test_merging_the_shards_gives_the_same_zip(released, monkeypatch):
    root, first = released
    assert all((root / f"shard-{i}/.lessonpack-cache.json").is_file() for i in (1, 2, 3))
    monkeypatch.chdir(root)     # as in CI: folder names relative to the checkout
    result = run(root, "release", "--merge", "shard-1", "shard-2", "shard-3")
    assert result.exit_code == 0, result.output
    assert (root / ZIP).read_bytes() == first
    merged = json.loads((root / "dist/build/manifest.json").read_text())
    assert {d["path"] for d in merged["documents"]} == PDFS
    assert not (root / "dist/build/.lessonpack-cache.json").exists()


@pytest.fixture
def shards(released, tmp_path):
    """Writable copies of the three shard folders, and the project."""
    root, _ = released
    for i in (1, 2, 3):
        shutil.copytree(root / f"shard-{i}", tmp_path / f"shard-{i}")
    return root, tmp_path


def merge(root: Path, where: Path, *names: str):
    before = (root / ZIP).read_bytes()
    result = run(root, "release", "--out", where / "merged", "--merge", *(where / n for n in names))
    assert (root / ZIP).read_bytes() == before, "a failed merge must not touch the zip"
    return result


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def test_merge_refuses_a_shard_without_manifest(shards):
    root, where = shards
    (where / "shard-2/manifest.json").unlink()
    result = merge(root, where, "shard-1", "shard-2", "shard-3")
    assert result.exit_code == 1
    assert "shard-2/manifest.json: missing" in result.output
    assert "nothing was released" in result.output


def test_merge_refuses_shards_that_disagree_on_a_document(shards):
    root, where = shards
    one = _manifest(where / "shard-1")
    doc = one["documents"][0]
    # shard-2 claims the same path with other (self-consistent) bytes
    other = b"%PDF-1.7 a different build\n"
    target = where / "shard-2" / doc["path"]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(other)
    two = _manifest(where / "shard-2")
    two["documents"].append(dict(doc, sha256=hashlib.sha256(other).hexdigest(), bytes=len(other)))
    (where / "shard-2/manifest.json").write_text(json.dumps(two))
    result = merge(root, where, "shard-1", "shard-2", "shard-3")
    assert result.exit_code == 1
    assert f"shard-2/{doc['path']}: differs from shard-1/{doc['path']}" in result.output


def test_merge_refuses_a_file_that_does_not_match_its_manifest(shards):
    root, where = shards
    doc = _manifest(where / "shard-2")["documents"][0]
    (where / "shard-2" / doc["path"]).write_bytes(b"%PDF-1.7 damaged in transit")
    result = merge(root, where, "shard-1", "shard-2", "shard-3")
    assert result.exit_code == 1
    assert f"shard-2/{doc['path']}: does not match the sha256" in result.output


def test_merge_refuses_an_incomplete_set_of_shards(shards):
    root, where = shards
    # (a key stage's documents, pack and class set share a shard: two here, so shard-3 is empty)
    missing = {d["path"] for d in _manifest(where / "shard-2")["documents"]}
    assert missing
    result = merge(root, where, "shard-1", "shard-3")
    assert result.exit_code == 1
    for path in missing:
        assert f"no shard has {path}" in result.output


def test_merge_needs_folders_and_folders_need_merge(released):
    root, _ = released
    merge_alone = run(root, "release", "--merge")
    assert merge_alone.exit_code == 2
    assert "--merge needs the shard folders: release --merge shard-1 shard-2" in merge_alone.output
    folders_alone = run(root, "release", "shard-1")
    assert folders_alone.exit_code == 2
    assert "folders are only taken with --merge: release --merge shard-1" in folders_alone.output


def test_release_will_not_empty_a_folder_it_did_not_make(released, tmp_path):
    root, _ = released
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    result = run(root, "release", "--jobs", "1", "--out", precious)
    assert result.exit_code == 1
    assert "not a lessonpack output folder" in result.output
    assert (precious / "notes.txt").read_text() == "keep me"
    result = run(root, "release", "--jobs", "1", "--out", root)
    assert result.exit_code == 1 and (root / "lessons").is_dir()


def test_zip_timestamps_follow_source_date_epoch():
    assert timestamp({}) == ZIP_EPOCH
    assert timestamp({"SOURCE_DATE_EPOCH": "0"}) == ZIP_EPOCH            # before 1980: clamped
    assert timestamp({"SOURCE_DATE_EPOCH": "1767225600"}) == (2026, 1, 1, 0, 0, 0)
    assert timestamp({"SOURCE_DATE_EPOCH": "soon"}) == ZIP_EPOCH
    files = {"b.txt": b"two", "a.txt": b"one"}
    dated = make_zip(files, environ={"SOURCE_DATE_EPOCH": "1767225600"})
    with zipfile.ZipFile(io.BytesIO(dated)) as archive:
        assert [i.filename for i in archive.infolist()] == ["a.txt", "b.txt"]
        assert {i.date_time for i in archive.infolist()} == {(2026, 1, 1, 0, 0, 0)}
    assert make_zip(files, environ={}) == make_zip(dict(reversed(files.items())), environ={})
    assert make_zip(files, environ={}) != dated
    assert sha256sums(files) == (f"{hashlib.sha256(b'one').hexdigest()}  a.txt\n"
                                 f"{hashlib.sha256(b'two').hexdigest()}  b.txt\n").encode()
