"""The report a clerk opens: section tables, native and PNG charts, the draft, its lineage, and golden sample outputs."""
from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import sys
import zipfile
from pathlib import Path

import docx
import openpyxl
import duckdb
import pytest
from PIL import ImageFont

from statreturns.reports.build import build_reports, report_orgs
from statreturns.warehouse.store import Warehouse
from statreturns.reports.charts import cjk_font_file, nice_ticks, tick_label
from statreturns.reports.summary import sections
from tests.conftest import day, form_return, ingest_into, put, zb01
from tests.workbooks import project_return
from statreturns.intake.inbox import discover

JUNE = dt.date(2023, 6, 1)
GOLDEN = Path(__file__).parent / "golden"
UPDATE_GOLDEN = os.environ.get("STATRETURNS_UPDATE_GOLDEN") == "1"
SECTIONS = ["经济运行", "重点项目", "乡村振兴", "城镇建设", "民生保障", "风险防范", "党的建设"]
SAFETY_MAY = {"01": (5, 50), "02": (4, 40), "03": (4, 36), "04": (None, 3), "05": (2, 20), "06": (1, 10),
              "07": (None, 5), "08": (None, 2), "09": (None, 6)}
SAFETY_JUNE = {"01": (6, 56), "02": (5, 45), "03": (5, 41), "04": (None, 3), "05": (2, 22), "06": (1, 11),
               "07": (None, 5), "08": (None, 2), "09": (None, 6)}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, cat):
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
    result = ingest_into(db, inbox, cat, JUNE, archive=root / "archive")
    assert result.counts == {"accepted": 7}, result.findings["message"].tolist()
    build_reports(Warehouse.at(db), cat, JUNE, report_orgs(cat, None), root / "out")
    return root


@pytest.fixture(scope="module")
def out(scenario):
    return scenario / "out" / "2023-06"


def rows_of(ws, header_row: int = 2) -> list[dict]:
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[header_row - 1], row)) for row in rows[header_row:]]


def table(path, sheet: str = "汇总表") -> dict:
    """A figures sheet as {(表号, 代码 or 指标): {header: value}}."""
    ws = openpyxl.load_workbook(path)[sheet]
    return {(r["表号"], r["代码"] or r["指标"]): r for r in rows_of(ws) if r.get("指标")}


def test_an_org_table_shows_its_june_figures_with_growth(out):
    t = table(out / "110199001" / "汇总表.xlsx")
    row = t[("ZB01", "01")]
    assert (row["本月"], row["本年累计"], row["上年同期累计"], row["数据期"]) == (10, 100, 90, "1-6月")
    assert row["同比增长(%)"] == round((100 / 90 - 1) * 100, 1)
    assert t[("ZB01", "02")]["同比增长(%)"] == pytest.approx(-20.0)


def test_a_missing_return_is_shown_as_missing_never_as_zero(out):
    row = table(out / "110199001" / "汇总表.xlsx")[("ZB02", "01")]
    assert row["本年累计"] is None and row["本月"] is None and row["说明"] == "缺报"
    west = table(out / "110199101" / "汇总表.xlsx")
    assert all(r["说明"] == "缺报" and r["本年累计"] is None for r in west.values())


def test_a_stale_return_says_which_months_it_covers(out):
    row = table(out / "110199002" / "汇总表.xlsx")[("ZB11", "01")]
    assert (row["本年累计"], row["数据期"]) == (50, "1-5月")
    assert "6月未报" in row["说明"] and "5月" in row["说明"]


def test_the_district_sums_orgs_and_names_the_stale_and_missing_ones(out):
    t = table(out / "all" / "汇总表.xlsx")
    finance = t[("ZB01", "01")]
    assert (finance["本月"], finance["本年累计"], finance["上年同期累计"]) == (15, 160, 140)
    assert finance["同比增长(%)"] == round((160 / 140 - 1) * 100, 1)  # written with one decimal, no float noise
    assert finance["说明"] == "缺报：西城镇"
    safety = t[("ZB11", "01")]
    assert (safety["本月"], safety["本年累计"]) == (6, 106)
    assert "东关街道为1-5月数" in safety["说明"] and "缺报：西城镇" in safety["说明"]


def test_the_rectification_rate_is_derived_from_its_parts(out):
    assert table(out / "110199001" / "汇总表.xlsx")[(None, "隐患整改完成率")]["本年累计"] == round(41 / 45 * 100, 1)


def test_projects_are_counted_and_totalled_in_yi_yuan_per_status(out):
    ws = openpyxl.load_workbook(out / "110199001" / "汇总表.xlsx")["重点项目"]
    figures = {r["指标"]: (r["表号"], r["代码"], r["计量单位"], r["本年累计"]) for r in rows_of(ws) if r.get("指标")}
    assert figures["新开工项目个数"] == ("ZB03", "新开工", "个", 2)
    assert figures["新开工项目总投资"] == ("ZB03", "新开工", "亿元", pytest.approx(4.0))
    assert figures["续建项目总投资"][3] == 0.8 and figures["洽谈项目个数"][3] == 0  # 8000.5万元, written as 0.80亿元
    listing = rows_of(openpyxl.load_workbook(out / "110199001" / "汇总表.xlsx")["项目清单"])
    assert {r["项目名称"]: r["总投资(万元)"] for r in listing} == {"智能制造产业园": 25000, "冷链物流中心": 8000.5,
                                                              "文旅综合体": 15000}


def test_a_sheet_per_section_in_the_narratives_order_ready_to_print(out):
    book = openpyxl.load_workbook(out / "110199001" / "汇总表.xlsx")
    assert book.sheetnames == ["汇总表", *SECTIONS, "逐月累计", "项目清单"] == ["汇总表", *[s.name for s in sections()],
                                                                       "逐月累计", "项目清单"]
    for name in ["汇总表", *SECTIONS]:
        ws = book[name]
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        assert ws.print_title_rows == "$1:$2" and ws.freeze_panes in ("D3", "E3")
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0  # one page wide
    safety = book["风险防范"]
    header = [c.value for c in safety[2]]
    assert header[:4] == ["表号", "代码", "指标", "计量单位"] and "数据期" in header
    assert safety.column_dimensions["C"].width > 20


def test_numbers_are_formatted_by_unit(out):
    ws = openpyxl.load_workbook(out / "110199001" / "汇总表.xlsx")["汇总表"]
    formats = {(r[1].value, r[2].value or r[3].value): (r[6].number_format, r[8].number_format)
               for r in ws.iter_rows(min_row=3) if r[3].value}
    assert formats[("ZB01", "01")] == ("#,##0.00", "#,##0.0")
    assert formats[("ZB11", "01")][0] == "#,##0"
    assert formats[(None, "隐患整改完成率")][0] == "#,##0.0"


def test_the_workbook_has_native_line_and_column_charts(out):
    with zipfile.ZipFile(out / "110199001" / "汇总表.xlsx") as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert sum("<c:lineChart>" in c for c in charts) == 2  # ZB01's two yoy indicators (ZB02 has no return)
    assert sum("<c:barChart>" in c for c in charts) == 1
    assert all("逐月累计" in c for c in charts if "<c:lineChart>" in c)
    ws = openpyxl.load_workbook(out / "110199001" / "汇总表.xlsx")["逐月累计"]
    assert [c.value for c in ws[3]][:5] == ["一般公共预算收入", "2023年累计", "万元", None, None]
    assert [c.value for c in ws[3]][7:9] == [90, 100]


def test_png_charts_are_drawn_in_a_chinese_font(out):
    folder = out / "all" / "图表"
    assert sorted(p.name for p in folder.iterdir()) == ["ZB01_01.png", "ZB01_02.png", "重点项目.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in folder.iterdir())
    assert cjk_font_file() is not None, "no CJK font: run make install"
    font = ImageFont.truetype(cjk_font_file(), 24)
    glyph = lambda ch: bytes(font.getmask(ch))  # noqa: E731
    missing = glyph("\uffff")  # the font's box for a character it lacks
    assert all(glyph(ch) != missing for ch in "一般公共预算收入累计重点项目万元亿")


def test_csv_opens_in_excel_and_markdown_has_the_sections(out):
    data = (out / "all" / "汇总表.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and "一般公共预算收入".encode() in data
    md = (out / "110199001" / "汇总表.md").read_text(encoding="utf-8")
    for section in ("## 经济运行", "## 风险防范", "## 党的建设", "## 重点项目"):
        assert section in md
    assert "| ZB01 | 01 | 一般公共预算收入 | 万元 | 10.00 | 100.00 | 90.00 | 11.1 | 1-6月 |" in md
    assert "![一般公共预算收入累计](图表/ZB01_01.png)" in md


def test_the_draft_sits_beside_the_tables_in_markdown_and_word(out):
    folder = out / "110199002"
    md = (folder / "总结初稿.md").read_text(encoding="utf-8")
    assert md.startswith("# 东关街道2023年上半年工作总结（初稿）")
    assert "1-5月份，共检查企业50家" in md and "街道级总河长" in md
    word = docx.Document(str(folder / "总结初稿.docx"))
    text = "\n".join(p.text for p in word.paragraphs)
    assert "东关街道2023年上半年工作总结（初稿）" in text and "1-5月份，共检查企业50家" in text
    marked = [r for p in word.paragraphs for r in p.runs if r.text.startswith("【缺：")]
    assert marked and all(r.font.highlight_color is not None for r in marked)
    assert word.tables[0].rows[0].cells[0].text == "指标" and len(word.inline_shapes) == 3


def test_a_figure_of_the_draft_traces_back_to_its_cell(scenario, out):
    with open(out / "110199002" / "数据来源.csv", encoding="utf-8-sig", newline="") as f:
        lineage = {r["指标"]: r for r in csv.DictReader(f)}
    row = lineage["检查企业"]
    assert (row["填报单位"], row["数据期"], row["文件"], row["审核结果"]) == ("东关街道", "1-5月", "东关安全5月.xlsx", "通过")
    cell = openpyxl.load_workbook(scenario / "inbox" / "b" / row["文件"])[row["工作表"]][row["单元格"]].value
    assert float(row["数值"]) == cell == 50
    assert lineage["隐患整改完成率"]["文件"] == "" and "÷" in (out / "110199002" / "总结初稿.md").read_text("utf-8")
    assert lineage["一般公共预算收入"]["文件指纹(SHA-256)"] and len(lineage["一般公共预算收入"]["文件指纹(SHA-256)"]) == 64
    appendix = (out / "110199002" / "总结初稿.md").read_text(encoding="utf-8").split("## 附：数据来源")[1]
    assert "| 检查企业 | 东关街道 | 50 | 家 | 1-5月 | 东关安全5月.xlsx | Sheet1 | E5 |" in appendix
    assert "本年累计≥本月" in appendix and "完成隐患整改≤发现安全隐患" in appendix


def test_report_reads_the_warehouse_only_without_prefect_and_takes_a_template(scenario, tmp_path, monkeypatch):
    from statreturns.flows.cli import main

    template = tmp_path / "本单位模板.md.j2"
    template.write_text("{{ org.name }}财政收入{{ f.ZB01_01.ytd }}，{{ f.ZB01_01 | growth }}。\n", encoding="utf-8")
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("STATRETURNS_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setitem(sys.modules, "prefect", None)  # importing prefect now fails
    (scenario / "inbox").rename(scenario / "inbox-away")  # and so would reading the inbox again
    try:
        assert main(["report", "--period", "2023-06", "--org", "110199001", "--warehouse", str(scenario / "wh.duckdb"),
                     "--out", str(tmp_path / "out"), "--template", str(template)]) == 0
    finally:
        (scenario / "inbox-away").rename(scenario / "inbox")
    assert (tmp_path / "out" / "2023-06" / "110199001" / "总结初稿.md").read_text(encoding="utf-8").startswith(
        "示例街道财政收入100万元，同比增长11.1%。")


def test_a_broken_template_is_refused_with_its_line(scenario, tmp_path, monkeypatch, capsys):
    from statreturns.flows.cli import main

    template = tmp_path / "坏模板.md.j2"
    template.write_text("第一行\n{{ f.ZB01_01.ytd }\n", encoding="utf-8")
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("STATRETURNS_CONFIG", str(tmp_path / "none.toml"))
    assert main(["report", "--period", "2023-06", "--org", "all", "--warehouse", str(scenario / "wh.duckdb"),
                 "--out", str(tmp_path / "out"), "--template", str(template)]) == 2
    assert "模板第2行有语法错误" in capsys.readouterr().err


# ---------------------------------------------------------------- golden outputs of the sample data

GOLDEN_ORGS = ["110199002", "all"]  # the org whose June safety return never came, and the district
GOLDEN_FILES = ["汇总表.csv", "总结初稿.md", "数据来源.csv"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory, cat):
    """The demo inbox (python -m statreturns.samples), ingested and reported for 2023-06."""
    from statreturns.samples import write_sample_inbox

    root = tmp_path_factory.mktemp("sample")
    write_sample_inbox(root / "inbox")
    ingest_into(root / "wh.duckdb", root / "inbox", cat, JUNE, archive=root / "archive")
    build_reports(Warehouse.at(root / "wh.duckdb"), cat, JUNE, GOLDEN_ORGS, root / "out")
    folder = root / "out" / "2023-06"
    if UPDATE_GOLDEN:
        for org in GOLDEN_ORGS:
            (GOLDEN / "2023-06" / org).mkdir(parents=True, exist_ok=True)
            for name in GOLDEN_FILES:
                shutil.copy(folder / org / name, GOLDEN / "2023-06" / org / name)
    return folder


def read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def same_cell(got: object, want: str) -> bool:
    """Equal as text, or as numbers to 1e-6 (a float's last digits are not the point)."""
    got = "" if got is None else str(got)
    if got == want:
        return True
    try:
        return abs(float(got) - float(want)) < 1e-6
    except ValueError:
        return False


@pytest.mark.parametrize("org", GOLDEN_ORGS)
def test_sample_tables_match_the_golden_ones_cell_by_cell(sample, org):
    want = read_csv(GOLDEN / "2023-06" / org / "汇总表.csv")
    got = read_csv(sample / org / "汇总表.csv")
    assert len(got) == len(want)
    for r, (g, w) in enumerate(zip(got, want)):
        assert len(g) == len(w) and all(same_cell(a, b) for a, b in zip(g, w)), f"汇总表.csv row {r + 1}: {g} != {w}"
    book = openpyxl.load_workbook(sample / org / "汇总表.xlsx")
    header, body = want[0], want[1:]
    for name in SECTIONS:
        mine = [row[1:] for row in body if row[0] == name]
        sheet = [list(r) for r in book[name].iter_rows(min_row=3, max_row=2 + len(mine), max_col=len(header) - 1,
                                                        values_only=True)]
        for g, w in zip(sheet, mine):
            assert all(same_cell(a, b) for a, b in zip(g, w)), f"{name}: {g} != {w}"


@pytest.mark.parametrize("org", GOLDEN_ORGS)
def test_sample_draft_matches_the_golden_text(sample, org):
    want = (GOLDEN / "2023-06" / org / "总结初稿.md").read_text(encoding="utf-8")
    assert (sample / org / "总结初稿.md").read_text(encoding="utf-8") == want


@pytest.mark.parametrize("org", GOLDEN_ORGS)
def test_sample_lineage_matches_the_golden_one(sample, org):
    assert read_csv(sample / org / "数据来源.csv") == read_csv(GOLDEN / "2023-06" / org / "数据来源.csv")


def test_an_explained_warning_is_reported_as_explained_not_open(tmp_path, cat):
    from tests.conftest import put, zb01
    from statreturns.warehouse.explanations import record_explanation

    put(tmp_path / "in" / "2023-06" / "财政6月.xlsx", zb01("示例街道财政所", "2023年6月", (10, 20), (100, 200), (50, 190)),
        dt.datetime(2023, 7, 5))
    db = tmp_path / "w.duckdb"
    ingest_into(db, tmp_path / "in", cat, JUNE, archive=tmp_path / "archive")
    record_explanation(Warehouse.at(db), "财政6月.xlsx", "yoy_beyond_50", "新增税源入库")
    (folder,) = build_reports(Warehouse.at(db), cat, JUNE, ["110199001"], tmp_path / "out")
    with open(folder / "数据来源.csv", encoding="utf-8-sig") as f:
        row = next(r for r in csv.DictReader(f) if r["指标"] == "一般公共预算收入")
    assert row["审核结果"] == "通过，提醒已说明"
    assert "新增税源入库" in row["已说明的提醒"] and row["提醒"] == ""


def test_the_warehouse_and_the_district_table_agree_figure_by_figure(sample):
    """One rule for a district figure: an analyst's district_figures and the 全区 table print the same numbers."""
    with duckdb.connect(str(sample.parents[1] / "wh.duckdb"), read_only=True) as con:
        view = {(f, i): (m, y, p, g) for f, i, m, y, p, g in con.execute(
            "select form_code, indicator_code, month_value, ytd_value, prior_ytd_value, yoy_pct "
            "from district_figures where period = '2023-06-01' and kind <> 'text'").fetchall()}
        carried = con.execute("select carried_orgs from district_figures where period = '2023-06-01' "
                              "and form_code = 'ZB11' and indicator_code = '01'").fetchone()[0]
    rows = [r for r in read_csv(sample / "all" / "汇总表.csv")[1:] if r[1] and r[1] != "ZB03" and not r[2].startswith("T")]
    assert len(rows) == len(view) > 30
    for r in rows:
        as_number = lambda text: float(text) if text else None  # noqa: E731
        assert tuple(as_number(r[k]) for k in (5, 6, 7, 8)) == view[(r[1], r[2])], r
    assert carried == "东关街道（1-5月）"
    assert any("东关街道为1-5月数" in r[10] for r in rows if r[1] == "ZB11")


def test_a_form_rule_with_arithmetic_on_one_side_is_named_in_the_lineage(sample, cat, tmp_path):
    from dataclasses import replace

    from statreturns.schemas.catalogue import read_rule

    rule = read_rule("ZB06_verified_le_sum", {
        "name": "核销多于流出与面积", "holds": "已核销图斑≤流出图斑+流出面积", "form": "ZB06", "severity": "warning",
        "check": "04.ytd <= 02.ytd + 03.ytd", "message": "已核销图斑（{left}）多于{right}"})
    form = replace(cat.forms["ZB06"], rules=(*cat.forms["ZB06"].rules, rule))
    wider = replace(cat, forms={**cat.forms, "ZB06": form}, rules={**cat.rules, rule.code: rule})
    (folder,) = build_reports(Warehouse.at(sample.parents[1] / "wh.duckdb"), wider, JUNE, ["110199001"], tmp_path)
    lineage = {r[0]: r for r in read_csv(folder / "数据来源.csv")}
    appendix = (folder / "总结初稿.md").read_text(encoding="utf-8").split("## 附：数据来源")[1]
    assert "已核销图斑≤流出图斑+流出面积" in appendix and lineage["已核销图斑"][8] == "通过"


def test_a_closed_months_summary_is_the_one_of_record(tmp_path, cat):
    """Closed, June's summary stays as it was: a later correction of May (which June carries for a department that
    missed June) changes May's summary, not June's."""
    from statreturns.warehouse.closing import close_period

    inbox = tmp_path / "inbox"
    put(inbox / "2023-05" / "东关安全5月.xlsx", form_return(cat, "ZB11", "东关街道应急管理办公室", "2023年5月",
                                                          {c: (1, 5) for c in ("01", "02", "03", "05", "06")} |
                                                          {c: (None, 2) for c in ("04", "07", "08", "09")}), day(5, 6))
    put(inbox / "2023-06" / "东关热线6月.xlsx", form_return(cat, "ZB05", "东关街道网格化管理服务中心", "2023年6月",
                                                          {"01": (9, 50), "02": (8, 40), "03": (1, 5)}), day(5))
    wh = Warehouse.at(tmp_path / "w.duckdb")
    ingest_into(wh, inbox, cat, JUNE)
    close_period(wh, JUNE, "统计局", "验收")
    put(inbox / "2023-05" / "东关安全5月（更正）.xlsx", form_return(cat, "ZB11", "东关街道应急管理办公室", "2023年5月",
        {c: (1, 7) if c == "01" else (1, 5) for c in ("01", "02", "03", "05", "06")} |
        {c: (None, 2) for c in ("04", "07", "08", "09")}), day(12, 7))
    assert list(ingest_into(wh, inbox, cat, JUNE).submissions["status"]) == ["accepted"]
    june, may = (build_reports(wh, cat, p, ["110199002"], tmp_path / "out")[0] for p in (JUNE, dt.date(2023, 5, 1)))
    assert table(june / "汇总表.xlsx")[("ZB11", "01")]["本年累计"] == 5  # as it stood when June was closed
    assert table(may / "汇总表.xlsx")[("ZB11", "01")]["本年累计"] == 7  # May is open: the correction counts


@pytest.mark.parametrize("lo, hi, ticks", [(0, 63.4, [0, 20, 40, 60, 80]), (0, 26_400, [0, 10_000, 20_000, 30_000]),
                                           (0, 0.9, [0, 0.2, 0.4, 0.6, 0.8, 1.0]), (0, 0, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
                                           (-12, 30, [-20, -10, 0, 10, 20, 30])])
def test_the_value_axis_steps_are_round_and_cover_the_values(lo, hi, ticks):
    assert nice_ticks(lo, hi) == pytest.approx(ticks)
    step = ticks[1] - ticks[0]
    assert [tick_label(t, step) for t in ticks][-1] == ("1.0" if ticks[-1] == 1 else f"{ticks[-1]:,}")
