"""Workbooks as different office programs save them: one page model, five writers.

A ``Page`` is a sheet as cells by zero-based (row, col). The writers are openpyxl, xlsxwriter, xlwt (.xls,
BIFF8), odfpy (.ods) and ``raw``: sheet XML written here by hand, the way exporters and other programs
write it (shared strings with rich runs, inline strings, filled-down shared formulas, array formulas,
formulas with no cached value, self-closing styled blanks). Nothing here comes from tests/workbooks.py
or the project's samples.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import get_column_letter

WRITERS = ("openpyxl", "xlsxwriter", "xlwt", "ods", "raw")
EXTENSIONS = {"openpyxl": ".xlsx", "xlsxwriter": ".xlsx", "xlwt": ".xls", "ods": ".ods", "raw": ".xlsx"}


def a1(r: int, c: int) -> str:
    """The A1 name of a zero-based (row, col)."""
    return f"{get_column_letter(c + 1)}{r + 1}"


@dataclass
class Cell:
    """One cell. ``value`` is what the cell shows (for a formula: what Excel would compute)."""

    value: object = None  # str, int, float, date or None
    formula: str | None = None  # without the leading "="
    cached: bool = False  # the file stores the computed value next to the formula
    shared: int | None = None  # raw writer: the index of a filled-down shared formula
    array: bool = False
    fmt: str | None = None  # "percent" or "date" (a date value gets "date" anyway)
    runs: tuple[tuple[str, bool], ...] | None = None  # rich text as (text, bold) runs
    border: bool = False


@dataclass
class Page:
    """A worksheet, or a chart sheet drawing the first page's column A."""

    name: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    hidden: bool = False
    hidden_cols: set[int] = field(default_factory=set)
    chart: bool = False
    inline_strings: bool = False  # raw writer: strings inline in the sheet, not in sharedStrings
    dimension: str | None = None  # raw writer: the <dimension ref> to declare instead of the real one

    def set(self, r: int, c: int, value: object = None, **kw) -> Cell:
        cell = Cell(value, **kw)
        self.cells[(r, c)] = cell
        return cell

    def merge(self, r0: int, c0: int, r1: int, c1: int) -> None:
        self.merges.append((r0, c0, r1, c1))

    def extent(self) -> tuple[int, int]:
        """(rows, cols) that hold anything."""
        rows = max((r for r, _ in self.cells), default=0) + 1
        cols = max((c for _, c in self.cells), default=0) + 1
        for r0, c0, r1, c1 in self.merges:
            rows, cols = max(rows, r1 + 1), max(cols, c1 + 1)
        return rows, cols


def write(pages: Sequence[Page], writer: str, *, macro: bool = False) -> bytes:
    """The bytes of a workbook holding ``pages``; ``macro`` makes an .xlsm of an openpyxl book."""
    data = {"openpyxl": _openpyxl, "xlsxwriter": _xlsxwriter, "xlwt": _xlwt, "ods": _ods, "raw": _raw}[writer](pages)
    return _as_xlsm(data) if macro else data


def _covered(page: Page) -> set[tuple[int, int]]:
    """Cells inside a merge other than its top-left one."""
    return {(r, c) for r0, c0, r1, c1 in page.merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)} - {
        (r0, c0) for r0, c0, _, _ in page.merges}


def _is_date(cell: Cell) -> bool:
    return isinstance(cell.value, (dt.date, dt.datetime))


# ---- openpyxl: formulas never carry a value; blanks with a border are written as empty styled cells

def _openpyxl(pages: Sequence[Page]) -> bytes:
    import openpyxl
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.chart import LineChart, Reference
    from openpyxl.styles import Border, Side
    from openpyxl.worksheet.formula import ArrayFormula

    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for page in pages:
        if page.chart:
            chart = LineChart()
            chart.add_data(Reference(book.worksheets[0], min_col=1, min_row=1, max_row=4))
            book.create_chartsheet(page.name).add_chart(chart)
            continue
        ws = book.create_sheet(page.name)
        for (r, c), cell in page.cells.items():
            target = ws.cell(r + 1, c + 1)
            if cell.array:
                target.value = ArrayFormula(a1(r, c), "=" + cell.formula)
            elif cell.formula is not None:
                target.value = "=" + cell.formula
            elif cell.runs:
                target.value = CellRichText([TextBlock(InlineFont(b=True), t) if bold else t for t, bold in cell.runs])
            else:
                target.value = cell.value
            if _is_date(cell):
                target.number_format = "yyyy-mm-dd"
            elif cell.fmt == "percent":
                target.number_format = "0.0%"
            if cell.border:
                target.border = box
        for r0, c0, r1, c1 in page.merges:
            ws.merge_cells(f"{a1(r0, c0)}:{a1(r1, c1)}")
        for c in page.hidden_cols:
            ws.column_dimensions[get_column_letter(c + 1)].hidden = True
        if page.hidden:
            ws.sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _as_xlsm(data: bytes) -> bytes:
    """The same package declared macro-enabled, as Excel saves an .xlsm."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "[Content_Types].xml":
                body = body.replace(b"spreadsheetml.sheet.main+xml", b"sheet.macroEnabled.main+xml").replace(
                    b"application/vnd.openxmlformats-officedocument.sheet.macroEnabled.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
            dst.writestr(info.filename, body)
    return out.getvalue()


# ---- xlsxwriter: formulas carry the computed value, or the 0 it stores when none is given

def _xlsxwriter(pages: Sequence[Page]) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                     "strings_to_urls": False})
    formats: dict[tuple, object] = {}
    bold = book.add_format({"bold": True})

    def fmt(cell: Cell):
        key = (cell.border, "date" if _is_date(cell) else cell.fmt)
        if key not in formats:
            props = {"border": 1} if cell.border else {}
            if key[1] == "date":
                props["num_format"] = "yyyy-mm-dd"
            elif key[1] == "percent":
                props["num_format"] = "0.0%"
            formats[key] = book.add_format(props) if props else None
        return formats[key]

    first = next(p.name for p in pages if not p.chart)
    for page in pages:
        if page.chart:
            chart = book.add_chart({"type": "line"})
            chart.add_series({"values": f"='{first}'!$A$1:$A$4"})
            book.add_chartsheet(page.name).set_chart(chart)
            continue
        ws = book.add_worksheet(page.name)
        covered = _covered(page)
        tops = {(r0, c0): (r1, c1) for r0, c0, r1, c1 in page.merges}
        for (r0, c0), (r1, c1) in tops.items():
            cell = page.cells.get((r0, c0), Cell())
            ws.merge_range(r0, c0, r1, c1, "", fmt(cell))
        for (r, c), cell in page.cells.items():
            if (r, c) in covered:
                continue
            f = fmt(cell)
            if cell.array:
                ws.write_array_formula(r, c, r, c, "{=" + cell.formula + "}", f, cell.value if cell.cached else 0)
            elif cell.formula is not None:
                if cell.cached:
                    ws.write_formula(r, c, "=" + cell.formula, f, cell.value)
                else:
                    ws.write_formula(r, c, "=" + cell.formula, f)
            elif cell.runs:
                parts = []
                for text, b in cell.runs:
                    parts += [bold, text] if b else [text]
                ws.write_rich_string(r, c, *parts, f)
            elif _is_date(cell):
                ws.write_datetime(r, c, dt.datetime.combine(cell.value, dt.time()) if not isinstance(
                    cell.value, dt.datetime) else cell.value, f)
            elif isinstance(cell.value, str):
                ws.write_string(r, c, cell.value, f)
            elif isinstance(cell.value, (int, float)):
                ws.write_number(r, c, cell.value, f)
            else:
                ws.write_blank(r, c, None, f)
        for c in page.hidden_cols:
            ws.set_column(c, c, None, None, {"hidden": True})
        if page.hidden:
            ws.hide()
    book.close()
    return out.getvalue()


# ---- xlwt: BIFF8 .xls; it cannot store a formula's value, so formulas are written as their values

def _xlwt(pages: Sequence[Page]) -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    styles: dict[tuple, object] = {}

    def style(cell: Cell):
        key = (cell.border, "date" if _is_date(cell) else cell.fmt)
        if key not in styles:
            spec = "borders: left thin, right thin, top thin, bottom thin" if cell.border else ""
            num = {"date": "YYYY-MM-DD", "percent": "0.0%"}.get(key[1], "General")
            styles[key] = xlwt.easyxf(spec, num_format_str=num)
        return styles[key]

    bold = xlwt.Font()
    bold.bold = True
    for page in pages:
        assert not page.chart, "xlwt writes no chart sheets"
        ws = book.add_sheet(page.name, cell_overwrite_ok=True)
        covered = _covered(page)
        for r0, c0, r1, c1 in page.merges:
            cell = page.cells.get((r0, c0), Cell())
            ws.write_merge(r0, r1, c0, c1, cell.value, style(cell))
        tops = {(r0, c0) for r0, c0, _, _ in page.merges}
        for (r, c), cell in page.cells.items():
            if (r, c) in covered or (r, c) in tops:
                continue
            if cell.runs:
                ws.write_rich_text(r, c, [(t, bold) if b else t for t, b in cell.runs], style(cell))
            else:
                ws.write(r, c, cell.value, style(cell))
        for c in page.hidden_cols:
            ws.col(c).hidden = True
        if page.hidden:
            ws.visibility = 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---- odfpy: .ods as LibreOffice saves it (formulas in OpenFormula with their computed value)

_REF = re.compile(r"(?<![A-Za-z\[.])(\$?[A-Z]{1,3}\$?\d+)(?![\w(])")


def _of_formula(text: str) -> str:
    return "of:=" + _REF.sub(lambda m: f"[.{m.group(1)}]", text)


def _ods(pages: Sequence[Page]) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style, TableProperties
    from odf.table import CoveredTableCell, Table, TableCell, TableColumn, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    hidden_table = Style(name="taHidden", family="table")
    hidden_table.addElement(TableProperties(display=False))
    doc.automaticstyles.addElement(hidden_table)
    for page in pages:
        assert not page.chart, "the ods writer writes no chart sheets"
        table = Table(name=page.name, stylename=hidden_table) if page.hidden else Table(name=page.name)
        rows, cols = page.extent()
        for c in range(cols):
            table.addElement(TableColumn(visibility="collapse") if c in page.hidden_cols else TableColumn())
        covered = _covered(page)
        spans = {(r0, c0): (r1 - r0 + 1, c1 - c0 + 1) for r0, c0, r1, c1 in page.merges}
        for r in range(rows):
            tr = TableRow()
            for c in range(cols):
                if (r, c) in covered:
                    tr.addElement(CoveredTableCell())
                    continue
                cell = page.cells.get((r, c), Cell())
                kw = {}
                if (r, c) in spans:
                    kw["numberrowsspanned"], kw["numbercolumnsspanned"] = spans[(r, c)]
                v = cell.value
                if cell.formula is not None:
                    kw["formula"] = _of_formula(cell.formula)
                if v is None or (cell.formula is not None and not cell.cached):
                    tc = TableCell(**kw)
                elif _is_date(cell):
                    tc = TableCell(valuetype="date", datevalue=v.isoformat(), **kw)
                    tc.addElement(P(text=v.isoformat()))
                elif isinstance(v, str):
                    tc = TableCell(valuetype="string", **kw)
                    tc.addElement(P(text="".join(t for t, _ in cell.runs) if cell.runs else v))
                elif cell.fmt == "percent":
                    tc = TableCell(valuetype="percentage", value=v, **kw)
                    tc.addElement(P(text=f"{v * 100:.1f}%"))
                else:
                    tc = TableCell(valuetype="float", value=v, **kw)
                    tc.addElement(P(text=str(v)))
                tr.addElement(tc)
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()


# ---- raw: the package and sheet XML written by hand

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{_MAIN}"><numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;"/><numFmt numFmtId="165" formatCode="0.0%"/></numFmts><fonts count="2"><font><sz val="11"/><name val="宋体"/><charset val="134"/></font><font><b/><sz val="11"/><name val="宋体"/><charset val="134"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border><border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right><top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="0" fillId="0" borderId="1" xfId="0" applyBorder="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/><xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="165" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/></cellXfs><cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles></styleSheet>"""


def _style_index(cell: Cell) -> int:
    kind = 1 if _is_date(cell) else 2 if cell.fmt == "percent" else 0
    return kind * 2 + (1 if cell.border else 0)


def _serial(d: dt.date) -> int:
    return (d - dt.date(1899, 12, 30)).days


def _number(v: float | int) -> str:
    return str(v) if isinstance(v, int) else repr(float(v))


_BOLD = '<rPr><b/><sz val="11"/></rPr>'
_TEXT = '<t xml:space="preserve">{}</t>'


def _runs_xml(runs: tuple[tuple[str, bool], ...]) -> str:
    return "".join(f"<r>{_BOLD if bold else ''}{_TEXT.format(escape(t))}</r>" for t, bold in runs)


class _Strings:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.index: dict[str, int] = {}

    def add(self, xml: str) -> int:
        if xml not in self.index:
            self.index[xml] = len(self.items)
            self.items.append(xml)
        return self.index[xml]

    def part(self) -> str:
        body = "".join(f"<si>{x}</si>" for x in self.items)
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{_MAIN}" '
                f'count="{len(self.items)}" uniqueCount="{len(self.items)}">{body}</sst>')


def _shared_groups(page: Page) -> dict[int, list[tuple[int, int]]]:
    groups: dict[int, list[tuple[int, int]]] = {}
    for (r, c), cell in sorted(page.cells.items()):
        if cell.shared is not None:
            groups.setdefault(cell.shared, []).append((r, c))
    return groups


def _cell_xml(r: int, c: int, cell: Cell, page: Page, strings: _Strings, groups: dict) -> str:
    ref, s = a1(r, c), _style_index(cell)
    style = f' s="{s}"' if s else ""
    v = cell.value
    if cell.formula is not None:
        if cell.shared is not None:
            members = groups[cell.shared]
            if members[0] == (r, c):
                span = f"{a1(*members[0])}:{a1(*members[-1])}"
                f = f'<f t="shared" ref="{span}" si="{cell.shared}">{escape(cell.formula)}</f>'
            else:
                f = f'<f t="shared" si="{cell.shared}"/>'
        elif cell.array:
            f = f'<f t="array" ref="{ref}">{escape(cell.formula)}</f>'
        else:
            f = f"<f>{escape(cell.formula)}</f>"
        value = f"<v>{_number(v)}</v>" if cell.cached and isinstance(v, (int, float)) else ""
        return f'<c r="{ref}"{style}>{f}{value}</c>'
    if v is None and not cell.runs:
        return f'<c r="{ref}"{style}/>'
    if cell.runs:
        return f'<c r="{ref}"{style} t="s"><v>{strings.add(_runs_xml(cell.runs))}</v></c>'
    if _is_date(cell):
        return f'<c r="{ref}"{style}><v>{_serial(v)}</v></c>'
    if isinstance(v, str):
        if page.inline_strings:
            return f'<c r="{ref}"{style} t="inlineStr"><is>{_TEXT.format(escape(v))}</is></c>'
        return f'<c r="{ref}"{style} t="s"><v>{strings.add(_TEXT.format(escape(v)))}</v></c>'
    return f'<c r="{ref}"{style}><v>{_number(v)}</v></c>'


def sheet_xml(page: Page, strings: _Strings) -> str:
    """The worksheet part of ``page``: rows in order, cells in order, as Excel lays them out."""
    rows, cols = page.extent()
    dimension = page.dimension or f"A1:{a1(rows - 1, cols - 1)}"
    groups = _shared_groups(page)
    by_row: dict[int, list[tuple[int, Cell]]] = {}
    for (r, c), cell in page.cells.items():
        by_row.setdefault(r, []).append((c, cell))
    body = []
    for r in sorted(by_row):
        cells = "".join(_cell_xml(r, c, cell, page, strings, groups) for c, cell in sorted(by_row[r], key=lambda x: x[0]))
        body.append(f'<row r="{r + 1}">{cells}</row>')
    cols_xml = "".join(f'<col min="{c + 1}" max="{c + 1}" width="12" hidden="1" customWidth="1"/>'
                       for c in sorted(page.hidden_cols))
    merges = "".join(f'<mergeCell ref="{a1(r0, c0)}:{a1(r1, c1)}"/>' for r0, c0, r1, c1 in page.merges)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
            f'<dimension ref="{dimension}"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="14.25"/>' + (f"<cols>{cols_xml}</cols>" if cols_xml else "")
            + f'<sheetData>{"".join(body)}</sheetData>'
            + (f'<mergeCells count="{len(page.merges)}">{merges}</mergeCells>' if merges else "")
            + '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>')


def package(sheets: Sequence[tuple[str, str, bool]], strings_xml: str | None, extra: dict[str, bytes] | None = None,
            compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """An .xlsx package of (name, sheet XML, hidden) parts, shared strings and any extra parts."""
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_CT}.worksheet+xml"/>'
                        for i in range(1, len(sheets) + 1))
    if strings_xml is not None:
        overrides += f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
    types = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/'
             f'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
             f'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
             f'workbook.xml" ContentType="{_CT}.sheet.main+xml"/><Override PartName="/xl/styles.xml" '
             f'ContentType="{_CT}.styles+xml"/>{overrides}</Types>')
    rels = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PKG}"><Relationship '
            f'Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    hide = ' state="hidden"'
    book_sheets = "".join(f'<sheet name={quoteattr(name)} sheetId="{i}"{hide if hidden else ""} r:id="rId{i}"/>'
                          for i, (name, _, hidden) in enumerate(sheets, 1))
    workbook = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
                f'<bookViews><workbookView/></bookViews><sheets>{book_sheets}</sheets><calcPr calcId="0" fullCalcOnLoad="1"/>'
                f'</workbook>')
    n = len(sheets)
    book_rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                        for i in range(1, n + 1))
    book_rels += f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
    if strings_xml is not None:
        book_rels += f'<Relationship Id="rId{n + 2}" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
    parts = {
        "[Content_Types].xml": types,
        "_rels/.rels": rels,
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                      f'<Relationships xmlns="{_PKG}">{book_rels}</Relationships>',
        "xl/styles.xml": _STYLES,
    }
    for i, (_, xml, _) in enumerate(sheets, 1):
        parts[f"xl/worksheets/sheet{i}.xml"] = xml
    if strings_xml is not None:
        parts["xl/sharedStrings.xml"] = strings_xml
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        for name, body in parts.items():
            z.writestr(name, body.encode("utf-8") if isinstance(body, str) else body)
        for name, body in (extra or {}).items():
            z.writestr(name, body)
    return out.getvalue()


def _raw(pages: Sequence[Page]) -> bytes:
    strings = _Strings()
    sheets = []
    for page in pages:
        assert not page.chart, "the raw writer writes no chart sheets"
        sheets.append((page.name, sheet_xml(page, strings), page.hidden))
    return package(sheets, strings.part() if strings.items else None)
