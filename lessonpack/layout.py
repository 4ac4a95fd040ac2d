"""The layout gate: what a teacher sees on the printed page, read from WeasyPrint's boxes.

After a document is laid out, its pages are inspected (the real boxes, not guesses from
the HTML) for the faults that make a worksheet look careless:

- on pages a teacher photocopies (worksheets, the parents' guide), a short table (at most
  eight body rows) or short list (at most eight items) split across pages at all; in the
  teacher notes, the same for a short list in the safeguarding box (its ground rules, the
  steps if a child tells you), which a teacher reads as one set before the lesson; and a
  chat or a short pupils' task, which the teacher reads aloud or sets as one;
- a longer table split so that one row stands alone on a page (or the header with fewer
  than two rows under it), or a longer list split leaving one item alone;
- a heading or a label, or an instruction whose answer space (or picture) went overleaf,
  stranded at a page foot;
- a middle page less than 60 % filled (unless a forced page break ends it on purpose, and
  not when it holds only the run-over tail of a block that forces the break after it);
- a last page less than 25 % filled;
- a worksheet longer than four sides;
- on projector slides, a slide whose content runs past its body area or title band, or
  a slide that took more than one page.

No WeasyPrint import here: the boxes come from pdf.py, which owns WeasyPrint.
"""

from __future__ import annotations

from dataclasses import dataclass

MIDDLE_FILL = 0.60
LAST_FILL = 0.25
MAX_WORKSHEET_SIDES = 4
FORCED = {"page", "left", "right", "recto", "verso"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# Classes of the spaces and boxes an instruction refers to.
ANSWER_SPACES = ("answer-lines", "answer-box", "ticks", "sort", "hand", "trusted-adults",
                 "cards", "baseline", "profile", "chat", "art")
# Labels that name what follows them ("Model answer", a card's title).
LABELS = {"label", "card-title"}
# Only documents that are laid out on their own are judged; packs and class sets reuse
# those pages, so their faults are the documents' faults.
JUDGED = ("worksheet", "teacher-notes", "parents-guide", "slides")
# The four-side limit is the photocopier's: a class set in standard (or greyscale) print.
# Large print and dyslexia-friendly copies are made for one pupil and are meant to be longer.
SIDE_LIMITED = ("standard", "greyscale")
SLACK = 7.5    # px (2 mm): less is out of sight in the slide's bottom margin
# A list of at most this many items, or a table of at most this many body rows, prints whole.
SHORT = 8
# Boxes whose short lists and tables print whole in every document, the teacher notes too.
WHOLE = {"safeguarding"}
# Blocks the teacher notes print whole (print.css): a chat read aloud, a short pupils' task
# (taskpairs.py marks it "whole").  (class names the block has all of, what it is called)
WHOLE_BLOCKS = (({"chat"}, "chat"), ({"student", "task", "whole"}, "pupils' task"))


@dataclass(frozen=True)
class Finding:
    """One layout fault on one page (1-based)."""

    page: int
    rule: str
    message: str
    text: str = ""      # a few words of the element concerned, to find it in the source


def inspect(pages, *, kind: str, variant: str = "standard") -> list[Finding]:
    """Layout findings for one laid-out document (WeasyPrint `Document.pages`)."""
    if kind not in JUDGED:
        return []
    boxes = [page._page_box for page in pages]  # noqa: SLF001 - WeasyPrint has no public box API
    if kind == "slides":
        return _slides(boxes)
    findings: list[Finding] = []
    if kind == "worksheet" and variant in SIDE_LIMITED and len(boxes) > MAX_WORKSHEET_SIDES:
        findings.append(Finding(len(boxes), "too-long",
                                f"worksheet runs to {len(boxes)} sides (at most "
                                f"{MAX_WORKSHEET_SIDES}); shorten the pupils' text"))
    # Teacher notes are read by one adult, not photocopied for a class: there, a short list
    # or table may run on overleaf like any paragraph, as long as no item is left alone.
    short = SHORT if kind != "teacher-notes" else 0
    findings += _split_tables(boxes, short) + _split_lists(boxes, short)
    if kind == "teacher-notes":
        findings += _split_blocks(boxes)
    for number, box in enumerate(boxes, 1):
        if number < len(boxes):
            findings += _stranded(box, number, boxes[number], pupils=kind != "teacher-notes")
        fill = _fill(box)
        last = number == len(boxes)
        if last and len(boxes) > 1 and fill < LAST_FILL:
            findings.append(Finding(number, "near-empty-last",
                                    f"last page is only {fill:.0%} filled (at least {LAST_FILL:.0%}); "
                                    "shorten the document or give the last section more room"))
        elif not last and fill < MIDDLE_FILL and number > 1 and \
                (spilled := _spilled_before_force(boxes[number - 2], box)) is not None:
            name = _heading_words(spilled)
            findings.append(Finding(number, "near-empty",
                                    f"page is only {fill:.0%} filled (at least {MIDDLE_FILL:.0%}): "
                                    f"'{name}' runs over from page {number - 1} and then starts "
                                    "a new page; shorten it to fit one page", name))
        elif not last and fill < MIDDLE_FILL and not _ends_by_force(box, boxes[number]):
            findings.append(Finding(number, "near-empty",
                                    f"page is only {fill:.0%} filled (at least {MIDDLE_FILL:.0%}) "
                                    f"because what follows did not fit: "
                                    f"'{_words(_first_leaf(boxes[number]))}' moved to page {number + 1}",
                                    _words(_first_leaf(boxes[number]))))
    return sorted(findings, key=lambda f: (f.page, f.rule))


# --- box helpers ----------------------------------------------------------------------

def _children(box) -> list:
    return list(getattr(box, "children", None) or [])


def _in_flow(box) -> bool:
    style = getattr(box, "style", None)
    if style is None:
        return True
    return style["position"] not in ("absolute", "fixed") and style["float"] == "none"


def _tag(box) -> str:
    return getattr(box, "element_tag", "") or ""


def _classes(box) -> set[str]:
    element = getattr(box, "element", None)
    if element is None:
        return set()
    return set((element.get("class") or "").split())


def _root(page_box):
    """The <html> box of a page (its other children are margin boxes)."""
    for child in _children(page_box):
        if _tag(child) == "html":
            return child
    return None


def _content_area(page_box) -> tuple[float, float]:
    """Top and bottom of the page's content area."""
    top = page_box.margin_top + page_box.padding_top + page_box.border_top_width
    bottom = page_box.margin_height() - page_box.margin_bottom - page_box.padding_bottom - \
        page_box.border_bottom_width
    return top, bottom


def _bottom(box) -> float:
    """Lowest edge of the in-flow content of box (ignoring empty trailing wrappers)."""
    lowest = None
    todo = [box]
    while todo:
        current = todo.pop()
        if not _in_flow(current):
            continue
        kids = [c for c in _children(current) if _in_flow(c)]
        if _tag(current) in ("tr", "img", "svg") or not kids or type(current).__name__ == "LineBox":
            height = current.margin_height() if hasattr(current, "margin_height") else 0
            if height:
                edge = current.position_y + height
                lowest = edge if lowest is None else max(lowest, edge)
            continue
        todo += kids
    return lowest if lowest is not None else 0.0


def _ink_bottom(box) -> float:
    """Lowest border edge of the in-flow content of box: what shows, not trailing margins."""
    lowest = None
    todo = [box]
    while todo:
        current = todo.pop()
        if not _in_flow(current) and current is not box:
            continue
        kids = [c for c in _children(current) if _in_flow(c)]
        if _tag(current) in ("tr", "img", "svg") or not kids or type(current).__name__ == "LineBox":
            if hasattr(current, "border_height"):
                edge = current.position_y + current.margin_top + current.border_height()
            else:
                edge = current.position_y + getattr(current, "height", 0)
            lowest = edge if lowest is None else max(lowest, edge)
            continue
        todo += kids
    return lowest if lowest is not None else 0.0


def _fill(page_box) -> float:
    root = _root(page_box)
    top, bottom = _content_area(page_box)
    if root is None or bottom <= top:
        return 1.0
    return max(0.0, min(1.0, (_bottom(root) - top) / (bottom - top)))


def _flow_blocks(box) -> list:
    """A box's in-flow child blocks on this page (not its lines)."""
    return [c for c in _children(box) if _in_flow(c) and type(c).__name__ != "LineBox"
            and getattr(c, "element_tag", None)]


def _chain(box, *, last: bool) -> list:
    """From box down to its first (or last) in-flow block on the page, outermost first;
    a table or row counts as one block."""
    chain = [box]
    while True:
        kids = _flow_blocks(chain[-1])
        if not kids or type(chain[-1]).__name__ in ("TableBox", "TableRowBox"):
            return chain
        chain.append(kids[-1] if last else kids[0])


def _last_chain(box) -> list:
    return _chain(box, last=True)


def _first_chain(box) -> list:
    return _chain(box, last=False)


def _first_leaf(page_box):
    root = _root(page_box)
    return _first_chain(root)[-1] if root is not None else None


def _text(box) -> str:
    if box is None:
        return ""
    element = getattr(box, "element", None)
    if element is not None:
        return " ".join("".join(element.itertext()).split())
    return ""


def _local(tag) -> str:
    """An element's tag without its namespace ('{…xhtml}li' -> 'li')."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _items(element) -> int:
    """How many items a list element has (its own, not those of lists nested in them)."""
    return sum(1 for child in element if _local(child.tag) == "li")


def _body_rows(element) -> int:
    """How many body rows a table element has (the header and footer rows are not counted)."""
    rows = 0
    for child in element:
        if _local(child.tag) == "tbody":
            rows += sum(1 for row in child if _local(row.tag) == "tr")
        elif _local(child.tag) == "tr":
            rows += 1
    return rows


def _pages(parts) -> str:
    first, last = parts[0][0], parts[-1][0]
    return f"pages {first}–{last}" if last != first + 1 else f"pages {first} and {last}"


def _words(box, n: int = 8) -> str:
    words = _text(box).split()
    return " ".join(words[:n]) + ("…" if len(words) > n else "")


def _spilled_before_force(previous_page_box, page_box):
    """The block that ends this page with a forced break (the teacher notes' "Lesson at a
    glance") when it began on the previous page: its tail alone on a page is no purpose of
    the break, only a page that ran over.  None otherwise."""
    root, before = _root(page_box), _root(previous_page_box)
    if root is None or before is None:
        return None
    forced = next((b for b in _last_chain(root) if getattr(b, "style", None) is not None
                   and b.style["break_after"] in FORCED), None)
    element = getattr(forced, "element", None)
    if element is None:
        return None
    todo = [before]
    while todo:
        box = todo.pop()
        if getattr(box, "element", None) is element:
            return forced
        todo += _children(box)
    return None


def _heading_words(box) -> str:
    """The first heading inside a box's element (its name), else its first words."""
    element = getattr(box, "element", None)
    for el in (element.iter() if element is not None else []):
        if _local(el.tag) in HEADINGS:
            return " ".join("".join(el.itertext()).split())
    return _words(box, 5)


def _ends_by_force(page_box, next_page_box) -> bool:
    """True when a forced page break (or a block too tall for any page) ends this page."""
    root = _root(page_box)
    following = _root(next_page_box)
    if root is not None:
        for box in _last_chain(root):
            if getattr(box, "style", None) is not None and box.style["break_after"] in FORCED:
                return True
    if following is not None:
        for box in _first_chain(following):
            if getattr(box, "style", None) is not None and box.style["break_before"] in FORCED:
                return True
    return False


# --- the rules --------------------------------------------------------------------------

def _slides(boxes: list) -> list[Finding]:
    """A slide is one page: its content stays inside its body area and its title inside
    the title band (both have fixed heights in css/slides.css)."""
    findings: list[Finding] = []
    seen: list[int] = []
    for number, page_box in enumerate(boxes, 1):
        todo = [page_box]
        while todo:
            box = todo.pop()
            classes = _classes(box)
            if "slide" in classes and _tag(box) == "section":
                element = getattr(box, "element", None)
                if id(element) in seen:
                    findings.append(Finding(number, "overflowing-slide",
                                            f"slide '{_words(box)}' runs onto a second page",
                                            _words(box)))
                seen.append(id(element))
            if classes & {"slide-body", "slide-head"}:
                top = box.position_y
                bottom = box.position_y + box.margin_height()
                kids = _children(box)
                lowest = max((_ink_bottom(c) for c in kids), default=top)
                highest = min((c.position_y for c in kids), default=top)
                if lowest > bottom + SLACK or highest < top - SLACK:
                    what = "title" if "slide-head" in classes else "content"
                    findings.append(Finding(number, "overflowing-slide",
                                            f"slide {number}: its {what} does not fit on the "
                                            f"slide ('{_words(box)}'); shorten it or start a new "
                                            "slide with '::: slide'", _words(box)))
                continue
            todo += _children(box)
    return findings


def _stranded(page_box, number: int, next_page_box, *, pupils: bool) -> list[Finding]:
    """A heading or label last on the page; on pupils' pages, also an instruction whose
    answer space (or picture) starts the next page.  (In teacher notes a paragraph before a
    pupils' task is commentary, not an instruction.)"""
    root = _root(page_box)
    if root is None:
        return []
    chain = _last_chain(root)
    last = chain[-1]
    if len(chain) > 1 and _moved_on(last):
        # an empty start of a block whose words all went overleaf (a KS1 paragraph whose
        # floated picture did not fit) hides what it leaves last on the page
        kept = [c for c in _flow_blocks(chain[-2]) if not _moved_on(c)]
        if kept:
            last = _last_chain(kept[-1])[-1]
    if _tag(last) in HEADINGS or (_tag(last) == "p" and _classes(last) & LABELS):
        return [Finding(number, "stranded-heading",
                        f"heading '{_words(last)}' is the last thing on the page; "
                        "what it introduces starts overleaf", _words(last))]
    if _tag(last) == "p" and pupils:
        chain_next = _first_chain(_root(next_page_box)) if _root(next_page_box) is not None else []
        # The end-of-worksheet "What I know now" is its own section, not the answer space of
        # whatever precedes it.
        if any("baseline-again" in _classes(b) for b in chain_next):
            return []
        if any(_classes(b) & set(ANSWER_SPACES) for b in chain_next):
            return [Finding(number, "stranded-instruction",
                            f"instruction '{_words(last)}' is at the foot of the page and its "
                            f"answer space is overleaf", _words(last))]
    return []


def _moved_on(box) -> bool:
    """True for a block with words that has nothing on this page: its content is overleaf."""
    return not _children(box) and bool(_text(box))


def _own_children(box) -> list:
    """A box's children, looking through the anonymous boxes of the same element that
    WeasyPrint adds (the columns of a two-column list)."""
    element = getattr(box, "element", None)
    out = []
    for child in _children(box):
        if element is not None and getattr(child, "element", None) is element \
                and _tag(child) == _tag(box):
            out += _own_children(child)
        else:
            out.append(child)
    return out


def _fragments(boxes: list, wanted) -> list[list[tuple[int, int, object, bool]]]:
    """The boxes of each element that `wanted` picks out, grouped per element in page
    order: (page, rows or items on that page, first box on that page, whether it lies in a
    WHOLE box)."""
    fragments: dict[int, dict[int, tuple[int, int, object, bool]]] = {}
    for number, page_box in enumerate(boxes, 1):
        root = _root(page_box)
        todo = [(root, False)] if root is not None else []
        while todo:
            box, whole = todo.pop()
            whole = whole or bool(_classes(box) & WHOLE)
            count = wanted(box)
            if count is not None:
                element = getattr(box, "element", None)
                pages = fragments.setdefault(id(element) if element is not None else id(box), {})
                _, before, first, _ = pages.get(number, (number, 0, box, whole))
                pages[number] = (number, before + count, first, whole)
                if type(box).__name__ == "TableBox":
                    continue
                todo += [(kid, whole) for kid in _own_children(box)]
                continue
            todo += [(kid, whole) for kid in _children(box)]
    return [list(pages.values()) for pages in fragments.values()]


def _split_blocks(boxes: list) -> list[Finding]:
    """Teacher notes: a chat or a short pupils' task split across pages, when it would fit
    on one page (a block taller than a page has to run on)."""
    seen: dict[int, list[tuple[int, object]]] = {}
    for number, page_box in enumerate(boxes, 1):
        todo = [_root(page_box)] if _root(page_box) is not None else []
        while todo:
            box = todo.pop()
            classes = _classes(box)
            if any(names <= classes for names, _ in WHOLE_BLOCKS) and _tag(box) == "div":
                pages = seen.setdefault(id(getattr(box, "element", None) or box), [])
                if not pages or pages[-1][0] != number:
                    pages.append((number, box))
                continue
            todo += _children(box)
    findings = []
    for parts in seen.values():
        if len(parts) < 2:
            continue
        top, bottom = _content_area(boxes[parts[0][0] - 1])
        tall = sum(box.margin_height() for _, box in parts)
        if tall > bottom - top:
            continue
        number, box = parts[0]
        what = next(name for names, name in WHOLE_BLOCKS if names <= _classes(box))
        findings.append(Finding(number, "split-block",
                                f"{what} '{_words(box)}' is split across {_pages(parts)}; "
                                f"a {what} this short prints whole in the teacher notes",
                                _words(box)))
    return findings


def _list_items(box) -> int | None:
    """Items of a list on this page: block items, or inline-block ones in its lines."""
    if _tag(box) in ("ul", "ol") and type(box).__name__ == "BlockBox":
        kids = _own_children(box)
        kids += [k for c in kids if type(c).__name__ == "LineBox" for k in _children(c)]
        return sum(1 for c in kids if _tag(c) == "li")
    return None


def _split_short(parts: list, count, what: str, unit: str, short: int) -> tuple[int, Finding | None]:
    """The whole list or table's size (counted in its HTML, else over its fragments) and, when
    it has at most `short` items or rows (SHORT in a WHOLE box), the finding that it is
    split at all."""
    number, _, box, whole = parts[0]
    element = getattr(box, "element", None)
    total = count(element) if element is not None else sum(n for _, n, _, _ in parts)
    if total > (max(short, SHORT) if whole else short):
        return total, None
    return total, Finding(number, f"split-short-{what}",
                          f"{what} '{_words(box)}' ({total} {unit}) is split across "
                          f"{_pages(parts)}; a {what} this short prints whole", _words(box))


def _split_lists(boxes: list, short: int = SHORT) -> list[Finding]:
    """Short lists (at most `short` items) split across pages at all; longer lists split so
    that one item stands alone on a page."""
    findings = []
    for parts in _fragments(boxes, _list_items):
        if len(parts) < 2:
            continue
        total, finding = _split_short(parts, _items, "list", "items", short)
        if finding:
            findings.append(finding)
            continue
        if total < 3:     # two items split one and one: halved, not one left alone
            continue
        for number, items, box, _ in parts:
            if items == 1:
                findings.append(Finding(number, "split-list",
                                        f"list '{_words(box)}' is split across pages leaving one "
                                        f"item on page {number}", _words(box)))
    return findings


def _table_rows(box) -> int | None:
    if type(box).__name__ == "TableBox":
        return sum(1 for group in _children(box) if _tag(group) in ("tbody", "")
                   for row in _children(group) if type(row).__name__ == "TableRowBox")
    return None


def _split_tables(boxes: list, short: int = SHORT) -> list[Finding]:
    """Short tables (at most `short` body rows) split across pages at all; longer tables
    whose fragment on some page holds a single body row (or a lone header)."""
    findings = []
    for parts in _fragments(boxes, _table_rows):
        if len(parts) < 2:
            continue
        _total, finding = _split_short(parts, _body_rows, "table", "rows", short)
        if finding:
            findings.append(finding)
            continue
        for number, rows, box, _ in parts:
            if rows <= 1:
                findings.append(Finding(number, "split-table",
                                        f"table '{_words(box)}' is split across pages leaving "
                                        f"{rows} row{'s' if rows != 1 else ''} on page {number}",
                                        _words(box)))
    return findings
