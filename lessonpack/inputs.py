"""Load everything a build reads: registry, data, school config and the chosen lessons."""

from __future__ import annotations

from pathlib import Path

from .compose import Inputs, slide_summaries
from .render import Templates
from .config import load_config
from .errors import ProblemsFound
from .helplines import load_registry
from .lessons import PARENTS, load_lessons
from .project import Project
from .safeguarding import load_safeguarding
from .yamlfile import load_yaml_mapping


def lesson_roots(project: Project, config) -> list[Path]:
    """Where lessons come from: the project's, then the school's overrides (which win)."""
    roots = [project.lessons]
    if config and config.overrides and (config.overrides / "lessons").is_dir():
        roots.append(config.overrides / "lessons")
    return roots


def load_inputs(project: Project, settings, *, keep_going: bool = False) -> Inputs:
    """Everything a build needs, validated; raises ProblemsFound with every problem."""
    # messages name the files as a teacher sees them: data/helplines.yml:LINE
    helplines, safeguarding = project.data("helplines.yml"), project.data("safeguarding.yml")
    found = []                 # both files' problems at once
    try:
        registry = load_registry(helplines, project.shown(helplines))
    except ProblemsFound as exc:
        found += exc.problems
    try:
        safeguarding = load_safeguarding(safeguarding, project.shown(safeguarding))
    except ProblemsFound as exc:
        found += exc.problems
    if found:
        raise ProblemsFound(found)
    curriculum, _ = load_yaml_mapping(project.data("curriculum.yml"))
    config = None
    if settings.config_path:
        # Lesson ids are checked against what the project ships plus the overrides, so
        # load the config without that check first to find the overrides folder.
        config = load_config(Path(settings.config_path))
    lessons, problems = load_lessons(lesson_roots(project, config), project.root,
                                     known_helplines=registry, keep_going=keep_going)
    if config:
        config = load_config(Path(settings.config_path), known_lessons={l.id for l in lessons})
    chosen = {l.id: l for l in lessons if _chosen(l, config, settings)}
    excluded = {l.id: _why_not(l, config, settings) for l in lessons if l.id not in chosen}
    inputs = Inputs(lessons=chosen, registry=registry, safeguarding=safeguarding,
                    curriculum=curriculum, config=config, draft=settings.draft,
                    fillable=settings.fillable, paper=config.paper if config else "A4",
                    problems=problems, excluded=excluded)
    # "Lesson at a glance" names each activity's slides and the checks read what they show;
    # the decks are converted with the templates (and art) the documents use, so the bodies
    # converted here are reused
    inputs.slides, inputs.slide_texts = slide_summaries(inputs, Templates.of(project, config))
    return inputs


def _why_not(lesson, config, settings) -> str:
    """Why a lesson is not chosen, in words a PSHE lead can act on."""
    if settings.key_stages and lesson.key_stage not in settings.key_stages:
        return f"only {', '.join(settings.key_stages)} was asked for"
    where = config.path.name if config else "the config"
    if config and lesson.id in config.lessons.exclude:
        return f"{where} excludes it (lessons.exclude)"
    if config and lesson.key_stage not in config.lessons.key_stages:
        return f"{where} does not choose {lesson.key_stage} (lessons.key_stages)"
    return f"{where} does not include it (lessons.include)"


def _chosen(lesson, config, settings) -> bool:
    if settings.key_stages and lesson.key_stage not in settings.key_stages and not lesson.is_guide:
        return False
    if config is None:
        return True
    sel = config.lessons
    if lesson.id in sel.exclude:
        return False
    if lesson.key_stage != PARENTS and lesson.key_stage not in sel.key_stages:
        return False
    return not sel.include or lesson.id in sel.include or lesson.is_guide


__all__ = ["load_inputs", "lesson_roots", "ProblemsFound"]
