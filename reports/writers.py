"""Writing a summary's tables as the files a clerk opens: .xlsx (a sheet per section, native charts), .csv and .md."""
from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from statreturns.reports import paper
from statreturns.reports.files import XLSX_OPTIONS, md_text, write_csv, write_text, xml_safe
from statreturns.reports.files import rows as frame_rows
from statreturns.reports.summary import YI_UNIT, Summary, sections
from statreturns.schemas.catalogue import load_catalogue
from statreturns.schemas.text import months_covered

TABLES_STEM = "汇总表"
PROJECTS_STEM = "重点项目"
ALL_SHEET = "汇总表"
MONTHLY_SHEET = "逐月累计"
PROJECT_SHEET = "项目清单"
PROJECT_SHEET_ROWS = 1000  # projects listed in the workbook and the Markdown; all of them are in 重点项目.csv
THIS_YEAR, LAST_YEAR = "#C0504D", "#7F7F7F"
FIGURE_COLUMNS = {
    "section": "板块", "form_code": "表号", "indicator_code": "代码", "indicator_name": "指标", "unit": "计量单位",
    "month_value": "本月", "ytd_value": "本年累计", "prior_ytd_value": "上年同期累计", "yoy_pct": "同比增长(%)",
    "covers": "数据期", "note": "说明",
}
SECTION_COLUMNS = {k: v for k, v in FIGURE_COLUMNS.items() if k != "section"}
PROJECT_COLUMNS = {
    "org_name": "填报单位", "project_name": "项目名称", "status": "项目状态", "total_investment": "总投资(万元)",
    "location": "建设地点", "industry": "所属行业", "responsible": "责任单位",
}
WIDTHS = {"section": 10, "form_code": 7, "indicator_code": 7, "indicator_name": 30, "unit": 9, "month_value": 13,
          "ytd_value": 18, "prior_ytd_value": 14, "yoy_pct": 12, "covers": 9, "note": 36}
PROJECT_WIDTHS = {"org_name": 12, "project_name": 28, "status": 9, "total_investment": 14, "location": 14,
                  "industry": 26, "responsible": 22}
TEXT_SPAN = ("ytd_value", "prior_ytd_value", "yoy_pct")  # a text item (the villages of ZB04/ZB06) spans these cells
MONTHLY_WIDTHS = (30, 16, 9)  # 指标, 口径, 计量单位; then one column per month
MONTH_WIDTH = 13
CHART_SIZE = {"x_scale": 1.0, "y_scale": 0.9}  # 480 x 259 px
CHART_ROWS = 14  # rows a chart of CHART_SIZE covers, at the default row height
CHART_GAP = 500  # px from one chart's left edge to the next one's


def title(summary: Summary, what: str = "主要指标汇总表") -> str:
    return f"{summary.org_name}{summary.period.year}年{months_covered(summary.period)}{what}"


@cache  # the catalogue is built once a process, so a unit's places never change
def decimals(unit: str, column: str) -> int:
    """Decimal places of a figure in ``unit`` shown in ``column`` (the units' own, schemas/units.yaml)."""
    return load_catalogue().decimals_of("%" if column == "yoy_pct" else unit)


def _project_rows(summary: Summary) -> pd.DataFrame:
    """The ZB03 figures as table rows: the number of projects (个) per status, then their total investment (亿元)."""
    status = summary.project_status
    names, n = status["status"].tolist(), len(status)
    twice = {c: status[c].tolist() * 2 for c in ("section", "form_code", "covers", "note")}
    # one frame from lists: a frame per measure and their concat cost several times more on a handful of rows
    return pd.DataFrame({**twice, "indicator_code": names * 2,
                         "indicator_name": [s + "项目个数" for s in names] + [s + "项目总投资" for s in names],
                         "unit": ["个"] * n + [YI_UNIT] * n,
                         "ytd_value": status["count"].tolist() + status["total_investment_yi"].tolist()})


def table_rows(summary: Summary) -> pd.DataFrame:
    """Every figure of the summary as a table row, by section; a text item's content stands in its 本年累计."""
    figures, text = summary.figures, summary.figures["text_value"]
    shown = figures[list(FIGURE_COLUMNS)].assign(ytd_value=figures["ytd_value"].astype(object).where(text.isna(), text))
    both = pd.concat([shown, _project_rows(summary)], ignore_index=True)
    # by section in the narrative's order, a section's figures before its projects (a stable sort keeps them so)
    rank = {s.name: i for i, s in enumerate(sections())}
    names = both["section"].tolist()
    order = sorted((i for i, name in enumerate(names) if name in rank), key=lambda i: rank[names[i]])
    return both.take(order).reset_index(drop=True)


def _empty(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)  # NaN: itself unequal


# ---------------------------------------------------------------- xlsx


class _Book:
    """An xlsxwriter workbook with the summary's cell formats."""

    def __init__(self, path: Path):
        self.book = xlsxwriter.Workbook(str(path), XLSX_OPTIONS)
        add = self.book.add_format
        self.title = add({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter", "text_wrap": True})
        self.head = add({"bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center", "valign": "vcenter",
                         "text_wrap": True})
        self.section = add({"bold": True, "bg_color": "#F2F2F2", "border": 1, "text_wrap": True})
        self.caption = add({"bold": True, "text_wrap": True, "valign": "top"})
        self.text = add({"border": 1, "text_wrap": True, "valign": "vcenter"})
        self.numbers = {d: add({"border": 1, "valign": "vcenter", "align": "right",
                                "num_format": "#,##0" + ("." + "0" * d if d else "")}) for d in (0, 1, 2)}

    def cell(self, value: object, places: int = 2) -> tuple:
        """``value`` as a cell for ``_put``: (write method, value, format), a text as ``write_text`` would write it."""
        if _empty(value):
            return Worksheet.write_blank, None, self.text
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return Worksheet.write_number, value, self.numbers[places]
        return Worksheet.write_string, xml_safe(str(value)), self.text

    def merged(self, ws, r: int, c0: int, c1: int, text: str, fmt) -> None:
        """A text across columns ``c0``..``c1`` of row ``r``, as a string cell."""
        ws.merge_range(r, c0, r, c1, "", fmt)
        write_text(ws, r, c0, text, fmt)

    def header(self, ws, r: int, labels: list[str]) -> None:
        for c, label in enumerate(labels):
            ws.write_string(r, c, label, self.head)


def _put(ws, r: int, c: int, cell: tuple) -> None:
    """A cell of ``_Book.cell`` into ``ws``: worked out once, it can be put on more than one sheet."""
    write, value, fmt = cell
    write(ws, r, c, value, fmt)


def _printable(ws, header_rows: int, freeze_col: int) -> None:
    """A4 landscape, one page wide, the title and header repeated on every page, the header frozen on screen."""
    ws.freeze_panes(header_rows, freeze_col)
    paper.printable(ws, (0, header_rows - 1))


class _Line(NamedTuple):
    """A table row as written on a sheet: its cells by FIGURE_COLUMNS (None where a text item spans), the text item,
    and the row's height (None: one line)."""
    row: tuple
    cells: list
    text: str | None
    height: float | None


def _lines(bk: _Book, rows: list[tuple]) -> list[_Line]:
    """The table rows as lines, worked out once for 汇总表 and the section's sheet: numbers in their unit's decimals,
    each row as tall as its wrapped text needs (the two sheets give a column the same width)."""
    keys = list(FIGURE_COLUMNS)
    span = sum(WIDTHS[k] for k in TEXT_SPAN)
    lines = []
    for row in rows:
        text = row.ytd_value if isinstance(row.ytd_value, str) else None
        cells = [None if text is not None and key in TEXT_SPAN else bk.cell(getattr(row, key), decimals(row.unit, key))
                 for key in keys]
        wrapped = [(getattr(row, k), WIDTHS[k]) for k in ("indicator_name", "note", "unit", "covers")]
        if text is not None:
            wrapped.append((text, span))
        lines.append(_Line(row, cells, text, paper.row_height(wrapped)))
    return lines


def _by_section(items: list, section=lambda item: item.section) -> dict[str, list]:
    """Table rows, or what is made of them, by section in the order the sections first come (as groupby gives)."""
    parts: dict[str, list] = {}
    for item in items:
        parts.setdefault(section(item), []).append(item)
    return parts


def _figure_rows(bk: _Book, ws, lines: list[_Line], columns: dict[str, str], start: int) -> int:
    """The figures from row ``start`` under ``columns`` (FIGURE_COLUMNS or the last of them), a text item across the
    value columns; returns the row after the last."""
    keys = list(columns)
    skip = list(FIGURE_COLUMNS).index(keys[0])
    first, last = keys.index(TEXT_SPAN[0]), keys.index(TEXT_SPAN[-1])
    for r, line in enumerate(lines, start=start):
        for c, cell in enumerate(line.cells[skip:]):
            if cell:
                _put(ws, r, c, cell)
        if line.text is not None:
            bk.merged(ws, r, first, last, line.text, bk.text)
        if line.height:
            ws.set_row(r, line.height)
    return start + len(lines)


def _all_sheet(bk: _Book, summary: Summary, parts: dict[str, list[_Line]]) -> None:
    ws = bk.book.add_worksheet(ALL_SHEET)
    cols = list(FIGURE_COLUMNS)
    bk.merged(ws, 0, 0, len(cols) - 1, title(summary), bk.title)
    bk.header(ws, 1, list(FIGURE_COLUMNS.values()))
    for c, key in enumerate(cols):
        ws.set_column(c, c, WIDTHS[key])
    r = 2
    for section, lines in parts.items():
        bk.merged(ws, r, 0, len(cols) - 1, section, bk.section)
        r = _figure_rows(bk, ws, lines, FIGURE_COLUMNS, r + 1)
    _printable(ws, 2, 4)


def _monthly_sheet(bk: _Book, summary: Summary, keys: list[str]) -> dict[str, tuple[int, int]]:
    """逐月累计: per yoy indicator, 本年累计 and 上年同期累计 month by month; returns each key's two data rows."""
    ws = bk.book.add_worksheet(MONTHLY_SHEET)
    year, months = summary.period.year, list(range(1, summary.period.month + 1))
    labels = ["指标", "口径", "计量单位", *[f"{m}月" for m in months]]
    bk.merged(ws, 0, 0, len(labels) - 1, title(summary, "逐月累计（本年与上年同期）"), bk.title)
    bk.header(ws, 1, labels)
    for c, width in enumerate(MONTHLY_WIDTHS):
        ws.set_column(c, c, width)
    ws.set_column(3, 3 + len(months), MONTH_WIDTH)
    rows, r = {}, 2
    for key in keys:
        name, unit = summary.by_key[key].indicator_name, summary.by_key[key].unit
        places, curve = decimals(unit, "ytd_value"), summary.curves.get(key, {})
        for i, label in enumerate((f"{year}年累计", f"{year - 1}年同期累计")):  # as the curves hold them
            write_text(ws, r, 0, name, bk.text)
            write_text(ws, r, 1, label, bk.text)
            write_text(ws, r, 2, unit, bk.text)
            height = paper.row_height(zip((name, label, unit), MONTHLY_WIDTHS))
            if height:
                ws.set_row(r, height)
            for c, m in enumerate(months, start=3):
                _put(ws, r, c, bk.cell(curve.get(m, (None, None))[i], places))
            r += 1
        rows[key] = (r - 2, r - 1)
    _printable(ws, 2, 3)
    return rows


def _curve_charts(bk: _Book, ws, summary: Summary, keys: list[str], rows: dict[str, tuple[int, int]], at: int) -> None:
    """A native line chart per yoy indicator, below the section's table, two abreast."""
    last_col = 2 + summary.period.month
    for j, key in enumerate(keys):
        chart = bk.book.add_chart({"type": "line"})
        for row, colour, dash in zip(rows[key], (THIS_YEAR, LAST_YEAR), ("solid", "dash")):
            chart.add_series({
                "name": [MONTHLY_SHEET, row, 1], "categories": [MONTHLY_SHEET, 1, 3, 1, last_col],
                "values": [MONTHLY_SHEET, row, 3, row, last_col],
                "marker": {"type": "circle", "fill": {"color": colour}, "border": {"color": colour}},
                "line": {"color": colour, "dash_type": dash},
            })
        name = f"{summary.by_key[key].indicator_name}累计（{summary.by_key[key].unit}）"
        chart.set_title({"name": name, "name_font": {"size": 11}})
        chart.set_legend({"position": "bottom"})
        ws.insert_chart(at + (j // 2) * CHART_ROWS, 0, chart, {**CHART_SIZE, "x_offset": (j % 2) * CHART_GAP})


def _status_chart(bk: _Book, ws, first: int, last: int, at: int) -> None:
    """A native column chart of total investment per project status, from the section's 总投资 rows."""
    col = list(SECTION_COLUMNS).index
    chart = bk.book.add_chart({"type": "column"})
    chart.add_series({
        "name": "总投资(亿元)", "categories": [ws.name, first, col("indicator_code"), last, col("indicator_code")],
        "values": [ws.name, first, col("ytd_value"), last, col("ytd_value")], "data_labels": {"value": True},
        "fill": {"color": "#4F81BD"},
    })
    chart.set_title({"name": "重点项目总投资（亿元，按项目状态）", "name_font": {"size": 11}})
    chart.set_legend({"none": True})
    ws.insert_chart(at, 0, chart, CHART_SIZE)


def _more_projects(summary: Summary, shown: int) -> str:
    return f"共{len(summary.projects)}个项目，此处列出前{shown}个，全部见 {PROJECTS_STEM}.csv"


def _project_sheet(bk: _Book, summary: Summary) -> None:
    """The project list; a very large district's stops at PROJECT_SHEET_ROWS and points to the full CSV."""
    ws = bk.book.add_worksheet(PROJECT_SHEET)
    cols = list(PROJECT_COLUMNS)
    bk.merged(ws, 0, 0, len(cols) - 1, title(summary, "重点项目清单"), bk.title)
    bk.header(ws, 1, list(PROJECT_COLUMNS.values()))
    for c, key in enumerate(cols):
        ws.set_column(c, c, PROJECT_WIDTHS[key])
    shown = summary.projects.head(PROJECT_SHEET_ROWS)
    for r, row in enumerate(frame_rows(shown), start=2):
        for c, key in enumerate(cols):
            _put(ws, r, c, bk.cell(getattr(row, key)))
        height = paper.row_height((getattr(row, k), PROJECT_WIDTHS[k]) for k in cols)
        if height:
            ws.set_row(r, height)
    if len(summary.projects) > len(shown):
        bk.merged(ws, 2 + len(shown), 0, len(cols) - 1, _more_projects(summary, len(shown)), bk.caption)
    _printable(ws, 2, 2)


def _section_sheet(bk: _Book, ws, summary: Summary, lines: list[_Line], curves: dict[str, tuple[int, int]]) -> None:
    """A section's figures (SECTION_COLUMNS of its lines), then its native charts: the yoy curves, or the projects'
    investment by status."""
    cols = list(SECTION_COLUMNS)
    bk.merged(ws, 0, 0, len(cols) - 1, title(summary, ws.name), bk.title)
    bk.header(ws, 1, list(SECTION_COLUMNS.values()))
    for c, key in enumerate(cols):
        ws.set_column(c, c, WIDTHS[key])
    end = _figure_rows(bk, ws, lines, SECTION_COLUMNS, 2)
    if curves:
        _curve_charts(bk, ws, summary, list(curves), curves, end + 1)
    project_forms = set(summary.project_status["form_code"])
    totals = [i for i, line in enumerate(lines) if line.row.form_code in project_forms and line.row.unit == YI_UNIT]
    if totals:
        _status_chart(bk, ws, 2 + totals[0], 2 + totals[-1], end + 1)
    _printable(ws, 2, 3)


def write_xlsx(summary: Summary, rows: pd.DataFrame, curve_keys: list[str], path: Path) -> None:
    """The printable workbook: 汇总表 (every figure), a sheet per section with native charts, 逐月累计, 项目清单."""
    bk = _Book(path)
    parts = _by_section(_lines(bk, frame_rows(rows)), section=lambda line: line.row.section)
    _all_sheet(bk, summary, parts)
    sheets = [bk.book.add_worksheet(section) for section in parts]  # in the narrative's order, filled below
    curves = _monthly_sheet(bk, summary, curve_keys)
    _project_sheet(bk, summary)
    for ws, (section, lines) in zip(sheets, parts.items()):
        mine = {k: v for k, v in curves.items() if summary.by_key[k].section == section}
        _section_sheet(bk, ws, summary, lines, mine)
    bk.book.close()


# ---------------------------------------------------------------- csv and md


def write_csvs(summary: Summary, rows: pd.DataFrame, folder: Path) -> None:
    write_csv(rows, folder / f"{TABLES_STEM}.csv", FIGURE_COLUMNS)
    write_csv(summary.projects, folder / f"{PROJECTS_STEM}.csv", PROJECT_COLUMNS)


def display(value: object, places: int) -> str:
    """A table cell as text: thousands separators, the unit's decimals, blank for no figure, one line."""
    if _empty(value):
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:,.{places}f}"
    return str(value).replace("|", "/").replace("\n", " ")


def _md_cell(value: object, places: int) -> str:
    """A table cell as Markdown: its text shown literally (a number's text holds nothing Markdown would read)."""
    text = display(value, places)
    return text if isinstance(value, (int, float)) else md_text(text)


def md_table(rows: list[tuple], labels: dict[str, str], unit_of=lambda row: "") -> list[str]:
    """A Markdown table whose cells show their text literally (a return's text never becomes markup)."""
    lines = ["| " + " | ".join(labels.values()) + " |", "|" + "---|" * len(labels)]
    for row in rows:
        lines.append("| " + " | ".join(_md_cell(getattr(row, k), decimals(unit_of(row), k)) for k in labels) + " |")
    return lines


def write_md(summary: Summary, rows: pd.DataFrame, charts: list, path: Path) -> None:
    """The tables as Markdown, a section each, with the section's charts (reports.charts.Chart)."""
    lines = [f"# {md_text(title(summary))}", ""]
    project_sections = set(summary.project_status["section"])
    for section, part in _by_section(frame_rows(rows)).items():
        lines += [f"## {section}", ""] + md_table(part, SECTION_COLUMNS, unit_of=lambda r: r.unit) + [""]
        lines += [f"![{c.title}]({c.path.relative_to(path.parent).as_posix()})" for c in charts if c.section == section]
        if section in project_sections:
            shown = summary.projects.head(PROJECT_SHEET_ROWS)
            lines += ["", "### 项目清单", ""] + md_table(frame_rows(shown), PROJECT_COLUMNS, unit_of=lambda r: "万元")
            lines += [_more_projects(summary, len(shown))] if len(summary.projects) > len(shown) else []
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
