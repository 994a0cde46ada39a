"""Reading what departments write: spec §2 periods, §6 numbers as text and no-figure marks, names."""
from __future__ import annotations

import datetime as dt

import pytest

from statreturns.schemas.catalogue import load_catalogue
from statreturns.schemas.text import (
    NotANumber, a1, cell_text, fold, months_covered, normalise_code, parse_number, parse_period, period_label,
    split_name,
)

NO_FIGURE = load_catalogue().no_figure
JUNE = dt.date(2023, 6, 1)


@pytest.mark.parametrize("text", [
    "2023年6月", "2023年06月", "2023年1-6月", "2023年1—6月", "2023年1～6月", "2023-06", "2023.6", "202306",
])
def test_every_period_spelling_of_spec(text):
    assert parse_period(text) == JUNE


@pytest.mark.parametrize("value", [
    " 2023 年 6 月 ", "２０２３年６月", "2023年1－6月", "2023年1至6月", "2023年1月-6月", "2023年1月至6月", "2023/6",
    "2023.06", "2023-06-30", 202306, 202306.0, 2023.6, dt.date(2023, 6, 30), dt.datetime(2023, 6, 1, 0, 0),
])
def test_other_period_forms(value):
    assert parse_period(value) == JUNE


def test_period_of_january_and_december():
    assert parse_period("2023年1月") == dt.date(2023, 1, 1)
    assert parse_period("2023年1-12月") == dt.date(2023, 12, 1)
    assert parse_period("202312") == dt.date(2023, 12, 1)


@pytest.mark.parametrize("text", ["", None, "六月", "2023年13月", "2023-00", "20236", "第二季度", "2023年"])
def test_unreadable_periods(text):
    assert parse_period(text) is None


@pytest.mark.parametrize("value, number", [
    ("1,234.5", 1234.5), ("１２３４．５", 1234.5), ("１，２３４．５", 1234.5), (" 56 ", 56.0), ("12.5%", 12.5),
    ("12.5％", 12.5), ("1 234", 1234.0), ("0", 0.0), ("-3", -3.0), (7, 7.0), (7.25, 7.25), ("1,234,567", 1234567.0),
])
def test_numbers_as_text(value, number):
    assert parse_number(value, NO_FIGURE) == number


@pytest.mark.parametrize("value", ["—", "——", "-", "－", "/", "无", "", "  ", None, "…"])
def test_no_figure_marks(value):
    assert parse_number(value, NO_FIGURE) is None


@pytest.mark.parametrize("value", ["abc", "12万", "1.2.3", "1,2", "12,34.5", "1,234,56", "nan", "inf", "1_000", True, dt.date(2023, 6, 1)])
def test_not_a_number(value):
    with pytest.raises(NotANumber):
        parse_number(value, NO_FIGURE)


def test_not_a_number_keeps_the_text_found():
    with pytest.raises(NotANumber, match="^12万$"):
        parse_number(" 12万 ", NO_FIGURE)


@pytest.mark.parametrize("cell, name, unit", [
    ("一般公共预算收入", "一般公共预算收入", None),
    (" 一般 公共预算收入  ", "一般公共预算收入", None),
    ("一般公共预算收入（万元）", "一般公共预算收入", "万元"),
    ("一般公共预算收入(万元)", "一般公共预算收入", "万元"),
    ("一般公共预算收入 （ 元 ）", "一般公共预算收入", "元"),
    ("1.一般公共预算收入", "一般公共预算收入", None),
    ("一、一般公共预算收入", "一般公共预算收入", None),
    ("（二）全口径财政收入（万元）", "全口径财政收入", "万元"),
    ("其中：全口径财政收入", "全口径财政收入", None),
    ("12345热线受理", "12345热线受理", None),
    ("", "", None),
    (None, "", None),
])
def test_split_name(cell, name, unit):
    assert split_name(cell) == (name, unit)


@pytest.mark.parametrize("cell, code", [
    (1, "01"), (1.0, "01"), ("1", "01"), ("01", "01"), ("1.0", "01"), (" 07 ", "07"), ("１", "01"), ("001", "01"),
    (12, "12"), ("t1", "T1"), ("Ｔ２", "T2"), ("T1.", "T1"), ("", None), (None, None),
])
def test_normalise_code(cell, code):
    assert normalise_code(cell) == code


def test_fold():
    assert fold("（万元） ：ＺＢ０１\u3000表") == "(万元):ZB01表"
    assert fold(None) == ""
    assert fold(12.0) == "12.0"


def test_cell_text():
    assert cell_text(12.0) == "12"
    assert cell_text(12.5) == "12.5"
    assert cell_text(None) == ""
    assert cell_text(" 示例 ") == "示例"
    assert cell_text(dt.datetime(2023, 6, 1)) == "2023-06-01"


@pytest.mark.parametrize("row, col, ref", [(0, 0, "A1"), (8, 4, "E9"), (0, 25, "Z1"), (0, 26, "AA1"), (9, 701, "ZZ10"), (0, 702, "AAA1")])
def test_a1(row, col, ref):
    assert a1(row, col) == ref


def test_period_words():
    assert period_label(JUNE) == "2023年6月"
    assert months_covered(JUNE) == "1-6月"
    assert months_covered(dt.date(2023, 1, 1)) == "1月"
