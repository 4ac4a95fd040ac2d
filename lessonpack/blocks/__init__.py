"""Worksheet building blocks, one module each, registered by name.

A block type declares whether it is void (no closing line) or raw (its lines are
data such as `Speaker: message`, not Markdown), checks its argument and lines with
their file lines for the fence scanner, renders its element, and may finish that
element once inline Markdown and art have been resolved (cards take their icon then).
"""

from __future__ import annotations

import xml.etree.ElementTree as etree


class BlockType:
    """One kind of `::: name` block."""

    name = ""
    void = False        # a single line, no closing ':::'
    raw = False         # content is given as source lines, not parsed as Markdown

    def check_arg(self, arg: str) -> str | None:
        """A problem with the text after the block name, or None."""
        return None

    def check_lines(self, arg: str, lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
        """(file line, message) for each bad line of a raw block."""
        return []

    def render(self, ext, arg: str, holder: etree.Element | None,
               lines: list[str]) -> etree.Element | None:
        """The element for this audience (None to print nothing)."""
        raise NotImplementedError

    def finish(self, ext, el: etree.Element) -> None:
        """Adjust the element after inline Markdown and art are resolved."""


REGISTRY: dict[str, BlockType] = {}


def register(cls: type[BlockType]) -> type[BlockType]:
    """Class decorator: make `::: cls.name` known."""
    REGISTRY[cls.name] = cls()
    return cls


def sub(parent: etree.Element, tag: str, cls: str | None = None, text: str | None = None,
        **attrs: str) -> etree.Element:
    """A child element with an optional class and text."""
    if cls:
        attrs["class"] = cls
    el = etree.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def plain(el: etree.Element) -> str:
    return " ".join("".join(el.itertext()).split())


def list_items(holder: etree.Element) -> tuple[list[etree.Element], list[etree.Element]]:
    """List items of the first list in holder, and every other child."""
    items, rest = [], []
    for child in list(holder):
        if child.tag in ("ul", "ol") and not items:
            items = list(child)
        else:
            rest.append(child)
    return items, rest


def nonblank(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    return [(n, t.strip()) for n, t in lines if t.strip()]


from . import baseline, cards, chat, hand, keep, profile, slide  # noqa: E402,F401 - registers the blocks
