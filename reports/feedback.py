"""回执: for each file received, the department's own sheet with every finding marked on its cell, and the verdict.

Written with openpyxl (cell comments, internal hyperlinks) as plain .xlsx that Excel and WPS open; the 审核结果 sheet
prints on A4 landscape, one page wide. Every text from the return (file and sheet names, cells, 说明) is a string cell.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import zipfile
from copy import copy
from dataclasses import dataclass
from functools import cache
from xml.sax.saxutils import escape
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_from_string, column_index_from_string
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing

from statreturns.reports import paper
from statreturns.reports.files import add_parts, rows, set_text, xml_safe
from statreturns.reports.received import received_returns
from statreturns.schemas.catalogue import Catalogue
from statreturns.schemas.findings import where
from statreturns.schemas.grid import Grid
from statreturns.schemas.text import cell_text
from statreturns.warehouse.db import query, sql
from statreturns.warehouse.store import Warehouse
from statreturns.intake.workers import Pool, Work, kept_pool
from statreturns.intake.readers import UnreadableFile, read_grids

FOLDER = "feedback"
SUFFIX = "_审核结果"
RESULTS = "审核结果"
FILLS = {"error": "FFFF0000", "warning": "FFFFFF00"}  # red: must be corrected; yellow: to be checked
SEVERITY_NAMES = {"error": "错误", "warning": "提醒"}
VERDICTS = {"accepted": "已受理", "superseded": "已受理（已被后报的更正版替代）", "rejected": "退回修改"}
COLUMNS = ("序号", "审核规则", "类别", "工作表", "单元格", "指标", "填报值", "应为", "问题", "修改方法", "状态")
WIDTHS = (5, 14, 6, 10, 8, 18, 10, 12, 36, 30, 14)  # about 165 units: one landscape A4 page wide at 90 %
RECEIPT_WIDTH = 100
SETTLED = {"accepted", "superseded"}  # the statuses of a clean file's returns
NAME_MAX = 255  # bytes in a file name on the file systems the office uses
HASH_CHARS = 8
GRID = Border(*(Side(style="thin", color="FF808080"),) * 4)  # left, right, top, bottom: the table's lines on paper
WRAPPED = Alignment(wrap_text=True, vertical="top")
# style objects made once: openpyxl builds a style's descriptors on every Font(...) or PatternFill(...)
MARKS = {severity: PatternFill("solid", fgColor=color) for severity, color in FILLS.items()}
TITLE_FONT, BOLD = Font(bold=True, size=14), Font(bold=True)
VERDICT_FONTS = {rejected: Font(bold=True, color="FFC00000" if rejected else "FF006100") for rejected in (True, False)}
HEADER_FILL = PatternFill("solid", fgColor="FFDDEBF7")
LINK_FONT = Font(color="FF0563C1", underline="single")
_BAD_TITLE = str.maketrans({c: "_" for c in "[]:*?/\\"})


@dataclass(frozen=True)
class FileFeedback:
    """What one file's 回执 says: its returns (submissions rows) and its findings (findings rows), as named tuples."""

    file_name: str
    returns: list
    findings: list

    @property
    def clean(self) -> bool:
        return clean((r.status for r in self.returns), len(self.findings))


def clean(statuses, findings: int) -> bool:
    """A file whose 回执 is one line: no finding, and every return accepted (or accepted and since corrected)."""
    return not findings and set(statuses) <= SETTLED


class ByFile:
    """The returns (submissions rows) and findings of many files, looked up by file hash in the order received.

    As plain rows (named tuples), read out of the frames once: cutting a frame per file costs pandas a millisecond
    or two, and each question asked of it (a filter, a group, a minimum) half of one.
    """

    def __init__(self, returns: pd.DataFrame, findings: pd.DataFrame):
        self._rows, self._finding_rows = rows(returns), rows(findings)
        self._at = returns.groupby("sha256", sort=False).indices
        self._found = findings.groupby("sha256", sort=False).indices
        self.shas = list(dict.fromkeys(r.sha256 for r in self._rows))

    def rows(self, sha: str) -> list:
        return [self._rows[i] for i in self._at[sha]]

    def clean(self, sha: str) -> bool:
        return clean((r.status for r in self.rows(sha)), len(self._found.get(sha, ())))

    def feedback(self, sha: str) -> FileFeedback:
        mine = self.rows(sha)
        return FileFeedback(mine[0].file_name, mine, [self._finding_rows[i] for i in self._found.get(sha, ())])


def feedback_path(out: Path, period: dt.date, file_name: str, sha: str | None = None) -> Path:
    """``<out>/<period>/feedback/<original file stem>_审核结果.xlsx``; with ``sha`` (another file of the same name
    came first) ``<stem>_<sha8>_审核结果.xlsx``. A stem too long for the file system is cut and given a short hash."""
    stem, tail = Path(file_name).stem, f"{SUFFIX}.xlsx"
    tag = f"_{sha[:HASH_CHARS]}" if sha else ""
    if len(os.fsencode(stem + tag + tail)) > NAME_MAX:
        tag = tag or "_" + hashlib.sha256(file_name.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_CHARS]
        room = NAME_MAX - len(os.fsencode(tag + tail))
        while len(os.fsencode(stem)) > room:
            stem = stem[:-1]
    return out / period.strftime("%Y-%m") / FOLDER / f"{stem}{tag}{tail}"


def _return_label(form_code: object, org_name: object, period: object, cat: Catalogue) -> str:
    form = cat.forms.get(form_code) if isinstance(form_code, str) else None
    parts = [f"{form.code}表{form.title}" if form else "未识别的报表"]
    if isinstance(org_name, str):
        parts.append(f"{org_name}{form.department if form else ''}")
    if pd.notna(period):
        parts.append(f"{period.year}年{period.month}月")
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


def _problem(f, file_name: str, cat: Catalogue) -> str:
    """The finding's message without the place it points at, which the row's own columns show."""
    form = cat.forms.get(f.form_code) if isinstance(f.form_code, str) else None
    known = {i.code: i for i in form.indicators} if form else {}
    place = where(file_name, f.sheet if isinstance(f.sheet, str) else None, f.cell if isinstance(f.cell, str) else None,
                  known.get(f.indicator_code))
    return f.message[len(place) + 1:] if f.message.startswith(place + "：") else f.message


def _put(ws, row: int, values: list, *, wrap: bool = False) -> None:
    """Append ``values`` as row ``row``: texts as string cells (never formulas), numbers as numbers; ``wrap``: a row
    of the findings table, wrapped and ruled."""
    for c, v in enumerate(values, start=1):
        cell = ws.cell(row, c)
        if isinstance(v, str):
            set_text(cell, v)
        elif v is not None:
            cell.value = v
        if wrap:
            _styled(cell, ws.cell(row, 1), alignment=WRAPPED, border=GRID)


def _styled(cell, like, **styles) -> None:
    """Set ``styles`` on ``cell``, or copy them from ``like`` (a cell of the row already styled so): openpyxl hashes
    every style it is given to find it in the workbook, a fifth of a 回执's time when each cell of a table is styled."""
    if cell is like:
        for name, style in styles.items():
            setattr(cell, name, style)
    else:
        cell._style = copy(like._style)


def _line(ws, row: int, text: str, columns: int, font: Font | None = None) -> None:
    """A line of text across the table's width, wrapped, as tall as it needs."""
    _put(ws, row, [text])
    cell = ws.cell(row, 1)
    cell.alignment = WRAPPED
    if font is not None:
        cell.font = font
    if columns > 1:
        _merge(ws, row, 1, row, columns)
    width = sum(ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(1, columns + 1))
    height = paper.row_height([(text, width)], font.size if font is not None and font.size else paper.FONT_PT)
    if height:
        ws.row_dimensions[row].height = height


def _print_setup(ws, title_rows: str | None = None) -> None:
    """A4 landscape, one page wide, the table's header repeated on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = paper.A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(**paper.MARGINS_IN)
    ws.oddFooter.center.text = paper.FOOTER
    if title_rows:
        ws.print_title_rows = title_rows


def _title(name: str, taken: set[str]) -> str:
    """A valid, unused worksheet title for a copied sheet (Excel allows 31 characters, no []:*?/\\)."""
    title = (name.translate(_BAD_TITLE) or "Sheet")[:31]
    while title in taken:
        title = f"{title[:28]}(原)"
    taken.add(title)
    return title


def _cell_value(v: object) -> object:
    if v is None or isinstance(v, (str, int, float, bool, dt.datetime, dt.date, dt.time)):
        return v
    return cell_text(v)


def _width(v: object) -> int:
    text = cell_text(v)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _merge(ws, r0: int, c0: int, r1: int, c1: int) -> None:
    """Rows ``r0``..``r1`` by columns ``c0``..``c1`` (1-based) merged, the hidden cells left empty: openpyxl's
    merge_cells also puts a placeholder in each hidden cell and re-borders the range's edges, which a 回执's unruled
    titles do not need, at a third of a 回执's time on a sheet of many merged titles."""
    ws.merged_cells.add(MergedCellRange(ws, f"{get_column_letter(c0)}{r0}:{get_column_letter(c1)}{r1}"))


def _copy_sheet(book: openpyxl.Workbook, grid: Grid, title: str, marked: set[str]) -> None:
    """The sheet's values and merged ranges (a range that would hide a marked cell stays unmerged)."""
    ws = book.create_sheet(title)
    spanned = {(r, c) for r0, c0, r1, c1 in grid.merged if c1 > c0 for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    marked_at = {(int(row) - 1, column_index_from_string(col) - 1)
                 for col, row in (coordinate_from_string(a) for a in marked)}
    merged, hidden = [], set()
    for r0, c0, r1, c1 in grid.merged:
        covered = {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)} - {(r0, c0)}
        if covered and not covered & marked_at:
            merged.append((r0, c0, r1, c1))
            hidden |= covered
    widths: dict[int, int] = {}
    for r, row in enumerate(grid.rows):
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            if (r, c) not in spanned:  # a title merged across the table says nothing of its columns' width
                widths[c] = max(widths.get(c, 0), _width(v))
            if (r, c) in hidden:  # Excel shows only a merged range's first cell
                continue
            cell, value = ws.cell(r + 1, c + 1), _cell_value(v)
            if isinstance(value, str):
                set_text(cell, value)  # a formula's text as the file held it, never evaluated
            else:
                cell.value = value
    for r0, c0, r1, c1 in merged:
        _merge(ws, r0 + 1, c0 + 1, r1 + 1, c1 + 1)
    for c, w in widths.items():
        ws.column_dimensions[get_column_letter(c + 1)].width = min(max(w + 2, 8), 50)
    _print_setup(ws)


def _mark(ws, cell: str, findings: list, cat: Catalogue) -> None:
    """Fill the cell red (an error) or yellow (only warnings) and put every message on it as a comment."""
    target = ws[cell]
    target.fill = MARKS["error" if any(f.severity == "error" for f in findings) else "warning"]
    lines = []
    for f in findings:
        rule = cat.rules.get(f.rule)
        lines.append(f"【{SEVERITY_NAMES[f.severity]}·{f.rule}】{f.message.split('：', 1)[-1]}")
        if f.explained:
            lines.append(f"已说明：{f.explanation}")
        elif rule is not None and rule.how_to_fix:
            lines.append(f"修改方法：{rule.how_to_fix}")
    comment = Comment(xml_safe("\n".join(lines)), "统计局审核")
    comment.width, comment.height = 360, 60 + 40 * len(lines)
    target.comment = comment


def _results_sheet(ws, fb: FileFeedback, cat: Catalogue, titles: dict[str, str]) -> None:
    """The verdict of each return, then one row per finding: the rule by name, the cell linked, the message wrapped."""
    for c, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    span = len(COLUMNS)
    _line(ws, 1, f"审核结果（回执）：《{fb.file_name}》", span, TITLE_FONT)
    received = pd.Timestamp(min(r.received_at for r in fb.returns))
    _line(ws, 2, f"收到时间：{received:%Y-%m-%d %H:%M}。有错误（红色）的须修改后重新报送；提醒（黄色）请核实，"
                 "数字无误的请在报表中加一行“说明：指标名称＋原因”。", span)
    row = 3
    for r in fb.returns:
        severities = [f.severity for f in fb.findings if _of_return(f, r.sheet)]
        counts = f"错误 {severities.count('error')} 条，提醒 {severities.count('warning')} 条"
        verdict = VERDICTS.get(r.status, r.status)
        _line(ws, row, f"{_return_label(r.form_code, r.org_name, r.period, cat)}：{verdict}（{counts}）", span,
              VERDICT_FONTS[r.status == "rejected"])
        row += 1
    header = row + 1
    _put(ws, header, list(COLUMNS), wrap=True)
    for c in range(1, span + 1):
        _styled(ws.cell(header, c), ws.cell(header, 1), font=BOLD, fill=HEADER_FILL)
    for n, f in enumerate(fb.findings, start=1):
        row, rule = header + n, cat.rules.get(f.rule)
        values = [n, cat.rule_name(f.rule), SEVERITY_NAMES[f.severity], _text(f.sheet), _text(f.cell), _indicator(f, cat),
                  _text(f.value_found), _text(f.expected), _problem(f, fb.file_name, cat),
                  rule.how_to_fix if rule else "", _state(f)]
        _put(ws, row, values, wrap=True)
        ws.cell(row, 2).comment = Comment(xml_safe(f"规则代码：{f.rule}"), "统计局审核", height=40, width=200)
        ws.cell(row, 3).fill = MARKS[f.severity]
        title = titles.get(f.sheet) if isinstance(f.sheet, str) else None
        if title:
            link = ws.cell(row, 5)
            set_text(link, _text(f.cell) or title)
            quoted = title.replace("'", "''")
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{quoted}'!{_text(f.cell) or 'A1'}", display=link.value)
            link.font = LINK_FONT
        height = paper.row_height(zip(map(str, values), WIDTHS))
        if height:
            ws.row_dimensions[row].height = height
    ws.freeze_panes = ws.cell(header + 1, 1)
    _print_setup(ws, f"{header}:{header}")


def _of_return(finding, sheet: object) -> bool:
    """Whether a finding is about the return on ``sheet``: one on its sheet, or one about the file (with no sheet)."""
    return not isinstance(sheet, str) or not isinstance(finding.sheet, str) or finding.sheet == sheet


def _receipt(ws, text: str) -> None:
    ws.column_dimensions["A"].width = RECEIPT_WIDTH
    _line(ws, 1, text, 1)
    _print_setup(ws)


def receipt_text(returns: list, cat: Catalogue) -> str:
    """The one line of a clean file's 回执, from its returns (rows of ``submissions``)."""
    labels = "；".join(_return_label(r.form_code, r.org_name, r.period, cat) for r in returns)
    received = pd.Timestamp(min(r.received_at for r in returns))
    return f"《{returns[0].file_name}》（{labels}）{received:%Y-%m-%d %H:%M}收到，已受理，审核未发现问题。"


_STAND_IN, _STAND_IN_HEIGHT = "RECEIPT-LINE", 409  # the line and the height (points) the saved book holds (ASCII:
# openpyxl writes other characters as character references)
_LINE, _HEIGHT = f">{_STAND_IN}<".encode(), f' ht="{_STAND_IN_HEIGHT}" customHeight="1"'.encode()


@cache
def _receipt_parts() -> tuple[bytes, tuple[tuple[str, bytes], ...]]:
    """A clean 回执 saved once by openpyxl with a stand-in line: its parts that do not hold the line or its height,
    zipped once, and those that do (name, content). Every clean 回执 is this package with its own line (and that
    line's height) put in, a thousandth of the time of building and saving each."""
    book = openpyxl.Workbook()
    book.active.title = RESULTS
    _receipt(book.active, _STAND_IN)
    book.active.row_dimensions[1].height = _STAND_IN_HEIGHT
    saved = io.BytesIO()
    book.save(saved)
    package, own = io.BytesIO(), []
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if _LINE in data or _HEIGHT in data:
                own.append((info.filename, data))
            else:
                out.writestr(info, data)
    return package.getvalue(), tuple(own)


def clean_receipt(text: str) -> bytes:
    """The xlsx bytes of a clean file's 回执 saying ``text``."""
    height = paper.row_height([(text, RECEIPT_WIDTH)])
    line, row = f">{escape(xml_safe(text))}<".encode(), f' ht="{height}" customHeight="1"'.encode() if height else b""
    package, own = _receipt_parts()
    return add_parts(package, [(name, data.replace(_LINE, line).replace(_HEIGHT, row), zipfile.ZIP_DEFLATED)
                               for name, data in own])


def feedback_book(fb: FileFeedback, grids: list[Grid] | None, cat: Catalogue) -> openpyxl.Workbook:
    """The 回执 workbook: 审核结果 first, then a copy of each sheet a return or a finding is on, findings marked."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = RESULTS
    if fb.clean:
        _receipt(ws, receipt_text(fb.returns, cat))
        return book
    wanted = {r.sheet for r in (*fb.returns, *fb.findings) if isinstance(r.sheet, str)}
    titles: dict[str, str] = {}
    taken = {RESULTS}
    for grid in grids or ():
        if grid.sheet not in wanted:
            continue
        titles[grid.sheet] = title = _title(grid.sheet, taken)
        by_cell: dict[str, list] = {}
        for f in fb.findings:
            if f.sheet == grid.sheet and isinstance(f.cell, str):
                by_cell.setdefault(f.cell, []).append(f)
        _copy_sheet(book, grid, title, set(by_cell))
        for cell, mine in by_cell.items():
            _mark(book[title], cell, mine, cat)
    _results_sheet(ws, fb, cat, titles)
    return book


class _InMemory(ExcelWriter):
    """openpyxl's writer with each sheet's XML kept in memory: its own writes every sheet to a temporary file, reads
    it back and removes it, two files created and removed in the file system a 回执."""

    def write_worksheet(self, ws):
        ws._drawing = SpreadsheetDrawing()  # the rest as ExcelWriter.write_worksheet does
        ws._drawing.charts, ws._drawing.images = ws._charts, ws._images
        writer = WorksheetWriter(ws, io.BytesIO())
        writer.write()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], writer.read())
        self.manifest.append(ws)


def _save(book: openpyxl.Workbook, path: Path) -> None:
    """Save ``book`` as openpyxl does, but put together in memory and written at once, each part deflated at the
    fastest level (a third less time than zlib's default, for a file a tenth larger)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        _InMemory(book, archive).write_data()
    path.write_bytes(buffer.getvalue())


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
                   shas: list[str] | None = None, pool: Pool | None = None) -> list[Path]:
    """Write the 回执 of every file received for ``period`` (or of the files ``shas``); returns the paths.

    A 回执 with findings copies the file's sheets from the archive, so it is written by the isolated reader workers
    (``pool``, by default this process's), a share of the files each: an archived file that would crash a reader
    ends a worker, and its 回执 is written here without the copies. A clean file's one line is written here, or by
    the workers too when there are many.
    """
    with wh.reader() as con:
        returns = received_returns(con, period=period, shas=shas)
        findings = _findings(con, list(returns["sha256"].unique()))
        periods = sorted(set(returns["report_period"]))
        everyone = returns if period else pd.concat([returns, *(received_returns(con, period=p) for p in periods)])
    taken = _name_taken(everyone)
    files = ByFile(returns, findings)
    paths = {}
    for sha in files.shas:
        mine = files.rows(sha)
        paths[sha] = feedback_path(out, min(r.report_period for r in mine), mine[0].file_name,
                                   sha if sha in taken else None)
    for folder in set(p.parent for p in paths.values()):
        folder.mkdir(parents=True, exist_ok=True)
    here = {sha for sha in files.shas if files.clean(sha)} if len(files.shas) < PARALLEL_FROM else set()
    for sha in here:
        paths[sha].write_bytes(clean_receipt(receipt_text(files.rows(sha), cat)))
    there = [sha for sha in files.shas if sha not in here]
    if there:
        pool = pool or kept_pool()
        work = (Work([(sha, paths[sha]) for sha in share],
                     (returns[returns["sha256"].isin(share)], findings[findings["sha256"].isin(share)]))
                for share in pool.shares(there))
        written = {sha for part in pool.map(RECEIPTS, work, cat, wh.archive) for sha in part}
        for sha in there:
            if sha not in written:  # its worker could not read the archived file: the 回执 without the copies
                _save(feedback_book(files.feedback(sha), None, cat), paths[sha])
    return list(paths.values())


PARALLEL_FROM = 64  # files: fewer clean receipts are written here
RECEIPTS = "statreturns.reports.feedback:write_receipts"


@dataclass(frozen=True)
class Owed:
    """Files owed a 回执, and the latest time any was owed as read: writing them settles what was owed up to then."""

    shas: list[str]
    as_of: dt.datetime


def owed(wh: Warehouse, shas: list[str] | None = None) -> list[Owed]:
    """The files loaded whose 回执 is not yet written (of ``shas``, if given), oldest first, in lots of the month they
    report on: what is held while a lot's 回执 are written is its returns and findings and its month's names, as in a
    monthly run, however many months a backfill owes."""
    with wh.reader() as con:
        found = query(con, "owed_receipts", shas=shas)
    return [Owed(list(lot["sha256"]), lot["owed_at"].max().to_pydatetime())
            for _, lot in found.groupby("period", sort=False, dropna=False)]


def write_owed(wh: Warehouse, cat: Catalogue, out: Path) -> list[Path]:
    """The 回执 of every file owed one, a month's lot at a time, each lot settled once written; returns the paths."""
    written = []
    for lot in owed(wh):
        written += write_feedback(wh, cat, out, shas=lot.shas)
        settle(wh, lot)
    return written


def settle(wh: Warehouse, lot: Owed, timeout: float = 60.0) -> None:
    """Nothing more is owed for the files of ``lot`` up to when it was read: their 回执 are written from what the
    warehouse held then. Published with the next load."""
    with wh.writer(timeout=timeout, publish_after=False) as con:
        con.execute(sql("settle_receipts"), {"shas": lot.shas, "as_of": lot.as_of})


def write_receipts(items: list[tuple[str, Path]], returns: pd.DataFrame, findings: pd.DataFrame, cat: Catalogue,
                   archive: Path | None, *, failed: dict[int, str], started) -> list[str]:
    """A reader worker's task: the 回执 of some files (hash, path), a clean one's line or a workbook with the file's
    sheets copied and marked; returns the hashes of those written (not one a worker was lost on)."""
    files = ByFile(returns, findings)
    written = []
    for i, (sha, path) in enumerate(items):
        started(i)
        if i in failed:
            continue
        if files.clean(sha):
            path.write_bytes(clean_receipt(receipt_text(files.rows(sha), cat)))
        else:
            _save(feedback_book(files.feedback(sha), _grids(files.rows(sha)[0].archive_path, archive), cat), path)
        written.append(sha)
    return written


def _name_taken(returns: pd.DataFrame) -> set[str]:
    """The files whose name an earlier file of the same receipt month already has: their receipts carry the hash."""
    files = returns.groupby("sha256").agg(file_name=("file_name", "first"), month=("report_period", "min"),
                                          received=("received_at", "min")).reset_index()
    files = files.sort_values(["received", "sha256"])
    return set(files.loc[files.duplicated(["month", "file_name"]), "sha256"])


def _findings(con: duckdb.DuckDBPyConnection, shas: list[str]) -> pd.DataFrame:
    found = query(con, "findings_of", shas=shas)
    return found.assign(explained=found["explained"].astype("boolean").fillna(False).astype(bool))
