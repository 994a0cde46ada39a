"""Spreadsheets on paper: how wide a text is in column units, and the row height that shows a wrapped text whole.

Excel, WPS and LibreOffice do not agree on when they fit a row to wrapped text (LibreOffice keeps the height the
file gives), so the writers set the height themselves from this estimate: a little generous, never cut.
"""
from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable

A4 = 9  # the paper size code of A4 in xlsx page setup
WIDE, NARROW = 2.1, 1.1  # column units (the width of "0" in the default 11 pt font) of a CJK and of a Latin character
FONT_PT = 11.0  # the workbooks' default font size
LINE_PT = 15.0  # the height of one line of 11 pt text with a CJK font, in points
PADDING_PT = 3.0
MAX_ROW_PT = 409.0  # the tallest row Excel allows
MARGINS_IN = {"left": 0.4, "right": 0.4, "top": 0.6, "bottom": 0.6}
FOOTER = "第 &P 页，共 &N 页"


def text_width(text: str) -> float:
    """The width of ``text`` on one line, in column units."""
    return sum(WIDE if unicodedata.east_asian_width(ch) in "WF" else NARROW for ch in text)


def lines(text: str, width: float) -> int:
    """The lines ``text`` takes wrapped in a column ``width`` units wide (a word may not break where Excel would)."""
    usable = max(width - 1.0, 1.0)
    return sum(max(1, math.ceil(text_width(part) / usable)) for part in str(text).split("\n"))


def row_height(cells: Iterable[tuple[object, float]], size_pt: float = FONT_PT) -> float | None:
    """The height (points) of a row whose wrapped text cells are ``(text, column width)`` in a ``size_pt`` font;
    None: one line will do."""
    scale = size_pt / FONT_PT
    most = max((lines(text, width / scale) for text, width in cells if isinstance(text, str) and text), default=1)
    if most <= 1:
        return None
    return min(most * LINE_PT * scale + PADDING_PT, MAX_ROW_PT)
