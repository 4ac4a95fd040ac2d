"""`::: profile`: a fictional profile card ("what do we really know?").

Lines are `key: value` with keys name (required), age, bio, picture, friends.  The
picture is a description printed in a grey placeholder box, never an image.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from . import BlockType, nonblank, register, sub

KEYS = ("name", "age", "bio", "picture", "friends")
CAMERA = "icon-camera"
LINE_RE = re.compile(r"^([A-Za-z]+)\s*:\s*(.*)$")


def fields(lines: list[str]) -> dict[str, str]:
    out = {}
    for text in lines:
        found = LINE_RE.match(text.strip())
        if found and found.group(1).lower() in KEYS:
            out[found.group(1).lower()] = found.group(2).strip()
    return out


@register
class Profile(BlockType):
    name = "profile"
    raw = True

    def check_lines(self, arg, lines):
        problems, seen = [], set()
        for n, text in nonblank(lines):
            found = LINE_RE.match(text)
            if not found:
                problems.append((n, f"profile line {text[:40]!r}: expected 'key: value' "
                                    f"with a key from {', '.join(KEYS)}"))
            elif found.group(1).lower() not in KEYS:
                problems.append((n, f"unknown profile key '{found.group(1)}' "
                                    f"(expected one of {', '.join(KEYS)})"))
            else:
                seen.add(found.group(1).lower())
        if "name" not in seen:
            first = lines[0][0] - 1 if lines else None
            problems.append((first, "'::: profile' needs a 'name: …' line"))
        return problems

    def render(self, ext, arg, holder, lines):
        values = fields(lines)
        el = etree.Element("div", {"class": "profile"})
        # The picture is described, never shown: a camera icon (added in finish) and the
        # words, so pupils ask "what do we really know?" about a photo anyone could choose.
        picture = sub(el, "div", "profile-picture")
        sub(picture, "p", "picture-label", "Their picture shows:")
        sub(picture, "p", "picture-description", values.get("picture") or "no picture")
        info = sub(el, "div", "profile-info")
        sub(info, "p", "profile-name", values.get("name", ""))
        if values.get("age"):
            sub(info, "p", "profile-age", f"Age: {values['age']} (says)")
        if values.get("bio"):
            sub(info, "p", "profile-bio", values["bio"])
        if values.get("friends"):
            sub(info, "p", "profile-friends", f"Friends: {values['friends']}")
        ext.to_finish(self, el)
        return el

    def finish(self, ext, el):
        picture = el.find("div[@class='profile-picture']")
        icon = ext.art_image(CAMERA, "Profile picture") if picture is not None else None
        if icon is not None:
            icon.set("class", (icon.get("class", "") + " picture-icon").strip())
            picture.insert(0, icon)
