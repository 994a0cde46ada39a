"""查询清单: the figures of a month the office should query, most suspicious first, with 重复修改 and 修改痕迹."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import pandas as pd
import xlsxwriter

from statreturns.reports import files, paper
from statreturns.schemas.catalogue import Catalogue
from statreturns.schemas.text import period_label
from statreturns.warehouse.quality import HISTORY, PEERS, REPEATED, number, outlier_queries
from statreturns.warehouse.revisions import period_revisions, repeated_revisions
from statreturns.warehouse.store import Warehouse

FILE_NAME = "查询清单.xlsx"
# the printed list: a few composed columns, so that it fits A4 landscape one page wide at a readable size
SHOWN = {"rank": ("序号", 5), "org_name": ("单位", 10), "form_code": ("表号", 6), "indicator": ("指标", 18),
         "measure": ("数别", 8), "reported": ("填报值", 11), "expected": ("应在", 16), "score": ("偏离", 6),
         "rule_name": ("查询类型", 14), "why": ("依据", 32), "source": ("来源", 28), "said": ("说明", 22)}
REPEATED_SHOWN = {"org_name": ("单位", 12), "form_code": ("表号", 7), "revisions": ("更正次数", 9),
                  "files": ("先后报送的文件", 80)}
CHANGES_SHOWN = {"org_name": ("单位", 10), "form_code": ("表号", 6), "revision": ("第几次更正", 8),
                 "indicator": ("指标", 20), "measure": ("数别", 10), "old": ("原数", 12), "new": ("更正后", 12),
                 "old_file": ("原文件", 32), "new_file": ("更正文件", 32), "new_cell": ("单元格", 7)}
MEASURES = {"month": "本月", "ytd": "本年累计", "prior_ytd": "上年同期累计", "text": "文字"}


@dataclass(frozen=True)
class Queries:
    """A month's queries: flagged figures (QUERY_COLUMNS), returns corrected too often, and every change made."""

    period: dt.date
    figures: pd.DataFrame
    repeated: pd.DataFrame
    changes: pd.DataFrame
    least: int = 3  # corrections from which a return is 重复修改


def read_queries(wh: Warehouse, cat: Catalogue, period: dt.date) -> Queries:
    """The 查询清单 of ``period``, read-only from the published snapshot."""
    names = {o.code: o.name for o in cat.orgs}
    least = int(cat.rules[REPEATED].params.get("min_revisions", 3))
    with wh.reader() as con:
        figures = outlier_queries(con, cat, period)
        repeated = repeated_revisions(con, period, least)
        changes = period_revisions(con, period)
    repeated = repeated.assign(org_name=repeated["org_code"].map(names))
    return Queries(period, figures, repeated, changes, least)


def _range(r) -> str:
    return f"{number(r.expected_low)}至{number(r.expected_high)}"


def table_text(q: Queries) -> list[str]:
    """The list for the terminal: counts, then each query, strongest first."""
    f = q.figures
    counts = f["rule"].value_counts()
    lines = [f"{period_label(q.period)}查询清单：需核实的数 {len(f)} 个（与本单位往月不符 {counts.get(HISTORY, 0)} 个、"
             f"与其他单位不符 {counts.get(PEERS, 0)} 个，已说明 {int(f['explained'].sum())} 个）；"
             f"重复修改的报表 {len(q.repeated)} 张；更正改动的数 {len(q.changes)} 个"]
    for r in f.itertuples(index=False):
        said = f"；已说明：{r.explanation}" if r.explained else ""
        lines.append(files.xml_safe(
            f"  {r.rank}. {r.org_name} {r.form_code}表{r.indicator_code} {r.indicator_name}{r.measure}"
            f" {number(r.value)}{r.unit or ''}，应在{_range(r)}；{r.rule_name}，偏离 {r.score}（{r.why}）；"
            f"《{r.file_name}》{r.cell}{said}"))
    if f.empty:
        lines.append("  没有需要查询的数")
    if len(q.repeated):
        lines += ["", "重复修改："]
        lines += [files.xml_safe(f"  {r.org_name} {r.form_code}表 更正 {r.revisions} 次：{r.files}")
                  for r in q.repeated.itertuples(index=False)]
    return lines


def write_csv(q: Queries, target: Path | TextIO) -> Path | None:
    """One row per flagged figure, with org, form and indicator codes (UTF-8 with a BOM to a file)."""
    return files.write_csv(q.figures.drop(columns=["sha256"]), target)


def queries_path(out: Path, period: dt.date) -> Path:
    return out / period.strftime("%Y-%m") / FILE_NAME


def _changes(q: Queries) -> pd.DataFrame:
    c = q.changes
    shown = lambda v, t: t if isinstance(t, str) else number(v)  # noqa: E731
    return c.assign(measure=c["measure"].map(MEASURES),
                    indicator=c["indicator_code"] + " " + c["indicator_name"].fillna(""),
                    old=[shown(v, t) for v, t in zip(c["old_value"], c["old_text"])],
                    new=[shown(v, t) for v, t in zip(c["new_value"], c["new_text"])])


def _figures(q: Queries) -> pd.DataFrame:
    f = q.figures
    return f.assign(
        indicator=f["indicator_code"] + " " + f["indicator_name"],
        reported=[f"{number(v)}{u or ''}" for v, u in zip(f["value"], f["unit"])],
        expected=[f"{number(lo)}至{number(hi)}" for lo, hi in zip(f["expected_low"], f["expected_high"])],
        source=[f"《{name}》{cell}" for name, cell in zip(f["file_name"], f["cell"])],
        said=f["explanation"].where(f["explained"], "（未说明）"),
    )


def _sheet(book, fmt: dict, name: str, title: str, frame: pd.DataFrame, shown: dict[str, tuple[str, int]],
           marked: pd.Series | None = None) -> None:
    ws = book.add_worksheet(name)
    files.write_text(ws, 0, 0, title, fmt["title"])
    widths = [w for _, w in shown.values()]
    for c, (label, width) in enumerate(shown.values()):
        files.write_text(ws, 2, c, label, fmt["head"])
        ws.set_column(c, c, width)
    for r, row in enumerate(frame.reindex(columns=list(shown)).itertuples(index=False), start=3):
        style = fmt["open"] if marked is not None and marked.iloc[r - 3] else fmt["cell"]
        for c, v in enumerate(row):
            if v is None or (isinstance(v, float) and pd.isna(v)):
                ws.write_blank(r, c, None, style)
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                ws.write_number(r, c, v, style)
            else:
                files.write_text(ws, r, c, v, style)
        height = paper.row_height(zip(row, widths))
        if height:
            ws.set_row(r, height)
    if frame.empty:
        files.write_text(ws, 3, 0, "无", fmt["cell"])
    ws.freeze_panes(3, 0)
    paper.printable(ws, (2, 2))


def write_xlsx(q: Queries, path: Path) -> Path:
    """The 查询清单 workbook: the queries (open ones shaded), 重复修改, and every change corrections made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), files.XLSX_OPTIONS)
    fmt = {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "head": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}),
        "cell": book.add_format({"border": 1, "text_wrap": True, "valign": "top"}),
        "open": book.add_format({"border": 1, "text_wrap": True, "valign": "top", "bg_color": "#FFEB9C"}),
    }
    label = period_label(q.period)
    _sheet(book, fmt, "查询清单", f"{label}统计数据查询清单（偏离程度从大到小；黄色为未说明）", _figures(q), SHOWN,
           marked=~q.figures["explained"])
    _sheet(book, fmt, "重复修改", f"{label}重复修改的报表（同一期更正{q.least}次及以上）", q.repeated, REPEATED_SHOWN)
    _sheet(book, fmt, "修改痕迹", f"{label}更正报表改动的数", _changes(q), CHANGES_SHOWN)
    book.close()
    return path
