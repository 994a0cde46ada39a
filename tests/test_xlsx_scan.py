"""The sheet XML read before calamine: formulas found by a real parse, and absurd dimensions made harmless."""
from __future__ import annotations

import io
import zipfile

import pytest

from statreturns.intake.limits import Limits, UnreadableFile
from statreturns.intake.readers import read_grids
from statreturns.intake.xlsx import scan_sheet
from statreturns.schemas.formula import cell_value

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="报表" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""
STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="2"><border/><border><left style="thin"/><right style="thin"/><top style="thin"/><bottom style="thin"/></border></borders>
<cellStyleXfs count="1"><xf/></cellStyleXfs>
<cellXfs count="2"><xf/><xf borderId="1" applyBorder="1"/></cellXfs></styleSheet>"""


def workbook(sheet_data: str, dimension: str | None = "A1:C3") -> bytes:
    """A minimal .xlsx whose one sheet holds exactly ``sheet_data`` (the <row> elements), as a program writes it."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f"{dim}<sheetData>{sheet_data}</sheetData></worksheet>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS),
                           ("xl/workbook.xml", WORKBOOK), ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
                           ("xl/styles.xml", STYLES), ("xl/worksheets/sheet1.xml", sheet)):
            z.writestr(name, text)
    return buf.getvalue()


def value(grid, ref: str) -> float:
    row, col = int(ref[1:]) - 1, ord(ref[0]) - 65
    return cell_value(grid, row, col, frozenset({""}))


def test_a_styled_blank_before_a_formula_does_not_swallow_it():
    data = workbook('<row r="1"><c r="A1"><v>5</v></c><c r="B1" s="1"/><c r="C1"><f>A1*2</f></c></row>')
    (grid,) = read_grids(data)
    assert grid.formulas == {(0, 2): "A1*2"}
    assert value(grid, "C1") == 10


def test_a_filled_down_shared_formula_is_translated_for_each_cell():
    rows = "".join(
        f'<row r="{r}"><c r="A{r}"><v>{r * 10}</v></c><c r="B{r}"><v>{r}</v></c>'
        + (f'<c r="C{r}"><f t="shared" ref="C1:C3" si="0">A1+B1</f></c>' if r == 1 else f'<c r="C{r}"><f t="shared" si="0"/></c>')
        + "</row>" for r in (1, 2, 3))
    (grid,) = read_grids(workbook(rows))
    assert grid.formulas == {(0, 2): "A1+B1", (1, 2): "A2+B2", (2, 2): "A3+B3"}
    assert [value(grid, f"C{r}") for r in (1, 2, 3)] == [11, 22, 33]


def test_a_shared_formula_with_cached_values_is_trusted():
    rows = ('<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f t="shared" ref="B1:B2" si="0">A1*3</f><v>3</v></c></row>'
            '<row r="2"><c r="A2"><v>2</v></c><c r="B2"><f t="shared" si="0"/><v>6</v></c></row>')
    (grid,) = read_grids(workbook(rows))
    assert grid.formulas == {}
    assert grid.raw(1, 1) == 6


def test_an_uncomputed_array_formula_is_marked_on_every_cell_of_its_range():
    rows = ('<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f t="array" ref="B1:B2">A1:A2*2</f></c></row>'
            '<row r="2"><c r="A2"><v>2</v></c><c r="B2"/></row>')
    (grid,) = read_grids(workbook(rows))
    assert grid.formulas == {(0, 1): "{=A1:A2*2}", (1, 1): "{=A1:A2*2}"}
    sheet = scan_sheet(('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                        '<row r="1"><c r="B1"><f t="array" ref="B1:B2">A1:A2*2</f></c></row>'
                        '<row r="2"><c r="B2"><v></v></c></row></sheetData></worksheet>').encode())
    assert sheet.formulas == {(0, 1): "{=A1:A2*2}", (1, 1): "{=A1:A2*2}"}


def test_a_formula_beside_rich_text_and_inline_strings_is_found_with_its_text_unescaped():
    rows = ('<row r="1"><c r="A1" t="inlineStr"><is><r><rPr><b/></rPr><t>本</t></r><r><t>月</t></r></is></c>'
            '<c r="B1"><v>4</v></c><c r="C1"><f>IF(B1&gt;3,B1&amp;"",0)</f></c>'
            '<c r="D1" t="inlineStr"><is><t>&lt;f&gt;不是公式&lt;/f&gt;</t></is></c></row>')
    (grid,) = read_grids(workbook(rows))
    assert grid.formulas == {(0, 2): 'IF(B1>3,B1&"",0)'}
    assert grid.raw(0, 0) == "本月" and grid.raw(0, 3) == "<f>不是公式</f>"


def test_a_dimension_claiming_the_whole_sheet_is_read_at_its_real_size():
    data = workbook('<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row>', dimension="A1:XFD1048576")
    (grid,) = read_grids(data)
    assert (grid.height, grid.width) == (1, 2)


def test_a_sheet_whose_content_really_spans_the_whole_grid_is_refused():
    data = workbook('<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>9</v></c></row>',
                    dimension="A1:XFD1048576")
    with pytest.raises(UnreadableFile, match="范围异常"):
        read_grids(data, Limits())


@pytest.mark.parametrize("dimension", ["A1:B2", None])
def test_a_single_value_far_away_is_refused_before_calamine_allocates_for_it(dimension):
    data = workbook('<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>9</v></c></row>',
                    dimension=dimension)
    with pytest.raises(UnreadableFile, match="范围异常"):
        read_grids(data)


def test_a_far_styled_blank_is_no_reason_to_refuse():
    data = workbook('<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576" s="1"/></row>')
    (grid,) = read_grids(data)
    assert (grid.height, grid.width) == (1, 1)


def test_a_one_cell_array_formula_without_a_value_is_worked_out():
    rows = '<row r="1"><c r="A1"><v>4</v></c><c r="B1"><v>5</v></c><c r="C1"><f t="array" ref="C1">A1+B1</f></c></row>'
    (grid,) = read_grids(workbook(rows))
    assert grid.formulas == {(0, 2): "A1+B1"}
    assert value(grid, "C1") == 9
