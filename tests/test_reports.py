"""The summary tables a clerk opens: figures by section, stale and missing returns, the district, projects."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from reports.build import build_reports, report_orgs
from tests.conftest import form_return, put, zb01
from tests.workbooks import project_return
from warehouse.inbox import discover
from warehouse.load import ingest_paths

JUNE = dt.date(2023, 6, 1)
SAFETY_MAY = {"01": (5, 50), "02": (4, 40), "03": (4, 36), "04": (None, 3), "05": (2, 20), "06": (1, 10),
              "07": (None, 5), "08": (None, 2), "09": (None, 6)}
SAFETY_JUNE = {"01": (6, 56), "02": (5, 45), "03": (5, 41), "04": (None, 3), "05": (2, 22), "06": (1, 11),
               "07": (None, 5), "08": (None, 2), "09": (None, 6)}


@pytest.fixture(scope="module")
def out(tmp_path_factory, cat):
    """示例街道 reports everything for June; 东关街道's safety return stops in May; 西城镇 sends nothing."""
    root = tmp_path_factory.mktemp("reports")
    inbox = root / "inbox"
    t = dt.datetime(2023, 7, 5)
    put(inbox / "a" / "示例财政5月.xlsx", zb01("示例街道财政所", "2023年5月", (10, 20), (90, 180), (80, 170)), t)
    put(inbox / "a" / "示例财政6月.xlsx", zb01("示例街道财政所", "2023年6月", (10, 20), (100, 200), (90, 250)), t)
    put(inbox / "b" / "东关财政6月.xlsx", zb01("东关街道财政所", "2023年6月", (5, 5), (60, 70), (50, 60)), t)
    put(inbox / "a" / "示例安全5月.xlsx", form_return(cat, "ZB11", "示例街道应急管理办公室", "2023年5月", SAFETY_MAY), t)
    put(inbox / "a" / "示例安全6月.xlsx", form_return(cat, "ZB11", "示例街道应急管理办公室", "2023年6月", SAFETY_JUNE), t)
    put(inbox / "b" / "东关安全5月.xlsx", form_return(cat, "ZB11", "东关街道应急管理办公室", "2023年5月", SAFETY_MAY), t)
    projects = [[1, "智能制造产业园", "新开工", 25000, "示例村", "制造业", "经发办"],
                [2, "冷链物流中心", "续建", 8000.5, None, None, None],
                [3, "文旅综合体", "新开工", 15000, None, None, None]]
    put(inbox / "a" / "示例项目6月.xlsx", project_return("示例街道经济发展办公室", "2023年6月", projects), t)
    db = root / "wh.duckdb"
    result = ingest_paths(db, discover(inbox), cat, root / "archive", JUNE)
    assert result.counts == {"accepted": 7}, result.findings["message"].tolist()
    build_reports(db, cat, JUNE, report_orgs(cat, None), root / "out")
    return root / "out" / "2023-06"


def table(path):
    """The 汇总表 sheet as {(表号, 代码 or 指标): {header: value}}."""
    ws = openpyxl.load_workbook(path)["汇总表"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[1]
    out = {}
    for row in rows[2:]:
        rec = dict(zip(header, row))
        if rec.get("指标"):
            out[(rec["表号"], rec["代码"] or rec["指标"])] = rec
    return out


def test_an_org_table_shows_its_june_figures_with_growth(out):
    t = table(out / "110199001" / "汇总表.xlsx")
    row = t[("ZB01", "01")]
    assert (row["本月"], row["本年累计"], row["上年同期累计"], row["数据期"]) == (10, 100, 90, "1-6月")
    assert row["同比增长(%)"] == pytest.approx((100 / 90 - 1) * 100)
    assert t[("ZB01", "02")]["同比增长(%)"] == pytest.approx(-20.0)


def test_a_missing_return_is_shown_as_missing_never_as_zero(out):
    row = table(out / "110199001" / "汇总表.xlsx")[("ZB02", "01")]
    assert row["本年累计"] is None and row["本月"] is None and row["说明"] == "缺报"
    west = table(out / "110199101" / "汇总表.xlsx")
    assert all(r["说明"] == "缺报" and r["本年累计"] is None for r in west.values() if r["表号"])


def test_a_stale_return_says_which_months_it_covers(out):
    row = table(out / "110199002" / "汇总表.xlsx")[("ZB11", "01")]
    assert (row["本年累计"], row["数据期"]) == (50, "1-5月")
    assert "6月未报" in row["说明"] and "5月" in row["说明"]


def test_the_district_sums_orgs_and_names_the_stale_and_missing_ones(out):
    t = table(out / "all" / "汇总表.xlsx")
    finance = t[("ZB01", "01")]
    assert (finance["本月"], finance["本年累计"], finance["上年同期累计"]) == (15, 160, 140)
    assert finance["同比增长(%)"] == pytest.approx((160 / 140 - 1) * 100)
    assert finance["说明"] == "缺报：西城镇"
    safety = t[("ZB11", "01")]
    assert (safety["本月"], safety["本年累计"]) == (6, 106)
    assert "东关街道为1-5月数" in safety["说明"] and "缺报：西城镇" in safety["说明"]


def test_the_rectification_rate_is_derived_from_its_parts(out):
    assert table(out / "110199001" / "汇总表.xlsx")[(None, "隐患整改完成率")]["本年累计"] == pytest.approx(41 / 45 * 100)


def test_projects_are_counted_and_totalled_in_yi_yuan_per_status(out):
    ws = openpyxl.load_workbook(out / "110199001" / "汇总表.xlsx")["重点项目"]
    by_status = {r[0]: (r[1], r[2]) for r in ws.iter_rows(min_row=2, max_row=6, values_only=True)}
    assert by_status["新开工"] == (2, pytest.approx(4.0))
    assert by_status["续建"] == (1, pytest.approx(0.80005))
    assert by_status["洽谈"] == (0, 0)


def test_csv_opens_in_excel_and_markdown_has_the_sections(out):
    data = (out / "all" / "汇总表.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and "一般公共预算收入".encode() in data
    md = (out / "110199001" / "汇总表.md").read_text(encoding="utf-8")
    for section in ("## 经济运行", "## 风险防范", "## 党的建设", "## 重点项目"):
        assert section in md
    assert "| ZB01 | 01 | 一般公共预算收入 | 万元 | 10.00 | 100.00 | 90.00 | 11.1 | 1-6月 |" in md
