"""`::: cards`: list items printed as cut-out cards with dashed cut lines.

The first art picture in an item becomes the card's icon (default art:icon-question);
a hint line with scissors says what to do.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree

from . import BlockType, list_items, register, sub

DEFAULT_ICON = "icon-question"


@register
class Cards(BlockType):
    name = "cards"

    def render(self, ext, arg, holder, lines):
        items, rest = list_items(holder)
        el = etree.Element("div", {"class": "cards"})
        el.extend(rest)
        hint = sub(el, "p", "cards-hint")
        sub(hint, "span", "scissors", "", **{"data-art": "icon-scissors"})
        sub(hint, "span", "hint-text", "Cut out the cards")
        grid = sub(el, "ul", "cards-grid")
        for item in items:
            li = sub(grid, "li", "cut-card")
            text = sub(li, "div", "card-text")
            text.text = item.text
            for child in list(item):
                text.append(child)
        ext.to_finish(self, el)
        return el

    def finish(self, ext, el):
        hint = el.find("p[@class='cards-hint']")
        scissors = hint.find("span[@class='scissors']") if hint is not None else None
        if scissors is not None:
            img = ext.art_image("icon-scissors", "Scissors")
            if img is not None:
                scissors.append(img)
            else:
                scissors.text = "✂"
            scissors.attrib.pop("data-art", None)
        for card in el.iter("li"):
            text = card.find("div")
            if text is None:
                continue
            icon = next((i for i in text.iter("img") if i.get("data-art")), None)
            if icon is not None:
                _detach(text, icon)
            else:
                icon = ext.art_image(DEFAULT_ICON, "Question mark")
            box = etree.Element("div", {"class": "card-icon"})
            if icon is not None:
                box.append(icon)
            card.insert(0, box)


def _detach(root: etree.Element, target: etree.Element) -> None:
    """Remove target from under root, keeping its tail text."""
    for parent in root.iter():
        children = list(parent)
        if target in children:
            i = children.index(target)
            tail = (target.tail or "").lstrip()
            if i:
                children[i - 1].tail = (children[i - 1].tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
            parent.remove(target)
            target.tail = None
            return
