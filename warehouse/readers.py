"""Workbook bytes to grids: python-calamine for every spreadsheet format, csv by hand."""
from __future__ import annotations

import csv
import io

import python_calamine as pc

from schemas.grid import Grid

ZIP = b"PK\x03\x04"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class UnreadableFile(Exception):
    """The bytes are not a workbook this pipeline can read; the message says why, in Chinese."""


def sniff(data: bytes) -> str:
    """The file's real format from its first bytes: xlsx-or-ods (zip), xls (OLE2) or csv (text)."""
    if data.startswith(ZIP):
        return "zip"
    if data.startswith(OLE2):
        return "ole2"
    if not data:
        raise UnreadableFile("文件为空")
    head = data[:4096]
    if b"\x00" in head:
        raise UnreadableFile("不是电子表格文件")
    return "csv"


def read_grids(data: bytes) -> list[Grid]:
    """Every sheet of a workbook as a Grid, in workbook order."""
    kind = sniff(data)
    if kind == "csv":
        return [_csv_grid(data)]
    try:
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except pc.PasswordError:
        raise UnreadableFile("文件已加密，请取消密码后重新报送") from None
    except Exception as e:  # calamine raises several types for damaged files
        raise UnreadableFile(f"文件已损坏或格式无法识别（{type(e).__name__}）") from None
    grids = []
    for meta in book.sheets_metadata:
        if meta.typ != pc.SheetTypeEnum.WorkSheet:
            continue
        sheet = book.get_sheet_by_name(meta.name)
        rows = tuple(tuple(r) for r in sheet.to_python(skip_empty_area=False))
        merged = tuple((r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or ()))
        grids.append(Grid(meta.name, rows, merged, hidden=meta.visible != pc.SheetVisibleEnum.Visible))
    return grids


def _csv_grid(data: bytes) -> Grid:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile("文本文件的编码无法识别（应为UTF-8或GB18030）")
    rows = tuple(tuple(r) for r in csv.reader(io.StringIO(text)))
    return Grid("csv", rows)
