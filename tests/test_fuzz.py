"""Property-based tests: whatever a lesson file holds, the loader and the Markdown
renderer either accept it or raise LessonpackError – never anything else – and what
they accept renders only safe links, images and escaped HTML."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, lesson_md
from lessonpack.errors import LessonpackError
from lessonpack.helplines import load_registry
from lessonpack.lessons import SCHEMA, Lesson, parse_lesson
from lessonpack.markdown import (GUIDE, MAX_DEPTH, SAFE_IMAGE_RE, SAFE_LINK_RE, TEACHER, WORKSHEET,
                                 render_body, scan)

REGISTRY = load_registry(REPO / "data/helplines.yml")
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def lesson_file(tmp_path_factory):
    """The one file the loader properties rewrite on every example."""
    path = tmp_path_factory.mktemp("fuzz") / "lessons/ks2/grooming.md"
    path.parent.mkdir(parents=True)
    return path


@pytest.fixture(scope="module")
def base_lesson(lesson_file) -> Lesson:
    lesson_file.write_text(lesson_md(), encoding="utf-8")
    return parse_lesson(lesson_file, "lessons/ks2/grooming.md", known_helplines=REGISTRY)


def load(path, data: bytes):
    """parse_lesson on these bytes: a Lesson, or None when it raised our own error."""
    path.write_bytes(data)
    try:
        return parse_lesson(path, "lessons/ks2/grooming.md", known_helplines=REGISTRY)
    except LessonpackError as exc:
        assert exc.problems and all(p.path == "lessons/ks2/grooming.md" for p in exc.problems)
        return None


# --- front matter -------------------------------------------------------------------

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
    st.text(max_size=40), st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)),
    st.sampled_from(["ks1", "ks2", "ks5", "parents", "grooming", "ks2-grooming", "childline",
                     "../../x", "{{ 7*7 }}", "", "I can…", "2026-11-25"]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=10), inner, max_size=3), max_leaves=12)
keys = st.one_of(st.sampled_from(list(SCHEMA)), st.text(max_size=12))


@FUZZ
@given(changes=st.dictionaries(keys, values, max_size=5),
       dropped=st.sets(st.sampled_from(list(SCHEMA)), max_size=3))
def test_any_front_matter_values_load_or_raise_our_error(lesson_file, changes, dropped):
    meta = yaml.safe_load(lesson_md().split("---\n")[1])
    meta.update(changes)
    for key in dropped:
        meta.pop(key, None)
    body = lesson_md().split("---\n", 2)[2]
    text = "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n" + body
    lesson = load(lesson_file, text.encode("utf-8"))
    if lesson is not None:
        assert lesson.id == "ks2-grooming" and lesson.key_stage == "ks2"


yaml_bits = st.sampled_from(["id: ", "title: ", "key_stage: ", "- ", "  ", "\t", ": ", "[", "]",
                             "{", "}", "'", '"', "&a ", "*a", "<<: ", "!!python/object ", "? ",
                             "|\n", ">\n", "---\n", "...\n", "#", "\n", "2026-13-45", "\x00", "\ufeff"])


@FUZZ
@given(parts=st.lists(st.one_of(yaml_bits, st.text(max_size=8)), max_size=30))
def test_any_front_matter_text_loads_or_raises_our_error(lesson_file, parts):
    load(lesson_file, ("---\n" + "".join(parts) + "\n---\nBody.\n").encode("utf-8"))


@FUZZ
@given(data=st.binary(max_size=300), prefix=st.sampled_from([b"", b"---\n", lesson_md().encode()]))
def test_any_bytes_load_or_raise_our_error(lesson_file, data, prefix):
    load(lesson_file, prefix + data)


# --- Markdown bodies ----------------------------------------------------------------

md_bits = st.sampled_from([
    "::: student\n", "::: teacher\n", "::: answer\n", ":::\n", "::: lines 3\n", "::: lines 0\n",
    "::: lines 99999999999\n", "::: lines ²\n", "::: box 2\n", "::: trusted-adults\n",
    "::: ticks\n", "::: sort\n", "::: sort A | B\n", "::: sort |\n", "::: scenario Sam\n",
    "::: remember\n", "::: unknown\n", "- ", "1. ", "99999999999999999999. ", "> ", "## ", "# ",
    "### ", "**", "*", "_", "`", "```\n", "    ", "\n", "\n\n", "|a|b|\n|-|-|\n", "[[childline]]",
    "[[childline.phone]]", "[[nope]]", "[[childline.x]]", "[x](https://ok.example)",
    "[x](javascript:alert(1))", "[x](file:///etc/passwd)", "![a](images/x.png)", "![](images/x.png)",
    "![a](../x.png)", "![a](/etc/passwd)", "![a](http://127.0.0.1/x)", "<script>alert(1)</script>",
    "<iframe src=x>", "<img src=file:///etc/passwd>", "<style>", "{{ 7*7 }}", "{% if x %}", "&#0;",
    "&#xD800;", "&amp;", "<!--", "\\", "[a]: file:///etc/passwd\n", "[a][a]", "\x00", "\r\n", "\t"])
bodies = st.lists(st.one_of(md_bits, st.text(max_size=6)), max_size=40).map("".join)

TAG_RE = re.compile(r"<(script|iframe|style|link|object|embed|img[^>]*src=\"file)", re.I)
ART_IMG_RE = re.compile(r'<img alt="[^"<>]*" class="art art-[a-z0-9-]+" data-art="[a-z0-9-]+" '
                        r'src="(file://[^"]*)">')
ART_DIRS = ((REPO / "templates" / "art").as_uri() + "/",)


@FUZZ
@given(body=bodies)
def test_any_body_renders_or_raises_our_error(base_lesson, body):
    lesson = dataclasses.replace(base_lesson, body=body)
    scanned = scan(body, first_line=lesson.body_line, shown=lesson.shown, registry=REGISTRY)
    assert all(p.path == lesson.shown and p.line for p in scanned.problems)
    for audience in (WORKSHEET, TEACHER, GUIDE):
        try:
            rendered = render_body(lesson, audience, REGISTRY)
        except LessonpackError:
            continue
        html = rendered.html
        # our own art (blocks' icons, the hand) is the one file: image, from templates/art/
        art = [m.group(1) for m in ART_IMG_RE.finditer(html)]
        assert all(a.startswith(ART_DIRS) for a in art), art
        html = ART_IMG_RE.sub("", html)
        assert not TAG_RE.search(html), html                     # raw HTML stays text
        for href in re.findall(r'href="([^"]*)"', html):
            assert SAFE_LINK_RE.match(href), href
        for src in re.findall(r'<img[^>]*src="([^"]*)"', html):
            assert SAFE_IMAGE_RE.match(src), src


@settings(max_examples=30, deadline=None)
@given(token=st.sampled_from(["> ", "- ", "> - ", "::: scenario\n", "::: student\n", "*", "_"]),
       depth=st.integers(1, 1500))
def test_deep_nesting_renders_or_is_one_problem(base_lesson, token, depth):
    """Python-Markdown and WeasyPrint recurse per level: deep bodies become a problem
    at the body's first line, not a RecursionError."""
    if token.startswith("- "):
        body = "".join("    " * i + "- x\n" for i in range(min(depth, 300)))
    else:
        body = token * depth + "x\n" + (":::\n" * depth if ":::" in token else "")
    lesson = dataclasses.replace(base_lesson, body=body)
    rendered = render_body(lesson, WORKSHEET, REGISTRY)
    for problem in rendered.problems:
        assert problem.line == lesson.body_line and "nested too deeply" in problem.message
    if not rendered.problems:       # what is accepted is shallow enough to lay out
        assert depth_of(rendered.tree) <= MAX_DEPTH


def depth_of(element) -> int:
    return 1 + max((depth_of(child) for child in element), default=0)


@FUZZ
@given(answer=st.text(alphabet=st.characters(codec="ascii", categories=["L", "N"]),
                      min_size=1, max_size=10),
       before=bodies, after=bodies)
def test_answers_never_reach_the_worksheet(base_lesson, answer, before, after):
    """Whatever surrounds a well-formed answer block, its text is not on the worksheet –
    unless that text also appears outside the block."""
    marker = f"ANSWERMARK{answer}"
    body = f"{before}\n\n::: answer\n{marker}\n:::\n\n{after}"
    lesson = dataclasses.replace(base_lesson, body=body)
    if scan(body, first_line=lesson.body_line, shown=lesson.shown).problems:
        return      # an unbalanced body is refused by the checks before it is built
    try:
        worksheet = render_body(lesson, WORKSHEET, REGISTRY)
    except LessonpackError:
        return
    assert marker not in worksheet.html
