"""催报: for a period, each org × form accepted, late, rejected (with the first reason) or missing; and the 催报单."""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import pandas as pd
import xlsxwriter

from statreturns.reports import files, paper
from statreturns.reports.received import received_returns
from statreturns.schemas.catalogue import Catalogue
from statreturns.warehouse.store import Warehouse

DUE_DAY, DUE_HOUR = 5, 24  # returns for a month are due on this day of the next month, at this hour (24: its end)
STATES = {"accepted": "已受理", "late": "迟报", "rejected": "退回", "missing": "缺报"}
ACTIONS = {"missing": "请尽快报送", "rejected": "请按回执（审核结果）修改后重新报送", "late": "已受理；下月请按时报送"}
# in_grid: the row is an org × form's state; the other rows are rejected files besides it (resolved: another
# return of the same org × form is accepted; else one that names no registered org or form, or an earlier try)
COLUMNS = ("period", "org_code", "org_name", "department", "form_code", "form_title", "status", "status_label",
           "file_name", "received_at", "reason", "open_warnings", "in_grid", "resolved")
LABELS = {"period": "期别", "org_code": "单位代码", "org_name": "单位", "department": "部门", "form_code": "表号",
          "form_title": "表名", "status_label": "报送情况", "file_name": "文件", "received_at": "收到时间",
          "reason": "原因", "open_warnings": "待核实提醒"}
UNKNOWN = "（未识别）"
FILE_NAME = "催报单.xlsx"


@dataclass(frozen=True)
class Status:
    """Who has reported for ``period`` by ``deadline``: one row per org × form, then the other rejected files."""

    period: dt.date
    deadline: dt.datetime
    table: pd.DataFrame  # COLUMNS

    @property
    def due_words(self) -> str:
        """The deadline as the office writes it (2023-07-05, or 2023-07-05 17:00)."""
        return due_text(self.deadline)

    @property
    def grid(self) -> pd.DataFrame:
        return self.table[self.table["in_grid"]]

    @property
    def stray(self) -> pd.DataFrame:
        """Rejected files no org × form of the registry and catalogue can hold."""
        keys = set(zip(self.grid["org_code"], self.grid["form_code"]))
        others = self.table[~self.table["in_grid"]]
        return others[[k not in keys for k in zip(others["org_code"], others["form_code"])]]

    @property
    def resolved(self) -> pd.DataFrame:
        """Rejected files whose org × form has an accepted return (sent again, or sent before)."""
        return self.table[self.table["resolved"]]

    def counts(self, by: str) -> pd.DataFrame:
        """Returns per state for each value of ``by`` (org_name or department), with the number due."""
        grid = pd.crosstab(self.grid[by], self.grid["status"]).reindex(columns=list(STATES), fill_value=0)
        order = list(dict.fromkeys(self.grid[by]))
        return grid.reindex(order).assign(due=lambda d: d.sum(axis=1)).reset_index()

    @property
    def chase(self) -> pd.DataFrame:
        """The rows the office chases: missing and rejected first, then late."""
        rank = {"missing": 0, "rejected": 1, "late": 2}
        todo = pd.concat([self.grid[self.grid["status"].isin(rank)], self.stray])
        ordered = todo.assign(_rank=todo["status"].map(rank)).sort_values(["_rank", "org_code", "form_code"], kind="stable")
        return ordered.drop(columns="_rank")


def deadline(period: dt.date, due_day: int = DUE_DAY, due_hour: int = DUE_HOUR) -> dt.datetime:
    """When ``period``'s returns are due: ``due_day`` of the next month (its last day when shorter) at ``due_hour``
    (24: the day's end). A return first received after it is late."""
    year, month = (period.year + 1, 1) if period.month == 12 else (period.year, period.month + 1)
    day = min(due_day, calendar.monthrange(year, month)[1])
    return dt.datetime(year, month, day) + dt.timedelta(hours=due_hour)


def due_text(due: dt.datetime) -> str:
    """A deadline as the office writes it: a day (to its end, included), or a day and an hour."""
    return f"{due - dt.timedelta(days=1):%Y-%m-%d}" if due.time() == dt.time() else f"{due:%Y-%m-%d %H:%M}"


def _precision(due: dt.datetime) -> str:
    """How a receipt time is written beside the deadline ``due``: to the day, or to the minute when it has an hour."""
    return "%Y-%m-%d" if due.time() == dt.time() else "%Y-%m-%d %H:%M"


_FIELDS = ["org_code", "form_code", "status", "file_name", "received_at", "open_warnings", "first_error"]


def _cells(returns: pd.DataFrame, due: dt.datetime) -> dict[tuple[str, str], dict]:
    """The state of each org × form that received anything, from its returns in the order received: accepted
    (or late, by its first error-free return), else rejected (by its last), with the file the office reads."""
    first: dict = {}
    taken: dict = {}  # the current accepted return, else the last superseded one
    rejected: dict = {}
    for row in returns[_FIELDS].itertuples(index=False, name=None):
        org, form, status, _, received, _, _ = row
        key = (org, form)
        if status in ("accepted", "superseded"):
            first[key] = min(first.get(key, received), received)
            if status == "accepted" or taken.get(key, row)[2] != "accepted":
                taken[key] = row
        elif status == "rejected":
            rejected[key] = row
    cells = {}
    for key, (_, _, _, file_name, _, warnings, _) in taken.items():
        when = pd.Timestamp(first[key])
        late = when > due
        cells[key] = {"status": "late" if late else "accepted", "file_name": file_name, "received_at": when,
                      "open_warnings": int(warnings),
                      "reason": f"{when:{_precision(due)}}报送，晚于截止日{due_text(due)}" if late else ""}
    for key, (_, _, _, file_name, received, _, error) in rejected.items():
        cells.setdefault(key, {"status": "rejected", "file_name": file_name, "received_at": pd.Timestamp(received),
                               "reason": _clean(error), "open_warnings": 0})
    return cells


def _missing(due: dt.datetime) -> dict:
    return {"status": "missing", "file_name": None, "received_at": None, "open_warnings": 0,
            "reason": f"截至{due_text(due)}未收到报表" if dt.datetime.now() > due else f"尚未收到（截止日{due_text(due)}）"}


def status_table(returns: pd.DataFrame, cat: Catalogue, period: dt.date, due_day: int = DUE_DAY,
                 due_hour: int = DUE_HOUR) -> Status:
    """Each registered org × each form of the catalogue, then every rejected file the grid does not show."""
    due = deadline(period, due_day, due_hour)
    rows = []
    cells, missing = _cells(returns, due), _missing(due)
    for org in cat.orgs:
        for form in cat.forms.values():
            rows.append({"org_code": org.code, "org_name": org.name, "department": form.department,
                         "form_code": form.code, "form_title": form.title, "in_grid": True, "resolved": False,
                         **cells.get((org.code, form.code), missing)})
    state = {(r["org_code"], r["form_code"]): r for r in rows}
    for r in returns[returns["status"] == "rejected"].itertuples(index=False):
        shown = state.get((r.org_code, r.form_code))
        if shown is not None and shown["status"] == "rejected" and shown["file_name"] == r.file_name:
            continue
        form = cat.forms.get(r.form_code) if isinstance(r.form_code, str) else None
        rows.append({"org_code": r.org_code, "org_name": r.org_name if isinstance(r.org_name, str) else UNKNOWN,
                     "department": form.department if form else UNKNOWN, "form_code": r.form_code if form else None,
                     "form_title": form.title if form else UNKNOWN, "status": "rejected", "file_name": r.file_name,
                     "received_at": pd.Timestamp(r.received_at), "reason": _clean(r.first_error), "open_warnings": 0,
                     "in_grid": False, "resolved": shown is not None and shown["status"] in ("accepted", "late")})
    table = pd.DataFrame(rows).assign(period=period.strftime("%Y-%m"))
    table = table.assign(status_label=table["status"].map(STATES))
    return Status(period, due, table.reindex(columns=list(COLUMNS)))


def period_status(wh: Warehouse, cat: Catalogue, period: dt.date, due_day: int = DUE_DAY,
                  due_hour: int = DUE_HOUR) -> Status:
    """The status of ``period`` from the warehouse."""
    with wh.reader() as con:
        returns = received_returns(con, period=period)
    return status_table(returns, cat, period, due_day, due_hour)


def _totals(status: Status) -> str:
    n = status.grid["status"].value_counts()
    text = (f"应报 {len(status.grid)} 张：已受理 {n.get('accepted', 0)}、迟报 {n.get('late', 0)}、"
            f"退回 {n.get('rejected', 0)}、缺报 {n.get('missing', 0)}")
    text += f"；另有无法归属单位或报表的退回文件 {len(status.stray)} 个" if len(status.stray) else ""
    return text + (f"；退回但该表已有受理报表的文件 {len(status.resolved)} 个" if len(status.resolved) else "")


def _line(r, reason: bool) -> str:
    """One return to chase, as the office reads it."""
    form = f"{r.form_code}表{r.form_title}" if isinstance(r.form_code, str) else ""
    if r.in_grid or r.resolved:
        who = f"{r.org_name}{r.department} {form}" + (f"（{r.file_name}）" if isinstance(r.file_name, str) else "")
    else:
        who = f"《{r.file_name}》（{form + '，' if form else '报表和'}填报单位未能识别）"
    return f"  {r.status_label}：{who}" + (f"；{r.reason}" if reason and r.reason else "")


def short_text(status: Status, limit: int = 10) -> list[str]:
    """The run's few lines: the totals, then who to chase (a control character in a file name shown, not sent)."""
    lines = [f"{status.period.year}年{status.period.month}月报送情况（截止 {status.due_words}）：{_totals(status)}"]
    todo = status.chase[status.chase["status"] != "late"]
    for r in todo.head(limit).itertuples(index=False):
        lines.append(files.xml_safe(_line(r, reason=False)))
    if len(todo) > limit:
        lines.append(f"  ……另有 {len(todo) - limit} 张，见 statreturns status --period {status.period:%Y-%m}")
    return lines


def table_text(status: Status) -> list[str]:
    """The full listing for the terminal: totals, counts per org and per department, and every return to chase."""
    lines = short_text(status, limit=0)[:1]
    for by, title in (("org_name", "按单位"), ("department", "按部门")):
        lines += ["", f"{title}：", "  " + "\t".join([LABELS[by], *STATES.values(), "应报"])]
        for row in status.counts(by).itertuples(index=False):
            lines.append("  " + "\t".join(str(v) for v in row))
    lines += ["", "需要跟进："]
    for r in status.chase.itertuples(index=False):
        lines.append(files.xml_safe(_line(r, reason=True)))
    if status.chase.empty:
        lines.append("  无")
    if len(status.resolved):
        lines += ["", "退回、但该单位该表已有受理报表的文件："]
        lines += [files.xml_safe(_line(r, reason=True)) for r in status.resolved.itertuples(index=False)]
    return lines


def write_csv(status: Status, target: Path | TextIO) -> Path | None:
    """The org × form listing, to a file (UTF-8 with a BOM, for Excel and WPS) or a stream."""
    return files.write_csv(status.table, target)


def status_path(out: Path, period: dt.date) -> Path:
    return out / period.strftime("%Y-%m") / FILE_NAME


def write_xlsx(status: Status, path: Path) -> Path:
    """The 催报单 to send out, then the org × form matrix, the counts and the full listing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), files.XLSX_OPTIONS)
    fmt = {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "intro": book.add_format({"text_wrap": True, "valign": "top"}),
        "head": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}),
        "cell": book.add_format({"border": 1, "text_wrap": True, "valign": "top"}),
        "missing": book.add_format({"border": 1, "bg_color": "#FF9999"}),
        "rejected": book.add_format({"border": 1, "bg_color": "#FFC7CE"}),
        "late": book.add_format({"border": 1, "bg_color": "#FFEB9C"}),
        "accepted": book.add_format({"border": 1, "bg_color": "#C6EFCE"}),
    }
    _chase_sheet(book, fmt, status)
    _matrix_sheet(book, fmt, status)
    for by, title in (("org_name", "按单位"), ("department", "按部门")):
        counts = status.counts(by)
        _table(book.add_worksheet(title), fmt, [LABELS[by], *STATES.values(), "应报"], counts.values.tolist(), [16] + [8] * 5)
    listing = status.table.reindex(columns=[k for k in LABELS if k != "org_code"])
    listing = listing.assign(received_at=listing["received_at"].map(lambda t: "" if pd.isna(t) else f"{t:%Y-%m-%d %H:%M}"))
    _table(book.add_worksheet("明细"), fmt, [LABELS[k] for k in listing.columns], listing.values.tolist(),
           [8, 12, 16, 7, 26, 8, 40, 16, 60, 8])
    book.close()
    return path


def _clean(v: object) -> object:
    return "" if v is None or (isinstance(v, float) and pd.isna(v)) else v


def _write(ws, r: int, c: int, value: object, fmt) -> None:
    """A count as a number, anything else (a file or org name, a reason) as a string cell, never a formula."""
    value = _clean(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        ws.write_number(r, c, value, fmt)
    else:
        files.write_text(ws, r, c, value, fmt)


def _table(ws, fmt: dict, header: list[str], rows: list[list], widths: list[int], top: int = 0) -> None:
    for c, (label, width) in enumerate(zip(header, widths)):
        files.write_text(ws, top, c, label, fmt["head"])
        ws.set_column(c, c, width)
    for r, row in enumerate(rows, start=top + 1):
        for c, v in enumerate(row):
            _write(ws, r, c, v, fmt["cell"])
        height = paper.row_height(zip(row, widths))
        if height:
            ws.set_row(r, height)


def _chase_sheet(book, fmt: dict, status: Status) -> None:
    ws = book.add_worksheet("催报单")
    widths = [12, 16, 7, 26, 8, 30, 60, 36]
    files.write_text(ws, 0, 0, f"{status.period.year}年{status.period.month}月统计月报催报单", fmt["title"])
    intro = (f"报送截止：{status.due_words}。{_totals(status)}。"
             "下列报表请各单位按“需要做的”办理；退回的报表请对照《审核结果》回执修改。")
    ws.merge_range(1, 0, 1, len(widths) - 1, "", fmt["intro"])
    files.write_text(ws, 1, 0, intro, fmt["intro"])
    ws.set_row(1, paper.row_height([(intro, sum(widths))]))
    rows = [[r.org_name, r.department, r.form_code or "", r.form_title, r.status_label, ACTIONS[r.status], r.reason,
             _clean(r.file_name)] for r in status.chase.itertuples(index=False)]
    _table(ws, fmt, ["单位", "部门", "表号", "表名", "情况", "需要做的", "原因", "文件"], rows, widths, top=3)
    for r, row in enumerate(status.chase.itertuples(index=False), start=4):
        files.write_text(ws, r, 4, row.status_label, fmt[row.status])
    paper.printable(ws, (3, 3))


def _matrix_sheet(book, fmt: dict, status: Status) -> None:
    ws = book.add_worksheet("报送情况")
    placed = status.table[status.table["org_code"].notna()]
    forms = list(dict.fromkeys(placed["form_code"]))
    files.write_text(ws, 0, 0, "单位", fmt["head"])
    ws.set_column(0, 0, 14)
    for c, form in enumerate(forms, start=1):
        files.write_text(ws, 0, c, f"{form}表", fmt["head"])
        ws.set_column(c, c, 8)
    for r, (org, rows) in enumerate(placed.groupby("org_name", sort=False), start=1):
        files.write_text(ws, r, 0, org, fmt["cell"])
        for row in rows.itertuples(index=False):
            files.write_text(ws, r, forms.index(row.form_code) + 1, row.status_label, fmt[row.status])
