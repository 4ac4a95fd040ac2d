"""The `lessonpack` command (and `python build.py`): click commands, nothing else."""

from __future__ import annotations

import logging
import shutil
import sys
import traceback
from pathlib import Path

import click

from . import GENERATOR
from .errors import LessonpackError
from .lessons import KEY_STAGES, TOPICS
from .plan import VARIANTS
from .project import SCHOOL_FILE, Project, find_school

OUT = "output"


class Shard(click.ParamType):
    """'I/N' with 1 ≤ I ≤ N."""

    name = "I/N"

    def convert(self, value, param, ctx):
        try:
            index, count = (int(x) for x in str(value).split("/"))
            if 1 <= index <= count:
                return index, count
        except ValueError:
            pass
        self.fail(f"{value!r} is not a shard like 1/3", param, ctx)


class Group(click.Group):
    """Prints our errors without a traceback, and Ctrl-C as one line with exit 130."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except LessonpackError:
            raise
        except BrokenPipeError:
            # `lessonpack list | head`: the reader left; nothing more to say.
            sys.stderr.close()
            sys.exit(0)
        except KeyboardInterrupt:
            # The newline ends a progress line updated in place, which only a terminal has.
            click.echo(("\n" if sys.stderr.isatty() else "") +
                       "interrupted: nothing half-written was left behind; "
                       "the previous output is unchanged", err=True)
            sys.exit(130)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - last line of defence: one line, not a traceback
            if ctx.obj and ctx.obj.get("verbose"):
                traceback.print_exc()
            raise LessonpackError(f"internal error: {type(exc).__name__}: {exc} "
                                  "(run with --verbose for details, and please report it)") from exc


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--project", "project_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Project folder (default: the one containing the current folder).")
@click.option("-v", "--verbose", is_flag=True, help="Show details and tracebacks.")
@click.version_option(message=GENERATOR)
@click.pass_context
def main(ctx, project_dir, verbose):
    """Build printable safeguarding lessons from Markdown."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    # Quiet by not propagating, not by raising the level: pdf.py must still receive
    # WeasyPrint's ERROR records (a missing or broken image) to fail the lesson.
    logging.getLogger("weasyprint").propagate = verbose
    if not verbose:
        logging.getLogger("fontTools").setLevel(logging.ERROR)
    project = Project(project_dir.resolve()) if project_dir else Project.find()
    # In a school folder (it holds school.yml) the shipped lessons are built with that
    # config and its overrides/, into ./output.
    ctx.obj = {"project": project, "verbose": verbose, "school": find_school()}


def _out(obj: dict, out: Path | None) -> Path:
    """--out, else output/ in the school folder, else in the project."""
    return (out or ((obj.get("school") or obj["project"].root) / OUT)).resolve()


def _shown(obj: dict, path: Path) -> str:
    """A path as the user should see it: relative to the school folder or the project."""
    school = obj.get("school")
    if school:
        try:
            return Path(path).resolve().relative_to(school).as_posix() or "."
        except ValueError:
            pass
    return obj["project"].shown(path)


def _config(obj: dict, config_path: Path | None) -> Path | None:
    """--config, else the school folder's school.yml."""
    if config_path:
        return config_path
    return obj["school"] / SCHOOL_FILE if obj.get("school") else None


@main.command()
@click.option("--key-stage", "key_stages", multiple=True, type=click.Choice(KEY_STAGES),
              help="Only this key stage (repeatable).")
@click.option("--lesson", "lesson_ids", multiple=True, metavar="ID", help="Only this lesson (repeatable).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="School config (school.yml).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder (default output/).")
@click.option("--variant", type=click.Choice(VARIANTS + ("all",)),
              help="Print variant (default: the config's, else standard).")
@click.option("--fillable", is_flag=True, help="Worksheets with form fields for tablets.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), help="Worker processes (default: CPU count).")
@click.option("--force", is_flag=True, help="Rebuild even documents that are current.")
@click.option("--keep-going", is_flag=True, help="Build every valid document, then report all failures.")
@click.option("--no-check", is_flag=True, help="Skip the content checks; pages are marked DRAFT.")
@click.option("--strict", is_flag=True, help="Treat check warnings (overdue reviews) as errors.")
@click.option("--shard", type=Shard(), help="Build only shard I of N (for CI matrices).")
@click.option("-q", "--quiet", is_flag=True, help="Only the summary line.")
@click.pass_obj
def build(obj, key_stages, lesson_ids, config_path, out, variant, fillable, jobs, force,
          keep_going, no_check, strict, shard, quiet):
    """Build worksheets, teacher notes and packs as PDFs."""
    from .build import BuildOptions, build as run_build, default_jobs
    from .report import Progress

    project = obj["project"]
    options = BuildOptions(
        project=project, out=_out(obj, out), config_path=_config(obj, config_path),
        key_stages=key_stages, lesson_ids=lesson_ids, variant=variant, fillable=fillable,
        jobs=jobs or default_jobs(), force=force, keep_going=keep_going, check=not no_check,
        strict=strict, shard=shard)
    progress = Progress(quiet=quiet)
    report = run_build(options, progress)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for rel in report.removed:
        click.echo(f"removed {rel} (no longer chosen)", err=True)
    click.echo(progress.summary(report) + f" → {_shown(obj, options.out)}/")


@main.command("list")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def list_(obj, config_path, out):
    """Lessons as a table: id, key stage, topic, title, pages built, review by."""
    from . import manifest
    from .inputs import load_inputs
    from .worker import Settings

    project = obj["project"]
    config_path = _config(obj, config_path)
    inputs = load_inputs(project, Settings(str(project.root), str(config_path) if config_path else None))
    built = manifest.read(_out(obj, out))
    pages: dict[str, int] = {}
    for entry in built.values():
        if entry.lesson and entry.variant == "standard":
            pages[entry.lesson] = pages.get(entry.lesson, 0) + entry.pages
    rows = [("id", "key stage", "topic", "title", "pages", "review by", "source")]
    source = {None: "shipped", "lesson": "overridden", "sections": "sections overridden",
              "new": "school's own"}
    for lesson in inputs.lessons.values():
        rows.append((lesson.id, lesson.key_stage, lesson.topic, lesson.title,
                     str(pages.get(lesson.id, "-")), lesson.review_by.isoformat(),
                     source[lesson.override]))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        if n == 0:
            click.echo("  ".join("-" * w for w in widths))


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def clean(obj, out):
    """Remove the output folder and caches."""
    project = obj["project"]
    target = _out(obj, out)
    removed = []
    for path in (target, project.root / "dist", project.root / ".pytest_cache"):
        if path.is_dir():
            shutil.rmtree(path)
            removed.append(project.shown(path))
    click.echo(f"removed {', '.join(removed)}" if removed else "nothing to clean")


from .cli_more import check, coverage, new, release  # noqa: E402  (registers commands)
from .cli_school import init, override, serve  # noqa: E402

main.add_command(check)
main.add_command(coverage)
main.add_command(new)
main.add_command(release)
main.add_command(init)
main.add_command(override)
main.add_command(serve)
