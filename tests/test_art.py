"""The art library (templates/art/NAME.svg): every name lessons may use exists and is safe
for WeasyPrint to draw: plain standalone SVG, no text, images, scripts or outside links."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from lessonpack.pdf import Renderer
from lessonpack.project import HOME

ART_DIR = HOME / "templates" / "art"
SVG_NS = "{http://www.w3.org/2000/svg}"
MAX_BYTES = 8 * 1024

# The names lessons refer to as ![alt](art:NAME); the list in the art brief, in its order.
ART = [
    "pip-waves", "pip-happy", "pip-thinking", "pip-worried", "pip-pointing",
    "child-ava", "child-leo", "child-maya", "child-ben", "child-amara", "child-sami",
    "child-priya", "children-group", "trusted-adult", "adult-carer", "adult-gran",
    "face-happy", "face-sad", "face-worried", "face-unsure", "face-angry", "face-scared",
    "phone", "tablet", "games-console", "laptop", "speech-bubble", "chat-bubbles",
    "icon-safe", "icon-not-sure", "icon-unsafe", "icon-gift", "icon-secret", "icon-lock",
    "icon-question", "icon-report", "icon-block", "icon-camera", "icon-home", "icon-school",
    "icon-heart", "icon-helpline", "icon-warning", "icon-clock", "icon-money", "icon-ai",
    "icon-shield", "icon-scissors", "icon-eye",
    "teens-talking", "teen-phone",
    "hand",                       # the outline of `::: hand` (drawn with the block)
]

# Elements that are not drawn, draw with fonts we cannot promise, or reach outside the file.
FORBIDDEN = {"text", "tspan", "textPath", "image", "script", "foreignObject", "filter",
             "mask", "style", "use", "a", "iframe", "audio", "video"}


def problems(path: Path) -> list[str]:
    """Everything wrong with one drawing, as short sentences (empty when it is fine)."""
    if not path.is_file():
        return [f"{path.name}: missing"]
    found = []
    data = path.read_bytes()
    if len(data) >= MAX_BYTES:
        found.append(f"{path.name}: {len(data)} bytes, the limit is {MAX_BYTES}")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as err:
        return found + [f"{path.name}: not XML ({err})"]
    if root.tag != SVG_NS + "svg":
        found.append(f"{path.name}: root is {root.tag}, not an SVG element with xmlns")
    box = root.get("viewBox", "").replace(",", " ").split()
    if len(box) != 4:
        found.append(f"{path.name}: no viewBox")
    else:
        width, height = float(box[2]), float(box[3])
        if width <= 0 or height <= 0:
            found.append(f"{path.name}: empty viewBox")
        if path.stem.startswith(("icon-", "face-")) and width != height:
            found.append(f"{path.name}: icons and faces are square, viewBox is {width}x{height}")
        for attr, size in (("width", width), ("height", height)):
            value = root.get(attr)
            if value is not None and value.removesuffix("px") not in (f"{size:g}", "100%"):
                found.append(f"{path.name}: {attr}={value!r} does not match the viewBox")
    for element in root.iter():
        tag = element.tag.split("}")[-1]
        if tag in FORBIDDEN:
            found.append(f"{path.name}: <{tag}> is not allowed")
        for name, value in element.attrib.items():
            local = name.split("}")[-1]
            if local == "href" and not value.startswith("#"):
                found.append(f"{path.name}: external href {value!r}")
            if local.startswith("on"):
                found.append(f"{path.name}: script attribute {local}")
            for ref in re.findall(r"url\(\s*['\"]?([^)'\"]*)", value):
                if not ref.startswith("#"):
                    found.append(f"{path.name}: external url({ref})")
    return found


@pytest.mark.parametrize("name", ART)
def test_every_drawing_exists_and_is_plain_svg(name):
    assert problems(ART_DIR / f"{name}.svg") == []


def test_no_drawing_outside_the_list():
    assert sorted(p.stem for p in ART_DIR.glob("*.svg")) == sorted(ART)


def test_readme_describes_every_drawing():
    readme = (ART_DIR / "README.md").read_text(encoding="utf-8")
    assert [n for n in ART if f"`{n}`" not in readme] == []
    assert "MIT" in readme


def test_the_check_rejects_missing_files_images_text_and_outside_links(tmp_path):
    assert problems(tmp_path / "icon-safe.svg") == ["icon-safe.svg: missing"]
    bad = tmp_path / "icon-bad.svg"
    bad.write_text('<svg xmlns="http://www.w3.org/2000/svg" '
                   'xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 120 90" width="5cm">'
                   '<image xlink:href="https://example.org/x.png"/><text>Hi</text>'
                   '<rect fill="url(https://example.org/p.svg#g)" onclick="x()"/></svg>')
    found = "\n".join(problems(bad))
    for expected in ("<image>", "<text>", "external href", "external url", "script attribute",
                     "square", "width='5cm'"):
        assert expected in found
    big = tmp_path / "phone.svg"
    big.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
                   + "<g/>" * 3000 + "</svg>")
    assert "limit" in "".join(problems(big))
    broken = tmp_path / "laptop.svg"
    broken.write_text("<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 1 1'>")
    assert "not XML" in "".join(problems(broken))


def _render(folder: Path, names: list[str]):
    imgs = "".join(f'<img src="{n}.svg" alt="{n}" style="width:20mm">' for n in names)
    html = f'<html lang="en-GB"><head><title>Art</title></head><body>{imgs}</body></html>'
    return Renderer(allowed=[folder], stylesheets=[]).to_pdf(html, base_url=folder)


def test_weasyprint_draws_every_drawing_without_an_error():
    result = _render(ART_DIR, ART)
    assert result.errors == []
    assert {p.name for p in result.used} >= {f"{n}.svg" for n in ART}


def test_a_drawing_weasyprint_cannot_read_is_an_error(tmp_path):
    (tmp_path / "phone.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'><rect")
    errors = _render(tmp_path, ["phone"]).errors
    assert len(errors) == 1 and "phone.svg" in errors[0]
