"""Lesson sources: front matter + Markdown body, loaded and validated."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .errors import LessonError, Problem

KEY_STAGES = ("ks1", "ks2", "ks3", "ks4")
AGES = {"ks1": "5–7", "ks2": "7–11", "ks3": "11–14", "ks4": "14–16"}
PARENTS = "parents"
TOPICS = ("grooming", "isolation", "reporting", "sextortion", "ai-imagery")
PARENT_TOPICS = ("parents-guide",)
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_LESSON_BYTES = 256 * 1024
FENCE = "---"


@dataclass
class Lesson:
    """One lesson (or the parents' guide): its front matter and Markdown body."""

    path: Path
    shown: str                      # path as printed in messages
    id: str
    title: str
    key_stage: str                  # ks1..ks4 or "parents"
    topic: str
    objectives: list[str]
    keywords: list[tuple[str, str | None]]
    signposting: list[str]
    curriculum: list[str]
    sources: list[str]
    reviewed: dt.date
    review_by: dt.date
    body: str
    body_line: int                  # 1-based line of the body's first line
    lines: dict[str, int] = field(default_factory=dict)
    duration_minutes: int | None = None
    sha256: str = ""
    text: str = ""                  # the whole source (front matter and body) as parsed
    based_on: str | None = None     # a school override: stamp of the shipped file it was made from
    origins: list[tuple[str, int]] | None = None   # a section override: (file, line) per line
    override: str | None = None     # None (shipped), "lesson" (whole file), "sections", "new"
    shipped_stamp: str | None = None  # stamp of the shipped file an override replaces
    based_on_line: int | None = None  # in the override file (a merged lesson's lines are the shipped file's)
    resources: list[str] = field(default_factory=list)
    key_questions: list[str] = field(default_factory=list)
    key_messages: list[str] = field(default_factory=list)

    @property
    def is_guide(self) -> bool:
        """True for the parents' and carers' guide (one document, no worksheet)."""
        return self.key_stage == PARENTS

    @property
    def ages(self) -> str:
        return AGES.get(self.key_stage, "")

    def line_of(self, key: str) -> int | None:
        """Line of a front matter key, for messages."""
        return self.lines.get(key)


# --- the front matter schema -------------------------------------------------------

def _str_list(value) -> str | None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return "expected a list of text items"
    return None


def _keywords(value) -> str | None:
    if not isinstance(value, list):
        return "expected a list of 'term: meaning' items"
    for item in value:
        if isinstance(item, str) and item.strip():
            continue
        if isinstance(item, dict) and len(item) == 1:
            (k, v), = item.items()
            if isinstance(k, str) and isinstance(v, str):
                continue
        return "expected a list of 'term: meaning' items"
    return None


def _date(value) -> str | None:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        return "expected a date like 2026-11-25"
    return None


def _text(value) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "expected text"
    return None


def _minutes(value) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 5 <= value <= 240:
        return "expected a whole number of minutes between 5 and 240"
    return None


def _id(value) -> str | None:
    if not isinstance(value, str) or not ID_RE.match(value):
        return f"{value!r} is not a valid id (use a-z, 0-9 and -, like ks2-grooming)"
    return None


def _key_stage(value) -> str | None:
    if value not in KEY_STAGES + (PARENTS,):
        return (f"unknown key stage {value!r} "
                f"(expected {', '.join(KEY_STAGES)} or {PARENTS})")
    return None


def _topic(value) -> str | None:
    # A school may add lessons on topics of its own (cyberflashing, say): any id-shaped word.
    if value in TOPICS + PARENT_TOPICS or (isinstance(value, str) and ID_RE.match(value)):
        return None
    return (f"{value!r} is not a valid topic: use a-z, 0-9 and -, like "
            f"{', '.join(TOPICS)} or a topic of your own such as cyberflashing")


@dataclass(frozen=True)
class Key:
    """One front matter key: its check and whether the parents' guide needs it."""

    check: Callable[[object], str | None]
    doc: str
    guide_optional: bool = False
    optional: bool = False


SCHEMA: dict[str, Key] = {
    "id": Key(_id, "unique id, '<key stage>-<topic>'"),
    "title": Key(_text, "the lesson title"),
    "key_stage": Key(_key_stage, "ks1, ks2, ks3, ks4 or parents"),
    "topic": Key(_topic, "what the lesson is about"),
    "duration_minutes": Key(_minutes, "teaching time in minutes", guide_optional=True),
    "objectives": Key(_str_list, "'I can…' statements", guide_optional=True),
    "keywords": Key(_keywords, "glossary terms for this age"),
    "signposting": Key(_str_list, "helpline ids from data/helplines.yml"),
    "curriculum": Key(_str_list, "ids from data/curriculum.yml"),
    "sources": Key(_str_list, "where the facts come from"),
    "reviewed": Key(_date, "date of the last safeguarding review"),
    "review_by": Key(_date, "date the lesson must be reviewed again"),
    # "Lesson at a glance" in the teacher notes; `check` asks lessons for them.
    "resources": Key(_str_list, "what the teacher needs ready", optional=True),
    "key_questions": Key(_str_list, "questions to ask during the lesson", optional=True),
    "key_messages": Key(_str_list, "what every pupil should leave knowing", optional=True),
    # A school's override of a shipped lesson: the version it was made from (`check` warns
    # when the shipped lesson has changed since).
    "based_on": Key(_text, "stamp of the shipped lesson this override was made from", optional=True),
}


# --- reading ------------------------------------------------------------------------

def split_front_matter(text: str, shown: str) -> tuple[str, str, int]:
    """Split '---\\n<yaml>\\n---\\n<body>'; returns yaml, body, body's first line."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != FENCE:
        raise LessonError([Problem(shown, 1, "a lesson must start with a '---' line, "
                                             "then its front matter, then another '---' line")])
    for i in range(1, len(lines)):
        if lines[i].rstrip() == FENCE:
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1:]), i + 2
    raise LessonError([Problem(shown, 1, "front matter is not closed: add a '---' line after it")])


def read_lesson_text(path: Path, shown: str) -> str:
    """A lesson file's text, bounded; raises LessonError when unreadable or empty."""
    from .yamlfile import read_text

    text, problems = read_text(path, shown, limit=MAX_LESSON_BYTES)
    if text is None:
        raise LessonError(problems)
    if not text.strip():
        raise LessonError([Problem(shown, 1, "file is empty; start from `lessonpack new`")])
    return text


def parse_lesson(path: Path, shown: str, *, known_helplines=None, text: str | None = None
                 ) -> Lesson:
    """Read one lesson file (or parse `text` as that file); raises LessonError listing
    every problem in it."""
    from .yamlfile import parse_yaml

    if text is None:
        text = read_lesson_text(path, shown)
    raw, body, body_line = split_front_matter(text, shown)
    data, lines, problems = parse_yaml(raw, shown, first_line=2)
    if problems:
        raise LessonError(problems)
    if not isinstance(data, dict):
        raise LessonError([Problem(shown, 2, "front matter must be 'key: value' lines, "
                                             f"not {type(data).__name__ if data is not None else 'empty'}")])
    problems = _validate(data, lines, shown, path, known_helplines)
    if problems:
        error = LessonError(problems)
        # load_lessons still needs the id this file claims, to name both files of a duplicate.
        error.declared = (data["id"], lines.get("id")) if _id(data.get("id")) is None else None
        raise error
    keywords = []
    for item in data.get("keywords", []):
        if isinstance(item, dict):
            (term, meaning), = item.items()
        else:
            term, _, meaning = item.partition(":")
        keywords.append((term.strip(), (meaning or "").strip() or None))
    return Lesson(
        path=path, shown=shown, id=data["id"], title=data["title"].strip(),
        key_stage=data["key_stage"], topic=data["topic"],
        duration_minutes=data.get("duration_minutes"),
        objectives=list(data.get("objectives", [])), keywords=keywords,
        signposting=list(data["signposting"]), curriculum=list(data["curriculum"]),
        sources=list(data["sources"]), reviewed=data["reviewed"], review_by=data["review_by"],
        based_on=str(data["based_on"]) if data.get("based_on") is not None else None, text=text,
        resources=list(data.get("resources", [])),
        key_questions=list(data.get("key_questions", [])),
        key_messages=list(data.get("key_messages", [])),
        body=body, body_line=body_line, lines=lines,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())


def _validate(data: dict, lines: dict, shown: str, path: Path, known_helplines) -> list[Problem]:
    problems: list[Problem] = []
    guide = data.get("key_stage") == PARENTS

    def add(key: str | None, message: str) -> None:
        line = lines.get(key, 1) if key else 1
        prefix = f"front matter '{key}': " if key else "front matter: "
        problems.append(Problem(shown, line, prefix + message))

    for key in data:
        if key not in SCHEMA:
            close = _closest(str(key), SCHEMA)
            hint = f" (did you mean '{close}'?)" if close else f" (expected one of {', '.join(SCHEMA)})"
            add(str(key), "unknown key" + hint)
    for key, spec in SCHEMA.items():
        if key not in data:
            if not (spec.optional or (guide and spec.guide_optional)):
                add(None, f"missing '{key}' ({spec.doc})")
            continue
        message = spec.check(data[key])
        if message:
            add(key, message)
    if problems:
        return problems

    ks, topic = data["key_stage"], data["topic"]
    folder, stem = path.parent.name, path.stem
    if guide != (topic in PARENT_TOPICS):
        add("topic", f"topic {topic!r} does not belong to key stage {ks!r}")
    if folder != ks:
        add("key_stage", f"{ks!r} does not match the folder 'lessons/{folder}/'; "
                         f"move the file to lessons/{ks}/ or fix the key stage")
    if stem != topic:
        add("topic", f"{topic!r} does not match the file name '{path.name}'")
    expected_id = topic if guide else f"{ks}-{topic}"
    if data["id"] != expected_id:
        add("id", f"expected '{expected_id}' for a {topic} lesson at {ks}, got {data['id']!r}")
    if data["reviewed"] > data["review_by"]:
        add("reviewed", f"reviewed ({data['reviewed']}) is after review_by ({data['review_by']})")
    if known_helplines is not None:
        for i, hid in enumerate(data["signposting"]):
            if hid not in known_helplines:
                close = _closest(hid, known_helplines)
                hint = f" (did you mean '{close}'?)" if close else ""
                problems.append(Problem(shown, lines.get(f"signposting.{i}", lines.get("signposting")),
                                        f"front matter 'signposting': unknown helpline {hid!r}{hint}; "
                                        "ids are the keys of data/helplines.yml"))
    return problems


def _closest(word: str, options) -> str | None:
    import difflib
    match = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return match[0] if match else None


def discover(lesson_roots: list[Path], project_root: Path) -> tuple[dict[str, Path], list[Problem]]:
    """Map 'ks2/grooming.md' → file, later roots (school overrides) replacing earlier ones."""
    found: dict[str, Path] = {}
    problems: list[Problem] = []
    # The folders holding the roots, not the roots resolved: a lessons/ (or overrides/lessons/)
    # that is itself a link to elsewhere must not make that elsewhere allowed.
    allowed = [project_root.resolve()] + [r.absolute().parent.resolve() for r in lesson_roots]
    for root in lesson_roots:
        if not root.is_dir():
            continue
        for path in sorted(root.glob("*/*.md")):
            rel = path.relative_to(root).as_posix()
            shown = _shown(path, project_root)
            folder = path.parent.name
            if folder not in KEY_STAGES + (PARENTS,) and folder != "images":
                problems.append(Problem(shown, None, f"unknown key stage folder {folder!r} "
                                                     f"(expected {', '.join(KEY_STAGES)} or {PARENTS})"))
                continue
            real = path.resolve()
            if not any(real.is_relative_to(a) for a in allowed):
                problems.append(Problem(shown, None, "is a link to a file outside the project; "
                                                     "copy the lesson into the project instead"))
                continue
            if not real.is_file():
                problems.append(Problem(shown, None, "is not a regular file"))
                continue
            found[rel] = path
    return found, problems


def _shown(path: Path, root: Path) -> str:
    """Relative to the project, else to the current folder (a school folder), else whole."""
    for base in (root, Path.cwd()):
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            continue
    return str(path)


def load_lessons(lesson_roots: list[Path], project_root: Path, *, known_helplines=None,
                 keep_going: bool = False) -> tuple[list[Lesson], list[Problem]]:
    """Load every lesson under the roots; raise LessonError unless keep_going.

    With keep_going, returns the lessons that loaded and the problems of the rest.
    """
    files, problems = discover(lesson_roots, project_root)
    shipped_root = lesson_roots[0] if lesson_roots else None
    lessons: list[Lesson] = []
    claims: dict[str, list[tuple[bool, str, int | None]]] = {}   # id → (loaded, file, line)
    for rel in sorted(files):
        path = files[rel]
        shown = _shown(path, project_root)
        shipped = shipped_root / rel if shipped_root is not None else None
        if shipped is not None and shipped == path:
            shipped = None
        try:
            lesson = _load_one(path, shown, shipped if shipped and shipped.is_file() else None,
                               project_root, known_helplines)
        except LessonError as exc:
            problems.extend(exc.problems)
            declared = getattr(exc, "declared", None)
            if declared:
                claims.setdefault(declared[0], []).append((False, shown, declared[1]))
            continue
        lessons.append(lesson)
        claims.setdefault(lesson.id, []).append((True, shown, lesson.line_of("id")))
    for lesson_id, claimants in claims.items():
        # A file that loaded keeps the id (e.g. the original, not its copy); the others name it.
        keeper, *others = sorted(claimants, key=lambda c: not c[0])
        for _, shown, line in others:
            problems.append(Problem(shown, line, f"duplicate id {lesson_id!r}: also used by "
                                                 f"{keeper[1]}{f':{keeper[2]}' if keeper[2] else ''}"))
    bad = {p.path for p in problems}
    lessons = [l for l in lessons if l.shown not in bad]
    if problems and not keep_going:
        raise LessonError(problems)
    return sorted(lessons, key=sort_key), problems


def _load_one(path: Path, shown: str, shipped: Path | None, project_root: Path,
              known_helplines) -> Lesson:
    """One lesson file: shipped, a school's own, a whole-file or a section override."""
    from .overrides import SECTION_KEYS, merge, stamp
    from .yamlfile import parse_yaml

    text = read_lesson_text(path, shown)
    raw, body, body_line = split_front_matter(text, shown)
    data, lines, problems = parse_yaml(raw, shown, first_line=2)
    if not problems and isinstance(data, dict) and "sections_of" in data:
        extra = [k for k in data if k not in SECTION_KEYS]
        if extra:
            problems = [Problem(shown, lines.get(extra[0], 2), f"front matter '{extra[0]}': a section "
                                f"override takes only {' and '.join(SECTION_KEYS)}; to change the "
                                "front matter, override the whole lesson")]
        elif shipped is None:
            problems = [Problem(shown, lines.get("sections_of", 2),
                                f"front matter 'sections_of': there is no shipped lesson at this "
                                f"path to take sections from (expected {path.parent.name}/{path.name})")]
        if problems:
            raise LessonError(problems)
        shipped_shown = _shown(shipped, project_root)
        shipped_text = read_lesson_text(shipped, shipped_shown)
        front_end = split_front_matter(shipped_text, shipped_shown)[2] - 1
        merged = merge(shipped_text, shipped_shown, body, shown, body_line, front_end)
        if merged.problems:
            raise LessonError(merged.problems)
        lesson = parse_lesson(path, shown, known_helplines=known_helplines, text=merged.text)
        if data.get("sections_of") != lesson.id:
            raise LessonError([Problem(shown, lines.get("sections_of", 2),
                                       f"front matter 'sections_of': {data.get('sections_of')!r} but "
                                       f"{shipped_shown} is {lesson.id!r}")])
        lesson.origins, lesson.override = merged.origins, "sections"
        lesson.based_on = str(data["based_on"]) if data.get("based_on") is not None else None
        lesson.based_on_line = lines.get("based_on", lines.get("sections_of", 2))
        lesson.shipped_stamp = stamp(shipped_text)
        return lesson
    lesson = parse_lesson(path, shown, known_helplines=known_helplines, text=text)
    if shipped is not None:
        lesson.override = "lesson"
        lesson.based_on_line = lesson.line_of("based_on") or 2
        lesson.shipped_stamp = stamp(read_lesson_text(shipped, _shown(shipped, project_root)))
    elif lesson.based_on is None and path.parent.parent.name == "lessons" and \
            path.parent.parent.parent.name == "overrides":
        lesson.override = "new"
    return lesson


def sort_key(lesson: Lesson) -> tuple:
    """Key stage order, then the topics in teaching order."""
    order = KEY_STAGES + (PARENTS,)
    topics = TOPICS + PARENT_TOPICS
    # A school's own topics come after ours, in id order.
    rank = topics.index(lesson.topic) if lesson.topic in topics else len(topics)
    return (order.index(lesson.key_stage), rank, lesson.id)
