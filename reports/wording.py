"""How figures are written in the prose of the summary (spec §8): plain numbers, 亿元, 余, growth, months."""
from __future__ import annotations

import math

YI = 10000  # 万元 in one 亿元
PLACE_SEPARATORS = str.maketrans({c: "、" for c in "，,；;/ "})


def missing_mark(department: str, name: str) -> str:
    """The mark a figure whose return is missing leaves in the draft, so nobody mistakes it for zero."""
    return f"【缺：{department} {name}】"


def plain(value: float, decimals: int = 2) -> str:
    """A number as prose writes it: no thousands separator, no trailing zeros (9840.39, 2032.3, 478)."""
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def fixed(value: float, decimals: int) -> str:
    """A number with exactly ``decimals`` places (0.40亿元, 15.9%)."""
    return f"{value:.{decimals}f}"


def yi(wan: float) -> str:
    """万元 written as 亿元 with two decimals: 35000 → 3.50."""
    return fixed(wan / YI, 2)


def about(value: float) -> str:
    """An approximate count rounded down for prose: 478 → 470余, 61 → 60余, 2365 → 2300余, 9 → 9, 470 → 470."""
    whole = math.floor(value + 1e-9)
    if whole < 10:
        return str(whole)
    step = 10 ** max(len(str(whole)) - 2, 1)
    rounded = whole // step * step
    return str(whole) if rounded == whole else f"{rounded}余"


def growth(pct: float | None) -> str:
    """同比增长X% / 同比下降X% / 与上年同期持平, one decimal; None when last year's figure is not positive."""
    if pct is None or (isinstance(pct, float) and math.isnan(pct)):
        return "上年同期无可比数"
    shown = fixed(abs(pct), 1)
    if float(shown) == 0:
        return "与上年同期持平"
    return f"同比{'增长' if pct > 0 else '下降'}{shown}%"


def months(month: int) -> str:
    """The year-to-date window ending in ``month`` as prose writes it: 1-5月份, 1月份."""
    return "1月份" if month == 1 else f"1-{month}月份"


def span(month: int) -> str:
    """The name of the reporting window: 上半年 for June, 前三季度 for September, 全年 for December."""
    return {3: "一季度", 6: "上半年", 9: "前三季度", 12: "全年"}.get(month, f"1-{month}月")


def places(text: str | None) -> list[str]:
    """The distinct place or project names of a text item written as 马家沟村、桃园村，沙河村."""
    if not text:
        return []
    names = [n.strip() for n in str(text).translate(PLACE_SEPARATORS).split("、")]
    return list(dict.fromkeys(n for n in names if n))


def name_list(names: list[str], limit: int, unit: str = "个单位") -> str:
    """Names joined with 、, the tail past ``limit`` told as 等N个单位."""
    if len(names) <= limit:
        return "、".join(names)
    return "、".join(names[:limit]) + f"等{len(names)}{unit}"
