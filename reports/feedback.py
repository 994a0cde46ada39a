"""回执: for each file received, the department's own sheet with every finding marked on its cell, and the verdict.

Written with openpyxl (cell comments, internal hyperlinks) as plain .xlsx that Excel and WPS open.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_from_string, column_index_from_string
from openpyxl.worksheet.hyperlink import Hyperlink

from statreturns.reports.received import received_returns
from statreturns.schemas.catalogue import Catalogue
from statreturns.schemas.grid import Grid
from statreturns.schemas.text import cell_text
from statreturns.warehouse.db import query
from statreturns.warehouse.store import Warehouse
from statreturns.intake.readers import UnreadableFile, read_grids

FOLDER = "feedback"
SUFFIX = "_审核结果"
RESULTS = "审核结果"
FILLS = {"error": "FFFF0000", "warning": "FFFFFF00"}  # red: must be corrected; yellow: to be checked
SEVERITY_NAMES = {"error": "错误", "warning": "提醒"}
VERDICTS = {"accepted": "已受理", "superseded": "已受理（已被后报的更正版替代）", "rejected": "退回修改"}
COLUMNS = ("序号", "审核规则", "类别", "工作表", "单元格", "指标", "填报值", "应为", "问题", "修改方法", "状态")
WIDTHS = (6, 26, 7, 12, 9, 26, 12, 16, 60, 40, 24)
_BAD_TITLE = str.maketrans({c: "_" for c in "[]:*?/\\"})


@dataclass(frozen=True)
class FileFeedback:
    """What one file's 回执 says: its returns (submissions rows) and its findings (findings rows)."""

    file_name: str
    returns: pd.DataFrame
    findings: pd.DataFrame

    @property
    def clean(self) -> bool:
        return self.findings.empty and set(self.returns["status"]) <= {"accepted", "superseded"}


def feedback_path(out: Path, period: dt.date, file_name: str) -> Path:
    """``<out>/<period>/feedback/<original file stem>_审核结果.xlsx``."""
    return out / period.strftime("%Y-%m") / FOLDER / f"{Path(file_name).stem}{SUFFIX}.xlsx"


def _return_label(r, cat: Catalogue) -> str:
    form = cat.forms.get(r.form_code) if isinstance(r.form_code, str) else None
    parts = [f"{form.code}表{form.title}" if form else "未识别的报表"]
    if isinstance(r.org_name, str):
        parts.append(f"{r.org_name}{form.department if form else ''}")
    if pd.notna(r.period):
        parts.append(f"{r.period.year}年{r.period.month}月")
    return "，".join(parts)


def _state(f) -> str:
    if f.severity == "error":
        return "须修改后重报"
    if f.explained:
        return f"已说明：{f.explanation}"
    return "待核实（如无误请写明说明）"


def _indicator(f, cat: Catalogue) -> str:
    """``01 一般公共预算收入`` for a finding about an indicator the catalogue knows."""
    form = cat.forms.get(f.form_code) if isinstance(f.form_code, str) else None
    names = {i.code: i.name for i in form.indicators} if form else {}
    return f"{f.indicator_code} {names[f.indicator_code]}" if f.indicator_code in names else _text(f.indicator_code)


def _text(v: object) -> str:
    return "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)


def _title(name: str, taken: set[str]) -> str:
    """A valid, unused worksheet title for a copied sheet (Excel allows 31 characters, no []:*?/\\)."""
    title = (name.translate(_BAD_TITLE) or "Sheet")[:31]
    while title in taken:
        title = f"{title[:28]}(原)"
    taken.add(title)
    return title


def _cell_value(v: object) -> object:
    if isinstance(v, str):
        return ILLEGAL_CHARACTERS_RE.sub("", v)
    if v is None or isinstance(v, (int, float, bool, dt.datetime, dt.date, dt.time)):
        return v
    return cell_text(v)


def _width(v: object) -> int:
    text = cell_text(v)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _copy_sheet(book: openpyxl.Workbook, grid: Grid, title: str, marked: set[str]) -> None:
    """The sheet's values and merged ranges (a range that would hide a marked cell stays unmerged)."""
    ws = book.create_sheet(title)
    spanned = {(r, c) for r0, c0, r1, c1 in grid.merged if c1 > c0 for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    widths: dict[int, int] = {}
    for r, row in enumerate(grid.rows):
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            cell = ws.cell(r + 1, c + 1)
            cell.value = _cell_value(v)
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # a formula's text as the file held it, never evaluated
            if (r, c) not in spanned:  # a title merged across the table says nothing of its columns' width
                widths[c] = max(widths.get(c, 0), _width(v))
    marked_at = {(int(row) - 1, column_index_from_string(col) - 1)
                 for col, row in (coordinate_from_string(a) for a in marked)}
    for r0, c0, r1, c1 in grid.merged:
        hidden = {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)} - {(r0, c0)}
        if not hidden & marked_at and (r1, c1) != (r0, c0):
            ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    for c, w in widths.items():
        ws.column_dimensions[get_column_letter(c + 1)].width = min(max(w + 2, 8), 50)


def _mark(ws, cell: str, findings: pd.DataFrame, cat: Catalogue) -> None:
    """Fill the cell red (an error) or yellow (only warnings) and put every message on it as a comment."""
    severity = "error" if (findings["severity"] == "error").any() else "warning"
    target = ws[cell]
    target.fill = PatternFill("solid", fgColor=FILLS[severity])
    lines = []
    for f in findings.itertuples(index=False):
        rule = cat.rules.get(f.rule)
        lines.append(f"【{SEVERITY_NAMES[f.severity]}·{f.rule}】{f.message.split('：', 1)[-1]}")
        if f.explained:
            lines.append(f"已说明：{f.explanation}")
        elif rule is not None and rule.how_to_fix:
            lines.append(f"修改方法：{rule.how_to_fix}")
    comment = Comment("\n".join(lines), "统计局审核")
    comment.width, comment.height = 360, 60 + 40 * len(lines)
    target.comment = comment


def _results_sheet(ws, fb: FileFeedback, cat: Catalogue, titles: dict[str, str]) -> None:
    bold = Font(bold=True)
    ws.append([f"审核结果（回执）：《{fb.file_name}》"])
    ws["A1"].font = Font(bold=True, size=14)
    received = pd.Timestamp(fb.returns["received_at"].min())
    ws.append([f"收到时间：{received:%Y-%m-%d %H:%M}。有错误（红色）的须修改后重新报送；提醒（黄色）请核实，"
               "数字无误的请在报表中加一行“说明：指标名称＋原因”。"])
    for r in fb.returns.itertuples(index=False):
        errors = (fb.findings["severity"] == "error") & _of_return(fb.findings, r.sheet)
        warnings = (fb.findings["severity"] == "warning") & _of_return(fb.findings, r.sheet)
        verdict = VERDICTS.get(r.status, r.status)
        ws.append([f"{_return_label(r, cat)}：{verdict}（错误 {int(errors.sum())} 条，提醒 {int(warnings.sum())} 条）"])
        ws.cell(ws.max_row, 1).font = Font(bold=True, color="FFC00000" if r.status == "rejected" else "FF006100")
    ws.append([])
    ws.append(list(COLUMNS))
    header = ws.max_row
    for c, width in enumerate(WIDTHS, start=1):
        ws.cell(header, c).font = bold
        ws.cell(header, c).fill = PatternFill("solid", fgColor="FFDDEBF7")
        ws.column_dimensions[get_column_letter(c)].width = width
    for n, f in enumerate(fb.findings.itertuples(index=False), start=1):
        rule = cat.rules.get(f.rule)
        ws.append([n, f.rule, SEVERITY_NAMES[f.severity], _text(f.sheet), _text(f.cell), _indicator(f, cat), _text(f.value_found),
                   _text(f.expected), f.message, rule.how_to_fix if rule else "", _state(f)])
        row = ws.max_row
        ws.cell(row, 3).fill = PatternFill("solid", fgColor=FILLS[f.severity])
        title = titles.get(f.sheet) if isinstance(f.sheet, str) else None
        if title:
            link = ws.cell(row, 5)
            link.value = _text(f.cell) or title
            quoted = title.replace("'", "''")
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{quoted}'!{_text(f.cell) or 'A1'}", display=link.value)
            link.font = Font(color="FF0563C1", underline="single")
        for c in range(1, len(COLUMNS) + 1):
            ws.cell(row, c).alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = ws.cell(header + 1, 1)


def _of_return(findings: pd.DataFrame, sheet: object) -> pd.Series:
    """The findings about one return: its sheet's, and the file's own (those with no sheet)."""
    if not isinstance(sheet, str):
        return pd.Series(True, index=findings.index)
    return findings["sheet"].isna() | (findings["sheet"] == sheet)


def _receipt(ws, fb: FileFeedback, cat: Catalogue) -> None:
    labels = "；".join(_return_label(r, cat) for r in fb.returns.itertuples(index=False))
    received = pd.Timestamp(fb.returns["received_at"].min())
    ws.append([f"《{fb.file_name}》（{labels}）{received:%Y-%m-%d %H:%M}收到，已受理，审核未发现问题。"])
    ws.column_dimensions["A"].width = 100


def feedback_book(fb: FileFeedback, grids: list[Grid] | None, cat: Catalogue) -> openpyxl.Workbook:
    """The 回执 workbook: 审核结果 first, then a copy of each sheet a return or a finding is on, findings marked."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = RESULTS
    if fb.clean:
        _receipt(ws, fb, cat)
        return book
    wanted = set(fb.returns["sheet"].dropna()) | set(fb.findings["sheet"].dropna())
    titles: dict[str, str] = {}
    taken = {RESULTS}
    for grid in grids or ():
        if grid.sheet not in wanted:
            continue
        titles[grid.sheet] = title = _title(grid.sheet, taken)
        mine = fb.findings[(fb.findings["sheet"] == grid.sheet) & fb.findings["cell"].notna()]
        _copy_sheet(book, grid, title, set(mine["cell"]))
        for cell, group in mine.groupby("cell", sort=False):
            _mark(book[title], cell, group, cat)
    _results_sheet(ws, fb, cat, titles)
    return book


def _grids(archive_path: object, archive: Path | None) -> list[Grid] | None:
    """The archived file's sheets (looked for in ``archive`` too, when the recorded path is relative to elsewhere)."""
    if not isinstance(archive_path, str):
        return None
    recorded = Path(archive_path)
    found = [p for p in (recorded, archive and archive / recorded.parent.name / recorded.name) if p and p.exists()]
    if not found:
        return None
    try:
        return read_grids(found[0].read_bytes())
    except UnreadableFile:
        return None


def write_feedback(wh: Warehouse, cat: Catalogue, out: Path, *, period: dt.date | None = None,
                   shas: list[str] | None = None) -> list[Path]:
    """Write the 回执 of every file received for ``period`` (or of the files ``shas``); returns the paths."""
    with wh.reader() as con:
        returns = received_returns(con, period=period, shas=shas)
        findings = _findings(con, list(returns["sha256"].unique()))
    written: list[Path] = []
    for sha, mine in returns.groupby("sha256", sort=False):
        first = mine.iloc[0]
        fb = FileFeedback(first["file_name"], mine, findings[findings["sha256"] == sha])
        path = feedback_path(out, min(mine["report_period"]), first["file_name"])
        if path in written:  # two different files of one name in one month
            path = path.with_name(f"{path.stem}_{sha[:8]}{path.suffix}")
        path.parent.mkdir(parents=True, exist_ok=True)
        feedback_book(fb, None if fb.clean else _grids(first["archive_path"], wh.archive), cat).save(path)
        written.append(path)
    return written


def _findings(con: duckdb.DuckDBPyConnection, shas: list[str]) -> pd.DataFrame:
    found = query(con, "findings_of", shas=shas)
    return found.assign(explained=found["explained"].astype("boolean").fillna(False).astype(bool))
