"""The smallest end-to-end build: one lesson, both documents, a manifest."""

import json

from conftest import pdf_text


def test_one_lesson_builds_both_documents(make_project, cli):
    root = make_project()
    result = cli(root, "build", "--jobs", "1")
    assert result.exit_code == 0, result.output
    out = root / "output"
    worksheet = pdf_text(out / "ks2/ks2-grooming-worksheet.pdf")
    teacher = pdf_text(out / "ks2/ks2-grooming-teacher-notes.pdf")
    assert "Who can Sam tell?" in worksheet
    assert "ANSWER-TEXT" not in worksheet and "TEACHER-TEXT" not in worksheet
    assert "ANSWER-TEXT" in teacher and "TEACHER-TEXT" in teacher
    manifest = json.loads((out / "manifest.json").read_text())
    assert {d["path"] for d in manifest["documents"]} == {
        "ks2/ks2-grooming-worksheet.pdf", "ks2/ks2-grooming-teacher-notes.pdf", "ks2/ks2-pack.pdf",
        "ks2/ks2-worksheets.pdf", "ks2/ks2-grooming-slides.pdf", "ks2/ks2-grooming-slides.pptx"}
