"""The newest drifts of spec §6: total rows, two-row headers that lost their merges, a 报告期 stored as a date or a
number; and two versions of one return in one workbook."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from statreturns.intake.readers import read_grids
from statreturns.schemas.audit import audit
from statreturns.schemas.catalogue import load_catalogue
from statreturns.schemas.records import Received, read_batch
from tests.conftest import JUNE, REPORTER, ingest_into, put
from tests.workbooks import ENGINES, indicator_return, project_return, sheet, workbook
from tests.test_audit import NONE

CAT = load_catalogue()
ZB01 = [["一般公共预算收入", "01", "万元", 10, 100, 90, None], ["全口径财政收入", "02", "万元", 20, 200, 180, None]]


def returns_of(data: bytes):
    batch = read_batch([Received("sha", "报表.xlsx", tuple(read_grids(data)))], CAT)
    return batch, audit(batch, NONE, CAT, JUNE)


def figures(batch) -> dict[tuple[str, str], float]:
    return {(r.indicator_code, r.measure): r.value for r in batch.records.itertuples() if r.value == r.value}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_two_row_header_that_lost_its_merges_is_read(engine):
    top = ["指标名称", "代码", "计量单位", "本期数", None, "同期比较", None]
    bottom = [None, None, None, "本月", "本年累计", "上年同期累计", "同比增长(%)"]
    s = sheet("Sheet1", [["财政收入月报表"], ["表号：ZB01表"], [f"填报单位：{REPORTER}", None, None, "报告期：2023年6月"],
                         top, bottom, *ZB01])
    batch, found = returns_of(workbook([s], engine=engine))
    assert found.empty, found["message"].tolist()
    assert figures(batch)[("01", "ytd")] == 100 and figures(batch)[("02", "prior_ytd")] == 180
    assert batch.records.loc[batch.records["indicator_code"] == "01"].set_index("measure")["cell"]["month"] == "D6"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("typed", [dt.datetime(2023, 6, 1), 202306, 45078, "2023年6月"])
def test_a_report_period_typed_in_a_cell_of_its_own_is_read_whatever_it_became(engine, typed):
    data = indicator_return("ZB01", REPORTER, typed, ZB01, engine=engine)
    batch, found = returns_of(data)
    assert batch.returns["period"].dt.date.tolist() == [JUNE]
    assert "no_period" not in set(found["rule"])


def test_a_total_row_under_an_indicator_table_is_not_an_item():
    rows = [*ZB01, ["合计", None, "万元", 30, 300, 270, None]]
    batch, found = returns_of(indicator_return("ZB01", REPORTER, "2023年6月", rows))
    assert "unknown_row" not in set(found["rule"]) and found[found["severity"] == "error"].empty
    assert figures(batch)[("02", "ytd")] == 200


@pytest.mark.parametrize("total", [["合计", None, None, 3000], [None, "合  计", None, 3000], ["小计", None, None, 1000]])
def test_a_total_row_closing_a_project_list_is_not_a_project(total):
    projects = [[1, "冷链物流中心项目", "新开工", 1000, "东关村", "仓储业", "经发办"],
                [2, "光伏发电项目", "续建", 2000, "西沟村", "电力", "经发办"], total]
    batch, found = returns_of(project_return("示例街道经济发展办公室", "2023年6月", projects))
    assert sorted(batch.projects["project_name"]) == ["光伏发电项目", "冷链物流中心项目"]
    assert found[found["severity"] == "error"].empty, found["message"].tolist()


def test_two_sheets_of_one_return_with_different_figures_are_both_refused_naming_both(tmp_path):
    other = [[*ZB01[0][:4], 101, *ZB01[0][5:]], ZB01[1]]
    first = indicator_return("ZB01", REPORTER, "2023年6月", ZB01, sheet_name="6月")
    book = openpyxl.load_workbook(io.BytesIO(first))
    second = openpyxl.load_workbook(io.BytesIO(indicator_return("ZB01", REPORTER, "2023年6月", other)))
    copy = book.create_sheet("6月(修改)")
    for row in second.active.iter_rows():
        for cell in row:
            copy.cell(cell.row, cell.column, cell.value)
    buf = io.BytesIO()
    book.save(buf)
    put(tmp_path / "inbox" / "2023-06" / "财政6月.xlsx", buf.getvalue(), dt.datetime(2023, 7, 5))
    result = ingest_into(tmp_path / "w.duckdb", tmp_path / "inbox", CAT)
    assert sorted(result.submissions["status"]) == ["rejected", "rejected"]
    twice = result.findings[result.findings["rule"] == "return_twice_in_file"]
    assert sorted(twice["sheet"]) == ["6月", "6月(修改)"]
    assert all("“6月”、“6月(修改)”" in m for m in twice["message"])


def test_two_sheets_holding_the_same_figures_are_one_return_sent_twice(tmp_path):
    data = indicator_return("ZB01", REPORTER, "2023年6月", ZB01, sheet_name="甲")
    book = openpyxl.load_workbook(io.BytesIO(data))
    book.copy_worksheet(book["甲"]).title = "乙"
    buf = io.BytesIO()
    book.save(buf)
    put(tmp_path / "inbox" / "2023-06" / "财政6月.xlsx", buf.getvalue(), dt.datetime(2023, 7, 5))
    result = ingest_into(tmp_path / "w.duckdb", tmp_path / "inbox", CAT)
    assert sorted(result.submissions["status"]) == ["accepted", "superseded"]
    assert "return_twice_in_file" not in set(result.findings["rule"])


def test_a_project_without_a_status_is_told_as_blank_never_nan():
    projects = [[1, "冷链物流中心项目", None, 1000, "东关村", "仓储业", "经发办"]]
    _, found = returns_of(project_return("示例街道经济发展办公室", "2023年6月", projects))
    (message,) = found.loc[found["rule"] == "project_status", "message"]
    assert "项目状态“空白”" in message and "nan" not in message.lower()
