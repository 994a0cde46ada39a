"""On paper: the receipt, 汇总表.xlsx and the 公文 draft as LibreOffice prints them, and the draft's Word styles."""
from __future__ import annotations

import datetime as dt
import re

import docx
import openpyxl
import pytest
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from statreturns.reports import pictures
from statreturns.reports.build import build_reports
from statreturns.reports.feedback import feedback_path, write_feedback
from statreturns.reports.word import write_docx
from statreturns.warehouse.store import Warehouse
from tests.conftest import form_return, ingest_into, put, zb01
from tests.workbooks import indicator_return, project_return

JUNE = dt.date(2023, 6, 1)
WHEN = dt.datetime(2023, 7, 5, 9)
A4_LANDSCAPE, A4_PORTRAIT = (841.9, 595.3), (595.3, 841.9)
VILLAGES = ["红星村", "太平庄村", "南台村", "李家窑村", "马家沟村", "前营村", "后营村", "石门村", "沙河村", "桃园村",
            "柳林村", "东沟村", "西沟村", "北辛庄村", "南辛庄村", "王家营村", "张家坟村", "黄土坡村"]
BUILDING = {"01": (5, 50), "02": (4, 40), "03": (300, 3000), "04": (3, 30), "05": (200, 2000), "06": (None, 400),
            "07": (None, 300), "T1": ("、".join(VILLAGES), None), "T2": ("翠苑小区、阳光花园小区", None),
            "T3": ("南台村", None), "T4": ("李家窑村、马家沟村", None)}
ONLY_T1 = [v for v in VILLAGES if v not in BUILDING["T3"][0] + BUILDING["T4"][0]]
LONG_PROJECT = "示例街道智能制造产业园区标准化厂房及配套基础设施建设项目（一期）"
MM = 72 / 25.4  # points in a millimetre


@pytest.fixture(scope="module")
def printed(tmp_path_factory, cat):
    """示例街道's June report and two receipts (one with findings, one clean), written and rendered to PDF."""
    root = tmp_path_factory.mktemp("paper")
    june = root / "inbox" / "2023-06"
    put(root / "inbox" / "2023-05" / "示例财政5月.xlsx", zb01("示例街道财政所", "2023年5月", (10, 20), (90, 180), (80, 170)),
        WHEN.replace(month=6))
    put(june / "示例财政6月.xlsx", zb01("示例街道财政所", "2023年6月", (10, 20), (100, 200), (90, 190)), WHEN)
    put(june / "示例城建6月.xlsx", form_return(cat, "ZB06", "示例街道城乡建设办公室", "2023年6月", BUILDING), WHEN)
    projects = [[1, LONG_PROJECT, "新开工", 25000, "示例村", "制造业", "经发办"], [2, "冷链物流中心", "续建", 8000, None, None, None]]
    put(june / "示例项目6月.xlsx", project_return("示例街道经济发展办公室", "2023年6月", projects), WHEN)
    wrong = [("一般公共预算收入", "01", "万元", 700, 600, 500, "约两成"), ("全口径财政收入", "02", "万元", 200, 2000, 1000, None)]
    put(june / "东关财政6月.xlsx", indicator_return("ZB01", "东关街道财政所", "2023年6月", wrong), WHEN)
    wh = Warehouse.at(root / "w.duckdb", archive=root / "archive")
    ingest_into(wh, root / "inbox", cat, JUNE)
    out = root / "out"
    write_feedback(wh, cat, out, period=JUNE)
    (folder,) = build_reports(wh, cat, JUNE, ["110199001"], out)
    files = {"receipt": feedback_path(out, JUNE, "东关财政6月.xlsx"), "clean": feedback_path(out, JUNE, "示例财政6月.xlsx"),
             "tables": folder / "汇总表.xlsx", "draft": folder / "总结初稿.docx"}
    return files


@pytest.fixture(scope="module")
def pdf(printed, tmp_path_factory):
    reason = pictures.missing_tools("xlsx", "docx")
    if reason:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("pdf")
    copies = {}
    for name, path in printed.items():  # the stems LibreOffice names its PDFs after must differ
        copies[name] = folder / f"{name}{path.suffix}"
        copies[name].write_bytes(path.read_bytes())
    return dict(zip(copies, pictures.to_pdf(list(copies.values()), folder / "pdf")))


def size(page) -> tuple[float, float]:
    return round(page.width, 1), round(page.height, 1)


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ---------------------------------------------------------------- the receipt


def test_the_receipt_prints_landscape_with_every_column_of_a_finding_on_the_first_page(pdf):
    pages = pictures.pages(pdf["receipt"])
    assert len(pages) == 2  # the 审核结果 sheet on one page, then the department's sheet on one page
    assert all(size(p) == A4_LANDSCAPE for p in pages)
    first = flat(pages[0].text)
    for words in ("序号", "审核规则", "修改方法", "状态", "本年累计小于本月", "同比增减超过±50%", "本年累计（600）小于本月（700）",
                  "须修改后重报", "待核实（如无误请写明说明）"):
        assert words in first, words
    assert "ytd_lt_month" not in first  # the rule's code is a comment for the office, not printed


def test_a_clean_receipt_is_one_landscape_page(pdf):
    (page,) = pictures.pages(pdf["clean"])
    assert size(page) == A4_LANDSCAPE and "审核未发现问题" in flat(page.text)


def test_the_results_sheet_is_set_up_for_print(printed, cat):
    ws = openpyxl.load_workbook(printed["receipt"])["审核结果"]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage and (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "序号")
    assert ws.print_title_rows == f"${header}:${header}"
    for r in range(header + 1, ws.max_row + 1):
        assert ws.cell(r, 2).value == cat.rule_name(ws.cell(r, 2).comment.text.split("：")[1])
        assert all(ws.cell(r, c).alignment.wrap_text for c in range(1, 12))


# ---------------------------------------------------------------- 汇总表


def test_every_table_page_is_landscape_and_one_page_wide(pdf):
    pages = pictures.pages(pdf["tables"])
    assert len(pages) >= 10  # 汇总表, seven sections, 逐月累计, 项目清单
    for page in pages:
        text = flat(page.text)
        assert size(page) == A4_LANDSCAPE, page.number
        assert ("表号" in text) == ("说明" in text), page.number  # no column printed on a page of its own
        assert ("填报单位" in text) == ("责任单位" in text), page.number


def test_a_long_text_item_wraps_within_its_row(pdf):
    """The villages of ZB06 T1 are drawn above the next row's indicator, never over it."""
    checked = 0
    for page in pictures.pages(pdf["tables"]):
        if "低洼地段排水勘察地点" not in flat(page.text):
            continue
        boxes = pictures.words(pdf["tables"], page.number)
        villages = [b for b in boxes if any(v in b[4] for v in ONLY_T1)]
        below = [b for b in boxes if "推进成立业主委员会小区" in b[4]]
        assert villages and below, page.number
        assert max(b[3] for b in villages) <= min(b[1] for b in below) + 1, page.number
        assert len({round(b[1]) for b in villages}) >= 2, page.number  # wrapped over several lines
        checked += 1
    assert checked == 2  # the 汇总表 sheet and the 城镇建设 sheet


def test_text_cells_wrap_and_numbers_are_right_aligned_with_their_decimals(printed):
    book = openpyxl.load_workbook(printed["tables"])
    for name in ("汇总表", "城镇建设"):
        ws = book[name]
        header = [c.value for c in ws[2]]
        for row in ws.iter_rows(min_row=3):
            for c, cell in zip(header, row):
                if isinstance(cell.value, str):
                    assert cell.alignment.wrap_text, (name, cell.coordinate)
                elif isinstance(cell.value, (int, float)):
                    assert cell.alignment.horizontal == "right", (name, cell.coordinate)
        item = next(r for r in ws.iter_rows(min_row=3) if "、".join(VILLAGES) in [c.value for c in r])
        cell = next(c for c in item if c.value == "、".join(VILLAGES))
        assert header[cell.column - 1] == "本年累计"
        assert any(cell.coordinate in str(m) and m.max_col > m.min_col for m in ws.merged_cells.ranges)
        assert ws.row_dimensions[cell.row].height >= 3 * 15
    formats = {(r[0].value, r[1].value): r[5].number_format for r in book["城镇建设"].iter_rows(min_row=3)}
    assert (formats[("ZB06", "03")], formats[("ZB06", "01")]) == ("#,##0.00", "#,##0")  # 平方米 two decimals, 个 none


# ---------------------------------------------------------------- the draft


def test_the_draft_prints_in_the_gb9704_frame(pdf):
    pages = pictures.pages(pdf["draft"])
    body = [p for p in pages if not p.landscape]
    appendix = pages[len(body):]
    assert body and appendix and all(size(p) == A4_PORTRAIT for p in body)
    assert all(size(p) == A4_LANDSCAPE for p in appendix)  # the lineage appendix, wide
    assert "附：数据来源" in flat(appendix[0].text)
    words = [w for w in pictures.words(pdf["draft"], 2) if w[1] < (297 - 35) * MM]  # the text block of a full page
    lines: dict[int, list] = {}
    for w in words:
        lines.setdefault(round(w[3]), []).append(w)
    assert len(lines) == 22  # 22 lines a page
    assert min(w[0] for w in words) == pytest.approx(28 * MM, abs=2)  # left margin 28 mm
    ends = [round(max(w[2] for w in line)) for line in lines.values()]
    assert max(set(ends), key=ends.count) == pytest.approx((210 - 26) * MM, abs=2)  # right margin 26 mm: full lines
    assert max(ends) <= (210 - 26) * MM + 17  # but a line-end punctuation mark, which may hang
    assert min(w[1] for w in words) == pytest.approx(37 * MM, abs=9)  # top margin 37 mm (the line's leading above)


def test_page_numbers_sit_at_the_outer_bottom(pdf):
    for number in (1, 2, 3):
        boxes = pictures.words(pdf["draft"], number)
        dash, digit, _ = next(boxes[i:i + 3] for i in range(len(boxes) - 2)
                              if [b[4] for b in boxes[i:i + 3]] == ["—", str(number), "—"])
        assert digit[1] > (297 - 35) * MM, number  # below the text block
        outer = digit[0] > 105 * MM if number % 2 else digit[2] < 105 * MM  # odd pages right, even pages left
        assert outer, number


def test_the_draft_has_the_gb9704_styles(printed):
    word = docx.Document(str(printed["draft"]))
    first = word.sections[0]
    assert abs(first.page_width - Mm(210)) <= Mm(0.1) and abs(first.page_height - Mm(297)) <= Mm(0.1)
    for section in word.sections:  # the landscape appendix too
        for side, mm in {"top_margin": 37, "bottom_margin": 35, "left_margin": 28, "right_margin": 26}.items():
            assert abs(getattr(section, side) - Mm(mm)) <= Mm(0.1), side
    last = word.sections[-1]
    assert last.orientation == WD_ORIENT.LANDSCAPE and last.page_width > last.page_height
    title, *rest = word.paragraphs
    assert title.style.name == "Title" and title.alignment in (None, WD_ALIGN_PARAGRAPH.CENTER)
    assert east_asian(title) == ("方正小标宋简体", Pt(22))
    assert title.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    heading = next(p for p in rest if p.text.startswith("一、"))
    assert heading.style.name == "Heading 1" and east_asian(heading) == ("黑体", Pt(16))
    body = next(p for p in rest if p.text.startswith("截至6月底"))
    assert body.style.name == "Normal" and east_asian(body) == ("仿宋_GB2312", Pt(16))
    fmt = body.style.paragraph_format
    assert (fmt.line_spacing_rule, fmt.line_spacing) == (WD_LINE_SPACING.EXACTLY, Pt(28.95))
    assert body.style.element.pPr.find(qn("w:ind")).get(qn("w:firstLineChars")) == "200"  # two characters
    footer = first.footer._element.xml
    assert "PAGE" in footer and "— " in footer and " —" in footer and 'w:val="28"' in footer  # 4号
    assert word.settings.odd_and_even_pages_header_footer
    assert 'w:val="left"' in first.even_page_footer._element.xml and 'w:val="right"' in footer


def east_asian(paragraph) -> tuple[str, Pt]:
    """The East-Asian font and size every run of ``paragraph`` is in, as it names them and as its style does."""
    fonts = {r.element.rPr.rFonts.get(qn("w:eastAsia")) for r in paragraph.runs}
    sizes = {r.font.size for r in paragraph.runs}
    style = paragraph.style.element.rPr
    assert fonts == {style.rFonts.get(qn("w:eastAsia"))} and sizes == {paragraph.style.font.size}
    (font,), (pt,) = fonts, sizes
    return font, pt


def test_each_heading_level_has_its_font_and_markdown_reads_literally(tmp_path):
    markdown = "\n\n".join(["# 标题", "## 一、总体情况", "### （一）财政收入", "#### 1.一般公共预算",
                            r"正文\<b\>不是标记\</b\>，\*也不是强调\*，【缺：财政所 一般公共预算收入】。", "![图](图表/无此图.png)"])
    path = tmp_path / "d.docx"
    write_docx(markdown, tmp_path, ("附：数据来源", ["指标"], [["a\x01"]], [26.7]), path)
    word = docx.Document(str(path))
    by_style = {p.style.name: p for p in word.paragraphs if p.text}
    assert east_asian(by_style["Heading 1"]) == ("黑体", Pt(16))
    assert east_asian(by_style["Heading 2"]) == ("楷体_GB2312", Pt(16))
    assert east_asian(by_style["Heading 3"])[0] == "仿宋_GB2312" and by_style["Heading 3"].style.font.bold
    body = next(p for p in word.paragraphs if p.text.startswith("正文"))
    assert body.text == "正文<b>不是标记</b>，*也不是强调*，【缺：财政所 一般公共预算收入】。"
    assert [r.font.highlight_color is not None for r in body.runs] == [False, True, False]
    assert word.tables[0].rows[1].cells[0].text == "a\\x01"
