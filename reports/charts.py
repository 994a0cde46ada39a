"""The summary's charts as PNG files, drawn by matplotlib's Agg canvas (no GUI, no pyplot state), for Markdown and Word."""
from __future__ import annotations

import multiprocessing as mp
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import matplotlib
import pandas as pd
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from statreturns.reports.summary import Summary
from statreturns.reports.writers import LAST_YEAR, THIS_YEAR

# `make install` puts WenQuanYi Micro Hei (Debian fonts-wqy-microhei) at the first path; the others are
# what other machines commonly have. Loaded by file, so a font installed after matplotlib cached its list is found.
CJK_FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
CJK_FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "SimHei",
                "PingFang SC")
CHART_DIR = "图表"
PROJECTS_CHART = "重点项目"
SIZE, DPI = (6.4, 3.4), 120
MARGINS = {"left": 0.13, "right": 0.97, "top": 0.88, "bottom": 0.12}
# titles carry the org's name from the registry: drawn as written (a "$" would otherwise start TeX math)
PNG = {"compress_level": 1}  # faster to write than the default level, the file a little larger


@cache
def cjk_family() -> str | None:
    """The font family the charts' Chinese is drawn in, or None (with a warning) when no CJK font is installed."""
    for path in CJK_FONT_FILES:
        if Path(path).exists():
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
    known = {f.name for f in font_manager.fontManager.ttflist}
    found = next((name for name in CJK_FAMILIES if name in known), None)
    if found is None:
        warnings.warn("未找到中文字体，图表中的汉字将无法显示；请运行 make install（安装 fonts-wqy-microhei）", stacklevel=2)
    return found


def _style() -> dict:
    family = cjk_family()
    return {"font.family": "sans-serif", "font.sans-serif": [family] if family else ["DejaVu Sans"],
            "axes.unicode_minus": False, "axes.spines.top": False, "axes.spines.right": False}


def _figure() -> tuple[Figure, object]:
    fig = Figure(figsize=SIZE, dpi=DPI)
    fig.subplots_adjust(**MARGINS)
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def ytd_curves(summary: Summary, keys: list[str], folder: Path) -> list[Path]:
    """本年累计 against 上年同期累计, month by month, one PNG per yoy indicator (``folder/<key>.png``)."""
    names = summary.figures.set_index("key")
    year, months = summary.period.year, range(1, summary.period.month + 1)
    paths = []
    with matplotlib.rc_context(_style()):
        # one figure redrawn with each indicator's data: building the axes costs more than drawing them
        fig, ax = _figure()
        this, = ax.plot([], [], marker="o", color=THIS_YEAR, label=f"{year}年")
        last, = ax.plot([], [], marker="o", color=LAST_YEAR, linestyle="--", label=f"{year - 1}年同期")
        ax.set_xticks(list(months), [f"{m}月" for m in months])
        ax.set_xlim(0.7, months[-1] + 0.3)
        ax.legend(frameon=False, loc="upper left")
        ax.grid(axis="y", alpha=0.3)
        ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        for key in keys:
            data = summary.history[summary.history["key"] == key].set_index("month").reindex(months)
            this.set_data(list(months), data["ytd_value"].to_numpy(float))
            last.set_data(list(months), data["prior_ytd_value"].to_numpy(float))
            ax.relim()
            ax.autoscale_view(scalex=False)
            ax.set_title(f"{summary.org_name}{names.loc[key, 'indicator_name']}累计（{names.loc[key, 'unit']}）",
                         parse_math=False)
            fig.savefig(folder / f"{key}.png", pil_kwargs=PNG)
            paths.append(folder / f"{key}.png")
    return paths


def projects_by_status(summary: Summary, path: Path) -> Path:
    """Total investment (亿元) of the key projects per status, with the number of projects on each bar."""
    status = summary.project_status
    with matplotlib.rc_context(_style()):
        fig, ax = _figure()
        bars = ax.bar(status["status"], status["total_investment_yi"].fillna(0.0), color="#4F81BD")
        ax.bar_label(bars, labels=[f"{int(c)}个" if pd.notna(c) else "缺报" for c in status["count"]], padding=2)
        ax.set_ylabel("总投资（亿元）")
        ax.set_title(f"{summary.org_name}重点项目（按项目状态）", parse_math=False)
        fig.savefig(path, pil_kwargs=PNG)
    return path


def yoy_keys(summary: Summary) -> list[str]:
    """The yoy indicators that have a curve to draw."""
    drawn = set(summary.history.dropna(subset=["ytd_value"])["key"])
    return [k for k in summary.figures.loc[summary.figures["yoy"].astype(bool), "key"] if k in drawn]


@dataclass(frozen=True)
class Chart:
    section: str
    title: str
    path: Path


def plan_charts(summary: Summary, folder: Path) -> list[Chart]:
    """The summary's charts and where they go: ``<folder>/图表/<key>.png``, the projects' as 图表/重点项目.png."""
    named = summary.figures.set_index("key")
    out = folder / CHART_DIR
    curves = [Chart(named.loc[k, "section"], f"{named.loc[k, 'indicator_name']}累计", out / f"{k}.png")
              for k in yoy_keys(summary)]
    section = summary.project_status["section"].iloc[0]
    return curves + [Chart(section, "重点项目总投资（按项目状态）", out / f"{PROJECTS_CHART}.png")]


def draw_charts(summary: Summary, folder: Path) -> None:
    """Draw every chart of ``plan_charts`` as a PNG."""
    out = folder / CHART_DIR
    out.mkdir(exist_ok=True)
    ytd_curves(summary, yoy_keys(summary), out)
    projects_by_status(summary, out / f"{PROJECTS_CHART}.png")


@contextmanager
def charts_drawn_alongside(summary: Summary, folder: Path):
    """Draw the charts in a forked process while the caller writes the other files; all drawn when the block ends."""
    # Drawing text is most of a chart's cost and it holds the GIL, so a thread would not help; a fork shares the
    # summary and the loaded font for free, and takes the charts (a quarter of a district report's time) off the
    # critical path on a two-core machine. Where forking is not possible or not safe (another OS, a daemonic
    # worker, or a process with other threads, such as a Prefect flow run, whose locks a fork could inherit held)
    # the charts are drawn here first.
    if "fork" not in mp.get_all_start_methods() or mp.current_process().daemon or threading.active_count() > 1:
        draw_charts(summary, folder)
        yield
        return
    cjk_family()  # loaded once here, inherited by every fork
    child = mp.get_context("fork").Process(target=draw_charts, args=(summary, folder), name="charts")
    child.start()
    try:
        yield
    finally:
        child.join()
    if child.exitcode:
        raise RuntimeError(f"图表未能生成（绘图进程退出码 {child.exitcode}）：{folder / CHART_DIR}")
