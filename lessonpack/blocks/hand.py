"""`::: hand [title]`: a hand outline with a writing space on each finger and the palm,
for naming trusted adults.  `::: trusted-adults` (the older name) prints the same hand.

The outline is art:hand (templates/art/hand.svg, so a school can redraw it in its
overrides like any picture); the six writing spaces are positioned boxes on top, which
become real text fields with --fillable.  print.css places each space at percentages of
the drawing, inside the shape of the same id (finger-1 is the thumb, then finger-2 to
finger-5, and the palm): a redrawn hand keeps its fingers under those spaces, or moves the
spaces with it (tests/test_blocks.py checks the pair).
"""

from __future__ import annotations

import xml.etree.ElementTree as etree

from . import BlockType, register, sub

SPOTS = [(f"finger-{n}", f"Trusted adult {n}") for n in range(1, 6)] + [("palm", "Palm")]


@register
class Hand(BlockType):
    name = "hand"
    void = True
    default_title = "My helping hand"

    def render(self, ext, arg, holder, lines):
        el = etree.Element("div", {"class": "hand"})
        sub(el, "p", "card-title", arg.strip() or self.default_title)
        sub(el, "p", "hint", "On a finger, write or draw a grown-up you trust. "
                             "On the palm, write or draw how you could tell them.")
        figure = sub(el, "div", "hand-figure")
        outline = ext.art_image("hand", "An open hand: write on each finger and on the palm")
        if outline is not None:
            figure.append(outline)
        for cls, title in SPOTS:
            spot = sub(figure, "div", f"hand-spot {cls}")
            if cls == "palm":
                sub(spot, "span", "spot-label", "How I could tell them")
            box = sub(spot, "span", "spot-space", "")
            if ext.fillable:
                sub(box, "textarea", "field", "", name=ext._field_name(), title=title)
        return el


@register
class TrustedAdults(Hand):
    name = "trusted-adults"
    default_title = "My trusted adults"
