"""`::: slide [Title]`: a new projector slide starts here (with that title).

One line, no closing `:::`.  It prints nothing on the worksheet or in the teacher notes;
only the slides rendering (markdown.render_body(..., slides=True)) marks the break, which
lessonpack/slides.py reads.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree

from . import BlockType, register


@register
class SlideBreak(BlockType):
    name = "slide"
    void = True

    def render(self, ext, arg, holder, lines):
        if not getattr(ext, "slides", False):
            return None
        return etree.Element("div", {"class": "slide-break", "data-title": arg.strip()})
