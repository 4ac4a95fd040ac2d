"""The school commands: init and override."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def init(folder):
    """Make a school folder: school.yml, overrides/ and a README for the PSHE lead."""
    from .school import init_school

    made = init_school(folder)
    for path in made:
        click.echo(f"created {path}{'/' if path.is_dir() else ''}")
    click.echo(f"next: edit {folder / 'school.yml'}, then run `lessonpack serve` in {folder}")


@click.command()
@click.argument("lesson_id", metavar="LESSON")
@click.argument("headings", nargs=-1, metavar="[SECTION]...")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def override(obj, lesson_id, headings, config_path):
    """Copy a shipped lesson, or only the SECTIONs named by their headings, into your
    overrides/ to change it; the rest keeps receiving our fixes."""
    from .cli import _config
    from .cli_more import _inputs
    from .errors import LessonpackError

    config_path = _config(obj, config_path)
    inputs = _inputs(obj["project"], config_path)
    if inputs.config is None or inputs.config.overrides is None:
        raise LessonpackError("override needs a school folder (made by `lessonpack init`) "
                              "or --config with an 'overrides:' folder")
    lesson = inputs.lessons.get(lesson_id)
    if lesson is None:
        raise LessonpackError(f"unknown lesson id {lesson_id!r}; `lessonpack list` shows them all")
    from .school import override_lesson

    path = override_lesson(lesson, inputs.config.overrides, tuple(headings))
    click.echo(f"created {path}: edit it, then run `lessonpack check`")


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def serve(obj, port, config_path):
    """Preview every document in your browser; pages follow your edits."""
    from .cli import _config
    from .serve import Settings, serve as run

    settings = Settings(project=obj["project"], config_path=_config(obj, config_path), port=port)
    try:
        run(settings, ready=lambda url: click.echo(f"serving {url} (only on this computer) – "
                                                   "press Ctrl-C to stop", err=True))
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
