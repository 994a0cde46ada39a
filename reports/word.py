"""The draft as a Word document (python-docx), from the Markdown the template produced and the lineage appendix."""
from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt

BODY_FONT, HEADING_FONT = "宋体", "黑体"  # what Chinese offices' Word and WPS have
BODY_SIZE, TITLE_SIZE, HEADING_SIZE, TABLE_SIZE = Pt(12), Pt(18), Pt(14), Pt(8)
IMAGE_WIDTH = Cm(15)
MISSING = re.compile(r"(【缺：[^】]*】)")
IMAGE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<path>[^)]+)\)$")


def _font(run_or_style, name: str, size: Pt | None = None, bold: bool | None = None) -> None:
    """Set the Latin and the East Asian font (Word keeps them apart; without the latter Chinese falls back)."""
    font = run_or_style.font
    font.name = name
    if size is not None:
        font.size = size
    if bold is not None:
        font.bold = bold
    rpr = run_or_style.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _document() -> Document:
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4
    section.left_margin = section.right_margin = Cm(2.6)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    _font(doc.styles["Normal"], BODY_FONT, BODY_SIZE)
    for name, size in (("Title", TITLE_SIZE), ("Heading 1", HEADING_SIZE), ("Heading 2", BODY_SIZE)):
        _font(doc.styles[name], HEADING_FONT, size, bold=name != "Title")
        doc.styles[name].font.color.rgb = None
    return doc


def _text(paragraph, text: str) -> None:
    """A paragraph's text, each missing-figure mark highlighted so that nobody overlooks it."""
    for part in MISSING.split(text):
        if part:
            run = paragraph.add_run(part)
            if MISSING.fullmatch(part):
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _cell(text: str, width: int, bold: bool = False) -> str:
    props = f'<w:rPr>{"<w:b/>" if bold else ""}<w:sz w:val="{int(TABLE_SIZE.pt * 2)}"/></w:rPr>'
    return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
            f'<w:p><w:r>{props}<w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p></w:tc>')


def _table(doc: Document, header: list[str], rows: list[list[str]], widths_cm: list[float]) -> None:
    """A grid table written as one piece of XML: python-docx's cell by cell API takes seconds for a few hundred rows."""
    widths = [int(Cm(w).twips) for w in widths_cm]
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    cells = lambda values, bold=False: "".join(_cell(v, w, bold) for v, w in zip(values, widths))  # noqa: E731
    body = "".join(f"<w:tr>{cells(values)}</w:tr>" for values in rows)
    xml = (f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
           f'<w:jc w:val="center"/><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>'
           f'<w:tr><w:trPr><w:tblHeader/></w:trPr>{cells(header, bold=True)}</w:tr>{body}</w:tbl>')
    doc.add_paragraph()._p.addprevious(parse_xml(xml))


def _landscape(doc: Document) -> None:
    """A landscape A4 section for the wide appendix table."""
    section = doc.add_section()
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(1.5)
    section.top_margin = section.bottom_margin = Cm(1.5)


Appendix = tuple[str, list[str], list[list[str]], list[float]]  # title, header, rows, column widths in cm


def write_docx(markdown: str, folder: Path, appendix: Appendix, path: Path) -> None:
    """The draft's Markdown (headings #/##/###, paragraphs, images), then the appendix on landscape pages."""
    doc = _document()
    for block in (b.strip() for b in re.split(r"\n\s*\n", markdown)):
        if not block:
            continue
        image = IMAGE.match(block)
        if block.startswith("# "):
            doc.add_heading(block[2:], level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif block.startswith("## "):
            doc.add_heading(block[3:], level=1)
        elif block.startswith("### "):
            doc.add_heading(block[4:], level=2)
        elif image and (folder / image["path"]).exists():
            doc.add_picture(str(folder / image["path"]), width=IMAGE_WIDTH)
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        else:
            paragraph = doc.add_paragraph()
            paragraph.paragraph_format.first_line_indent = BODY_SIZE * 2
            paragraph.paragraph_format.line_spacing = 1.5
            _text(paragraph, " ".join(block.splitlines()))
    title, header, rows, widths = appendix
    _landscape(doc)
    doc.add_heading(title, level=1)
    _table(doc, header, rows, widths)
    doc.save(str(path))
