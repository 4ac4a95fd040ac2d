"""The school config (school.yml): a declarative schema, every problem collected.

Each key is described once below; validation walks the file, reports every
unknown key (with a "did you mean"), wrong type and missing file as
`school.yml:LINE: 'dsl.fone': unknown key (did you mean 'phone'?)`, and only
then fails, once.  Paths are relative to the config file.
"""

from __future__ import annotations

import re

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError, Problem
from .lessons import KEY_STAGES
from .plan import VARIANTS
from .yamlfile import load_yaml_mapping

PAPERS = ("A4", "letter")
IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".svg", ".gif")
MAX_LOGO_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Person:
    """Someone to contact: the DSL, the deputy, a local service."""

    name: str
    phone: str | None = None
    email: str | None = None
    where: str | None = None


@dataclass(frozen=True)
class School:
    name: str
    logo: str | None = None     # file:// URI of the crest, inside the config's folder


@dataclass(frozen=True)
class StepOut:
    """Where a pupil can go if the lesson becomes too much, and who follows up."""

    place: str
    follow_up: str | None = None
    adult: str | None = None     # who goes with them (KS1/KS2) or checks on them (KS3/KS4)


@dataclass(frozen=True)
class Selection:
    key_stages: tuple[str, ...] = KEY_STAGES
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class SchoolConfig:
    """A validated school.yml."""

    path: Path
    school: School
    dsl: Person | None = None
    deputy_dsl: Person | None = None
    contacts: tuple[Person, ...] = ()
    lessons: Selection = field(default_factory=Selection)
    overrides: Path | None = None
    variant: str = "standard"
    paper: str = "A4"
    step_out: StepOut | None = None

    @property
    def dir(self) -> Path:
        return self.path.parent


# key → (type, description).  Nested mappings are dicts of the same shape.
PERSON = {"name": (str, "their name"), "phone": (str, "phone number"),
          "email": (str, "email address"), "where": (str, "where to find them")}
SCHEMA = {
    "school": {"name": (str, "the school's name"), "logo": (str, "crest image, relative to this file")},
    "dsl": PERSON,
    "deputy_dsl": PERSON,
    "contacts": ([PERSON], "local safeguarding contacts"),
    "lessons": {"key_stages": (list, "key stages to build"), "include": (list, "lesson ids to build"),
                "exclude": (list, "lesson ids to leave out")},
    "overrides": (str, "folder with templates/ and lessons/ that replace the built-ins"),
    "variant": (str, f"one of {', '.join(VARIANTS)}"),
    "paper": (str, "A4 or letter"),
    # A string (the place) or a mapping; printed in every teacher-notes safeguarding box.
    "step_out": {"place": (str, "where a pupil can go if the lesson becomes too much"),
                 "follow_up": (str, "who talks with them afterwards, the same day"),
                 "adult": (str, "the adult who goes with them (KS1/KS2) or checks on them (KS3/KS4)")},
}
REQUIRED = {"step_out": ("place",), "school": ("name",), "dsl": ("name",), "deputy_dsl": ("name",), "contacts": ("name",)}
SHORTHAND = ("step_out",)   # mappings that may be written as a single string (their first key)
TYPE_NAMES = {str: "text", list: "a list", dict: "a mapping"}


TEN_DIGIT_PREFIXES = ("0800", "016977")
EXTENSION_RE = re.compile(r"\s*(?:ext\.?|extension|x)\s*\d{1,5}\s*$", re.I)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


def phone_problem(text: str) -> str | None:
    """Why `text` is not a UK phone number (0 + 9 or 10 digits, or +44), or None."""
    number = EXTENSION_RE.sub("", text)
    digits = re.sub(r"[\s()\-.]", "", number)
    if digits.startswith("+44"):
        digits = "0" + digits[3:].lstrip("0")
    letters = re.findall(r"[A-Za-z]", digits)
    if letters:
        hint = " (did you mean 0?)" if set(letters) <= {"O", "o"} else ""
        return f"{text!r} contains the letter {letters[0]!r}{hint}; a phone number has only digits"
    # UK numbers have 11 digits; only a few ranges (some 0800 numbers, Brampton's 016977)
    # have 10, so a digit dropped from an ordinary number is caught.
    short_ok = digits.startswith(TEN_DIGIT_PREFIXES) and len(digits) == 10
    if not digits.isdigit() or not digits.startswith("0") or not (len(digits) == 11 or short_ok):
        return (f"{text!r} is not a UK phone number: expected 11 digits starting with 0, "
                f"like 01632 960000 (it has {sum(c.isdigit() for c in digits)})")
    return None


def email_problem(text: str) -> str | None:
    """Why `text` is not an email address, or None."""
    return None if EMAIL_RE.match(text.strip()) else \
        f"{text!r} is not an email address (expected something like dsl@school.sch.uk)"


CONTACT_SHAPES = {"phone": phone_problem, "email": email_problem}


class _Validator:
    def __init__(self, shown: str, lines: dict[str, int]):
        self.shown, self.lines = shown, lines
        self.problems: list[Problem] = []

    def add(self, key: str, message: str) -> None:
        line = self.lines.get(key)
        parent = key
        while line is None and "." in parent:
            parent = parent.rsplit(".", 1)[0]
            line = self.lines.get(parent)
        self.problems.append(Problem(self.shown, line or 1, f"'{key}': {message}"))

    def mapping(self, data, schema: dict, prefix: str, required: tuple = ()) -> None:
        if not isinstance(data, dict):
            self.add(prefix, f"expected a mapping with keys {', '.join(schema)}")
            return
        for key, value in data.items():
            dotted = f"{prefix}.{key}" if prefix else str(key)
            if key not in schema:
                close = difflib.get_close_matches(str(key), list(schema), n=1, cutoff=0.5)
                hint = f"did you mean '{close[0]}'?" if close else f"expected one of {', '.join(schema)}"
                self.add(dotted, f"unknown key ({hint})")
                continue
            spec = schema[key]
            if isinstance(spec, dict) and key in SHORTHAND and isinstance(value, str) and value.strip():
                continue  # `step_out: "the quiet room"` is short for `step_out: {place: …}`
            if isinstance(spec, dict):
                self.mapping(value, spec, dotted, REQUIRED.get(key, ()))
            elif isinstance(spec[0], list):
                if not isinstance(value, list):
                    self.add(dotted, f"expected a list ({spec[1]})")
                    continue
                for i, item in enumerate(value):
                    self.mapping(item, spec[0][0], f"{dotted}.{i}", REQUIRED.get(key, ()))
            elif spec[0] is str and isinstance(value, (int, float)) and not isinstance(value, bool):
                if key == "phone":  # YAML read it as a number, so a leading 0 is already lost
                    self.add(dotted, f"write the number in quotes, like \"0{value}\" "
                                     "(without them the leading 0 is lost)")
            elif not isinstance(value, spec[0]) or value in ("", None):
                self.add(dotted, f"expected {TYPE_NAMES[spec[0]]} ({spec[1]}), got {_describe(value)}")
            elif key in CONTACT_SHAPES:
                problem = CONTACT_SHAPES[key](value)
                if problem:
                    self.add(dotted, problem)
        for key in required:
            if isinstance(data, dict) and key not in data:
                self.add(prefix, f"missing '{key}'")


def _describe(value) -> str:
    if value is None or value == "":
        return "nothing"
    return f"{type(value).__name__} {value!r}"[:60]


def load_config(path: Path, *, known_lessons: set[str] | None = None) -> SchoolConfig:
    """Read and validate a school.yml; raises ConfigError listing every problem."""
    path = Path(path)
    shown = str(path)
    if not path.is_file():
        raise ConfigError([Problem(shown, None, "config file not found")])
    data, lines = load_yaml_mapping(path, shown)
    check = _Validator(shown, lines)
    check.mapping(data, SCHEMA, "")
    if "school" not in data:
        check.add("school", "missing (every config needs at least school.name)")
    problems = check.problems
    bad = {p.message.split("'")[1] for p in problems}

    def value(dotted: str, default=None):
        if dotted in bad:
            return default
        node = data
        for part in dotted.split("."):
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                return default
        return node

    base = path.parent.resolve()
    logo_uri = None
    logo = value("school.logo")
    if isinstance(logo, str):
        logo_path = (base / logo).resolve()
        if not logo_path.is_relative_to(base):
            check.add("school.logo", f"'{logo}' is outside the config's folder; put the crest beside school.yml")
        elif not logo_path.is_file():
            check.add("school.logo", f"file not found: {logo_path.relative_to(base)} (paths are relative to {path.name})")
        elif logo_path.suffix.lower() not in IMAGE_TYPES:
            check.add("school.logo", f"'{logo}' is not an image (use {', '.join(IMAGE_TYPES)})")
        elif logo_path.stat().st_size > MAX_LOGO_BYTES:
            check.add("school.logo", f"'{logo}' is larger than {MAX_LOGO_BYTES // 1024 // 1024} MiB")
        else:
            logo_uri = logo_path.as_uri()

    variant = value("variant", "standard")
    if isinstance(variant, str) and variant not in VARIANTS:
        check.add("variant", f"unknown variant {variant!r} (expected one of {', '.join(VARIANTS)})")
    paper = value("paper", "A4")
    canonical = {p.lower(): p for p in PAPERS}
    if isinstance(paper, str) and paper.lower() not in canonical:
        check.add("paper", f"unknown paper size {paper!r} (expected A4 or letter)")
    paper = canonical.get(str(paper).lower(), "A4")

    key_stages = value("lessons.key_stages", list(KEY_STAGES))
    for i, ks in enumerate(key_stages if isinstance(key_stages, list) else []):
        if ks not in KEY_STAGES:
            check.add(f"lessons.key_stages.{i}", f"unknown key stage {ks!r} (expected {', '.join(KEY_STAGES)})")
    selection = {}
    for key in ("include", "exclude"):
        ids = value(f"lessons.{key}", [])
        for i, lesson_id in enumerate(ids if isinstance(ids, list) else []):
            if known_lessons is not None and lesson_id not in known_lessons:
                close = difflib.get_close_matches(str(lesson_id), sorted(known_lessons), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                check.add(f"lessons.{key}.{i}", f"unknown lesson id {lesson_id!r}{hint}")
        selection[key] = tuple(str(i) for i in ids) if isinstance(ids, list) else ()

    overrides = value("overrides")
    overrides_path = None
    if isinstance(overrides, str):
        overrides_path = (base / overrides).resolve()
        if not overrides_path.is_dir():
            check.add("overrides", f"folder not found: {overrides} (paths are relative to {path.name})")
        elif not overrides_path.is_relative_to(base):
            check.add("overrides", "must be a folder beside or below school.yml")

    if check.problems:
        raise ConfigError(check.problems)

    def person(dotted: str) -> Person | None:
        raw = value(dotted)
        if not isinstance(raw, dict):
            return None
        return Person(**{k: (str(v) if v is not None else None) for k, v in raw.items()})

    raw_step_out = value("step_out")
    step_out = StepOut(place=raw_step_out.strip()) if isinstance(raw_step_out, str) else \
        StepOut(place=str(raw_step_out["place"]),
                follow_up=str(raw_step_out["follow_up"]) if raw_step_out.get("follow_up") else None,
                adult=str(raw_step_out["adult"]) if raw_step_out.get("adult") else None) \
        if isinstance(raw_step_out, dict) else None
    contacts = tuple(person(f"contacts.{i}") for i in range(len(value("contacts", []) or [])))
    return SchoolConfig(
        path=path.resolve(),
        school=School(name=str(value("school.name")), logo=logo_uri),
        dsl=person("dsl"), deputy_dsl=person("deputy_dsl"), contacts=contacts,
        lessons=Selection(key_stages=tuple(key_stages), **selection),
        overrides=overrides_path, variant=variant, paper=paper, step_out=step_out)
