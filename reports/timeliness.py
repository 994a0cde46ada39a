"""报送及时率: for each month of a year, how many of the returns due came in (报送率) and came in by the deadline
(及时率), per org and per department, as a table and as a chart in the office's workbook."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import pandas as pd
import xlsxwriter

from statreturns.reports import files, paper
from statreturns.reports.status import deadline
from statreturns.schemas.catalogue import Catalogue
from statreturns.warehouse.db import query
from statreturns.warehouse.store import Warehouse

FILE_NAME = "报送及时率.xlsx"
CHART_ROWS = 17  # rows a chart of the default size, scaled 1.1, covers
DISTRICT = "全区"
COLUMNS = ("year", "month", "by", "name", "due", "reported", "on_time", "reporting_rate", "on_time_rate")


@dataclass(frozen=True)
class Timeliness:
    """One row per (month, org or department, or the district): returns due, reported, on time, and the rates (%)."""

    year: int
    day: int
    hour: int
    table: pd.DataFrame  # COLUMNS

    @property
    def months(self) -> list[int]:
        return sorted(self.table["month"].unique())

    def rates(self, by: str, rate: str) -> pd.DataFrame:
        """Name × month of one rate (``reporting_rate`` or ``on_time_rate``), with the year's rate last."""
        rows = self.table[self.table["by"] == by]
        order = list(dict.fromkeys(rows["name"]))
        grid = rows.pivot(index="name", columns="month", values=rate).reindex(order)
        grid.columns = [f"{m}月" for m in grid.columns]
        totals = rows.groupby("name", sort=False)[["due", "reported", "on_time"]].sum()
        part = totals["reported" if rate == "reporting_rate" else "on_time"]
        return grid.assign(全年=(part / totals["due"] * 100).round(1).reindex(order)).reset_index()


def _rates(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(reporting_rate=(frame["reported"] / frame["due"] * 100).round(1),
                        on_time_rate=(frame["on_time"] / frame["due"] * 100).round(1))


def timeliness_table(received: pd.DataFrame, cat: Catalogue, year: int, day: int, hour: int,
                     months: list[int]) -> Timeliness:
    """Rates from the first error-free return of each org × form × month (``received``: org_code, form_code,
    period, first_accepted_at); every registered org owes every form of the catalogue each month."""
    got = {(r.org_code, r.form_code, pd.Timestamp(r.period).month): r.first_accepted_at
           for r in received.itertuples(index=False) if pd.notna(r.first_accepted_at)}
    cells = []
    for m in months:
        due = deadline(dt.date(year, m, 1), day, hour)
        for org in cat.orgs:
            for form in cat.forms.values():
                first = got.get((org.code, form.code, m))
                cells.append((m, org.name, form.department, 1, first is not None,
                              first is not None and pd.Timestamp(first) <= due))
    frame = pd.DataFrame(cells, columns=["month", "org", "department", "due", "reported", "on_time"])
    parts = []
    for by, key in (("org", "org"), ("department", "department"), ("district", None)):
        grouped = frame.groupby(["month", key] if key else ["month"], sort=False)
        sums = grouped[["due", "reported", "on_time"]].sum().reset_index()
        parts.append(sums.assign(by=by, name=sums[key] if key else DISTRICT))
    table = _rates(pd.concat(parts, ignore_index=True).astype({"due": int, "reported": int, "on_time": int}))
    return Timeliness(year, day, hour, table.assign(year=year).reindex(columns=list(COLUMNS)))


def read_timeliness(wh: Warehouse, cat: Catalogue, year: int, day: int, hour: int) -> Timeliness:
    """The year's rates from the warehouse, for January to the last month any return of the year came in for."""
    with wh.reader() as con:
        received = query(con, "timeliness", year=year)
    last = int(pd.to_datetime(received["period"]).dt.month.max()) if not received.empty else 0
    return timeliness_table(received, cat, year, day, hour, list(range(1, last + 1)))


def _deadline_words(t: Timeliness) -> str:
    return f"次月{t.day}日（含）前" if t.hour == 24 else f"次月{t.day}日{t.hour}时前"


def table_text(t: Timeliness) -> list[str]:
    """The rates for the terminal: the district, then per department and per org, month by month."""
    if t.table.empty:
        return [f"{t.year}年没有收到任何报表"]
    lines = [f"{t.year}年1-{t.months[-1]}月报送率和及时率（%）；截止时间为{_deadline_words(t)}"]
    for by, title in (("district", "全区"), ("department", "按部门"), ("org", "按单位")):
        for rate, words in (("reporting_rate", "报送率"), ("on_time_rate", "及时率")):
            grid = t.rates(by, rate)
            lines += ["", f"{title}{words}：", "  " + "\t".join(["", *grid.columns[1:]])]
            lines += ["  " + "\t".join(str(v) for v in row) for row in grid.itertuples(index=False)]
    return [files.xml_safe(line) for line in lines]


def write_csv(t: Timeliness, target: Path | TextIO) -> Path | None:
    return files.write_csv(t.table, target)


def timeliness_path(out: Path, year: int) -> Path:
    return out / str(year) / FILE_NAME


def _grid(ws, fmt: dict, top: int, title: str, grid: pd.DataFrame, first: str) -> int:
    """A rate grid under its title; returns the row after it."""
    files.write_text(ws, top, 0, title, fmt["bold"])
    for c, label in enumerate([first, *grid.columns[1:]]):
        files.write_text(ws, top + 1, c, label, fmt["head"])
    for r, row in enumerate(grid.itertuples(index=False), start=top + 2):
        files.write_text(ws, r, 0, row[0], fmt["cell"])
        for c, v in enumerate(row[1:], start=1):
            if pd.notna(v):
                ws.write_number(r, c, float(v), fmt["rate"])
            else:
                ws.write_blank(r, c, None, fmt["cell"])
    end = top + 1 + len(grid)
    ws.conditional_format(top + 2, 1, end, len(grid.columns) - 1, {"type": "cell", "criteria": "<", "value": 80, "format": fmt["low"]})
    ws.conditional_format(top + 2, 1, end, len(grid.columns) - 1, {"type": "cell", "criteria": "<", "value": 100, "format": fmt["short"]})
    return end + 2


def _rate_sheet(book, fmt: dict, t: Timeliness, by: str, name: str, first: str) -> None:
    ws = book.add_worksheet(name)
    files.write_text(ws, 0, 0, f"{t.year}年{name}报送率、及时率（%），截止时间为{_deadline_words(t)}", fmt["title"])
    ws.set_column(0, 0, 18)
    ws.set_column(1, len(t.months) + 1, 8)
    row = _grid(ws, fmt, 2, "报送率：收到无误报表的张数 ÷ 应报张数", t.rates(by, "reporting_rate"), first)
    _grid(ws, fmt, row, "及时率：截止前收到无误报表的张数 ÷ 应报张数", t.rates(by, "on_time_rate"), first)
    paper.printable(ws)


def _chart_sheet(book, fmt: dict, t: Timeliness) -> None:
    """The district's two rates month by month as a line chart, and each org's year as columns, from a data table."""
    ws = book.add_worksheet("图表")
    files.write_text(ws, 0, 0, f"{t.year}年报送率和及时率", fmt["title"])
    district = t.table[t.table["by"] == "district"]
    for c, label in enumerate(["月份", "报送率(%)", "及时率(%)"]):
        files.write_text(ws, 1, c, label, fmt["head"])
    for r, row in enumerate(district.itertuples(index=False), start=2):
        files.write_text(ws, r, 0, f"{row.month}月", fmt["cell"])
        ws.write_number(r, 1, float(row.reporting_rate), fmt["rate"])
        ws.write_number(r, 2, float(row.on_time_rate), fmt["rate"])
    last = 1 + len(district)
    line = book.add_chart({"type": "line"})
    for c, name in ((1, "报送率"), (2, "及时率")):
        line.add_series({"name": name, "categories": ["图表", 2, 0, last, 0], "values": ["图表", 2, c, last, c],
                         "marker": {"type": "circle"}})
    line.set_title({"name": "全区各月报送率和及时率（%）"})
    line.set_y_axis({"min": 0, "max": 100})
    ws.insert_chart(1, 4, line, {"x_scale": 1.4, "y_scale": 1.1})

    orgs = t.rates("org", "on_time_rate")
    reported = t.rates("org", "reporting_rate")
    top = max(last + 3, CHART_ROWS + 2)  # below the line chart
    for c, label in enumerate(["单位", "全年报送率(%)", "全年及时率(%)"]):
        files.write_text(ws, top, c, label, fmt["head"])
    for r, (name, rep, on) in enumerate(zip(orgs["name"], reported["全年"], orgs["全年"]), start=top + 1):
        files.write_text(ws, r, 0, name, fmt["cell"])
        ws.write_number(r, 1, float(rep), fmt["rate"])
        ws.write_number(r, 2, float(on), fmt["rate"])
    end = top + len(orgs)
    bars = book.add_chart({"type": "column"})
    for c, name in ((1, "全年报送率"), (2, "全年及时率")):
        bars.add_series({"name": name, "categories": ["图表", top + 1, 0, end, 0], "values": ["图表", top + 1, c, end, c]})
    bars.set_title({"name": "各单位全年报送率和及时率（%）"})
    bars.set_y_axis({"min": 0, "max": 100})
    ws.insert_chart(top, 4, bars, {"x_scale": 1.4, "y_scale": 1.2})
    ws.set_column(0, 0, 14)
    ws.set_column(1, 2, 12)
    paper.printable(ws)


def write_xlsx(t: Timeliness, path: Path) -> Path:
    """The workbook: a chart sheet, then the rates per org and per department, then the rows behind them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), files.XLSX_OPTIONS)
    fmt = {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "bold": book.add_format({"bold": True}),
        "head": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center"}),
        "cell": book.add_format({"border": 1}),
        "rate": book.add_format({"border": 1, "num_format": "0.0"}),
        "short": book.add_format({"bg_color": "#FFEB9C"}),  # below 100%
        "low": book.add_format({"bg_color": "#FFC7CE"}),  # below 80%
    }
    _chart_sheet(book, fmt, t)
    _rate_sheet(book, fmt, t, "org", "按单位", "单位")
    _rate_sheet(book, fmt, t, "department", "按部门", "部门")
    ws = book.add_worksheet("明细")
    labels = ["年", "月", "口径", "单位或部门", "应报", "已报", "按时", "报送率(%)", "及时率(%)"]
    for c, label in enumerate(labels):
        files.write_text(ws, 0, c, label, fmt["head"])
    kinds = {"org": "单位", "department": "部门", "district": "全区"}
    for r, row in enumerate(t.table.itertuples(index=False), start=1):
        values = [row.year, row.month, kinds[row.by], row.name, row.due, row.reported, row.on_time,
                  row.reporting_rate, row.on_time_rate]
        for c, v in enumerate(values):
            if isinstance(v, str):
                files.write_text(ws, r, c, v, fmt["cell"])
            else:
                ws.write_number(r, c, float(v), fmt["cell"])
    ws.set_column(3, 3, 18)
    book.close()
    return path
