"""说明 that mean something: boilerplate (核实无误, 数据属实 …) closes no warning, and the receipt says why."""
from __future__ import annotations

import datetime as dt

import duckdb
import openpyxl
import pytest

from statreturns.flows.cli import main
from statreturns.reports.feedback import feedback_path, write_feedback
from statreturns.schemas.catalogue import load_catalogue
from statreturns.schemas.notes import gives_no_reason
from statreturns.warehouse.explanations import CannotExplain, record_explanation
from statreturns.warehouse.store import Warehouse
from tests.conftest import ingest_into, put
from tests.workbooks import indicator_return, sheet

CAT = load_catalogue()
JUNE = dt.date(2023, 6, 1)
REPORTER = "示例街道财政所"
# 01 grows 80% (a warning); 02 grows 20%
ROWS = [("一般公共预算收入", "01", "万元", 100, 900, 500, None), ("全口径财政收入", "02", "万元", 200, 1200, 1000, None)]
NAMES = ["一般公共预算收入", "公共财政预算收入"]
RULE = CAT.rules["explanation_boilerplate"]


@pytest.mark.parametrize("text", ["核实无误", "数据属实", "无", "正常", "已核实", "一般公共预算收入：经核实，数据准确无误",
                                  "一般公共预算收入增幅较大，数据属实", "一般公共预算收入同比增长80%，已确认", "  ", "说明：正常波动"])
def test_boilerplate_gives_no_reason(text):
    assert gives_no_reason(text, NAMES, RULE)


@pytest.mark.parametrize("text", ["新增税源", "口径调整", "项目集中开工", "一般公共预算收入增幅较大，系上年同期基数低",
                                  "本月新增两户规上企业入库税收", "上年同期有一次性退库"])
def test_a_reason_is_a_reason(text):
    assert not gives_no_reason(text, NAMES, RULE)


def test_the_word_lists_are_data_in_the_rule_registry():
    assert {"核实无误", "数据属实", "无", "正常", "已核实"} <= set(RULE.params["phrases"])
    assert RULE.severity == "warning" and RULE.params["min_chars"] == 2


@pytest.fixture
def env(tmp_path, monkeypatch):
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("STATRETURNS_CONFIG", str(tmp_path / "none.toml"))
    return tmp_path


def load(env, name: str, data: bytes) -> Warehouse:
    put(env / "inbox" / "2023-06" / name, data, dt.datetime(2023, 7, 5, 9))
    ingest_into(env / "w.duckdb", env / "inbox", CAT, JUNE, archive=env / "archive")
    return Warehouse.at(env / "w.duckdb")


def findings(env) -> list[tuple]:
    with duckdb.connect(str(env / "w.duckdb"), read_only=True) as con:
        return con.execute("select rule, cell, severity, explained, message from findings order by rule").fetchall()


def test_a_boilerplate_note_leaves_the_warning_open_and_the_receipt_asks_why(env):
    wh = load(env, "财政6月.xlsx", indicator_return("ZB01", REPORTER, "2023年1-6月", [*ROWS, None, "说明：一般公共预算收入核实无误"]))
    (said_rule, said_cell, said_severity, said_explained, said), (rule, _, _, explained, _) = findings(env)
    assert (rule, explained) == ("yoy_beyond_50", False)
    assert (said_rule, said_cell, said_severity, said_explained) == ("explanation_boilerplate", "A8", "warning", False)
    assert said == ("《财政6月.xlsx》工作表“Sheet1”A8单元格，ZB01表指标“01 一般公共预算收入”：说明“一般公共预算收入核实无误”"
                    "没有写明原因，不能作为“同比增减超过±50%”提醒的说明，该提醒仍待核实；请写明具体原因，如 新增税源、口径调整、项目集中开工")
    [path] = write_feedback(wh, CAT, env / "out", period=JUNE)
    assert path == feedback_path(env / "out", JUNE, "财政6月.xlsx")
    texts = [str(v) for row in openpyxl.load_workbook(path)["审核结果"].iter_rows(values_only=True) for v in row if v]
    assert any("没有写明原因" in t and "新增税源、口径调整、项目集中开工" in t for t in texts)


def test_a_boilerplate_note_sheet_is_no_explanation_either(env):
    notes = sheet("说明", [["指标", "原因"], ["一般公共预算收入", "数据属实"]])
    load(env, "财政6月.xlsx", indicator_return("ZB01", REPORTER, "2023年1-6月", ROWS, after=[notes]))
    rules = [(r, cell, explained) for r, cell, _, explained, _ in findings(env)]
    assert rules == [("explanation_boilerplate", "A2", False), ("yoy_beyond_50", "E5", False)]


def test_the_office_cannot_close_a_warning_with_boilerplate(env, capsys):
    wh = load(env, "财政6月.xlsx", indicator_return("ZB01", REPORTER, "2023年1-6月", ROWS))
    with pytest.raises(CannotExplain, match="说明“经核实数据属实”没有写明原因"):
        record_explanation(wh, "财政6月.xlsx", "yoy_beyond_50", "经核实数据属实")
    assert main(["explain", "--file", "财政6月.xlsx", "--rule", "yoy_beyond_50", "--reason", "正常",
                 "--warehouse", str(wh.path), "--out", str(env / "out")]) == 1
    assert "请写明具体原因，如 新增税源、口径调整、项目集中开工" in capsys.readouterr().err
    assert [f[3] for f in findings(env)] == [False]
    with duckdb.connect(str(wh.path), read_only=True) as con:
        assert con.execute("select count(*) from audit_log").fetchone()[0] == 0


def test_every_explanation_is_in_the_audit_log(env):
    wh = load(env, "财政6月.xlsx", indicator_return("ZB01", REPORTER, "2023年1-6月", ROWS))
    at = dt.datetime(2023, 7, 8, 10, 0)
    record_explanation(wh, "财政6月.xlsx", "yoy_beyond_50", "上年同期基数低", indicator="01", now=at, who="网页:财政所张三")
    with duckdb.connect(str(wh.path), read_only=True) as con:
        logged = con.execute("select logged_at, who, action, what, detail from audit_log").fetchall()
        sha = con.execute("select sha256 from audit_log").fetchone()[0]
        received = con.execute("select sha256 from submissions").fetchone()[0]
    assert logged == [(at, "网页:财政所张三", "explain", "财政6月.xlsx", "yoy_beyond_50（指标01）：上年同期基数低")]
    assert sha == received


def test_the_offices_reason_answers_a_boilerplate_note_too(env):
    wh = load(env, "财政6月.xlsx", indicator_return("ZB01", REPORTER, "2023年1-6月", [*ROWS, None, "说明：一般公共预算收入 正常"]))
    record_explanation(wh, "财政6月.xlsx", "yoy_beyond_50", "上年同期有一次性退库")
    assert [(r, explained) for r, _, _, explained, _ in findings(env)] == [
        ("explanation_boilerplate", True), ("yoy_beyond_50", True)]
