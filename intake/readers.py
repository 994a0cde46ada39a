"""Workbook bytes to grids, by what the bytes are (not by the file's extension).

python-calamine reads .xlsx/.xlsm, .xls (BIFF8) and .ods; the exports many government systems
produce — an HTML table or an XML Spreadsheet 2003 file saved as ".xls" — and .csv are read here.
Nothing is ever executed: macros are ignored and formulas are read as text or cached values.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser

import defusedxml.ElementTree as SafeET
import python_calamine as pc
from defusedxml import DTDForbidden, EntitiesForbidden

from statreturns.schemas.grid import Grid

ZIP = b"PK\x03\x04"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Limits:
    """What a received file may be before it is read at all (bounded time and memory)."""

    max_bytes: int = 20 * 2**20
    max_unzipped_bytes: int = 200 * 2**20
    max_zip_ratio: float = 200.0
    max_cells: int = 2_000_000


DEFAULT_LIMITS = Limits()


class UnreadableFile(Exception):
    """The bytes are not a workbook this pipeline can read; the message says why, in Chinese."""


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
        raise UnreadableFile(f"文件过大（{len(data) // 2**20} MB，上限 {limits.max_bytes // 2**20} MB）")
    kind = sniff(data)
    if kind == "zip":
        grids = _calamine_grids(data, *_zip_facts(data, limits))
    else:
        grids = {"csv": _csv_grids, "html": _html_grids, "xml2003": _xml2003_grids, "ole2": _calamine_grids}[kind](data)
    for g in grids:
        if g.height * g.width > limits.max_cells:
            raise UnreadableFile(f"工作表“{g.sheet}”单元格过多（{g.height}行×{g.width}列）")
    return grids


def _zip_facts(data: bytes, limits: Limits) -> tuple[dict, dict]:
    """Refuse a zip bomb before calamine inflates it; read what calamine does not report.

    Returns, per sheet name, the formulas whose stored value cannot be trusted (.xlsx) and the merged ranges (.ods).
    calamine's XML parser expands no entities, so entity declarations need no scan here.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            total = sum(i.file_size for i in infos)
            packed = max(sum(i.compress_size for i in infos), 1)
            if total > limits.max_unzipped_bytes or total / packed > limits.max_zip_ratio:
                raise UnreadableFile("文件解压后异常巨大，疑似损坏或恶意文件")
            names = {i.filename for i in infos}
            if "xl/workbook.xml" in names:
                return _untrusted_formulas(z, names), {}
            if "content.xml" in names:
                return {}, _ods_merged(z.read("content.xml"))
            return {}, {}
    except zipfile.BadZipFile:
        raise UnreadableFile("文件已损坏（压缩包不完整），请重新保存后报送") from None


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


_SHEET_ENTRY = re.compile(rb'<sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"')
_REL = re.compile(rb'<Relationship\b[^>]*?Target="([^"]*)"[^>]*?Id="([^"]*)"|<Relationship\b[^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"')
_FORMULA_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*>(.*?)</c>', re.S)
_FORMULA = re.compile(rb"<f\b[^>]*?(?:/>|>(.*?)</f>)", re.S)
_TRUSTED_VALUE = re.compile(rb"<v>\s*(?!0\s*</v>)[^<\s][^<]*</v>")


def _untrusted_formulas(z: zipfile.ZipFile, names: set[str]) -> dict[str, dict[tuple[int, int], str]]:
    """Per sheet name, the text of formulas saved without a value or with the 0 a program stores in its place."""
    parts = {n: z.read(n) for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")}
    if "xl/_rels/workbook.xml.rels" not in names or not any(b"<f" in xml for xml in parts.values()):
        return {}
    rels = {}
    for m in _REL.finditer(z.read("xl/_rels/workbook.xml.rels")):
        target, rid = (m[1], m[2]) if m[1] else (m[4], m[3])
        rels[rid] = target.decode().lstrip("/")
    out = {}
    for m in _SHEET_ENTRY.finditer(z.read("xl/workbook.xml")):
        target = rels.get(m[2], "")
        xml = parts.get(target if target.startswith("xl/") else f"xl/{target}", b"")
        if b"<f" not in xml:
            continue
        cells = {}
        for c in _FORMULA_CELL.finditer(xml):
            f = _FORMULA.search(c[3])
            if f and not _TRUSTED_VALUE.search(c[3]):
                cells[(int(c[2]) - 1, _col(c[1].decode()))] = _unescape((f[1] or b"").decode())
        out[_unescape(m[1].decode())] = cells
    return out


_ODS_T = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def _ods_merged(content: bytes) -> dict[str, tuple[tuple[int, int, int, int], ...]]:
    """Merged ranges of an .ods file's sheets (from content.xml), which calamine does not report for this format."""
    if b"-spanned" not in content:
        return {}
    out = {}
    for table in SafeET.fromstring(content, forbid_dtd=True).iter(f"{_ODS_T}table"):
        merged, r = [], 0
        for row in table.iter(f"{_ODS_T}table-row"):
            c = 0
            for cell in row:
                if cell.tag not in (f"{_ODS_T}table-cell", f"{_ODS_T}covered-table-cell"):
                    continue
                across = int(cell.get(f"{_ODS_T}number-columns-spanned", 1))
                down = int(cell.get(f"{_ODS_T}number-rows-spanned", 1))
                if across > 1 or down > 1:
                    merged.append((r, c, r + down - 1, c + across - 1))
                c += int(cell.get(f"{_ODS_T}number-columns-repeated", 1))
            r += int(row.get(f"{_ODS_T}number-rows-repeated", 1))
        out[table.get(f"{_ODS_T}name")] = tuple(merged)
    return out


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _unescape(text: str) -> str:
    return text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")


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
