"""A school's own folder: `lessonpack init` makes it, `lessonpack override` fills it.

A school folder holds school.yml, overrides/templates/ and overrides/lessons/; the
lessons themselves come with lessonpack, so an update never overwrites a school's work.
"""

from __future__ import annotations

from pathlib import Path

from .errors import LessonpackError
from .lessons import Lesson, split_front_matter
from .overrides import sections, stamp
from .project import HOME, SCHOOL_FILE

INIT_FILES = {SCHOOL_FILE: "init/school.yml", "README.md": "init/README.md"}
INIT_FOLDERS = ("overrides/templates", "overrides/lessons")


def init_school(folder: Path) -> list[Path]:
    """Write a new school folder; refuse (writing nothing) if any of its files exists."""
    folder = Path(folder)
    targets = [folder / name for name in INIT_FILES]
    existing = [p for p in targets if p.exists()]
    if existing:
        raise LessonpackError(f"{existing[0]} already exists; nothing was written "
                              "(choose an empty folder, or move the file away)")
    if folder.exists() and not folder.is_dir():
        raise LessonpackError(f"{folder} is a file, not a folder; nothing was written")
    made = []
    try:
        for sub in INIT_FOLDERS:
            (folder / sub).mkdir(parents=True, exist_ok=True)
            made.append(folder / sub)
        for name, source in INIT_FILES.items():
            target = folder / name
            with open(target, "x", encoding="utf-8") as out:   # "x": never overwrite
                out.write((HOME / "templates" / source).read_text(encoding="utf-8"))
            made.append(target)
    except OSError as exc:
        raise LessonpackError(f"cannot write {folder}: {exc.strerror or exc}") from exc
    return made


def override_lesson(lesson: Lesson, overrides: Path, headings: tuple[str, ...]) -> Path:
    """Copy a shipped lesson (or some of its sections) into the school's overrides, with
    the stamp of the version it was made from."""
    if lesson.override is not None:
        raise LessonpackError(f"{lesson.shown} is already the school's own copy of {lesson.id}; "
                              "edit it there")
    text = lesson.text
    target = overrides / "lessons" / lesson.path.parent.name / lesson.path.name
    if target.exists():
        raise LessonpackError(f"{target} already exists; edit it, or move it away first")
    version = stamp(text)
    if headings:
        _, body, _ = split_front_matter(text, lesson.shown)
        found = {s.title: s for s in sections(body) if s.title}
        wanted, missing = [], []
        for heading in headings:
            key = " ".join(heading.lower().split())
            match = next((s for t, s in found.items() if t == key or t.startswith(key)), None)
            (wanted if match else missing).append(match or heading)
        if missing:
            titles = ", ".join(repr(s.lines[0].lstrip("#").strip()) for s in found.values())
            raise LessonpackError(f"{lesson.shown} has no section {missing[0]!r}; its sections: {titles}")
        out = f"---\nsections_of: {lesson.id}\nbased_on: '{version}'\n---\n" + \
            "\n".join("\n".join(s.lines).rstrip("\n") + "\n" for s in wanted)
    else:
        head, _, rest = text.partition("\n---\n")
        out = f"{head}\nbased_on: '{version}'\n---\n{rest}"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(out, encoding="utf-8")
    return target
