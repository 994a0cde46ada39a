"""Closing a month (验收): recorded with who, when and why; the org-months move 已受理 → 已审核 → 已验收; reopening."""
from __future__ import annotations

import datetime as dt

import pytest

from statreturns.flows.cli import main
from statreturns.warehouse.closing import NotAllowed, approve, close_period, record_time, reopen_period
from statreturns.warehouse.db import sql
from statreturns.warehouse.explanations import record_explanation
from statreturns.warehouse.store import Warehouse
from tests.conftest import REPORTER, day, form_return, ingest_into, put, zb01

MAY = dt.date(2023, 5, 1)


@pytest.fixture
def env(tmp_path, monkeypatch):
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("STATRETURNS_CONFIG", str(tmp_path / "none.toml"))
    return tmp_path


@pytest.fixture
def loaded(inbox, db, cat):
    """示例街道财政所's May and June ZB01 returns in a warehouse; May's 01 grows 80% over last year (a warning)."""
    put(inbox / "2023-05" / "财政5月.xlsx", zb01(REPORTER, "2023年1-5月", (10, 20), (90, 180), (50, 170)), day(5, 6))
    ingest_into(db, inbox, cat)
    return Warehouse.at(db)


def closed_now(wh: Warehouse) -> list[dt.date]:
    with wh.reader() as con:
        return [p for (p,) in con.execute(sql("closed_periods")).fetchall()]


def audit_rows(wh: Warehouse) -> list[tuple]:
    with wh.reader() as con:
        return con.execute("select who, action, what, detail from audit_log order by logged_at, rowid").fetchall()


def test_closing_a_month_is_recorded_with_who_when_and_why(loaded):
    at = dt.datetime(2023, 7, 10, 9, 30)
    states = close_period(loaded, MAY, "统计局张三", "5月数据验收", now=at)
    assert closed_now(loaded) == [MAY]
    assert audit_rows(loaded) == [("统计局张三", "close", "2023-05", "5月数据验收")]
    with loaded.reader() as con:
        row = con.execute("select closed, closed_at, closed_by, close_reason from closings where period = ?", [MAY]).fetchone()
        assert record_time(con, MAY) == at
        assert record_time(con, dt.date(2023, 6, 1)) is None
    assert row == (True, at, "统计局张三", "5月数据验收")
    assert list(states["state_label"]) == ["已验收"]


def test_a_closed_month_cannot_be_closed_again_and_an_open_one_not_reopened(loaded):
    with pytest.raises(NotAllowed, match="不用重开"):
        reopen_period(loaded, MAY, "统计局", "更正")
    close_period(loaded, MAY, "统计局", "验收", now=dt.datetime(2023, 7, 10, 9))
    with pytest.raises(NotAllowed, match="2023年5月已于2023-07-10 09:00由统计局验收关账"):
        close_period(loaded, MAY, "统计局", "验收")
    with pytest.raises(NotAllowed, match="写明原因"):
        reopen_period(loaded, MAY, "统计局", "  ")


def test_reopening_lets_the_month_in_again_and_is_logged(loaded):
    close_period(loaded, MAY, "统计局", "验收", now=dt.datetime(2023, 7, 10, 9))
    reopen_period(loaded, MAY, "统计局李四", "东关街道ZB02表需要更正", now=dt.datetime(2023, 7, 12, 9))
    assert closed_now(loaded) == []
    assert audit_rows(loaded)[-1] == ("统计局李四", "reopen", "2023-05", "东关街道ZB02表需要更正")
    close_period(loaded, MAY, "统计局", "再次验收", now=dt.datetime(2023, 7, 13, 9))
    assert closed_now(loaded) == [MAY]


def test_an_org_month_moves_from_accepted_to_approved_to_closed(loaded):
    def state() -> str:
        with loaded.reader() as con:
            return con.execute("select state_label from org_period_states where period = ?", [MAY]).fetchone()[0]

    assert state() == "已受理"
    approved, refused = approve(loaded, MAY, None, "统计局")
    assert approved == [] and "有 1 条提醒待核实" in refused["110199001"]  # the 80% growth is not explained yet
    record_explanation(loaded, "财政5月.xlsx", "yoy_beyond_50", "上年同期有一次性退库，基数低", who="统计局")
    approved, refused = approve(loaded, MAY, None, "统计局王五", "数据已审核")
    assert approved == ["110199001"] and refused == {}
    assert state() == "已审核"
    assert audit_rows(loaded)[-1] == ("统计局王五", "approve", "110199001 2023-05", "数据已审核")
    close_period(loaded, MAY, "统计局", "验收")
    assert state() == "已验收"


def test_a_return_received_after_approval_needs_approving_again(loaded, inbox, db, cat):
    record_explanation(loaded, "财政5月.xlsx", "yoy_beyond_50", "上年同期有一次性退库，基数低", who="统计局")
    approve(loaded, MAY, ["110199001"], "统计局")
    put(inbox / "2023-05" / "财政5月（更正）.xlsx", zb01(REPORTER, "2023年1-5月", (10, 20), (90, 180), (80, 170)), day(7, 6))
    ingest_into(db, inbox, cat)
    with loaded.reader() as con:
        assert con.execute("select state_label from org_period_states where period = ?", [MAY]).fetchone()[0] == "已受理"


def test_the_summary_of_record_reads_the_returns_as_they_stood_at_closing(loaded, inbox, db, cat):
    """Reopened and corrected later, the month's returns as of its closing time are still the old ones."""
    close_period(loaded, MAY, "统计局", "验收")
    with loaded.reader() as con:
        closed_at = record_time(con, MAY)
    reopen_period(loaded, MAY, "统计局", "更正一般公共预算收入")
    put(inbox / "2023-05" / "财政5月（更正）.xlsx", zb01(REPORTER, "2023年1-5月", (12, 20), (92, 180), (80, 170)), day(12, 7))
    ingest_into(db, inbox, cat)
    query = """select v.value from submissions_as_of(?) s join figure_values v on v.sha256 = s.sha256
               where s.status = 'accepted' and s.period = '2023-05-01' and v.indicator_code = '01' and v.measure = 'month'"""
    with loaded.reader() as con:
        now = con.execute(query, [dt.datetime(2100, 1, 1)]).fetchall()
        then = con.execute(query, [closed_at]).fetchall()
        as_of = con.execute("select month_value from figures_as_of(?) where period = '2023-05-01' and indicator_code = '01'",
                            [closed_at]).fetchall()
    assert now == [(12.0,)] and then == [(10.0,)] and as_of == [(10.0,)]


def test_the_close_and_reopen_commands(loaded, env, capsys):
    wh = ["--warehouse", str(loaded.path)]
    assert main(["close", "--period", "2023-05", *wh]) == 0
    out = capsys.readouterr().out
    assert "已验收关账：2023年5月（月度验收）" in out and "示例街道：已验收（受理报表 1 张，待核实提醒 1 条）" in out
    assert main(["close", "--period", "2023-05", *wh]) == 2
    assert "不用再关账" in capsys.readouterr().err
    assert main(["states", "--period", "2023-05", *wh]) == 0
    assert "2023年5月审核验收进度（已于" in capsys.readouterr().out
    assert main(["reopen", "--period", "2023-05", "--reason", "示例街道财政所申请更正", *wh]) == 0
    assert "已重开：2023年5月（示例街道财政所申请更正）" in capsys.readouterr().out
    assert closed_now(loaded) == []
    who, action, what, detail = audit_rows(loaded)[-1]
    assert (action, what, detail) == ("reopen", "2023-05", "示例街道财政所申请更正") and who.startswith("命令行:")
    assert main(["approve", "--period", "2023-05", *wh]) == 1
    assert "未审核：示例街道 2023年5月：有 1 条提醒待核实" in capsys.readouterr().err


def test_the_period_closed_rule_words_the_refusal(cat):
    rule = cat.rules["period_closed"]
    assert rule.severity == "error" and rule.message == "本期已验收关账，如需更正请联系统计局"


def test_after_closing_a_new_return_is_refused_and_after_reopening_accepted(loaded, inbox, db, cat):
    def may_figures() -> list[tuple]:
        with loaded.reader() as con:
            return con.execute("select form_code, indicator_code, month_value, ytd_value from figures "
                               "where period = '2023-05-01' order by all").fetchall()

    before = may_figures()
    close_period(loaded, MAY, "统计局", "验收")
    put(inbox / "2023-05" / "财政5月（更正）.xlsx", zb01(REPORTER, "2023年1-5月", (12, 20), (92, 180), (80, 170)), day(12, 7))
    put(inbox / "2023-05" / "热线5月.xlsx", form_return(cat, "ZB05", "示例街道网格化管理服务中心", "2023年5月",
                                                      {"01": (5, 30), "02": (4, 20), "03": (1, 6)}), day(12, 7))
    result = ingest_into(db, inbox, cat)
    refused = result.findings[result.findings["rule"] == "period_closed"]
    assert set(refused["file_name"]) == {"财政5月（更正）.xlsx", "热线5月.xlsx"}
    assert all(m.endswith("本期已验收关账，如需更正请联系统计局") for m in refused["message"])
    assert set(result.submissions["status"]) == {"rejected"}
    assert may_figures() == before
    reopen_period(loaded, MAY, "统计局", "示例街道财政所更正一般公共预算收入")
    put(inbox / "2023-05" / "财政5月（再次更正）.xlsx", zb01(REPORTER, "2023年5月", (12, 20), (92, 180), (80, 170)), day(13, 7))
    assert list(ingest_into(db, inbox, cat).submissions["status"]) == ["accepted"]
    assert ("ZB01", "01", 12.0, 92.0) in may_figures()


def test_closings_and_approvals_carry_over_into_a_rebuilt_warehouse(loaded, tmp_path, inbox, cat):
    from statreturns.warehouse.closing import office_records, restore_office_records

    record_explanation(loaded, "财政5月.xlsx", "yoy_beyond_50", "上年同期有一次性退库，基数低", who="统计局")
    approve(loaded, MAY, None, "统计局")
    close_period(loaded, MAY, "统计局", "验收")
    with loaded.reader() as con:
        carried = office_records(con)
    fresh = Warehouse.at(tmp_path / "rebuilt.duckdb")
    ingest_into(fresh, inbox, cat)
    with fresh.writer() as con:
        restore_office_records(con, carried)
    assert closed_now(fresh) == [MAY]
    with fresh.reader() as con:
        assert con.execute("select count(*) from approvals").fetchone()[0] == 1
