"""Packs and class sets put together from the PDFs of their documents.

Every page is laid out once: a worksheet or teacher notes is laid out for its own
file, and a pack reuses those very pages – their content streams, fonts and tags –
instead of laying the lesson out again.  Each document keeps its own footer
("Worksheet · Page 1 of 5", so a page photocopied from the pack reads like the
worksheet alone); the pack adds its page number in the outer corner, drawn as an
artifact from a small untagged "stamps" document, and blank left pages marked
"This page is intentionally blank" so that every document starts on a right-hand
page.  The structure trees of the parts are joined under one Document element in
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
    stamp: int | None = None        # page of the stamps document drawn over it


@dataclass
class Layout:
    """Where every page goes: the result of `plan_pages`."""

    slots: list[Slot] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)   # 1-based page where each part starts
    stamps: list[dict] = field(default_factory=list)  # what each stamp page shows

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
             title: str | None = None, front_outline: bool = True) -> bytes:
    """The pack's PDF bytes: pages in layout order, one structure tree, nested bookmarks."""
    sources = [pikepdf.open(io.BytesIO(p.pdf)) for p in parts]
    frame = pikepdf.open(io.BytesIO(front)) if front else None
    stamp_pdf = pikepdf.open(io.BytesIO(stamps)) if stamps else None
    try:
        return _assemble(parts, layout, sources, frame, stamp_pdf, title, front_outline)
    finally:
        for pdf in [*sources, frame, stamp_pdf]:
            if pdf is not None:
                pdf.close()


def _assemble(parts, layout, sources, frame, stamp_pdf, title, front_outline) -> bytes:
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
            if slot.stamp not in stamp_forms:
                form = stamp_pdf.make_indirect(stamp_pdf.pages[slot.stamp].as_form_xobject())
                stamp_forms[slot.stamp] = out.copy_foreign(form)
            _draw_stamp(out, page, stamp_forms[slot.stamp])

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
    pages_by_source = {}
    for (s, objgen), page in placed.items():
        pages_by_source[(s, objgen)] = page
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


def _draw_stamp(out: pikepdf.Pdf, page: pikepdf.Page, form) -> None:
    """Draw the stamp over the page as an artifact (not part of the structure tree).

    The page gets its own resources dictionary: a document's pages may share one, and
    each page of the pack draws a different number."""
    resources = Dictionary({k: v for k, v in page.obj.get("/Resources", Dictionary()).items()})
    xobjects = Dictionary({k: v for k, v in resources.get("/XObject", Dictionary()).items()})
    xobjects[STAMP] = form
    resources.XObject = xobjects
    page.obj.Resources = resources
    page.contents_add(out.make_stream(b"q\n"), prepend=True)
    page.contents_add(out.make_stream(b"\nQ\n/Artifact <</Type /Pagination>> BDC\nq\n"
                                      + bytes(STAMP.unparse()) + b" Do\nQ\nEMC\n"))


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
