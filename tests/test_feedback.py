"""回执: each file's feedback workbook marks exactly the cells of its findings, red or yellow, with the message."""
from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import openpyxl
import pytest

from statreturns.flows.cli import main
from statreturns.warehouse.store import Warehouse
from statreturns.reports.feedback import (FILLS, RECEIPT_WIDTH, RESULTS, clean_receipt, feedback_path, owed, settle,
                                          write_feedback)
from statreturns.reports.files import xml_safe
from statreturns.reports.paper import row_height
from tests.conftest import ingest_into, put
from tests.workbooks import indicator_return
from statreturns.intake.inbox import discover

JUNE = dt.date(2023, 6, 1)
RED, YELLOW = FILLS["error"], FILLS["warning"]


def zb01(reporter: str, r01: tuple, r02: tuple) -> bytes:
    rows = [("一般公共预算收入", "01", "万元", *r01), ("全口径财政收入", "02", "万元", *r02)]
    return indicator_return("ZB01", reporter, "2023年1-6月", rows)


FILES = {
    # 本年累计 under 本月 (error, E5), a growth cell that is no number (error, G5), 02 up 100% (warning, E6)
    "东关财政6月.xlsx": zb01("东关街道财政所", (700, 600, 500, "约两成"), (200, 2000, 1000, None)),
    # an org not in the registry (error on the 填报单位 cell)
    "南山财政6月.xlsx": zb01("南山街道财政所", (10, 60, 50, None), (20, 120, 100, None)),
    # only a warning: accepted, with its cell marked yellow
    "西城财政6月.xlsx": zb01("西城镇财政所", (10, 60, 50, None), (20, 200, 100, None)),
    # nothing wrong
    "示例财政6月.xlsx": zb01("示例街道财政所", (10, 60, 50, None), (20, 120, 100, None)),
    # not a workbook
    "通知.xlsx": "请各单位按时报送".encode(),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory, cat):
    root = tmp_path_factory.mktemp("feedback")
    for name, data in FILES.items():
        put(root / "inbox" / "2023-06" / name, data, dt.datetime(2023, 7, 5, 9))
    db = root / "w.duckdb"
    result = ingest_into(db, root / "inbox", cat, JUNE, archive=root / "archive")
    paths = write_feedback(Warehouse.at(db), cat, root / "out", shas=list(result.submissions["sha256"].unique()))
    return root, db, paths


def rows(db, sql: str, *params) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def marks(book: openpyxl.Workbook) -> dict[tuple[str, str], tuple[str, str]]:
    """(sheet, cell) -> (fill colour, comment) of every filled cell of the copied sheets."""
    out = {}
    for ws in book.worksheets[1:]:
        for row in ws.iter_rows():
            for c in row:
                if c.fill is not None and c.fill.fill_type == "solid":
                    out[(ws.title, c.coordinate)] = (c.fill.fgColor.rgb, c.comment.text if c.comment else "")
    return out


def test_a_workbook_for_every_file_named_after_it(built):
    root, db, paths = built
    assert sorted(p.name for p in paths) == sorted(f"{name[:-5]}_审核结果.xlsx" for name in FILES)
    assert {p.parent for p in paths} == {root / "out" / "2023-06" / "feedback"}
    assert feedback_path(root / "out", JUNE, "东关财政6月.xlsx") in paths


def test_the_marked_cells_of_each_rejected_return_are_the_cells_of_its_findings(built):
    root, db, _ = built
    rejected = rows(db, "select file_name, sha256 from submissions where status = 'rejected'")
    assert {name for name, _ in rejected} == {"东关财政6月.xlsx", "南山财政6月.xlsx", "通知.xlsx"}
    for name, sha in rejected:
        book = openpyxl.load_workbook(feedback_path(root / "out", JUNE, name))
        found = rows(db, "select sheet, cell, severity, message from findings where sha256 = ? and cell is not null", sha)
        assert set(marks(book)) == {(sheet, cell) for sheet, cell, _, _ in found}, name
        for sheet, cell, severity, message in found:
            colour, comment = marks(book)[(sheet, cell)]
            if severity == "error":
                assert colour.endswith(RED[2:]), (name, cell)
            assert message.split("：", 1)[1] in comment, (name, cell)


def test_errors_are_red_warnings_yellow_and_the_comment_says_how_to_fix(built):
    root, _, _ = built
    book = openpyxl.load_workbook(feedback_path(root / "out", JUNE, "东关财政6月.xlsx"))
    assert book.sheetnames == [RESULTS, "Sheet1"]
    got = marks(book)
    assert set(got) == {("Sheet1", "E5"), ("Sheet1", "G5"), ("Sheet1", "E6")}
    assert got[("Sheet1", "E5")][0] == RED and got[("Sheet1", "G5")][0] == RED and got[("Sheet1", "E6")][0] == YELLOW
    assert "本年累计（600）小于本月（700）" in got[("Sheet1", "E5")][1]
    assert "修改方法：" in got[("Sheet1", "E5")][1]
    assert "同比增长100%，超过±50%" in got[("Sheet1", "E6")][1]
    copy = book["Sheet1"]
    assert (copy["A1"].value, copy["E5"].value, copy["G5"].value) == ("财政收入月报表", 600, "约两成")
    assert "A1:G1" in {str(r) for r in copy.merged_cells.ranges}


def test_the_results_sheet_lists_each_finding_with_a_link_to_its_cell_and_the_verdict(built):
    root, _, _ = built
    ws = openpyxl.load_workbook(feedback_path(root / "out", JUNE, "东关财政6月.xlsx"))[RESULTS]
    lines = [row for row in ws.iter_rows(values_only=True)]
    assert any("退回修改" in (row[0] or "") and "东关街道财政所" in row[0] for row in lines)
    header = next(i for i, row in enumerate(lines) if row[0] == "序号")
    assert lines[header][:11] == ("序号", "审核规则", "类别", "工作表", "单元格", "指标", "填报值", "应为", "问题", "修改方法", "状态")
    listed = {(row[1], row[4], row[2]) for row in lines[header + 1:]}
    assert listed == {("本年累计小于本月", "E5", "错误"), ("不是数字", "G5", "错误"), ("同比增减超过±50%", "E6", "提醒")}
    by_rule = {ws.cell(r, 2).comment.text: r for r in range(header + 2, ws.max_row + 1)}  # the code, for the office
    assert set(by_rule) == {"规则代码：ytd_lt_month", "规则代码：not_number", "规则代码：yoy_beyond_50"}
    row = by_rule["规则代码：ytd_lt_month"]
    assert ws.cell(row, 5).hyperlink.location == "'Sheet1'!E5"
    assert ws.cell(row, 8).value == "≥ 700"
    assert ws.cell(row, 9).value == "本年累计（600）小于本月（700）"  # the row's own columns say where


def test_an_accepted_return_with_a_warning_is_marked_yellow_and_accepted(built):
    root, _, _ = built
    book = openpyxl.load_workbook(feedback_path(root / "out", JUNE, "西城财政6月.xlsx"))
    assert {k: v[0] for k, v in marks(book).items()} == {("Sheet1", "E6"): YELLOW}
    verdicts = [row[0] for row in book[RESULTS].iter_rows(values_only=True) if row[0] and "：已受理" in str(row[0])]
    assert len(verdicts) == 1 and "提醒 1 条" in verdicts[0]


def test_a_clean_return_gets_a_one_line_receipt(built):
    root, _, _ = built
    book = openpyxl.load_workbook(feedback_path(root / "out", JUNE, "示例财政6月.xlsx"))
    assert book.sheetnames == [RESULTS]
    (line,) = [row for row in book[RESULTS].iter_rows(values_only=True) if any(row)]
    assert "已受理" in line[0] and "示例财政6月.xlsx" in line[0] and "未发现问题" in line[0]


@pytest.mark.parametrize("text", ["《a&b<c>.xlsx》收到，已受理", "《=HYPERLINK(\"x\")\x01.xlsx》" + "很长的名字" * 60])
def test_a_clean_receipt_holds_its_line_as_written_and_as_tall_as_it_wraps(tmp_path, text):
    path = tmp_path / "r.xlsx"
    path.write_bytes(clean_receipt(text))
    ws = openpyxl.load_workbook(path)[RESULTS]
    assert ws["A1"].value == xml_safe(text) and ws["A1"].data_type == "s"
    assert ws.row_dimensions[1].height == row_height([(text, RECEIPT_WIDTH)])
    assert ws.page_setup.orientation == "landscape" and ws.max_row == 1


def test_a_file_that_cannot_be_read_gets_its_reason_without_a_copy(built):
    root, _, _ = built
    book = openpyxl.load_workbook(feedback_path(root / "out", JUNE, "通知.xlsx"))
    assert book.sheetnames == [RESULTS]
    text = " ".join(str(v) for row in book[RESULTS].iter_rows(values_only=True) for v in row if v)
    assert "文件无法读取（文件内容是一段文字，不是电子表格）" in text and "退回修改" in text


def test_the_feedback_command_writes_them_again_from_the_warehouse_and_archive(built, tmp_path, monkeypatch):
    root, db, paths = built
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("STATRETURNS_CONFIG", str(tmp_path / "none.toml"))
    shutil.rmtree(root / "inbox")  # the archive is what is read, not the inbox
    out = tmp_path / "again"
    assert rows(db, "select count(distinct sha256) from receipts_owed") == [(len(FILES),)]
    assert main(["feedback", "--period", "2023-06", "--warehouse", str(db), "--out", str(out)]) == 0
    assert rows(db, "select count(*) from receipts_owed") == [(0,)]  # written: the next run owes none of them
    again = sorted((out / "2023-06" / "feedback").iterdir())
    assert [p.name for p in again] == sorted(p.name for p in paths)
    for path in again:
        first = openpyxl.load_workbook(root / "out" / "2023-06" / "feedback" / path.name)
        assert marks(openpyxl.load_workbook(path)) == marks(first), path.name


def test_many_receipts_are_written_by_the_workers_alike(built, tmp_path, monkeypatch, cat):
    root, db, paths = built
    from statreturns.reports import feedback

    monkeypatch.setattr(feedback, "PARALLEL_FROM", 1)  # as with a district's thousands of files
    again = write_feedback(Warehouse.at(db), cat, tmp_path, period=JUNE)
    assert sorted(p.name for p in again) == sorted(p.name for p in paths)
    for path in again:
        first = openpyxl.load_workbook(root / "out" / "2023-06" / "feedback" / path.name)
        book = openpyxl.load_workbook(path)
        assert book.sheetnames == first.sheetnames and marks(book) == marks(first), path.name
        assert book[RESULTS]["A1"].value == first[RESULTS]["A1"].value


def test_files_owed_a_receipt_are_written_a_month_at_a_time_oldest_first(tmp_path, cat):
    """A backfill owes every file of its months: they come in lots of one month each, May's before June's, and once
    each lot is written and settled nothing more is owed."""
    months = {dt.date(2023, 5, 1): ((10, 50, 40, None), (20, 100, 80, None)),
              dt.date(2023, 6, 1): ((10, 60, 50, None), (20, 120, 100, None))}
    for period, (r01, r02) in months.items():
        for reporter in ("东关街道财政所", "西城镇财政所"):
            rows_ = [("一般公共预算收入", "01", "万元", *r01), ("全口径财政收入", "02", "万元", *r02)]
            data = indicator_return("ZB01", reporter, f"2023年1-{period.month}月", rows_)
            put(tmp_path / "inbox" / f"{period:%Y-%m}" / f"{reporter}{period.month}月.xlsx", data,
                dt.datetime(2023, period.month + 1, 3, 9))
    wh = Warehouse.at(tmp_path / "w.duckdb")
    ingest_into(wh, tmp_path / "inbox", cat, JUNE)
    lots = owed(wh)
    with wh.reader() as con:
        month_of = dict(con.execute("select sha256, period from submissions").fetchall())
    assert [sorted({month_of[sha] for sha in lot.shas}) for lot in lots] == [[dt.date(2023, 5, 1)], [JUNE]]
    assert [len(lot.shas) for lot in lots] == [2, 2]
    for lot in lots:
        write_feedback(wh, cat, tmp_path / "out", shas=lot.shas)
        settle(wh, lot)
    assert rows(wh.path, "select count(*) from receipts_owed") == [(0,)]  # settled (published with the next load)
    for period in months:
        assert len(list((tmp_path / "out" / f"{period:%Y-%m}" / "feedback").iterdir())) == 2
