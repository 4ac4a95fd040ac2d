"""What a build will make: one Job per output document, in a stable order."""

from __future__ import annotations

from dataclasses import dataclass

from .lessons import KEY_STAGES, Lesson

VARIANTS = ("standard", "large-print", "dyslexia", "greyscale")
# Slides are already large print (16 pt and up), so large-print makes no second deck; the
# editable PowerPoint file is made once, in the standard look, for schools to adapt.
SLIDE_VARIANTS = ("standard", "dyslexia", "greyscale")
PPTX_VARIANTS = ("standard",)


@dataclass(frozen=True, order=True)
class Job:
    """One PDF to make."""

    path: str                   # relative to the output folder
    kind: str                   # worksheet | teacher-notes | pack | worksheets | parents-guide
                                # | parents-letter | slides | slides-pptx
    key_stage: str | None
    lesson: str | None
    variant: str = "standard"


def output_path(folder: str, stem: str, variant: str, ext: str = ".pdf") -> str:
    """'ks2/ks2-grooming-worksheet.pdf', with '-<variant>' unless standard."""
    suffix = "" if variant == "standard" else f"-{variant}"
    return f"{folder}/{stem}{suffix}{ext}"


def plan(lessons: list[Lesson], *, variants: tuple[str, ...] = ("standard",),
         packs: bool = True, letter: bool = False) -> list[Job]:
    """Every document for these lessons and variants; packs cover the key stages present."""
    jobs: list[Job] = []
    for variant in variants:
        for lesson in lessons:
            if lesson.is_guide:
                jobs.append(Job(output_path("parents", lesson.id, variant), "parents-guide",
                                None, lesson.id, variant))
                continue
            for kind in ("worksheet", "teacher-notes"):
                jobs.append(Job(output_path(lesson.key_stage, f"{lesson.id}-{kind}", variant),
                                kind, lesson.key_stage, lesson.id, variant))
            if variant in SLIDE_VARIANTS:
                jobs.append(Job(output_path(lesson.key_stage, f"{lesson.id}-slides", variant),
                                "slides", lesson.key_stage, lesson.id, variant))
            if variant in PPTX_VARIANTS:
                jobs.append(Job(output_path(lesson.key_stage, f"{lesson.id}-slides", variant,
                                            ".pptx"), "slides-pptx", lesson.key_stage, lesson.id,
                                variant))
        if packs:
            for ks in KEY_STAGES:
                if any(l.key_stage == ks for l in lessons):
                    jobs.append(Job(output_path(ks, f"{ks}-pack", variant), "pack", ks, None, variant))
                    jobs.append(Job(output_path(ks, f"{ks}-worksheets", variant), "worksheets", ks,
                                    None, variant))
        if letter:
            jobs.append(Job(output_path("parents", "letter", variant), "parents-letter",
                            None, None, variant))
    return sorted(jobs, key=lambda j: (j.variant != "standard", j.variant, j.path))


ASSEMBLED = ("pack", "worksheets")


def parts(job: Job, lessons: list[Lesson]) -> list[Job]:
    """The documents a pack (teacher notes, then worksheet, per lesson) or a class set
    (every worksheet) is assembled from, in print order; [] for any other job."""
    if job.kind not in ASSEMBLED:
        return []
    kinds = ("teacher-notes", "worksheet") if job.kind == "pack" else ("worksheet",)
    return [Job(output_path(job.key_stage, f"{lesson.id}-{kind}", job.variant), kind,
                job.key_stage, lesson.id, job.variant)
            for lesson in lessons if lesson.key_stage == job.key_stage for kind in kinds]


def cost(job: Job, jobs: list[Job]) -> int:
    """Rough work of a job, in documents laid out: a pack or class set lays out only its
    cover, contents and page numbers and reuses its documents' pages, so it costs one."""
    return 1


def group(job: Job) -> tuple:
    """Jobs that must share a shard: a pack and class set with the documents they are
    assembled from (a key stage in one variant); every other job stands alone."""
    if job.key_stage and (job.kind in ASSEMBLED or job.kind in ("worksheet", "teacher-notes")):
        return ("key stage", job.key_stage, job.variant)
    return ("job", job.path, job.variant)


def shard(jobs: list[Job], index: int, count: int) -> list[Job]:
    """The index-th of count deterministic, disjoint slices (1-based), balanced by cost.

    A key stage's documents, pack and class set stay together, so a shard that holds a
    pack has the pages it is assembled from and lays out nothing twice.  The costliest
    group goes to the least loaded shard (ties: the lower shard, then the group's first
    path), which depends only on the job list.
    """
    groups: dict[tuple, list[Job]] = {}
    for job in sorted(jobs):
        groups.setdefault(group(job), []).append(job)
    costs = {key: sum(cost(j, jobs) for j in members) for key, members in groups.items()}
    loads = [0] * count
    chosen: list[Job] = []
    for key in sorted(groups, key=lambda k: (-costs[k], groups[k][0])):
        least = min(range(count), key=lambda i: (loads[i], i))
        loads[least] += costs[key]
        if least == index - 1:
            chosen += groups[key]
    return sorted(chosen)
