"""The summary's charts as PNG files for Markdown and Word, drawn with Pillow: two plain chart kinds need no plotting library.

Each chart is drawn at twice its size and halved, so lines and markers come out smooth; the text is Pillow's own
anti-aliased TrueType rendering in a CJK font. What the charts of a kind share (the canvas, the x labels) is drawn and
halved once; a chart draws the rest on a copy and halves only the boxes it drew in.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import pandas as pd
from PIL import Image, ImageColor, ImageDraw, ImageFont

from statreturns.reports.summary import Summary
from statreturns.reports.writers import LAST_YEAR, THIS_YEAR

# `make install` puts WenQuanYi Micro Hei (Debian fonts-wqy-microhei) at the first path; the others are what
# other machines commonly have.
CJK_FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "/System/Library/Fonts/PingFang.ttc",
)
CHART_DIR = "图表"
PROJECTS_CHART = "重点项目"
SCALE = 2  # drawn at twice the size, then halved
WIDTH, HEIGHT = 768, 408  # pixels of the PNG (6.4 × 3.4 in at 120 dpi)
PLOT = (0.13, 0.12, 0.97, 0.88)  # left, top, right, bottom of the plotting area, as shares of the picture
BOX = tuple(round(share * size * SCALE) for share, size in zip(PLOT, (WIDTH, HEIGHT, WIDTH, HEIGHT)))  # the same in pixels
TEXT, AXIS, GRID, BAR = "#262626", "#595959", "#E6E6E6", "#4F81BD"
TITLE_PT, LABEL_PT = 15, 12  # pixel sizes at the PNG's scale
TICKS = 5  # about this many steps on the value axis
SHADES = 10  # steps from each colour of the chart to white in its palette
HEADROOM = 1.08  # the value axis reaches this much past the largest value, room for a bar's label
DOT = 3.5 * SCALE  # radius of a month's dot on a curve
SLACK = 8192  # pixels halved for nothing that cost about as much as halving one more box


@cache
def cjk_font_file() -> str | None:
    """The font file the charts' Chinese is drawn in, or None (with a warning) when no CJK font is installed."""
    found = next((path for path in CJK_FONT_FILES if Path(path).exists()), None)
    if found is None:
        warnings.warn("未找到中文字体，图表中的汉字将无法显示；请运行 make install（安装 fonts-wqy-microhei）", stacklevel=2)
    return found


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = cjk_font_file()
    return ImageFont.truetype(path, size * SCALE) if path else ImageFont.load_default(size * SCALE)


@lru_cache(maxsize=2048)
def _rendered(text: str, size: int, anchor: str) -> tuple[Image.Image, int, int]:
    """``text`` drawn once as an anti-aliased mask, with its offset from the anchor point: the month names, ticks,
    legends and statuses recur in every chart of every org, and drawing a CJK glyph costs more than placing it."""
    font = _font(size)
    left, top, right, bottom = font.getbbox(text, anchor=anchor)
    mask = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(mask).text((-left, -top), text, font=font, fill=255, anchor=anchor)
    return mask, left, top


def _text(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int,
          anchor: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """Draws ``text`` at ``xy``; returns the corners of the box it covers."""
    mask, left, top = _rendered(text, size, anchor)
    x, y = round(xy[0] + left), round(xy[1] + top)
    draw.bitmap((x, y), mask, fill=TEXT)
    return (x, y), (x + mask.width, y + mask.height)


def nice_ticks(lo: float, hi: float, count: int = TICKS) -> list[float]:
    """Round values from at or below ``lo`` to at or above ``hi``, about ``count`` steps of 1, 2, 2.5 or 5 × 10ⁿ."""
    if not hi > lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(lo / step + 1e-9) * step
    n = math.ceil((hi - first) / step - 1e-9)
    return [first + i * step for i in range(n + 1)]


def tick_label(value: float, step: float) -> str:
    """A value-axis label with thousands separators and as many decimals as the step needs."""
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else 0
    return f"{value:,.{decimals}f}"


def slot_x(slot: float, slots: int) -> float:
    """The middle of ``slot`` (0-based) of ``slots`` equal slots across the plotting area."""
    return BOX[0] + (slot + 0.5) * (BOX[2] - BOX[0]) / slots


@cache
def _palette() -> Image.Image:
    """The chart's few colours, each also in ``SHADES`` steps towards white: every pixel of a halved chart, the
    anti-aliased edges included, is one of them or close to one."""
    colours = [ImageColor.getrgb(c) for c in (TEXT, AXIS, GRID, BAR, THIS_YEAR, LAST_YEAR)]
    shades = [(255, 255, 255)] + [tuple(round(255 + (v - 255) * k / SHADES) for v in rgb)
                                  for rgb in colours for k in range(1, SHADES + 1)]
    palette = Image.new("P", (1, 1))
    palette.putpalette([v for rgb in shades for v in rgb])
    return palette


def _halved(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> Image.Image:
    # mapped onto the chart's own palette: a third of the bytes of RGB, and five times quicker than finding a palette
    # per picture
    return image.reduce(SCALE, box).quantize(palette=_palette(), dither=Image.Dither.NONE)


@lru_cache(maxsize=8)
def _base(labels: tuple[str, ...], side_label: str | None) -> tuple[Image.Image, Image.Image]:
    """What every org's chart with these x labels (and this value-axis name) shares, at the drawing scale and halved:
    a chart draws its own parts on a copy of the first and halves only the blocks it drew in."""
    image = Image.new("RGB", (WIDTH * SCALE, HEIGHT * SCALE), "white")
    draw = ImageDraw.Draw(image)
    for i, label in enumerate(labels):
        _text(draw, (slot_x(i, len(labels)), BOX[3] + 5 * SCALE), label, LABEL_PT, "ma")
    if side_label:
        _vertical_label(image, side_label)
    return image, _halved(image)


def _area(box: tuple[int, int, int, int]) -> int:
    return (box[2] - box[0]) * (box[3] - box[1])


@dataclass(frozen=True)
class Frame:
    """A picture with its value axis: maps data to pixels (at the drawing scale), and notes the boxes drawn in since
    it was copied from its ``base``, the only parts of the picture that need halving."""
    image: Image.Image
    draw: ImageDraw.ImageDraw
    ticks: list[float]
    base: Image.Image
    drawn: list[tuple[int, int, int, int]] = field(default_factory=list)

    def y(self, value: float) -> float:
        top, bottom, lo, hi = BOX[1], BOX[3], self.ticks[0], self.ticks[-1]
        return bottom - (value - lo) / (hi - lo) * (bottom - top)

    def mark(self, a: tuple[float, float], b: tuple[float, float], pad: float = 0) -> None:
        """Note the box with corners ``a`` and ``b`` widened by ``pad``, out to whole blocks of the halving."""
        box = (max(0, math.floor((min(a[0], b[0]) - pad) / SCALE) * SCALE),
               max(0, math.floor((min(a[1], b[1]) - pad) / SCALE) * SCALE),
               min(WIDTH * SCALE, math.ceil((max(a[0], b[0]) + pad) / SCALE) * SCALE),
               min(HEIGHT * SCALE, math.ceil((max(a[1], b[1]) + pad) / SCALE) * SCALE))
        if box[0] >= box[2] or box[1] >= box[3]:
            return
        if self.drawn:  # one box for both where halving the few pixels between them is cheaper than another box
            last = self.drawn[-1]
            union = (min(last[0], box[0]), min(last[1], box[1]), max(last[2], box[2]), max(last[3], box[3]))
            if _area(union) <= _area(last) + _area(box) + SLACK:
                self.drawn[-1] = union
                return
        self.drawn.append(box)

    def text(self, xy: tuple[float, float], text: str, size: int, anchor: str) -> None:
        self.mark(*_text(self.draw, xy, text, size, anchor))


def _frame(title: str, ticks: list[float], labels: list[str], side_label: str | None = None) -> Frame:
    canvas, base = _base(tuple(labels), side_label)
    image = canvas.copy()
    frame = Frame(image, ImageDraw.Draw(image), ticks, base)
    frame.text((WIDTH * SCALE / 2, BOX[1] / 2), title, TITLE_PT, "mm")
    step, ys = ticks[1] - ticks[0], [frame.y(value) for value in ticks]
    for y in ys:
        frame.draw.line([(BOX[0], y), (BOX[2], y)], fill=GRID, width=SCALE)
        frame.mark((BOX[0], y), (BOX[2], y), 2 * SCALE)  # the lowest also holds the x axis, drawn on it
    for value, y in zip(ticks, ys):  # after the grid lines, so that the labels' boxes are marked one after another
        frame.text((BOX[0] - 6 * SCALE, y), tick_label(value, step), LABEL_PT, "rm")
    frame.draw.line([(BOX[0], BOX[1]), (BOX[0], BOX[3]), (BOX[2], BOX[3])], fill=AXIS, width=SCALE)
    frame.mark((BOX[0], BOX[1]), (BOX[0], BOX[3]), 2 * SCALE)
    return frame


def _save(frame: Frame, path: Path) -> Path:
    # the blocks drawn in are halved onto the base's halving: the picture is the same as had the whole been halved,
    # as halving and mapping each take a block or a pixel alone, and costs a fraction
    picture = frame.base.copy()
    for box in frame.drawn:
        picture.paste(_halved(frame.image, box), (box[0] // SCALE, box[1] // SCALE))
    picture.save(path, compress_level=1)
    return path


def _dashed(draw: ImageDraw.ImageDraw, a: tuple[float, float], b: tuple[float, float], colour: str) -> None:
    length = math.dist(a, b)
    dash = 7 * SCALE
    for start in range(0, int(length), 2 * dash):
        t0, t1 = start / length, min(start + dash, length) / length
        draw.line([(a[0] + (b[0] - a[0]) * t0, a[1] + (b[1] - a[1]) * t0),
                   (a[0] + (b[0] - a[0]) * t1, a[1] + (b[1] - a[1]) * t1)], fill=colour, width=2 * SCALE)


def _series(frame: Frame, values: list[float], colour: str, dashed: bool) -> list[tuple | None]:
    """A line through the months that have a value (a missing month breaks it), a dot at each; returns, month by
    month, the corners of its dot and of the line on to the next month (None for a month without a value)."""
    points = [None if pd.isna(v) else (slot_x(i, len(values)), frame.y(v)) for i, v in enumerate(values)]
    for a, b in zip(points, points[1:]):
        if a and b:
            _dashed(frame.draw, a, b, colour) if dashed else frame.draw.line([a, b], fill=colour, width=2 * SCALE)
    for p in filter(None, points):
        frame.draw.ellipse([p[0] - DOT, p[1] - DOT, p[0] + DOT, p[1] + DOT], fill=colour)
    return [a and (a, b or a) for a, b in zip(points, points[1:] + [None])]


def _legend(frame: Frame, entries: list[tuple[str, str, bool]]) -> None:
    x, y = BOX[0] + 10 * SCALE, BOX[1] + 8 * SCALE
    for label, colour, dashed in entries:
        a, b = (x, y + 8 * SCALE), (x + 26 * SCALE, y + 8 * SCALE)
        _dashed(frame.draw, a, b, colour) if dashed else frame.draw.line([a, b], fill=colour, width=2 * SCALE)
        frame.mark(a, b, 2 * SCALE)
        frame.text((b[0] + 6 * SCALE, a[1]), label, LABEL_PT, "lm")
        y += 20 * SCALE


def ytd_curve(summary: Summary, indicator: tuple, history: dict[int, tuple[float, float]], path: Path) -> Path:
    """本年累计 against 上年同期累计, month by month, for one yoy indicator (a row of the summary's figures) from its
    (本年累计, 上年同期累计) by month."""
    year, months = summary.period.year, list(range(1, summary.period.month + 1))
    this, last = ([history.get(m, (None, None))[i] for m in months] for i in (0, 1))
    known = [v for v in this + last if pd.notna(v)]
    title = f"{summary.org_name}{indicator.indicator_name}累计（{indicator.unit}）"
    frame = _frame(title, nice_ticks(min(0.0, *known), max(0.0, *known) * HEADROOM), [f"{m}月" for m in months])
    reach = zip(_series(frame, last, LAST_YEAR, dashed=True), _series(frame, this, THIS_YEAR, dashed=False))
    for corners in filter(None, (c for month in reach for c in month)):  # a month's two curves, often in one box
        frame.mark(*corners, DOT + SCALE)  # the lines are narrower than the dots
    _legend(frame, [(f"{year}年", THIS_YEAR, False), (f"{year - 1}年同期", LAST_YEAR, True)])
    return _save(frame, path)


def projects_by_status(summary: Summary, path: Path) -> Path:
    """Total investment (亿元) of the key projects per status, with the number of projects on each bar."""
    status = summary.project_status
    totals = status["total_investment_yi"].fillna(0.0).tolist()
    frame = _frame(f"{summary.org_name}重点项目（按项目状态）", nice_ticks(min(0.0, *totals), max(0.0, *totals) * HEADROOM),
                   status["status"].tolist(), "总投资（亿元）")
    slot = (BOX[2] - BOX[0]) / len(totals)
    for i, (total, count) in enumerate(zip(totals, status["count"])):
        middle, top, base = slot_x(i, len(totals)), frame.y(total), frame.y(max(0.0, frame.ticks[0]))
        corners = (middle - 0.4 * slot, min(top, base)), (middle + 0.4 * slot, max(top, base))
        frame.draw.rectangle(corners, fill=BAR)
        frame.mark(*corners, SCALE)
        label = f"{int(count)}个" if pd.notna(count) else "缺报"
        frame.text((middle, min(top, base) - 3 * SCALE), label, LABEL_PT, "md")
    return _save(frame, path)


def _vertical_label(image: Image.Image, text: str) -> None:
    font = _font(LABEL_PT)
    left, top, right, bottom = font.getbbox(text)
    label = Image.new("RGB", (right - left + 2, bottom - top + 2), "white")
    ImageDraw.Draw(label).text((-left + 1, -top + 1), text, font=font, fill=TEXT)
    turned = label.rotate(90, expand=True)
    middle = (BOX[1] + BOX[3]) // 2
    image.paste(turned, (4 * SCALE, middle - turned.height // 2))


def yoy_keys(summary: Summary) -> list[str]:
    """The yoy indicators that have a curve to draw."""
    drawn = {k for k, months in summary.curves.items() if any(pd.notna(this) for this, _ in months.values())}
    return [k for k, r in summary.by_key.items() if r.yoy and k in drawn]


@dataclass(frozen=True)
class Chart:
    section: str
    title: str
    path: Path


def plan_charts(summary: Summary, folder: Path) -> list[Chart]:
    """The summary's charts and where they go: ``<folder>/图表/<key>.png``, the projects' as 图表/重点项目.png."""
    named = summary.by_key
    out = folder / CHART_DIR
    curves = [Chart(named[k].section, f"{named[k].indicator_name}累计", out / f"{k}.png") for k in yoy_keys(summary)]
    section = summary.project_status["section"].iloc[0]
    return curves + [Chart(section, "重点项目总投资（按项目状态）", out / f"{PROJECTS_CHART}.png")]


def draw_charts(summary: Summary, folder: Path) -> None:
    """Draw every chart of ``plan_charts`` as a PNG."""
    out = folder / CHART_DIR
    out.mkdir(exist_ok=True)
    for key in yoy_keys(summary):
        ytd_curve(summary, summary.by_key[key], summary.curves[key], out / f"{key}.png")
    projects_by_status(summary, out / f"{PROJECTS_CHART}.png")
