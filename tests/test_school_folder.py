"""A school without the repository: the wheel, `init`, a school folder that builds, the
school's own lessons and contacts, section overrides, and output/index.html."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import default_sigint, REPO, lesson_md, pdf_text

PACKAGED = ("lessonpack", "lessons", "templates", "data", "docs", "setup.py", "setup.cfg",
            "pyproject.toml", "MANIFEST.in", "README.md")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The project built as a wheel and installed into a fresh venv that has our
    dependencies but not the checkout: (python, site-packages)."""
    root = tmp_path_factory.mktemp("wheel")
    src = root / "src"
    src.mkdir()
    for name in PACKAGED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(root / "dist"), str(src)], check=True, capture_output=True)
    wheel, = (root / "dist").glob("lessonpack-*.whl")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--target", str(site), str(wheel)], check=True, capture_output=True)
    # Our dependencies come from the test venv's site-packages (a plain path entry: its
    # editable-install hook for the checkout is not run).
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return python, site


def run(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    return subprocess.run([str(python), "-m", "lessonpack", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_wheel_carries_the_library_and_needs_no_checkout(installed, tmp_path):
    python, site = installed
    probe = subprocess.run([str(python), "-c", "import lessonpack, lessonpack.project as p; "
                            "print(lessonpack.__file__); print(p.HOME)"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout.split()
    assert Path(probe[0]).is_relative_to(site) and Path(probe[1]).is_relative_to(site)
    assert not Path(probe[1]).is_relative_to(REPO)
    for shipped in ("lessons/ks2/grooming.md", "templates/art/pip-waves.svg", "data/helplines.yml",
                    "templates/init/school.yml"):
        assert (Path(probe[1]) / shipped).is_file(), shipped
    version = run(python, tmp_path, "--version")
    assert version.returncode == 0 and version.stdout.strip().startswith("lessonpack 0.")


def test_init_build_list_in_a_school_folder(installed, tmp_path):
    python, _ = installed
    school = tmp_path / "our-school"
    made = run(python, tmp_path, "init", str(school))
    assert made.returncode == 0, made.stderr
    assert sorted(p.relative_to(school).as_posix() for p in school.rglob("*")) == [
        "README.md", "overrides", "overrides/lessons", "overrides/templates", "school.yml"]
    again = run(python, tmp_path, "init", str(school))
    assert again.returncode == 1 and "school.yml already exists; nothing was written" in again.stderr
    (school / "school.yml").write_text((school / "school.yml").read_text().replace(
        "Example School", "Hilltop Academy").replace("[ks1, ks2, ks3, ks4]", "[ks1]"))
    built = run(python, school, "build", "--jobs", "1")
    assert built.returncode == 0, built.stderr
    assert "→ output/" in built.stdout
    out = school / "output"
    docs = json.loads((out / "manifest.json").read_text())["documents"]
    assert {d["key_stage"] for d in docs} == {"ks1", None}
    assert "Hilltop Academy" in pdf_text(out / "ks1" / "ks1-grooming-worksheet.pdf")
    assert (out / "parents" / "letter.pdf").is_file()      # a config makes the letter
    listed = run(python, school, "list")
    assert listed.returncode == 0 and "ks1-grooming" in listed.stdout and "ks2-grooming" not in listed.stdout


def test_serve_from_the_installed_package(installed, tmp_path):
    """serve in a school folder: index, preview and PDF respond, an edit to school.yml shows
    up without a restart, and Ctrl-C stops it cleanly."""
    import signal
    import urllib.request

    python, _ = installed
    school = tmp_path / "school"
    assert run(python, tmp_path, "init", str(school)).returncode == 0
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    server = subprocess.Popen([str(python), "-m", "lessonpack", "serve", "--port", "0"], cwd=school,
                              env=env, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint)
    try:
        line = server.stderr.readline()
        assert line.startswith("serving http://127.0.0.1:"), line
        url = line.split()[1].rstrip("/")

        def fetch(path):
            with urllib.request.urlopen(url + path, timeout=120) as response:
                return response.status, response.read()

        assert fetch("/")[0] == 200
        status, page = fetch("/ks1/ks1-grooming-worksheet.html")
        assert status == 200 and b"Example School" in page
        status, pdf = fetch("/ks1/ks1-grooming-worksheet.pdf")
        assert status == 200 and pdf.startswith(b"%PDF-")
        config = school / "school.yml"
        config.write_text(config.read_text().replace("Example School", "Riverside Primary"))
        deadline = time.monotonic() + 20
        while b"Riverside Primary" not in page and time.monotonic() < deadline:
            time.sleep(0.3)
            page = fetch("/ks1/ks1-grooming-worksheet.html")[1]
        assert b"Riverside Primary" in page
    finally:
        server.send_signal(signal.SIGINT)
        _, err = server.communicate(timeout=30)
    assert server.returncode == 0 and "stopped" in err and "Traceback" not in err


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.images = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self.hrefs.append(attrs.get("href"))
        if tag == "img":
            self.images.append(attrs.get("src"))


def test_index_links_every_document_and_thumbnail(make_project, cli):
    root = make_project({"ks2/grooming.md": lesson_md(), "ks1/grooming.md": lesson_md("ks1")})
    out = root / "output"
    result = cli(root, "build", "--no-check", "--jobs", "1")
    assert result.exit_code == 0, result.output
    docs = json.loads((out / "manifest.json").read_text())["documents"]
    page = (out / "index.html").read_text(encoding="utf-8")
    links = _Links()
    links.feed(page)
    assert sorted(links.hrefs) == sorted(d["path"] for d in docs)
    pdfs = [d["path"] for d in docs if d["path"].endswith(".pdf")]
    assert len(links.images) == len(pdfs)
    for src in links.images:
        data = (out / src).read_bytes()
        assert data.startswith(b"\x89PNG")
    assert '<html lang="en-GB">' in page and "Key Stage 1 (ages 5–7)" in page
    thumbs = {p: p.read_bytes() for p in (out / "thumbnails").rglob("*.png")}
    again = cli(root, "build", "--no-check", "--jobs", "1", "--force")
    assert again.exit_code == 0
    assert {p: p.read_bytes() for p in (out / "thumbnails").rglob("*.png")} == thumbs
    assert (out / "index.html").read_text(encoding="utf-8") == page


def _school(make_project, tmp_path, lessons=None, **yml):
    root = make_project(lessons)
    school = tmp_path / "school"
    (school / "overrides" / "lessons").mkdir(parents=True)
    text = "school:\n  name: Hilltop Academy\ndsl:\n  name: Ms Example\n"
    text += "".join(f"  {k}: {v}\n" for k, v in yml.items())
    text += "overrides: overrides/\n"
    (school / "school.yml").write_text(text, encoding="utf-8")
    return root, school


@pytest.mark.parametrize("key,value,message", [
    ("phone", '"01632 96O123"', "contains the letter 'O' (did you mean 0?)"),
    ("phone", '"01632 96012"', "is not a UK phone number: expected 11 digits"),
    ("phone", "1632960000", "write the number in quotes"),
    ("email", "dsl@example", "is not an email address"),
])
def test_bad_dsl_contact_fails_with_its_line(make_project, tmp_path, cli, key, value, message):
    root, school = _school(make_project, tmp_path, **{key: value})
    result = cli(root, "check", "--config", school / "school.yml")
    assert result.exit_code == 1
    assert f"school.yml:5: 'dsl.{key}': " in result.output and message in result.output


def test_good_dsl_contact_passes(make_project, tmp_path, cli):
    root, school = _school(make_project, tmp_path, phone='"01632 960000"', email="dsl@example.sch.uk")
    result = cli(root, "check", "--config", school / "school.yml")
    assert "dsl." not in result.output, result.output


def test_school_lesson_on_a_topic_of_its_own_builds(make_project, tmp_path, cli):
    root, school = _school(make_project, tmp_path)
    own = school / "overrides" / "lessons" / "ks3" / "cyberflashing.md"
    own.parent.mkdir(parents=True)
    own.write_text(lesson_md("ks3", "cyberflashing"), encoding="utf-8")
    out = tmp_path / "out"
    result = cli(root, "build", "--no-check", "--jobs", "1", "--config", school / "school.yml",
                 "--out", out, "--lesson", "ks3-cyberflashing")
    assert result.exit_code == 0, result.output
    assert "Test lesson ks3 cyberflashing" in pdf_text(out / "ks3" / "ks3-cyberflashing-worksheet.pdf")
    listed = cli(root, "list", "--config", school / "school.yml")
    assert "ks3-cyberflashing" in listed.output and "school's own" in listed.output


def test_new_in_a_school_folder_writes_into_overrides(make_project, tmp_path, cli, monkeypatch):
    root, school = _school(make_project, tmp_path)
    monkeypatch.chdir(school)
    result = cli(root, "new", "--key-stage", "ks3", "--topic", "cyberflashing")
    assert result.exit_code == 0, result.output
    assert (school / "overrides" / "lessons" / "ks3" / "cyberflashing.md").is_file()
    assert not (root / "lessons" / "ks3" / "cyberflashing.md").exists()
    bad = cli(root, "new", "--key-stage", "ks3", "--topic", "Cyber Flashing")
    assert bad.exit_code == 2 and "use a-z, 0-9 and -" in bad.output


SHIPPED_BODY = "## Starter\n\nShipped starter text.\n\n## Activity\n\nShipped activity text.\n\n" \
               "Never your fault.\n"


def test_section_override_replaces_only_its_section(make_project, tmp_path, cli, monkeypatch):
    root, school = _school(make_project, tmp_path, lessons={"ks2/grooming.md": lesson_md(body=SHIPPED_BODY)})
    monkeypatch.chdir(school)
    made = cli(root, "override", "ks2-grooming", "Activity")
    assert made.exit_code == 0, made.output
    path = school / "overrides" / "lessons" / "ks2" / "grooming.md"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\nsections_of: ks2-grooming\nbased_on: '")
    path.write_text(text.replace("Shipped activity text.", "Our school's activity text."), encoding="utf-8")
    out = tmp_path / "out"
    built = cli(root, "build", "--no-check", "--jobs", "1", "--out", out, "--lesson", "ks2-grooming")
    assert built.exit_code == 0, built.output
    printed = pdf_text(out / "ks2" / "ks2-grooming-worksheet.pdf")
    assert "Our school's activity text." in printed and "Shipped starter text." in printed
    assert "Shipped activity text." not in printed
    listed = cli(root, "list")
    assert "sections overridden" in listed.output
    # A finding in the school's section points at the school's file and line.
    path.write_text(path.read_text().replace("Our school's activity text.",
                                             "Call 0800 1112 for help."), encoding="utf-8")
    checked = cli(root, "check")
    line = path.read_text().split("\n").index("Call 0800 1112 for help.") + 1
    assert f"overrides/lessons/ks2/grooming.md:{line}:" in checked.output, checked.output


def test_changed_shipped_lesson_makes_check_warn_about_its_override(make_project, tmp_path, cli,
                                                                     monkeypatch):
    root, school = _school(make_project, tmp_path, lessons={"ks2/grooming.md": lesson_md(body=SHIPPED_BODY)})
    monkeypatch.chdir(school)
    assert cli(root, "override", "ks2-grooming", "Starter").exit_code == 0
    quiet = cli(root, "check")
    assert "override-changed" not in quiet.output
    shipped = root / "lessons" / "ks2" / "grooming.md"
    shipped.write_text(shipped.read_text().replace("Shipped activity text.", "A later fix."))
    warned = cli(root, "check")
    assert "overrides/lessons/ks2/grooming.md:3: override-changed: the shipped lesson 'ks2-grooming' " \
           "has changed since this override was made" in warned.output, warned.output


def test_excluded_lesson_and_removed_documents_are_named(make_project, tmp_path, cli):
    root, school = _school(make_project, tmp_path, lessons={"ks2/grooming.md": lesson_md(),
                                                            "ks1/grooming.md": lesson_md("ks1")})
    out = tmp_path / "out"
    config = school / "school.yml"
    assert cli(root, "build", "--no-check", "--jobs", "1", "--config", config, "--out", out).exit_code == 0
    config.write_text(config.read_text() + "lessons:\n  exclude: [ks1-grooming]\n")
    excluded = cli(root, "build", "--no-check", "--config", config, "--out", out, "--lesson", "ks1-grooming")
    assert excluded.exit_code == 1
    assert "lesson 'ks1-grooming' is not built: school.yml excludes it (lessons.exclude)" in excluded.output
    rebuilt = cli(root, "build", "--no-check", "--jobs", "1", "--config", config, "--out", out)
    assert rebuilt.exit_code == 0
    assert "removed ks1/ks1-grooming-worksheet.pdf (no longer chosen)" in rebuilt.output


def test_coverage_counts_only_the_chosen_key_stages(make_project, tmp_path, cli):
    root, school = _school(make_project, tmp_path)
    config = school / "school.yml"
    config.write_text(config.read_text() + "lessons:\n  key_stages: [ks2]\n")
    result = cli(root, "coverage", "--config", config)
    assert result.exit_code == 0 and "KS2:" in result.output
    assert "KS1:" not in result.output and "KS3:" not in result.output


def test_build_py_outside_the_venv_says_how_to_run_it(tmp_path):
    bare = subprocess.run([sys.executable, "-I", "-S", str(REPO / "build.py"), "list"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert bare.returncode == 1
    assert "Run `make packs` once" in bare.stderr and "Traceback" not in bare.stderr
