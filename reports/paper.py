"""Spreadsheets on paper: how wide a text is in column units, and the row height that shows a wrapped text whole.

Excel, WPS and LibreOffice do not agree on when they fit a row to wrapped text (LibreOffice keeps the height the
file gives), so the writers set the height themselves from this estimate: a little generous, never cut.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable

A4 = 9  # the paper size code of A4 in xlsx page setup
WIDE, NARROW = 2.1, 1.1  # column units (the width of "0" in the default 11 pt font) of a CJK and of a Latin character
FONT_PT = 11.0  # the workbooks' default font size
LINE_PT = 15.0  # the height of one line of 11 pt text with a CJK font, in points
PADDING_PT = 3.0
MAX_ROW_PT = 409.0  # the tallest row Excel allows
MARGINS_IN = {"left": 0.4, "right": 0.4, "top": 0.6, "bottom": 0.6}
FOOTER = "第 &P 页，共 &N 页"
# the blocks Unicode's East Asian Width calls wide or full-width, near enough for a row height: CJK, kana, hangul,
# CJK punctuation and full-width forms, emoji (a regular expression counts them far faster than unicodedata)
_WIDE = re.compile("[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
                   "\ua960-\ua97c\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe6b\uff00-\uff60\uffe0-\uffe6"
                   "\U0001f300-\U0001f64f\U0001f900-\U0001f9ff\U00020000-\U0003fffd]")


def text_width(text: str) -> float:
    """The width of ``text`` on one line, in column units."""
    wide = len(_WIDE.findall(text))
    return wide * WIDE + (len(text) - wide) * NARROW


def lines(text: str, width: float) -> int:
    """The lines ``text`` takes wrapped in a column ``width`` units wide (a word may not break where Excel would)."""
    usable = max(width - 1.0, 1.0)
    text = str(text)
    if len(text) * WIDE <= usable and "\n" not in text:  # one line even were every character wide: no need to count
        return 1
    return sum(max(1, math.ceil(text_width(part) / usable)) for part in text.split("\n"))


def row_height(cells: Iterable[tuple[object, float]], size_pt: float = FONT_PT) -> float | None:
    """The height (points) of a row whose wrapped text cells are ``(text, column width)`` in a ``size_pt`` font;
    None: one line will do."""
    scale = size_pt / FONT_PT
    most = max((lines(text, width / scale) for text, width in cells if isinstance(text, str) and text), default=1)
    if most <= 1:
        return None
    return min(most * LINE_PT * scale + PADDING_PT, MAX_ROW_PT)


def printable(ws, repeat: tuple[int, int] | None = None) -> None:
    """An xlsxwriter sheet as the office prints it: A4 landscape, one page wide, the office's margins, page numbers
    in the footer, and rows ``repeat`` (first, last; 0-based) on every page."""
    ws.set_landscape()
    ws.set_paper(A4)
    ws.fit_to_pages(1, 0)
    ws.set_margins(**MARGINS_IN)
    ws.set_footer("&C" + FOOTER)
    if repeat:
        ws.repeat_rows(*repeat)
