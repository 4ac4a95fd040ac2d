"""Projector slides as data: a lesson's pupil-facing content split into slide records.

The deck is made from the very tree the worksheet prints (the worksheet audience of
markdown.py, rendered with `slides=True`, which only adds empty markers where a new
slide is asked for and where teacher text was), so a slide can never say something the
worksheet does not, nor show an answer.  The speaker notes come from the teacher-audience
tree of the same lesson: the n-th hidden block of one is the n-th teacher or answer block
of the other, so each note lands on the slide it was written beside.

Two writers read a Deck: the PDF (templates/slides.html through WeasyPrint) and the
PowerPoint file (powerpoint.py).  Both use the geometry and the size estimates here, so
they split and place content alike.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field, replace

from .timings import split_minutes

# --- geometry (millimetres), shared by both writers -------------------------------------
# 16:9 at PowerPoint's "On-screen Show (16:9)" size, 10 × 5.625 in.
WIDTH, HEIGHT = 254.0, 142.875
MARGIN = 12.0
TITLE_TOP, TITLE_HEIGHT = 7.0, 22.0
BODY_TOP, BODY_BOTTOM = 33.0, 131.0
BODY_WIDTH = WIDTH - 2 * MARGIN
BODY_PAD = 3.0                     # space above the first block
SPACE = BODY_BOTTOM - BODY_TOP - BODY_PAD   # the height content may take
ASIDE_WIDTH = 70.0                 # an illustration beside the main column
QR = 22.0                          # QR code size on "Who can help"
QR_LARGE = 30.0                    # … when a lesson signposts one service (KS1)
BUBBLE = 0.75                      # a chat bubble's widest, as a share of the phone
GAP = 4.0
PT = 0.3528                        # mm per point
LINE = 1.28                        # line height, in ems
TABLE_LINE = 1.15                  # in tables and cards

# Type sizes in points.  The smallest text on a slide is 16 pt, above 1/27 of the slide
# height (5.3 mm ≈ 15 pt), the usual rule for reading from the back of a classroom.
BODY_PT = {"ks1": 24, "ks2": 22, "ks3": 20, "ks4": 20}
TITLE_PT = {"ks1": 32, "ks2": 30, "ks3": 28, "ks4": 28}
MIN_PT = 16
FONT = {"ks1": "Andika"}           # the worksheets' fonts; PowerPoint gets Arial (see README)
CHAR_EM = {"ks1": 0.5}             # average character width in ems, a little generous
DEFAULT_CHAR_EM = 0.5
BOLD_EM = 0.56                     # titles are bold
TABLE_EM = 0.46                    # table and card text, in narrower columns; helpline notes

MAX_CARDS = 6
CHAT_WHOLE = 6                     # a chat of up to this many messages is never cut (when it fits)
TWO_COLUMN_CHATS = ("ks3", "ks4")  # key stages whose long chats may take two columns
# The compact chat of the slides: each speaker's name in a column beside the bubble,
# tight lines; at KS3/KS4 a long chat may take two columns (see _chat_fit).  Sizes in mm.
CHAT_TOP = 17.0                    # the phone's frame, its owner line and the gap below
CHAT_GAP = 1.2                     # between two entries
CHAT_PAD = 0.8                     # a bubble's top and bottom padding
CHAT_SIDES = 9.4                   # the phone's side padding and frame
CHAT_COLUMNS = 5.0                 # between the two columns of a long chat
BUBBLE_LINE = 1.2                  # line height in bubbles; time and notice lines 1.15
MAX_ROWS = 8
MAX_HELPLINES = 3
# A table or list this short stays on one slide: tighter spacing, then (tables) without
# the sub-heading above it, then smaller type (never below MIN_PT) before it is split.
FIT_ITEMS = 8                      # rows or items (MAX_ROWS)
FITS = 3                           # fit levels: 0 as designed, 1 tight, 2 and 3 smaller type
FITTING = ("table", "ticks", "bullets", "numbers")
# A story card that would be cut over two slides first tries type this many steps (2 pt
# each, never below MIN_PT) smaller: one slide reads better than two half-empty ones.
STORY_FITS = 2
STATEMENT_SHARE = 0.4              # a table's first column keeps at least this share
HAND = 58.0                        # the least height of a hand (mm), drawing and all
TICK_PAD = 3.0                     # a tick column's side padding, both sides together
ICON_EM = 1.2                      # a picture at the start of an item or line, in ems
ICON_GAP = 1.5                     # mm between it and the words


def body_pt(key_stage: str) -> int:
    return BODY_PT.get(key_stage, 20)


def small_pt(key_stage: str) -> int:
    return max(MIN_PT, body_pt(key_stage) - 4)


def table_pt(key_stage: str) -> int:
    """Tables and cards: smaller than running text, never below MIN_PT."""
    return max(MIN_PT, body_pt(key_stage) - 4)


def block_pt(block: "Block", key_stage: str) -> int:
    """The type size of a table or list, smaller at fit levels 2 and 3 (never below MIN_PT);
    of a story card, smaller at each of its STORY_FITS levels."""
    if block.kind == "story":
        return max(MIN_PT, body_pt(key_stage) - 2 * block.fit)
    base = table_pt(key_stage) if block.kind == "table" else body_pt(key_stage)
    return max(MIN_PT, base - 2 * max(0, block.fit - 1))


def title_pt(key_stage: str, title: str) -> int:
    """The title size: smaller for long titles, so a title keeps to two lines."""
    size = TITLE_PT.get(key_stage, 28)
    while size > 22 and lines_of(title, BODY_WIDTH - 30, size, key_stage, em=BOLD_EM) > 1:
        size -= 2
    return size


# --- the records ------------------------------------------------------------------------

Run = tuple[str, str]              # (text, style): style "", "b", "i" or "bi"
Text = tuple[Run, ...]


def plain(text: Text) -> str:
    return "".join(t for t, _ in text)


@dataclass
class Block:
    """One thing shown on a slide."""

    kind: str        # text | task | bullets | numbers | ticks | story | chat | profile |
                     # cards | table | remember | hand | art | helplines | subheading
    paras: list[Text] = field(default_factory=list)       # text, list items, story lines
    title: str = ""                                        # story title, phone owner, hand
    columns: list[str] = field(default_factory=list)      # table columns after the first
    head: str = ""                                         # the table's first column
    rows: list[Text] = field(default_factory=list)        # table statements
    art: list[tuple[str, str, str]] = field(default_factory=list)  # (name, alt, src)
    entries: list[tuple[str, str, str]] = field(default_factory=list)  # chat: (kind, who, text)
    fields: dict[str, str] = field(default_factory=dict)  # profile
    helplines: list = field(default_factory=list)         # compose._WithQr
    baseline: bool = False                                 # the lesson's baseline table
    large: bool = False                                    # helplines: few, so shown bigger
    start: int = 1                                         # first number of a numbered list
    fit: int = 0                                           # tables and lists: see FITS
    widths: list[float] = field(default_factory=list)     # table: its tick columns (mm)
    box: float = 0.0                                       # hand: the height it is drawn at
    split: int = 0                                         # chat: the entry its 2nd column starts at
    icons: list = field(default_factory=list)             # lists, tables: each item's picture or None
    whole: "Block | None" = field(default=None, compare=False, repr=False)  # a part's block


@dataclass
class Slide:
    """One slide: a title, what it shows, an optional picture beside it, speaker notes."""

    kind: str                      # title | rules | objectives | words | activity | recap |
                                   # messages | remember | help
    title: str
    blocks: list[Block] = field(default_factory=list)
    aside: tuple[str, str, str] | None = None       # an illustration: (art name, alt, src)
    notes: list[str] = field(default_factory=list)
    activity: str | None = None    # the activity heading (without minutes) it belongs to
    minutes: int | None = None
    number: int = 0
    forced: bool = False           # started by the author's `::: slide`: never merged away

    def text(self) -> str:
        """Every word shown on the slide, for the checks and the tests."""
        words = [self.title]
        for b in self.blocks:
            words += [b.title, b.head, *b.columns, *(plain(p) for p in b.paras + b.rows),
                      *(e[2] if e[0] != "message" else f"{e[1]}: {e[2]}" for e in b.entries),
                      *b.fields.values(), *(a[1] for a in b.art + [i for i in b.icons if i])]
            for h in b.helplines:
                words += [h.name, h.phone or "", h.web or ""]
        return " ".join(" ".join(w for w in words if w).split())


@dataclass
class Deck:
    """A lesson's slides."""

    lesson_id: str
    title: str
    key_stage: str
    slides: list[Slide]

    def numbers_by_activity(self) -> dict[str, str]:
        """Activity heading → '3' or '3–5', for the teacher notes' "Lesson at a glance"."""
        spans: dict[str, list[int]] = {}
        for slide in self.slides:
            if slide.activity:
                spans.setdefault(slide.activity, []).append(slide.number)
        return {a: (f"{n[0]}–{n[-1]}" if n[-1] != n[0] else str(n[0])) for a, n in spans.items()}


# --- reading the worksheet tree -----------------------------------------------------------

def _runs(el: etree.Element, style: str = "") -> list[Run]:
    """Inline text of el as runs; pictures inside text are left out (cards take them)."""
    out: list[Run] = []
    if el.text:
        out.append((el.text, style))
    for child in el:
        tag = str(child.tag)
        if tag in ("strong", "b"):
            out += _runs(child, _add(style, "b"))
        elif tag in ("em", "i"):
            out += _runs(child, _add(style, "i"))
        elif tag == "br":
            out.append(("\n", style))
        elif tag in ("img", "input", "textarea") or "tickbox" in (child.get("class") or ""):
            pass
        elif tag in ("ul", "ol", "table"):
            pass
        else:
            out += _runs(child, style)
        if child.tail:
            out.append((child.tail, style))
    return out


def _add(style: str, s: str) -> str:
    return "".join(sorted(set(style + s)))


def text_of(el: etree.Element) -> Text:
    """Whitespace-normalised runs of an element."""
    runs, merged = _runs(el), []
    for text, style in runs:
        text = re.sub(r"[ \t\r\n]+", " ", text) if text != "\n" else text
        if merged and merged[-1][1] == style:
            merged[-1] = (merged[-1][0] + text, style)
        elif text:
            merged.append((text, style))
    if merged:
        merged[0] = (merged[0][0].lstrip(), merged[0][1])
        merged[-1] = (merged[-1][0].rstrip(), merged[-1][1])
    return tuple(r for r in merged if r[0])


def _classes(el) -> set[str]:
    return set((el.get("class") or "").split())


def _art_of(img: etree.Element) -> tuple[str, str, str]:
    name = img.get("data-art") or re.sub(r"\.svg.*$", "", (img.get("src") or "").rsplit("/", 1)[-1])
    return name, img.get("alt", ""), img.get("src", "")


def _lone_art(el: etree.Element) -> tuple[str, str, str] | None:
    """The picture of a paragraph (or figure) that holds only a picture."""
    imgs = [c for c in el.iter("img")]
    if len(imgs) == 1 and not "".join(t for t in el.itertext()).strip():
        return _art_of(imgs[0])
    return None


def _icon_of(el: etree.Element) -> tuple[str, str, str] | None:
    """The picture printed at the start of a list item, table cell or line of text."""
    img = next((i for i in el.iter("img") if "tickbox" not in _classes(i)), None)
    return _art_of(img) if img is not None else None


def _icons(items: list[etree.Element]) -> list:
    """Each item's picture (or None); [] if no item has one."""
    found = [_icon_of(li) for li in items]
    return found if any(found) else []


def blocks_of(el: etree.Element) -> list[Block | str]:
    """One element of the worksheet body as slide blocks; 'notes' and 'break:Title' markers
    are strings."""
    tag, cls = str(el.tag), _classes(el)
    if "slide-notes" in cls:
        return ["notes"]
    if "slide-break" in cls:
        return [f"break:{el.get('data-title') or ''}"]
    if tag in ("h3", "h4"):
        return [Block("subheading", paras=[text_of(el)])]
    if tag in ("p", "figure", "blockquote"):
        art = _lone_art(el)
        if art:
            return [Block("art", art=[art])]
        if tag == "blockquote":
            return [Block("text", paras=[text_of(p) for p in el if str(p.tag) == "p"])]
        text = text_of(el)
        if not plain(text).strip():
            return []
        icon = _icon_of(el)     # Pip before "Pip's rules": as on paper, before the words
        return [Block("text", paras=[text], icons=[icon] if icon else [])]
    if tag in ("ul", "ol"):
        lis = [li for li in el if str(li.tag) == "li"]
        found = re.search(r"counter-reset:\s*list-item\s+(\d+)", el.get("style") or "")
        start = int(found.group(1)) if found else int(el.get("start") or 1)
        return [Block("numbers" if tag == "ol" else "bullets", paras=[text_of(li) for li in lis],
                      start=start, icons=_icons(lis))]
    if tag == "table":
        return [_table(el)]
    if tag not in ("div", "section"):
        text = text_of(el)
        return [Block("text", paras=[text])] if plain(text).strip() else []
    if cls & {"answer-lines", "answer-box"}:
        return ["answer-space"]
    if "scenario" in cls:
        title = next((plain(text_of(p)) for p in el if "card-title" in _classes(p)), "Story")
        paras, art = [], []
        for child in el:
            if "card-title" in _classes(child):
                continue
            found = _lone_art(child)
            if found:
                art.append(found)
            elif str(child.tag) in ("ul", "ol"):
                # a list in a story card keeps its numbers (steps in order) or its bullets
                items = [li for li in child if str(li.tag) == "li"]
                paras += [((f"{n}. " if str(child.tag) == "ol" else "• ", ""),) + text_of(li)
                          for n, li in enumerate(items, int(child.get("start") or 1))]
            elif plain(text_of(child)).strip():
                paras.append(text_of(child))
        return [Block("story", title=title, paras=paras, art=art)]
    if "ticks" in cls:
        out = _rest(el, skip=("ul",))
        ul = el.find("ul")
        lis = list(ul) if ul is not None else []
        return out + [Block("ticks", paras=[text_of(li) for li in lis], icons=_icons(lis))]
    if cls & {"sort", "baseline"}:
        out = _rest(el, skip=("table", "h3", "h2"))
        table = el.find("table")
        if table is None:
            return out
        block = _table(table)
        if "baseline" in cls:      # "Before we start", as on the worksheet
            block.baseline = True
            heading = next((h for h in el if str(h.tag) in ("h2", "h3")), None)
            if heading is not None:
                out = [Block("subheading", paras=[text_of(heading)])] + out
        return out + [block]
    if "chat" in cls:
        entries = []
        owner = ""
        for p in el.iter("p"):
            if "phone-owner" in _classes(p):
                owner = re.sub(r"[’']s phone$", "", plain(text_of(p)))
        for li in el.iter("li"):
            lc = _classes(li)
            if "chat-time" in lc:
                entries.append(("time", "", plain(text_of(li))))
            elif "chat-notice" in lc:
                entries.append(("notice", "", plain(text_of(li))))
            else:
                who = next((plain(text_of(s)).rstrip(":") for s in li if "speaker" in _classes(s)), "")
                said = next((plain(text_of(s)) for s in li if "bubble" in _classes(s)), "")
                entries.append(("message", who, said, ) if "msg-own" not in lc else ("mine", who, said))
        return [Block("chat", title=owner, entries=entries)]
    if "profile" in cls:
        fields = {}
        for p in el.iter("p"):
            for key in ("name", "age", "bio", "friends"):
                if f"profile-{key}" in _classes(p):
                    fields[key] = plain(text_of(p))
            if "picture-description" in _classes(p):
                fields["picture"] = plain(text_of(p))
        # the worksheet's camera icon beside "Their picture shows:", as on the worksheet
        icons = [_art_of(img) for img in el.iter("img") if "picture-icon" in _classes(img)]
        return [Block("profile", fields=fields, art=icons[:1])]
    if "cards" in cls:
        out = _rest(el, skip=("ul",), skip_classes=("cards-hint",))
        cards = Block("cards")
        grid = el.find("ul")
        for li in (grid if grid is not None else []):
            imgs = [i for i in li.iter("img")]
            icon = _art_of(imgs[0]) if imgs else ("icon-question", "Question mark", "")
            cards.art.append(icon)
            cards.paras.append(text_of(li))
        return out + [cards]
    if cls & {"hand", "trusted-adults"}:
        title = next((plain(text_of(p)) for p in el.iter("p") if "card-title" in _classes(p)
                      or "hand-title" in _classes(p)), "My trusted adults")
        hint = next((text_of(p) for p in el.iter("p") if "hint" in _classes(p)), ())
        drawing = [_art_of(img) for img in el.iter("img")][:1]   # art:hand, as on paper
        return [Block("hand", title=title, paras=[hint] if hint else [], art=drawing)]
    if "remember" in cls:
        return [Block("remember", paras=[text_of(p) for p in el if plain(text_of(p)).strip()])]
    # div.student and any other wrapper: its children, in order
    out: list[Block | str] = []
    if el.text and el.text.strip():
        out.append(Block("text", paras=[((el.text.strip(), ""),)]))
    for child in el:
        out += blocks_of(child)
    return out


def _rest(el, *, skip=(), skip_classes=()) -> list[Block | str]:
    out: list[Block | str] = []
    for child in el:
        if str(child.tag) in skip or _classes(child) & set(skip_classes):
            continue
        out += blocks_of(child)
    return out


def _table(table: etree.Element) -> Block:
    head = [plain(text_of(th)) for th in table.iter("th")]
    rows, firsts = [], []
    for tr in table.iter("tr"):
        cells = [c for c in tr if str(c.tag) == "td"]
        if cells:
            rows.append(text_of(cells[0]))
            firsts.append(cells[0])
    return Block("table", head=head[0] if head else "", columns=head[1:], rows=rows,
                 icons=_icons(firsts))


# --- size estimates (mm) --------------------------------------------------------------------

def lines_of(text: str, width: float, pt: float, key_stage: str, *, em: float | None = None
             ) -> int:
    """Lines text needs in a column of width mm, at pt points (generous)."""
    per_char = pt * PT * (em or CHAR_EM.get(key_stage, DEFAULT_CHAR_EM))
    per_line = max(1, int(width / per_char))
    total = 0
    for part in text.split("\n"):
        words, line, count = part.split(), 0, 1
        for word in words:
            need = len(word) + (1 if line else 0)
            if line + need > per_line and line:
                count, line = count + 1, len(word)
            else:
                line += need
        total += count
    return total


def lines_width(text: str, pt: float, key_stage: str) -> float:
    """The width (mm) of text on one line (generous, as lines_of)."""
    return len(text) * pt * PT * CHAR_EM.get(key_stage, DEFAULT_CHAR_EM)


def text_height(text: str, width: float, pt: float, ks: str) -> float:
    return lines_of(text, width, pt, ks) * pt * PT * LINE


def icon_width(pt: float) -> float:
    """The room (mm) a picture at the start of an item takes from its words."""
    return ICON_EM * pt * PT + ICON_GAP


ICON_SLACK = 0.05                  # share of the line kept spare beside a picture: the
                                   # dyslexia variant's letter spacing makes lines longer


def _less(block: Block, i: int, pt: float, width: float) -> float:
    """The width item i's picture (if any) takes from a line of width mm."""
    return icon_width(pt) + ICON_SLACK * width if i < len(block.icons) and block.icons[i] else 0.0


def height(block: Block, width: float, ks: str) -> float:
    """The height a block takes on a slide, in mm (gaps included)."""
    body, small = body_pt(ks), small_pt(ks)
    if block.kind in ("text", "task", "subheading"):
        return sum(text_height(plain(p), width - _less(block, i, body, width), body, ks)
                   for i, p in enumerate(block.paras)) + 3
    if block.kind in ("bullets", "numbers", "ticks"):
        size, gap = block_pt(block, ks), (2 if not block.fit else 0.5)
        return sum(text_height(plain(p), width - 10 - _less(block, i, size, width), size, ks) + gap
                   for i, p in enumerate(block.paras)) + 2
    if block.kind in ("story", "remember"):
        inner = width - 12 - (45 if block.art else 0)
        size = block_pt(block, ks) if block.kind == "story" else body
        h = sum(text_height(plain(p), inner, size, ks) + 2 for p in block.paras)
        h += (size * PT * LINE + 2) if block.title else 0
        return max(h, 45 if block.art else 0) + 12
    if block.kind == "chat":
        return CHAT_TOP + max(sum(entry_height(e, column, block, ks) for e in part)
                              for part, column in chat_columns(block, width))
    if block.kind == "profile":
        return 70.0
    if block.kind == "cards":
        per_row = cards_per_row(len(block.paras), ks)
        card_w = (width - GAP * (per_row - 1)) / per_row - 26
        rows = [block.paras[i:i + per_row] for i in range(0, len(block.paras), per_row)]
        return sum(max(lines_of(plain(p), card_w, table_pt(ks), ks, em=TABLE_EM) for p in row)
                   * table_pt(ks) * PT * TABLE_LINE + 10 + GAP
                   for row in rows)
    if block.kind == "table":
        head, rows = table_rows(block, ks, width)
        return head + sum(rows) + 3
    if block.kind == "hand":
        return (block.box or HAND) + 3
    if block.kind == "art":
        return 55.0
    if block.kind == "helplines":
        return sum(helpline_height(h, width, ks, large=block.large) + GAP
                   for h in block.helplines) - GAP
    return 20.0


def table_rows(block: Block, ks: str, width: float, widths: list[float] | None = None
               ) -> tuple[float, list[float]]:
    """A table's heading row and each of its rows, in mm: what height() adds up, and what
    the PowerPoint writer sets so a row's picture sits on its row."""
    widths = widths or column_widths(block, ks, width)
    first = width - sum(widths)
    size = block_pt(block, ks)
    row = size * PT * TABLE_LINE
    pad = 3 if not block.fit else 1.4            # cell padding and rule, per row
    head = max([head_lines(c, w, size) for c, w in zip(block.columns, widths)] +
               [lines_of(block.head, first - 6, size, ks, em=BOLD_EM)])
    return head * row + pad + 1, [
        lines_of(plain(r), first - 6 - _less(block, i, size, first), size, ks, em=TABLE_EM) * row + pad
        for i, r in enumerate(block.rows)]


def helpline_height(h, width: float, ks: str, *, large: bool = False) -> float:
    """One "Who can help" entry: QR code on the left, name and contact, then who it is for."""
    qr = QR_LARGE if large else QR
    text_w = width - (qr + 10 if h.qr and h.url else 8)
    head = " · ".join(p for p in (h.name, h.phone, h.web) if p)
    size, small = (body_pt(ks) + 2, small_pt(ks)) if large else (body_pt(ks), MIN_PT)
    lines = lines_of(head, text_w, size, ks) * size + lines_of(h.for_key_stage(ks), text_w, small, ks, em=TABLE_EM) * small
    return max(qr + 4 if h.qr and h.url else 0, lines * PT * LINE + 4)


def chat_width(width: float, block: Block | None = None) -> float:
    """A wide phone: short messages keep to one line, so a slide holds more of the chat;
    a chat in two columns takes the whole width."""
    return width if block is not None and block.split else min(width, 190.0)


def chat_columns(block: Block, width: float) -> list[tuple[list, float]]:
    """A chat's columns: (entries, column width in mm), one or two."""
    inner = chat_width(width, block) - CHAT_SIDES
    if not block.split:
        return [(block.entries, inner)]
    half = (inner - CHAT_COLUMNS) / 2
    return [(block.entries[:block.split], half), (block.entries[block.split:], half)]


def chat_label(block: Block) -> float:
    """The width (mm) of the speakers' column beside the bubbles: the longest name."""
    names = {who for kind, who, _ in block.entries if kind in ("message", "mine")}
    return max((_bold_width(f"{who}:", MIN_PT) for who in names), default=0.0) + 2.0


def entry_height(entry: tuple[str, str, str], column: float, block: Block, ks: str) -> float:
    """One message (its bubble beside the speaker's name), time or notice line of a chat."""
    kind, _, said = entry
    small = small_pt(ks)
    if kind in ("message", "mine"):
        inner = column - chat_label(block) - 6          # the bubble's side padding
        return lines_of(said, inner, small, ks) * small * PT * BUBBLE_LINE + 2 * CHAT_PAD + CHAT_GAP
    return lines_of(said, column, small, ks) * small * PT * 1.15 + CHAT_GAP


def cards_per_row(n: int, ks: str = "") -> int:
    """Cards side by side: two (wider, fewer lines) for younger pupils or four cards."""
    if n <= 1:
        return 1
    return 2 if n in (2, 4) or ks in ("ks1", "ks2") else 3


def _bold_width(text: str, pt: float) -> float:
    """The width (mm) of a line of bold heading text: narrow letters, wide letters and
    capitals measured apart, 10% to spare (Open Sans and Andika Bold, checked)."""
    ems = sum(0.27 if c == " " else 0.33 if c in "iljtfrI'.,:;!|" else
              0.86 if c in "mwMW" else 0.7 if c.isupper() else 0.6 for c in text)
    return ems * 1.1 * pt * PT


def head_lines(text: str, width: float, pt: float) -> int:
    """Lines a tick column's heading takes in a column of width mm (words never broken)."""
    lines, line = 1, ""
    for word in text.split():
        if line and _bold_width(f"{line} {word}", pt) > width - TICK_PAD:
            lines, line = lines + 1, word
        else:
            line = f"{line} {word}".strip()
    return lines


def column_widths(block: Block, ks: str, width: float = BODY_WIDTH) -> list[float]:
    """The widths (mm) of a table's tick columns.  All alike and each heading on one line
    when that leaves the statement column half the table; else each column as narrow as
    its heading on one line, then on two, then one word a line, while the statement column
    keeps at least STATEMENT_SHARE of the width; a word is never broken, so no heading
    prints over the next."""
    if not block.columns:
        return []
    pt = block_pt(block, ks)
    room = width * (1 - STATEMENT_SHARE)

    def fit(text: str) -> float:
        return _bold_width(text, pt) + TICK_PAD

    one = [fit(c) for c in block.columns]
    same = max(24.0, max(one))
    if same * len(one) <= width / 2:
        return [same] * len(one)
    two = [max(18.0, _two(c, fit)) for c in block.columns]
    word = [max(14.0, max(fit(w) for w in c.split() or [""])) for c in block.columns]
    for option in ([max(o, 18.0) for o in one], two):
        if sum(option) <= room:
            return option
    if sum(word) >= room:
        return word
    # share what is left over the two-line widths, in proportion to what each lacks
    spare, lack = room - sum(word), [t - w for t, w in zip(two, word)]
    return [w + spare * d / sum(lack) for w, d in zip(word, lack)] if sum(lack) else word


def _two(text: str, fit) -> float:
    """The width a heading needs on two balanced lines."""
    words = text.split()
    return min((max(fit(" ".join(words[:i])), fit(" ".join(words[i:])))
                for i in range(1, len(words))), default=fit(text))


# --- building the deck ------------------------------------------------------------------------

@dataclass
class _Activity:
    title: str | None
    minutes: int | None
    items: list = field(default_factory=list)


def _ground_rules(ks: str, safeguarding: dict, step_out, dsl) -> list[str]:
    """The pupils' ground rules for the age, the step-out rule's {place}, {adult} and
    {follow_up} filled from school.yml (step_out, the DSL's name at KS3/KS4), else the
    age-fitting defaults in data/safeguarding.yml."""
    rules = safeguarding.get("class_ground_rules", {}).get(ks) or []
    routine = (safeguarding.get("step_out") or {}).get("primary" if ks in ("ks1", "ks2") else "secondary") or {}
    follow_up = routine.get("pupils_follow_up", "your teacher")
    if dsl is not None and ks not in ("ks1", "ks2"):
        follow_up = f"{follow_up}, {dsl.name}"
    adult = step_out.adult if step_out is not None and step_out.adult else \
        routine.get("pupils_adult", "An adult")
    place = step_out.place if step_out is not None else routine.get("pupils_place", "a quiet place")
    words = dict(place=place, adult=adult[:1].upper() + adult[1:], follow_up=follow_up)
    return [re.sub(r"\{(place|adult|follow_up)\}", lambda m: words[m.group(1)], r) for r in rules]


def _unset(ks: str, step_out, dsl) -> list[str]:
    """The speaker note that prompts the teacher to name what school.yml leaves unset (the
    pupils' slide says it in neutral words, never a blank)."""
    missing = ([] if step_out is not None else ["the place a pupil can go"]) + \
        ([] if step_out is not None and step_out.adult else
         ["the adult who goes with them" if ks in ("ks1", "ks2") else "the adult who checks on them"]) + \
        ([] if dsl is not None else ["your Designated Safeguarding Lead"])
    if not missing:
        return []
    named = ", ".join(missing[:-1]) + (" and " if len(missing) > 1 else "") + missing[-1]
    return [f"Fill in before teaching: school.yml does not name {named}. "
            "Tell the class who and where before you start."]


def build_deck(*, lesson, pupils: etree.Element, teacher: etree.Element | None,
               helplines: list, safeguarding: dict, school=None, step_out=None, dsl=None,
               baseline_again: bool = True) -> Deck:
    """The slides of one lesson, from the slides rendering of its worksheet body (pupils)
    and its teacher-audience body (for speaker notes)."""
    ks = lesson.key_stage
    notes = _teacher_notes(teacher) if teacher is not None else []
    slides: list[Slide] = []
    title_notes = [f"{lesson.title} – {lesson.duration_minutes} minutes."
                   if lesson.duration_minutes else lesson.title]
    rules = _ground_rules(ks, safeguarding, step_out, dsl)
    slides.append(Slide("title", lesson.title, notes=title_notes))
    if rules:
        slides.append(Slide("rules", "Our ground rules",
                            [Block("bullets", paras=[((r, ""),) for r in rules])],
                            notes=_unset(ks, step_out, dsl) + [
                                "Revisit the ground rules before you start: "
                                + " ".join(safeguarding.get("ground_rules", [])[:3])]))
    if lesson.objectives:
        slides.append(Slide("objectives", "Today I will learn",
                            [Block("bullets", paras=[((o, ""),) for o in lesson.objectives])],
                            notes=(["Key questions: " + " ".join(lesson.key_questions)]
                                   if lesson.key_questions else [])))
    if lesson.keywords:
        words = [((term, "b"), (f": {meaning}", "")) if meaning else ((term, "b"),)
                 for term, meaning in lesson.keywords]
        slides += _fill("words", "Words to know", [Block("bullets", paras=words)], ks,
                        activity=None, minutes=None)

    baseline: Block | None = None
    for activity in _activities(pupils):
        made = _activity_slides(activity, ks, notes, slides)
        for block in activity.items:
            if isinstance(block, Block) and block.baseline and baseline is None:
                baseline = block           # the whole table, not the part on one slide
        if baseline is not None and baseline_again and activity.title and \
                activity.title.lower().startswith("what i know now"):
            made += [Slide("recap", activity.title, [piece], activity=activity.title,
                           minutes=activity.minutes) for piece in _pieces(baseline, ks)]
            baseline_again = False
        slides += made
    if baseline is not None and baseline_again:
        slides += [Slide("recap", "What I know now", [piece]) for piece in _pieces(baseline, ks)]
    if lesson.key_messages:
        slides += _fill("messages", "Key messages",
                        [Block("bullets", paras=[((m, ""),) for m in lesson.key_messages])], ks,
                        activity=None, minutes=None)
    reassurance = safeguarding.get("reassurance", {}).get(ks) or []
    if reassurance:
        slides.append(Slide("remember", "Remember",
                            [Block("remember", paras=[((r, ""),) for r in reassurance])]))
    trusted = (f"Talk to a grown-up you trust: someone at home, or your teacher"
               if ks in ("ks1", "ks2") else
               "Talk to an adult you trust: someone at home, a teacher, or the safeguarding lead") + \
        (f" at {school.name}." if school else ".")
    lead = Block("text", paras=[((trusted, "b"),)])
    for i, part in enumerate(_help(helplines, ks, SPACE - height(lead, BODY_WIDTH, ks))):
        slides.append(Slide("help", "Who can help", ([lead] if i == 0 else []) + [part],
                            notes=["Point to the QR codes: pupils can scan them later, "
                                   "on their own device, away from the class."] if i == 0 else []))
    slides[0].aside = _cover_picture(slides)
    for n, slide in enumerate(slides, 1):
        slide.number = n
        _settle(slide, ks)
    return Deck(lesson.id, lesson.title, ks, slides)


def _help(helplines: list, ks: str, room: float) -> list[Block]:
    """The "Who can help" entries, cut as at the usual size, but in the bigger type and QR
    codes of a lone service whenever the same cut fits so: the last slide of the deck is
    read from the back of the room, and a half-empty one looks unfinished.  (A large cut
    of its own could leave the first slide with Childline alone.)"""
    usual = _pieces(Block("helplines", helplines=helplines), ks, room)
    large = [replace(p, large=True) for p in usual]
    fits = all(height(p, BODY_WIDTH, ks) <= (room if i == 0 else SPACE) for i, p in enumerate(large))
    return large if fits else usual


def _settle(slide: Slide, ks: str) -> None:
    """Sizes both writers draw at: a table's tick columns for the width it has on its
    slide, a hand the height its slide leaves it, and a chat its speakers' column."""
    width = BODY_WIDTH - (ASIDE_WIDTH + GAP if slide.aside else 0)
    for i, block in enumerate(slide.blocks):
        if block.kind == "table":
            slide.blocks[i] = replace(block, widths=column_widths(block, ks, width))
        elif block.kind == "hand":
            others = sum(height(b, width, ks) for b in slide.blocks if b is not block)
            slide.blocks[i] = replace(block, box=max(HAND, SPACE - others - 3))
        elif block.kind == "chat":
            slide.blocks[i] = replace(block, box=chat_label(block))


def _cover_picture(slides: list[Slide]) -> tuple[str, str, str] | None:
    """The lesson's first picture of a character or thing (not an icon), for the title slide."""
    for slide in slides:
        found = ([slide.aside] if slide.aside else []) + \
            [a for b in slide.blocks if b.kind in ("art", "story") for a in b.art]
        for art in found:
            if not art[0].startswith("icon-") and art[2]:
                return art
    return None


def _activities(root: etree.Element) -> list[_Activity]:
    """The body split at its level-2 headings; text before the first is its own part."""
    out = [_Activity(None, None)]
    for el in root:
        if str(el.tag) == "h2":
            title, minutes = split_minutes(plain(text_of(el)))
            if el.get("data-minutes"):
                minutes = int(el.get("data-minutes"))
            out.append(_Activity(title, minutes))
            continue
        out[-1].items += blocks_of(el)
    return [a for a in out if a.items or a.title]


def _teacher_notes(root: etree.Element) -> list[tuple[str, list[str]]]:
    """The outermost teacher and answer blocks, in order: (kind, paragraphs); kind
    'appendix' for a teacher block that opens with its own heading ("Teacher notes")."""
    found: list[tuple[str, list[str]]] = []

    def walk(el):
        for child in el:
            cls = _classes(child)
            if str(child.tag) == "div" and cls & {"teacher", "answer"}:
                kind = "answer" if "answer" in cls else "teacher"
                first = next((c for c in child if "label" not in _classes(c)), None)
                if kind == "teacher" and first is not None and str(first.tag) in ("h2", "h3"):
                    kind = "appendix"
                paras = []
                for part in child:
                    if "label" in _classes(part):
                        continue
                    if str(part.tag) == "ol":     # the order is the point ("Josh's steps")
                        start = int(part.get("start") or 1)
                        paras += [f"{start + i}. " + plain(text_of(li)) for i, li in enumerate(part)]
                    elif str(part.tag) == "ul":
                        paras += ["• " + plain(text_of(li)) for li in part]
                    else:
                        text = " ".join("".join(part.itertext()).split())
                        if text:
                            paras.append(text)
                found.append((kind, paras))
            else:
                walk(child)

    walk(root)
    return found


def _activity_slides(activity: _Activity, ks: str, notes: list, deck: list[Slide]) -> list[Slide]:
    """Slides for one activity: each big block (story, chat, profile, cards, table) on a
    slide of its own, running text gathered until the slide is full."""
    title = activity.title or "Let's start"
    made: list[Slide] = []
    pending_notes: list[str] = []
    current: Slide | None = None
    space = SPACE
    used = 0.0
    forced_title = ""
    broken = False                 # a `::: slide` marker is waiting for its slide
    lead_in: Block | None = None
    guidance: list[str] = []

    def new(kind_title: str | None = None) -> Slide:
        nonlocal current, used, broken
        current = Slide("activity", kind_title or title, activity=activity.title,
                        minutes=activity.minutes, forced=broken)
        broken = False
        if pending_notes:
            current.notes += pending_notes
            pending_notes.clear()
        made.append(current)
        used = 0.0
        return current

    def width() -> float:
        return BODY_WIDTH - (ASIDE_WIDTH + GAP if current is not None and current.aside else 0)

    narrow = BODY_WIDTH - ASIDE_WIDTH - GAP
    items = _joined_lists(activity.items)
    for i, item in enumerate(items):
        if item == "notes":
            kind, paras = notes.pop(0) if notes else ("teacher", [])
            text = _note_text(kind, paras)
            if not text:
                continue
            if kind == "appendix":
                deck[0].notes.append(text)        # "Before you teach" and the like
            elif kind == "teacher":
                guidance.append(text)             # how to run the activity: its first slide
            elif current is not None:
                current.notes.append(text)
            else:
                pending_notes.append(text)
            continue
        if item == "answer-space":
            # The text just before a writing space is a task: it stands out on the slide.
            if current is not None and current.blocks and current.blocks[-1].kind == "text":
                current.blocks[-1].kind = "task"
            continue
        if isinstance(item, str) and item.startswith("break:"):
            forced_title = item[len("break:"):]
            broken = True
            current = None
            continue
        block: Block = item
        if block.kind == "art":
            # An illustration goes beside the next text, or beside the last if none follows.
            following = next((b for b in items[i + 1:] if isinstance(b, Block)), None)
            narrow = BODY_WIDTH - ASIDE_WIDTH - GAP
            if current is not None and current.aside is None and \
                    (following is None or following.kind in ("art", "subheading")
                     or _big(following)) and not any(_big(b) for b in current.blocks) and \
                    sum(height(b, narrow, ks) for b in current.blocks) <= space:
                current.aside = block.art[0]
                used = sum(height(b, narrow, ks) for b in current.blocks)
                continue
            new(forced_title or None)
            forced_title = ""
            current.aside = block.art[0]
            continue
        if block.kind == "subheading" and current is not None and current.blocks:
            current = None
        room = None
        if lead_in is not None and current is not None and current.blocks and \
                current.blocks[-1] is lead_in and _leads(lead_in, block):
            room = SPACE - height(lead_in, BODY_WIDTH, ks)
            if lead_in.kind == "subheading" and current.blocks == [lead_in] and \
                    current.title == title and ":" not in title and \
                    _fit(block, ks, room, most=1) is None and \
                    _fit(block, ks, SPACE) is not None:
                # a short table or list keeps to one slide: its sub-heading ("Before we
                # start") goes into the slide title rather than push rows over – only when
                # the title can take it ("Activity 3: The law" cannot): never dropped
                current.blocks.pop()
                current.title = f"{title}: {plain(lead_in.paras[0])}"
                lead_in, room = None, None
        # A story or profile sits beside the slide's picture only when it is the slide's
        # first block (after its lead-in): it is cut, and measured, at the width it gets.
        beside = block.kind in SHARES and current is not None and current.aside is not None \
            and all(b is lead_in for b in current.blocks)
        for piece in _pieces(block, ks, room, width=narrow if beside else BODY_WIDTH):
            big = _big(piece)
            # A short instruction just before a list, table, cards or chat is its lead-in:
            # it stays on the slide of what it introduces.
            lead = lead_in if lead_in is not None and current is not None and \
                current.blocks and current.blocks[-1] is lead_in and _leads(lead_in, piece) else None
            beside = piece.kind in SHARES and current is not None and current.aside is not None \
                and all(b is lead for b in current.blocks)
            need = height(piece, narrow if beside else BODY_WIDTH if big else width(), ks)
            if piece.kind == "chat":           # as drawn: beside the slide's picture or not
                need = height(piece, width() if current is not None else BODY_WIDTH, ks)
            alone = current is not None and (not current.blocks or current.blocks == [lead])
            # A picture beside a table or cards would squeeze them: they get a slide of
            # their own (stories, chats and profiles are narrow enough to share one).
            squeezed = big and current is not None and current.aside is not None and \
                piece.kind not in ("story", "chat", "profile")
            if squeezed and lead is not None and (current.blocks == [lead] or
                                                  height(lead, BODY_WIDTH, ks) + need > space):
                lead = None             # stays with its picture rather than leave it alone
            if current is None or (big and not alone) or squeezed or \
                    (current.blocks and _big(current.blocks[-1])) or \
                    (current.blocks and used + need > space):
                aside = None
                if lead is not None and height(lead, BODY_WIDTH, ks) + need <= space:
                    current.blocks.pop()
                else:
                    lead = None
                if current is not None and not current.blocks:
                    aside = current.aside       # a picture waiting for its text
                    made.remove(current)
                new(forced_title or (title if not made else None))
                forced_title = ""
                if aside and not big:
                    current.aside = aside
                elif aside and piece.kind == "chat" and height(piece, narrow, ks) + \
                        (height(lead, narrow, ks) if lead is not None else 0) > SPACE:
                    # a chat needs the whole width: its picture goes beside a neighbour
                    made.insert(len(made) - 1, Slide("activity", title, [Block("art", art=[aside])],
                                                     activity=activity.title, minutes=activity.minutes))
                elif aside:
                    current.aside = aside if piece.kind in ("story", "chat", "profile") else None
                if lead is not None:
                    current.blocks.append(lead)
                    used += height(lead, width(), ks)
            current.blocks.append(piece)
            used += need
            lead_in = piece if piece.kind in ("text", "task", "subheading") and \
                len(piece.paras) == 1 and height(piece, BODY_WIDTH, ks) < 30 else None
    for slide in made:
        if not slide.blocks and slide.aside:
            slide.blocks.append(Block("art", art=[slide.aside]))
            slide.aside = None
    made = _merge_thin([s for s in made if s.blocks], ks)
    if pending_notes:
        (made[-1] if made else deck[-1]).notes += pending_notes
    if made:
        made[0].notes[:0] = ([f"{title} – {activity.minutes} min."] if activity.minutes else []) \
            + guidance
    elif guidance:
        deck[-1].notes += guidance
    return made


THIN = 4             # lines: a slide of running text no longer than this is near-empty


def _thin(slide: Slide, ks: str) -> bool:
    """A near-empty slide: a lone picture, or a line or two of text (an instruction, one
    sentence) – unless the author started it with `::: slide`."""
    if slide.forced:
        return False
    if [b.kind for b in slide.blocks] == ["art"]:
        return slide.aside is None
    # beside a picture, a line or two (the picture may give way to what follows)
    return all(b.kind in ("text", "task", "subheading") for b in slide.blocks) and \
        sum(lines_of(plain(p), BODY_WIDTH, body_pt(ks), ks) for b in slide.blocks
            for p in b.paras) <= THIN - (2 if slide.aside else 0)


def _together(blocks: list[Block], aside, ks: str) -> list[Block] | None:
    """blocks on one slide (beside the picture aside, if any), short tables and lists
    refitted to the room the others leave; None if they do not fit."""
    if sum(1 for b in blocks if _big(b)) > 1 or \
            aside and any(b.kind in ("cards", "helplines", "hand") for b in blocks):
        return None
    # as drawn: without a picture, stories and chats too take the whole width
    width = BODY_WIDTH - (ASIDE_WIDTH + GAP if aside else 0)
    out = list(blocks)
    for i, b in enumerate(blocks):
        if _short(b):
            others = sum(height(o, width, ks) for o in out if o is not b)
            fitted = _fit(replace(b, fit=0), ks, SPACE - others, width)
            if fitted is None:
                return None
            out[i] = fitted
    return out if sum(height(b, width, ks) for b in out) <= SPACE else None


def _merge_thin(made: list[Slide], ks: str) -> list[Slide]:
    """A near-empty slide joins the next slide of its activity (an instruction leads what
    follows), else the one before (a closing sentence), when the two fit on one slide; a
    lone picture goes beside the content of the slide before or after it."""
    i = 0
    while i < len(made):
        slide = made[i]
        if not _thin(slide, ks):
            i += 1
            continue
        lone = [b.kind for b in slide.blocks] == ["art"]
        order = (i - 1, i + 1) if lone else (i + 1, i - 1)
        for j in order:
            if not 0 <= j < len(made) or (j > i and made[j].forced):
                continue
            target = made[j]
            if lone:
                tries = [(target.blocks, slide.blocks[0].art[0])] if target.aside is None else []
            else:
                blocks = slide.blocks + target.blocks if j > i else target.blocks + slide.blocks
                tries = [(blocks, target.aside or slide.aside)]
                if target.aside is None and slide.aside is not None:
                    tries.append((blocks, None))   # the picture gives way to the content
            for blocks, aside in tries:
                together = _together(blocks, aside, ks)
                if together is not None:
                    break
            else:
                continue
            target.blocks, target.aside = together, aside
            if j > i:
                target.title, target.forced = slide.title, slide.forced
                target.notes[:0] = slide.notes
            else:
                target.notes += slide.notes
            if slide.aside is not None and aside is None:
                _rehome(made, slide.aside, j, ks)
            del made[i]
            i = max(0, i - 1)
            break
        else:
            if not lone and _recut(made, i, ks):
                del made[i]
            else:
                i += 1
    return made


def _rehome(made: list[Slide], picture, j: int, ks: str) -> None:
    """A picture that gave way to the content of slide j goes beside the nearest slide of
    the activity with room for it (after j first), so the activity still shows it."""
    for k in list(range(j + 1, len(made))) + list(range(j - 1, -1, -1)):
        target = made[k]
        if target.aside is None:
            together = _together(target.blocks, picture, ks)
            if together is not None:
                target.blocks, target.aside = together, picture
                return


def _recut(made: list[Slide], i: int, ks: str) -> bool:
    """The near-empty slide i follows a block cut over several slides (a long chat): cut
    it again, over as many slides, so the last part leaves room for slide i's lines, and
    put them there.  False (and nothing changed) if there is no such cut."""
    if i == 0 or made[i - 1].aside or not made[i - 1].blocks:
        return False
    last = made[i - 1].blocks[-1]
    whole = last.whole
    if whole is None or made[i - 1].blocks != [last]:
        return False
    k = i - 1
    while k > 0 and not made[k - 1].aside and made[k - 1].blocks and \
            made[k - 1].blocks[-1].whole is whole and len(made[k].blocks) == 1:
        k -= 1
    lead = made[k].blocks[:-1]
    if len(lead) > 1:
        return False
    # only the parts on these slides: an earlier part may share a slide with a picture
    attr, _, also = _PARTS.get(whole.kind, ("paras", 99, "icons"))
    joined = {name: [x for slide in made[k:i] for x in getattr(slide.blocks[-1], name)]
              for name in (attr, also) if name}
    whole = replace(made[k].blocks[-1], **joined)
    whole.whole = last.whole
    first = SPACE - sum(height(b, BODY_WIDTH, ks) for b in lead)
    below = sum(height(b, BODY_WIDTH, ks) for b in made[i].blocks)
    # none of these slides has a picture: every part takes the whole width
    cut = _pieces(whole, ks, first, last_space=SPACE - below, parts=i - k)
    if not cut or height(cut[-1], BODY_WIDTH, ks) + below > SPACE:   # a chat's time line moved
        return False
    for slide, piece in zip(made[k:i], cut):
        slide.blocks = slide.blocks[:-1] + [piece]
    made[i - 1].blocks += made[i].blocks
    made[i - 1].notes += made[i].notes
    return True


def _joined_lists(items: list) -> list:
    """A numbered list cut by writing spaces ("1. …  ::: lines  2. …") as one list, so it
    is kept whole or split evenly like any list; the markers between its items (answer
    notes, writing spaces) follow it, in order."""
    out: list = []
    held: list = []                  # markers after the list being joined
    for item in items:
        last = next((x for x in reversed(out) if isinstance(x, Block)), None)
        if isinstance(item, str) and item in ("notes", "answer-space") and last is not None \
                and last.kind == "numbers" and out and out[-1] is last:
            held.append(item)
            continue
        if isinstance(item, Block) and item.kind == "numbers" and last is not None and \
                out and out[-1] is last and last.kind == "numbers" and \
                item.start == last.start + len(last.paras) and held:
            icons = (last.icons or [None] * len(last.paras)) + (item.icons or [None] * len(item.paras))
            out[-1] = replace(last, paras=last.paras + item.paras, icons=icons if any(icons) else [])
            continue
        out += held
        held = []
        out.append(item)
    return out + held


def _leads(lead: Block, block: Block) -> bool:
    """True if `lead` introduces `block` (a question before its list, a heading before
    anything), so the two share a slide."""
    if block.kind == "subheading":
        return False
    return lead.kind == "subheading" or block.kind not in ("text", "task")


def _note_text(kind: str, paras: list[str]) -> str:
    text = "\n".join(paras).strip()
    if not text:
        return ""
    return ("Model answer: " + text) if kind == "answer" else text


SHARES = ("story", "chat", "profile")     # big blocks that may sit beside a picture


def _big(block: Block) -> bool:
    return block.kind in ("story", "chat", "profile", "cards", "table", "hand", "helplines")


def _short(block: Block) -> bool:
    """A table or list short enough to keep on one slide (FIT_ITEMS)."""
    return block.kind in FITTING and len(block.rows if block.kind == "table" else block.paras) \
        <= FIT_ITEMS


def _fit(block: Block, ks: str, room: float, width: float = BODY_WIDTH, *,
         most: int = FITS) -> Block | None:
    """A short table or list at the first fit level (up to `most`) at which it fits room
    (a copy), or None."""
    if not _short(block):
        return None
    for level in range(most + 1):
        tried = replace(block, fit=level)
        if height(tried, width, ks) <= room:
            return tried
    return None


def _pieces(block: Block, ks: str, first_space: float | None = None, *,
            last_space: float | None = None, parts: int | None = None,
            width: float = BODY_WIDTH) -> list[Block]:
    """A block too big for one slide, cut where it can be cut – list items, story
    paragraphs, messages, cards, table rows, helplines – into parts of even size; the first
    part fits first_space (room left under a lead-in), the others a whole slide.  With
    `parts`, exactly that many parts, the last fitting last_space (room left above a line
    that follows), or [] if there is no such cut.  Parts are measured at `width`: the
    narrower column beside a picture when a story or profile gets one."""
    space = SPACE
    first = space if first_space is None else first_space
    if block.kind == "chat":
        return _chat_pieces(block, ks, first, SPACE if last_space is None else last_space, parts)
    attr, most, also = _PARTS.get(block.kind, ("paras", 99, "icons"))
    if block.kind not in ("cards", "table", "helplines", "story", "bullets", "numbers",
                          "ticks", "text", "task", "remember"):
        return [block]
    items = getattr(block, attr)
    fits = lambda a, b, room: b - a <= most and height(_copy(block, attr, a, b, also), width, ks) <= room  # noqa: E731
    if parts is not None:
        last = space if last_space is None else last_space
        cut = _balanced(len(items), parts, lambda a, b: height(
            _copy(block, attr, a, b, also), width, ks), lambda i, a, b: fits(
            a, b, min(first if i == 0 else space, last if i == parts - 1 else space)))
        return [_copy(block, attr, a, b, also) for a, b in cut] if cut else []
    fitted = _fit(block, ks, first, width)
    if fitted is not None:
        return [fitted]
    if fits(0, len(items), first):
        return [block]
    if block.kind == "story" and not block.fit:
        smaller = next((replace(block, fit=level) for level in range(1, STORY_FITS + 1)
                        if block_pt(replace(block, fit=level), ks) < body_pt(ks) and
                        height(replace(block, fit=level), width, ks) <= first), None)
        if smaller is not None:
            return [smaller]
    # Greedy count of parts, then the same count of even parts when they fit.
    bounds, startpos = [], 0
    while startpos < len(items):
        end = startpos + 1
        while end < len(items) and fits(startpos, end + 1, first if not bounds else space):
            end += 1
        bounds.append((startpos, end))
        startpos = end
    balanced = _balanced(len(items), len(bounds), lambda a, b: height(
        _copy(block, attr, a, b, also), width, ks), lambda i, a, b: fits(a, b, first if i == 0 else space))
    bounds = balanced or bounds
    return [_copy(block, attr, a, b, also) for a, b in bounds]


def _chat_fit(block: Block, ks: str, room: float, width: float = BODY_WIDTH, *,
              columns: int = 2) -> Block | None:
    """A chat (or part) as it fits room: in one column, else (KS3 and KS4 only) in two
    columns that each start at a time or week line, the columns as even as can be; else
    None.  Young pupils read a two-column chat across its rows, in the wrong order, and
    a column starting mid-conversation reads wrongly at any age: such a chat is cut over
    slides instead (see _chat_pieces)."""
    if height(block, width, ks) <= room:
        return block
    if columns == 1 or ks not in TWO_COLUMN_CHATS or block.entries[0][0] != "time":
        return None
    best = None
    for i in range(1, len(block.entries)):
        if block.entries[i][0] != "time" or block.entries[i - 1][0] in ("time", "notice"):
            continue                   # each column starts at its own time line
        tried = replace(block, split=i)
        h = height(tried, width, ks)
        if h <= room and (best is None or h < best[0]):
            best = (h, tried)
    return best[1] if best else None


def _chat_pieces(block: Block, ks: str, first: float, last: float, parts: int | None
                 ) -> list[Block]:
    """A chat on as few slides as it fits: whole if it has up to CHAT_WHOLE messages and fits
    one slide (at KS3/KS4 in two columns if need be); else cut before a time, day or notice line where
    it can be, never just after one, never leaving one message alone on a slide."""
    entries = block.entries
    messages = [kind in ("message", "mine") for kind, _, _ in entries]
    if parts is None:
        # under its lead-in (in two columns if need be: a slide with only the lead-in
        # would be near-empty), else on a slide of its own
        whole = _chat_fit(block, ks, first) or _chat_fit(block, ks, SPACE, columns=1) \
            or _chat_fit(block, ks, SPACE)
        if whole is not None and (sum(messages) <= CHAT_WHOLE or height(whole, BODY_WIDTH, ks) <= first):
            return [whole]
    from itertools import combinations

    # cut points: never just after a time or notice line
    cuts = [i for i in range(1, len(entries)) if entries[i - 1][0] not in ("time", "notice")]
    if parts and any(entries[c][0] in ("time", "notice") for c in cuts):
        # cut again to take in a near-empty slide's lines: only before a time or notice
        # line, as a chat with such lines is cut in the first place
        cuts = [c for c in cuts if entries[c][0] in ("time", "notice")]
    counts = range(parts, parts + 1) if parts else range(2, len(entries) + 1)
    for count in counts:
        best = None
        for chosen in combinations(cuts, count - 1):
            bounds = list(zip((0,) + chosen, chosen + (len(entries),)))
            if sum(messages) >= 2 and any(sum(messages[a:b]) < 2 for a, b in bounds):
                continue
            pieces = []
            for n, (a, b) in enumerate(bounds):
                room = min(first if n == 0 else SPACE, last if n == count - 1 else SPACE)
                piece = _chat_fit(_copy(block, "entries", a, b, None), ks, room)
                if piece is None:
                    break
                pieces.append(piece)
            else:
                # heading cuts first, then the most even parts
                rank = (sum(entries[c][0] in ("message", "mine") for c in chosen),
                        sum(p.split > 0 for p in pieces),
                        max(height(p, BODY_WIDTH, ks) for p in pieces))
                if best is None or rank < best[0]:
                    best = (rank, pieces)
        if best is not None:
            return best[1]
        if parts:
            return []
    return [block]                     # no cut fits: the layout gate reports it


# what a block is cut into: (attribute, most on one slide, a parallel attribute)
_PARTS = {"chat": ("entries", 99, None), "cards": ("paras", MAX_CARDS, "art"),
          "table": ("rows", MAX_ROWS, "icons"), "helplines": ("helplines", MAX_HELPLINES, None)}


def _balanced(count: int, parts: int, size, fits) -> list[tuple[int, int]] | None:
    """`parts` contiguous runs of `count` items whose tallest is as short as possible, each
    fitting its slide (None if there is no such cut); a few items, so plain search will do."""
    best: dict[tuple[int, int], tuple[float, list]] = {}

    def solve(start: int, left: int):
        if (start, left) in best:
            return best[(start, left)]
        index = parts - left
        if left == 1:
            found = (size(start, count), [(start, count)]) if fits(index, start, count) else None
        else:
            found = None
            for end in range(start + 1, count - left + 2):
                if not fits(index, start, end):
                    break
                rest = solve(end, left - 1)
                if rest is None:
                    continue
                worst = max(size(start, end), rest[0])
                if found is None or worst < found[0] - 0.01:
                    found = (worst, [(start, end)] + rest[1])
        best[(start, left)] = found
        return found

    found = solve(0, parts)
    return found[1] if found else None


def _copy(block: Block, attr: str, start: int, end: int, also: str | None) -> Block:
    import copy

    piece = copy.copy(block)
    piece.whole = block.whole or block
    setattr(piece, attr, getattr(block, attr)[start:end])
    if also:
        setattr(piece, also, getattr(block, also)[start:end])
    if block.kind == "story" and start:
        piece.art = []
    if block.kind == "numbers":
        piece.start = block.start + start
    return piece


def _fill(kind: str, title: str, blocks: list[Block], ks: str, *, activity, minutes) -> list[Slide]:
    """Slides of a fixed kind, the list cut where a slide is full."""
    out = []
    for block in blocks:
        for piece in _pieces(block, ks):
            out.append(Slide(kind, title, [piece], activity=activity, minutes=minutes))
    return out
