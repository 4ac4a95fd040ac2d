"""Teacher notes: each pupils' task printed beside the model answer that follows it.

Runs only for the teacher audience, after the fenced blocks are built: a
`div.student` (the pupils' task, which the teacher now sees too) followed by a
`div.answer` become one two-column `div.task-pair`; a task with no answer after it
stays full width.  Inside a task the spaces to write in (ruled lines, boxes, the
trusted-adults hand) and the tick grid of a sorting table shrink to a one-line
marker, so the notes stay short.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree

from markdown.treeprocessors import Treeprocessor

from .blocks import plain

TASK_LABEL = "Pupils' task"
LONG = 1400   # characters in the task or the answer: more than half a page in a column
LOPSIDED_ANSWER = 700   # characters: an answer this long beside a task a third as long is stacked
WHOLE = 8     # a task of up to this many list items (and not LONG) never splits over a page
#: Classes of the spaces pupils write or draw in, and how the marker names them.
SPACES = {"answer-lines": "lines to write on", "answer-box": "box to write or draw in",
          "trusted-adults": "hand to fill in", "hand": "hand to fill in"}


def _classes(el: etree.Element) -> list[str]:
    return (el.get("class") or "").split()


def _is(el: etree.Element | None, name: str) -> bool:
    return el is not None and el.tag == "div" and name in _classes(el)


def _marker(space: etree.Element, kind: str) -> etree.Element:
    rows = (space.get("style") or "").removeprefix("--rows: ").strip()
    marker = etree.Element("p", {"class": "space-marker"})
    what = SPACES[kind]
    if rows == "1":          # "[1 line to write on]", not "[1 lines …]"
        what = what.replace("lines ", "line ", 1)
    # "[3 lines to write on]"; a box's size is its height, not a count: "[box to write or draw in]"
    marker.text = f"[{rows} {what}]" if rows.isdigit() and kind == "answer-lines" else f"[{what}]"
    marker.tail = space.tail
    return marker


def _sort_as_list(table: etree.Element) -> list[etree.Element]:
    """A sorting table's grid of tick boxes → its statements as a list, and one marker."""
    columns = [plain(th) for th in table.iter("th")][1:]
    items = etree.Element("ul", {"class": "sort-items"})
    for cell in table.iter("td"):
        if "statement" in _classes(cell):
            li = etree.SubElement(items, "li")
            li.text = cell.text
            li.extend(list(cell))
    marker = etree.Element("p", {"class": "space-marker"})
    marker.text = f"[a tick for each: {' · '.join(columns)}]"
    marker.tail = table.tail
    return [items, marker]


def _shrink_spaces(task: etree.Element) -> None:
    for parent in list(task.iter()):
        for i, child in enumerate(list(parent)):
            kind = next((c for c in _classes(child) if c in SPACES), None)
            if kind and child.tag == "div":
                parent.remove(child)
                parent.insert(i, _marker(child, kind))
            elif child.tag == "table" and "sort" in _classes(child):
                parent.remove(child)
                for offset, el in enumerate(_sort_as_list(child)):
                    parent.insert(i + offset, el)


def _label(task: etree.Element) -> None:
    label = etree.Element("p", {"class": "label"})
    label.text = TASK_LABEL
    task.insert(0, label)
    # a short task (up to WHOLE items, not long) prints whole: a sort list cut by a page
    # break is read as two tasks (print.css; the layout gate flags it if it splits)
    items = sum(1 for el in task.iter() if el.tag in ("li", "tr"))
    short = items <= WHOLE and len(plain(task)) <= LONG
    task.set("class", "student task" + (" whole" if short else ""))


class TaskPairs(Treeprocessor):
    """Pair every pupils' task with the model answer right after it."""

    def run(self, root):
        for parent in list(root.iter()):
            children = list(parent)
            for i, child in enumerate(children):
                if not _is(child, "student") or "task" in _classes(child):
                    continue
                _shrink_spaces(child)
                _label(child)
                following = children[i + 1] if i + 1 < len(children) else None
                if not _is(following, "answer"):
                    continue
                # WeasyPrint cannot split two columns across pages: a pair too long
                # for one page follows the task with its answer instead.
                task, answer = len(plain(child)), len(plain(following))
                # …and a short task with a long answer (a column of mostly white beside a
                # tall one, which cannot split) too, so the notes fill their pages
                stacked = max(task, answer) > LONG or (answer > LOPSIDED_ANSWER and answer >= 3 * task)
                pair = etree.Element("div", {"class": "task-pair" + (" stacked" if stacked else "")})
                pair.tail = following.tail
                child.tail = following.tail = None
                at = list(parent).index(child)
                parent.remove(child)
                parent.remove(following)
                if "stacked" in pair.get("class"):
                    pair.extend([child, following])
                else:   # two table cells with a third, empty one between them as the gap
                    pair.extend([child, etree.Element("div", {"class": "gap"}), following])
                parent.insert(at, pair)
        return None
