"""说明: a warning explained in the return itself or by the office stays a finding, marked explained, and is no longer open."""
from __future__ import annotations

import datetime as dt

import duckdb
import openpyxl
import pandas as pd
import pytest

from statreturns.flows.cli import main
from statreturns.warehouse.store import Warehouse
from statreturns.reports.feedback import feedback_path
from statreturns.reports.status import period_status
from statreturns.schemas.audit import PREVIOUS_COLUMNS, audit
from statreturns.schemas.catalogue import load_catalogue
from statreturns.schemas.notes import named_indicators, read_notes
from statreturns.schemas.records import Received, read_batch
from tests.conftest import ingest_into, put
from tests.workbooks import indicator_return, sheet
from statreturns.warehouse.explanations import CannotExplain, record_explanation
from statreturns.intake.inbox import discover
from statreturns.intake.readers import read_grids

CAT = load_catalogue()
JUNE = dt.date(2023, 6, 1)
NONE = pd.DataFrame(columns=list(PREVIOUS_COLUMNS))
REPORTER = "示例街道财政所"
# 01 grows 80% (a warning); 02 grows 20%
ROWS = [("一般公共预算收入", "01", "万元", 100, 900, 500, None), ("全口径财政收入", "02", "万元", 200, 1200, 1000, None)]
NOTE = "一般公共预算收入增幅较大，系本年新增一次性土地出让收入"


def zb01(*notes: object, **kw) -> bytes:
    return indicator_return("ZB01", REPORTER, "2023年1-6月", [*ROWS, *notes], **kw)


def audited(data: bytes) -> pd.DataFrame:
    received = [Received("sha", "财政6月.xlsx", tuple(read_grids(data)))]
    return audit(read_batch(received, CAT), NONE, CAT, JUNE, read_notes(received, CAT))


def explained(findings: pd.DataFrame) -> dict[tuple[str, str], str | None]:
    """(rule, indicator) -> the explanation of each warning, None when it is still open."""
    warnings = findings[findings["severity"] == "warning"]
    return {(f.rule, f.indicator_code): f.explanation if f.explained else None for f in warnings.itertuples()}


def test_a_warning_without_a_note_is_open():
    assert explained(audited(zb01())) == {("yoy_beyond_50", "01"): None}


@pytest.mark.parametrize("note", [f"说明：{NOTE}", f"说明: {NOTE}", f"情况说明：{NOTE}", f" 说 明 ：{NOTE}"])
def test_a_note_row_naming_the_indicator_explains_its_warning(note):
    f = audited(zb01(None, note))
    assert explained(f) == {("yoy_beyond_50", "01"): NOTE}
    assert list(f["severity"]) == ["warning"]  # still a finding, with its cell and message
    assert f["cell"].iloc[0] == "E5"


def test_a_note_split_over_cells_is_read_whole():
    f = audited(zb01(None, ("说明", NOTE)))
    assert explained(f) == {("yoy_beyond_50", "01"): NOTE}


def test_a_note_sheet_explains_the_indicators_it_names():
    notes = sheet("说明", [["指标", "原因"], ["一般公共预算收入", "上年同期基数低"]])
    assert explained(audited(zb01(after=[notes]))) == {("yoy_beyond_50", "01"): "一般公共预算收入 上年同期基数低"}


def test_a_note_in_a_column_headed_shuoming_explains_its_row():
    columns = ("指标名称", "代码", "计量单位", "本月", "本年累计", "上年同期累计", "同比增长(%)", "说明")
    rows = [(*ROWS[0], "上年同期基数低"), (*ROWS[1], "")]
    data = indicator_return("ZB01", REPORTER, "2023年1-6月", rows, columns=columns)
    assert explained(audited(data)) == {("yoy_beyond_50", "01"): "上年同期基数低"}


def test_a_remark_column_explains_nothing():
    columns = ("指标名称", "代码", "计量单位", "本月", "本年累计", "上年同期累计", "同比增长(%)", "备注")
    data = indicator_return("ZB01", REPORTER, "2023年1-6月", [(*ROWS[0], "初步数"), ROWS[1]], columns=columns)
    assert explained(audited(data)) == {("yoy_beyond_50", "01"): None}


def test_a_note_by_another_name_of_the_indicator_explains_it():
    assert explained(audited(zb01(None, "说明：公共财政预算收入增幅较大，系新增一次性收入")))[("yoy_beyond_50", "01")]


def test_a_note_naming_another_indicator_explains_nothing():
    assert explained(audited(zb01(None, "说明：全口径财政收入增长较快"))) == {("yoy_beyond_50", "01"): None}


def test_the_instructions_sheet_explains_nothing():
    instructions = sheet("填表说明", [["一般公共预算收入：按财政决算口径填报"]])
    assert explained(audited(zb01(before=[instructions]))) == {("yoy_beyond_50", "01"): None}


def test_an_error_is_never_explained():
    rows = [("一般公共预算收入", "01", "万元", 700, 600, 500, None), ROWS[1]]
    data = indicator_return("ZB01", REPORTER, "2023年1-6月", [*rows, None, f"说明：{NOTE}"])
    f = audited(data)
    assert set(f.loc[f["severity"] == "error", "rule"]) == {"ytd_lt_month"}
    assert not f.loc[f["severity"] == "error", "explained"].any()


def test_a_name_inside_a_longer_name_is_not_named():
    names = {"耕地保护流出图斑": "02", "耕地保护流出图斑面积": "03", "已核销图斑": "04"}
    assert named_indicators("耕地保护流出图斑面积较上月增加较多", names) == {"03"}
    assert named_indicators("耕地保护流出图斑和耕地保护流出图斑面积均有增加", names) == {"02", "03"}


# ------------------------------------------------------------------ through the warehouse and the command


@pytest.fixture
def env(tmp_path, monkeypatch):
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("STATRETURNS_CONFIG", str(tmp_path / "none.toml"))
    return tmp_path


def ingest(env, name: str, data: bytes) -> None:
    put(env / "inbox" / "2023-06" / name, data, dt.datetime(2023, 7, 5, 9))
    ingest_into(env / "w.duckdb", env / "inbox", CAT, JUNE, archive=env / "archive")


def findings(env) -> list[tuple]:
    with duckdb.connect(str(env / "w.duckdb"), read_only=True) as con:
        return con.execute("select rule, indicator_code, severity, explained, explanation from findings "
                           "order by rule").fetchall()


def test_a_note_in_the_return_is_stored_with_its_warning(env):
    ingest(env, "财政6月.xlsx", zb01(None, f"说明：{NOTE}"))
    assert findings(env) == [("yoy_beyond_50", "01", "warning", True, NOTE)]
    assert period_status(Warehouse.at(env / "w.duckdb"), CAT, JUNE).table.query("form_code == 'ZB01'")["open_warnings"].tolist() == [0, 0, 0]


def cli(env, *args: str) -> int:
    return main([*args, "--warehouse", str(env / "w.duckdb"), "--out", str(env / "out")])


def test_the_office_explains_a_warning_and_it_is_no_longer_open(env, capsys):
    ingest(env, "财政6月.xlsx", zb01())
    assert findings(env) == [("yoy_beyond_50", "01", "warning", False, None)]
    assert cli(env, "explain", "--file", "财政6月.xlsx", "--rule", "yoy_beyond_50", "--reason", "口径调整：并入镇级收入") == 0
    assert "1 条提醒标记为已说明" in capsys.readouterr().out
    assert findings(env) == [("yoy_beyond_50", "01", "warning", True, "口径调整：并入镇级收入")]
    status = period_status(Warehouse.at(env / "w.duckdb"), CAT, JUNE)
    assert status.table.query("org_code == '110199001' and form_code == 'ZB01'")["open_warnings"].tolist() == [0]
    results = openpyxl.load_workbook(feedback_path(env / "out", JUNE, "财政6月.xlsx"))["审核结果"]
    states = [row[-1] for row in results.iter_rows(values_only=True) if row[0] == 1]
    assert states == ["已说明：口径调整：并入镇级收入"]


def test_an_explanation_outlives_a_later_ingest(env):
    ingest(env, "财政6月.xlsx", zb01())
    record_explanation(Warehouse.at(env / "w.duckdb"), "财政6月", "yoy_beyond_50", "口径调整", indicator="01")
    ingest(env, "经发6月.xlsx", indicator_return("ZB02", "示例街道经发办", "2023年6月", []))
    assert ("yoy_beyond_50", "01", "warning", True, "口径调整") in findings(env)


def test_what_cannot_be_explained_says_why(env, capsys):
    rows = [("一般公共预算收入", "01", "万元", 700, 600, 500, None), ROWS[1]]
    ingest(env, "错表.xlsx", indicator_return("ZB01", REPORTER, "2023年6月", rows))
    ingest(env, "财政6月.xlsx", zb01())
    with pytest.raises(CannotExplain, match="没有找到文件《无此文件.xlsx》"):
        record_explanation(Warehouse.at(env / "w.duckdb"), "无此文件.xlsx", "yoy_beyond_50", "x")
    with pytest.raises(CannotExplain, match="是错误，不能用说明代替修改"):
        record_explanation(Warehouse.at(env / "w.duckdb"), "错表.xlsx", "ytd_lt_month", "x")
    with pytest.raises(CannotExplain, match="它的提醒有：yoy_beyond_50（指标01）"):
        record_explanation(Warehouse.at(env / "w.duckdb"), "财政6月.xlsx", "yoy_cell_mismatch", "x")
    with pytest.raises(CannotExplain, match="指标02"):
        record_explanation(Warehouse.at(env / "w.duckdb"), "财政6月.xlsx", "yoy_beyond_50", "x", indicator="02")
    assert cli(env, "explain", "--file", "错表.xlsx", "--rule", "ytd_lt_month", "--reason", "x") == 1
    assert "不能用说明代替修改" in capsys.readouterr().err
    assert [f[3] for f in findings(env)] == [False, False]
