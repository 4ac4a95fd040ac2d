"""Lesson Markdown → HTML for one audience.  The only module that imports markdown.

Audience blocks (`::: student`, `::: teacher`, `::: answer`) and worksheet
building blocks (`::: lines 4`, `::: sort`, …) are a Python-Markdown extension:
a scanner validates the fences with their line numbers, a preprocessor puts every
fence on a block of its own, and a block processor turns each fenced div into an
element – or drops it when it is not for this audience, so hidden text never even
enters the document tree.  Raw HTML is not interpreted: it is printed as text.
"""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field, replace

import markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from .blocks import REGISTRY as BLOCKS, BlockType, list_items
from .art import ART_RE, ArtLibrary
from .errors import Problem
from .helplines import REF_RE, Registry
from .project import HOME
from .timings import split_minutes

WORKSHEET, TEACHER, GUIDE = "worksheet", "teacher", "guide"
AUDIENCE_OF = {"student": {WORKSHEET, GUIDE}, "teacher": {TEACHER}, "answer": {TEACHER},
               "projector": {WORKSHEET}}
# Pupils' text shown on the slides only, never printed: the model steps after pupils have
# written their own (a printed sheet would give the answer away under the question).
PROJECTOR_ONLY = ("projector",)
# Text printed on paper (worksheet, teacher notes, guide) but left off the slides: a take-home
# box that repeats, word for word, the projector slide just before it.
PAPER_ONLY = ("paper",)
# Pupils' text the teacher notes print as well, marked as the pupils' task beside its
# model answer (lessonpack/taskpairs.py); it stays pupils' text for the checks.
ALSO_SHOWN_TO = {"student": {TEACHER}}
CONTAINERS = ("student", "teacher", "answer", "ticks", "sort", "scenario", "remember", "projector",
              "paper") + \
    tuple(n for n, b in BLOCKS.items() if not b.void)
VOID = ("lines", "box") + tuple(n for n, b in BLOCKS.items() if b.void)
KINDS = CONTAINERS + VOID
OPEN_RE = re.compile(r"^ {0,3}:{3,}[ \t]*([A-Za-z][\w-]*)[ \t]*(.*?)[ \t]*$")
CLOSE_RE = re.compile(r"^ {0,3}:{3,}[ \t]*$")
MAX_LINES = 30
# A tick list of at least this many items, none longer than SHORT_TICK characters, prints in
# two columns: half as tall, so a short list keeps whole beside the chat or story it goes with.
TWO_COLUMN_TICKS = 6
SHORT_TICK = 40
SHORT_NOTE = 700          # characters: a teacher box of up to about eight lines never splits
MAX_BRACKETS = 1000
MAX_DEPTH = 24  # element nesting of a body; real lessons use under 10, WeasyPrint fails near 60
SORT_COLUMNS = ("Safe", "Not sure", "Unsafe")
SAFE_LINK_RE = re.compile(r"^(https://|mailto:)", re.I)
ANSWER_TITLE = "Write your answer here"
SAFE_IMAGE_RE = re.compile(r"^(?![a-z][a-z0-9+.-]*:)(?!/)(?!.*(^|/)\.\.(/|$))[\w./-]+$", re.I)


@dataclass
class Block:
    """One fenced div as written in the source."""

    kind: str
    arg: str
    start: int                  # file line of the opening fence
    end: int | None = None      # file line of the closing fence (None for void blocks)
    parent: "Block | None" = None
    lines: list[tuple[int, str]] = field(default_factory=list)  # (file line, text) directly inside

    def inside(self, kind: str) -> bool:
        """True if this block or one around it is of `kind`."""
        block = self
        while block:
            if block.kind == kind:
                return True
            block = block.parent
        return False


@dataclass
class Scan:
    """What the fence scanner learnt about a body."""

    blocks: list[Block] = field(default_factory=list)
    audience: dict[int, set[str]] = field(default_factory=dict)  # file line → audiences
    problems: list[Problem] = field(default_factory=list)

    def lines_for(self, audience: str) -> list[int]:
        """File lines whose text reaches the given audience."""
        return [n for n, seen in self.audience.items() if audience in seen]


def scan(body: str, *, first_line: int, shown: str, registry: Registry | None = None) -> Scan:
    """Check the fences of a lesson body and map each line to its audiences."""
    result = Scan()
    brackets = body.count("[")
    if brackets > MAX_BRACKETS:
        # Python-Markdown's link parsing slows down sharply on long runs of '['
        # (upstream issue #798): a few thousand could stall a build for minutes.
        result.problems.append(Problem(shown, first_line, f"{brackets} '[' characters; a lesson may "
                                       f"have at most {MAX_BRACKETS} (each [[helpline]] uses two)"))
    stack: list[Block] = []
    everyone = {WORKSHEET, TEACHER, GUIDE}
    for offset, text in enumerate(body.split("\n")):
        line = first_line + offset
        if CLOSE_RE.match(text):
            if not stack:
                result.problems.append(Problem(shown, line, "':::' closes no open block; remove it"))
            else:
                closed = stack.pop()
                closed.end = line
                kind = BLOCKS.get(closed.kind)
                if kind is not None and kind.raw:
                    result.problems += [Problem(shown, n or closed.start, message) for n, message
                                        in kind.check_lines(closed.arg, closed.lines)]
            continue
        opened = OPEN_RE.match(text)
        if opened:
            kind, arg = opened.group(1).lower(), opened.group(2)
            block = Block(kind, arg, line, parent=stack[-1] if stack else None)
            problem = _check_block(block)
            if problem:
                result.problems.append(Problem(shown, line, problem))
            result.blocks.append(block)
            if kind not in VOID:
                stack.append(block)
            continue
        if stack:
            stack[-1].lines.append((line, text))
        seen = set(everyone)
        for block in stack:
            seen &= AUDIENCE_OF.get(block.kind, everyone)
        result.audience[line] = seen
        if registry is not None:
            for ref in REF_RE.finditer(text):
                if registry.resolve(ref.group(1), ref.group(2)) is None:
                    result.problems.append(Problem(shown, line, _bad_ref(ref, registry)))
    for block in stack:
        result.problems.append(Problem(shown, block.start, f"'::: {block.kind}' is never closed; "
                                                           "add a line ':::' where it ends"))
    return result


def _check_block(block: Block) -> str | None:
    if block.kind not in KINDS:
        return f"unknown block '::: {block.kind}' (expected one of {', '.join(KINDS)})"
    if block.kind in ("lines", "box"):
        arg = block.arg or "3"
        if not _is_count(arg) or not 1 <= int(arg) <= MAX_LINES:
            return f"'::: {block.kind} {block.arg}': expected a number of lines from 1 to {MAX_LINES}"
    if block.kind == "sort" and block.arg and len(_columns(block.arg)) < 2:
        return "'::: sort': give at least two column names separated by '|'"
    if block.kind in BLOCKS:
        problem = BLOCKS[block.kind].check_arg(block.arg)
        if problem:
            return problem
    outer = block.parent
    while outer:
        if block.kind in AUDIENCE_OF and outer.kind in AUDIENCE_OF and \
                not (AUDIENCE_OF[block.kind] & AUDIENCE_OF[outer.kind]):
            return (f"'::: {block.kind}' inside '::: {outer.kind}' (line {outer.start}) "
                    "would never be printed")
        outer = outer.parent
    return None


def _bad_ref(ref: re.Match, registry: Registry) -> str:
    hid, part = ref.group(1), ref.group(2)
    if hid not in registry:
        return f"unknown helpline '{ref.group(0)}': ids are the keys of data/helplines.yml ({', '.join(registry)})"
    return f"'{ref.group(0)}': {registry[hid].name} has no '{part}' (use name, phone, web or email)"


def _is_count(arg: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts '²', which int() rejects."""
    return arg.isascii() and arg.isdigit()


def _columns(arg: str) -> list[str]:
    return [c.strip() for c in arg.split("|") if c.strip()]


# --- the extension ----------------------------------------------------------------

#: The start of a list item: its indent and its marker (a number, or - * +).
ITEM_RE = re.compile(r"^( *)(\d+[.)]|[-*+])\s+\S")


class _FenceLines(Preprocessor):
    """Give every fence line a block of its own, so blank lines around them are optional;
    and start a new list where a bulleted item follows a numbered one directly (or the
    other way round), which Markdown would otherwise glue onto the item before it
    ("4. Call 999. - Stretch: …")."""

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        previous: tuple[int, bool] | None = None     # (indent, numbered) of the last item
        for text in lines:
            if OPEN_RE.match(text) or CLOSE_RE.match(text):
                out += ["", text.strip(), ""]
                previous = None
                continue
            item = ITEM_RE.match(text)
            if item:
                here = (len(item.group(1)), item.group(2)[0].isdigit())
                if previous and previous[0] == here[0] and previous[1] != here[1] \
                        and out and out[-1].strip():
                    out.append("")
                previous = here
            out.append(text)
        return out


class _FencedDiv(BlockProcessor):
    """`::: kind arg` … `:::` → an element, or nothing when hidden from this audience."""

    def __init__(self, parser, ext: "LessonExtension"):
        super().__init__(parser)
        self.ext = ext

    def test(self, parent, block: str) -> bool:
        return bool(OPEN_RE.match(block.strip())) and "\n" not in block.strip()

    def run(self, parent, blocks: list[str]) -> None:
        kind, arg = OPEN_RE.match(blocks.pop(0).strip()).groups()
        kind = kind.lower()
        if kind in VOID:
            el = self.ext.void(kind, arg)
            if el is not None:
                parent.append(el)
            return
        depth, inner = 0, []
        while blocks:
            block = blocks.pop(0)
            stripped = block.strip()
            if CLOSE_RE.match(stripped):
                if depth == 0:
                    break
                depth -= 1
            else:
                opened = OPEN_RE.match(stripped)
                if opened and "\n" not in stripped and opened.group(1).lower() not in VOID:
                    depth += 1
            inner.append(block)
        if (kind in PROJECTOR_ONLY and not self.ext.slides) or (kind in PAPER_ONLY and self.ext.slides):
            return
        if self.ext.audience not in AUDIENCE_OF.get(kind, {self.ext.audience}) | \
                ALSO_SHOWN_TO.get(kind, set()):
            if self.ext.slides:  # where teacher text was: its speaker notes go to this slide
                parent.append(etree.Element("div", {"class": "slide-notes"}))
            return
        block_type = BLOCKS.get(kind)
        if block_type is not None and block_type.raw:
            el = block_type.render(self.ext, arg, None, "\n".join(inner).split("\n"))
        else:
            holder = etree.Element("div")
            self.parser.parseBlocks(holder, inner)
            el = block_type.render(self.ext, arg, holder, []) if block_type is not None \
                else self.ext.container(kind, arg, holder)
        if el is not None:
            parent.append(el)


class _HelplineRef(InlineProcessor):
    """[[childline]], [[childline.phone]] → text from the registry."""

    def __init__(self, registry: Registry):
        super().__init__(REF_RE.pattern)
        self.registry = registry

    def handleMatch(self, m, data):  # noqa: N802 - Python-Markdown API
        text = self.registry.resolve(m.group(1), m.group(2))
        if text is None:
            return None, None, None
        span = etree.Element("span", {"class": f"helpline helpline-{m.group(2) or 'full'}"})
        span.text = text
        return span, m.start(0), m.end(0)


class _SafeResources(Treeprocessor):
    """Links only to https/mailto; images only from relative paths, with alt text;
    list numbering kept; empty sections dropped."""

    def __init__(self, md, ext: "LessonExtension"):
        super().__init__(md)
        self.ext = ext

    def run(self, root):
        for el in root.iter():
            if el.tag == "a":
                href = el.get("href", "")
                if not SAFE_LINK_RE.match(href):
                    self.ext.refused(href, "links must start with https:// or mailto:")
                    el.attrib.pop("href", None)
            elif el.tag == "img" and el.get("data-art"):
                pass    # drawn by a block from the art library (lessons cannot set attributes)
            elif el.tag == "img" and ART_RE.match(el.get("src", "")):
                self.ext.resolve_art(el)
            elif el.tag == "img":
                src = el.get("src", "")
                if not SAFE_IMAGE_RE.match(src):
                    self.ext.refused(src, "images must be files inside the project, "
                                          "given as a relative path like images/phone.svg")
                    el.tag, el.text = "span", el.get("alt", "")
                    el.attrib.clear()
                elif not el.get("alt", "").strip():
                    self.ext.refused(src, "image has no alt text: write ![what it shows](path)",
                                     code="alt-text")
            elif el.tag == "ol" and (el.get("start") or "").isdigit():
                # WeasyPrint reads `start` only as a presentational hint, which we leave off.
                el.set("style", f"counter-reset: list-item {int(el.get('start'))}; "
                                "counter-increment: list-item -1")
        _art_figures(root)
        _drop_empty_sections(root)
        return None


def _art_figures(root: etree.Element) -> None:
    """A paragraph holding only art becomes a centred <figure class="art">; a picture of a
    character (not an icon) that opens a paragraph of text sits beside it, large enough
    to see (class lead-art), instead of at the height of a word."""
    for p in root.iter("p"):
        first = p[0] if len(p) else None
        if first is None or first.tag != "img" or not first.get("data-art") or (p.text or "").strip():
            continue
        if len(p) == 1 and not (first.tail or "").strip():
            p.tag = "figure"
            p.set("class", "art")
            p.text = first.tail = None
        elif not first.get("data-art").startswith("icon-"):
            p.set("class", ((p.get("class") or "") + " lead-art").strip())


class _HeadingMinutes(Treeprocessor):
    """'## Starter {10 min}': the heading prints 'Starter'; the teacher notes add a
    visible '10 min' badge; every audience gets data-minutes for layouts and slides."""

    def __init__(self, md, ext: "LessonExtension"):
        super().__init__(md)
        self.ext = ext

    def run(self, root):
        for h in root.iter("h2"):
            last = h[-1] if len(h) else None
            text = (last.tail if last is not None else h.text) or ""
            title, minutes = split_minutes(text)
            if minutes is None:
                continue
            if last is not None:
                last.tail = title
            else:
                h.text = title
            h.set("data-minutes", str(minutes))
            if self.ext.audience == TEACHER:
                badge = etree.SubElement(h, "span", {"class": "minutes"})
                badge.text = f"{minutes} min"
                badge.tail = None
        return None


class _BlockFinish(Treeprocessor):
    """Blocks that need the finished tree (icons, tick labels); baseline headings at
    the level the outline needs: h3 inside an activity, h2 before the first one."""

    def __init__(self, md, ext: "LessonExtension"):
        super().__init__(md)
        self.ext = ext

    def run(self, root):
        for block_type, el in self.ext.finishing:
            block_type.finish(self.ext, el)
        seen_h2 = False
        for el in root.iter():
            if el.tag == "h2":
                seen_h2 = True
            elif el.tag == "h3" and el.get("class") == "baseline-heading" and not seen_h2:
                el.tag = "h2"
        return None


# Teacher sections a teacher needs before the lesson, wherever the lesson puts them
# (often a "Teacher notes" block at the end): matched by the start of the heading.
PREP_HEADINGS = ("before you teach", "key facts", "likely questions")


class _PrepFirst(Treeprocessor):
    """Teacher notes: the sections headed "Before you teach", "Key facts…" and "Likely
    questions" move, in their order, to just before the first timed activity (ahead of
    any other teacher box there), in one teacher box; their headings become h2 there (h4 under them h3), as the outline needs
    before the first activity.  A teacher block left with only its heading goes."""

    def run(self, root):
        first = next((i for i, el in enumerate(root)
                      if el.tag == "h2" and el.get("data-minutes")), None)
        if first is None:
            return None
        moved: list[etree.Element] = []
        for parent in list(root.iter()):
            if any(parent is m or parent in list(m.iter()) for m in moved):
                continue
            children = list(parent)
            i = 0
            while i < len(children):
                el = children[i]
                level = _heading_level(el)
                if level and _heading_text(el).strip().lower().startswith(PREP_HEADINGS):
                    section = [el]
                    j = i + 1
                    while j < len(children) and not (_heading_level(children[j]) and
                                                     _heading_level(children[j]) <= level):
                        section.append(children[j])
                        j += 1
                    for part in section:
                        parent.remove(part)
                        _shift_headings(part, 2 - level)
                    moved += section
                    i = j
                else:
                    i += 1
        if not moved:
            return None
        for block in [el for el in root if el.get("class") == "teacher"]:
            rest = [c for c in block if c.get("class") != "label"]
            if len(rest) == 1 and _heading_level(rest[0]):
                root.remove(block)       # only "Teacher notes" was left
        first = next(i for i, el in enumerate(root) if el.tag == "h2" and el.get("data-minutes"))
        # ...ahead of any other teacher box before the first activity (signs, SEND, further
        # resources): the preparation is what a teacher reads first
        first = next((i for i, el in enumerate(root) if i < first and el.get("class") == "teacher"),
                     first)
        box = etree.Element("div", {"class": "teacher prep"})
        label = etree.SubElement(box, "p", {"class": "label"})
        label.text = "Teacher"
        box.extend(moved)
        root.insert(first, box)
        _carry_on(box, root[first + 1] if first + 1 < len(root) else None, root)
        return None


def _carry_on(box: etree.Element, after: etree.Element | None, root: etree.Element) -> None:
    """The rest of the lesson's "Teacher notes" block, when it follows the preparation box
    (signs a child may need help, SEND): it goes on in that box, without its "Teacher
    notes" heading, its sections beside "Likely questions" – a second band headed "Teacher
    notes" read as if the notes began again."""
    if after is None or after.get("class") != "teacher":
        return
    rest = [c for c in after if c.get("class") != "label"]
    if not rest or not _heading_level(rest[0]) or \
            _heading_text(rest[0]).strip().lower() != "teacher notes":
        return
    for part in rest[1:]:
        _shift_headings(part, 1 - _heading_level(rest[0]))
    box.extend(rest[1:])
    root.remove(after)


def _shift_headings(el: etree.Element, by: int) -> None:
    """Every heading in el (itself included) `by` levels deeper (or up, if negative), never
    above h2: the document's h1 is its title."""
    for h in list(el.iter()):
        if _heading_level(h):
            h.tag = f"h{max(2, _heading_level(h) + by)}"


def _drop_empty_sections(root: etree.Element) -> None:
    """Remove headings with nothing under them for this audience (e.g. a 'Teacher notes'
    heading on the worksheet, when everything below it was teacher-only)."""
    children = list(root)
    for i, el in enumerate(children):
        level = _heading_level(el)
        if not level:
            continue
        following = children[i + 1] if i + 1 < len(children) else None
        next_level = _heading_level(following) if following is not None else 0
        if following is None or (next_level and next_level <= level):
            root.remove(el)


def _heading_level(el) -> int:
    tag = str(el.tag)
    return int(tag[1]) if re.fullmatch(r"h[1-6]", tag) else 0


class _FieldTitles(Treeprocessor):
    """Name each answer field after the question just above it, so a screen reader
    (and the tooltip) says what the field is for, not only 'Write your answer here'."""

    def run(self, root):
        for parent in root.iter():
            previous = None
            for child in parent:
                area = child.find("textarea") if child.tag == "div" else None
                if area is not None and area.get("title") == ANSWER_TITLE and \
                        previous is not None and previous.tag == "p" and _plain(previous):
                    question = _plain(previous)
                    if len(question) > 120:
                        question = question[:119].rstrip() + "…"
                    area.set("title", f"Answer to: {question}")
                previous = child
        return None


class _TakeHome(Treeprocessor):
    """Worksheet: each `::: keep` box leaves its place for the end of the sheet."""

    def __init__(self, md, ext: "LessonExtension"):
        super().__init__(md)
        self.ext = ext

    def run(self, root):
        from .blocks.keep import MOVED
        for parent in list(root.iter()):
            for child in list(parent):
                if child.get("data-" + MOVED) is not None:
                    del child.attrib["data-" + MOVED]
                    parent.remove(child)
                    self.ext.take_home.append(child)
        return None


class _Capture(Treeprocessor):
    """Keep a copy of the finished tree, for the checks."""

    def __init__(self, md, ext: "LessonExtension"):
        super().__init__(md)
        self.ext = ext

    def run(self, root):
        import copy
        self.ext.captured = copy.deepcopy(root)
        return None


class LessonExtension(Extension):
    """Everything lessonpack adds to Markdown, for one audience."""

    def __init__(self, *, audience: str, registry: Registry, fillable: bool = False,
                 field_prefix: str = "f", sort_columns: tuple[str, ...] = SORT_COLUMNS,
                 statement_header: str = "Statement", art: ArtLibrary | None = None,
                 slides: bool = False, prep_first: bool = False):
        super().__init__()
        self.prep_first = prep_first    # teacher notes: preparation sections before the Starter
        self.slides = slides    # rendering for slides: mark slide breaks and hidden blocks
        self.art = art or ArtLibrary([HOME / "templates"])
        self.finishing: list[tuple[BlockType, etree.Element]] = []
        self.baseline_again: etree.Element | None = None
        self.take_home: list[etree.Element] = []    # worksheet: `::: keep` boxes, for the end
        self.errors: list[tuple[str, str, str]] = []   # (text to find the line by, message, code)
        self.audience = audience
        self.registry = registry
        self.fillable = fillable
        self.field_prefix = field_prefix
        self.sort_columns = sort_columns
        self.statement_header = statement_header
        self.fields = 0
        self.refusals: list[tuple[str, str, str]] = []  # (url, reason, code)
        self.captured: etree.Element | None = None

    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown API
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.preprocessors.register(_FenceLines(md), "lessonpack_fences", 25)
        md.parser.blockprocessors.register(_FencedDiv(md.parser, self), "lessonpack_div", 95)
        md.inlinePatterns.register(_HelplineRef(self.registry), "lessonpack_helpline", 185)
        md.treeprocessors.register(_SafeResources(md, self), "lessonpack_resources", 5)
        md.treeprocessors.register(_FieldTitles(md), "lessonpack_field_titles", 4)
        if self.audience == TEACHER:
            from .taskpairs import TaskPairs
            md.treeprocessors.register(TaskPairs(md), "lessonpack_task_pairs", 6)
        md.treeprocessors.register(_HeadingMinutes(md, self), "lessonpack_minutes", 30)
        md.treeprocessors.register(_BlockFinish(md, self), "lessonpack_blocks", 4.5)
        if self.audience == TEACHER and self.prep_first:
            md.treeprocessors.register(_PrepFirst(md), "lessonpack_prep_first", 4.2)
        if self.audience == WORKSHEET and not self.slides:
            md.treeprocessors.register(_TakeHome(md, self), "lessonpack_take_home", 4.3)
        md.treeprocessors.register(_Capture(md, self), "lessonpack_capture", -10)

    def refused(self, url: str, reason: str, code: str = "unsafe-url") -> None:
        self.refusals.append((url, reason, code))

    def to_finish(self, block_type, el: etree.Element) -> None:
        """Call block_type.finish(self, el) once the tree is complete."""
        self.finishing.append((block_type, el))

    def art_image(self, name: str, alt: str) -> etree.Element | None:
        """An <img> of art NAME (None when the library has no such file)."""
        path = self.art.find(name)
        if path is None:
            return None
        return etree.Element("img", {"src": self.art.uri(path), "alt": alt, "class": f"art art-{name}",
                                     "data-art": name})

    def resolve_art(self, el: etree.Element) -> None:
        """![alt](art:NAME) → the file of NAME; unknown names and missing alt are errors."""
        name = ART_RE.match(el.get("src")).group(1)
        path = self.art.find(name)
        if not el.get("alt", "").strip():
            self.errors.append((f"(art:{name})", f"art '{name}' has no alt text: write "
                                f"![what it shows](art:{name})", "alt-text"))
        if path is None:
            self.errors.append((f"(art:{name})", self.art.unknown(name), "art"))
            el.tag, el.text = "span", el.get("alt", "")
            el.attrib.clear()
            return
        el.set("src", self.art.uri(path))
        el.set("class", f"art art-{name}")
        el.set("data-art", name)

    def _field_name(self) -> str:
        self.fields += 1
        return f"{self.field_prefix}-{self.fields}"

    # building blocks ------------------------------------------------------------

    def void(self, kind: str, arg: str) -> etree.Element | None:
        if kind in BLOCKS:
            return BLOCKS[kind].render(self, arg, None, [])
        # Clamped: with --no-check, `::: lines 99999999999` must not build a billion rules.
        n = min(int(arg), MAX_LINES) if _is_count(arg) else 3
        # --rows sizes the box in CSS for any n; a fillable worksheet prints exactly like
        # a paper one because its field lies over the same rules (see print.css).
        el = etree.Element("div", {"class": f"answer-{kind} rows-{n}" +
                                   (" fillable" if self.fillable else ""),
                                   "style": f"--rows: {n}"})
        el.text = ""
        if kind == "lines":
            for _ in range(n):
                etree.SubElement(el, "div", {"class": "rule"}).text = ""
        if self.fillable:
            area = etree.SubElement(el, "textarea", {"name": self._field_name(),
                                                     "title": ANSWER_TITLE, "class": "field"})
            area.text = ""
        return el

    def container(self, kind: str, arg: str, holder: etree.Element) -> etree.Element:
        if kind == "ticks":
            return self._ticks(holder)
        if kind == "sort":
            return self._sort(holder, tuple(_columns(arg)) or self.sort_columns)
        holder.set("class", kind if kind != "student" else "student")
        if kind == "scenario":
            holder.set("class", "card scenario")
            title = etree.Element("p", {"class": "card-title"})
            title.text = arg or "Story"
            holder.insert(0, title)
        elif kind in ("teacher", "answer") and self.audience == TEACHER:
            label = etree.Element("p", {"class": "label"})
            label.text = "Model answer" if kind == "answer" else "Teacher"
            holder.insert(0, label)
            # a short note is read in one glance: it moves to the next page whole rather
            # than leaving its first lines at the foot of one page
            if kind == "teacher" and len(_plain(holder)) <= SHORT_NOTE and \
                    not any(el.tag in ("h2", "h3", "h4") for el in holder.iter()):
                holder.set("data-short", "")
        return holder

    def _ticks(self, holder: etree.Element) -> etree.Element:
        items, rest = list_items(holder)
        el = etree.Element("div", {"class": "ticks"})
        el.extend(rest)
        short = len(items) >= TWO_COLUMN_TICKS and \
            all(len(_plain(item)) <= SHORT_TICK for item in items)
        ul = etree.SubElement(el, "ul", {"class": "ticks two-columns" if short else "ticks"})
        for item in items:
            li = etree.SubElement(ul, "li")
            li.append(self._tickbox(_plain(item)))
            _move_content(item, li)
        return el

    def _tickbox(self, label: str) -> etree.Element:
        if self.fillable:
            return etree.Element("input", {"type": "checkbox", "name": self._field_name(),
                                           "title": label[:80], "class": "field"})
        box = etree.Element("span", {"class": "tickbox", "aria-hidden": "true"})
        box.text = ""
        return box

    def _sort(self, holder: etree.Element, columns: tuple[str, ...]) -> etree.Element:
        items, rest = list_items(holder)
        el = etree.Element("div", {"class": "sort"})
        el.extend(rest)
        table = etree.SubElement(el, "table", {"class": "sort"})
        head = etree.SubElement(etree.SubElement(table, "thead"), "tr")
        th = etree.SubElement(head, "th", {"scope": "col", "class": "statement"})
        th.text = self.statement_header
        for column in columns:
            etree.SubElement(head, "th", {"scope": "col"}).text = column
        body = etree.SubElement(table, "tbody")
        for item in items:
            tr = etree.SubElement(body, "tr")
            cell = etree.SubElement(tr, "td", {"class": "statement"})
            _move_content(item, cell)
            for column in columns:
                td = etree.SubElement(tr, "td", {"class": "tick"})
                td.append(self._tickbox(f"{_plain(cell)[:60]} – {column}"))
        return el


def _move_content(source: etree.Element, target: etree.Element) -> None:
    """Move text and children of source (unwrapping a lone <p>) to the end of target."""
    if len(source) == 1 and source[0].tag == "p" and not (source.text or "").strip():
        source = source[0]
    if target.text or len(target):
        last = target[-1] if len(target) else None
        if last is not None:
            last.tail = (last.tail or "") + (source.text or "")
        else:
            target.text = (target.text or "") + (source.text or "")
    else:
        target.text = source.text
    for child in list(source):
        target.append(child)


def _heading_text(el: etree.Element) -> str:
    """A heading's text without its minutes badge."""
    badge = next((c for c in el if c.get("class") == "minutes"), None)
    if badge is None:
        return _plain(el)
    el = etree.fromstring(etree.tostring(el))
    el.remove(next(c for c in el if c.get("class") == "minutes"))
    return _plain(el)


def _plain(el: etree.Element) -> str:
    return " ".join("".join(el.itertext()).split())


@dataclass
class Rendered:
    """A lesson body as HTML for one audience, with what the checks need."""

    html: str
    tree: etree.Element
    problems: list[Problem]
    scan: Scan | None = None        # the fence scan it was converted after
    baseline_again: str = ""        # worksheet: the baseline table again, for "What I know now"
    take_home: str = ""             # worksheet: the `::: keep` boxes, printed after it

    def headings(self) -> list[tuple[int, str]]:
        """(level, text) of every heading, in order."""
        return [(int(el.tag[1]), _heading_text(el)) for el in self.tree.iter()
                if re.fullmatch(r"h[1-6]", str(el.tag))]

    def sentences_text(self) -> list[str]:
        """Text of each block-level element (paragraph, list item, heading, cell)."""
        blocks = []
        for el in self.tree.iter():
            if el.tag in ("p", "li", "h2", "h3", "h4", "h5", "h6", "td") and \
                    not any(c.tag in ("p", "ul", "ol") for c in el):
                text = _plain(el)
                if text:
                    blocks.append(text)
        return blocks


def render_body(lesson, audience: str, registry: Registry, *, fillable: bool = False,
                art: ArtLibrary | None = None, slides: bool = False,
                prep_first: bool = False) -> Rendered:
    """Convert a lesson's body for one audience ('worksheet', 'teacher' or 'guide').
    `prep_first` (the teacher notes): "Before you teach", "Key facts" and "Likely
    questions" move to just before the first timed activity.

    The fences are checked first, so an unclosed block is an error even in a
    --no-check draft; a body that fails that check is not converted at all.
    Each caller gets its own copy of the tree, so it may change it.
    """
    key = (lesson.shown, lesson.id, lesson.key_stage, lesson.body, lesson.body_line, audience,
           fillable, slides, prep_first,
           None if art is None else (tuple(map(str, art.folders)), art.greyscale))
    # Bodies already converted live on the registry, so a reload of the data starts afresh:
    # the checks, the slide numbers, each document and each deck convert the same bodies,
    # and worker processes forked after the checks inherit them.
    memo = registry.__dict__.setdefault("_converted", {}) if hasattr(registry, "__dict__") else {}
    if key not in memo:
        memo[key] = _render_body(lesson, audience, registry, fillable=fillable, art=art,
                                 slides=slides, prep_first=prep_first)
    done = memo[key]
    return replace(done, tree=copy.deepcopy(done.tree), problems=list(done.problems))


def _render_body(lesson, audience: str, registry: Registry, *, fillable: bool,
                 art: ArtLibrary | None, slides: bool, prep_first: bool = False) -> Rendered:
    fences = scan(lesson.body, first_line=lesson.body_line, shown=lesson.shown, registry=registry)
    if fences.problems:
        return Rendered(html="", tree=etree.Element("div"), problems=fences.problems, scan=fences)
    ext = LessonExtension(audience=audience, registry=registry, fillable=fillable,
                          field_prefix=f"{lesson.id}", sort_columns=SORT_COLUMNS,
                          statement_header="What happens" if lesson.key_stage in ("ks1", "ks2")
                          else "Statement", art=art, slides=slides, prep_first=prep_first)
    md = markdown.Markdown(extensions=[ext, "tables", "sane_lists"], output_format="html")
    try:
        html = md.convert(lesson.body)
    except RecursionError:
        # Python-Markdown recurses per nested list, quote, block or emphasis.
        html = None
    root = ext.captured if ext.captured is not None else etree.Element("div")
    if html is None or _depth(root) > MAX_DEPTH:
        # WeasyPrint also lays out nested boxes recursively: stop here, with a place to fix.
        return Rendered(html="", tree=etree.Element("div"), problems=[Problem(
            lesson.shown, lesson.body_line, f"lists, quotes or '::: ' blocks are nested too deeply "
                                            f"(at most {MAX_DEPTH} levels); simplify the lesson")],
                        scan=fences)
    problems = [Problem(lesson.shown, source_line(lesson, url) or lesson.body_line,
                        f"{url!r}: {reason}", code=code)
                for url, reason, code in ext.refusals]
    problems += [Problem(lesson.shown, source_line(lesson, needle) or lesson.body_line, message,
                         code=code) for needle, message, code in ext.errors]
    def serialize(el: etree.Element) -> str:
        out = md.serializer(el)
        for post in md.postprocessors:
            out = post.run(out)
        return out

    again = serialize(ext.baseline_again) if ext.baseline_again is not None else ""
    take_home = "".join(serialize(el) for el in ext.take_home)
    root.extend(copy.deepcopy(ext.take_home))     # the checks read them, at the end as printed
    return Rendered(html=html, tree=root, problems=problems, scan=fences, baseline_again=again,
                    take_home=take_home)


def _depth(root: etree.Element) -> int:
    """Deepest element nesting in the tree (iterative: the tree may be very deep)."""
    deepest, todo = 0, [(root, 1)]
    while todo:
        el, depth = todo.pop()
        deepest = max(deepest, depth)
        todo += [(child, depth + 1) for child in el]
    return deepest


def source_line(lesson, needle: str) -> int | None:
    """The file line of the first body line containing `needle` (a URL, an image path)."""
    for offset, text in enumerate(lesson.body.split("\n")):
        if needle and needle in text:
            return lesson.body_line + offset
    return None
