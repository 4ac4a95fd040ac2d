"""`::: keep Title`: a box pupils take home, such as the steps to get help.

Written where the lesson teaches it (after the task that asks pupils to work the steps
out), but printed on the worksheet after "What I know now", just before the Remember
box: the steps never sit under the question that asks for them, and they end the sheet
a pupil keeps.  The teacher notes and the slides show it where it is written; the notes
say where the worksheet prints it.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree

from . import BlockType, register, sub

DEFAULT_TITLE = "Keep this"
MOVED = "keep-moved"     # marks the box until the tree is finished (see markdown._TakeHome)


@register
class Keep(BlockType):
    name = "keep"

    def render(self, ext, arg, holder, lines):
        from ..markdown import TEACHER, WORKSHEET

        el = etree.Element("div", {"class": "card scenario keep"})   # a titled box, as a story card
        sub(el, "p", "card-title", arg.strip() or DEFAULT_TITLE)
        if ext.audience == TEACHER:
            sub(el, "p", "keep-hint", "The worksheet prints this box at the end, after "
                                      "\u201cWhat I know now\u201d.")
        el.extend(list(holder))
        el.text = holder.text
        if ext.audience == WORKSHEET and not ext.slides:
            el.set("data-" + MOVED, "")
        return el
