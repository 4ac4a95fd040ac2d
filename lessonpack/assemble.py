"""Packs and class sets put together from the PDFs of their documents.

Every page is laid out once: a worksheet or teacher notes is laid out for its own
file, and a pack reuses those very pages – their content streams, fonts and tags –
instead of laying the lesson out again.  Each document keeps its own footer
("Worksheet · Page 1 of 5", so a page photocopied from the pack reads like the
worksheet alone); the pack adds its page number in the outer corner, drawn as an
artifact from a small untagged "stamps" document (one page holding every number),
and blank left pages marked "This page is intentionally blank" so that every document
starts on a right-hand page.  The structure trees of the parts are joined under one Document element in
reading order, the bookmarks nested lesson › document › section, and the result is
written deterministically (same parts, same bytes).

This module only moves PDF objects (pikepdf); layout stays in pdf.py.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pikepdf
from pikepdf import Array, Dictionary, Name

STAMP = Name("/LpPackStamp")
MM = 72 / 25.4


@dataclass(frozen=True)
class Corner:
    """Where a pack page number goes: the page's side and bottom margins (mm) and the
    gap between the bottom margin's top and the number, as the footer has it."""

    side: float = 16.0
    bottom: float = 20.0
    gap: float = 3.0
    cell_height: float = 9.0


CORNERS = {"large-print": Corner(side=14.0, bottom=30.0, gap=3.0, cell_height=12.0)}


def stamp_sheet(layout: "Layout", size: tuple[float, float], variant: str) -> dict:
    """Where each page number is laid out on the stamps document.

    All numbers share one page, each in its own cell as wide as the page's side margin
    (so it is aligned as in a corner margin box); a pack page shows its number by drawing
    that page clipped to the cell and moved into its corner.  One page laid out for all
    numbers instead of one page per number: a 70-page pack lays out 1 page, not 70.  The
    blank-page note is the last page.  Cells are in mm from the top left."""
    corner = CORNERS.get(variant, Corner())
    width_mm, height_mm = size[0] / MM, size[1] / MM
    columns = max(1, int(width_mm // corner.side))
    rows = max(1, int(height_mm // corner.cell_height))
    cells = []
    for index, stamp in enumerate(s for s in layout.stamps if s["number"] is not None):
        page, at = divmod(index, columns * rows)
        row, column = divmod(at, columns)
        stamp["cell"] = {"page": page, "index": at, "left": column * corner.side,
                         "top": row * corner.cell_height}
        cells.append(dict(stamp["cell"], number=stamp["number"], side=stamp["side"]))
    grid_pages = (len(cells) + columns * rows - 1) // (columns * rows)
    blank = any(s["blank"] for s in layout.stamps)
    return {"cells": cells, "grid_pages": grid_pages, "blank_page": grid_pages if blank else None,
            "corner": corner, "width": corner.side, "height": corner.cell_height}


@dataclass
class Part:
    """One document of a pack: its PDF, and where its bookmarks go."""

    pdf: bytes
    label: str | None = None        # "Teacher notes": an outline level between lesson and sections
    group: str | None = None        # the lesson title its bookmarks are grouped under


@dataclass
class Slot:
    """One page of the result: a front-matter page, a part's page, or a blank page."""

    kind: str                       # "front" | "part" | "blank"
    part: int = -1                  # index into parts (kind "part")
    page: int = -1                  # page of the part or of the front matter
    stamp: int | None = None        # index into Layout.stamps: what is drawn over it


@dataclass
class Layout:
    """Where every page goes: the result of `plan_pages`."""

    slots: list[Slot] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)   # 1-based page where each part starts
    stamps: list[dict] = field(default_factory=list)  # number, blank note, side of each

    @property
    def pages(self) -> int:
        return len(self.slots)


def page_counts(pdfs: list[bytes]) -> list[int]:
    """Pages of each PDF."""
    out = []
    for data in pdfs:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            out.append(len(pdf.pages))
    return out


def page_size(data: bytes) -> tuple[float, float]:
    """Width and height in points of a PDF's first page."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return _page_size(pdf)


def plan_pages(front: int, counts: list[int], *, numbered: bool) -> Layout:
    """Front matter, then each part starting on an odd (right-hand) page, a blank page
    before it where needed; with `numbered`, every page after the front matter gets a
    stamp with its page number, else only the blank pages get one (for their note)."""
    layout = Layout()
    for i in range(front):
        layout.slots.append(Slot("front", page=i))

    def stamp(blank: bool) -> int | None:
        number = len(layout.slots) + 1
        if not numbered and not blank:
            return None
        layout.stamps.append({"number": number if numbered else None, "blank": blank,
                              "side": "recto" if number % 2 else "verso"})
        return len(layout.stamps) - 1

    for index, count in enumerate(counts):
        if len(layout.slots) % 2:                      # next page would be a left-hand page
            layout.slots.append(Slot("blank", stamp=stamp(True)))
        layout.starts.append(len(layout.slots) + 1)
        for page in range(count):
            layout.slots.append(Slot("part", part=index, page=page, stamp=stamp(False)))
    return layout


def assemble(*, parts: list[Part], layout: Layout, front: bytes | None, stamps: bytes | None,
             sheet: dict | None = None, title: str | None = None,
             front_outline: bool = True) -> bytes:
    """The pack's PDF bytes: pages in layout order, one structure tree, nested bookmarks."""
    sources = [pikepdf.open(io.BytesIO(p.pdf)) for p in parts]
    frame = pikepdf.open(io.BytesIO(front)) if front else None
    stamp_pdf = pikepdf.open(io.BytesIO(stamps)) if stamps else None
    try:
        return _assemble(parts, layout, sources, frame, stamp_pdf, title, front_outline, sheet)
    finally:
        for pdf in [*sources, frame, stamp_pdf]:
            if pdf is not None:
                pdf.close()


def _assemble(parts, layout, sources, frame, stamp_pdf, title, front_outline, sheet) -> bytes:
    out = pikepdf.new()
    meta = frame or sources[0]
    _copy_catalog(out, meta, title)

    # 1. pages, in order; remember where each source page went
    placed: dict[tuple[int, tuple[int, int]], pikepdf.Object] = {}   # (source, objgen) → page
    src_of = {-1: frame}
    src_of.update(enumerate(sources))
    stamp_forms: dict[int, pikepdf.Object] = {}
    size = _page_size(sources[0] if sources else frame)
    for slot in layout.slots:
        if slot.kind == "blank":
            out.add_blank_page(page_size=size)
            page = out.pages[-1]
            page.obj[Name.Tabs] = Name.S
        else:
            src_index = -1 if slot.kind == "front" else slot.part
            source = src_of[src_index]
            foreign = source.pages[slot.page]
            out.pages.append(foreign)
            page = out.pages[-1]
            placed[(src_index, foreign.obj.objgen)] = page.obj
        if slot.stamp is not None and stamp_pdf is not None:
            stamp = layout.stamps[slot.stamp]
            draws = []
            if stamp["blank"]:
                if "blank" not in stamp_forms:
                    form = stamp_pdf.pages[sheet["blank_page"]].as_form_xobject()
                    stamp_forms["blank"] = out.copy_foreign(stamp_pdf.make_indirect(form))
                draws.append((stamp_forms["blank"], b""))
            if stamp["number"] is not None:
                cell = stamp["cell"]
                if cell["page"] not in stamp_forms:
                    stamp_forms[cell["page"]] = _number_forms(out, stamp_pdf, cell["page"])
                    on_page = sum(1 for c in sheet["cells"] if c["page"] == cell["page"])
                    if len(stamp_forms[cell["page"]]) != on_page:  # one text object per number
                        raise ValueError("pack page numbers were not laid out one per text object")
                draws.append((stamp_forms[cell["page"]][cell["index"]],
                              _placement(stamp, sheet, size)))
            _draw_stamp(out, page, draws)

    # 2. one structure tree: the front matter's, then each part's, in reading order
    root = Dictionary(Type=Name.StructTreeRoot)
    root = out.make_indirect(root)
    document = out.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, P=root,
                                            K=Array()))
    root.K = Array([document])
    nums = Array()
    next_key = 0
    order = ([-1] if frame is not None else []) + list(range(len(sources)))
    for src_index in order:
        source = src_of[src_index]
        if "/StructTreeRoot" not in source.Root:
            continue
        copied = out.copy_foreign(source.Root.StructTreeRoot)
        for top in copied.get("/K", Array()):
            kids = top.get("/K", Array()) if top.get("/S") == Name.Document else Array([top])
            for kid in kids:
                if isinstance(kid, Dictionary):
                    kid.P = document
                document.K.append(kid)
        offset = next_key
        highest = -1
        for key, value in _number_tree(copied.get("/ParentTree")):
            nums.append(key + offset)
            nums.append(value)
            highest = max(highest, key)
        next_key = offset + highest + 1
        for (s, _objgen), page in placed.items():
            if s != src_index:
                continue
            if "/StructParents" in page:
                page.StructParents = int(page.StructParents) + offset
            for annot in page.get("/Annots", Array()):
                if "/StructParent" in annot:
                    annot.StructParent = int(annot.StructParent) + offset
    root.ParentTree = out.make_indirect(Dictionary(Nums=nums))
    root.ParentTreeNextKey = next_key
    out.Root.StructTreeRoot = root

    # 3. named destinations and form fields of every part
    pages_by_source = placed
    names: dict[str, pikepdf.Object] = {}
    fields = Array()
    # a document's own anchors first: the front matter's link targets only stand in
    for src_index in order[1:] + order[:1] if frame is not None else order:
        source = src_of[src_index]
        dests = source.Root.get("/Names", {}).get("/Dests") if "/Names" in source.Root else None
        for name, dest in _name_tree(dests):
            mapped = _map_dest(dest, src_index, pages_by_source)
            if mapped is not None and name not in names:
                names[name] = mapped
        form = source.Root.get("/AcroForm")
        if form is not None:
            if "/AcroForm" not in out.Root:
                acro = Dictionary()
                for key in ("/DA", "/DR", "/NeedAppearances"):
                    if key in form:
                        acro[key] = _copy(out, source, form[key])
                out.Root.AcroForm = acro
            for f in form.get("/Fields", Array()):
                fields.append(_copy(out, source, f))
    if names:
        flat = Array()
        for name in sorted(names):
            flat.append(pikepdf.String(name))
            flat.append(names[name])
        out.Root.Names = Dictionary(Dests=Dictionary(Names=flat))
    if "/AcroForm" in out.Root:
        out.Root.AcroForm.Fields = fields

    # 4. bookmarks: front matter's own, then lesson › document › sections
    with out.open_outline() as outline:
        if frame is not None and front_outline:
            outline.root.extend(_copy_items(frame.open_outline().root, -1, pages_by_source))
        groups: dict[str, pikepdf.OutlineItem] = {}
        for index, (part, source) in enumerate(zip(parts, sources)):
            items = _copy_items(source.open_outline().root, index, pages_by_source)
            # a document's outline is its title (level 1) holding its sections
            start = placed.get((index, source.pages[0].obj.objgen))
            if part.label:
                children = [c for item in items for c in item.children]
                item = pikepdf.OutlineItem(part.label, _fit(start))
                item.children.extend(children)
                items = [item]
            if part.group:
                if part.group not in groups:
                    groups[part.group] = pikepdf.OutlineItem(part.group, _fit(start))
                    outline.root.append(groups[part.group])
                groups[part.group].children.extend(items)
            else:
                outline.root.extend(items)

    # Our identifier first, as WeasyPrint writes it for every document; qpdf keeps the
    # first half and makes the second a hash of the content.
    out.trailer.ID = Array([pikepdf.String(b"lessonpack"), pikepdf.String(b"lessonpack")])
    buffer = io.BytesIO()
    out.save(buffer, deterministic_id=True, compress_streams=True, fix_metadata_version=False,
             object_stream_mode=pikepdf.ObjectStreamMode.generate, min_version="1.7")
    return buffer.getvalue()


def _copy_catalog(out: pikepdf.Pdf, meta: pikepdf.Pdf, title: str | None) -> None:
    """Language, 'tagged', 'show the title' and the metadata of the source; new title."""
    for key in ("/Lang", "/MarkInfo", "/ViewerPreferences"):
        if key in meta.Root:
            out.Root[key] = _copy(out, meta, meta.Root[key])
    if "/Metadata" in meta.Root:
        out.Root.Metadata = out.copy_foreign(meta.Root.Metadata)
    info = Dictionary({k: v for k, v in meta.docinfo.items()})
    if title:
        info.Title = pikepdf.String(title)
        info.Subject = pikepdf.String(title)
        with out.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
            xmp["dc:title"] = title
            xmp["dc:description"] = title
    out.docinfo = out.make_indirect(info)


def _copy(out: pikepdf.Pdf, source: pikepdf.Pdf, obj):
    """A copy of a (direct or indirect) object of source in out."""
    if not isinstance(obj, pikepdf.Object) or not isinstance(obj, (Dictionary, Array,
                                                                  pikepdf.Stream)):
        return obj
    if not obj.is_indirect:
        obj = source.make_indirect(obj)
    return out.copy_foreign(obj)


def _page_size(pdf: pikepdf.Pdf) -> tuple[float, float]:
    box = pdf.pages[0].mediabox
    return float(box[2]) - float(box[0]), float(box[3]) - float(box[1])


def _number_forms(out: pikepdf.Pdf, stamps: pikepdf.Pdf, index: int) -> list:
    """One form XObject per number of a stamps page, in the order they were laid out.

    Each keeps the page's transformations and state but only its own text object
    (BT … ET), so a pack page holds its own number and no other: a clip would hide
    the others from the eye but not from text extraction or search."""
    page = stamps.pages[index]
    ops = list(pikepdf.parse_content_stream(page))
    blocks, start = [], None
    for i, (_operands, operator) in enumerate(ops):
        if str(operator) == "BT":
            start = i
        elif str(operator) == "ET" and start is not None:
            blocks.append((start, i))
            start = None
    inside = {i for a, b in blocks for i in range(a, b + 1)}
    resources = _copy(out, stamps, page.obj.Resources)
    forms = []
    for a, b in blocks:
        keep = [op for i, op in enumerate(ops) if i not in inside or a <= i <= b]
        form = out.make_stream(pikepdf.unparse_content_stream(keep))
        form.Type, form.Subtype = Name.XObject, Name.Form
        form.BBox = Array([0, 0, *_page_size(stamps)])
        form.Resources = resources
        forms.append(form)
    return forms


def _placement(stamp: dict | None, sheet: dict, size: tuple[float, float]) -> bytes:
    """Operators that clip to a number's cell and move it into the page's outer corner
    (nothing for the blank-page note, which is drawn where it was laid out)."""
    if stamp is None:
        return b""
    corner, cell = sheet["corner"], stamp["cell"]
    width, height = size
    cell_w, cell_h = sheet["width"] * MM, sheet["height"] * MM
    # target: the corner below the text area, `gap` under the bottom margin's top edge
    x = width - corner.side * MM if stamp["side"] == "recto" else 0.0
    top = (corner.bottom - corner.gap) * MM                  # from the bottom of the paper
    dx = x - cell["left"] * MM
    dy = (top - cell_h) - (height - cell["top"] * MM - cell_h)
    return (f"{x:.3f} {top - cell_h:.3f} {cell_w:.3f} {cell_h:.3f} re W n "
            f"1 0 0 1 {dx:.3f} {dy:.3f} cm\n").encode()


def _draw_stamp(out: pikepdf.Pdf, page: pikepdf.Page, forms: list[tuple[object, bytes]]) -> None:
    """Draw the stamp forms over the page as an artifact (not part of the structure tree).

    The page gets its own resources dictionary: a document's pages may share one, and
    each page of the pack draws a different number."""
    resources = Dictionary({k: v for k, v in page.obj.get("/Resources", Dictionary()).items()})
    xobjects = Dictionary({k: v for k, v in resources.get("/XObject", Dictionary()).items()})
    operators = b""
    for index, (form, placement) in enumerate(forms):
        name = Name(f"{STAMP}{index}")
        xobjects[name] = form
        operators += b"q\n" + placement + bytes(name.unparse()) + b" Do\nQ\n"
    resources.XObject = xobjects
    page.obj.Resources = resources
    page.contents_add(out.make_stream(b"q\n"), prepend=True)
    page.contents_add(out.make_stream(b"\nQ\n/Artifact <</Type /Pagination>> BDC\n"
                                      + operators + b"EMC\n"))


def _number_tree(node):
    """(key, value) pairs of a number tree (flat /Nums or nested /Kids)."""
    if node is None:
        return
    nums = node.get("/Nums")
    if nums is not None:
        for i in range(0, len(nums) - 1, 2):
            yield int(nums[i]), nums[i + 1]
    for kid in node.get("/Kids", Array()):
        yield from _number_tree(kid)


def _name_tree(node):
    """(name, value) pairs of a name tree."""
    if node is None:
        return
    names = node.get("/Names")
    if names is not None:
        for i in range(0, len(names) - 1, 2):
            yield str(names[i]), names[i + 1]
    for kid in node.get("/Kids", Array()):
        yield from _name_tree(kid)


def _map_dest(dest, src_index: int, pages: dict):
    """A destination of a source, pointing at the page where that page now is."""
    if isinstance(dest, Dictionary) and "/D" in dest:
        dest = dest.D
    if not isinstance(dest, Array) or len(dest) == 0:
        return None
    target = dest[0]
    if not isinstance(target, Dictionary):
        return None
    page = pages.get((src_index, target.objgen))
    if page is None:
        return None
    return Array([page, *list(dest)[1:]])


def _fit(page) -> Array | None:
    return Array([page, Name.Fit]) if page is not None else None


def _copy_items(items, src_index: int, pages: dict) -> list[pikepdf.OutlineItem]:
    """Outline items of a source, their destinations pointing at the copied pages."""
    out = []
    for item in items:
        dest = item.destination
        if dest is None and item.action is not None and "/D" in item.action:
            dest = item.action.D
        if isinstance(dest, Array):
            dest = _map_dest(dest, src_index, pages)
        copy = pikepdf.OutlineItem(item.title, dest)
        copy.children.extend(_copy_items(item.children, src_index, pages))
        out.append(copy)
    return out
