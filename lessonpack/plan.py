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
    kind: str                   # worksheet | teacher-notes | pack | parents-guide | parents-letter
                                # | slides | slides-pptx
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
        if letter:
            jobs.append(Job(output_path("parents", "letter", variant), "parents-letter",
                            None, None, variant))
    return sorted(jobs, key=lambda j: (j.variant != "standard", j.variant, j.path))


def cost(job: Job, jobs: list[Job]) -> int:
    """Rough work of a job: a pack lays out every lesson document of its key stage again."""
    if job.kind != "pack":
        return 1
    return max(1, sum(1 for j in jobs if j.kind in ("worksheet", "teacher-notes")
                      and j.key_stage == job.key_stage and j.variant == job.variant))


def shard(jobs: list[Job], index: int, count: int) -> list[Job]:
    """The index-th of count deterministic, disjoint slices (1-based), balanced by cost.

    Dealing jobs round-robin put two of the four packs – half the work – on one CI
    machine; instead the costliest job goes to the least loaded shard (ties: the
    lower shard, then path order), which depends only on the job list.
    """
    costs = {job: cost(job, jobs) for job in jobs}
    loads = [0] * count
    chosen: list[Job] = []
    for job in sorted(jobs, key=lambda j: (-costs[j], j)):
        least = min(range(count), key=lambda i: (loads[i], i))
        loads[least] += costs[job]
        if least == index - 1:
            chosen.append(job)
    return sorted(chosen)
