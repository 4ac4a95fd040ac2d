"""`::: chat OWNER`: a fictional chat on a phone screen, as real ordered text.

    -- Monday 4:15 pm --          a time separator
    Jay_Goals: wow your castle!   a message (the owner's sit on the right)
    [Jay_Goals sent 500 gems]     a notice, printed as grey text, never a picture

Every message is a list item starting with its speaker, so a screen reader (and
pdftotext) reads "Jay_Goals: wow your castle!" in order.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from . import BlockType, nonblank, register, sub

TIME_RE = re.compile(r"^--\s*(.+?)\s*--$")
NOTICE_RE = re.compile(r"^\[(?!\[)(.+)\]$")
MESSAGE_RE = re.compile(r"^([^\s:][^:]{0,39}?)\s*:\s+(.+)$")
SHAPES = "'Speaker: message', '[notice]' or '-- time --'"


def parse(line: str) -> tuple[str, str, str] | None:
    """('time'|'notice'|'message', speaker, text), or None for a line of no known shape."""
    line = line.strip()
    if TIME_RE.match(line):
        return "time", "", TIME_RE.match(line).group(1)
    if NOTICE_RE.match(line) and not line.startswith("[["):
        return "notice", "", NOTICE_RE.match(line).group(1).strip()
    found = MESSAGE_RE.match(line)
    if found:
        return "message", found.group(1).strip(), found.group(2).strip()
    return None


@register
class Chat(BlockType):
    name = "chat"
    raw = True

    def check_arg(self, arg):
        if not arg.strip():
            return "'::: chat': name the phone's owner, e.g. '::: chat Amara'"
        return None

    def check_lines(self, arg, lines):
        problems = []
        shown = nonblank(lines)
        for n, text in shown:
            if parse(text) is None:
                problems.append((n, f"chat line {text[:40]!r} is none of {SHAPES}"))
        if not any(parse(t) and parse(t)[0] == "message" for _, t in shown):
            first = lines[0][0] - 1 if lines else None
            problems.append((first, "'::: chat' has no messages: write lines like 'Amara: hi'"))
        return problems

    def render(self, ext, arg, holder, lines):
        owner = arg.strip()
        el = etree.Element("div", {"class": "chat"})
        phone = sub(el, "div", "phone")
        sub(phone, "p", "phone-owner", f"{owner}'s phone")
        screen = sub(phone, "ol", "chat-messages")
        for text in lines:
            if not text.strip():
                continue
            shape = parse(text)
            if shape is None:
                continue
            kind, speaker, words = shape
            if kind == "time":
                sub(screen, "li", "chat-time", words)
            elif kind == "notice":
                sub(screen, "li", "chat-notice", words)
            else:
                side = "own" if speaker.casefold() == owner.casefold() else "other"
                li = sub(screen, "li", f"msg msg-{side}")
                name = sub(li, "span", "speaker", speaker)
                colon = sub(name, "span", "sr-colon", ":")
                colon.tail = " "
                sub(li, "span", "bubble", words)
        return el
