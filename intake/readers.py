"""Workbook bytes to grids, by what the bytes are (not by the file's extension).

python-calamine reads .xlsx/.xlsm, .xls (BIFF8) and .ods; the exports many government systems
produce — an HTML table or an XML Spreadsheet 2003 file saved as ".xls" — and .csv are read here.
Nothing is ever executed: macros are ignored and formulas are read as text or cached values.
"""
from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import defusedxml.ElementTree as SafeET
import python_calamine as pc
from defusedxml import DTDForbidden, EntitiesForbidden

from statreturns.intake.limits import DEFAULT_LIMITS, Limits, UnreadableFile
from statreturns.intake.xlsx import zip_facts
from statreturns.schemas.grid import Grid

ZIP = b"PK\x03\x04"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def too_large(size: int, limits: Limits) -> str:
    return f"文件过大（{size / 2**20:.1f} MB，上限 {limits.max_bytes // 2**20} MB），请删去多余的内容后重新报送"


def sniff(data: bytes) -> str:
    """The file's real format from its content: zip, ole2, html, xml2003 or csv."""
    if not data:
        raise UnreadableFile("文件为空")
    if data.startswith(ZIP):
        return "zip"
    if data.startswith(OLE2):
        return "ole2"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<?mso-application" in head and b"excel.sheet" in head or head.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in data[:4096]:
        return "xml2003"
    if head.startswith((b"<html", b"<!doctype html", b"<table", b"<meta")) or b"<table" in head:
        return "html"
    if b"\x00" in data[:4096]:
        raise UnreadableFile("文件内容不是电子表格")
    return "csv"


def read_grids(data: bytes, limits: Limits = DEFAULT_LIMITS) -> list[Grid]:
    """Every sheet of a workbook as a Grid, in workbook order."""
    if len(data) > limits.max_bytes:
        raise UnreadableFile(too_large(len(data), limits))
    kind = sniff(data)
    if kind == "zip":
        facts = zip_facts(data, limits)
        grids = _calamine_grids(facts.data, facts.formulas, facts.merged)
    else:
        grids = {"csv": _csv_grids, "html": _html_grids, "xml2003": _xml2003_grids, "ole2": _calamine_grids}[kind](data)
    for g in grids:
        if g.height * g.width > limits.max_cells:
            raise UnreadableFile(f"工作表“{g.sheet}”单元格过多（{g.height}行×{g.width}列）")
    return grids


def _calamine_grids(data: bytes, formulas: dict | None = None, merged_by_sheet: dict | None = None) -> list[Grid]:
    try:
        return _calamine_sheets(data, formulas or {}, merged_by_sheet or {})
    except pc.PasswordError:
        raise UnreadableFile("文件已加密，请取消密码后重新报送") from None
    except Exception as e:  # calamine raises several types for damaged files, some only when a sheet is read
        if data.startswith(OLE2) and b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00" in data:
            raise UnreadableFile("文件已加密，请取消密码后重新报送") from None
        if "entity" in str(e):
            raise UnreadableFile("文件含有不安全的XML实体声明") from None
        raise UnreadableFile(f"文件已损坏或格式无法识别（{type(e).__name__}）") from None


def _calamine_sheets(data: bytes, formulas: dict, merged_by_sheet: dict) -> list[Grid]:
    book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    grids = []
    for meta in book.sheets_metadata:
        if meta.typ != pc.SheetTypeEnum.WorkSheet:
            continue
        sheet = book.get_sheet_by_name(meta.name)
        rows = tuple(tuple(r) for r in sheet.to_python(skip_empty_area=False))
        ranges = sheet.merged_cell_ranges
        merged = tuple((r0, c0, r1, c1) for (r0, c0), (r1, c1) in ranges) if ranges else merged_by_sheet.get(meta.name, ())
        hidden = meta.visible != pc.SheetVisibleEnum.Visible
        grids.append(Grid(meta.name, rows, merged, hidden=hidden, formulas=formulas.get(meta.name, {})))
    return grids


def _decode(data: bytes) -> str:
    declared = re.search(rb'charset=["\']?([\w-]+)', data[:2048], re.I)
    candidates = [declared[1].decode("ascii")] if declared else []
    for encoding in (*candidates, "utf-8-sig", "gb18030"):
        try:
            return data.decode("gb18030" if encoding.lower() in ("gb2312", "gbk") else encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    raise UnreadableFile("文本文件的编码无法识别（应为UTF-8或GB18030）")


def _csv_grids(data: bytes) -> list[Grid]:
    text = _decode(data)
    if "," not in text and "\t" not in text:
        raise UnreadableFile("文件内容是一段文字，不是电子表格")
    dialect = csv.excel_tab if text.count("\t") > text.count(",") else csv.excel
    return [Grid("csv", tuple(tuple(r) for r in csv.reader(io.StringIO(text), dialect)))]


class _Tables(HTMLParser):
    """HTML tables as grids, honouring colspan/rowspan as merged ranges."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[dict, list]] = []
        self._cell: list[str] | None = None
        self._span = (1, 1)
        self._row = -1
        self._taken: set[tuple[int, int]] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.tables.append(({}, []))
            self._row, self._taken = -1, set()
        elif tag == "tr" and self.tables:
            self._row += 1
        elif tag in ("td", "th") and self.tables:
            self._cell = []
            self._span = (_int(a.get("rowspan")), _int(a.get("colspan")))
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self.tables:
            cells, merged = self.tables[-1]
            c = 0
            while (self._row, c) in self._taken:
                c += 1
            rows, cols = self._span
            for dr in range(rows):
                for dc in range(cols):
                    self._taken.add((self._row + dr, c + dc))
            text = "".join(self._cell).strip()
            cells[(self._row, c)] = _html_value(text)
            if rows > 1 or cols > 1:
                merged.append((self._row, c, self._row + rows - 1, c + cols - 1))
            self._cell = None


def _int(v: str | None) -> int:
    try:
        return max(1, int(v or 1))
    except ValueError:
        return 1


def _html_value(text: str) -> object:
    try:
        return float(text) if re.fullmatch(r"-?\d+(\.\d+)?", text) else text
    except ValueError:
        return text


def _to_rows(cells: dict[tuple[int, int], object]) -> tuple[tuple[object, ...], ...]:
    if not cells:
        return ()
    height = max(r for r, _ in cells) + 1
    width = max(c for _, c in cells) + 1
    return tuple(tuple(cells.get((r, c), "") for c in range(width)) for r in range(height))


def _html_grids(data: bytes) -> list[Grid]:
    parser = _Tables()
    parser.feed(_decode(data))
    return [Grid(f"表{i + 1}", _to_rows(cells), tuple(merged)) for i, (cells, merged) in enumerate(parser.tables) if cells]


_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"


def _xml2003_grids(data: bytes) -> list[Grid]:
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except (DTDForbidden, EntitiesForbidden):
        raise UnreadableFile("文件含有不安全的XML实体声明") from None
    except SafeET.ParseError:
        raise UnreadableFile("XML表格文件已损坏，无法解析") from None
    grids = []
    for ws in root.iter(f"{_SS}Worksheet"):
        cells, merged, r = {}, [], -1
        table = ws.find(f"{_SS}Table")
        for row in table.iter(f"{_SS}Row") if table is not None else ():
            r = int(row.get(f"{_SS}Index", r + 2)) - 1
            c = -1
            for cell in row.iter(f"{_SS}Cell"):
                c = int(cell.get(f"{_SS}Index", c + 2)) - 1
                node = cell.find(f"{_SS}Data")
                if node is not None:
                    text = "".join(node.itertext())
                    cells[(r, c)] = float(text) if node.get(f"{_SS}Type") == "Number" else text
                across, down = int(cell.get(f"{_SS}MergeAcross", 0)), int(cell.get(f"{_SS}MergeDown", 0))
                if across or down:
                    merged.append((r, c, r + down, c + across))
                c += across
        options = ws.find("{urn:schemas-microsoft-com:office:excel}WorksheetOptions")
        hidden = options is not None and options.find("{urn:schemas-microsoft-com:office:excel}Visible") is not None
        grids.append(Grid(ws.get(f"{_SS}Name", "Sheet1"), _to_rows(cells), tuple(merged), hidden=hidden))
    return grids
