"""填报模板: generated from the catalogue and the warehouse, filled in as a department fills them, read back exactly."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import openpyxl
from openpyxl.cell.cell import MergedCell
import pandas as pd
import pytest

from statreturns.flows.cli import main
from statreturns.intake.readers import read_grids
from statreturns.reports.form_checks import CALLS, failure_formula
from statreturns.reports.form_sheets import Issue
from statreturns.reports.form_templates import template_book, template_name, write_templates
from statreturns.samples import write_sample_inbox
from statreturns.schemas.catalogue import load_catalogue
from statreturns.schemas.fingerprint import META_SHEET, catalogue_hash, parse_fingerprint
from statreturns.schemas.records import Received, read_batch
from statreturns.schemas.rules import FUNCTIONS, parse
from statreturns.warehouse.store import Warehouse
from tests.conftest import ingest_into

SOFFICE = shutil.which("soffice")
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (.ci/run installs it)")
JULY = dt.date(2023, 7, 1)
JUNE = dt.date(2023, 6, 1)
FORM_CODE = re.compile(r"表号：(ZB\d\d)表")


# ---- a department filling in its template

def _validation(ws, ref: str):
    """The data validation covering a cell, if any."""
    return next((dv for dv in ws.data_validations.dataValidation if ref in dv.sqref), None)


def _type(ws, ref: str, value) -> None:
    """Type into a cell as a clerk can: only into a cell the protected sheet leaves open."""
    assert ws[ref].protection.locked is False, f"{ws.title}!{ref} is locked"
    ws[ref] = value


def _columns(ws) -> dict[str, int]:
    """The header's words -> column, as the clerk reads them (a group word's columns by their own words)."""
    found = {}
    for r in (4, 5):
        for c in range(1, ws.max_column + 1):
            if isinstance(ws.cell(r, c).value, str):
                found[ws.cell(r, c).value] = c
    return found


def fill(path: Path, cat, *, off: dict[tuple[str, str], float] | None = None) -> dict:
    """Fill every input of a template with plausible figures; ``off`` adds to a (form, indicator)'s 本年累计.

    Returns what the department's figures now are: (org, form, indicator) -> measure -> value, and the projects."""
    book = openpyxl.load_workbook(path)
    figures, projects = {}, {}
    for ws in book.worksheets:
        m = FORM_CODE.search(str(ws["A2"].value or ""))
        if ws.sheet_state != "visible" or not m:
            continue
        form = cat.forms[m[1]]
        org = next(o for o in cat.orgs if o.name in ws["A3"].value)
        col = _columns(ws)
        if form.layout == "projects":
            projects[org.code] = _fill_projects(ws, col)
        else:
            figures.update(_fill_indicators(ws, cat, form, org.code, col, off or {}))
        for r in range(ws.max_row - 1, ws.max_row + 1):  # the signature block
            for c in range(1, ws.max_column + 1):
                if ws.cell(r, c).protection.locked is False and not isinstance(ws.cell(r, c), MergedCell):
                    _type(ws, ws.cell(r, c).coordinate, "张三" if c < 4 else "2023年8月4日")
    book.save(path)
    return {"figures": figures, "projects": projects}


def _fill_indicators(ws, cat, form, org_code, col, off) -> dict:
    out = {}
    n = len(form.indicators)
    for k, ind in enumerate(form.indicators):
        r = 6 + k
        assert ws.cell(r, col["代码"]).value == ind.code and ws.cell(r, col["指标名称"]).value == ind.name
        typed = {}
        if ind.kind == "text":
            ref = ws.cell(r, col["本月"]).coordinate
            _type(ws, ref, f"东村、西村{k}")
            out[(org_code, form.code, ind.code)] = {"text_value": f"东村、西村{k}"}
            continue
        ytd_ref = ws.cell(r, col["本年累计"]).coordinate
        whole = _validation(ws, ytd_ref).type == "whole"
        month = (10 + 3 * (n - k)) if whole else round(100 + 7.25 * (n - k), 2)
        prev = ws.cell(r, col["上月本年累计"]).value
        if ind.kind == "flow":
            _type(ws, ws.cell(r, col["本月"]).coordinate, month)
            typed["month_value"] = month
            ytd = (prev + month) if prev is not None else 6 * month
        else:
            ytd = prev if prev is not None else 50 - k
        ytd = round(ytd, 0 if whole else 2) + off.get((form.code, ind.code), 0)
        _type(ws, ytd_ref, ytd)
        typed["ytd_value"] = ytd
        if ind.yoy:
            prior_ref = ws.cell(r, col["上年同期累计"]).coordinate
            prior = ws[prior_ref].value
            if prior is None:  # the office had no figure: the department types it
                prior = round(ytd / 1.1, 2)
                _type(ws, prior_ref, prior)
            typed["prior_ytd_value"] = prior
        out[(org_code, form.code, ind.code)] = typed
    return out


def _fill_projects(ws, col) -> list[tuple]:
    """Keep last month's list, move the first project on, add a new one in the first blank row."""
    listed = []
    r = 6
    while ws.cell(r, col["序号"]).value is not None:
        name = ws.cell(r, col["项目名称"]).value
        if name is None:
            _type(ws, ws.cell(r, col["项目名称"]).coordinate, "七月新签约物流园项目")
            _type(ws, ws.cell(r, col["项目状态"]).coordinate, "签约")
            _type(ws, ws.cell(r, col["总投资（万元）"]).coordinate, 1234.5)
            listed.append(("七月新签约物流园项目", "签约", 1234.5))
            break
        if r == 6:
            _type(ws, ws.cell(r, col["项目状态"]).coordinate, "续建")
        listed.append((name, ws.cell(r, col["项目状态"]).value, ws.cell(r, col["总投资（万元）"]).value))
        r += 1
    return sorted(listed)


# ---- fixtures: the judging scenario, Jan–Jun 2023 in the warehouse

@pytest.fixture(scope="module", autouse=True)
def no_config(tmp_path_factory):
    """Commands read no statreturns.toml from the working directory."""
    empty = tmp_path_factory.mktemp("config") / "none.toml"
    empty.write_text("", encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STATRETURNS_CONFIG", str(empty))
        yield


@pytest.fixture(scope="module")
def june(tmp_path_factory, cat):
    """A warehouse holding the demo district's January–June returns (never seen by the templates before)."""
    root = tmp_path_factory.mktemp("june")
    write_sample_inbox(root / "inbox")
    wh = Warehouse.at(root / "wh" / "statreturns.duckdb")
    ingest_into(wh, root / "inbox", cat, JUNE)
    return wh


def _copy(wh: Warehouse, to: Path) -> Warehouse:
    shutil.copytree(wh.path.parent, to)
    return Warehouse.at(to / wh.path.name)


@pytest.fixture(scope="module")
def july(june, tmp_path_factory):
    """The July templates for every org of the registry, written by the command."""
    out = tmp_path_factory.mktemp("templates")
    assert main(["templates", "--period", "2023-07", "--warehouse", str(june.path), "--out", str(out)]) == 0
    return sorted(out.glob("*.xlsx"))


def _filled(july, to: Path, cat, **kw) -> tuple[Path, dict]:
    """Copies of the templates filled in, in an inbox's July folder; what was typed, by file."""
    inbox = to / "inbox" / "2023-07"
    inbox.mkdir(parents=True)
    typed = {}
    for path in july:
        shutil.copy(path, inbox / path.name)
        typed[path.name] = fill(inbox / path.name, cat, **kw)
    return to / "inbox", typed


def _figures(wh: Warehouse) -> pd.DataFrame:
    with wh.reader() as con:
        return con.execute("select * from figures where period = '2023-07-01'").df()


def _assert_landed(wh: Warehouse, typed: dict) -> None:
    """Every return accepted; every figure the department's sheet holds is in ``figures`` as typed."""
    with wh.reader() as con:
        subs = con.execute("select file_name, sheet, status from submissions where period = '2023-07-01'").df()
        projects = con.execute("select org_code, project_name, status, total_investment from projects "
                               "where period = '2023-07-01'").df()
    assert len(subs) == 36 and set(subs["status"]) == {"accepted"}, subs[subs["status"] != "accepted"]
    figs = _figures(wh).set_index(["org_code", "form_code", "indicator_code"])
    expected = {k: v for t in typed.values() for k, v in t["figures"].items()}
    assert len(expected) == len(figs) == 3 * sum(len(f.indicators) for f in load_catalogue().forms.values())
    for key, values in expected.items():
        for measure, value in values.items():
            assert figs.loc[key, measure] == pytest.approx(value, abs=1e-9), (key, measure)
    for org, listed in (p for t in typed.values() for p in t["projects"].items()):
        got = projects[projects["org_code"] == org]
        assert sorted(zip(got["project_name"], got["status"], got["total_investment"])) == listed


# ---- the judging scenario

def test_templates_cover_every_org_and_all_twelve_forms(july, cat):
    assert len(july) == len(cat.orgs) * len({f.department for f in cat.forms.values()})
    assert {p.name for p in july} >= {"示例街道-财政所-2023年7月填报模板.xlsx", "西城镇-经济发展办公室-2023年7月填报模板.xlsx"}
    for org in cat.orgs:
        forms = []
        for path in (p for p in july if p.name.startswith(org.name + "-")):
            book = openpyxl.load_workbook(path)
            assert book.security.lockStructure
            for ws in book.worksheets:
                m = FORM_CODE.search(str(ws["A2"].value or ""))
                if not m:
                    continue
                forms.append(m[1])
                assert ws.protection.sheet, ws.title
                assert ws["A3"].value == f"填报单位：{org.name}{cat.forms[m[1]].department}"
                assert ws["D3"].value == "报告期：2023年7月"
                assert ws.data_validations.dataValidation, ws.title
        assert sorted(forms) == sorted(cat.forms), org.name


def test_filled_templates_are_accepted_with_every_figure_as_typed(june, july, tmp_path, cat, capsys):
    wh = _copy(june, tmp_path / "wh")
    inbox, typed = _filled(july, tmp_path, cat)
    assert main(["ingest", str(inbox), "--warehouse", str(wh.path), "--period", "2023-07"]) == 0
    assert "受理 36" in capsys.readouterr().out
    _assert_landed(wh, typed)
    with wh.reader() as con:
        assert con.execute("select count(*) from findings where severity = 'error' and sha256 in "
                           "(select sha256 from submissions where period = '2023-07-01')").fetchone() == (0,)


def test_a_wrong_continuity_figure_is_rejected_naming_the_cell(june, july, tmp_path, cat):
    wh = _copy(june, tmp_path / "wh")
    inbox = tmp_path / "inbox" / "2023-07"
    inbox.mkdir(parents=True)
    path = inbox / template_name("示例街道", "财政所", JULY)
    shutil.copy(next(p for p in july if p.name == path.name), path)
    fill(path, cat, off={("ZB01", "02"): 5})
    result = ingest_into(wh, inbox.parent, cat, JULY)
    assert list(result.submissions["status"]) == ["rejected"]
    errors = result.findings[result.findings["severity"] == "error"]
    assert list(errors["rule"]) == ["ytd_continuity"] and list(errors["cell"]) == ["E7"]
    assert "E7单元格" in errors["message"].iloc[0] and "全口径财政收入" in errors["message"].iloc[0]


def test_a_reason_in_the_remarks_column_explains_the_yellow_warning(june, july, tmp_path, cat):
    inbox = tmp_path / "inbox" / "2023-07"
    path = _one_filled(july, inbox, cat)
    book = openpyxl.load_workbook(path)
    ws = book.worksheets[0]
    _type(ws, "F6", round(ws["E6"].value / 1.8, 2))  # 一般公共预算收入 up 80% on last year
    _type(ws, "I6", "一般公共预算收入增幅较大，系本月新增税源入库")
    book.save(path)
    wh = _copy(june, tmp_path / "wh")
    result = ingest_into(wh, inbox.parent, cat, JULY)
    assert list(result.submissions["status"]) == ["accepted"]
    with wh.reader() as con:
        found = con.execute("select rule, cell, explained, explanation from findings where file_name = ? "
                            "and rule = 'yoy_beyond_50'", [path.name]).fetchall()
    assert found == [("yoy_beyond_50", "E6", True, "一般公共预算收入增幅较大，系本月新增税源入库")]


@needs_soffice
def test_libreoffice_resaved_templates_keep_their_checks_and_are_accepted(june, july, tmp_path, cat):
    inbox, typed = _filled(july, tmp_path / "filled", cat)
    again = tmp_path / "again" / "2023-07"
    _soffice("xlsx", again, sorted((inbox / "2023-07").glob("*.xlsx")), tmp_path)
    for path in again.glob("*.xlsx"):
        meta = next(g for g in read_grids(path.read_bytes()) if g.sheet == META_SHEET)
        assert meta.hidden and parse_fingerprint(meta) is not None, path.name  # read by its fingerprint still
        book = openpyxl.load_workbook(path)
        for ws in book.worksheets:
            if FORM_CODE.search(str(ws["A2"].value or "")):
                assert ws.protection.sheet and ws.data_validations.dataValidation, (path.name, ws.title)
        zb01 = book.worksheets[0]
        if zb01["A2"].value == "表号：ZB01表":
            assert zb01["G6"].value.startswith("=IF(") and zb01.conditional_formatting
            grid = read_grids(path.read_bytes())[0]
            assert grid.raw(5, 6) == pytest.approx(round((grid.raw(5, 4) / grid.raw(5, 5) - 1) * 100, 1))  # cached 同比
    wh = _copy(june, tmp_path / "wh")
    result = ingest_into(wh, again.parent, cat, JULY)
    assert set(result.submissions["status"]) == {"accepted"}
    _assert_landed(wh, {p: typed[p] for p in typed})


def _soffice(kind: str, out: Path, files: list[Path], tmp_path: Path) -> None:
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to", kind,
                    "--outdir", str(out), *map(str, files)], check=True, capture_output=True, timeout=300)


# ---- the fingerprint

def _read(path: Path, cat):
    return read_batch([Received("sha", path.name, tuple(read_grids(path.read_bytes())))], cat)


def _one_filled(july, tmp_path, cat, org="示例街道", dept="财政所") -> Path:
    path = tmp_path / template_name(org, dept, JULY)
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(next(p for p in july if p.name == path.name), path)
    fill(path, cat)
    return path


def _edit(path: Path, sheet_index: int, ref: str, value) -> None:
    book = openpyxl.load_workbook(path)
    book.worksheets[sheet_index][ref] = value
    book.save(path)


def test_the_fingerprint_is_a_very_hidden_sheet_calamine_reads_as_hidden(july, cat):
    book = openpyxl.load_workbook(july[0])
    assert book[META_SHEET].sheet_state == "veryHidden"
    grids = read_grids(july[0].read_bytes())
    meta = next(g for g in grids if g.sheet == META_SHEET)
    assert meta.hidden
    fp = parse_fingerprint(meta)
    org = next(o for o in cat.orgs if july[0].name.startswith(o.name))
    assert (fp.org_code, fp.period, fp.catalogue) == (org.code, JULY, catalogue_hash(cat, fp.form_codes))


def test_a_template_of_another_org_is_refused_naming_the_cell(july, tmp_path, cat):
    path = _one_filled(july, tmp_path, cat)
    _edit(path, 0, "A3", "填报单位：东关街道财政所")
    found = _read(path, cat).findings
    assert list(found["rule"]) == ["template_other_org"] and list(found["cell"]) == ["A3"]
    assert "东关街道财政所" in found["message"].iloc[0] and "发给示例街道的" in found["message"].iloc[0]


def test_a_template_of_another_period_is_refused_naming_the_cell(june, july, tmp_path, cat):
    path = _one_filled(july, tmp_path / "inbox" / "2023-08", cat)
    _edit(path, 0, "D3", "报告期：2023年8月")
    wh = _copy(june, tmp_path / "wh")
    result = ingest_into(wh, tmp_path / "inbox", cat, dt.date(2023, 8, 1))
    assert list(result.submissions["status"]) == ["rejected"]
    found = result.findings[result.findings["rule"] == "template_other_period"]
    assert list(found["cell"]) == ["D3"] and found["severity"].iloc[0] == "error"
    assert "2023年8月" in found["message"].iloc[0] and "2023年7月的" in found["message"].iloc[0]


def test_an_old_catalogue_hash_is_a_warning_and_the_figures_still_land(june, july, tmp_path, cat):
    path = _one_filled(july, tmp_path / "inbox" / "2023-07", cat)
    book = openpyxl.load_workbook(path)
    meta = book[META_SHEET]
    row = next(r for r in meta.iter_rows() if r[0].value == "catalogue")
    row[1].value = "0123456789abcdef"
    book.save(path)
    wh = _copy(june, tmp_path / "wh")
    result = ingest_into(wh, tmp_path / "inbox", cat, JULY)
    assert list(result.submissions["status"]) == ["accepted"]
    assert list(result.findings["rule"]) == ["template_outdated"]
    assert "0123456789abcdef" in result.findings["message"].iloc[0]


def test_the_catalogue_hash_follows_checks_and_forms_not_wording(cat):
    forms = ["ZB01", "ZB05"]
    reworded = replace(cat, rules={**cat.rules, "ytd_continuity": replace(cat.rules["ytd_continuity"], message="另一种说法")})
    assert catalogue_hash(reworded, forms) == catalogue_hash(cat, forms)
    tighter = replace(cat, rules={**cat.rules, "ytd_continuity": replace(
        cat.rules["ytd_continuity"], check=parse("ytd == prev.ytd + month ± 0.001"))})
    assert catalogue_hash(tighter, forms) != catalogue_hash(cat, forms)
    zb01 = cat.forms["ZB01"]
    renamed = replace(cat, forms={**cat.forms, "ZB01": replace(zb01, indicators=(replace(zb01.indicators[0], name="改名"),
                                                                                   *zb01.indicators[1:]))})
    assert catalogue_hash(renamed, forms) != catalogue_hash(cat, forms)


def _typed(records: pd.DataFrame) -> set[tuple]:
    """Every figure read, with its cell; 同比 is the template's own formula, not a figure typed."""
    found = records[(records["value"].notna() | records["text_value"].notna()) & (records["measure"] != "yoy_pct")]
    return set(zip(found["sheet"], found["indicator_code"], found["measure"], found["value"].fillna(-1),
                   found["text_value"].fillna(""), found["cell"]))


def test_without_the_fingerprint_a_filled_template_reads_as_any_return(july, tmp_path, cat):
    for path in july[: len(july) // 3]:  # one org's departments
        filled = _one_filled(july, tmp_path, cat, *path.name.split("-")[:2])
        mapped = _read(filled, cat)
        book = openpyxl.load_workbook(filled)
        book.remove(book[META_SHEET])
        book.save(filled)
        searched = _read(filled, cat)
        assert _typed(searched.records) == _typed(mapped.records), path.name
        assert searched.projects[["project_name", "status", "total_investment"]].equals(
            mapped.projects[["project_name", "status", "total_investment"]])
        assert list(searched.returns["form_code"]) == list(mapped.returns["form_code"])
        # openpyxl stores 同比 formulas without their value, which Excel, WPS and LibreOffice compute on saving
        assert set(searched.findings["rule"]) <= {"formula_not_computed"}
        assert set(searched.findings["cell"]) <= {"G6", "G7", "G8"}


@needs_soffice
def test_without_the_fingerprint_a_template_saved_by_libreoffice_is_accepted(june, july, tmp_path, cat):
    inbox = tmp_path / "plain"
    inbox.mkdir()
    typed = {}
    for path in july:
        filled = inbox / path.name
        shutil.copy(path, filled)
        typed[path.name] = fill(filled, cat)
        book = openpyxl.load_workbook(filled)
        book.remove(book[META_SHEET])
        book.save(filled)
    again = tmp_path / "inbox" / "2023-07"
    _soffice("xlsx", again, sorted(inbox.glob("*.xlsx")), tmp_path)
    wh = _copy(june, tmp_path / "wh")
    ingest_into(wh, tmp_path / "inbox", cat, JULY)
    _assert_landed(wh, typed)


# ---- what a template holds

@pytest.fixture(scope="module")
def empty(tmp_path_factory, cat):
    """Templates written with no warehouse at all."""
    out = tmp_path_factory.mktemp("empty")
    wh = Warehouse.at(out / "none" / "w.duckdb")
    return write_templates(wh, cat, JULY, out / "t", orgs=["110199002"])


def test_the_sheet_is_laid_out_as_the_reporting_system_issues_it(empty):
    ws = openpyxl.load_workbook(next(p for p in empty if "财政所" in p.name)).worksheets[0]
    assert ws.title == "ZB01表 财政收入月报表" and ws["A1"].value == "财政收入月报表"
    assert [ws["A2"].value, ws["D2"].value, ws["F2"].value] == ["表号：ZB01表", "制定机关：示例区统计局", "文号：示统字〔2023〕1号"]
    assert [ws["A3"].value, ws["D3"].value, ws["F3"].value] == ["填报单位：东关街道财政所", "报告期：2023年7月", "计量单位：万元"]
    assert [ws.cell(4, c).value for c in range(1, 10)] == ["指标名称", "代码", "计量单位", "本期数", None, "同期比较", None,
                                                          "上月本年累计", "说明"]
    assert [ws.cell(5, c).value for c in range(4, 8)] == ["本月", "本年累计", "上年同期累计", "同比增长(%)"]
    assert "A4:A5" in ws.merged_cells and "D4:E4" in ws.merged_cells
    assert [[ws.cell(r, c).value for c in range(1, 4)] for r in (6, 7)] == [["一般公共预算收入", "01", "万元"],
                                                                             ["全口径财政收入", "02", "万元"]]
    assert [ws.cell(9, c).value for c in (1, 4, 6)] == ["单位负责人：", "统计负责人：", "填表人："]
    assert [ws.cell(10, c).value for c in (1, 4)] == ["联系电话：", "报出日期："]
    # print-ready: A4 landscape, one page wide, the title and header on every page
    assert (ws.page_setup.orientation, ws.page_setup.paperSize, ws.page_setup.fitToWidth) == ("landscape", 9, 1)
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == "$1:$5"


def test_only_inputs_and_the_remarks_are_open_each_with_a_validation_naming_indicator_and_unit(empty, cat):
    for path in empty:
        book = openpyxl.load_workbook(path)
        for ws in book.worksheets:
            m = FORM_CODE.search(str(ws["A2"].value or ""))
            if not m:
                continue
            form = cat.forms[m[1]]
            col = _columns(ws)
            opened = {c.coordinate for row in ws.iter_rows() for c in row
                      if c.protection.locked is False and not isinstance(c, MergedCell)}
            for ref in opened:
                assert _validation(ws, ref) is not None and _validation(ws, ref).prompt, (ws.title, ref)
            if form.layout == "projects":
                status = _validation(ws, ws.cell(6, col["项目状态"]).coordinate)
                assert (status.type, status.formula1) == ("list", '"新开工,续建,签约,储备,洽谈"')
                assert _validation(ws, ws.cell(6, col["总投资（万元）"]).coordinate).operator == "greaterThan"
                continue
            for k, ind in enumerate(form.indicators):
                r = 6 + k
                row = {w: ws.cell(r, c).coordinate for w, c in col.items()}
                assert row["说明"] in opened and row["上月本年累计"] not in opened and row["同比增长(%)"] not in opened
                if ind.kind == "text":
                    assert row["本月"] in opened and f"{row['本月']}:{ws.cell(r, col['同比增长(%)']).coordinate}" in ws.merged_cells
                    continue
                inputs = {"本年累计"} | ({"本月"} if ind.kind == "flow" else set()) | ({"上年同期累计"} if ind.yoy else set())
                assert {w for w in ("本月", "本年累计", "上年同期累计") if row[w] in opened} == inputs, (form.code, ind.code)
                for w in inputs:
                    dv = _validation(ws, row[w])
                    assert ind.name in dv.prompt and f"单位：{ind.unit}" in dv.prompt
                    assert (dv.operator, dv.formula1) == ("greaterThanOrEqual", "0")
                    whole = ind.unit not in ("万元", "元", "亩", "平方米")
                    assert dv.type == ("whole" if whole else "decimal"), (form.code, ind.code, ind.unit)


def test_a_name_from_a_return_is_written_as_text_and_read_back_as_written(tmp_path, cat):
    hostile = '=HYPERLINK("http://example.com","点我")'
    issue = Issue(cat.orgs[0], "经济发展办公室", JULY, projects=(
        {"project_name": hostile, "status": "续建", "total_investment": 100.0, "location": "@SUM(1)",
         "industry": None, "responsible": "-1+2"},))
    path = tmp_path / "t.xlsx"
    template_book(cat, issue, [cat.forms["ZB03"]]).save(path)
    grid = read_grids(path.read_bytes())[0]
    assert grid.raw(5, 1) == hostile and grid.raw(5, 4) == "@SUM(1)" and not grid.formulas
    projects = _read(path, cat).projects
    assert list(projects["project_name"]) == [hostile] and list(projects["responsible"]) == ["-1+2"]


def test_a_figure_the_office_does_not_have_is_left_empty(empty):
    ws = openpyxl.load_workbook(next(p for p in empty if "财政所" in p.name)).worksheets[0]
    assert [ws.cell(r, c).value for r in (6, 7) for c in (4, 5, 6, 8)] == [None] * 8
    assert ws["G6"].value.startswith("=IF(AND(ISNUMBER(E6),ISNUMBER(F6)),IF(F6>0,ROUND(")


def test_prefill_is_last_months_accepted_figures_and_project_list(june, july, cat):
    with june.reader() as con:
        ytd = con.execute("select org_code, form_code, indicator_code, ytd_value from figures "
                          "where period = '2023-06-01' and ytd_value is not null").df()
        projects = con.execute("select org_code, project_name, status, total_investment from projects "
                               "where period = '2023-06-01'").df()
    june_ytd = {(r.org_code, r.form_code, r.indicator_code): r.ytd_value for r in ytd.itertuples()}
    shown = {}
    for path in july:
        org = next(o for o in cat.orgs if path.name.startswith(o.name + "-"))
        for ws in openpyxl.load_workbook(path).worksheets:
            m = FORM_CODE.search(str(ws["A2"].value or ""))
            if not m:
                continue
            col = _columns(ws)
            if cat.forms[m[1]].layout == "projects":
                rows = [[ws.cell(r, col[w]).value for w in ("项目名称", "项目状态", "总投资（万元）")]
                        for r in range(6, ws.max_row) if isinstance(ws.cell(r, col["序号"]).value, int)]
                listed = projects[projects["org_code"] == org.code]
                assert sorted(tuple(r) for r in rows if r[0]) == sorted(
                    zip(listed["project_name"], listed["status"], listed["total_investment"]))
                continue
            for k, ind in enumerate(cat.forms[m[1]].indicators):
                if ind.kind != "text":
                    shown[(org.code, m[1], ind.code)] = ws.cell(6 + k, col["上月本年累计"]).value
    assert {k: v for k, v in shown.items() if v is not None} == june_ytd
    # 东关街道 sent no June ZB11: its July template shows no June figure, not 0
    assert shown[("110199002", "ZB11", "01")] is None and ("110199002", "ZB11", "01") not in june_ytd


# ---- the checks are the audit's rules

def _rules_marking(ws, ref: str) -> list[str]:
    return [rule.formula[0] for cf in ws.conditional_formatting for rule in cf.rules if ref in str(cf.sqref).split()]


def test_conditional_formats_are_the_rules_of_the_month(tmp_path, cat):
    wh = Warehouse.at(tmp_path / "none" / "w.duckdb")
    for month, expected, absent in ((7, "ytd_continuity", "january_ytd"), (1, "january_ytd", "ytd_continuity")):
        path = write_templates(wh, cat, dt.date(2023, month, 1), tmp_path / str(month), orgs=["110199001"],
                               department="财政办")[0]
        assert path.name == f"示例街道-财政所-2023年{month}月填报模板.xlsx"
        ws = openpyxl.load_workbook(path).worksheets[0]
        cells = {"month": "$D$6", "ytd": "$E$6", "prior_ytd": "$F$6", "prev": "$H$6", "last_year": "$J$6"}
        def at(ref):
            return cells[ref.earlier or ref.measure]
        marks = _rules_marking(ws, "E6")
        assert failure_formula(cat.rules[expected].check, at) in marks
        assert failure_formula(cat.rules[absent].check, at) not in marks
        assert failure_formula(cat.rules["yoy_beyond_50"].check, at) in _rules_marking(ws, "G6")
        assert failure_formula(cat.rules["prior_ytd_vs_last_year"].check, at) in _rules_marking(ws, "F6")
        assert cat.rules[expected].name in ws["E6"].comment.text and cat.rules["yoy_beyond_50"].name in ws["E6"].comment.text
    zb05 = openpyxl.load_workbook(write_templates(wh, cat, JULY, tmp_path / "zb05", orgs=["110199001"],
                                                  department="网格化管理服务中心")[0]).worksheets[0]
    assert failure_formula(cat.rules["ZB05_closed_le_received"].check, lambda r: {"01": "$E$6", "02": "$E$7"}[r.indicator]) \
        in _rules_marking(zb05, "E7")


def test_every_function_a_check_may_call_has_an_excel_translation():
    assert set(CALLS) == set(FUNCTIONS)


# Figures for each rule the template checks, including the blanks, zeros and boundaries the audit treats specially.
CASES = [  # month, ytd, prior_ytd, prev.ytd, last_year.ytd, yoy_pct
    (10, 100, 80, 90, 80, None), (10, 100.01, 80, 90, 80.01, 25), (10, 100.011, 80, 90, 80.02, 25.1),
    (10, 99.989, None, 90, None, None), (10, 5, 0, None, 0, 0), (10, 100, 200, 90.5, 199.99, -50),
    (10, 100, 66.6, 90, 66.6, 50.2), (None, 100, 50, 90, 50, 100), (0, 0, 0, 0, 0, None), (10, 180, 120, 170, 120, 0.5),
    (10, 100, -5, 90, -5, None), (3.3, 6.6, 4.4, 3.3, 4.4, 0.5), (10, 10, 20, None, 20, -50.05),
    (10, 100, 80, 90, 79.98, 30), (10, 150.00001, 100, 140, 100, 50), (10, 100, 80, 90, 80, 0.25), (10, 100, 80, 90, 80, 25.2),
]


@needs_soffice
def test_the_excel_formula_and_the_audit_agree_on_every_case(tmp_path, cat):
    """Each check as the template writes it, computed by LibreOffice, against the audit's own evaluation."""
    rules = [r for r in cat.rules.values() if r.check is not None and r.check.grain == "indicator"]
    columns = ["month", "ytd", "prior_ytd", "prev_ytd", "last_year_ytd", "yoy_pct"]
    letters = dict(zip(columns, "ABCDEF"))
    book = openpyxl.Workbook()
    ws = book.active
    for r, case in enumerate(CASES, start=1):
        for c, v in enumerate(case, start=1):
            ws.cell(r, c, v)
        for k, rule in enumerate(rules):
            cell = lambda ref, r=r: f"${letters[ref.column.removeprefix('value_')]}${r}"  # noqa: E731
            ws.cell(r, 8 + k, "=" + failure_formula(rule.check, cell))
    source = tmp_path / "cases.xlsx"
    book.save(source)
    _soffice("xlsx", tmp_path / "out", [source], tmp_path)
    computed = read_grids((tmp_path / "out" / "cases.xlsx").read_bytes())[0]
    frame = pd.DataFrame(CASES, columns=columns, dtype=float)
    frame.columns = [f"value_{c}" if c in ("month", "ytd", "prior_ytd", "yoy_pct") else c for c in columns]
    for k, rule in enumerate(rules):
        holds = rule.check.evaluate(lambda ref: frame[ref.column]).holds
        fails = [computed.raw(r, 7 + k) for r in range(len(CASES))]
        assert fails == list(~holds), (rule.code, fails, list(~holds))
        assert any(fails) and not all(fails), rule.code  # the cases tell passing from failing for every rule


def test_the_command_refuses_an_org_the_registry_does_not_have(tmp_path, capsys):
    assert main(["templates", "--period", "2023-07", "--org", "999", "--warehouse", str(tmp_path / "w.duckdb"),
                 "--out", str(tmp_path / "t")]) == 2
    assert "单位代码 999 不在单位名册中" in capsys.readouterr().err


def test_the_command_writes_under_the_output_folder_by_default(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("STATRETURNS_OUT", str(tmp_path / "out"))
    assert main(["templates", "--period", "2023-07", "--org", "110199101", "--department", "河长办",
                 "--warehouse", str(tmp_path / "w.duckdb")]) == 0
    out = capsys.readouterr().out
    folder = tmp_path / "out" / "2023-07" / "填报模板"
    assert f"填报模板 1 个：{folder}" in out and "未预填" in out
    assert [p.name for p in folder.iterdir()] == ["西城镇-河长制办公室-2023年7月填报模板.xlsx"]
