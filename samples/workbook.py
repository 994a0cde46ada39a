"""Writing a laid-out return the way Excel-like programs do: openpyxl or xlsxwriter bytes, stamped with a time."""
from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from pathlib import Path

import openpyxl
import xlsxwriter
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.writer.excel import ExcelWriter

from statreturns.schemas.text import a1
from statreturns.samples.layout import Chart, Formula, Sheet
from statreturns.samples.plan import Submission

_TITLE = Font(bold=True, size=16)
_BOLD = Font(bold=True)
_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
_OPENPYXL_FORMATS = {"num0": "0", "num1": "0.0", "num2": "0.00"}


def with_openpyxl(book: list[Sheet | Chart], when: dt.datetime) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet in book:
        if isinstance(sheet, Chart):
            continue
        ws = wb.create_sheet(sheet.name)
        for (r, c), v in sorted(sheet.cells.items()):
            cell = ws.cell(r + 1, c + 1, v.cached if isinstance(v, Formula) else v)
            # borders are left to the xlsxwriter files: openpyxl formats merged borders cell by cell, slowly
            style = sheet.styles[(r, c)]
            if style == "title":
                cell.font = _TITLE
                cell.alignment = _CENTRE
            elif style == "header":
                cell.font = _BOLD
                cell.alignment = _CENTRE
            elif style in _OPENPYXL_FORMATS:
                cell.number_format = _OPENPYXL_FORMATS[style]
        for r0, c0, r1, c1 in sheet.merges:
            # ws.merge_cells would also copy borders cell by cell, which none of these cells have
            ws.merged_cells.add(MergedCellRange(ws, f"{a1(r0, c0)}:{a1(r1, c1)}"))
        for c, w in sheet.widths.items():
            ws.column_dimensions[get_column_letter(c + 1)].width = w
        if sheet.hidden:
            ws.sheet_state = "hidden"
    stamp = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
    wb.properties.creator = "Administrator"
    wb.properties.created = wb.properties.modified = stamp
    buf = io.BytesIO()
    with _StampedZip(buf, when) as archive:
        ExcelWriter(wb, archive).save()
    return buf.getvalue()


def with_xlsxwriter(book: list[Sheet | Chart], when: dt.datetime) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False})
    wb.set_properties({"author": "Administrator", "created": when.astimezone(dt.timezone.utc).replace(tzinfo=None)})
    fmt = {
        "title": wb.add_format({"bold": True, "font_size": 16, "align": "center"}),
        "header": wb.add_format({"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "border": 1}),
        "cell": wb.add_format({"border": 1}),
        "name": wb.add_format({"border": 1}),
        "num0": wb.add_format({"border": 1, "num_format": "0"}),
        "num1": wb.add_format({"border": 1, "num_format": "0.0"}),
        "num2": wb.add_format({"border": 1, "num_format": "0.00"}),
        "label": None,
        "note": None,
    }
    for sheet in book:
        if isinstance(sheet, Chart):
            cs = wb.add_chartsheet(sheet.name)
            chart = wb.add_chart({"type": "column"})
            (r0, r1, cc), (_, _, vc) = sheet.categories, sheet.values
            chart.add_series({"name": "本年累计", "categories": [sheet.source, r0, cc, r1, cc],
                              "values": [sheet.source, r0, vc, r1, vc]})
            cs.set_chart(chart)
            continue
        ws = wb.add_worksheet(sheet.name)
        anchors = {(r0, c0): (r1, c1) for r0, c0, r1, c1 in sheet.merges}
        covered = {(r, c) for r0, c0, r1, c1 in sheet.merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        for (r, c), v in sorted(sheet.cells.items()):
            f = fmt[sheet.styles[(r, c)]]
            if (r, c) in anchors:
                r1, c1 = anchors[(r, c)]
                ws.merge_range(r, c, r1, c1, v, f)
            elif (r, c) in covered:
                continue
            elif isinstance(v, Formula):
                ws.write_formula(r, c, v.text, f, v.cached)
            elif isinstance(v, str):
                ws.write_string(r, c, v, f)
            else:
                ws.write_number(r, c, v, f)
        for c, w in sheet.widths.items():
            ws.set_column(c, c, w)
        if sheet.hidden:
            ws.hide()
    wb.close()
    return buf.getvalue()


class _StampedZip(zipfile.ZipFile):
    """A zip whose entries carry one fixed time, so that the same workbook is the same bytes."""

    def __init__(self, file, when: dt.datetime) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED)
        self._when = when.timetuple()[:6]

    def writestr(self, name, data, compress_type=None, compresslevel=None) -> None:
        if isinstance(name, str):
            name = zipfile.ZipInfo(name, date_time=self._when)
            name.compress_type = zipfile.ZIP_DEFLATED
            name.external_attr = 0o600 << 16
        super().writestr(name, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None) -> None:
        # openpyxl writes each worksheet to a temporary file first, which would lend the zip its mtime
        self.writestr(arcname or os.path.basename(filename), Path(filename).read_bytes())


def text_note(s: Submission) -> bytes:
    """What a clerk sends when the attachment went missing: a note, saved under a workbook's name."""
    when = s.submitted
    return (
        "各位领导：\n"
        f"    我中心{s.month}月份报表数据正在核对，核对完成后另行报送，请谅解。\n"
        f"{s.org.name}{s.form.department}\n"
        f"{when.year}年{when.month}月{when.day}日\n"
    ).encode("utf-8")

