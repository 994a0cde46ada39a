"""The narrative draft: a Jinja2 template filled with the summary's figures, addressed by catalogue code.

The draft is Markdown: every text that came from a return or the registry (text items, org names, notes naming orgs)
reaches the template already escaped (``reports.files.md_text``), so that it reads literally and never becomes markup.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import jinja2
import pandas as pd

from statreturns.reports import wording
from statreturns.reports.files import md_text, rows
from statreturns.reports.summary import Summary

DEFAULT_TEMPLATE = "summary.md.j2"
PERCENT = "%"


class TemplateError(Exception):
    """A template that cannot be filled, told so the person who edited it can fix it."""


@dataclass(frozen=True)
class Value:
    """One number of a figure (本年累计, 本月, …) in its unit, or the mark of a figure that is missing."""

    number: float | None
    unit: str
    mark: str  # what stands in the text when the number is missing

    @property
    def missing(self) -> bool:
        return self.number is None or (isinstance(self.number, float) and math.isnan(self.number))

    def __str__(self) -> str:
        if self.missing:
            return self.mark
        if self.unit == PERCENT:
            return wording.fixed(self.number, 1) + PERCENT
        return wording.plain(self.number) + self.unit


@dataclass(frozen=True)
class Fig:
    """A figure of the summary: its values, text, the months it covers, and whether it is stale or missing."""

    key: str
    name: str
    unit: str
    department: str
    ytd: Value
    month: Value
    prior: Value
    yoy: Value
    text: str | None
    months: int | None  # the last month the figure covers
    stale: bool
    missing: bool
    note: str
    asof: str  # 截至6月底, or 1-5月份 for a stale figure, with the district's stale and missing orgs

    @property
    def mark(self) -> str:
        return wording.missing_mark(self.department, self.name)

    def __str__(self) -> str:
        return (self.text or self.mark) if self.unit == "" else str(self.ytd)


@dataclass(frozen=True)
class ProjectFig:
    """The key projects of one ZB03 status: how many, and their total investment (万元)."""

    key: str
    status: str
    count: Value
    investment: Value
    months: int | None
    stale: bool
    missing: bool
    note: str
    asof: str
    mark: str  # 【缺：经济发展办公室 重点项目情况表】: the whole list is missing, not one status


def _number(value: object) -> float | None:
    if isinstance(value, float):  # nearly every value: a float column's cell, told from NaN without pandas
        return None if math.isnan(value) else float(value)
    return None if value is None or pd.isna(value) else float(value)


def _asof(months: int | None, stale: bool, missing: bool, note: str, period_month: int, district: bool) -> str:
    when = wording.months(months) if stale else f"截至{period_month}月底"
    return f"{when}（{note}）" if district and note and not missing else when


def _fig(row, period_month: int, district: bool) -> Fig:
    mark = wording.missing_mark(row.department, row.indicator_name)
    value = lambda v, unit=row.unit: Value(_number(v), unit, mark)  # noqa: E731
    months = None if pd.isna(row.month) else int(row.month)
    stale, missing, note = bool(row.stale), bool(row.missing), md_text(row.note or "")
    return Fig(
        key=row.key, name=row.indicator_name, unit=row.unit, department=row.department,
        ytd=value(row.ytd_value), month=value(row.month_value), prior=value(row.prior_ytd_value),
        yoy=value(row.yoy_pct, PERCENT), text=None if pd.isna(row.text_value) else md_text(str(row.text_value)),
        months=months, stale=stale, missing=missing, note=note,
        asof=_asof(months, stale, missing, note, period_month, district),
    )


def _project_fig(row, period_month: int, district: bool) -> ProjectFig:
    mark = wording.missing_mark(row.department, row.form_title)
    months = None if pd.isna(row.month) else int(row.month)
    stale, missing, note = months is not None and months != period_month, bool(row.missing), md_text(row.note or "")
    return ProjectFig(
        key=row.key, status=row.status, count=Value(_number(row.count), "个", mark),
        investment=Value(_number(row.total_investment), "万元", mark), months=months, stale=stale, missing=missing,
        note=note, asof=_asof(months, stale, missing, note, period_month, district), mark=mark,
    )


class Figures:
    """``f.ZB01_01`` or ``p.新开工``: figures by name; records the catalogue key of each one used, in order."""

    def __init__(self, figs: dict[str, Fig | ProjectFig], used: list[str], what: str):
        self._figs, self._used, self._what = figs, used, what

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def __getitem__(self, name: str):
        if name not in self._figs:
            raise TemplateError(f"模板引用了不存在的{self._what}“{name}”（指标写作 f.表号_代码，如 f.ZB01_01；"
                                f"计算指标见 reports/sections.yaml；项目写作 p.新开工）")
        fig = self._figs[name]
        if fig.key not in self._used:
            self._used.append(fig.key)
        return fig

    def __iter__(self):
        return iter(self[name] for name in self._figs)


# ---------------------------------------------------------------- filters: the formatting rules of spec §8


def _value(x) -> Value:
    return x.ytd if isinstance(x, Fig) else x


def yi(x) -> str:
    """万元 as 亿元: {{ f.ZB02_01.ytd | yi }} → 0.40亿元."""
    v = _value(x)
    return v.mark if v.missing else wording.yi(v.number) + "亿元"


def yu(x, unit: bool = True) -> str:
    """An approximate count rounded down: {{ f.ZB10_01.ytd | yu }} → 470余人次."""
    v = _value(x)
    return v.mark if v.missing else wording.about(v.number) + (v.unit if unit else "")


def bare(x) -> str:
    """The number without its unit: {{ f.ZB08_01.ytd | n }}名 → 280名."""
    v = _value(x)
    return v.mark if v.missing else wording.plain(v.number)


def growth(fig: Fig) -> str:
    """同比增长X% or 同比下降X%: {{ f.ZB01_01 | growth }}."""
    if fig.missing:
        return "同比增速" + fig.mark
    return wording.growth(fig.yoy.number)


def months(fig: Fig | ProjectFig) -> str:
    """The year-to-date window the figure covers: {{ f.ZB11_01 | months }} → 1-5月份."""
    return wording.months(fig.months) if fig.months else ""


def places(fig: Fig, limit: int | None = None) -> str:
    """A text item's place or project names, at most ``limit`` of them then 等N处."""
    names = wording.places(fig.text)
    if not names:
        return fig.mark
    return wording.name_list(names, limit, "处") if limit else "、".join(names)


def count(fig: Fig) -> str:
    """How many names a text item lists (开展{{ f.ZB06_T3 | count }}个村…)."""
    return str(len(wording.places(fig.text))) if fig.text else fig.mark


def asof(fig: Fig | ProjectFig) -> str:
    """截至6月底, or 1-5月份 for a stale figure; the district's adds which orgs are stale or missing."""
    return fig.asof


FILTERS = {"yi": yi, "yu": yu, "n": bare, "growth": growth, "months": months, "places": places, "count": count,
           "asof": asof}


# ---------------------------------------------------------------- rendering


@cache
def _environment(folder: str | None) -> jinja2.Environment:
    loader = (jinja2.FileSystemLoader(folder) if folder
              else jinja2.FileSystemLoader(str(resources.files("statreturns.reports").joinpath("templates"))))
    env = jinja2.Environment(loader=loader, undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True, autoescape=False)
    env.filters.update(FILTERS)
    return env


def load_template(path: Path | None) -> jinja2.Template:
    """The template at ``path``, or the project's own (reports/templates/summary.md.j2)."""
    try:
        if path is None:
            return _environment(None).get_template(DEFAULT_TEMPLATE)
        return _environment(str(Path(path).resolve().parent)).get_template(Path(path).name)
    except jinja2.TemplateNotFound as e:
        raise TemplateError(f"找不到模板文件：{path}") from e
    except jinja2.TemplateSyntaxError as e:
        raise TemplateError(f"模板第{e.lineno}行有语法错误：{e.message}（{e.filename or path}）") from e


@dataclass(frozen=True)
class Draft:
    """The filled template, and the catalogue keys of the figures it used, in the order they appear."""

    text: str
    used: list[str]


def context(summary: Summary, charts: list[dict], used: list[str]) -> dict:
    """What a template sees: f (figures by key), p and projects (ZB03 by status), org, period, charts."""
    month, district = summary.period.month, summary.district
    figs = {r.key: _fig(r, month, district) for r in rows(summary.figures)}
    projects = {r.status: _project_fig(r, month, district)
                for r in rows(summary.project_status)}
    p = Figures(projects, used, "项目状态")
    return {
        "f": Figures(figs, used, "指标代码"),
        "p": p,
        "projects": p,
        "org": {"code": summary.org_code, "name": md_text(summary.org_name),
                "level": md_text(summary.org_level) if summary.org_level else summary.org_level, "district": district},
        "period": {"year": summary.period.year, "month": month, "span": wording.span(month),
                   "window": wording.months(month)},
        "charts": charts,
    }


def render(summary: Summary, template: jinja2.Template, charts: list[dict]) -> Draft:
    """Fill the template for ``summary``; ``charts`` are {title, path} for the images it may show."""
    used: list[str] = []
    try:
        text = template.render(context(summary, charts, used))
    except jinja2.UndefinedError as e:
        raise TemplateError(f"模板引用了不存在的名称：{e.message}") from e
    return Draft(text, used)
