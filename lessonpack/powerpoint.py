"""A Deck → an editable PowerPoint file (python-pptx), the same slides as the slides PDF.

Titles sit in title placeholders, all other text in ordinary editable text boxes and
shapes; art is a picture with its alt text (`descr`), chats, profiles and cards are
native shapes a teacher can edit, and each slide's speaker notes hold the teacher notes
for that moment.  Positions and sizes come from slides.py, as in the PDF.  The file is
byte-identical on rebuild: fixed document properties and zip entry dates.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Callable

from lxml import etree

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Mm, Pt

from . import slides as geo
from .slides import Block, Deck, Slide, plain

FONT = "Arial"        # on every school computer; the PDF keeps the worksheets' fonts
LANG = "en-GB"
INK, MUTED, WHITE = RGBColor(0x1D, 0x24, 0x33), RGBColor(0x3F, 0x46, 0x55), RGBColor(0xFF, 0xFF, 0xFF)
GREY = RGBColor(0xE4, 0xE6, 0xEA)
BUBBLE = RGBColor(0xE9, 0xEC, 0xF2)
# (accent, accent ink, tint) per key stage, as in css/slides.css
COLOURS = {"ks1": ("E59A2F", "7A4A00", "FFF4E0"), "ks2": ("2F9E8F", "155D54", "E5F5F2"),
           "ks3": ("4F74C4", "27478F", "EBF0FA"), "ks4": ("7A55B3", "4E2F82", "F1ECF8")}
TABLE_GRID = "{5940675A-B579-460E-94D1-54222C63F5DA}"   # PowerPoint's "Table Grid" style
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
TEXTY = ("text", "task", "subheading", "bullets", "numbers", "ticks")
ICON = 14.0          # mm: the profile card's camera icon, as in css/slides.css

Rasterise = Callable[[str, float], tuple[bytes, float]]


def write_pptx(deck: Deck, *, school=None, date: dt.date, rasterise) -> bytes:
    """The .pptx bytes of a deck; `rasterise.png(uri, width_mm)` draws pictures."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = Mm(geo.WIDTH), Mm(geo.HEIGHT)
    writer = _Writer(deck, rasterise)
    for slide in deck.slides:
        writer.slide(prs, slide, school)
    props = prs.core_properties
    stamp = dt.datetime.combine(date, dt.time())
    props.title = deck.title
    props.author = school.name if school else "lessonpack"
    props.last_modified_by = "lessonpack"
    props.subject = f"{geo_ks_name(deck.key_stage)} slides"
    props.keywords = "safeguarding"
    props.language = LANG
    props.created = props.modified = stamp
    props.last_printed = stamp
    props.revision = 1
    props.comments = ""
    buffer = io.BytesIO()
    prs.save(buffer)
    return _reproducible_zip(buffer.getvalue())


def geo_ks_name(ks: str) -> str:
    return {"ks1": "Key Stage 1", "ks2": "Key Stage 2", "ks3": "Key Stage 3",
            "ks4": "Key Stage 4"}.get(ks, ks)


def _reproducible_zip(data: bytes) -> bytes:
    """The same zip with fixed entry dates and attributes (python-pptx stamps the time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 0
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


class _Writer:
    """Draws slide records onto python-pptx slides."""

    def __init__(self, deck: Deck, rasterise):
        self.deck = deck
        self.ks = deck.key_stage
        self.raster = rasterise
        accent, ink, tint = COLOURS.get(self.ks, ("2F6F8F", "1F4F67", "EAF3F7"))
        self.accent, self.accent_ink, self.tint = (RGBColor.from_string(c) for c in (accent, ink, tint))
        self.body = geo.body_pt(self.ks)
        self.small = geo.small_pt(self.ks)
        self.table = geo.table_pt(self.ks)

    # --- one slide ---------------------------------------------------------------------

    def slide(self, prs, record: Slide, school) -> None:
        if record.kind == "title":
            slide = prs.slides.add_slide(prs.slide_layouts[0])
            self._title_slide(slide, record, school)
        else:
            slide = prs.slides.add_slide(prs.slide_layouts[5])    # "Title Only"
            title = slide.shapes.title
            title.left, title.top = Mm(geo.MARGIN), Mm(geo.TITLE_TOP)
            title.width, title.height = Mm(geo.BODY_WIDTH), Mm(geo.TITLE_HEIGHT)
            self._fill(title.text_frame, [((record.title, "b"),)],
                       geo.title_pt(self.ks, record.title), colour=self.accent_ink,
                       anchor=MSO_ANCHOR.BOTTOM)
            if self._first_of_activity(record) and record.minutes:
                self._run(title.text_frame.paragraphs[0], f"  {record.minutes} min",
                          geo.MIN_PT, bold=True, colour=MUTED)
            self._body(slide, record)
        notes = "\n\n".join(n for n in record.notes if n)
        if notes:
            slide.notes_slide.notes_text_frame.text = notes

    def _first_of_activity(self, record: Slide) -> bool:
        slides = self.deck.slides
        i = slides.index(record)
        return record.activity is not None and (i == 0 or slides[i - 1].activity != record.activity)

    def _title_slide(self, slide, record: Slide, school) -> None:
        title = slide.shapes.title
        right = 96 if record.aside else 18
        title.left, title.top = Mm(24), Mm(48)
        title.width, title.height = Mm(geo.WIDTH - 24 - right), Mm(40)
        if record.aside:
            self._art(slide, record.aside, geo.WIDTH - 86, 20, 72, 100)
        self._fill(title.text_frame, [((record.title, "b"),)], 36, colour=INK,
                   anchor=MSO_ANCHOR.BOTTOM)
        subtitle = slide.placeholders[1]
        subtitle.left, subtitle.top = Mm(24), Mm(92)
        subtitle.width, subtitle.height = Mm(geo.WIDTH - 24 - right), Mm(14)
        ages = {"ks1": "5–7", "ks2": "7–11", "ks3": "11–14", "ks4": "14–16"}.get(self.ks, "")
        self._fill(subtitle.text_frame, [((f"{geo_ks_name(self.ks)} · Ages {ages}", "b"),)], 20,
                   colour=self.accent_ink, anchor=MSO_ANCHOR.TOP)
        band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, Mm(10), Mm(geo.HEIGHT))
        self._solid(band, self.accent)
        _describe(band, "", decorative=True)
        if school:
            x = 24.0
            if school.logo:
                png, ratio = self.raster.png(school.logo, 40)
                width = 18 / ratio if ratio else 18
                pic = slide.shapes.add_picture(io.BytesIO(png), Mm(x), Mm(24), width=Mm(width),
                                               height=Mm(18))
                _describe(pic, f"{school.name} crest")
                x += width + 4
            box = slide.shapes.add_textbox(Mm(x), Mm(24), Mm(geo.WIDTH - x - 18), Mm(18))
            self._fill(box.text_frame, [((school.name, "b"),)], 18, colour=MUTED,
                       anchor=MSO_ANCHOR.MIDDLE)

    def _body(self, slide, record: Slide) -> None:
        """Running text (paragraphs, questions, lists) goes into one text box, so it flows
        in whatever font PowerPoint uses; stories, chats, tables and cards sit below it."""
        width = geo.BODY_WIDTH - (geo.ASIDE_WIDTH + geo.GAP if record.aside else 0)
        bottom = geo.BODY_BOTTOM
        y = geo.BODY_TOP + 3
        groups: list[list[Block]] = []
        for block in record.blocks:
            if block.kind in TEXTY and not block.icons and groups and \
                    groups[-1][0].kind in TEXTY and not groups[-1][0].icons:
                groups[-1].append(block)
            else:
                groups.append([block])
        def needs(group: list[Block]) -> float:
            if group[0].kind in TEXTY:
                return sum(geo.height(b, width, self.ks) for b in group)
            w = geo.BODY_WIDTH if geo._big(group[0]) and not record.aside else width
            return geo.height(group[0], w, self.ks)

        for i, group in enumerate(groups):
            last = i == len(groups) - 1
            if group[0].kind in TEXTY and not group[0].icons:
                estimate = needs(group)
                # room for one more line than estimated, if the blocks below leave it:
                # fonts differ from machine to machine
                below = sum(needs(g) for g in groups[i + 1:])
                h = bottom - y if last else \
                    max(estimate, min(estimate + self.body * geo.PT * geo.LINE, bottom - y - below))
                self._text_run(slide, group, geo.MARGIN, y, width, h)
                y += h
            else:
                block = group[0]
                w = geo.BODY_WIDTH if geo._big(block) and not record.aside else width
                h = geo.height(block, w, self.ks)
                self.block(slide, block, geo.MARGIN, y, width, min(h, bottom - y))
                y += h
        if record.aside:
            x = geo.WIDTH - geo.MARGIN - geo.ASIDE_WIDTH
            self._art(slide, record.aside, x + 2, geo.BODY_TOP, geo.ASIDE_WIDTH - 4,
                      bottom - geo.BODY_TOP)

    def _text_run(self, slide, blocks: list[Block], x, y, w, h) -> None:
        box = slide.shapes.add_textbox(Mm(x), Mm(y), Mm(w), Mm(h))
        tf = box.text_frame
        tf.word_wrap = True
        tf.auto_size = MSO_AUTO_SIZE.NONE
        tf.vertical_anchor = MSO_ANCHOR.TOP
        first = True
        for block in blocks:
            for n, para in enumerate(block.paras):
                p = tf.paragraphs[0] if first else tf.add_paragraph()
                first = False
                p.alignment = PP_ALIGN.LEFT
                p.space_after = Pt(self.body * 0.35)
                bold = block.kind in ("task", "subheading")
                colour = self.accent_ink if block.kind == "subheading" else INK
                size = geo.block_pt(block, self.ks) if block.kind in geo.FITTING else self.body
                if block.fit:
                    p.space_after = Pt(size * 0.1)
                if block.kind in ("bullets", "ticks"):
                    _bullet(p, block.kind, size)
                elif block.kind == "numbers":
                    _hanging(p)
                    self._run(p, f"{block.start + n}.\t", size, bold=True,
                              colour=self.accent_ink)
                for text, style in para:
                    if text == "\n":
                        p.add_line_break()
                        continue
                    self._run(p, text, size, bold=bold or "b" in style,
                              italic="i" in style, colour=colour)

    # --- blocks --------------------------------------------------------------------------

    def block(self, slide, b: Block, x: float, y: float, w: float, h: float) -> None:
        kind = b.kind
        if kind in TEXTY and b.icons:
            self._icon_items(slide, b, x, y, w)
        elif kind in ("text", "task", "subheading"):
            box = slide.shapes.add_textbox(Mm(x), Mm(y), Mm(w), Mm(h))
            bold = kind in ("task", "subheading")
            self._fill(box.text_frame, b.paras, self.body, bold=bold,
                       colour=self.accent_ink if kind == "subheading" else INK)
        elif kind in ("bullets", "numbers", "ticks"):
            box = slide.shapes.add_textbox(Mm(x), Mm(y), Mm(w), Mm(h))
            self._fill(box.text_frame, b.paras, geo.block_pt(b, self.ks), bullet=kind,
                       start=b.start)
        elif kind in ("story", "remember"):
            self._card(slide, b, x, y, w, h)
        elif kind == "hand":
            self._hand(slide, b, x, y, w, h)
        elif kind == "chat":
            self._chat(slide, b, x, y, w)
        elif kind == "profile":
            self._profile(slide, b, x, y, w)
        elif kind == "cards":
            self._cards(slide, b, x, y, w)
        elif kind == "table":
            self._table(slide, b, x, y, w)
        elif kind == "art":
            self._art(slide, b.art[0], x, y, w, h)
        elif kind == "helplines":
            self._helplines(slide, b, x, y, w)

    def _icon_items(self, slide, b: Block, x, y, w) -> None:
        """Lines or list items with the worksheet's picture before the words (a lock, a
        flag): each item a text box of its own, the picture beside its first line."""
        listed = b.kind in ("bullets", "numbers", "ticks")
        size = geo.block_pt(b, self.ks) if b.kind in geo.FITTING else self.body
        gap = (2 if not b.fit else 0.5) if listed else 0
        lead = 9.0 if listed else 0.0
        side = geo.ICON_EM * size * geo.PT
        cy = y
        for i, para in enumerate(b.paras):
            # the estimate keeps spare room beside a picture; the indent is the picture's own
            hh = geo.text_height(plain(para), w - (10 if listed else 0) - geo._less(b, i, size, w),
                                 size, self.ks)
            less = geo.icon_width(size) if i < len(b.icons) and b.icons[i] else 0.0
            box = slide.shapes.add_textbox(Mm(x), Mm(cy), Mm(w), Mm(hh + 1))
            tf = box.text_frame
            _no_margins(tf)
            bold = b.kind in ("task", "subheading")
            self._fill(tf, [para], size, bold=bold, bullet=b.kind if listed else None,
                       start=b.start + i,
                       colour=self.accent_ink if b.kind == "subheading" else INK)
            pPr = tf.paragraphs[0]._p.get_or_add_pPr()
            pPr.set("marL", str(int(Mm(lead + less))))
            pPr.set("indent", str(int(-Mm(lead + less))) if listed else "0")
            if less:
                line = size * geo.PT * geo.LINE
                self._art(slide, b.icons[i], x + lead, cy + (line - side) / 2, side, side)
            cy += hh + gap

    def _card(self, slide, b: Block, x, y, w, h) -> None:
        shape = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, Mm(x), Mm(y), Mm(w), Mm(h - 3))
        shape.adjustments[0] = 0.06
        fill = self.tint if b.kind == "remember" else WHITE
        self._solid(shape, fill, line=self.accent, dash=b.kind == "hand")
        art_w = 42.0 if b.art else 0.0
        tf = shape.text_frame
        tf.margin_left, tf.margin_top = Mm(6), Mm(4)
        tf.margin_right = Mm(6 + (art_w + 4 if art_w else 0))
        paras = ([((b.title, "b"),)] if b.title else []) + list(b.paras)
        size = geo.block_pt(b, self.ks) if b.kind == "story" else self.body   # a fitted story
        self._fill(tf, paras, size, bold=b.kind == "remember", anchor=MSO_ANCHOR.TOP,
                   first_colour=self.accent_ink if b.title else None)
        if b.art:
            self._art(slide, b.art[0], x + w - art_w - 6, y + 4, art_w, h - 11)

    def _hand(self, slide, b: Block, x, y, w, h) -> None:
        """The worksheet's hand drawing (art:hand) on the right of a dashed card that holds
        the title and the instruction."""
        art_h = h - 3 - 10                            # the card less its padding
        art_w = art_h * 1.2 if b.art else 0.0         # hand.svg is 360 × 300
        shape = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, Mm(x), Mm(y), Mm(w), Mm(h - 3))
        shape.adjustments[0] = 0.06
        self._solid(shape, WHITE, line=self.accent, dash=True)
        tf = shape.text_frame
        tf.margin_left, tf.margin_top = Mm(7), Mm(5)
        tf.margin_right = Mm(7 + (art_w + 6 if art_w else 0))
        self._fill(tf, [((b.title, "b"),)] + list(b.paras), self.body, anchor=MSO_ANCHOR.TOP,
                   first_colour=self.accent_ink)
        if b.art:
            self._art(slide, b.art[0], x + w - art_w - 7, y + 5, art_w, art_h)

    def _chat(self, slide, b: Block, x, y, w) -> None:
        """The compact chat of the slides PDF: speakers' names in a column beside the
        bubbles (the owner's on the right), a long chat in two columns."""
        pw = geo.chat_width(w, b)
        px = x + (w - pw) / 2
        total = geo.height(b, w, self.ks)
        group = slide.shapes.add_group_shape()
        phone = group.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, Mm(px), Mm(y), Mm(pw), Mm(total - 3))
        phone.adjustments[0] = 0.05
        self._solid(phone, WHITE, line=INK, width=2)
        head_h = geo.MIN_PT * geo.PT * 1.15
        head = group.shapes.add_textbox(Mm(px), Mm(y + 1.5), Mm(pw), Mm(head_h + 1))
        _no_margins(head.text_frame)
        self._fill(head.text_frame, [((f"{b.title}’s phone", "b"),)], geo.MIN_PT, colour=MUTED,
                   align=PP_ALIGN.CENTER)
        label = b.box or geo.chat_label(b)
        small = self.small
        left = px + geo.CHAT_SIDES / 2
        for entries, column in geo.chat_columns(b, w):
            cy = y + 1.5 + head_h + 2.6
            for entry in entries:
                kind, who, said = entry
                hh = geo.entry_height(entry, column, b, self.ks) - geo.CHAT_GAP
                if kind in ("time", "notice"):
                    box = group.shapes.add_textbox(Mm(left), Mm(cy), Mm(column), Mm(hh))
                    _no_margins(box.text_frame)
                    self._fill(box.text_frame, [((said, "b" if kind == "time" else "i"),)], small,
                               colour=MUTED, align=PP_ALIGN.CENTER)
                    cy += hh + geo.CHAT_GAP
                    continue
                mine = kind == "mine"
                inner = column - label
                lines = geo.lines_of(said, inner - 6, small, self.ks)
                # a one-line bubble is as wide as its words (about), as in the PDF
                bw = inner if lines > 1 else min(inner, geo.lines_width(said, small, self.ks) + 10)
                bx = left + column - label - bw if mine else left + label
                name = group.shapes.add_textbox(Mm(left + column - label + 2 if mine else left),
                                                Mm(cy + geo.CHAT_PAD), Mm(label - 2),
                                                Mm(geo.MIN_PT * geo.PT * geo.BUBBLE_LINE + 1))
                _no_margins(name.text_frame)
                self._fill(name.text_frame, [((f"{who}:", "b"),)], geo.MIN_PT, colour=MUTED)
                bubble = group.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, Mm(bx), Mm(cy),
                                                Mm(bw), Mm(hh))
                bubble.adjustments[0] = 0.3
                self._solid(bubble, self.tint if mine else BUBBLE, line=self.accent if mine else None)
                tf = bubble.text_frame
                tf.margin_left = tf.margin_right = Mm(3)
                tf.margin_top = tf.margin_bottom = Mm(geo.CHAT_PAD)
                self._fill(tf, [((said, ""),)], small, anchor=MSO_ANCHOR.MIDDLE)
                cy += hh + geo.CHAT_GAP
            left += column + geo.CHAT_COLUMNS
        words = "; ".join(f"{who}: {said}" if kind in ("message", "mine") else said
                          for kind, who, said in b.entries)
        _describe(group, f"A made-up chat on {b.title}’s phone. {words}")

    def _profile(self, slide, b: Block, x, y, w) -> None:
        cw = min(w, 190.0)
        cx = x + (w - cw) / 2
        group = slide.shapes.add_group_shape()
        card = group.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, Mm(cx), Mm(y), Mm(cw), Mm(66))
        card.adjustments[0] = 0.05
        self._solid(card, WHITE, line=INK)
        picture = group.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, Mm(cx + 5), Mm(y + 5), Mm(55), Mm(56))
        picture.adjustments[0] = 0.05
        self._solid(picture, GREY)
        if b.art:   # the camera icon above "Their picture shows:", as on the worksheet
            picture.text_frame.margin_top = Mm(ICON + 3)
            self._art(group, b.art[0], cx + 5 + (55 - ICON) / 2, y + 7, ICON, ICON)
        self._fill(picture.text_frame, [(("Their picture shows:", "b"),),
                                        ((b.fields.get("picture") or "no picture", ""),)],
                   self.small, colour=MUTED, anchor=MSO_ANCHOR.TOP)
        info = group.shapes.add_textbox(Mm(cx + 66), Mm(y + 5), Mm(cw - 71), Mm(56))
        paras = [((b.fields.get("name", ""), "b"),)] + \
            [((b.fields[k], ""),) for k in ("age", "bio", "friends") if b.fields.get(k)]
        self._fill(info.text_frame, paras, self.body)
        _describe(group, "A made-up profile card. " + ". ".join(
            f"{k}: {v}" for k, v in b.fields.items() if v))

    def _cards(self, slide, b: Block, x, y, w) -> None:
        per_row = geo.cards_per_row(len(b.paras), self.ks)
        cw = (w - geo.GAP * (per_row - 1)) / per_row
        rows = [list(range(i, min(i + per_row, len(b.paras)))) for i in range(0, len(b.paras), per_row)]
        cy = y
        for row in rows:
            rh = max(geo.text_height(plain(b.paras[i]), cw - 26, self.table, self.ks) for i in row) + 10
            for col, i in enumerate(row):
                cx = x + col * (cw + geo.GAP)
                card = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, Mm(cx), Mm(cy), Mm(cw), Mm(rh))
                card.adjustments[0] = 0.08
                self._solid(card, WHITE, line=INK, dash=True)
                tf = card.text_frame
                tf.margin_left, tf.margin_right = Mm(24), Mm(3)
                self._fill(tf, [b.paras[i]], self.table, anchor=MSO_ANCHOR.MIDDLE)
                if i < len(b.art):
                    self._art(slide, b.art[i], cx + 4, cy + (rh - 16) / 2, 16, 16)
            cy += rh + geo.GAP

    def _table(self, slide, b: Block, x, y, w) -> None:
        widths = b.widths or geo.column_widths(b, self.ks, w)
        size = geo.block_pt(b, self.ks)
        rows, cols = len(b.rows) + 1, len(b.columns) + 1
        h = geo.height(b, w, self.ks) - 3
        frame = slide.shapes.add_table(rows, cols, Mm(x), Mm(y), Mm(w), Mm(h))
        table = frame.table
        table.first_row, table.horz_banding = True, False
        frame._element.graphic.graphicData.tbl.tblPr.find(qn("a:tableStyleId")).text = TABLE_GRID
        table.columns[0].width = Mm(w - sum(widths))
        for c, col_w in enumerate(widths, 1):
            table.columns[c].width = Mm(col_w)
        head = [b.head, *b.columns]
        for c, text in enumerate(head):
            cell = table.cell(0, c)
            cell.fill.solid()
            cell.fill.fore_color.rgb = self.tint
            self._fill(cell.text_frame, [((text, "b"),)], size,
                       align=PP_ALIGN.LEFT if c == 0 else PP_ALIGN.CENTER)
        if b.icons:            # rows as tall as estimated, so each picture sits on its row
            side = geo.ICON_EM * size * geo.PT
            head_h, row_hs = geo.table_rows(b, self.ks, w, widths)
            table.rows[0].height = Mm(head_h)
            cy = y + head_h
            for r, rh in enumerate(row_hs):
                table.rows[r + 1].height = Mm(rh)
                if r < len(b.icons) and b.icons[r]:
                    self._art(slide, b.icons[r], x + 2.5, cy + (rh - side) / 2, side, side)
                    table.cell(r + 1, 0).margin_left = Mm(2.5 + geo.icon_width(size))
                cy += rh
        for r, row in enumerate(b.rows, 1):
            self._fill(table.cell(r, 0).text_frame, [row], size)
            for c in range(1, cols):
                self._fill(table.cell(r, c).text_frame, [(("□", ""),)], size,
                           align=PP_ALIGN.CENTER)
        for r in range(rows):
            for c in range(cols):
                cell = table.cell(r, c)
                if c:                  # narrow tick columns: their heading keeps its words
                    cell.margin_left = cell.margin_right = Mm(geo.TICK_PAD / 2)
                if b.fit:              # a short table kept to one slide: tighter rows
                    cell.margin_top = cell.margin_bottom = Mm(0.5)
        _describe(frame, f"Table: {b.head} and " + ", ".join(b.columns))

    def _helplines(self, slide, b: Block, x, y, w) -> None:
        from .qr import qr_png

        cy = y
        qr = geo.QR_LARGE if b.large else geo.QR
        size, small = (self.body + 2, self.small) if b.large else (self.body, geo.MIN_PT)
        for h in b.helplines:
            hh = geo.helpline_height(h, w, self.ks, large=b.large)
            box = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, Mm(x), Mm(cy), Mm(w), Mm(hh))
            box.adjustments[0] = 0.08
            self._solid(box, WHITE, line=self.accent)
            tf = box.text_frame
            has_qr = bool(h.url and h.qr)
            tf.margin_left = Mm(qr + 10 if has_qr else 5)
            head = [(h.name, "b")] + [(f" · {p}", "") for p in (h.phone, h.web) if p]
            self._fill(tf, [tuple(head)], size, anchor=MSO_ANCHOR.MIDDLE)
            for run in tf.paragraphs[0].runs[1:]:
                run.font.bold, run.font.color.rgb = True, self.accent_ink
            self._fill_more(tf, [((h.for_key_stage(self.ks), ""),)], small, colour=MUTED)
            if has_qr:
                pic = slide.shapes.add_picture(io.BytesIO(qr_png(h.url)), Mm(x + 4),
                                               Mm(cy + (hh - qr) / 2), width=Mm(qr), height=Mm(qr))
                _describe(pic, f"QR code for {h.web}")
            cy += hh + geo.GAP

    def _art(self, parent, art: tuple[str, str, str], x, y, w, h) -> None:
        """A picture with its alt text, fitted into the box, on a slide or in a group shape."""
        name, alt, src = art
        if not src:
            return
        png, ratio = self.raster.png(src, w)
        pw, ph = w, w * ratio
        if ph > h:
            pw, ph = h / ratio, h
        pic = parent.shapes.add_picture(io.BytesIO(png), Mm(x + (w - pw) / 2), Mm(y + (h - ph) / 2),
                                       width=Mm(pw), height=Mm(ph))
        _describe(pic, alt)

    # --- text --------------------------------------------------------------------------

    def _fill(self, tf, paras, size, *, bold=False, colour=INK, bullet=None, align=PP_ALIGN.LEFT,
              anchor=MSO_ANCHOR.TOP, first_colour=None, second_colour=None, start=1) -> None:
        tf.word_wrap = True
        tf.auto_size = MSO_AUTO_SIZE.NONE
        tf.vertical_anchor = anchor
        for i, para in enumerate(paras):
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            if align is not None:
                p.alignment = align
            if bullet:
                _bullet(p, bullet, size, start)
            p.space_after = Pt(size * 0.3)
            tone = first_colour if (i == 0 and first_colour) else \
                second_colour if (i == 1 and second_colour) else colour
            for text, style in para:
                if text == "\n":
                    p.add_line_break()
                    continue
                self._run(p, text, size, bold=bold or "b" in style, italic="i" in style, colour=tone)

    def _fill_more(self, tf, paras, size, *, colour=INK) -> None:
        """More paragraphs, in another size, after those _fill wrote."""
        for para in paras:
            p = tf.add_paragraph()
            p.alignment = PP_ALIGN.LEFT
            for text, style in para:
                self._run(p, text, size, bold="b" in style, italic="i" in style, colour=colour)

    def _run(self, p, text, size, *, bold=False, italic=False, colour=INK) -> None:
        """One run of text: the `a:rPr` python-pptx's font properties would make, written
        directly (through the font API it was a third of a deck's time)."""
        r = p._p.add_r()
        r.text = text
        rPr = r.get_or_add_rPr()
        rPr.set("lang", LANG)
        rPr.set("sz", str(round(size * 100)))
        rPr.set("b", "1" if bold else "0")
        rPr.set("i", "1" if italic else "0")
        fill = etree.SubElement(rPr, qn("a:solidFill"))           # the schema's order:
        etree.SubElement(fill, qn("a:srgbClr"), val=str(colour))  # fill before the font
        etree.SubElement(rPr, qn("a:latin"), typeface=FONT)

    def _solid(self, shape, fill, *, line=None, width=1.5, dash=False) -> None:
        shape.fill.solid()
        shape.fill.fore_color.rgb = fill
        if line is None:
            shape.line.fill.background()
        else:
            shape.line.color.rgb = line
            shape.line.width = Pt(width)
            if dash:
                shape.line.dash_style = MSO_LINE_DASH_STYLE.DASH
        shape.shadow.inherit = False


def _no_margins(tf) -> None:
    tf.margin_left = tf.margin_right = tf.margin_top = tf.margin_bottom = 0


def _hanging(p) -> None:
    """A hanging indent of 9 mm (for a number typed before a tab)."""
    pPr = p._p.get_or_add_pPr()
    pPr.set("marL", str(int(Mm(9))))
    pPr.set("indent", str(int(-Mm(9))))
    pPr.append(pPr.makeelement(qn("a:buNone"), {}))   # after spcAft, as the schema orders it


def _bullet(p, kind: str, size: float, start: int = 1) -> None:
    """A hanging bullet, number or tick box on a text box paragraph."""
    pPr = p._p.get_or_add_pPr()
    pPr.set("marL", str(int(Mm(9))))
    pPr.set("indent", str(int(-Mm(9))))
    for tag in ("a:buNone", "a:buChar", "a:buAutoNum"):
        for old in pPr.findall(qn(tag)):
            pPr.remove(old)
    font = pPr.makeelement(qn("a:buFont"), {"typeface": FONT})
    pPr.append(font)
    if kind == "numbers":
        number = {"type": "arabicPeriod"} | ({"startAt": str(start)} if start != 1 else {})
        pPr.append(pPr.makeelement(qn("a:buAutoNum"), number))
    else:
        pPr.append(pPr.makeelement(qn("a:buChar"), {"char": "□" if kind == "ticks" else "•"}))


def _describe(shape, alt: str, *, decorative: bool = False) -> None:
    """Alt text: the `descr` of the shape's non-visual properties."""
    element = shape._element
    c_nv_pr = next(element.iter(qn("p:cNvPr")))
    c_nv_pr.set("descr", alt)
    if decorative:
        c_nv_pr.set("title", "decorative")

