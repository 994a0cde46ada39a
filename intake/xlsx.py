"""What a workbook's XML says that calamine does not, read before calamine allocates anything.

For .xlsx/.xlsm: each sheet's declared dimension against its real extent (a sheet claiming A1:XFD1048576 would make
calamine allocate hundreds of gigabytes), and the formulas whose stored value cannot be trusted — none stored, or the
0 a program writes in its place — found by a real, streaming XML parse (styled blanks, inline strings, shared and
array formulas). For .ods: merged ranges. A zip bomb is refused first.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field

import defusedxml.ElementTree as SafeET
from defusedxml import DTDForbidden, EntitiesForbidden
from openpyxl.formula.translate import Translator
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, get_column_letter, range_boundaries

from statreturns.intake.limits import Limits, UnreadableFile


# what reading a damaged zip (or a damaged part in it) raises, from zipfile, zlib and openpyxl's reference parsing
ZIP_FAULTS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError,
              struct.error, KeyError, IndexError, TypeError)
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_DIMENSION = re.compile(rb'(<(?:\w+:)?dimension\s+ref=")([^"]*)(")')
_ODS_T = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


@dataclass
class ZipFacts:
    """What the XML of a zipped workbook says: per sheet name, untrusted formulas and merged ranges."""

    data: bytes  # the workbook, with any absurd dimension corrected
    formulas: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)
    merged: dict[str, tuple[tuple[int, int, int, int], ...]] = field(default_factory=dict)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse(xml: bytes):
    try:
        return SafeET.fromstring(xml, forbid_dtd=True)
    except (DTDForbidden, EntitiesForbidden):
        raise UnreadableFile("文件含有不安全的XML实体声明") from None
    except SafeET.ParseError:
        raise UnreadableFile("文件已损坏（XML无法解析），请重新保存后报送") from None


def _cell(ref: str) -> tuple[int, int]:
    """Zero-based (row, column) of an A1 reference."""
    letters, row = coordinate_from_string(ref)
    return row - 1, column_index_from_string(letters) - 1


def _area(ref: str) -> int:
    try:
        c0, r0, c1, r1 = range_boundaries(ref)
    except (ValueError, TypeError):
        return 0
    return (r1 - r0 + 1) * (c1 - c0 + 1) if None not in (c0, r0, c1, r1) else 0


@dataclass
class _Sheet:
    """What one streaming pass over a sheet's XML found."""

    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    extent: tuple[int, int] = (0, 0)  # rows, columns holding a value or a formula


def _untrusted(value: str | None) -> bool:
    """A formula's stored value cannot be trusted: none stored, or the 0 a program stores without computing."""
    return value is None or value.strip() in ("", "0")


def scan_sheet(xml: bytes) -> _Sheet:
    """Each cell's formula and stored value, in one streaming parse; the extent of the cells that hold anything."""
    found = _Sheet()
    shared: dict[str, tuple[str, str]] = {}  # si -> (formula of its master cell, master cell's reference)
    arrays: list[tuple[int, int, int, int, str]] = []  # ranges of array formulas stored without a value
    valued: set[tuple[int, int]] = set()  # cells holding a trusted value, once an uncomputed array formula is seen
    rows = cols = 0
    try:
        for _, el in SafeET.iterparse(io.BytesIO(xml), events=("end",), forbid_dtd=True):
            if _local(el.tag) != "c":
                continue
            ref = el.get("r")
            parts = {_local(child.tag): child for child in el}
            f, v = parts.get("f"), parts.get("v")
            if ref and (f is not None or v is not None or "is" in parts):
                r, c = _cell(ref)
                rows, cols = max(rows, r + 1), max(cols, c + 1)
                if f is not None:
                    _formula(found, shared, arrays, (r, c), ref, f, v)
                elif arrays and not _untrusted(v.text if v is not None else None):
                    valued.add((r, c))
            el.clear()
    except (DTDForbidden, EntitiesForbidden):
        raise UnreadableFile("文件含有不安全的XML实体声明") from None
    except SafeET.ParseError:
        raise UnreadableFile("文件已损坏（工作表XML无法解析），请重新保存后报送") from None
    for r0, c0, r1, c1, text in arrays:
        # every cell of the range holds part of the formula's result, unknown unless the file stored it
        for r in range(r0, min(r1, r0 + 10_000) + 1):
            for c in range(c0, min(c1, c0 + 100) + 1):
                if (r, c) not in valued:
                    found.formulas.setdefault((r, c), text)
    found.extent = (rows, cols)
    return found


def _formula(found: _Sheet, shared: dict, arrays: list, at: tuple[int, int], ref: str, f, v) -> None:
    kind, text = f.get("t"), f.text or ""
    stored = v.text if v is not None else None
    if kind == "shared":
        si = f.get("si", "")
        if text:
            shared[si] = (text, ref)
        elif si in shared and _untrusted(stored):
            master, origin = shared[si]
            text = Translator("=" + master, origin=origin).translate_formula(ref).removeprefix("=")
    span = range_boundaries(f.get("ref") or ref) if kind == "array" else None
    if span and (span[0], span[1]) != (span[2], span[3]) and _untrusted(stored):
        c0, r0, c1, r1 = span
        arrays.append((r0 - 1, c0 - 1, r1 - 1, c1 - 1, "{=" + text + "}"))
    elif _untrusted(stored):  # a one-cell array formula is worked out as any formula is
        found.formulas[at] = text or "?"


def _sheet_parts(z: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Sheet name -> its worksheet part, from workbook.xml and its relationships."""
    rels_name = "xl/_rels/workbook.xml.rels"
    if rels_name not in names:
        return {}
    rels = {el.get("Id"): el.get("Target", "") for el in _parse(z.read(rels_name)) if _local(el.tag) == "Relationship"}
    parts = {}
    for el in _parse(z.read("xl/workbook.xml")).iter():
        if _local(el.tag) == "sheet":
            target = rels.get(el.get(f"{{{_REL_NS}}}id") or el.get("id"), "")
            target = target.lstrip("/")
            part = target if target.startswith("xl/") else f"xl/{target}"
            if part in names:
                parts[el.get("name", "")] = part
    return parts


_CELL_ROW = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="[A-Z]{1,3}([0-9]{1,7})"')
_CELL_COLUMN = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]{1,3})[0-9]')


def _quick_extent(xml: bytes) -> tuple[int, int]:
    """Rows and columns up to the farthest cell element, empty ones included: a bound on what calamine allocates."""
    rows = set(_CELL_ROW.findall(xml))
    columns = set(_CELL_COLUMN.findall(xml))
    return (max(map(int, rows), default=0),
            max((column_index_from_string(c.decode()) for c in columns), default=0))


def _checked_extent(xml: bytes, part: str, limits: Limits, named) -> tuple[bytes, _Sheet | None]:
    """The sheet XML, refused when its cells really span more than a return can, its declared dimension made true.

    calamine allocates a sheet's whole rectangle at once: a single value at XFD1048576 would need hundreds of
    gigabytes, so the extent is measured here first.
    """
    rows, cols = _quick_extent(xml)
    scanned = None
    if rows * cols > limits.max_cells:
        scanned = scan_sheet(xml)  # far cells may be styled blanks, which calamine skips: count only what holds a value
        rows, cols = scanned.extent
        if rows * cols > limits.max_cells:
            raise UnreadableFile(f"工作表“{named(part)}”的范围异常（{rows}行×{cols}列），疑似损坏或恶意文件")
    declared = _DIMENSION.search(xml[:8192])
    if declared and _area(declared[2].decode("ascii", "replace")) > limits.max_cells:
        real = f"A1:{get_column_letter(max(cols, 1))}{max(rows, 1)}".encode()
        xml = xml[:declared.start(2)] + real + xml[declared.end(2):]
    return xml, scanned


def zip_facts(data: bytes, limits: Limits) -> ZipFacts:
    """Refuse a zip bomb before anything inflates it; read what calamine does not report; fix absurd dimensions."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            total = sum(i.file_size for i in infos)
            packed = max(sum(i.compress_size for i in infos), 1)
            if total > limits.max_unzipped_bytes or total / packed > limits.max_zip_ratio:
                raise UnreadableFile("文件解压后异常巨大，疑似损坏或恶意文件")
            names = {i.filename for i in infos}
            if "xl/workbook.xml" in names:
                return _xlsx(z, data, names, limits)
            if "content.xml" in names:
                return ZipFacts(data, merged=_ods_merged(z.read("content.xml")))
            return ZipFacts(data)
    except UnreadableFile:
        raise
    except ZIP_FAULTS:
        raise UnreadableFile("文件已损坏（压缩包不完整或内容错乱），请重新保存后报送") from None


def _xlsx(z: zipfile.ZipFile, data: bytes, names: set[str], limits: Limits) -> ZipFacts:
    facts, fixed = ZipFacts(data), {}
    sheets: dict[str, str] | None = None  # part -> sheet name, read from workbook.xml only when a name is needed

    def named(part: str) -> str:
        nonlocal sheets
        if sheets is None:
            sheets = {p: name for name, p in _sheet_parts(z, names).items()}
        return sheets.get(part, part)

    for part in sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")):
        xml = z.read(part)
        corrected, scanned = _checked_extent(xml, part, limits, named)
        if corrected is not xml:
            fixed[part] = corrected
        if b"<f" in xml or b":f " in xml or b":f>" in xml:
            found = (scanned or scan_sheet(xml)).formulas
            if found:
                facts.formulas[named(part)] = found
    if fixed:
        facts.data = _rewritten(z, fixed)
    return facts


def _rewritten(z: zipfile.ZipFile, parts: dict[str, bytes]) -> bytes:
    """The zip again, with some members' bytes replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as w:
        for info in z.infolist():
            w.writestr(info, parts.get(info.filename) or z.read(info.filename))
    return out.getvalue()


def _ods_merged(content: bytes) -> dict[str, tuple[tuple[int, int, int, int], ...]]:
    """Merged ranges of an .ods file's sheets (from content.xml), which calamine does not report for this format."""
    if b"-spanned" not in content:
        return {}
    out = {}
    for table in _parse(content).iter(f"{_ODS_T}table"):
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
