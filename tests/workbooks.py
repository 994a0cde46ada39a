"""Return workbooks built in code, as a department would fill them, with the drifts of spec §6."""
# indicator_return and project_return give the bytes of a one-return workbook; sheet and workbook
# build anything else (an instructions sheet, a hidden copy, a chart). Rows and columns are
# zero-based; engine is "openpyxl" or "xlsxwriter" (the two writers store cells differently).
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

import openpyxl
import xlsxwriter
from openpyxl.chart import BarChart, Reference
from openpyxl.utils import get_column_letter

from statreturns.schemas.catalogue import load_catalogue

ENGINES = ("openpyxl", "xlsxwriter")
INDICATOR_COLUMNS = ("指标名称", "代码", "计量单位", "本月", "本年累计", "上年同期累计", "同比增长(%)")
PROJECT_COLUMNS = ("序号", "项目名称", "项目状态", "总投资", "建设地点", "所属行业", "责任单位")
FOOTER = ("单位负责人：张三", "统计负责人：李四", "填表人：王五", "联系电话：12345678", "报出日期：2023年7月5日")


@dataclass(frozen=True)
class Percent:
    """A number shown with a percentage format (a cell holding 0.125 shows 12.5%)."""

    value: float


@dataclass(frozen=True)
class Formula:
    """A formula, with the value Excel would have cached (openpyxl cannot write one)."""

    text: str
    cached: float | None = None


@dataclass(frozen=True)
class Merged:
    """A value merged across ``span`` columns of its row (a text item over the value columns)."""

    value: object
    span: int


@dataclass
class Sheet:
    """One worksheet (cells by (row, col), merged ranges (r0, c0, r1, c1)), or a chart sheet of the first one's column A."""

    name: str
    cells: dict[tuple[int, int], object] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    hidden: bool = False
    chart: bool = False

    def put(self, r: int, c: int, value: object) -> None:
        if isinstance(value, Merged):
            self.cells[(r, c)] = value.value
            if value.span > 1:
                self.merges.append((r, c, r, c + value.span - 1))
        elif value is not None:
            self.cells[(r, c)] = value


def sheet(name: str, rows: Sequence[Sequence[object] | None] = (), *, hidden: bool = False, chart: bool = False) -> Sheet:
    """A sheet holding ``rows`` from A1 (or a chart sheet)."""
    s = Sheet(name, hidden=hidden, chart=chart)
    for r, row in enumerate(rows):
        for c, v in enumerate(row or ()):
            s.put(r, c, v)
    return s


def indicator_return(
    form_code: str,
    reporter: str,
    period_text: object,
    rows: Sequence[Sequence[object] | str | None],
    *,
    engine: str = "openpyxl",
    start_row: int = 0,
    start_col: int = 0,
    title: str | None = "",
    unit: str | None = "万元",
    columns: Sequence[str | tuple[str, str]] = INDICATOR_COLUMNS,
    labels_apart: bool = False,
    sheet_name: str = "Sheet1",
    before: Sequence[Sheet] = (),
    after: Sequence[Sheet] = (),
    footer: bool = True,
) -> bytes:
    """An indicator form (spec §3) under its title (the form's own unless given; None for none)."""
    # A row is a sequence aligned to columns, None (a spacer) or a str (a note in the first column).
    # A column given as (top, bottom) makes a two-row header: equal tops merge across, words merge down.
    if title == "":
        form = load_catalogue().forms.get(form_code)
        title = form.title if form else "月报表"
    return workbook([*before, _return_sheet(
        sheet_name, form_code, reporter, period_text, unit, title, columns, rows,
        start_row, start_col, labels_apart, footer), *after], engine=engine)


def project_return(
    reporter: str,
    period_text: object,
    projects: Sequence[Sequence[object] | str | None],
    *,
    engine: str = "openpyxl",
    start_row: int = 0,
    start_col: int = 0,
    unit: str | None = "万元",
    columns: Sequence[str | tuple[str, str]] = PROJECT_COLUMNS,
    sheet_name: str = "Sheet1",
) -> bytes:
    """The list form ZB03 (spec §5): one row per project, aligned to ``columns``."""
    return workbook([_return_sheet(
        sheet_name, "ZB03", reporter, period_text, unit, "重点项目情况表", columns, projects,
        start_row, start_col, False, True)], engine=engine)


def _return_sheet(name, form_code, reporter, period_text, unit, title, columns, rows, r0, c0, apart, footer) -> Sheet:
    s = Sheet(name)
    width = len(columns)
    r = r0
    if title:
        s.put(r, c0, Merged(title, width))
        r += 1
    s.put(r, c0, f"表号：{form_code}表")
    s.put(r, c0 + 3, "制定机关：示例区统计局")
    s.put(r, c0 + 5, "文号：示统字〔2023〕1号")
    r += 1
    block = [("填报单位：", reporter), ("报告期：", period_text)] + ([("计量单位：", unit)] if unit else [])
    for (label, value), c in zip(block, (c0, c0 + 3, c0 + 5)):
        if apart or not isinstance(value, str):
            s.put(r, c, label)
            s.put(r, c + 1, value)
        else:
            s.put(r, c, label + value)
    r += 1
    r = _header(s, r, c0, columns)
    for row in rows:
        if isinstance(row, str):
            s.put(r, c0, row)
        elif row is not None:
            for c, v in enumerate(row):
                s.put(r, c0 + c, v)
        r += 1
    if footer:
        for c, text in enumerate(FOOTER):
            s.put(r + 1, c0 + c, text)
    return s


def _header(s: Sheet, r: int, c0: int, columns: Sequence[str | tuple[str, str]]) -> int:
    """Write the column header from row ``r``; the row where data starts."""
    if not any(isinstance(w, tuple) for w in columns):
        for c, w in enumerate(columns):
            s.put(r, c0 + c, w)
        return r + 1
    c = 0
    while c < len(columns):
        w = columns[c]
        if isinstance(w, str):
            s.put(r, c0 + c, w)
            s.merges.append((r, c0 + c, r + 1, c0 + c))
            c += 1
            continue
        span = 1
        while c + span < len(columns) and isinstance(columns[c + span], tuple) and columns[c + span][0] == w[0]:
            span += 1
        s.put(r, c0 + c, Merged(w[0], span))
        for k in range(span):
            s.put(r + 1, c0 + c + k, columns[c + k][1])
        c += span
    return r + 2


def workbook(sheets: Sequence[Sheet], *, engine: str = "openpyxl") -> bytes:
    """The bytes of an .xlsx holding ``sheets``, written by ``engine``."""
    return {"openpyxl": _openpyxl, "xlsxwriter": _xlsxwriter}[engine](sheets)


def _openpyxl(sheets: Sequence[Sheet]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for spec in sheets:
        if spec.chart:
            chart = BarChart()
            chart.add_data(Reference(book.worksheets[0], min_col=1, min_row=1, max_row=3))
            book.create_chartsheet(spec.name).add_chart(chart)
            continue
        ws = book.create_sheet(spec.name)
        for (r, c), v in spec.cells.items():
            cell = ws.cell(r + 1, c + 1)
            if isinstance(v, Percent):
                cell.value, cell.number_format = v.value, "0.0%"
            elif isinstance(v, Formula):
                cell.value = v.text
            else:
                cell.value = v
                if isinstance(v, (dt.date, dt.datetime)):
                    cell.number_format = "yyyy-mm-dd"
        for r0, c0, r1, c1 in spec.merges:
            ws.merge_cells(f"{get_column_letter(c0 + 1)}{r0 + 1}:{get_column_letter(c1 + 1)}{r1 + 1}")
        if spec.hidden:
            ws.sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsxwriter(sheets: Sequence[Sheet]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False})
    percent = book.add_format({"num_format": "0.0%"})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    first = next(s.name for s in sheets if not s.chart)
    for spec in sheets:
        if spec.chart:
            chart = book.add_chart({"type": "column"})
            chart.add_series({"values": f"='{first}'!$A$1:$A$3"})
            book.add_chartsheet(spec.name).set_chart(chart)
            continue
        ws = book.add_worksheet(spec.name)
        merged = {(r0, c0): (r1, c1) for r0, c0, r1, c1 in spec.merges}
        covered = {(r, c) for r0, c0, r1, c1 in spec.merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        for (r0, c0), (r1, c1) in merged.items():
            ws.merge_range(r0, c0, r1, c1, None)
        for (r, c), v in spec.cells.items():
            if (r, c) in covered and (r, c) not in merged:
                continue
            if isinstance(v, Percent):
                ws.write_number(r, c, v.value, percent)
            elif isinstance(v, Formula):
                ws.write_formula(r, c, v.text, None, v.cached if v.cached is not None else 0)
            elif isinstance(v, (dt.date, dt.datetime)):
                ws.write_datetime(r, c, v, date)
            elif isinstance(v, str):
                ws.write_string(r, c, v)
            else:
                ws.write(r, c, v)
        if spec.hidden:
            ws.hide()
    book.close()
    return out.getvalue()
