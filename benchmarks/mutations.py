"""Mutation benchmark: does the suite catch the regressions that matter?

Plants one plausible bug at a time in a temporary copy of the repository's tracked
files, runs only the tests meant to catch it (`-x -q -p no:cacheprovider`) with this
checkout's .venv and PYTHONPATH pointing at the copy, and prints a table:

    mutation | caught? | seconds

A mutation whose "old" text is no longer in its file (the code moved on) is reported
"not applicable", never "caught": fix its entry and run again. Before planting anything
the chosen tests run once on the unmutated copy; a failing baseline stops the benchmark,
since every mutation would then look caught.

    .venv/bin/python benchmarks/mutations.py            # all mutations
    .venv/bin/python benchmarks/mutations.py -k cache   # those whose name contains "cache"
    .venv/bin/python benchmarks/mutations.py --list

Exit status: 0 when every applicable mutation was caught, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv/bin/python"
FIX = "tests/test_fixed_expectations.py::"
GATES = "tests/test_gates.py::"
CACHE = "tests/test_cache_inputs.py::"


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str
    old: str          # must occur in the file; the first occurrence is replaced
    new: str
    tests: tuple[str, ...]


MUTATIONS = [
    # --- the eight that survived the audit of issue 17 ---------------------------------
    Mutation("police emergency 999 -> 998 in data", "data/helplines.yml",
             'phone: "999"', 'phone: "998"',
             (FIX + "test_each_document_prints_exactly_its_verified_numbers_and_addresses",)),
    Mutation("data/*.yml left out of the cache stamp", "lessonpack/cache.py",
             "digest.update(self.project.data(name).read_bytes())", "pass",
             (CACHE + "test_editing_an_input_rebuilds_exactly_what_depends_on_it[helplines.yml]",)),
    Mutation("school.yml left out of the cache stamp", "lessonpack/cache.py",
             "digest.update(config.path.read_bytes())", "pass",
             (CACHE + "test_editing_an_input_rebuilds_exactly_what_depends_on_it[school.yml]",)),
    Mutation("KS1 readability ceiling 3 -> 30", "lessonpack/checks/readability.py",
             '"ks1": 3.0', '"ks1": 30.0',
             (GATES + "test_readability_just_over_each_ceiling_fails",)),
    Mutation("blame gate reads pupils' lines only", "lessonpack/checks/blame.py",
             "subject.all_lines()", "subject.student_lines()",
             (GATES + "test_blame_is_refused_in_every_audience",)),
    Mutation("every-key-stage word list ignored", "lessonpack/checks/language.py",
             'banned = dict(words.get("all") or {})', "banned = {}",
             (GATES + "test_each_word_list_applies_to_exactly_its_key_stages",)),
    Mutation("NSPCC-in-teacher-notes rule switched off", "lessonpack/checks/signposting.py",
             'if "nspcc" in registry and registry["nspcc"].phone not in teacher:', "if False:",
             (GATES + "test_an_override_template_that_drops_a_signpost_fails",)),
    Mutation("Ctrl-C not deferred during the write phase", "lessonpack/build.py",
             "with interrupts_deferred():", "with open(os.devnull):",
             ("tests/test_interrupt.py",)),
    # --- our own -------------------------------------------------------------------------
    Mutation("Childline 0800 1111 -> 0800 1112 in data", "data/helplines.yml",
             "phone: 0800 1111", "phone: 0800 1112",
             (FIX + "test_each_document_prints_exactly_its_verified_numbers_and_addresses",)),
    Mutation("reassurance 'never your fault' -> 'not always your fault'", "data/safeguarding.yml",
             "feel worried, it is never your fault.", "feel worried, it is not always your fault.",
             (FIX + "test_the_remember_box_prints_the_exact_lines_for_the_age",)),
    Mutation("CEOP no longer required at KS2", "lessonpack/checks/signposting.py",
             '("ks2", "ks3", "ks4") and "ceop"', '("ks3", "ks4") and "ceop"',
             (GATES + "test_ceop_is_required_from_ks2_and_childline_everywhere",)),
    Mutation("KS2 age-word list ignored", "lessonpack/checks/language.py",
             "banned.update(words.get(lesson.key_stage) or {})",
             'banned.update(words.get(lesson.key_stage) or {} if lesson.key_stage != "ks2" else {})',
             (GATES + "test_each_word_list_applies_to_exactly_its_key_stages",)),
    Mutation("disclosure step (nude images) removed from data", "data/safeguarding.yml",
             "  - Do not view, copy, print, share or save any nude image, and never ask a child to send one.\n",
             "", (FIX + "test_the_teacher_notes_carry_the_disclosure_steps",)),
    Mutation("QR codes encode http:// instead of https://", "lessonpack/helplines.py",
             'return f"https://{self.web}"', 'return f"http://{self.web}"',
             (FIX + "test_qr_codes_open_the_verified_addresses",)),
    Mutation("draft watermark missing with --no-check", "lessonpack/compose.py",
             "draft=inputs.draft,", "draft=False,",
             ("tests/test_checks.py::test_no_check_builds_a_draft",)),
    Mutation("manifest sha256 is of the wrong thing", "lessonpack/manifest.py",
             "sha256=hashlib.sha256(data).hexdigest()", "sha256=hashlib.sha256(path.encode()).hexdigest()",
             ("tests/test_engine.py::test_manifest_lists_exactly_the_files_with_checksums",)),
    Mutation("an added override template does not make documents stale", "lessonpack/worker.py",
             "used + self.templates.shadows(used)", "used",
             (CACHE + "test_a_new_override_template_rebuilds_the_documents_that_include_it",)),
    Mutation("SOURCE_DATE_EPOCH left out of the cache stamp", "lessonpack/cache.py",
             "os.environ.get('SOURCE_DATE_EPOCH', '')", "''",
             (CACHE + "test_source_date_epoch_rebuilds_and_redates_everything",)),
    Mutation("the Remember box loses its last line", "templates/partials/remember.html",
             "{% for line in reassurance %}", "{% for line in reassurance[:-1] %}",
             (FIX + "test_the_remember_box_prints_the_exact_lines_for_the_age",)),
    Mutation("model answers shown on the worksheet too", "lessonpack/markdown.py",
             '"answer": {TEACHER}}', '"answer": {TEACHER, WORKSHEET}}',
             ("tests/test_fuzz.py::test_answers_never_reach_the_worksheet",)),
    Mutation("Childline only where a lesson lists it", "lessonpack/compose.py",
             "ids = [ALWAYS] + [h for h in lesson.signposting if h != ALWAYS]",
             "ids = [h for h in lesson.signposting if h != ALWAYS]",
             (FIX + "test_each_document_prints_exactly_its_verified_numbers_and_addresses",)),
    Mutation("readability gate fires half a grade below the ceiling", "lessonpack/checks/readability.py",
             "if fk <= ceiling:", "if fk < ceiling - 0.5:",
             (GATES + "test_readability_just_under_each_ceiling_passes",)),
]


def tracked_copy(dest: Path) -> None:
    """The files git tracks, as they are in the working tree now (edits included)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        source = ROOT / rel
        if source.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / rel)


def environment(copy: Path) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(copy), PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTEST_ADDOPTS", None)
    return env


def check_imports(copy: Path) -> None:
    """The copy's code, not this checkout's (the .venv has an editable install of it)."""
    where = subprocess.run([str(PYTHON), "-c", "import lessonpack, lessonpack.project as p; "
                            "print(lessonpack.__file__); print(p.HOME)"],
                           cwd=copy, env=environment(copy), capture_output=True, text=True, check=True)
    module, home = where.stdout.split()
    if not (Path(module).is_relative_to(copy) and Path(home) == copy):
        sys.exit(f"the copy is not what is imported: {module}, HOME={home}")


def run_tests(copy: Path, tests: tuple[str, ...]) -> tuple[int, float, str]:
    start = time.perf_counter()
    done = subprocess.run([str(PYTHON), "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                           "-o", "addopts=", *tests], cwd=copy, env=environment(copy),
                          capture_output=True, text=True)
    return done.returncode, time.perf_counter() - start, done.stdout[-2000:] + done.stderr[-2000:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", dest="keyword", help="only mutations whose name contains this")
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    parser.add_argument("--show", action="store_true",
                        help="print the failing assertion of each caught mutation (is it the right one?)")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the unmutated run (only if you just ran it)")
    args = parser.parse_args()
    chosen = [m for m in MUTATIONS if not args.keyword or args.keyword.lower() in m.name.lower()]
    if args.list:
        for m in chosen:
            print(f"{m.name}\n    {m.file}: {m.old!r} -> {m.new!r}\n    {' '.join(m.tests)}")
        return 0

    with tempfile.TemporaryDirectory(prefix="lessonpack-mutants-") as tmp:
        copy = Path(tmp).resolve() / "repo"
        tracked_copy(copy)
        check_imports(copy)
        if not args.no_baseline:
            tests = tuple(dict.fromkeys(t for m in chosen for t in m.tests))
            code, seconds, output = run_tests(copy, tests)
            print(f"baseline: {len(tests)} test ids, {'pass' if code == 0 else 'FAIL'} in {seconds:.0f} s")
            if code != 0:
                print(output)
                return 1

        rows = []
        for m in chosen:
            path = copy / m.file
            original = path.read_text(encoding="utf-8") if path.is_file() else None
            if original is None or m.old not in original:
                rows.append((m.name, "not applicable", 0.0))
                print(f"{m.name}: not applicable", flush=True)
                continue
            path.write_text(original.replace(m.old, m.new, 1), encoding="utf-8")
            try:
                code, seconds, output = run_tests(copy, m.tests)
            finally:
                path.write_text(original, encoding="utf-8")
            verdict = {0: "SURVIVED", 1: "caught"}.get(code, f"error (pytest exit {code})")
            rows.append((m.name, verdict, seconds))
            print(f"{m.name}: {verdict} ({seconds:.0f} s)", flush=True)
            if code not in (0, 1) or (args.show and code == 1):
                print("\n".join(line for line in output.splitlines()
                                if line.startswith(("E ", "FAILED", "ERROR")))[:1500] or output)

    width = max(len(r[0]) for r in rows)
    print(f"\n| {'mutation':<{width}} | caught?        | seconds |")
    print(f"|{'-' * (width + 2)}|----------------|---------|")
    for name, verdict, seconds in rows:
        print(f"| {name:<{width}} | {verdict:<14} | {seconds:7.1f} |")
    applicable = [r for r in rows if r[1] != "not applicable"]
    caught = [r for r in applicable if r[1] == "caught"]
    share = len(caught) / len(applicable) if applicable else 0.0
    print(f"\ncaught {len(caught)} of {len(applicable)} applicable mutations ({share:.0%}); "
          f"{len(rows) - len(applicable)} not applicable")
    return 0 if applicable and len(caught) == len(applicable) else 1


if __name__ == "__main__":
    sys.exit(main())
