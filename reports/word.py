"""The draft as a Word document in the layout of 党政机关公文 (GB/T 9704-2012), from the Markdown the template produced.

The styles (page, fonts, line pitch, page numbers) and the landscape section of the lineage appendix are built once
per process into a reference package; every draft copies its parts as they are and adds only its own document.xml
(written as text) and pictures. Fonts are named for the office's Word or WPS, which has them (仿宋_GB2312, 方正小标宋简体,
楷体_GB2312, 黑体); elsewhere a viewer falls back to its own CJK font.
"""
from __future__ import annotations

import io
import math
import re
import struct
import zipfile
from functools import cache
from pathlib import Path
from typing import NamedTuple
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Inches, Mm, Pt

from statreturns.reports.files import add_parts, xml_safe

# GB/T 9704-2012 §5.2.1 and §7: A4, 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm; 22 lines of 28 characters
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
FOOTER_MM = 22  # the page number's 一字线 about 7 mm below the 版心
LINE = Pt(28.95)  # 225 mm / 22 lines
CHARS_PER_LINE = 28
TITLE_FONT, BODY_FONT, HEADING_FONT, SUBHEADING_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312"
PAGE_NUMBER_FONT, TABLE_FONT = "宋体", "宋体"
TITLE_SIZE, BODY_SIZE, PAGE_NUMBER_SIZE, TABLE_SIZE = Pt(22), Pt(16), Pt(14), Pt(9)  # 2号, 3号, 4号, 小五
# the lineage appendix: A4 turned landscape, the same margins, its table narrowed to the 243 mm between them
APPENDIX_WIDTH_MM = PAGE_MM[1] - MARGINS_MM["left"] - MARGINS_MM["right"]
# 156 mm holds 27 characters of 16 pt; each is set a little closer (in twentieths of a point) so that 28 fit, as
# Word's character grid would (LibreOffice lays that grid out differently, so it is not used)
CONDENSE = math.floor((Mm(PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]).pt / CHARS_PER_LINE - BODY_SIZE.pt) * 20)
IMAGE_WIDTH = Mm(150)
FIGURE_STYLE, TABLE_STYLE = "Figure", "Table Text"
HEADINGS = {"# ": "Title", "## ": "Heading 1", "### ": "Heading 2", "#### ": "Heading 3"}
# style name -> the id paragraphs carry
STYLE_IDS = {"Title": "Title", "Heading 1": "Heading1", "Heading 2": "Heading2", "Heading 3": "Heading3",
             FIGURE_STYLE: "Figure", TABLE_STYLE: "TableText"}
MISSING = re.compile(r"(【缺：[^】]*】)")
IMAGE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<path>[^)]+)\)$")
MD_ESCAPE = re.compile(r"\\([\\`*_\[\]<>|])")  # what reports.files.md_text escapes
BREAKS = re.compile(r"([\t\r\n])")  # a run's tab and line breaks, each an element of its own
DOCUMENT, DOCUMENT_RELS, CONTENT_TYPES = "word/document.xml", "word/_rels/document.xml.rels", "[Content_Types].xml"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
IMAGE_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"


def _twips(length) -> int:
    return int(round(length.pt * 20))


def _element(xml: str):
    """One WordprocessingML element parsed from XML that, like every fragment here, declares no namespace."""
    return parse_xml(f'<w:fragment {nsdecls("w")}>{xml}</w:fragment>')[0]


def _rfonts(name: str) -> str:
    return f'<w:rFonts w:ascii="{name}" w:hAnsi="{name}" w:eastAsia="{name}" w:cs="{name}" w:hint="eastAsia"/>'


def _rpr(font: str, size: Pt, bold: bool = False, highlight: bool = False) -> str:
    """Run properties naming the font for every script; text of the body's size is set 28 characters to a line."""
    half = int(size.pt * 2)
    b = "<w:b/><w:bCs/>" if bold else '<w:b w:val="0"/><w:bCs w:val="0"/>'
    condensed = f'<w:spacing w:val="{CONDENSE}"/>' if size == BODY_SIZE else ""
    marked = '<w:highlight w:val="yellow"/>' if highlight else ""
    return (f'<w:rPr>{_rfonts(font)}{b}<w:color w:val="000000"/>{condensed}<w:kern w:val="2"/>'
            f'<w:sz w:val="{half}"/><w:szCs w:val="{half}"/>{marked}<w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr>')


def _ppr(*, jc: str = "both", indent_chars: int = 2, line: int | None = None, after: int = 0, outline: int | None = None,
         keep: bool = False) -> str:
    """Paragraph properties: ``line`` a fixed line pitch in twips (None: single), ``indent_chars`` the first line's."""
    parts = ["<w:keepNext/><w:keepLines/>"] if keep else []
    parts.append(f'<w:spacing w:before="0" w:after="{after}" w:line="{line}" w:lineRule="exact"/>' if line
                 else f'<w:spacing w:before="0" w:after="{after}" w:line="240" w:lineRule="auto"/>')
    parts.append(_indent(indent_chars))
    parts.append(f'<w:jc w:val="{jc}"/>')
    if outline is not None:
        parts.append(f'<w:outlineLvl w:val="{outline}"/>')
    return f'<w:pPr>{"".join(parts)}</w:pPr>'


def _indent(chars: int) -> str:
    """A first-line indent of ``chars`` characters of body text (Word and WPS read the Chars form, others the twips)."""
    return (f'<w:ind w:left="0" w:right="0" w:firstLineChars="{chars * 100}" '
            f'w:firstLine="{chars * _twips(BODY_SIZE)}"/>')


def _restyle(style, ppr: str, rpr: str) -> None:
    """Replace a style's paragraph and run properties (the default template's carry theme fonts and colours)."""
    el = style.element
    for child in el.findall(qn("w:pPr")) + el.findall(qn("w:rPr")) + el.findall(qn("w:link")):
        el.remove(child)
    el.append(_element(ppr))
    el.append(_element(rpr))


def _styles(doc) -> None:
    """The 公文 style set: body, title, the three heading levels, figures, the appendix table, page numbers."""
    line = _twips(LINE)
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    defaults.getparent().remove(defaults)
    doc.styles.element.insert(0, _element(
        f'<w:docDefaults><w:rPrDefault>{_rpr(BODY_FONT, BODY_SIZE)}</w:rPrDefault>'
        f'<w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr></w:pPrDefault>'
        '</w:docDefaults>'))
    styles = doc.styles
    _restyle(styles["Normal"], _ppr(line=line), _rpr(BODY_FONT, BODY_SIZE))
    _restyle(styles["Title"], _ppr(jc="center", indent_chars=0, line=line, after=line, keep=True),
             _rpr(TITLE_FONT, TITLE_SIZE))
    _restyle(styles["Heading 1"], _ppr(line=line, outline=0, keep=True), _rpr(HEADING_FONT, BODY_SIZE))
    _restyle(styles["Heading 2"], _ppr(line=line, outline=1, keep=True), _rpr(SUBHEADING_FONT, BODY_SIZE))
    _restyle(styles["Heading 3"], _ppr(line=line, outline=2, keep=True), _rpr(BODY_FONT, BODY_SIZE, bold=True))
    _restyle(styles["Footer"], _ppr(jc="right", indent_chars=0), _rpr(PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE))
    for name, ppr, rpr in ((FIGURE_STYLE, _ppr(jc="center", indent_chars=0), _rpr(BODY_FONT, BODY_SIZE)),
                           (TABLE_STYLE, _ppr(jc="left", indent_chars=0), _rpr(TABLE_FONT, TABLE_SIZE))):
        style = styles.add_style(name, 1)  # WD_STYLE_TYPE.PARAGRAPH
        style.base_style = styles["Normal"]
        _restyle(style, ppr, rpr)
    lang = doc.settings.element.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")


def _page(section) -> None:
    """A4 portrait with the 版心 of GB/T 9704: 22 lines of the fixed line pitch."""
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.footer_distance = Mm(FOOTER_MM)
    section._sectPr.find(qn("w:docGrid")).set(qn("w:linePitch"), str(_twips(LINE)))


def _page_number(paragraph, jc: str) -> None:
    """``— 1 —`` in 4号 宋体, one character in from the outer edge (odd pages right, even pages left)."""
    side = "right" if jc == "right" else "left"
    p = paragraph._p
    p.insert(0, _element(f'<w:pPr><w:pStyle w:val="Footer"/><w:ind w:{side}="{_twips(PAGE_NUMBER_SIZE)}"/>'
                         f'<w:jc w:val="{jc}"/></w:pPr>'))
    rpr = _rpr(PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
    runs = ("<w:t xml:space=\"preserve\">— </w:t>", '<w:fldChar w:fldCharType="begin"/>',
            '<w:instrText xml:space="preserve"> PAGE </w:instrText>', '<w:fldChar w:fldCharType="separate"/>',
            "<w:t>1</w:t>", '<w:fldChar w:fldCharType="end"/>', "<w:t xml:space=\"preserve\"> —</w:t>")
    for body in runs:
        p.append(_element(f"<w:r>{rpr}{body}</w:r>"))


def _landscape(doc) -> None:
    """A landscape A4 section for the wide appendix table, with the margins and page numbers of the body."""
    section = doc.add_section()
    _page(section)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(PAGE_MM[1]), Mm(PAGE_MM[0])


class Reference(NamedTuple):
    """What every draft shares: its package but for document.xml, and document.xml around the draft's text."""
    package: bytes  # a zip of every part but document.xml and its relationships, compressed once
    head: str  # document.xml up to the body's first paragraph
    section_break: str  # the paragraph that ends the portrait pages, after the draft's last block
    tail: str  # the landscape section's properties and the end of document.xml
    relationships: str  # document.xml's relationships but the closing tag, to which pictures are added
    first_picture_id: int  # the first relationship id (rIdN) a picture may take


@cache
def reference() -> Reference:
    """The package every draft starts from: styles, page, page numbers and the appendix's landscape section, no text."""
    doc = Document()
    _styles(doc)
    section = doc.sections[0]
    _page(section)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], "right")
    _page_number(section.even_page_footer.paragraphs[0], "left")
    body = doc.element.body
    for leftover in body.findall(qn("w:p")):  # the template's empty first paragraph
        body.remove(leftover)
    _landscape(doc)
    saved = io.BytesIO()
    doc.save(saved)
    with zipfile.ZipFile(saved) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    document, rels = parts.pop(DOCUMENT).decode("utf-8"), parts.pop(DOCUMENT_RELS).decode("utf-8")
    # every draft's pictures are PNGs; declaring the type when a draft has none is harmless
    parts[CONTENT_TYPES] = parts[CONTENT_TYPES].replace(
        b'<Default Extension="rels"', b'<Default Extension="png" ContentType="image/png"/><Default Extension="rels"')
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():  # [Content_Types].xml first, where tools that sniff a file look for it
            out.writestr(name, data)
    head, opening, rest = document.partition("<w:body>")
    body_xml, closing, end = rest.rpartition("</w:body>")
    last = body_xml.rindex("<w:sectPr")  # the body's own; the one before it sits in the section break
    ids = [int(n) for n in re.findall(r'Id="rId(\d+)"', rels)]
    return Reference(package.getvalue(), head + opening, body_xml[:last], body_xml[last:] + closing + end,
                     rels.rpartition("</Relationships>")[0], max(ids) + 1)


def _plain(markdown_text: str) -> str:
    """A line of the draft as the reader sees it: Markdown escapes undone, control characters shown."""
    return xml_safe(MD_ESCAPE.sub(r"\1", markdown_text))


RUN_FONTS = {"Title": (TITLE_FONT, TITLE_SIZE, False), "Heading 1": (HEADING_FONT, BODY_SIZE, False),
             "Heading 2": (SUBHEADING_FONT, BODY_SIZE, False), "Heading 3": (BODY_FONT, BODY_SIZE, True),
             "Normal": (BODY_FONT, BODY_SIZE, False)}


@cache
def _run_properties(style: str, marked: bool) -> str:
    """The properties every run of a paragraph style carries, highlighted or not."""
    return _rpr(*RUN_FONTS[style], highlight=marked)


def _text(text: str) -> str:
    """A run's text as Word holds it: a tab or line break is an element of its own, edge spaces kept."""
    return "".join("<w:tab/>" if piece == "\t" else "<w:br/>" if piece in ("\r", "\n") else _t(piece)
                   for piece in BREAKS.split(text) if piece)


def _t(text: str) -> str:
    space = ' xml:space="preserve"' if text.strip() != text else ""
    return f"<w:t{space}>{escape(text)}</w:t>"


def _runs(text: str, style: str) -> str:
    """The text in runs naming their font, each missing-figure mark highlighted so nobody overlooks it."""
    return "".join(f"<w:r>{_run_properties(style, bool(MISSING.fullmatch(part)))}{_text(part)}</w:r>"
                   for part in MISSING.split(text) if part)


def _paragraph(style: str, content: str = "", indent: str = "") -> str:
    """A paragraph in ``style`` (Normal: the default, named by no id)."""
    props = f'<w:pPr><w:pStyle w:val="{STYLE_IDS[style]}"/>{indent}</w:pPr>' if style in STYLE_IDS else ""
    return f"<w:p>{props}{content}</w:p>"


def _cell(text: str, width: int, bold: bool = False) -> str:
    props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="TableText"/>'
            f'</w:pPr><w:r>{props}<w:t xml:space="preserve">{escape(xml_safe(text))}</w:t></w:r></w:p></w:tc>')


def _table(header: list[str], rows: list[list[str]], widths_cm: list[float]) -> str:
    """A grid table whose columns keep their proportions within the appendix's width, and the paragraph after it."""
    scale = min(1.0, APPENDIX_WIDTH_MM / 10 / sum(widths_cm))
    widths = [int(w * scale / 2.54 * 1440) for w in widths_cm]
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    cells = lambda values, bold=False: "".join(_cell(v, w, bold) for v, w in zip(values, widths))  # noqa: E731
    body = "".join(f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{cells(values)}</w:tr>" for values in rows)
    return (f'<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
            f'<w:jc w:val="center"/><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>'
            f'<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>{cells(header, bold=True)}</w:tr>{body}</w:tbl>'
            + _paragraph(TABLE_STYLE))


Appendix = tuple[str, list[str], list[list[str]], list[float]]  # title, header, rows, column widths in cm


def _png_dpi(blob: bytes) -> tuple[int, int]:
    """A PNG's dots per inch across and down as Word reads them from its pHYs chunk: 72 when it names none."""
    at = len(PNG_SIGNATURE)
    while at + 8 <= len(blob):
        length, kind = struct.unpack_from(">I4s", blob, at)
        if kind == b"pHYs":
            across, down, per_metre = struct.unpack_from(">IIB", blob, at + 8)
            return tuple(round(n * 0.0254) if per_metre == 1 and n else 72 for n in (across, down))
        at += length + 12  # length, type, data, CRC
    return 72, 72


def _png(path: Path) -> tuple[bytes, int] | None:
    """The PNG at ``path`` and its height in EMU at the figures' width; None when there is none."""
    blob = path.read_bytes() if path.is_file() else b""
    if not blob.startswith(PNG_SIGNATURE):
        return None
    (across, down), (width, height) = _png_dpi(blob), struct.unpack_from(">II", blob, 16)  # IHDR's first fields
    return blob, round(Inches(height / down) * (IMAGE_WIDTH / Inches(width / across)))


class _Pictures:
    """The pictures one draft places: each picture's bytes stored once, each placement with an id of its own."""

    def __init__(self, first_id: int):
        self.ids: dict[bytes, str] = {}  # a picture's bytes -> its relationship id
        self.first_id, self.placed = first_id, 0

    def place(self, blob: bytes, name: str, height: int) -> str:
        """A run showing the picture at the figures' width, as python-docx writes one."""
        rid = self.ids.setdefault(blob, f"rId{self.first_id + len(self.ids)}")
        self.placed += 1
        size, label = f'cx="{IMAGE_WIDTH}" cy="{height}"', escape(name, {'"': "&quot;"})
        return (f'<w:r><w:drawing><wp:inline {nsdecls("a", "pic")}><wp:extent {size}/>'
                f'<wp:docPr id="{self.placed}" name="Picture {self.placed}"/><wp:cNvGraphicFramePr>'
                '<a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr><a:graphic>'
                '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic><pic:nvPicPr>'
                f'<pic:cNvPr id="0" name="{label}"/><pic:cNvPicPr/></pic:nvPicPr>'
                f'<pic:blipFill><a:blip r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
                f'<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext {size}/></a:xfrm><a:prstGeom prst="rect"/></pic:spPr>'
                '</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>')


def _block(block: str, folder: Path, pictures: _Pictures) -> str:
    """One Markdown block: a heading (# title, ## 一、, ### （一）, #### 1.), an image, or a paragraph."""
    style = next((s for prefix, s in HEADINGS.items() if block.startswith(prefix)), None)
    if style:
        return _paragraph(style, _runs(_plain(block.split(" ", 1)[1]), style))
    image = IMAGE.match(block)
    png = _png(folder / image["path"]) if image else None  # the charts; any other file reads as its Markdown line
    if png:
        return _paragraph(FIGURE_STYLE, pictures.place(png[0], Path(image["path"]).name, png[1]))
    return _paragraph("Normal", _runs(_plain(" ".join(block.splitlines())), "Normal"))


def write_docx(markdown: str, folder: Path, appendix: Appendix, path: Path) -> None:
    """The draft's Markdown (headings, paragraphs, images) in 公文 layout, then the appendix on landscape pages."""
    ref = reference()
    pictures = _Pictures(ref.first_picture_id)
    blocks = "".join(_block(b, folder, pictures) for b in (b.strip() for b in re.split(r"\n\s*\n", markdown)) if b)
    title, header, rows, widths = appendix
    heading = _paragraph("Heading 1", _runs(xml_safe(title), "Heading 1"), _indent(0))
    document = ref.head + blocks + ref.section_break + heading + _table(header, rows, widths) + ref.tail
    media = [(f"media/image{n}.png", rid, blob) for n, (blob, rid) in enumerate(pictures.ids.items(), 1)]
    rels = ref.relationships + "".join(f'<Relationship Id="{rid}" Type="{IMAGE_RELATIONSHIP}" Target="{target}"/>'
                                       for target, rid, _ in media) + "</Relationships>"
    path.write_bytes(add_parts(ref.package, [
        (DOCUMENT, document, zipfile.ZIP_DEFLATED), (DOCUMENT_RELS, rels, zipfile.ZIP_DEFLATED),
        *((f"word/{target}", blob, zipfile.ZIP_STORED) for target, _, blob in media),  # a PNG is compressed already
    ]))
