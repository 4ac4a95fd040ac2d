"""The content commands: check, coverage, new, release."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .lessons import KEY_STAGES, TOPICS

OUT = "output"


def _inputs(project, config_path, *, keep_going=False):
    from .inputs import load_inputs
    from .worker import Settings

    return load_inputs(project, Settings(str(project.root), str(config_path) if config_path else None),
                       keep_going=keep_going)


@click.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True,
              help="Overdue reviews are errors, and every document is laid out for the layout gate.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def check(obj, config_path, strict, fmt):
    """Run every content gate; exit 1 if any error is found."""
    from .checks import run_checks
    from .errors import ProblemsFound

    from .cli import _config

    project = obj["project"]
    config_path = _config(obj, config_path)
    try:
        inputs = _inputs(project, config_path, keep_going=True)
        findings = list(inputs.problems) + run_checks(project, inputs, strict=strict)
        lessons = len(inputs.lessons)
        if strict and not any(p.severity == "error" for p in findings):
            findings += _layout_findings(project, config_path, inputs)
    except ProblemsFound as exc:
        findings, lessons = exc.problems, 0
    findings = sorted(set(findings), key=lambda p: (p.path, p.line or 0, p.code, p.message))
    errors = [p for p in findings if p.severity == "error"]
    if fmt == "json":
        click.echo(json.dumps({"lessons": lessons, "errors": len(errors),
                               "warnings": len(findings) - len(errors),
                               "findings": [p.as_dict() for p in findings]}, indent=2))
    else:
        for p in findings:
            click.echo(str(p) if p.severity == "error" else f"{p} (warning)")
        click.echo(f"checked {lessons} lessons: {len(errors)} errors, "
                   f"{len(findings) - len(errors)} warnings", err=True)
    if errors:
        raise SystemExit(1)


def _layout_findings(project, config_path, inputs) -> list:
    """Lay out (without writing) every document judged by the layout gate; its findings
    are errors under --strict."""
    from dataclasses import replace

    from .layout import JUDGED
    from .plan import plan
    from .worker import Settings, Worker

    worker = Worker(Settings(str(project.root), str(config_path) if config_path else None), inputs)
    findings = []
    for job in plan(list(inputs.lessons.values()), packs=False):
        if job.kind in JUDGED:
            findings += [replace(p, severity="error") for p in worker.run(job, write=False).layout]
    return findings


@click.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def coverage(obj, config_path):
    """Which curriculum references each key stage covers, and the gaps."""
    from .cli import _config

    config_path = _config(obj, config_path)
    inputs = _inputs(obj["project"], config_path)
    chosen = inputs.config.lessons.key_stages if inputs.config else KEY_STAGES
    for ks in [k for k in KEY_STAGES if k in chosen]:
        lessons = [l for l in inputs.lessons.values() if l.key_stage == ks]
        refs = {rid: ref for rid, ref in inputs.curriculum.items() if ks in ref.get("key_stages", [])}
        covered = sum(1 for rid in refs if any(rid in l.curriculum for l in lessons))
        click.echo(f"{ks.upper()}: {covered} of {len(refs)} references covered "
                   f"by {len(lessons)} lessons")
        for rid, ref in refs.items():
            by = [l.id for l in lessons if rid in l.curriculum]
            mark = "✓" if by else "✗"
            click.echo(f"  {mark} {rid}: {', '.join(by) if by else 'GAP – no lesson covers this'}")


def _topic(ctx, param, value: str) -> str:
    from .lessons import ID_RE

    if not ID_RE.match(value):
        raise click.BadParameter(f"{value!r}: use a-z, 0-9 and -, like {', '.join(TOPICS)} "
                                 "or a topic of your own such as cyberflashing")
    return value


@click.command()
@click.option("--key-stage", required=True, type=click.Choice(KEY_STAGES))
@click.option("--topic", required=True, callback=_topic,
              help=f"{', '.join(TOPICS)}, or a topic of your own (a-z, 0-9, -).")
@click.option("--force", is_flag=True, help="Overwrite an existing lesson.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def new(obj, key_stage, topic, force, config_path):
    """Scaffold a lesson with every section and TODO markers for `check`.

    In a school folder the lesson goes into overrides/lessons/, never among the shipped ones.
    """
    from .cli import _config, _shown
    from .config import load_config
    from .scaffold import scaffold

    config_path = _config(obj, config_path)
    folder = None
    if config_path:
        config = load_config(config_path)
        if config.overrides is None:
            from .errors import LessonpackError
            raise LessonpackError(f"{config_path}: add 'overrides: overrides/' so `new` has "
                                  "somewhere to put the school's own lessons")
        folder = config.overrides / "lessons"
    path = scaffold(obj["project"], key_stage, topic, force=force, folder=folder)
    click.echo(f"created {_shown(obj, path)}: fill in every TODO, then run `lessonpack check`")


@click.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Build folder for the release, emptied first (default dist/build).")
@click.option("--merge", is_flag=True,
              help="Merge the shard folders DIRS (from `build --shard I/N`) instead of building.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64))
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("merge_dirs", metavar="[DIRS]...", nargs=-1,
                type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def release(obj, out, merge, jobs, config_path, merge_dirs):
    """Build everything cleanly, then write dist/lessonpack-packs-<version>.zip.

    `release --merge shard-1 shard-2 shard-3` zips the shard folders instead.
    """
    from .build import default_jobs
    from .release import make_release

    # --merge takes several folders, which click options cannot: they are arguments.
    if merge and not merge_dirs:
        raise click.UsageError("--merge needs the shard folders: "
                               "release --merge shard-1 shard-2 …")
    if merge_dirs and not merge:
        raise click.UsageError("folders are only taken with --merge: release --merge " +
                               " ".join(str(d) for d in merge_dirs))
    project = obj["project"]
    from .cli import _config

    zip_path, count = make_release(project, out=out, merge=list(merge_dirs),
                                   jobs=jobs or default_jobs(), config_path=_config(obj, config_path),
                                   home=obj.get("school") or project.root,
                                   echo=lambda line: click.echo(line, err=True))
    click.echo(f"released {count} documents → {project.shown(zip_path)}")
