"""Reading the text departments write: full-width forms, numbers as text, periods, names."""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from functools import lru_cache

import pandas as pd
from openpyxl.utils.cell import get_column_letter

_DASHES = str.maketrans({c: "-" for c in "—–－─―~～〜至到"})
_SPACE = re.compile(r"\s+")


def fold(text: object) -> str:
    """Half-width, space-free form of a cell's text, for matching words."""
    if text is None:
        return ""
    return _fold(text) if isinstance(text, str) else _fold(str(text))


@lru_cache(maxsize=1 << 16)
def _fold(text: str) -> str:
    # the same words (labels, headers, names) recur in every return
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def cell_text(value: object) -> str:
    """The text a person sees in a cell: numbers without a trailing ``.0``; nothing for a missing value."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    return str(value).strip()


class NotANumber(ValueError):
    """A number cell holds text that is not a number."""


_THOUSANDS = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")


def parse_number(value: object, no_figure: frozenset[str]) -> float | None:
    """A cell's figure: ``None`` for no figure, a float, or ``NotANumber``."""
    if value is None:
        return None
    if isinstance(value, bool) or isinstance(value, (dt.date, dt.datetime, dt.time)):
        raise NotANumber(cell_text(value))
    if isinstance(value, (int, float)):
        return float(value)
    text = fold(value)
    if text in no_figure:
        return None
    text = text.removeprefix("约").removesuffix("%")
    # a comma only groups thousands: "1,2" may mean 1.2 or 12, and a figure is not guessed
    if "," in text and _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    # float() also reads "nan", "inf" and "1_000", which no clerk means as a figure
    if "_" in text or not math.isfinite(number):
        raise NotANumber(str(value).strip())
    return number


_YM_RANGE = re.compile(r"(\d{4})年(?:度)?(?:(\d{1,2})月?-)?(\d{1,2})月")
_YM_SEP = re.compile(r"^(\d{4})[-./](\d{1,2})(?:[-./]\d{1,2})?$")
_YM_COMPACT = re.compile(r"^(\d{4})(\d{2})$")


# days a spreadsheet counts from 1899-12-30 (Excel's and WPS's day 0): 1990-01-01 to 2100-12-31
_SERIAL_DAYS = (32874, 73415)
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_period(value: object) -> dt.date | None:
    """The month a 报告期 cell names, as the first day of that month (a ``1-6月`` window ends in 6).

    A 报告期 typed in a cell of its own may have been stored as a date (``2023年6月`` becomes 2023-06-01), as the
    day number of a date whose format was lost (45078), or as a number (202306).
    """
    if isinstance(value, (dt.date, dt.datetime)):
        return dt.date(value.year, value.month, 1)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        if _SERIAL_DAYS[0] <= value <= _SERIAL_DAYS[1]:
            day = _EXCEL_EPOCH + dt.timedelta(days=int(value))
            return dt.date(day.year, day.month, 1)
    text = fold(cell_text(value)).translate(_DASHES)
    for pattern in (_YM_RANGE, _YM_SEP, _YM_COMPACT):
        m = pattern.search(text) if pattern is _YM_RANGE else pattern.match(text)
        if m:
            year, month = int(m[1]), int(m.groups()[-1])
            if 1 <= month <= 12 and 1990 <= year <= 2100:
                return dt.date(year, month, 1)
    return None


_TRAILING_PAREN = re.compile(r"\(([^()]*)\)$")
_LEADING_ENUM = re.compile(r"^(?:其中:|[0-9]+[.、]|[一二三四五六七八九十]+、|\([0-9一二三四五六七八九十]+\))")


def split_name(value: object) -> tuple[str, str | None]:
    """An indicator name cell as (folded name, unit written in trailing brackets or None)."""
    text = fold(value)
    text = _LEADING_ENUM.sub("", text)
    unit = None
    m = _TRAILING_PAREN.search(text)
    if m:
        unit = m[1] or None
        text = text[: m.start()]
    return text, unit


def normalise_code(value: object) -> str | None:
    """An indicator code cell (``1``, ``01``, ``1.0``, ``t1``) as the catalogue writes it."""
    text = fold(cell_text(value)).upper().rstrip(".").removesuffix(".0")
    if not text:
        return None
    if text.isdigit():
        return f"{int(text):02d}"
    return text


def a1(row: int, col: int) -> str:
    """Zero-based (row, col) as an A1 reference."""
    return f"{get_column_letter(col + 1)}{row + 1}"


def period_label(period: dt.date) -> str:
    return f"{period.year}年{period.month}月"


def ytd_window(month: int) -> str:
    """The year-to-date window ending in ``month``, as tables write it: 1月, 1-6月."""
    return "1月" if month == 1 else f"1-{month}月"


def months_covered(period: dt.date) -> str:
    """The year-to-date window a figure of ``period`` covers, as the summary writes it."""
    return ytd_window(period.month)
