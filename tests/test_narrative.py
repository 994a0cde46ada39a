"""The narrative draft as a reader sees it: each formatting rule of spec §8, missing figures marked, user templates."""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from statreturns.reports import wording
from statreturns.reports.narrative import TemplateError, load_template, render
from statreturns.reports.summary import Snapshot, build_summary, snapshot_frames

JUNE = dt.date(2023, 6, 1)
MAY = dt.date(2023, 5, 1)
FIGURE_COLUMNS = ["org_code", "period", "form_code", "indicator_code", "month_value", "ytd_value", "prior_ytd_value",
                  "text_value", "file_name", "sheet", "cell", "sha256", "warning_rules", "warnings", "explained"]
SAMPLE, EAST, WEST = "110199001", "110199002", "110199101"


def figure(org, period, form, code, month=None, ytd=None, prior=None, text=None):
    return dict(org_code=org, period=pd.Timestamp(period), form_code=form, indicator_code=code, month_value=month,
                ytd_value=ytd, prior_ytd_value=prior, text_value=text, file_name=f"{org}-{form}.xlsx",
                sheet=f"{form}表", cell="E6", sha256=f"{org}{form}".ljust(64, "0"), warning_rules=None, warnings="",
                explained="")


# 示例街道 reports everything below for June; 东关街道's safety return stops in May; 西城镇 sends nothing.
ROWS = [
    figure(SAMPLE, JUNE, "ZB01", "01", 10, 100, 90),
    figure(SAMPLE, JUNE, "ZB01", "02", 20, 200, 250),
    figure(SAMPLE, JUNE, "ZB02", "01", 5000, 35000, 30000),
    figure(SAMPLE, JUNE, "ZB02", "02", 800, 4000, 4000),
    figure(SAMPLE, JUNE, "ZB02", "03", 300, 1500, 1400),
    figure(SAMPLE, JUNE, "ZB06", "T1", text="马家沟村、桃园村"),
    figure(SAMPLE, JUNE, "ZB07", "01", 10, 61),
    figure(SAMPLE, JUNE, "ZB09", "04", 20, 61),
    figure(SAMPLE, JUNE, "ZB10", "01", 100, 478),
    figure(SAMPLE, JUNE, "ZB11", "01", 6, 56),
    figure(SAMPLE, JUNE, "ZB11", "02", 5, 45),
    figure(SAMPLE, JUNE, "ZB11", "03", 5, 41),
    figure(EAST, MAY, "ZB11", "01", 5, 50),
    figure(EAST, MAY, "ZB11", "02", 4, 40),
    figure(EAST, MAY, "ZB11", "03", 4, 36),
    figure(EAST, JUNE, "ZB07", "01", 4, 30),
]


@pytest.fixture(scope="module")
def snap(cat):
    figures = pd.DataFrame(ROWS, columns=FIGURE_COLUMNS)
    projects = pd.DataFrame(columns=["org_code", "org_name", "period", "project_name", "status", "total_investment",
                                     "location", "industry", "responsible", "file_name", "sheet", "cell", "sha256"])
    history = pd.DataFrame(columns=["org_code", "form_code", "indicator_code", "month", "period", "ytd_value",
                                    "prior_ytd_value"]).astype({"month": "datetime64[us]", "period": "datetime64[us]"})
    figures, projects, sources = snapshot_frames(figures, projects.astype({"period": "datetime64[us]"}), cat)
    return Snapshot(JUNE, figures, projects, history, sources, district_of(figures))


def district_of(figures: pd.DataFrame) -> pd.DataFrame:
    """What the warehouse's district_figures says of these rows: sums of each org's latest 本年累计, 本月 of June's."""
    june = figures["period"] == pd.Timestamp(JUNE)
    sums = figures.assign(month_value=figures["month_value"].where(june)).groupby(["form_code", "indicator_code"])[
        ["month_value", "ytd_value", "prior_ytd_value"]].sum(min_count=1).reset_index()
    return sums.assign(yoy_pct=((sums["ytd_value"] / sums["prior_ytd_value"] - 1) * 100).round(1))


def draft(snap, cat, org: str, template=None) -> str:
    return render(build_summary(snap, cat, org), template or load_template(None), []).text


@pytest.mark.parametrize("pct, phrase", [(11.11, "同比增长11.1%"), (-20.0, "同比下降20.0%"), (-0.04, "与上年同期持平"),
                                         (None, "上年同期无可比数")])
def test_growth_is_written_as_increase_or_decrease(pct, phrase):
    assert wording.growth(pct) == phrase


@pytest.mark.parametrize("count, prose", [(478, "470余"), (61, "60余"), (2365, "2300余"), (1018, "1000余"), (9, "9"),
                                          (470, "470"), (60, "60")])
def test_approximate_counts_are_rounded_down(count, prose):
    assert wording.about(count) == prose


def test_wan_yuan_is_written_as_yi_yuan():
    assert wording.yi(35000) == "3.50" and wording.yi(8000.5) == "0.80"


def test_negative_growth_reads_as_a_decrease(snap, cat):
    text = draft(snap, cat, SAMPLE)
    assert "一般公共预算收入完成100万元，同比增长11.1%" in text
    assert "全口径财政收入完成200万元，同比下降20.0%" in text
    assert "同比增长-" not in text


def test_output_and_investment_are_in_yi_yuan(snap, cat):
    text = draft(snap, cat, SAMPLE)
    assert "规模以上工业总产值完成3.50亿元，同比增长16.7%" in text
    assert "固定资产投资完成0.40亿元，与上年同期持平" in text
    assert "社会消费品零售总额完成1500万元" in text


def test_approximate_counts_carry_yu(snap, cat):
    text = draft(snap, cat, SAMPLE)
    assert "接待上访群众470余人次" in text and "接待来办和电话咨询60余人次" in text


def test_a_stale_return_is_stated_for_the_months_it_covers(snap, cat):
    east = draft(snap, cat, EAST)
    assert "1-5月份，共检查企业50家，发现安全隐患40项，完成整改36项，隐患整改完成率90.0%" in east
    district = draft(snap, cat, "all")
    assert "截至6月底（东关街道为1-5月数；缺报：西城镇），共检查企业106家" in district


def test_the_rectification_rate_is_computed(snap, cat):
    assert "隐患整改完成率91.1%" in draft(snap, cat, SAMPLE)


def test_a_missing_figure_is_marked_with_its_department_never_zero(snap, cat):
    west = draft(snap, cat, WEST)
    assert "一般公共预算收入完成【缺：财政所 一般公共预算收入】" in west
    assert "规模以上工业总产值完成【缺：经济发展办公室 规模以上工业总产值】" in west
    assert "隐患整改完成率【缺：应急管理办公室 隐患整改完成率】" in west
    assert "重点项目情况【缺：经济发展办公室 重点项目情况表】" in west
    assert not re.search(r"完成0(万元|亿元|件|个)|None|nan", west)


def test_the_org_level_and_place_names_come_from_the_registry_and_text_items(snap, cat):
    assert "街道级总河长巡河61次" in draft(snap, cat, SAMPLE)
    assert "镇级总河长巡河【缺：河长制办公室 总河长巡河】" in draft(snap, cat, WEST)
    assert "各乡镇（街道）总河长巡河91次" in draft(snap, cat, "all")
    assert "对马家沟村、桃园村等低洼地段" in draft(snap, cat, SAMPLE)


def test_a_user_template_addresses_figures_by_code(snap, cat, tmp_path):
    path = tmp_path / "我的模板.md.j2"
    path.write_text("# {{ org.name }}\n\n工业产值{{ f.ZB02_01.ytd | yi }}，{{ f.ZB02_01 | growth }}；"
                    "{{ f.ZB11_01 | asof }}检查企业{{ f.ZB11_01.ytd | n }}家；信访{{ f.ZB10_01.ytd | yu(unit=False) }}人次。\n",
                    encoding="utf-8")
    assert draft(snap, cat, SAMPLE, load_template(path)) == (
        "# 示例街道\n\n工业产值3.50亿元，同比增长16.7%；截至6月底检查企业56家；信访470余人次。\n")


def test_a_template_naming_an_unknown_code_says_which(snap, cat, tmp_path):
    path = tmp_path / "错.md.j2"
    path.write_text("{{ f.ZB99_01.ytd }}", encoding="utf-8")
    with pytest.raises(TemplateError, match="ZB99_01"):
        draft(snap, cat, SAMPLE, load_template(path))


def test_a_template_with_a_syntax_error_says_where(tmp_path):
    path = tmp_path / "错.md.j2"
    path.write_text("第一行\n{{ f.ZB01_01.ytd }\n", encoding="utf-8")
    with pytest.raises(TemplateError, match="第2行"):
        load_template(path)
