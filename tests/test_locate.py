"""Locating returns on sheets that drift from the template (spec §6), in files written by openpyxl and xlsxwriter."""
from __future__ import annotations

import datetime as dt
import time

import pytest
from tests.workbooks import (
    ENGINES, INDICATOR_COLUMNS, Formula, Merged, Percent, indicator_return, project_return, sheet, workbook,
)

from statreturns.schemas.catalogue import load_catalogue
from statreturns.schemas.grid import Grid
from statreturns.schemas.locate import match_reporter, read_sheet
from statreturns.schemas.records import Received, read_batch
from statreturns.intake.readers import read_grids

CAT = load_catalogue()
FILE = "示例街道财政所6月.xlsx"
JUNE = dt.date(2023, 6, 1)
R01 = ("一般公共预算收入", "01", "万元", 100, 600, 500, 20)
R02 = ("全口径财政收入", "02", "万元", 200, 1200, 1000, 20)


@pytest.fixture(params=ENGINES)
def engine(request) -> str:
    return request.param


def returns(data: bytes, file_name: str = FILE) -> list:
    return [s for g in read_grids(data) if (s := read_sheet(g, CAT, file_name)) is not None]


def one(data: bytes, file_name: str = FILE):
    found = returns(data, file_name)
    assert len(found) == 1, found
    return found[0]


def figure(ret, code: str, measure: str) -> tuple:
    """(value in the canonical unit, cell, raw text) of one figure."""
    rec = next(r for r in ret.records if r["indicator_code"] == code and r["measure"] == measure)
    return rec["value"] if measure != "text" else rec["text_value"], rec["cell"], rec["raw"]


def only(ret, rule: str) -> dict:
    hits = [f for f in ret.findings if f["rule"] == rule]
    assert len(hits) == 1, ret.findings
    return hits[0]


def assert_names(f: dict, *words: str, file_name: str = FILE, sheet_name: str = "Sheet1") -> None:
    """The message names the file, the sheet, the cell and ``words`` (the indicator, the value)."""
    msg = f["message"]
    for w in (file_name, sheet_name, f["cell"], *words):
        assert w in msg, (w, msg)


def zb01(engine, rows=(R01, R02), **kw) -> bytes:
    return indicator_return("ZB01", "示例街道财政所", "2023年1-6月", rows, engine=engine, **kw)


def test_template(engine):
    ret = one(zb01(engine))
    assert (ret.sheet, ret.form_code, ret.org_code, ret.period, ret.reporter) == ("Sheet1", "ZB01", "110199001", JUNE, "示例街道财政所")
    assert ret.findings == []
    assert figure(ret, "01", "month") == (100, "D5", "100")
    assert figure(ret, "01", "ytd") == (600, "E5", "600")
    assert figure(ret, "01", "prior_ytd") == (500, "F5", "500")
    assert figure(ret, "02", "yoy_pct") == (20, "G6", "20")
    assert len(ret.records) == 8


def test_table_at_another_row_and_column(engine):
    ret = one(zb01(engine, start_row=6, start_col=2))
    assert ret.findings == []
    assert figure(ret, "02", "ytd") == (1200, "G12", "1200")


def test_rows_reordered_with_spacer_and_note_rows(engine):
    rows = [R02, None, "（一）收入类", R01, None, "注：本表由财政所填报，数据截至月末。", ("其他", "", "", 9, 9, 9, "")]
    ret = one(zb01(engine, rows=rows))
    assert ret.findings == []
    assert figure(ret, "02", "month") == (200, "D5", "200")
    assert figure(ret, "01", "ytd") == (600, "E8", "600")


def test_rows_found_by_name_when_codes_are_missing(engine):
    rows = [(" 一般 公共预算收入 （万元）", None, None, 100, 600, 500, None),
            ("全口径财政收入（万元）", "", "", 200, 1200, 1000, None)]
    ret = one(zb01(engine, rows=rows))
    assert ret.findings == []
    assert figure(ret, "01", "ytd") == (600, "E5", "600")
    assert figure(ret, "02", "ytd") == (1200, "E6", "1200")


def test_row_found_by_code_when_the_name_is_reworded(engine):
    ret = one(zb01(engine, rows=[("一般预算收入合计", 1, "万元", 100, 600, 500, None), R02]))
    assert figure(ret, "01", "ytd") == (600, "E5", "600")


def test_row_found_by_alias(engine):
    ret = one(zb01(engine, rows=[("公共财政预算收入", None, "万元", 100, 600, 500, None), R02]))
    assert figure(ret, "01", "ytd") == (600, "E5", "600")


def test_numbers_as_text(engine):
    rows = [("一般公共预算收入", "01", "万元", " 56 ", "1,234.5", "１２３４．５", "12.5%"),
            ("全口径财政收入", "02", "万元", "１，２００", "1 200", "1,000", "20%")]
    ret = one(zb01(engine, rows=rows))
    assert ret.findings == []
    assert figure(ret, "01", "month") == (56, "D5", "56")
    assert figure(ret, "01", "ytd") == (1234.5, "E5", "1,234.5")
    assert figure(ret, "01", "prior_ytd") == (1234.5, "F5", "１２３４．５")
    assert figure(ret, "01", "yoy_pct") == (12.5, "G5", "12.5%")
    assert figure(ret, "02", "month") == (1200, "D6", "１，２００")


@pytest.mark.parametrize("mark", ["—", "-", "/", "无", None])
def test_no_figure_marks(engine, mark):
    rows = [("煤改电计划安装户数", "06", "户", mark, 120, None, None), ("煤改电已安装户数", "07", "户", mark, 100)]
    ret = one(indicator_return("ZB06", "西城镇城乡建设办公室", "2023年6月", rows, engine=engine, unit=None))
    assert ret.findings == []
    assert figure(ret, "06", "month") == (None, "D5", mark or "")
    assert figure(ret, "07", "ytd") == (100, "E6", "100")


def test_a_percentage_formatted_growth_cell_reads_its_fraction(engine):
    ret = one(zb01(engine, rows=[R01[:6] + (Percent(0.2),), R02]))
    assert figure(ret, "01", "yoy_pct") == (0.2, "G5", "0.2")


def test_text_that_is_not_a_number(engine):
    ret = one(zb01(engine, rows=[R01[:4] + ("600万",) + R01[5:], R02]))
    f = only(ret, "not_number")
    assert (f["cell"], f["severity"], f["indicator_code"], f["value_found"]) == ("E5", "error", "01", "600万")
    assert_names(f, "一般公共预算收入", "本年累计", "600万")
    assert figure(ret, "01", "ytd") == (None, "E5", "600万")


HEADERS = [
    ("指标", "序号", "单位", "当月", "1-6月累计", "去年同期", "增减(%)"),
    ("项目", "编码", "计量单位", "本月数", "截至本月", "上年同期数", "增长率"),
    ("指标名称", "代码", "计量单位", "本月", "本年1-6月", "上年同期", "同比(%)"),
    ("指标名称", "代码", "计量单位", "本月", "累计", "上年同期累计", "同比增长（%）"),
    ("指 标 名 称", "代 码", "计量单位", "本 月", "1—6月累计", "上年同期", "同比增长(%)"),
]


@pytest.mark.parametrize("columns", HEADERS, ids=lambda c: "/".join(c))
def test_header_synonyms(engine, columns):
    ret = one(zb01(engine, columns=columns))
    assert ret.findings == []
    assert figure(ret, "01", "month") == (100, "D5", "100")
    assert figure(ret, "01", "ytd") == (600, "E5", "600")
    assert figure(ret, "02", "prior_ytd") == (1000, "F6", "1000")
    assert figure(ret, "02", "yoy_pct") == (20, "G6", "20")


@pytest.mark.parametrize("columns", [
    ("指标名称", "代码", "计量单位", "本月", ("累计", "本年"), ("累计", "上年同期"), "同比增长(%)"),
    ("指标名称", "代码", "计量单位", ("本期", "本月"), ("本期", "本年累计"), ("同期", "上年同期累计"), "同比增长(%)"),
], ids=["merged-over-two", "groups"])
def test_two_row_merged_header(engine, columns):
    ret = one(zb01(engine, columns=columns))
    assert ret.findings == []
    assert figure(ret, "01", "month") == (100, "D6", "100")
    assert figure(ret, "01", "ytd") == (600, "E6", "600")
    assert figure(ret, "01", "prior_ytd") == (500, "F6", "500")
    assert figure(ret, "02", "ytd") == (1200, "E7", "1200")


@pytest.mark.parametrize("text", [
    "2023年6月", "2023年06月", "2023年1-6月", "2023年1—6月", "2023年1～6月", "2023-06", "2023.6", "202306",
])
def test_period_in_every_spelling(engine, text):
    ret = one(indicator_return("ZB01", "示例街道财政所", text, [R01, R02], engine=engine))
    assert ret.period == JUNE
    assert ret.findings == []


@pytest.mark.parametrize("value", [dt.datetime(2023, 6, 1), 202306, "2023年1-6月"])
def test_period_in_a_cell_of_its_own(engine, value):
    ret = one(indicator_return("ZB01", "示例街道财政所", value, [R01, R02], engine=engine, labels_apart=True))
    assert (ret.period, ret.org_code) == (JUNE, "110199001")


def test_unreadable_period(engine):
    ret = one(indicator_return("ZB01", "示例街道财政所", "上半年", [R01, R02], engine=engine))
    f = only(ret, "no_period")
    assert (f["cell"], f["severity"]) == ("D3", "error")
    assert_names(f, "上半年")


@pytest.mark.parametrize("reporter", ["示例街道财政所", "示例街道 财政所", " 示例街道　财政所 ", "示例街道财政办"])
def test_reporter_with_or_without_a_space(engine, reporter):
    ret = one(indicator_return("ZB01", reporter, "2023年6月", [R01, R02], engine=engine))
    assert ret.org_code == "110199001"
    assert ret.findings == []


def test_reporter_label_written_with_spaces_and_value_apart(engine):
    s = sheet("Sheet1", [
        ["表号：ZB01表"],
        ["填 报 单 位 ：", "东关街道 财政所", None, "报告期", "2023年6月"],
        list(INDICATOR_COLUMNS), list(R01), list(R02),
    ])
    ret = one(workbook([s], engine=engine))
    assert (ret.org_code, ret.period, ret.findings) == ("110199002", JUNE, [])


def test_header_block_written_in_one_merged_cell_a_row(engine):
    s = sheet("Sheet1", [[Merged("表号：ZB01表    制定机关：示例区统计局    文号：示统字〔2023〕1号", 7)],
                         [Merged("填报单位：东关街道 财政所      报告期：2023年1—6月      计量单位：元", 7)],
                         list(INDICATOR_COLUMNS), ("一般公共预算收入", "01", None, 10000, 60000, 50000),
                         ("全口径财政收入", "02", None, 20000, 120000, 100000)])
    ret = one(workbook([s], engine=engine))
    assert (ret.form_code, ret.org_code, ret.period, ret.findings) == ("ZB01", "110199002", JUNE, [])
    assert figure(ret, "02", "ytd") == (12, "E5", "120000")


def test_reporter_label_with_a_stamp_note(engine):
    s = sheet("Sheet1", [["表号：ZB01表"], ["填报单位（盖章）：东关街道财政所", None, "报告期：2023年6月"],
                         list(INDICATOR_COLUMNS), list(R01), list(R02)])
    ret = one(workbook([s], engine=engine))
    assert (ret.org_code, ret.findings) == ("110199002", [])


def test_reporter_left_blank(engine):
    s = sheet("Sheet1", [["表号：ZB01表"], ["填报单位：", None, "报告期：", "2023年6月"],
                         list(INDICATOR_COLUMNS), list(R01), list(R02)])
    ret = one(workbook([s], engine=engine))
    assert ret.period == JUNE
    assert [(f["rule"], f["cell"], f["severity"]) for f in ret.findings] == [("no_reporter", "A2", "error")]
    assert_names(ret.findings[0], "填报单位")


def test_reporter_stamped(engine):
    ret = one(indicator_return("ZB01", "（盖章）西城镇财政所", "2023年6月", [R01, R02], engine=engine))
    assert ret.org_code == "110199101"


def test_extra_remark_column(engine):
    columns = ("指标名称", "代码", "计量单位", "本月", "本年累计", "备注", "上年同期累计", "同比增长(%)")
    rows = [R01[:5] + ("含上级补助",) + R01[5:], R02[:5] + ("注：含土地出让收入",) + R02[5:]]
    ret = one(zb01(engine, rows=rows, columns=columns))
    assert ret.findings == []
    assert figure(ret, "02", "prior_ytd") == (1000, "G6", "1000")
    assert figure(ret, "02", "yoy_pct") == (20, "H6", "20")


def test_renamed_sheet(engine):
    ret = one(zb01(engine, rows=[R01[:3] + ("x",) + R01[4:], R02], sheet_name="财政收入（6月）"))
    assert ret.sheet == "财政收入（6月）"
    assert_names(only(ret, "not_number"), sheet_name="财政收入（6月）")


def test_instructions_hidden_and_chart_data_sheets_are_not_returns(engine):
    instructions = sheet("填报说明", [["填报说明："], ["1. 本表每月5日前报送，报告期写作“2023年1-6月”。"], ["2. 计量单位：万元"]])
    lists = sheet("下拉选项", [["项目状态"], ["新开工"], ["续建"]], hidden=True)
    chart_data = sheet("图表数据", [["月份", "收入"], ["1月", 100], ["2月", 120]])
    data = zb01(engine, before=[instructions], after=[lists, chart_data, sheet("图表", chart=True)])
    ret = one(data)
    assert (ret.sheet, ret.findings) == ("Sheet1", [])


def test_a_hidden_copy_of_the_return_is_not_read_twice(engine):
    old = read_grids(indicator_return("ZB01", "示例街道财政所", "2023年5月", [R01, R02], engine=engine))[0]
    hidden = Grid("5月", old.rows, old.merged, hidden=True)
    grids = (read_grids(zb01(engine))[0], hidden)
    batch = read_batch([Received("sha", FILE, grids)], CAT)
    assert list(batch.returns["sheet"]) == ["Sheet1"]
    assert set(batch.records["sheet"]) == {"Sheet1"}


def test_a_return_only_in_a_hidden_sheet_is_read_with_a_warning(engine):
    g = read_grids(zb01(engine))[0]
    batch = read_batch([Received("sha", FILE, (Grid("报表", g.rows, g.merged, hidden=True),))], CAT)
    assert list(batch.returns["sheet"]) == ["报表"]
    assert list(batch.findings["rule"]) == ["hidden_sheet"]
    assert list(batch.findings["severity"]) == ["warning"]
    assert len(batch.records) == 8


def test_a_row_in_yuan_is_converted_to_wan_yuan(engine):
    ret = one(zb01(engine, rows=[("一般公共预算收入", "01", "元", 1_000_000, "6,000,000", 5_000_000, 20), R02]))
    assert ret.findings == []
    assert figure(ret, "01", "month") == (100, "D5", "1000000")
    assert figure(ret, "01", "ytd") == (600, "E5", "6,000,000")
    assert figure(ret, "01", "yoy_pct") == (20, "G5", "20")
    assert figure(ret, "02", "ytd") == (1200, "E6", "1200")


def test_a_row_in_yi_yuan_is_converted_to_wan_yuan(engine):
    rows = [("规模以上工业总产值", "01", "亿元", 1.2, 8.5, 7.9), ("固定资产投资（亿元）", "02", None, "0.3", "2.1", "1.8"),
            ("社会消费品零售总额", "03", "万元", 3000, 18000, 17000)]
    ret = one(indicator_return("ZB02", "示例街道经济发展办公室", "2023年6月", rows, engine=engine))
    assert ret.findings == []
    assert figure(ret, "01", "ytd") == (85000, "E5", "8.5")
    assert figure(ret, "02", "prior_ytd") == (18000, "F6", "1.8")
    assert figure(ret, "03", "month") == (3000, "D7", "3000")


def test_a_name_in_yuan_is_converted(engine):
    ret = one(zb01(engine, rows=[("一般公共预算收入（元）", "01", None, 1_000_000, 6_000_000, 5_000_000), R02]))
    assert figure(ret, "01", "ytd") == (600, "E5", "6000000")


def test_a_sheet_in_yuan_is_converted(engine):
    rows = [("一般公共预算收入", "01", None, 1_000_000, 6_000_000, 5_000_000), ("全口径财政收入", "02", None, 12345, 12345, 12345)]
    ret = one(zb01(engine, rows=rows, unit="元"))
    assert figure(ret, "01", "ytd") == (600, "E5", "6000000")
    assert figure(ret, "02", "ytd") == (1.2345, "E6", "12345")


def test_a_sheet_unit_converts_only_the_rows_it_can(engine):
    rows = [("救助低保及特困人员", "02", None, 3, 20), ("救助低保及特困人员金额", "03", None, 1.5, 9),
            ("发放残疾人慰问金", "05", None, 0.2, 0.8)]
    ret = one(indicator_return("ZB08", "西城镇社会事务办公室", "2023年6月", rows, engine=engine, unit="万元"))
    assert figure(ret, "02", "ytd") == (20, "E5", "20")
    assert figure(ret, "03", "ytd") == (90000, "E6", "9")
    assert figure(ret, "05", "month") == (2000, "D7", "0.2")


def test_hectares_for_mu_are_rejected_naming_both_units(engine):
    rows = [("衔接推进乡村振兴补助资金入股金额", "01", "万元", 10, 50), ("种粮农民一次性补贴面积", "02", "公顷", 20, 80),
            ("农机购置补贴资金发放", "03", "万元", 1, 3)]
    ret = one(indicator_return("ZB04", "西城镇农业农村办公室", "2023年6月", rows, engine=engine))
    f = only(ret, "unit_mismatch")
    assert (f["cell"], f["severity"], f["indicator_code"]) == ("C6", "error", "02")
    assert_names(f, "公顷", "亩", "种粮农民一次性补贴面积", sheet_name="Sheet1")
    assert not [r for r in ret.records if r["indicator_code"] == "02"]


def test_a_unit_that_cannot_be_converted_points_at_the_cell_that_says_it(engine):
    rows = [("总河长巡河（人次）", "01", "—", 2, 12), ("副总河长巡河", "02", None, 3, 15), ("村级河长巡河", "03", "次", 30, 180)]
    ret = one(indicator_return("ZB07", "西城镇河长办", "2023年6月", rows, engine=engine, unit="个"))
    assert {(f["rule"], f["cell"], f["indicator_code"]) for f in ret.findings} == {
        ("unit_mismatch", "A5", "01"), ("unit_mismatch", "F3", "02")}
    assert_names(next(f for f in ret.findings if f["cell"] == "F3"), "个", "次", "副总河长巡河")
    assert figure(ret, "03", "ytd") == (180, "E7", "180")


def test_a_text_item_merged_across_the_value_columns(engine):
    rows = [("衔接推进乡村振兴补助资金入股金额", "01", "万元", 10, 50), ("种粮农民一次性补贴面积", "02", "亩", 20, 80),
            ("农机购置补贴资金发放", "03", "万元", 1, 3), ("衔接资金入股项目名称", "T1", "—", Merged("东关村 光伏发电项目", 4))]
    ret = one(indicator_return("ZB04", "西城镇农业农村办公室", "2023年6月", rows, engine=engine))
    assert ret.findings == []
    assert figure(ret, "T1", "text") == ("东关村 光伏发电项目", "D8", "东关村 光伏发电项目")
    assert figure(ret, "02", "ytd") == (80, "E6", "80")


def test_a_text_item_with_no_text(engine):
    rows = [("低洼地段排水勘察地点", "T1", None, "—"), ("推进成立业主委员会小区", "T2", None, "无")]
    ret = one(indicator_return("ZB06", "西城镇城乡建设办公室", "2023年6月", rows, engine=engine, unit=None))
    assert figure(ret, "T1", "text") == (None, "D5", "—")
    assert figure(ret, "T2", "text") == (None, "D6", "无")


def test_a_text_item_in_the_ytd_cell(engine):
    rows = [("低洼地段排水勘察地点", "T1", None, None, "西城镇南关村")]
    ret = one(indicator_return("ZB06", "西城镇城乡建设办公室", "2023年6月", rows, engine=engine, unit=None))
    assert figure(ret, "T1", "text") == ("西城镇南关村", "E5", "西城镇南关村")


PROJECTS = [
    (1, "智能制造产业园", "新开工", 2.5, "东关街道", "制造业", "经济发展办公室"),
    (2, "老旧小区改造", "续建", "0.8", "示例街道", "建筑业", None),
    None,
    (3, "文旅综合体", "签约", "1,2", None, None, None),
    "注：总投资以批复为准",
]


def test_list_form_with_total_investment_in_yi_yuan(engine):
    columns = ("序号", "项目名称", "项目状态", "总投资（亿元）", "建设地点", "所属行业", "责任单位")
    ret = one(project_return("东关街道经济发展办公室", "2023年1-6月", PROJECTS, engine=engine, columns=columns, start_col=1))
    assert (ret.form_code, ret.org_code, ret.period) == ("ZB03", "110199002", JUNE)
    assert [(p["project_name"], p["status"], p["total_investment"], p["investment_cell"]) for p in ret.projects] == [
        ("智能制造产业园", "新开工", 25000, "E5"), ("老旧小区改造", "续建", 8000, "E6"), ("文旅综合体", "签约", None, "E8")]
    assert ret.projects[0]["location"] == "东关街道"
    f = only(ret, "not_number")
    assert (f["cell"], f["form_code"]) == ("E8", "ZB03")
    assert_names(f, "1,2", "总投资")


def test_list_form_with_a_sheet_in_yi_yuan(engine):
    ret = one(project_return("东关街道经发办", "2023年6月", PROJECTS[:2], engine=engine, unit="亿元"))
    assert [p["total_investment"] for p in ret.projects] == [25000, 8000]
    assert ret.findings == []


def test_list_form_in_wan_yuan(engine):
    columns = ("序号", "项目", "状态", "计划总投资", "地点", "行业", "负责单位", "备注")
    ret = one(project_return("东关街道经济发展办公室", "2023年6月", PROJECTS[:2], engine=engine, columns=columns))
    assert [(p["total_investment"], p["investment_raw"], p["responsible"]) for p in ret.projects] == [
        (2.5, "2.5", "经济发展办公室"), (0.8, "0.8", None)]


def test_list_form_without_an_investment_column(engine):
    columns = ("序号", "项目名称", "项目状态")
    ret = one(project_return("东关街道经济发展办公室", "2023年6月", [(1, "甲项目", "续建")], engine=engine, columns=columns))
    assert [(p["project_name"], p["total_investment"], p["investment_cell"]) for p in ret.projects] == [("甲项目", None, None)]


def test_two_returns_in_one_file(engine):
    zb05 = [("受理有效举报投诉及政策咨询案件", "01", "件", 10, 50), ("办结案件", "02", "件", 9, 48), ("完善知识库指标", "03", "条", 1, 4)]
    second = read_grids(indicator_return("ZB05", "示例街道网格化管理服务中心", "2023年6月", zb05, engine=engine, unit=None))[0]
    grids = (read_grids(zb01(engine))[0], Grid("12345", second.rows, second.merged))
    batch = read_batch([Received("sha", FILE, grids)], CAT)
    assert list(zip(batch.returns["sheet"], batch.returns["form_code"])) == [("Sheet1", "ZB01"), ("12345", "ZB05")]
    assert batch.findings.empty
    assert len(batch.records) == 2 * 4 + 3 * 4


def test_formulas_are_read_by_their_cached_values():
    rows = [("一般公共预算收入", "01", "万元", 100, Formula("=D5+500", 600), 500, Formula("=(E5-F5)/F5*100", 20)), R02]
    ret = one(zb01("xlsxwriter", rows=rows))
    assert ret.findings == []
    assert figure(ret, "01", "ytd") == (600, "E5", "600")
    assert figure(ret, "01", "yoy_pct") == (20, "G5", "20")


def test_a_formula_without_a_cached_value_is_computed_when_it_is_plain_arithmetic():
    g = Grid("Sheet1", (("表号：ZB01表",), ("填报单位：示例街道财政所", "报告期：2023年6月"), INDICATOR_COLUMNS,
                        R01[:4] + ("", 500), R02), formulas={(3, 4): "D4+500"})
    rec = next(r for r in read_sheet(g, CAT, FILE).records if r["cell"] == "E4")
    assert (rec["value"], rec["computed"], rec["raw"]) == (600, True, "=D4+500")


def test_a_formula_that_cannot_be_computed_rejects_the_return_naming_its_cell():
    g = Grid("Sheet1", (("表号：ZB01表",), ("填报单位：示例街道财政所", "报告期：2023年6月"), INDICATOR_COLUMNS,
                        R01[:4] + ("", 500), R02), formulas={(3, 4): "D4+上月!E4"})
    ret = read_sheet(g, CAT, FILE)
    (f,) = [f for f in ret.findings if f["rule"] == "formula_not_computed"]
    assert (f["cell"], f["severity"], f["value_found"]) == ("E4", "error", "=D4+上月!E4")
    assert "公式" in f["message"] and "打开并保存后重新报送" in f["message"] and "E4单元格" in f["message"]


def test_a_return_whose_header_is_not_its_forms(engine):
    ret = one(indicator_return("ZB03", "示例街道经济发展办公室", "2023年6月", [R01], engine=engine))
    assert (ret.form_code, ret.projects, ret.records) == ("ZB03", [], [])
    f = only(ret, "no_header")
    assert (f["severity"], f["form_code"]) == ("error", "ZB03")
    assert FILE in f["message"] and "Sheet1" in f["message"]


def test_unknown_org(engine):
    ret = one(indicator_return("ZB01", "南山乡财政所", "2023年6月", [R01, R02], engine=engine))
    f = only(ret, "unknown_org")
    assert (ret.org_code, f["cell"], f["severity"], f["form_code"]) == (None, "A3", "error", "ZB01")
    assert_names(f, "南山乡财政所")


def test_unknown_org_with_the_label_apart(engine):
    ret = one(indicator_return("ZB01", "南山乡财政所", "2023年6月", [R01, R02], engine=engine, labels_apart=True))
    assert only(ret, "unknown_org")["cell"] == "B3"


@pytest.mark.parametrize("reporter", ["示例街道经济发展办公室", "示例街道综治中心", "示例街道某某科"])
def test_department_that_does_not_own_the_form(engine, reporter):
    ret = one(indicator_return("ZB01", reporter, "2023年6月", [R01, R02], engine=engine))
    f = only(ret, "wrong_department")
    assert (f["cell"], f["severity"]) == ("A3", "error")
    assert_names(f, reporter, "财政所", "ZB01")


def test_unknown_form_code(engine):
    ret = one(indicator_return("ZB99", "示例街道财政所", "2023年6月", [R01, R02], engine=engine))
    f = only(ret, "unknown_form")
    assert (ret.form_code, f["cell"], f["severity"]) == (None, "A2", "error")
    assert_names(f, "ZB99")


@pytest.mark.parametrize("written", ["ZB1", "zb01表", "ZB 01", "ＺＢ０１表"])
def test_form_code_spellings(engine, written):
    s = sheet("Sheet1", [[f"表号：{written}"], ["填报单位：示例街道财政所", None, "报告期：2023年6月"],
                         list(INDICATOR_COLUMNS), list(R01), list(R02)])
    assert one(workbook([s], engine=engine)).form_code == "ZB01"


def test_form_found_by_its_title_when_the_code_is_missing(engine):
    s = sheet("Sheet1", [["财政收入月报表"], ["填报单位：示例街道财政所", None, "报告期：2023年6月"],
                         list(INDICATOR_COLUMNS), list(R01), list(R02)])
    ret = one(workbook([s], engine=engine))
    assert (ret.form_code, ret.findings) == ("ZB01", [])
    assert figure(ret, "02", "ytd") == (1200, "E5", "1200")


def test_form_found_by_its_title_when_the_code_is_blank(engine):
    s = sheet("Sheet1", [["河长制工作月报表"], ["表号：", None, "填报单位：西城镇河长制办公室", None, "报告期：2023年6月"],
                         list(INDICATOR_COLUMNS), ("总河长巡河", "01", "次", 2, 12)])
    assert one(workbook([s], engine=engine)).form_code == "ZB07"


def test_a_return_with_no_form_code_or_title(engine):
    s = sheet("Sheet1", [["表号：", None, "填报单位：西城镇河长制办公室"], list(INDICATOR_COLUMNS), ("总河长巡河", "01", "次", 2, 12)])
    ret = one(workbook([s], engine=engine))
    assert (ret.form_code, ret.records) == (None, [])
    assert [(f["rule"], f["cell"], f["severity"]) for f in ret.findings] == [("no_form_code", "A1", "error")]


def test_a_row_that_is_not_an_indicator(engine):
    ret = one(zb01(engine, rows=[R01, R02, ("其他收入", "03", "万元", 5, 30, 20)]))
    f = only(ret, "unknown_row")
    assert (f["cell"], f["severity"]) == ("A7", "warning")
    assert_names(f, "其他收入")


def test_an_indicator_written_twice(engine):
    ret = one(zb01(engine, rows=[R01, R02, R01]))
    f = only(ret, "duplicate_indicator")
    assert (f["cell"], f["indicator_code"]) == ("A7", "01")
    assert figure(ret, "01", "ytd") == (600, "E5", "600")


def test_a_file_without_a_return(engine):
    data = workbook([sheet("Sheet1", [["各位同事：请于5日前报送。"]])], engine=engine)
    assert returns(data) == []
    batch = read_batch([Received("sha", FILE, tuple(read_grids(data)))], CAT)
    assert list(batch.findings["rule"]) == ["no_return"]
    assert FILE in batch.findings["message"][0]


def test_a_file_that_cannot_be_read():
    batch = read_batch([Received("sha", FILE, None, error="文件已损坏")], CAT)
    assert list(zip(batch.findings["rule"], batch.findings["severity"])) == [("file_unreadable", "error")]
    assert "文件已损坏" in batch.findings["message"][0]


def test_read_batch_gathers_records_with_the_return_identity(engine):
    batch = read_batch([Received("sha", FILE, tuple(read_grids(zb01(engine))), folder_period=JUNE)], CAT)
    assert batch.returns.to_dict("records") == [{
        "sha256": "sha", "file_name": FILE, "sheet": "Sheet1", "org_code": "110199001", "form_code": "ZB01",
        "period": JUNE and batch.returns["period"][0], "folder_period": batch.returns["folder_period"][0],
        "period_cell": "D3"}]
    assert str(batch.returns["period"][0].date()) == "2023-06-01"
    rec = batch.records.set_index(["indicator_code", "measure"]).loc[("01", "ytd")]
    assert (rec["value"], rec["cell"], rec["org_code"], rec["period"].date()) == (600, "E5", "110199001", JUNE)


@pytest.mark.parametrize("text, org, dept", [
    ("示例街道财政所", "110199001", "财政所"),
    ("东关街道 退役军人服务站", "110199002", "退役军人服务站"),
    ("西城镇经发办", "110199101", "经济发展办公室"),
    ("西城镇", "110199101", ""),
    ("西城镇某某科", "110199101", None),
    ("南山乡财政所", None, None),
])
def test_match_reporter(text, org, dept):
    assert match_reporter(CAT, text)[:2] == (org, dept)


def test_reading_a_small_return_is_fast():
    grid = read_grids(zb01("openpyxl", columns=("指标名称", "代码", "计量单位", "本月", ("累计", "本年"), ("累计", "上年同期"), "同比增长(%)")))[0]
    read_sheet(grid, CAT, FILE)
    runs = 200
    start = time.perf_counter()
    for _ in range(runs):
        read_sheet(grid, CAT, FILE)
    assert (time.perf_counter() - start) / runs < 0.005


def test_two_forms_in_one_workbook_are_two_returns_even_when_one_sheet_is_hidden(engine):
    economy = read_grids(indicator_return("ZB02", "示例街道经济发展办公室", "2023年6月", [
        ("规模以上工业总产值", "01", "万元", 10, 60, 50, None), ("固定资产投资", "02", "万元", 5, 30, 25, None),
        ("社会消费品零售总额", "03", "万元", 8, 48, 40, None)], title="主要经济指标月报表", engine=engine))[0]
    projects = read_grids(project_return("示例街道经济发展办公室", "2023年6月", [(1, "冷链物流中心", "续建", 8000)], engine=engine))[0]
    grids = (Grid("经济指标", economy.rows, economy.merged), Grid("重点项目", projects.rows, projects.merged, hidden=True))
    batch = read_batch([Received("sha", FILE, grids)], CAT)
    assert sorted(batch.returns["form_code"]) == ["ZB02", "ZB03"]
    assert list(batch.projects["project_name"]) == ["冷链物流中心"]
    assert list(batch.findings["rule"]) == ["hidden_sheet"]
