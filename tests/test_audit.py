"""The 审核 rules of spec §7, each firing and not firing, on returns built in code."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd
import pytest

from statreturns.schemas.audit import PREVIOUS_COLUMNS, audit, indicator_frame, rule_schema, wide
from statreturns.schemas.catalogue import load_catalogue, read_rule
from statreturns.schemas.rules import growth, parse
from statreturns.schemas.records import Received, read_batch
from tests.workbooks import Percent, indicator_return, project_return
from statreturns.intake.readers import read_grids

CAT = load_catalogue()
FILE = "示例街道财政所.xlsx"
JUNE = dt.date(2023, 6, 1)
NONE = pd.DataFrame(columns=list(PREVIOUS_COLUMNS))


def run(data: bytes, *, previous: pd.DataFrame = NONE, run_period: dt.date | None = JUNE,
        folder_period: dt.date | None = None, file_name: str = FILE) -> pd.DataFrame:
    batch = read_batch([Received("sha", file_name, tuple(read_grids(data)), folder_period=folder_period)], CAT)
    return audit(batch, previous, CAT, run_period)


def found(findings: pd.DataFrame) -> set[tuple]:
    """(rule, severity, cell, indicator) of every finding."""
    return {(f.rule, f.severity, None if pd.isna(f.cell) else f.cell, None if pd.isna(f.indicator_code) else f.indicator_code)
            for f in findings.itertuples()}


def message(findings: pd.DataFrame, rule: str) -> str:
    hits = findings[findings["rule"] == rule]
    assert len(hits) == 1, findings[["rule", "cell", "message"]]
    return hits["message"].iloc[0]


def names(msg: str, *words: object) -> None:
    for w in (FILE, "Sheet1", *words):
        assert str(w) in msg, (w, msg)


def zb01(r01=(100, 600, 500, None), r02=(200, 1200, 1000, None), period="2023年1-6月", **kw) -> bytes:
    rows = [r for r in (("一般公共预算收入", "01", "万元", *r01) if r01 else None,
                        ("全口径财政收入", "02", "万元", *r02) if r02 else None) if r]
    return indicator_return("ZB01", "示例街道财政所", period, rows, **kw)


def previous(ytd01: float, ytd02: float = 1000, period=dt.date(2023, 5, 1)) -> pd.DataFrame:
    """The stored 本年累计 of ZB01 at ``period``, as the warehouse supplies it."""
    return pd.DataFrame([("110199001", "ZB01", "01", period, ytd01), ("110199001", "ZB01", "02", period, ytd02)],
                        columns=list(PREVIOUS_COLUMNS))


def test_a_clean_return_has_no_findings():
    assert found(run(zb01(), previous=previous(500))) == set()


def test_a_missing_indicator():
    f = run(zb01(r02=None))
    assert found(f) == {("missing_indicator", "error", None, "02")}
    names(message(f, "missing_indicator"), "02 全口径财政收入", "缺少")


@pytest.mark.parametrize("r01, cell, measure", [
    ((None, 600, 500, None), "D5", "本月"),
    ((100, "—", 500, None), "E5", "本年累计"),
    ((100, 600, "/", None), "F5", "上年同期累计"),
])
def test_a_required_figure_left_blank(r01, cell, measure):
    f = run(zb01(r01=r01))
    assert found(f) == {("missing_figure", "error", cell, "01")}
    names(message(f, "missing_figure"), cell, "一般公共预算收入", measure)


def test_a_required_column_missing():
    columns = ("指标名称", "代码", "计量单位", "本月", "本年累计")
    f = run(zb01(r01=(100, 600), r02=(200, 1200), columns=columns))
    assert found(f) == {("missing_figure", "error", None, "01"), ("missing_figure", "error", None, "02")}


def test_optional_figures_may_be_blank():
    rows = [("煤改电计划安装户数", "06", "户", "—", 120), ("煤改电已安装户数", "07", "户", None, 100),
            ("低洼地段排水勘察地点", "T1", None, None), ("耕地建房点位响应", "01", "个", 0, 0, "—")]
    f = run(indicator_return("ZB06", "示例街道城乡建设办公室", "2023年6月", rows, unit=None))
    assert {r[0] for r in found(f)} == {"missing_indicator"}
    assert {r[3] for r in found(f)} == {"02", "03", "04", "05"}


def test_not_a_number_is_reported_once():
    f = run(zb01(r01=(100, "六百", 500, None)))
    assert found(f) == {("not_number", "error", "E5", "01")}
    names(message(f, "not_number"), "E5", "六百", "一般公共预算收入")


def test_negative_figure_via_the_record_contract():
    f = run(zb01(r01=(-100, 600, 500, None), r02=(200, 1200, "-1,000", None)))
    assert found(f) == {("negative", "error", "D5", "01"), ("negative", "error", "F6", "02")}
    names(message(f[f["cell"] == "D5"], "negative"), "D5", "-100", "一般公共预算收入")


def test_negative_growth_is_no_finding():
    assert found(run(zb01(r01=(100, 600, 700, -14.3)))) == set()


def test_ytd_less_than_month():
    f = run(zb01(r01=(700, 600, 500, None)))
    assert ("ytd_lt_month", "error", "E5", "01") in found(f)
    names(message(f, "ytd_lt_month"), "E5", "600", "700")


def test_ytd_less_than_month_is_fine_for_a_stock():
    rows = [("检查企业", "01", "家", 5, 30), ("发现安全隐患", "02", "项", 3, 20), ("完成隐患整改", "03", "项", 3, 18),
            ("烟花爆竹临时销售点", "04", "家", 9, 4), ("排查老人燃气使用", "05", "户", 1, 1),
            ("办理食品摊贩登记备案卡", "06", "个", 1, 1), ("进山检查点", "07", "个", None, 3),
            ("日均出动巡查车辆", "08", "台", None, 2), ("日均出动巡查人员", "09", "人", None, 6)]
    assert found(run(indicator_return("ZB11", "示例街道应急办", "2023年6月", rows, unit=None))) == set()


def test_ytd_continuity():
    f = run(zb01(r01=(100, 650, 500, None)), previous=previous(500))
    assert found(f) == {("ytd_continuity", "error", "E5", "01")}
    names(message(f, "ytd_continuity"), "E5", "650", "500", "100", "应为600")


def test_ytd_continuity_within_a_hundredth_of_the_unit():
    assert found(run(zb01(r01=(100, 600.004, 500, None)), previous=previous(500))) == set()


def test_ytd_continuity_converts_units_first():
    rows = [("一般公共预算收入", "01", None, 1_000_000, 6_000_000, 5_000_000),
            ("全口径财政收入（元）", "02", None, 2_000_000, 12_000_000, 10_000_000)]
    data = indicator_return("ZB01", "示例街道财政所", "2023年6月", rows, unit="元")
    assert found(run(data, previous=previous(500))) == set()


def test_ytd_continuity_needs_the_previous_month():
    assert found(run(zb01(r01=(100, 650, 500, None)), previous=previous(500, period=dt.date(2023, 4, 1)))) == set()
    other = previous(500).assign(org_code="110199002")
    assert found(run(zb01(r01=(100, 650, 500, None)), previous=other)) == set()


def test_january_ytd_equals_month():
    f = run(zb01(r01=(100, 120, 90, None), r02=(200, 200, 180, None), period="2023年1月"))
    assert found(f) == {("january_ytd", "error", "E5", "01")}
    names(message(f, "january_ytd"), "E5", "120", "100")


FORM_RULES = [
    ("ZB05", "示例街道网格中心", [("受理有效举报投诉及政策咨询案件", "01", "件", 10, 50), ("办结案件", "02", "件", 10, {}),
                           ("完善知识库指标", "03", "条", 1, 1)], "ZB05_closed_le_received", "E6", "02"),
    ("ZB06", "示例街道城建办", [("耕地建房点位响应", "01", "个", 0, 0), ("耕地保护流出图斑", "02", "个", 1, 5),
                         ("耕地保护流出图斑面积", "03", "平方米", 10, 500), ("已核销图斑", "04", "个", 1, {}),
                         ("已核销图斑面积", "05", "平方米", 10, 400), ("煤改电计划安装户数", "06", "户", None, 100),
                         ("煤改电已安装户数", "07", "户", None, 90)], "ZB06_verified_le_outflow", "E8", "04"),
    ("ZB06", "示例街道城建办", [("耕地建房点位响应", "01", "个", 0, 0), ("耕地保护流出图斑", "02", "个", 1, 5),
                         ("耕地保护流出图斑面积", "03", "平方米", 10, 500), ("已核销图斑", "04", "个", 1, 4),
                         ("已核销图斑面积", "05", "平方米", 10, {}), ("煤改电计划安装户数", "06", "户", None, 100),
                         ("煤改电已安装户数", "07", "户", None, 90)], "ZB06_verified_area_le_outflow_area", "E9", "05"),
    ("ZB06", "示例街道城建办", [("耕地建房点位响应", "01", "个", 0, 0), ("耕地保护流出图斑", "02", "个", 1, 5),
                         ("耕地保护流出图斑面积", "03", "平方米", 10, 500), ("已核销图斑", "04", "个", 1, 4),
                         ("已核销图斑面积", "05", "平方米", 10, 400), ("煤改电计划安装户数", "06", "户", None, 100),
                         ("煤改电已安装户数", "07", "户", None, {})], "ZB06_installed_le_planned", "E11", "07"),
    ("ZB09", "示例街道退役军人服务站", [("申请优待证", "01", "人次", 5, 40), ("发放优待证", "02", "张", 5, {}),
                              ("发放优抚资金", "03", "万元", 1, 6), ("接待来办及电话咨询", "04", "人次", 9, 60)],
     "ZB09_issued_le_applied", "E6", "02"),
    ("ZB10", "示例街道综治中心", [("接待上访群众", "01", "人次", 1, 1), ("重要节点进京访劝返", "02", "人次", 0, 0),
                           ("排查矛盾纠纷", "03", "件", 4, 30), ("化解矛盾纠纷", "04", "件", 4, {}),
                           ("清理反宣帖纸", "05", "处", 0, 0), ("清理反宣标语", "06", "处", 0, 0),
                           ("清理反宣宣传册", "07", "本", 0, 0)], "ZB10_resolved_le_found", "E8", "04"),
    ("ZB11", "示例街道应急管理办公室", [("检查企业", "01", "家", 5, 30), ("发现安全隐患", "02", "项", 3, 20),
                              ("完成隐患整改", "03", "项", 3, {}), ("烟花爆竹临时销售点", "04", "家", None, 4),
                              ("排查老人燃气使用", "05", "户", 1, 1), ("办理食品摊贩登记备案卡", "06", "个", 1, 1),
                              ("进山检查点", "07", "个", None, 3), ("日均出动巡查车辆", "08", "台", None, 2),
                              ("日均出动巡查人员", "09", "人", None, 6)], "ZB11_fixed_le_found", "E7", "03"),
]


def fill(rows, value):
    return [tuple(value if v == {} else v for v in row) for row in rows]


@pytest.mark.parametrize("form, reporter, rows, rule, cell, indicator", FORM_RULES, ids=[r[3] for r in FORM_RULES])
def test_form_rule(form, reporter, rows, rule, cell, indicator):
    limit = next(r for r in CAT.forms[form].rules if r.code == rule)
    bound = next(row[4] for row in rows if row[1] == limit.check.right.indicator)
    ok = run(indicator_return(form, reporter, "2023年6月", fill(rows, bound), unit=None))
    assert found(ok) == set()
    bad = run(indicator_return(form, reporter, "2023年6月", fill(rows, bound + 1), unit=None))
    assert found(bad) == {(rule, "error", cell, indicator)}
    names(message(bad, rule), cell, limit.message.format(left=bound + 1, right=bound), CAT.forms[form].indicator(indicator).name)


@pytest.mark.parametrize("filled", [20, 20.05, "20%", "19.95", Percent(0.2), Percent(0.2004), None, "—"])
def test_a_growth_cell_that_agrees(filled):
    assert found(run(zb01(r01=(100, 600, 500, filled)))) == set()


@pytest.mark.parametrize("filled, shown", [(25, "25"), (20.2, "20.2"), ("2%", "2%"), (Percent(0.25), "0.25"), (-20, "-20")])
def test_a_growth_cell_that_disagrees(filled, shown):
    f = run(zb01(r01=(100, 600, 500, filled)))
    assert found(f) == {("yoy_cell_mismatch", "warning", "G5", "01")}
    names(message(f, "yoy_cell_mismatch"), "G5", shown, "20", "一般公共预算收入")


def test_a_growth_cell_is_compared_unrounded():
    # 12.34% computed; 12.44 is within 0.1 point although the rounded rate 12.3 is not
    assert found(run(zb01(r01=(100, 112.34, 100, 12.44)))) == set()


@pytest.mark.parametrize("ytd, prior, fires", [(900, 500, True), (200, 500, True), (750, 500, False), (250, 500, False),
                                               (750.5, 500, True), (600, 0, False)])
def test_growth_beyond_fifty_percent(ytd, prior, fires):
    f = run(zb01(r01=(min(ytd, 100), ytd, prior, None)))
    assert found(f) == ({("yoy_beyond_50", "warning", "E5", "01")} if fires else set())
    if fires:
        names(message(f, "yoy_beyond_50"), "E5", "一般公共预算收入")


def test_growth_beyond_fifty_percent_only_for_yoy_indicators():
    rows = [("受理有效举报投诉及政策咨询案件", "01", "件", 10, 50, 10), ("办结案件", "02", "件", 10, 40, 10),
            ("完善知识库指标", "03", "条", 1, 1)]
    assert found(run(indicator_return("ZB05", "示例街道网格中心", "2023年1-6月", rows, unit=None))) == set()


def test_growth():
    assert list(growth(pd.Series([120.0, 80.0, 5.0]), pd.Series([100.0, 100.0, 0.0])).round(6).fillna(-1)) == [20.0, -20.0, -1]


def test_a_period_after_the_run_period():
    f = run(zb01(period="2023年7月", r01=(100, 700, 600, None), r02=(200, 1400, 1200, None)))
    assert found(f) == {("period_after_run", "warning", "D3", None)}  # the 报告期 cell
    names(message(f, "period_after_run"), "2023年7月", "2023年6月")
    assert found(run(zb01(), run_period=None)) == set()


def test_a_period_that_disagrees_with_its_folder():
    f = run(zb01(), folder_period=dt.date(2023, 5, 1))
    assert found(f) == {("period_folder_mismatch", "warning", "D3", None)}
    names(message(f, "period_folder_mismatch"), "2023年6月", "2023年5月")
    assert found(run(zb01(), folder_period=JUNE)) == set()


def test_a_unit_that_cannot_be_converted_is_one_finding():
    rows = [("衔接推进乡村振兴补助资金入股金额", "01", "万元", 10, 50), ("种粮农民一次性补贴面积", "02", "公顷", 20, 80),
            ("农机购置补贴资金发放", "03", "万元", 1, 3), ("衔接资金入股项目名称", "T1", None, "光伏项目")]
    f = run(indicator_return("ZB04", "示例街道农业农村办公室", "2023年6月", rows))
    assert found(f) == {("unit_mismatch", "error", "C6", "02")}


PROJECTS = [(1, "智能制造产业园", "新开工", 25000), (2, "老旧小区改造", "续建", "8,000")]


def test_projects_that_pass():
    assert found(run(project_return("示例街道经济发展办公室", "2023年6月", PROJECTS))) == set()


@pytest.mark.parametrize("row, rule, cell, value", [
    ((3, "文旅综合体", "在建", 100), "project_status", "C7", "在建"),
    ((3, "文旅综合体", None, 100), "project_status", "C7", ""),
    ((3, "老旧小区改造", "储备", 100), "project_duplicate", "B7", "老旧小区改造"),
    ((3, " 老旧小区 改造 ", "储备", 100), "project_duplicate", "B7", "老旧小区 改造"),
    ((3, "文旅综合体", "洽谈", 0), "project_investment", "D7", "0"),
    ((3, "文旅综合体", "洽谈", "-5"), "project_investment", "D7", "-5"),
    ((3, "文旅综合体", "洽谈", None), "project_investment", "D7", ""),
    ((3, None, "洽谈", 100), "project_no_name", "B7", ""),
])
def test_project_rules(row, rule, cell, value):
    f = run(project_return("示例街道经济发展办公室", "2023年6月", [*PROJECTS, row]))
    assert found(f) == {(rule, "error", cell, None)}
    names(message(f, rule), cell, value)


def test_project_investment_that_is_not_a_number_is_reported_once():
    f = run(project_return("示例街道经济发展办公室", "2023年6月", [*PROJECTS, (3, "文旅综合体", "洽谈", "待定")]))
    assert found(f) == {("not_number", "error", "D7", None)}


def test_a_batch_without_figures():
    f = run(project_return("示例街道经济发展办公室", "2023年6月", PROJECTS), folder_period=dt.date(2023, 5, 1))
    assert found(f) == {("period_folder_mismatch", "warning", "D3", None)}
    batch = read_batch([Received("sha", FILE, None, error="文件为空")], CAT)
    assert found(audit(batch, NONE, CAT, JUNE)) == {("file_unreadable", "error", None, None)}


def test_every_finding_of_a_batch_carries_its_file():
    batch = read_batch([Received("a", "a.xlsx", tuple(read_grids(zb01(r01=(700, 600, 500, None))))),
                        Received("b", "b.xlsx", tuple(read_grids(zb01(r02=None))))], CAT)
    f = audit(batch, NONE, CAT, JUNE)
    assert set(zip(f["sha256"], f["file_name"], f["rule"])) == {
        ("a", "a.xlsx", "ytd_lt_month"), ("b", "b.xlsx", "missing_indicator")}
    assert all(m.startswith(f"《{n}》") for n, m in zip(f["file_name"], f["message"]))


def test_wide_has_one_row_per_indicator():
    batch = read_batch([Received("sha", FILE, tuple(read_grids(zb01())))], CAT)
    w = wide(batch.records, CAT)
    assert list(w["indicator_code"]) == ["01", "02"]
    assert list(w["value_ytd"]) == [600, 1200]
    assert list(w["cell_prior_ytd"]) == ["F5", "F6"]
    assert list(w["kind"]) == ["flow", "flow"]
    assert len(indicator_frame(CAT)) == len(CAT.indicators())


def last_year(ytd01: float, ytd02: float = 1000) -> pd.DataFrame:
    """ZB01's stored 本年累计 of June last year."""
    return previous(ytd01, ytd02, period=dt.date(2022, 6, 1))


def test_prior_ytd_equals_last_years_ytd():
    assert found(run(zb01(), previous=last_year(500))) == set()
    assert found(run(zb01(r01=(100, 600, 500.004, None)), previous=last_year(500))) == set()


def test_prior_ytd_differs_from_last_years_ytd():
    f = run(zb01(), previous=last_year(480))
    assert found(f) == {("prior_ytd_vs_last_year", "warning", "F5", "01")}
    names(message(f, "prior_ytd_vs_last_year"), "F5", "一般公共预算收入", "500", "480", "口径调整")
    assert f["expected"].iloc[0] == "480"
    assert f["value_found"].iloc[0] == "500"


def test_prior_ytd_is_not_checked_without_last_year_in_the_warehouse():
    assert found(run(zb01())) == set()
    assert found(run(zb01(), previous=previous(480, period=dt.date(2022, 5, 1)))) == set()
    assert found(run(zb01(), previous=last_year(480).assign(org_code="110199002"))) == set()


def test_january_continues_from_no_month_not_last_december():
    jan = zb01(r01=(100, 100, 90, None), r02=(200, 200, 180, None), period="2023年1月")
    assert found(run(jan, previous=previous(900, 1800, period=dt.date(2022, 12, 1)))) == set()


def test_each_expression_rule_is_a_pandera_check_named_by_its_code():
    rules = [r for r in CAT.rules.values() if r.check is not None and r.check.grain == "indicator"]
    schema = rule_schema(rules)
    assert [c.name for c in schema.checks] == [r.code for r in rules]
    assert {"ytd_lt_month", "ytd_continuity", "january_ytd", "yoy_beyond_50", "prior_ytd_vs_last_year"} <= {
        c.name for c in schema.checks}


def test_a_rule_added_as_data_fires_with_its_own_words():
    rule = read_rule("ZB01_budget_le_total", {
        "name": "预算收入多于全口径", "form": "ZB01", "check": "01.ytd <= 02.ytd", "severity": "warning",
        "how_to_fix": "核对两项收入", "message": "一般公共预算收入（{left}）多于全口径财政收入（{right}）"})
    form = replace(CAT.forms["ZB01"], rules=(rule,))
    cat = replace(CAT, forms={**CAT.forms, "ZB01": form}, rules={**CAT.rules, rule.code: rule})
    batch = read_batch([Received("sha", FILE, tuple(read_grids(zb01(r01=(100, 1300, 1000, None)))))], cat)
    f = audit(batch, NONE, cat, JUNE)
    assert found(f) == {("ZB01_budget_le_total", "warning", "E5", "01")}
    names(message(f, "ZB01_budget_le_total"), "E5", "一般公共预算收入（1300）多于全口径财政收入（1200）")
    assert f["expected"].iloc[0] == "≤ 1200"


def test_a_per_indicator_rule_added_as_data_reads_its_scope():
    rule = read_rule("month_le_ten_thousand", {
        "name": "本月过大", "check": "month <= 10000", "where": {"kind": "flow", "form": "ZB01"}, "severity": "warning",
        "how_to_fix": "核对", "message": "本月{month}过大"})
    cat = replace(CAT, rules={**CAT.rules, rule.code: rule})
    batch = read_batch([Received("sha", FILE, tuple(read_grids(zb01(r02=(20000, 21000, 1000, None)))))], cat)
    assert found(audit(batch, NONE, cat, JUNE)) == {("month_le_ten_thousand", "warning", "D6", "02"),
                                                    ("yoy_beyond_50", "warning", "E6", "02")}


@pytest.mark.parametrize("text, left, op, right, tolerance", [
    ("ytd >= month", "value_ytd", ">=", "value_month", 0.0),
    ("ytd == prev.ytd + month ± 0.01", "value_ytd", "==", None, 0.01),
    ("ZB10.04.ytd <= ZB10.03.ytd", "value_ytd@04", "<=", "value_ytd@03", 0.0),
    ("T1.month>=01.prior_ytd", "value_month@T1", ">=", "value_prior_ytd@01", 0.0),
])
def test_checks_parse(text, left, op, right, tolerance):
    check = parse(text)
    assert (check.left.column, check.op, check.tolerance) == (left, op, tolerance)
    assert right is None or check.right.column == right


@pytest.mark.parametrize("text", [
    "ytd => month", "ytd", "ytd <= month <= 5", "ytd <= 01.ytd", "prev.month <= ytd", "prev.ytd >= 0",
    "ZB10.ytd <= month", "ZB10.04.ytd <= ZB11.03.ytd", "sqrt(ytd) <= 5", "growth(ytd) <= 5", "ytd <= month ± x",
    "__import__('os') == 1", "",
])
def test_checks_that_are_refused(text):
    with pytest.raises(ValueError):
        parse(text)


@pytest.mark.parametrize("doc, reason", [
    ({"name": "x", "check": "ytd >= month", "message": "本年累计{ytdd}", "how_to_fix": "x"}, "ytdd"),
    ({"name": "x", "check": "04.ytd <= 03.ytd", "message": "x"}, "names its form"),
    ({"name": "x", "check": "ytd >= month", "where": {"kinds": "flow"}, "message": "x"}, r"where\.kinds: Extra inputs"),
    ({"name": "x", "check": "ytd >= month", "where": {"month": 13}, "message": "x"}, r"where\.month"),
    ({"name": "x", "severity": "fatal", "message": "x"}, "severity"),
    ({"check": "ytd >= month", "message": "x"}, "name: Field required"),
])
def test_a_catalogue_rule_with_a_typo_fails_at_load_naming_the_entry_and_why(doc, reason):
    with pytest.raises(ValueError, match=r"rules\.yaml: bad: .*" + reason):
        read_rule("bad", doc)


def test_a_check_evaluates_only_where_its_figures_are_present():
    check = parse("ytd == prev.ytd + month ± 0.01")
    frame = pd.DataFrame({"value_ytd": [600, 650, 600, None], "value_month": [100, 100, None, 100],
                          "prev_ytd": [500, 500, 500, 500]})
    outcome = check.evaluate(lambda ref: frame[ref.column])
    assert list(outcome.holds) == [True, False, True, True]
    assert list(outcome.right.fillna(-1)) == [600, 600, -1, 600]
