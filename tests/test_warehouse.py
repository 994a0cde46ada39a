"""Loading returns into DuckDB: figures, statuses, findings, idempotence and all-or-nothing loads."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from statreturns.warehouse import load as load_module
from tests.conftest import ingest_into, JUNE, REPORTER, day, put, zb01
from statreturns.warehouse.db import connect

def run(db, inbox, cat):
    return ingest_into(db, inbox, cat, JUNE, archive=db.parent / "archive")


def rows(db, sql, *params):
    with connect(db, read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_figures_hold_the_june_values_with_their_source_cell(db, inbox, cat):
    run(db, inbox, cat)
    got = rows(db, "select org_name, month_value, ytd_value, prior_ytd_value, round(yoy_pct, 4), file_name, sheet, cell "
                   "from figures where period = '2023-06-01' and form_code = 'ZB01' and indicator_code = '01'")
    assert got == [("示例街道", 10.0, 100.0, 90.0, round((100 / 90 - 1) * 100, 1), "财政6月.xlsx", "Sheet1", "E5")]


def test_every_file_is_in_submissions_with_one_status(db, inbox, cat, tmp_path):
    shutil.copy(inbox / "2023-06" / "财政6月.xlsx", inbox / "2023-06" / "财政6月(1).xlsx")
    put(inbox / "2023-06" / "说明.xlsx", "请各单位按时报送".encode(), day(6))
    put(inbox / "2023-06" / "截断.xlsx", (inbox / "2023-06" / "财政6月.xlsx").read_bytes()[:2000], day(6))
    run(db, inbox, cat)
    got = dict(rows(db, "select file_name, status from submissions"))
    assert got == {"财政5月.xlsx": "accepted", "财政6月.xlsx": "accepted", "财政6月(1).xlsx": "duplicate",
                   "说明.xlsx": "rejected", "截断.xlsx": "rejected"}
    assert rows(db, "select count(*) from figures where period = '2023-06-01'") == [(2,)]
    assert rows(db, "select cell, rule, message from findings where file_name = '说明.xlsx'") == [
        (None, "file_unreadable", "《说明.xlsx》：文件无法读取（文件内容是一段文字，不是电子表格），请检查文件是否损坏后重新报送")]
    assert rows(db, "select cell, rule from findings where file_name = '截断.xlsx'") == [(None, "file_unreadable")]


def test_a_folder_received_again_under_other_names_is_recorded_copy_by_copy_as_duplicates(db, inbox, cat):
    run(db, inbox, cat)  # May and June
    again = inbox / "重报"
    for month in ("2023-05", "2023-06"):
        for f in (inbox / month).iterdir():
            put(again / month / f"再次-{f.name}", f.read_bytes(), day(9))
    put(inbox / "2023-06" / "财政6月-副本.xlsx", (inbox / "2023-06" / "财政6月.xlsx").read_bytes(), day(9))
    run(db, inbox, cat)
    got = rows(db, "select file_name, status, org_code, form_code, period, sheet, file_size > 0 from submissions "
                   "where status = 'duplicate' order by file_name")
    assert got == [(name, "duplicate", "110199001", "ZB01", dt.date(2023, m, 1), "Sheet1", True)
                   for name, m in (("再次-财政5月.xlsx", 5), ("再次-财政6月.xlsx", 6), ("财政6月-副本.xlsx", 6))]
    assert rows(db, "select status, count(*) from submissions group by status order by status") == [("accepted", 2), ("duplicate", 3)]
    assert rows(db, "select count(*) from figures where period = '2023-06-01'") == [(2,)]


def test_a_later_correction_supersedes_and_its_figure_is_current(db, inbox, cat):
    run(db, inbox, cat)
    put(inbox / "2023-06" / "财政6月更正.xlsx", zb01(REPORTER, "2023年6月", (12, 20), (102, 200), (90, 190)), day(7))
    run(db, inbox, cat)
    assert dict(rows(db, "select file_name, status from submissions where period = '2023-06-01'")) == {
        "财政6月.xlsx": "superseded", "财政6月更正.xlsx": "accepted"}
    assert rows(db, "select ytd_value, file_name from figures where period = '2023-06-01' and indicator_code = '01'") == [
        (102.0, "财政6月更正.xlsx")]


def test_an_older_copy_received_later_does_not_replace_the_newer(db, inbox, cat):
    run(db, inbox, cat)
    put(inbox / "2023-06" / "财政6月旧.xlsx", zb01(REPORTER, "2023年6月", (12, 20), (102, 200), (90, 190)), day(1))
    run(db, inbox, cat)
    assert dict(rows(db, "select file_name, status from submissions where period = '2023-06-01'")) == {
        "财政6月.xlsx": "accepted", "财政6月旧.xlsx": "superseded"}


def test_a_rejected_return_keeps_its_reasons_and_adds_no_figures(db, inbox, cat):
    put(inbox / "2023-06" / "财政6月错.xlsx", zb01(REPORTER, "2023年6月", (10, 20), (101, 200), (90, 190)), day(8))
    run(db, inbox, cat)
    assert rows(db, "select status, n_errors from submissions where file_name = '财政6月错.xlsx'") == [("rejected", 1)]
    (cell, rule, value, message), = rows(
        db, "select cell, rule, value_found, message from findings where file_name = '财政6月错.xlsx'")
    assert (cell, rule, value) == ("E5", "ytd_continuity", "101")
    assert "财政6月错.xlsx" in message and "E5" in message and "一般公共预算收入" in message
    assert rows(db, "select file_name from figures where period = '2023-06-01' and indicator_code = '01'") == [("财政6月.xlsx",)]


def test_the_cross_period_rule_uses_the_previous_month_already_in_the_warehouse(db, inbox, cat, tmp_path):
    run(db, inbox / "2023-05", cat)
    july = tmp_path / "more" / "2023-07"
    put(july / "财政7月.xlsx", zb01(REPORTER, "2023年7月", (5, 5), (106, 205), (95, 195)), day(5, 8))
    ingest_into(db, july, cat, dt.date(2023, 7, 1), archive=db.parent / "archive")
    run(db, inbox, cat)  # June arrives after July: July was audited without a June to compare with
    assert rows(db, "select status from submissions where file_name = '财政7月.xlsx'") == [("accepted",)]
    got = rows(db, "select rule, cell from findings where file_name = '财政6月.xlsx'")
    assert got == []


def test_running_the_same_inbox_twice_changes_nothing(db, inbox, cat):
    first = run(db, inbox, cat)
    before = rows(db, "select * from submissions order by file_name")
    second = run(db, inbox, cat)
    assert first.counts == {"accepted": 2} and second.skipped == 2 and second.submissions.empty
    assert rows(db, "select * from submissions order by file_name") == before


def test_a_failure_mid_load_leaves_the_warehouse_as_it_was(db, inbox, cat, monkeypatch):
    run(db, inbox / "2023-05", cat)
    before = rows(db, "select * from submissions")
    loaded = []

    def load_then_fail(con, period, *args):
        real_load_period(con, period, *args)
        loaded.append(con.execute("select count(*) from submissions").fetchone()[0])
        raise OSError("disk full")

    real_load_period = load_module._load_period
    monkeypatch.setattr(load_module, "_load_period", load_then_fail)
    with pytest.raises(OSError):
        run(db, inbox, cat)
    assert loaded and loaded[0] > len(before)  # June's return was written inside the transaction
    assert rows(db, "select * from submissions") == before
    monkeypatch.undo()
    assert run(db, inbox, cat).counts == {"accepted": 1}


def test_received_files_are_archived_by_content(db, inbox, cat):
    run(db, inbox, cat)
    (path, sha), = rows(db, "select archive_path, sha256 from submissions where file_name = '财政6月.xlsx'")
    assert sha in path
    assert Path(path).read_bytes() == (inbox / "2023-06" / "财政6月.xlsx").read_bytes()


def test_a_formula_a_program_left_uncomputed_is_computed_and_marked(db, tmp_path, cat):
    from tests.workbooks import Formula, indicator_return

    lines = [["一般公共预算收入", "01", "万元", 10, Formula("=D5+90"), 90, None],
             ["全口径财政收入", "02", "万元", 20, Formula("=D6+180"), 170, None]]
    data = indicator_return("ZB01", REPORTER, "2023年6月", lines, engine="xlsxwriter", title="财政收入月报表")
    put(tmp_path / "in" / "2023-06" / "程序导出.xlsx", data, day(5))
    run(db, tmp_path / "in", cat)
    assert rows(db, "select value, computed, raw from figure_values where indicator_code = '01' and measure = 'ytd'") == [
        (100.0, True, "=D5+90")]
