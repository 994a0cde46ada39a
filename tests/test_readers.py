"""Reading whatever a department sends: real formats by content, exports, and files that must be refused."""
from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
import xlsxwriter
import xlwt

from statreturns.schemas.locate import read_sheet
from statreturns.intake.limits import Limits, UnreadableFile
from statreturns.intake.readers import read_grids

HEADER = ["指标名称", "代码", "计量单位", "本月", "本年累计", "上年同期累计"]


def figures(data: bytes, cat, name="f.xls") -> dict[str, tuple[float, str]]:
    """{indicator code: (本年累计, cell)} of the one return in the file."""
    (ret,) = [r for g in read_grids(data) if (r := read_sheet(g, cat, name)) is not None]
    assert not [f for f in ret.findings if f["severity"] == "error"], ret.findings
    return {r["indicator_code"]: (r["value"], r["cell"]) for r in ret.records if r["measure"] == "ytd"}


def html_export(encoding: str) -> bytes:
    rows = "".join(
        f"<tr><td>{n}</td><td>{c}</td><td>万元</td><td>{m}</td><td>{y}</td><td>{p}</td></tr>"
        for n, c, m, y, p in [("一般公共预算收入", "01", 10, "1,200.5", 1000), ("全口径财政收入", "02", 20, 2400, 2000)]
    )
    page = (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={encoding}"></head><body><table>'
            '<tr><td colspan="6">财政收入月报表</td></tr><tr><td colspan="6">表号：ZB01表</td></tr>'
            '<tr><td colspan="3">填报单位：示例街道财政所</td><td colspan="3">报告期：2023年6月</td></tr>'
            "<tr>" + "".join(f"<th>{h}</th>" for h in HEADER) + "</tr>" + rows + "</table></body></html>")
    return page.encode(encoding)


def test_an_html_table_saved_as_xls_is_read_in_gb2312(cat):
    got = figures(html_export("gb2312"), cat)
    assert got == {"01": (1200.5, "E5"), "02": (2400.0, "E6")}


def test_an_xml_spreadsheet_2003_export_is_read(cat):
    def row(*values):
        return "<Row>" + "".join(
            f'<Cell><Data ss:Type="{"Number" if isinstance(v, (int, float)) else "String"}">{v}</Data></Cell>' for v in values) + "</Row>"
    xml = ('<?xml version="1.0" encoding="UTF-8"?><?mso-application progid="Excel.Sheet"?>'
           '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
           '<Worksheet ss:Name="财政"><Table>'
           '<Row><Cell ss:MergeAcross="5"><Data ss:Type="String">财政收入月报表</Data></Cell></Row>'
           + row("表号：ZB01表") + row("填报单位：示例街道财政所", "报告期：202306") + row(*HEADER)
           + row("一般公共预算收入", "01", "万元", 10, 120, 100) + row("全口径财政收入", "02", "万元", 20, 240, 200)
           + "</Table></Worksheet></Workbook>")
    assert figures(xml.encode("utf-8"), cat) == {"01": (120.0, "E5"), "02": (240.0, "E6")}


def test_a_biff8_xls_is_read_whatever_its_name(cat):
    book = xlwt.Workbook()
    ws = book.add_sheet("财政")
    for r, values in enumerate([["表号：ZB01表"], ["填报单位：示例街道 财政所", None, None, "报告期：2023年6月"], HEADER,
                                ["一般公共预算收入", "01", "万元", 10, 120, 100], ["全口径财政收入", "02", "元", 200000, 2400000, 2000000]]):
        for c, v in enumerate(values):
            if v is not None:
                ws.write(r, c, v)
    buf = io.BytesIO()
    book.save(buf)
    assert figures(buf.getvalue(), cat, name="财政.xlsx") == {"01": (120.0, "E4"), "02": (240.0, "E5")}


def test_a_gb18030_csv_is_read(cat):
    text = "表号：ZB01表\n填报单位：示例街道财政所,,,报告期：2023年6月\n" + ",".join(HEADER) + "\n一般公共预算收入,01,万元,10,120,100\n全口径财政收入,02,万元,20,240,200\n"
    assert figures(text.encode("gb18030"), cat, name="f.csv") == {"01": (120.0, "E4"), "02": (240.0, "E5")}


def test_formulas_saved_without_a_value_are_kept_as_text():
    book = openpyxl.Workbook()
    book.active["A1"], book.active["B1"], book.active["C1"] = 1, "=A1+1", "=SUM(A1:B1)"
    buf = io.BytesIO()
    book.save(buf)
    (grid,) = read_grids(buf.getvalue())
    assert grid.formulas == {(0, 1): "A1+1", (0, 2): "SUM(A1:B1)"}


def test_a_program_written_zero_is_not_trusted_but_a_real_cached_value_is():
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf)
    ws = book.add_worksheet("财政")
    ws.write("A1", 5)
    ws.write_formula("B1", "=A1*2")  # xlsxwriter stores 0 for a formula it did not compute
    ws.write_formula("C1", "=A1*3", None, 15)
    book.close()
    (grid,) = read_grids(buf.getvalue())
    assert grid.formulas == {(0, 1): "A1*2"}


def zip_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("data, reason", [
    (b"", "文件为空"),
    (zip_of({"xl/worksheets/sheet1.xml": b"<a/>" + b" " * 50_000_000}), "异常巨大"),
    (b"PK\x03\x04" + b"\x00" * 100, "损坏"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "损坏"),
])
def test_hostile_or_broken_files_are_refused_with_a_reason(data, reason):
    with pytest.raises(UnreadableFile, match=reason):
        read_grids(data)


def test_an_xml_entity_bomb_is_refused_without_expanding_it():
    book = openpyxl.Workbook()
    book.active["A1"] = "x"
    buf = io.BytesIO()
    book.save(buf)
    entities = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    members = {}
    with zipfile.ZipFile(buf) as z:
        for name in z.namelist():
            members[name] = z.read(name)
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    sheet = sheet.replace("?>", f"?><!DOCTYPE w [{entities}]>", 1).replace("<t>x</t>", "<t>&a9;</t>")
    members["xl/worksheets/sheet1.xml"] = sheet.encode()
    with pytest.raises(UnreadableFile, match="实体"):
        read_grids(zip_of(members))


def test_a_file_over_the_size_limit_is_refused_before_reading():
    with pytest.raises(UnreadableFile, match="文件过大"):
        read_grids(b"x" * 2048, Limits(max_bytes=1024))


def test_an_ods_keeps_its_merged_cells():
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import CoveredTableCell, Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name="财政")
    row = TableRow()
    title = TableCell(valuetype="string", numbercolumnsspanned=3, numberrowsspanned=2)
    title.addElement(P(text="财政收入月报表"))
    row.addElement(title)
    row.addElement(CoveredTableCell(numbercolumnsrepeated=2))
    table.addElement(row)
    doc.spreadsheet.addElement(table)
    buf = io.BytesIO()
    doc.write(buf)
    (grid,) = read_grids(buf.getvalue())
    assert grid.merged == ((0, 0, 1, 2),)
    assert grid.shown(1, 2) == "财政收入月报表"
