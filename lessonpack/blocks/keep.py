"""`::: keep Title`: a box pupils take home, such as the steps to get help.

Written where the lesson teaches it (after the task that asks pupils to work the steps
out), but printed on the worksheet after "What I know now", just before the Remember
box: the steps never sit under the question that asks for them, and they end the sheet
a pupil keeps.  The teacher notes and the slides show it where it is written; the notes
say where the worksheet prints it.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree

from . import BlockType, register

DEFAULT_TITLE = "Keep this"
MOVED = "keep-moved"     # marks the box until the tree is finished (see markdown._TakeHome)


@register
class Keep(BlockType):
    name = "keep"

    def render(self, ext, arg, holder, lines):
        from ..markdown import TEACHER, WORKSHEET

        el = ext.container("scenario", arg.strip() or DEFAULT_TITLE, holder)   # a titled card
        el.set("class", el.get("class") + " keep")
        if ext.audience == TEACHER:
            hint = etree.Element("p", {"class": "keep-hint"})
            hint.text = "The worksheet prints this box at the end, after \u201cWhat I know now\u201d."
            el.insert(1, hint)                                  # under the card's title
        if ext.audience == WORKSHEET and not ext.slides:
            el.set("data-" + MOVED, "")
        return el
