"""Fixed expectations: the verified helpline numbers and addresses and the reassurance
lines, typed here from shared/reference/safeguarding-facts.md §0 – never read back from
data/ – and asserted on every kind of document one small, real build makes.

A wrong digit in data/helplines.yml, a dropped line in data/safeguarding.yml or a
template that loses the "Remember" box must turn this module red.
"""

from __future__ import annotations

import json
import re
import subprocess
import textwrap

import pytest
from click.testing import CliRunner

from conftest import QUIET_BODY, REPO, lesson_md, tagged_text
from lessonpack.cli import main

# --- the table: verified against safeguarding-facts.md §0 (2026-11-25) ----------------------
#            id                         phone             web                              email
VERIFIED = {
    "childline":              ("0800 1111",     "childline.org.uk",              None),
    "report-remove":          (None,            "childline.org.uk/remove",       None),
    "ceop":                   (None,            "ceop.police.uk/safety-centre",  None),
    "police-emergency":       ("999",           None,                            None),
    "police-101":             ("101",           None,                            None),
    "nspcc":                  ("0808 800 5000", "nspcc.org.uk",                  "help@nspcc.org.uk"),
    "take-it-down":           (None,            "takeitdown.ncmec.org",          None),
    "iwf":                    (None,            "iwf.org.uk/report",             None),
    "stop-it-now":            ("0808 1000 900", "stopitnow.org.uk",              None),
    "posh":                   ("0344 381 4772", None,                  "helpline@saferinternet.org.uk"),
    "report-harmful-content": (None,            "reportharmfulcontent.com",      None),
    "marie-collins":          (None,            "mariecollinsfoundation.org.uk", None),
}

# The "Remember" box, word for word, per key stage (data/safeguarding.yml as agreed).
REASSURANCE = {
    "ks1": ["It is never your fault.",
            "You will not be in trouble for telling.",
            "If a secret makes you feel sad or worried, tell a grown-up you trust."],
    "ks2": ["If someone online tricks you, pressures you or scares you, it is never your fault. "
            "They are the one doing wrong.",
            "You will not be in trouble for telling. It is never too late to tell.",
            "Keep telling until someone listens and helps."],
    "ks3": ["If someone grooms, pressures or threatens you, it is never your fault. "
            "They are the one doing wrong.",
            "You will not be in trouble for telling. It is never too late to get help.",
            "There is always a way out, and people whose job is to help you."],
    "ks4": ["If someone grooms, pressures or threatens you, it is never your fault. "
            "The responsibility is always theirs.",
            "You will not be in trouble for being targeted or for asking for help. "
            "It is never too late.",
            "There is always a way out, and people whose job is to help you."],
}

# The school config's own numbers (Ofcom's drama range): allowed where the school is printed.
SCHOOL_PHONES = {"01632 960111", "01632 960112", "01632 960113"}
SCHOOL_ADDRESSES = {"dsl@hillside.example"}
SCHOOL = textwrap.dedent("""\
    school:
      name: Hillside Test Academy
    dsl:
      name: Ms Dee Ess-Ell
      phone: 01632 960111
      email: dsl@hillside.example
      where: the blue office
    deputy_dsl: {name: Mr Deputy Person, phone: 01632 960112}
    contacts:
      - {name: Local authority front door, phone: 01632 960113}
    """)

BODY = QUIET_BODY
SIGNPOSTING = {
    "ks1": ["childline"],
    "ks2": ["childline", "ceop"],
    "ks3": ["childline", "ceop", "report-remove", "police-emergency"],
    "ks4": ["childline", "ceop", "take-it-down", "stop-it-now", "iwf", "police-101"],
    "parents": ["childline", "ceop", "nspcc", "marie-collins"],
}
# The safeguarding box of every teacher note: for the class, and for staff and aftercare.
TEACHER_ALWAYS = ["nspcc", "police-emergency", "posh", "marie-collins"]
TEACHER_MAY: list[str] = []
TEACHER_ADDRESSES = {"www.ceopeducation.co.uk", "mariecollinsfoundation.org.uk"}  # further help, in the box
SOURCE_ADDRESSES = {"www.childline.org.uk/pages/about"}         # the test lesson's source, printed under Sources
LETTER = ["nspcc", "ceop", "childline", "police-emergency"]

# Phone-shaped: UK numbers starting 0 (grouped by spaces) and any lone three-digit number.
PHONE_RE = re.compile(r"(?<![\w.,/:-])(?:0\d{2,4}(?: \d{3,6}){1,2}|0\d{9,10}|\d{3})(?![\w/%-])")
UK_PHONE_RE = re.compile(r"(?<![\w.,/:-])(?:0\d{2,4}(?: \d{3,6}){1,2}|0\d{9,10})(?![\w/%-])")
ADDRESS_RE = re.compile(r"(?:[\w.+-]+@)?(?:[a-z0-9-]+\.)+(?:uk|org|com|net|example)"
                        r"(?:/[a-z0-9-]+(?:/[a-z0-9-]+)*)?", re.I)


def plain(path) -> str:
    """Text in reading order (pdftotext without -layout), whitespace normalised."""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    return " ".join(out.split())


def phones(text: str) -> set[str]:
    return set(PHONE_RE.findall(text))


def addresses(text: str) -> set[str]:
    return {a.rstrip(".") for a in ADDRESS_RE.findall(text)}


def expected(ids, *, email: bool = False) -> tuple[set[str], set[str]]:
    """(phones, addresses) of these routes as a helpline list prints them: phone and web;
    the teacher notes' safeguarding box prints phone and email instead (email=True)."""
    p, a = set(), set()
    for hid in ids:
        phone, web, mail = VERIFIED[hid]
        p |= {phone} if phone else set()
        a |= ({mail} if email else {web}) - {None}
    return p, a


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """One lesson per key stage and a parents' guide, signposting the table's routes."""
    import shutil

    root = tmp_path_factory.mktemp("facts") / "proj"
    shutil.copytree(REPO / "data", root / "data")
    for ks in ("ks1", "ks2", "ks3", "ks4"):
        path = root / "lessons" / ks / "grooming.md"
        path.parent.mkdir(parents=True)
        path.write_text(lesson_md(ks, "grooming", body=BODY, signposting=SIGNPOSTING[ks]),
                        encoding="utf-8")
    guide = root / "lessons/parents/parents-guide.md"
    guide.parent.mkdir(parents=True)
    guide.write_text(lesson_md("parents", "parents-guide", id="parents-guide",
                               title="A guide for parents and carers", duration_minutes=None,
                               objectives=None, signposting=SIGNPOSTING["parents"],
                               body="## Talking together\n\nAsk your child what they play "
                                    "and who they chat to.\n"), encoding="utf-8")
    (root / "school").mkdir()
    (root / "school/school.yml").write_text(SCHOOL, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def built(project):
    result = CliRunner().invoke(main, ["--project", str(project), "build", "--jobs", "1",
                                       "--config", str(project / "school/school.yml")])
    assert result.exit_code == 0, result.output
    out = project / "output"
    docs = json.loads((out / "manifest.json").read_text())["documents"]
    return out, docs


def required(doc) -> tuple[set[str], set[str], set[str], set[str]]:
    """(phones that must appear, addresses that must appear, phones allowed besides,
    addresses allowed besides) for one manifest entry."""
    kind, ks = doc["kind"], doc["key_stage"]
    if kind in ("worksheet", "worksheets", "slides"):
        p, a = expected(SIGNPOSTING[ks])
        return p, a, set(), set()
    if kind in ("teacher-notes", "pack"):       # a pack holds both documents of each lesson
        p, a = expected(SIGNPOSTING[ks])
        box_p, box_a = expected(TEACHER_ALWAYS, email=True)
        may_p, may_a = expected(TEACHER_MAY, email=True)
        may_a |= expected(TEACHER_MAY)[1]
        return (p | box_p | SCHOOL_PHONES, a | box_a | SCHOOL_ADDRESSES | TEACHER_ADDRESSES,
                may_p, may_a | SOURCE_ADDRESSES)
    if kind == "parents-guide":               # points parents to the school's DSL by name
        p, a = expected(SIGNPOSTING["parents"])
        # a service for adults prints its email too (the NSPCC Helpline), and the guide
        # prints its sources, as the teacher notes do
        _, mails = expected(SIGNPOSTING["parents"], email=True)
        return p | {"01632 960111"}, a | {m for m in mails if "@" in m}, set(), SOURCE_ADDRESSES
    if kind == "parents-letter":
        p, a = expected(LETTER)
        return p | {"01632 960111"}, a | SCHOOL_ADDRESSES, set(), set()
    raise AssertionError(f"no fixed expectations for document kind {kind!r}: add them here")


def test_every_kind_is_built(built):
    _, docs = built
    assert {"worksheet", "teacher-notes", "pack", "parents-guide", "parents-letter"} <= \
        {d["kind"] for d in docs}


def test_each_document_prints_exactly_its_verified_numbers_and_addresses(built):
    out, docs = built
    wrong = []
    for doc in docs:
        if doc["path"].endswith(".pptx"):
            continue
        text = plain(out / doc["path"])
        need_p, need_a, may_p, may_a = required(doc)
        found_p, found_a = phones(text), addresses(text)
        if not need_p <= found_p:
            wrong.append(f"{doc['path']}: missing numbers {sorted(need_p - found_p)}")
        if not need_a <= found_a:
            wrong.append(f"{doc['path']}: missing addresses {sorted(need_a - found_a)}")
        if found_p - need_p - may_p:
            wrong.append(f"{doc['path']}: unexpected numbers {sorted(found_p - need_p - may_p)}")
        if found_a - need_a - may_a:
            wrong.append(f"{doc['path']}: unexpected addresses {sorted(found_a - need_a - may_a)}")
    assert not wrong, "\n".join(wrong)


def test_police_emergency_is_printed_as_999_with_its_name(built):
    out, _ = built
    # the tag tree reads each helpline entry whole (two columns interleave in pdftotext)
    text = tagged_text(out / "ks3/ks3-grooming-worksheet.pdf")
    assert re.search(r"Police emergency\b.{0,80}?\b999\b", text), text
    notes = plain(out / "ks2/ks2-grooming-teacher-notes.pdf")
    assert re.search(r"Police emergency\b.{0,10}999\b", notes), notes


@pytest.mark.parametrize("ks", ["ks1", "ks2", "ks3", "ks4"])
def test_the_remember_box_prints_the_exact_lines_for_the_age(built, ks):
    """The lesson body carries none of these words: only the Remember box can print them."""
    assert "fault" not in BODY and "trouble" not in BODY
    out, _ = built
    # the tag tree reads the Remember box whole (side-by-side boxes interleave in pdftotext)
    text = " ".join(tagged_text(out / ks / f"{ks}-grooming-worksheet.pdf").split())
    assert "Remember" in text
    for line in REASSURANCE[ks]:
        assert line in text, (ks, line)
    others = [line for other, lines in REASSURANCE.items() if other != ks for line in lines
              if not any(line in mine for mine in REASSURANCE[ks])]
    assert not [line for line in others if line in text]


@pytest.mark.parametrize("ks", ["ks1", "ks2", "ks3", "ks4"])
def test_who_can_help_prints_childline_in_the_references_words(built, ks):
    """safeguarding-facts.md recommends "Call free on 0800 1111 or chat online at
    childline.org.uk": the box says it is free and that there is an online chat."""
    out, _ = built
    text = " ".join(tagged_text(out / ks / f"{ks}-grooming-worksheet.pdf").split())
    assert "Call free on 0800 1111 or chat online at childline.org.uk" in text, text[-600:]
    assert "Call 0800 1111" not in text


def test_the_teacher_notes_carry_the_disclosure_steps(built):
    out, _ = built
    text = plain(out / "ks2/ks2-grooming-teacher-notes.pdf")
    for needed in ("Never promise to keep it secret",
                   "Tell the Designated Safeguarding Lead straight away – always the same day",
                   "Do not view, copy, print, share or save any nude image",
                   "Write down what the child said"):
        assert needed in text, needed


def test_qr_codes_open_the_verified_addresses(built, tmp_path):
    """The worksheet's QR codes decode to exactly https:// + the verified address."""
    out, _ = built
    path = out / "ks3/ks3-grooming-worksheet.pdf"
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(path), str(tmp_path / "p")], check=True)
    found = set()
    for png in sorted(tmp_path.glob("p*.png")):
        done = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True)
        found |= set(done.stdout.split())
    assert found == {"https://childline.org.uk", "https://ceop.police.uk/safety-centre",
                     "https://childline.org.uk/remove"}


def test_a_weakened_reassurance_line_fails_check(make_project, cli):
    """'not always your fault' is not reassurance: check refuses a worksheet that says it."""
    safeguarding = (REPO / "data/safeguarding.yml").read_text(encoding="utf-8")
    weakened, n = re.subn(r"(ks2:\n\s+- If someone online tricks you, pressures you or scares you, it is )never( your fault\.)",
                          r"\1not always\2", safeguarding)
    assert n == 1
    lessons = {"ks2/grooming.md": lesson_md(body=BODY)}
    assert cli(make_project(lessons, name="good"), "check").exit_code == 0
    root = make_project(lessons, files={"data/safeguarding.yml": weakened}, name="weak")
    result = cli(root, "check")
    assert result.exit_code == 1
    assert "signpost: the worksheet never says it is not the child's fault" in result.output
