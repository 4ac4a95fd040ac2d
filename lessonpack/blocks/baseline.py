"""`::: baseline [Col | Col | Col]`: statements pupils judge before the lesson.

The worksheet prints them as a tick table under "Before we start"; the same
statements come back at the end under "What I know now" (compose passes that copy
to the worksheet template).  The teacher notes list them once; the guide skips them.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as etree

from . import BlockType, list_items, plain, register, sub

COLUMNS = ("True", "False", "Not sure")
BEFORE, AFTER = "Before we start", "What I know now"


def columns(arg: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in arg.split("|") if c.strip()) or COLUMNS


@register
class Baseline(BlockType):
    name = "baseline"

    def check_arg(self, arg):
        if arg.strip() and len(columns(arg)) < 2:
            return "'::: baseline': give at least two column names separated by '|'"
        return None

    def render(self, ext, arg, holder, lines):
        from ..markdown import GUIDE, TEACHER

        if ext.audience == GUIDE:
            return None
        items, rest = list_items(holder)
        if ext.audience == TEACHER:
            el = etree.Element("div", {"class": "baseline baseline-teacher"})
            sub(el, "p", "label", "Baseline")
            sub(el, "p", "hint", f"Pupils mark these under \u201c{BEFORE}\u201d and again "
                                 f"under \u201c{AFTER}\u201d at the end of the worksheet.")
            ol = sub(el, "ol", "baseline-statements")
            for item in items:
                li = sub(ol, "li")
                _move(item, li)
            el.extend(rest)
            return el
        el = etree.Element("section", {"class": "baseline"})
        sub(el, "h3", "baseline-heading", BEFORE)
        el.extend(rest)
        el.append(_table(items, columns(arg)))
        ext.to_finish(self, el)
        return el

    def finish(self, ext, el):
        """Keep the statements for the end-of-worksheet copy (inline Markdown is done now)."""
        table = el.find("table")
        if table is None:
            return
        for tr in table.iter("tr"):
            cells = list(tr)
            for td in cells[1:]:
                if td.get("data-tick"):
                    td.append(ext._tickbox(f"{plain(cells[0])[:60]} – {td.attrib.pop('data-tick')}"))
        if ext.baseline_again is not None:
            return
        again = copy.deepcopy(table)
        for box in again.iter("input"):
            box.set("name", ext._field_name())
            box.set("title", box.get("title", "") + " (at the end)")
        ext.baseline_again = again


def _table(items: list[etree.Element], cols: tuple[str, ...]) -> etree.Element:
    table = etree.Element("table", {"class": "baseline-table"})
    head = sub(sub(table, "thead"), "tr")
    sub(head, "th", "statement", "Statement", scope="col")
    for column in cols:
        sub(head, "th", "tick-col", column, scope="col")
    body = sub(table, "tbody")
    for item in items:
        tr = sub(body, "tr")
        cell = sub(tr, "td", "statement")
        _move(item, cell)
        for column in cols:
            sub(tr, "td", "tick", **{"data-tick": column})
    return table


def _move(source: etree.Element, target: etree.Element) -> None:
    if len(source) == 1 and source[0].tag == "p" and not (source.text or "").strip():
        source = source[0]
    target.text = source.text
    for child in list(source):
        target.append(child)
