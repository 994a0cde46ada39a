"""No text from a return runs, and no character crashes an output: a hostile inbox through every output, read back."""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from pathlib import Path

import docx
import duckdb
import openpyxl
import pytest

from statreturns.flows.cli import main
from statreturns.reports.build import build_reports
from statreturns.reports.feedback import NAME_MAX, feedback_path, write_feedback
from statreturns.reports.files import inert, md_text, xml_safe
from statreturns.reports.status import period_status, status_path, write_csv as status_csv, write_xlsx
from statreturns.warehouse.explanations import record_explanation
from statreturns.warehouse.store import Warehouse
from tests.conftest import form_return, ingest_into, put, zb01
from tests.workbooks import indicator_return, project_return

JUNE = dt.date(2023, 6, 1)
WHEN = dt.datetime(2023, 7, 5, 9)
FORMULA = "=2+3"
DDE = "=cmd|' /C calc'!A0"
LINK = '=HYPERLINK("http://evil.example/x","点击领取")'
MARKUP = '<script>alert(1)</script>![x](http://evil.example/a.png)'
CONTROL = "马家沟村\x01"
PROJECT = '=HYPERLINK("http://evil.example/p","智能制造产业园")'
LONG_NAME = "长" * 81 + "ab.xlsx"  # 250 bytes: legal, but not with _审核结果 appended
AGRI = {"01": (10, 60), "02": (5, 30), "03": (1, 6)}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, cat):
    """Formula text, markup and control characters in names, cells and texts; a long name; two files of one name."""
    root = tmp_path_factory.mktemp("hostile")
    june = root / "inbox" / "2023-06"
    rows = [("一般公共预算收入", "01", "万元", 10, FORMULA, 90, None), ("全口径财政收入", "02", "万元", 20, 200, 190, DDE)]
    put(june / "=1+2.xlsx", indicator_return("ZB01", "示例街道财政所", "2023年6月", rows, engine="xlsxwriter",
                                             sheet_name="=1+2"), WHEN)
    put(june / "=2+3.xlsx", zb01("南山街道财政所", "2023年6月", (1, 2), (10, 20), (9, 19)), WHEN)
    put(june / "zb01\x01.xlsx", form_return(cat, "ZB01", "东关街道财政所", "2023年6月",
                                             {"01": (10, "12\x01", 90), "02": (20, 200, 190)}, engine="xlsxwriter"), WHEN)
    put(june / "农业.xlsx", form_return(cat, "ZB04", "示例街道农业农村办公室", "2023年6月",
                                       {**AGRI, "T1": (f"{LINK}、{MARKUP}", None)}, engine="xlsxwriter"), WHEN)
    put(june / "东关农业.xlsx", form_return(cat, "ZB04", "东关街道农业农村办公室", "2023年6月",
                                         {**AGRI, "T1": (CONTROL, None)}, engine="xlsxwriter"), WHEN)
    projects = [[1, PROJECT, "新开工", 25000, "-2+3", "制造业", "@SUM(A1)"], [2, "冷链\x01物流中心", "续建", 8000, None, None, None]]
    put(june / "项目.xlsx", project_return("示例街道经济发展办公室", "2023年6月", projects, engine="xlsxwriter"), WHEN)
    put(june / LONG_NAME, zb01("西城镇财政所", "2023年6月", (10, 20), (60, 200), (50, 100)), WHEN)  # 02 up 100 %
    put(june / "a" / "报表.xlsx", zb01("示例街道财政所", "2023年6月", (1, 2), (-5, 20), (9, 19)), WHEN)
    put(june / "b" / "报表.xlsx", zb01("东关街道财政所", "2023年6月", (1, 2), (-7, 20), (9, 19)), WHEN)
    db = root / "w.duckdb"
    wh = Warehouse.at(db, archive=root / "archive")
    ingest_into(wh, root / "inbox", cat, JUNE)
    record_explanation(wh, LONG_NAME, "yoy_beyond_50", "口径\x01调整")
    out = root / "out"
    receipts = write_feedback(wh, cat, out, period=JUNE)
    build_reports(wh, cat, JUNE, ["110199001", "110199002", "all"], out)
    write_xlsx(period_status(wh, cat, JUNE), status_path(out, JUNE))
    return root, wh, receipts


def formulas(path) -> list[str]:
    """Every cell of every sheet of an xlsx that is a formula (openpyxl reads a formula as data_type "f")."""
    book = openpyxl.load_workbook(path)
    return [f"{ws.title}!{c.coordinate}" for ws in book.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f"]


def texts(path) -> list[str]:
    book = openpyxl.load_workbook(path)
    return [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def read_csv(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_no_cell_of_any_workbook_written_is_a_formula(hostile):
    root, _, _ = hostile
    books = sorted((root / "out").rglob("*.xlsx"))
    assert len(books) >= 3 + 9 + 1  # three reports, a receipt per file, the 催报单
    for path in books:
        assert formulas(path) == [], path.name


def test_the_receipt_of_a_file_named_like_a_formula_shows_its_texts_as_received(hostile):
    root, _, receipts = hostile
    path = feedback_path(root / "out", JUNE, "=1+2.xlsx")
    assert path in receipts
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["审核结果", "=1+2"]
    results = [[c.value for c in row] for row in book["审核结果"].iter_rows()]
    assert results[0][0] == "审核结果（回执）：《=1+2.xlsx》"
    found = {(row[3], row[4], row[6]) for row in results if isinstance(row[0], int)}
    assert ("=1+2", "E5", FORMULA) in found and ("=1+2", "G6", DDE) in found
    copy = book["=1+2"]
    assert (copy["E5"].value, copy["E5"].data_type) == (FORMULA, "s")
    assert (copy["G6"].value, copy["G6"].data_type) == (DDE, "s")
    link = next(book["审核结果"].cell(r + 1, 5) for r, row in enumerate(results) if row[4] == "E5")
    assert link.hyperlink.location == "'=1+2'!E5"


def test_the_chase_list_shows_a_file_named_like_a_formula_as_text(hostile, cat):
    root, wh, _ = hostile
    book = openpyxl.load_workbook(status_path(root / "out", JUNE))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value == "=2+3.xlsx"]
    assert cells and all(c.data_type == "s" for c in cells)
    stream = io.StringIO()
    status_csv(period_status(wh, cat, JUNE), stream)
    rows = list(csv.reader(io.StringIO(stream.getvalue())))
    assert any("'=2+3.xlsx" in row for row in rows) and not any("=2+3.xlsx" in row for row in rows)


def test_csv_outputs_carry_a_formula_from_a_return_inert(hostile):
    root, _, _ = hostile
    folder = root / "out" / "2023-06" / "110199001"
    tables = read_csv(folder / "汇总表.csv")
    item = next(row for row in tables if row[1] == "ZB04" and row[2] == "T1")
    assert item[6] == f"'{LINK}、{MARKUP}"
    projects = read_csv(folder / "重点项目.csv")
    assert [row[1] for row in projects[1:]] == [f"'{PROJECT}", "冷链\\x01物流中心"]
    assert projects[1][4] == "'-2+3" and projects[1][6] == "'@SUM(A1)"
    sources = read_csv(folder / "数据来源.csv")
    assert any(field == f"'{LINK}、{MARKUP}" for row in sources for field in row)
    number = re.compile(r"-?\d+(\.\d+)?")
    assert not [field for path in folder.glob("*.csv") for row in read_csv(path) for field in row
                if field.startswith(("=", "+", "-", "@", "\t", "\r")) and not number.fullmatch(field)]


def test_the_workbook_keeps_the_text_as_received_in_string_cells(hostile):
    root, _, _ = hostile
    book = openpyxl.load_workbook(root / "out" / "2023-06" / "110199001" / "汇总表.xlsx")
    cells = [c for row in book["汇总表"].iter_rows() for c in row if c.value == f"{LINK}、{MARKUP}"]
    assert len(cells) == 1 and cells[0].data_type == "s" and cells[0].alignment.wrap_text
    listing = [c for row in book["项目清单"].iter_rows() for c in row if c.value == PROJECT]
    assert len(listing) == 1 and listing[0].data_type == "s"


def test_markdown_shows_markup_from_a_return_literally(hostile):
    root, _, _ = hostile
    folder = root / "out" / "2023-06" / "110199001"
    for name in ("汇总表.md", "总结初稿.md"):
        md = (folder / name).read_text(encoding="utf-8")
        assert "<script>" not in md and "![x](http" not in md, name
        assert r"\<script\>alert(1)\</script\>" in md and r"!\[x\](http://evil.example/a.png)" in md, name


def test_a_control_character_is_shown_in_documents_and_kept_in_the_warehouse(hostile):
    root, wh, receipts = hostile
    with duckdb.connect(str(wh.path), read_only=True) as con:
        names = {r[0] for r in con.execute("select file_name from submissions").fetchall()}
        kept = con.execute("select text_value from figures where indicator_code = 'T1' and org_code = '110199002'"
                           ).fetchall()
        reason = con.execute("select explanation from findings where explained").fetchall()
    assert "zb01\x01.xlsx" in names and kept == [(CONTROL,)] and reason == [("口径\x01调整",)]
    receipt = openpyxl.load_workbook(feedback_path(root / "out", JUNE, "zb01\x01.xlsx"))
    shown = [v for row in receipt["审核结果"].iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert "审核结果（回执）：《zb01\\x01.xlsx》" in shown and "12\\x01" in shown
    explained = openpyxl.load_workbook(feedback_path(root / "out", JUNE, LONG_NAME))
    assert "已说明：口径\\x01调整" in [v for row in explained["审核结果"].iter_rows(values_only=True) for v in row]
    draft = docx.Document(str(root / "out" / "2023-06" / "110199002" / "总结初稿.docx"))
    assert "马家沟村\\x01" in "\n".join(p.text for p in draft.paragraphs)
    appendix = [[c.text for c in row.cells] for row in draft.tables[0].rows]
    assert ["衔接资金入股项目名称", "东关街道", "马家沟村\\x01"] in [row[:3] for row in appendix]
    table = texts(root / "out" / "2023-06" / "110199002" / "汇总表.xlsx")
    assert "马家沟村\\x01" in table
    md = (root / "out" / "2023-06" / "110199002" / "总结初稿.md").read_text(encoding="utf-8")
    assert "\x01" not in md and "马家沟村\\\\x01" in md  # Markdown's escaped backslash: it reads 马家沟村\x01


def test_the_district_documents_hold_every_hostile_text(hostile):
    root, _, _ = hostile
    folder = root / "out" / "2023-06" / "all"
    draft = docx.Document(str(folder / "总结初稿.docx"))
    text = "\n".join(p.text for p in draft.paragraphs)
    assert "入股=HYPERLINK(" in text and "<script>alert(1)<" in text and "马家沟村\\x01，" in text
    assert "\\<" not in text and "\\[" not in text  # Markdown's escapes undone: Word shows the text as written
    appendix = [[c.text for c in row.cells] for row in draft.tables[0].rows]
    assert ["衔接资金入股项目名称", "示例街道", f"{LINK}、{MARKUP}"] in [row[:3] for row in appendix]
    assert f"'{PROJECT}" in [row[1] for row in read_csv(folder / "重点项目.csv")]


def test_a_long_name_gets_a_short_receipt_name_and_same_names_never_share_one(hostile, tmp_path, monkeypatch):
    root, wh, receipts = hostile
    folder = root / "out" / "2023-06" / "feedback"
    assert all(p.parent == folder and p.exists() for p in receipts)
    assert len(set(receipts)) == len(receipts) == 9
    long = feedback_path(root / "out", JUNE, LONG_NAME)
    assert long in receipts and len(os.fsencode(long.name)) <= NAME_MAX and long.name.endswith("_审核结果.xlsx")
    same = sorted(p.name for p in receipts if p.name.startswith("报表_"))
    assert len(same) == 2 and "报表_审核结果.xlsx" in same  # the first received keeps the plain name
    verdicts = {p: openpyxl.load_workbook(folder / p)["审核结果"]["A3"].value for p in same}
    assert {v.split("：")[0].split("，")[1] for v in verdicts.values()} == {"示例街道财政所", "东关街道财政所"}
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("STATRETURNS_CONFIG", str(tmp_path / "none.toml"))
    again = tmp_path / "again"
    assert main(["feedback", "--period", "2023-06", "--warehouse", str(wh.path), "--out", str(again)]) == 0
    assert sorted(p.name for p in (again / "2023-06" / "feedback").iterdir()) == sorted(p.name for p in receipts)


def test_receipt_names_are_cut_on_a_character_and_keep_the_hash():
    name = "报" * 100 + ".xlsx"
    first, second = feedback_path(Path("o"), JUNE, name), feedback_path(Path("o"), JUNE, name, sha="ab" * 32)
    assert first != second and "_abababab_审核结果.xlsx" in second.name
    for path in (first, second):
        assert len(os.fsencode(path.name)) <= NAME_MAX and path.name.startswith("报" * 70)
    assert feedback_path(Path("o"), JUNE, name) == first  # the same name, the same receipt
    assert feedback_path(Path("o"), JUNE, "财政6月.xlsx").name == "财政6月_审核结果.xlsx"


@pytest.mark.parametrize("text, shown", [
    ("=1+2", "'=1+2"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("a=1", "a=1"),
])
def test_a_csv_field_that_starts_like_a_formula_is_prefixed(text, shown):
    assert inert(text) == shown


def test_xml_illegal_characters_are_shown_and_markdown_is_literal():
    assert xml_safe("a\x01b\x1fc\td\ne") == "a\\x01b\\x1fc\td\ne"
    assert md_text("*x* [a](b) <i>|\n") == r"\*x\* \[a\](b) \<i\>\| "


def test_an_org_named_like_a_formula_or_tex_gets_its_report_as_named(tmp_path):
    """The registry is the office's CSV: an org's name is written as it stands there (charts draw no TeX)."""
    from statreturns.schemas.catalogue import load_catalogue

    name = "=1+2$\\foo$镇"
    cat = load_catalogue(f"org_code,org_name,level\n110199001,{name},镇\n")
    put(tmp_path / "in" / "2023-05" / "财政5月.xlsx", zb01(f"{name}财政所", "2023年5月", (1, 2), (9, 18), (8, 17)), WHEN)
    put(tmp_path / "in" / "2023-06" / "财政6月.xlsx", zb01(f"{name}财政所", "2023年6月", (1, 2), (10, 20), (9, 19)), WHEN)
    wh = Warehouse.at(tmp_path / "w.duckdb", archive=tmp_path / "archive")
    assert ingest_into(wh, tmp_path / "in", cat, JUNE).counts == {"accepted": 2}
    (folder,) = build_reports(wh, cat, JUNE, ["110199001"], tmp_path / "out")
    assert (folder / "图表" / "ZB01_01.png").exists()
    book = openpyxl.load_workbook(folder / "汇总表.xlsx")
    assert book["汇总表"]["A1"].value == f"{name}2023年1-6月主要指标汇总表" and book["汇总表"]["A1"].data_type == "s"
    write_xlsx(period_status(wh, cat, JUNE), status_path(tmp_path / "out", JUNE))
    assert formulas(status_path(tmp_path / "out", JUNE)) == [] and formulas(folder / "汇总表.xlsx") == []
    assert (folder / "总结初稿.md").read_text(encoding="utf-8").startswith("# =1+2$\\\\foo$镇2023年上半年工作总结")
    assert docx.Document(str(folder / "总结初稿.docx")).paragraphs[0].text.startswith(name)


@pytest.mark.parametrize("dtype", ["str", object])
@pytest.mark.parametrize("column_wise", [False, True])
def test_write_csv_makes_every_text_column_inert_whatever_its_dtype(dtype, column_wise, monkeypatch):
    from statreturns.reports import files
    from statreturns.reports.files import write_csv
    import pandas as pd

    if column_wise:  # the path of a long table: Arrow's kernels and DuckDB's writer
        monkeypatch.setattr(files, "COLUMN_WISE_ROWS", 1)

    texts = ["=1+2", "a\x01b", "-3", "ok", None, "\tz", "@x", "+1", "a=b", "x\ufffey"]
    frame = pd.DataFrame({"text": pd.Series(texts, dtype=dtype), "mixed": [1.5, "=2", None, -4, "b", 0, 1, 2, 3, 4]})
    stream = io.StringIO()
    write_csv(frame, stream)
    rows = list(csv.reader(io.StringIO(stream.getvalue())))[1:]
    assert [r[0] for r in rows] == ["'=1+2", "a\\x01b", "'-3", "ok", "", "'\tz", "'@x", "'+1", "a=b", "x\\xfffey"]
    assert [r[1] for r in rows] == ["1.5", "'=2", "", "-4", "b", "0", "1", "2", "3", "4"]


@pytest.mark.parametrize("column_wise", [False, True])
def test_a_short_and_a_long_csv_write_values_alike(column_wise, monkeypatch):
    from statreturns.reports import files
    import pandas as pd

    monkeypatch.setattr(files, "COLUMN_WISE_ROWS", 1 if column_wise else 10_000)
    frame = pd.DataFrame({"flag": [True, False], "n": [10.0, None], "at": pd.to_datetime(["2023-07-05 09:00", None]),
                          "i": [3, 4]})
    stream = io.StringIO()
    files.write_csv(frame, stream)
    assert stream.getvalue().splitlines() == ["flag,n,at,i", "true,10.0,2023-07-05 09:00:00,3", "false,,,4"]
