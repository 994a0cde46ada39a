"""The draft as a Word document in the layout of 党政机关公文 (GB/T 9704-2012), from the Markdown the template produced.

The styles (page, fonts, line pitch, page numbers) are built once per process into a reference document; every draft
starts from a copy of it. Fonts are named for the office's Word or WPS, which has them (仿宋_GB2312, 方正小标宋简体,
楷体_GB2312, 黑体); elsewhere a viewer falls back to its own CJK font. The lineage appendix follows on landscape pages.
"""
from __future__ import annotations

import copy
import io
import math
import re
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt

from statreturns.reports.files import xml_safe

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
# style name -> the id paragraphs carry (python-docx looks a name up through every style: 4 ms a paragraph)
STYLE_IDS = {"Title": "Title", "Heading 1": "Heading1", "Heading 2": "Heading2", "Heading 3": "Heading3",
             FIGURE_STYLE: "Figure", TABLE_STYLE: "TableText"}
MISSING = re.compile(r"(【缺：[^】]*】)")
IMAGE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<path>[^)]+)\)$")
MD_ESCAPE = re.compile(r"\\([\\`*_\[\]<>|])")  # what reports.files.md_text escapes


def _twips(length) -> int:
    return int(round(length.pt * 20))


def _rfonts(name: str) -> str:
    return f'<w:rFonts w:ascii="{name}" w:hAnsi="{name}" w:eastAsia="{name}" w:cs="{name}" w:hint="eastAsia"/>'


def _rpr(font: str, size: Pt, bold: bool = False) -> str:
    """Run properties naming the font for every script; text of the body's size is set 28 characters to a line."""
    half = int(size.pt * 2)
    b = "<w:b/><w:bCs/>" if bold else '<w:b w:val="0"/><w:bCs w:val="0"/>'
    condensed = f'<w:spacing w:val="{CONDENSE}"/>' if size == BODY_SIZE else ""
    return (f'<w:rPr {nsdecls("w")}>{_rfonts(font)}{b}<w:color w:val="000000"/>{condensed}<w:kern w:val="2"/>'
            f'<w:sz w:val="{half}"/><w:szCs w:val="{half}"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr>')


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
    return f'<w:pPr {nsdecls("w")}>{"".join(parts)}</w:pPr>'


def _indent(chars: int) -> str:
    """A first-line indent of ``chars`` characters of body text (Word and WPS read the Chars form, others the twips)."""
    return (f'<w:ind w:left="0" w:right="0" w:firstLineChars="{chars * 100}" '
            f'w:firstLine="{chars * _twips(BODY_SIZE)}"/>')


def _restyle(style, ppr: str, rpr: str) -> None:
    """Replace a style's paragraph and run properties (the default template's carry theme fonts and colours)."""
    el = style.element
    for child in el.findall(qn("w:pPr")) + el.findall(qn("w:rPr")) + el.findall(qn("w:link")):
        el.remove(child)
    el.append(parse_xml(ppr))
    el.append(parse_xml(rpr))


def _styles(doc) -> None:
    """The 公文 style set: body, title, the three heading levels, figures, the appendix table, page numbers."""
    line = _twips(LINE)
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    defaults.getparent().remove(defaults)
    doc.styles.element.insert(0, parse_xml(
        f'<w:docDefaults {nsdecls("w")}><w:rPrDefault>{_rpr(BODY_FONT, BODY_SIZE)}</w:rPrDefault>'
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
    p.insert(0, parse_xml(f'<w:pPr {nsdecls("w")}><w:pStyle w:val="Footer"/>'
                          f'<w:ind w:{side}="{_twips(PAGE_NUMBER_SIZE)}"/><w:jc w:val="{jc}"/></w:pPr>'))
    rpr = _rpr(PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
    runs = ("<w:t xml:space=\"preserve\">— </w:t>", '<w:fldChar w:fldCharType="begin"/>',
            '<w:instrText xml:space="preserve"> PAGE </w:instrText>', '<w:fldChar w:fldCharType="separate"/>',
            "<w:t>1</w:t>", '<w:fldChar w:fldCharType="end"/>', "<w:t xml:space=\"preserve\"> —</w:t>")
    for body in runs:
        p.append(parse_xml(f'<w:r {nsdecls("w")}>{rpr}{body}</w:r>'))


@cache
def reference() -> bytes:
    """The reference document every draft starts from: styles, page and page numbers, no text."""
    doc = Document()
    _styles(doc)
    section = doc.sections[0]
    _page(section)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], "right")
    _page_number(section.even_page_footer.paragraphs[0], "left")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _plain(markdown_text: str) -> str:
    """A line of the draft as the reader sees it: Markdown escapes undone, control characters shown."""
    return xml_safe(MD_ESCAPE.sub(r"\1", markdown_text))


@cache
def _run_properties(font: str, size_pt: float, bold: bool):
    """A run's properties parsed once; each run gets a copy."""
    return parse_xml(_rpr(font, Pt(size_pt), bold))


def _runs(paragraph, text: str, font: str, size: Pt, bold: bool = False) -> None:
    """The paragraph's text in runs naming their font, each missing-figure mark highlighted so nobody overlooks it."""
    for part in MISSING.split(text):
        if part:
            run = paragraph.add_run(part)
            run._r.insert(0, copy.deepcopy(_run_properties(font, size.pt, bold)))
            if MISSING.fullmatch(part):
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW


RUN_FONTS = {"Title": (TITLE_FONT, TITLE_SIZE, False), "Heading 1": (HEADING_FONT, BODY_SIZE, False),
             "Heading 2": (SUBHEADING_FONT, BODY_SIZE, False), "Heading 3": (BODY_FONT, BODY_SIZE, True),
             "Normal": (BODY_FONT, BODY_SIZE, False)}


def _cell(text: str, width: int, bold: bool = False) -> str:
    props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="TableText"/>'
            f'</w:pPr><w:r>{props}<w:t xml:space="preserve">{escape(xml_safe(text))}</w:t></w:r></w:p></w:tc>')


def _table(doc, header: list[str], rows: list[list[str]], widths_cm: list[float]) -> None:
    """A grid table written as one piece of XML: python-docx's cell by cell API takes seconds for a few hundred rows.
    Its columns keep their proportions within the appendix's width."""
    scale = min(1.0, APPENDIX_WIDTH_MM / 10 / sum(widths_cm))
    widths = [int(w * scale / 2.54 * 1440) for w in widths_cm]
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    cells = lambda values, bold=False: "".join(_cell(v, w, bold) for v, w in zip(values, widths))  # noqa: E731
    body = "".join(f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{cells(values)}</w:tr>" for values in rows)
    xml = (f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
           f'<w:jc w:val="center"/><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>'
           f'<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>{cells(header, bold=True)}</w:tr>{body}</w:tbl>')
    _paragraph(doc, TABLE_STYLE)._p.addprevious(parse_xml(xml))


def _landscape(doc) -> None:
    """A landscape A4 section for the wide appendix table, with the margins and page numbers of the body."""
    section = doc.add_section()
    _page(section)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(PAGE_MM[1]), Mm(PAGE_MM[0])


Appendix = tuple[str, list[str], list[list[str]], list[float]]  # title, header, rows, column widths in cm


def _paragraph(doc, style: str):
    """A new paragraph at the end of the body in ``style`` (Normal: the default, named by no id)."""
    paragraph = doc.add_paragraph()
    if style in STYLE_IDS:
        paragraph._p.style = STYLE_IDS[style]
    return paragraph


def _block(doc, block: str, folder: Path) -> None:
    """One Markdown block: a heading (# title, ## 一、, ### （一）, #### 1.), an image, or a paragraph."""
    style = next((s for prefix, s in HEADINGS.items() if block.startswith(prefix)), None)
    image = IMAGE.match(block)
    if style:
        paragraph = _paragraph(doc, style)
        _runs(paragraph, _plain(block.split(" ", 1)[1]), *RUN_FONTS[style])
    elif image and (folder / image["path"]).is_file():
        _paragraph(doc, FIGURE_STYLE).add_run().add_picture(str(folder / image["path"]), width=IMAGE_WIDTH)
    else:
        _runs(_paragraph(doc, "Normal"), _plain(" ".join(block.splitlines())), *RUN_FONTS["Normal"])


def write_docx(markdown: str, folder: Path, appendix: Appendix, path: Path) -> None:
    """The draft's Markdown (headings, paragraphs, images) in 公文 layout, then the appendix on landscape pages."""
    doc = Document(io.BytesIO(reference()))
    body = doc.element.body
    for leftover in body.findall(qn("w:p")):  # the template's empty first paragraph
        body.remove(leftover)
    for block in (b.strip() for b in re.split(r"\n\s*\n", markdown)):
        if block:
            _block(doc, block, folder)
    title, header, rows, widths = appendix
    _landscape(doc)
    heading = _paragraph(doc, "Heading 1")
    heading._p.get_or_add_pPr().append(parse_xml(_indent(0).replace("<w:ind ", f"<w:ind {nsdecls('w')} ")))
    _runs(heading, xml_safe(title), *RUN_FONTS["Heading 1"])
    _table(doc, header, rows, widths)
    doc.save(str(path))
