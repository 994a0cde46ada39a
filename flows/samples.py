"""A realistic inbox of monthly returns for the demo registry: good files with everyday drift, and the bad ones a month brings."""
from __future__ import annotations

import datetime as dt
import io
import math
import os
import random
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np
import openpyxl
import pandas as pd
import xlsxwriter
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.writer.excel import ExcelWriter

from schemas.catalogue import Catalogue, Form, Indicator, Org, load_catalogue
from schemas.text import a1, fold

YEAR = 2023
MONTHS = (1, 2, 3, 4, 5, 6)
CHINA = dt.timezone(dt.timedelta(hours=8))
AUTHORITY = "示例区统计局"

# What a clerk in each kind of office writes, per unit: the range of a month's flow, and decimals kept.
_MONTHLY = {"万元": (60.0, 4000.0), "元": (6000.0, 60000.0), "亩": (200.0, 2500.0), "平方米": (300.0, 5000.0)}
_COUNT_MONTHLY = (6.0, 220.0)
_STOCK_LEVEL = (4.0, 400.0)
_DECIMALS = {"万元": 2, "亩": 1, "平方米": 1}
# Spring Festival makes the first quarter slow; June closes the half year.
_SEASON = (0.78, 0.72, 1.0, 1.04, 1.1, 1.22)

_VILLAGES = (
    "东关村", "西沟村", "石门村", "南台村", "北岭村", "柳林村", "杨庄村", "王家营村", "李家窑村",
    "河口村", "红星村", "太平庄村", "三岔口村", "马家沟村", "后山村", "前营村", "沙河村", "桃园村",
)
_COMMUNITIES = ("幸福家园小区", "金色华庭小区", "翠苑小区", "阳光花园小区", "和平里小区", "锦绣园小区", "康居小区", "滨河佳苑小区")
_RURAL_PROJECTS = ("设施农业大棚", "食用菌种植基地", "光伏发电", "冷库仓储", "中药材种植", "肉牛养殖")
_PROJECTS = (
    ("智能装备制造产业园", "制造业"), ("冷链物流中心", "交通运输、仓储和邮政业"), ("农产品深加工", "农副食品加工业"),
    ("新型建材生产线", "非金属矿物制品业"), ("老旧小区改造", "房地产业"), ("乡村振兴示范片区", "农业"),
    ("文旅康养综合体", "文化、体育和娱乐业"), ("分布式光伏发电", "电力、热力生产和供应业"),
    ("污水处理厂提标改造", "水利、环境和公共设施管理业"), ("商贸综合体", "批发和零售业"),
    ("汽车零部件生产基地", "汽车制造业"), ("数字经济产业孵化园", "信息传输、软件和信息技术服务业"),
)
_COMPANIES = ("恒达建设有限公司", "华源实业有限公司", "瑞丰农业科技有限公司", "中能新能源有限公司", "宏图置业有限公司", "鑫旺物流有限公司")
_NEXT_STATUS = {"洽谈": "签约", "签约": "新开工"}
_PEOPLE = ("王建国", "李红梅", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "孙丽", "周强", "吴敏", "郑海涛", "何晓燕", "马俊", "高玉兰")
_REMARKS = ("初步数", "已核实", "含补报数", "较上月有增加", "按实际发生数填报")
_PERIODS = ("{y}年{m}月", "{y}年{m:02d}月", "{y}年1-{m}月", "{y}年1—{m}月", "{y}年1～{m}月", "{y}-{m:02d}", "{y}.{m}", "{y}{m:02d}")
_NUMERALS = "一二三四五六七八九十"
_FULL = str.maketrans("0123456789.,-", "０１２３４５６７８９．，－")

_HEADER = {"name": "指标名称", "code": "代码", "unit": "计量单位", "month": "本月", "ytd": "本年累计",
           "prior_ytd": "上年同期累计", "yoy_pct": "同比增长(%)", "remark": "备注"}

# The everyday drift of spec §6 a good file may carry, with what it looks like.
DRIFT_NOTES = {
    "offset_row": "blank rows above the title: the table starts lower",
    "offset_col": "a blank column at the left: the table starts in column B",
    "reordered": "indicator (or project) rows not in code order",
    "spacer_rows": "blank spacer rows inside the table",
    "section_rows": "inserted heading rows (一、数值指标 …) inside the table",
    "note_row": "a note row under the table (注：本表数据为初步统计…)",
    "remark_col": "an extra 备注 column with a few remarks",
    "renamed_sheet": "the sheet renamed (Sheet1, 6月, the org name …)",
    "instructions_sheet": "an extra 填表说明 sheet",
    "hidden_sheet": "an extra hidden sheet of drop-down lists",
    "chart_sheet": "an extra chart sheet",
    "empty_codes": "code cells left empty: rows found by name",
    "code_numeric": "codes written as numbers (1, 2 …) and lower-case t1",
    "name_spaces": "names with extra half- and full-width spaces",
    "name_enumerated": "names prefixed with （一）（二）… in full-width brackets",
    "name_alias": "names written as the catalogue's aliases",
    "trailing_unit": "names with a trailing unit in full-width brackets, e.g. （万元）",
    "text_numbers": "numbers as text: 1,234.5 / full-width １２３４．５ / ' 56 '",
    "dash_stock": "— in a stock indicator's 本月",
    "dash_no_figure": "—, / or 无 in the 上年同期/同比 cells of indicators without yoy",
    "header_synonyms": "header synonyms: 当月 / 1-N月累计 / 去年同期 / 同比(%) (项目 / 状态 / 计划总投资 for ZB03)",
    "grouped_header": "two-row header grouping 本月|本年累计 under 本期数 and 上年同期累计|同比 under 同期比较",
    "single_header": "a one-row column header",
    "label_next_cell": "header-block labels and their values in separate cells (填报单位： | 示例街道财政所)",
    "reporter_space": "填报单位 with a space between org and department",
    "dept_alias": "填报单位 with the department's other name (经发办, 应急办 …)",
    "yuan_row": "one 万元 row written in 元 (unit cell 元, figures ×10000)",
    "yuan_sheet": "the whole sheet in 元 (计量单位：元, no unit column, figures ×10000)",
    "yiyuan": "ZB03 总投资 in 亿元 (header （亿元） or 计量单位：亿元)",
    "text_unmerged": "text items in the 本月 cell without the usual merge across the value columns",
    "yoy_text_pct": "a growth cell written as text with a percent sign (12.5%)",
    "yoy_blank": "the optional 同比增长(%) cells left blank",
    "yoy_formula": "growth cells as formulas =ROUND((E-F)/F*100,1) with a cached value",
}
_PER_DRIFT = 4  # good files carrying each drift
_MAX_DRIFTS = 3  # per file


class Formula(NamedTuple):
    text: str
    cached: float


@dataclass
class Sheet:
    """A worksheet as the generator lays it out, before a writer library sees it (zero-based)."""

    name: str
    cells: dict[tuple[int, int], object] = field(default_factory=dict)
    styles: dict[tuple[int, int], str] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    hidden: bool = False
    plot: tuple[int, int, int, int] | None = None  # first row, last row, category column, value column

    def put(self, r: int, c: int, value: object, style: str = "cell") -> None:
        if value is not None:
            self.cells[(r, c)] = value
            self.styles[(r, c)] = style

    def merge(self, r0: int, c0: int, r1: int, c1: int) -> None:
        if (r0, c0) != (r1, c1):
            self.merges.append((r0, c0, r1, c1))


@dataclass
class Chart:
    """A chart sheet plotting one column of a data sheet."""

    name: str
    source: str
    categories: tuple[int, int, int]  # first row, last row, column
    values: tuple[int, int, int]


@dataclass(frozen=True)
class Submission:
    """One file of the inbox: whose return it is, how it drifts, how it was written and when."""

    path: str  # relative to the inbox, e.g. 2023-06/示例街道财政所-ZB01表-2023年6月.xlsx
    month: int
    org: Org
    form: Form
    submitted: dt.datetime
    writer: str = "openpyxl"
    period_text: str = ""
    drifts: tuple[str, ...] = ()
    role: str = "good"  # good | superseded | duplicate | rejected
    mutation: str | None = None
    rule: str | None = None  # the rule a rejected file is rejected by
    why: str = ""
    copy_of: str | None = None  # a duplicate's original


# ---------------------------------------------------------------- figures


def _loguniform(rng: random.Random, lo: float, hi: float) -> float:
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def _decimals(ind: Indicator) -> int:
    return _DECIMALS.get(ind.unit, 0)


def _value(n: int, dec: int) -> float | int:
    return n if dec == 0 else round(n / 10**dec, dec)


def _growth(ytd: float, prior: float) -> float:
    """同比增长(%) to one decimal, rounded as the audit rounds it."""
    return float(np.round((ytd - prior) / prior * 100, 1))


# Parts of a whole that no audit rule checks but a reader of the summary would: the general budget
# revenue is part of the full-scope revenue.
_PART_OF = {"ZB01": {"01": "02"}}


def _derived(form: Form) -> dict[str, str]:
    """Indicator code -> the code it must not exceed, from the form's ``a <= b`` rules."""
    out = dict(_PART_OF.get(form.code, {}))
    for rule in form.rules:
        (lc, _), op, (rc, _) = rule.left, rule.op, rule.right
        if op in ("<=", "<"):
            out[lc] = rc
        elif op in (">=", ">"):
            out[rc] = lc
    return out


def _numbers(rng: random.Random, form: Form) -> dict[str, dict[str, list[int]]]:
    """Per numeric indicator, month by month, in units of 10^-decimals: month, level and last year's month."""
    inds = [i for i in form.indicators if i.kind != "text"]
    derived = _derived(form)
    done: dict[str, dict[str, list[int]]] = {}
    pending = list(inds)
    while pending:
        ind = next(i for i in pending if derived.get(i.code) in (None, *done))
        pending.remove(ind)
        dec = _decimals(ind)
        src = derived.get(ind.code)
        if ind.kind == "stock":
            if src:
                levels, sdec, share = done[src]["level"], _decimals(form.indicator(src)), rng.uniform(0.25, 0.45)
                out, last = [], 0
                for k, s in enumerate(levels):
                    share = min(0.98, share + rng.uniform(0.04, 0.14)) if k else share
                    cap = math.floor(s / 10**sdec * 10**dec)
                    last = min(cap, max(last, math.floor(s / 10**sdec * share * 10**dec)))
                    out.append(last)
                done[ind.code] = {"level": out}
            else:
                level = _loguniform(rng, *_STOCK_LEVEL)
                out = []
                for k in MONTHS:
                    level = level if k == 1 else level * rng.uniform(0.96, 1.08)
                    out.append(max(1, round(level * 10**dec)))
                done[ind.code] = {"level": out}
            continue
        if src:
            sdec = _decimals(form.indicator(src))
            month = [math.floor(s / 10**sdec * rng.uniform(0.7, 0.97) * 10**dec) for s in done[src]["month"]]
        else:
            lo, hi = _MONTHLY.get(ind.unit, _COUNT_MONTHLY)
            base = _loguniform(rng, lo, hi)
            month = []
            for k in MONTHS:
                quiet = dec == 0 and not ind.yoy and ind.code not in derived.values() and rng.random() < 0.07
                month.append(0 if quiet else max(1, round(base * _SEASON[k - 1] * rng.uniform(0.8, 1.2) * 10**dec)))
        series = {"month": month}
        if ind.yoy:
            g = rng.uniform(-0.18, 0.28)
            ratios = [min(1.42, max(0.72, (1 + g) * rng.uniform(0.94, 1.06))) for _ in MONTHS]
            series["prior"] = [max(1, round(n / q)) for n, q in zip(month, ratios)]
        done[ind.code] = series
    return done


def _texts(rng: random.Random, form: Form, villages: list[str]) -> dict[str, list[str]]:
    """Per text indicator, month by month: the place or project names a clerk writes."""
    out = {}
    for ind in form.indicators:
        if ind.kind != "text":
            continue
        if "小区" in ind.name:
            first = rng.sample(_COMMUNITIES, 2)
            later = first + [rng.choice([c for c in _COMMUNITIES if c not in first])]
            texts = ["、".join(first if k < 4 else later) for k in MONTHS]
        elif "项目" in ind.name:
            name = f"{rng.choice(villages)}{rng.choice(_RURAL_PROJECTS)}项目"
            texts = [name] * len(MONTHS)
        else:
            places = rng.sample(villages, 3)
            texts = ["、".join(places[:2] if k < 3 else places) for k in MONTHS]
        out[ind.code] = texts
    return out


@dataclass(frozen=True)
class Project:
    name: str
    status: str
    investment: int  # 万元
    location: str
    industry: str
    responsible: str


def _projects(rng: random.Random, org: Org, form: Form, villages: list[str]) -> dict[int, list[Project]]:
    """The key-project list an org reports each month: 2-6 projects whose status moves along."""
    statuses = form.statuses
    chosen = rng.sample(_PROJECTS, 6)
    pool = []
    for k, (thing, industry) in enumerate(chosen):
        place = rng.choice(villages)
        status = statuses[k % len(statuses)]
        responsible = rng.choice((f"{org.name}{form.department}", f"{place[:-1]}{rng.choice(_COMPANIES)}", "区发展和改革局"))
        pool.append({
            "name": f"{org.name}{thing}项目", "status": status, "location": f"{org.name}{place}",
            "industry": industry, "responsible": responsible, "investment": rng.randrange(8, 1200) * 100,
            "from": 1 if k < 2 else rng.choice(MONTHS),
        })
    out = {}
    for m in MONTHS:
        for p in pool:
            # a negotiated project gets signed, a signed one breaks ground; 续建 and 储备 stay as they are
            if m > 1 and p["status"] in _NEXT_STATUS and rng.random() < 0.2:
                p["status"] = _NEXT_STATUS[p["status"]]
        listed = [p for p in pool if p["from"] <= m][:6]
        out[m] = [Project(p["name"], p["status"], p["investment"], p["location"], p["industry"], p["responsible"])
                  for p in listed]
    return out


@dataclass(frozen=True)
class Data:
    figures: dict[tuple[str, str, int], dict[str, dict[str, object]]]  # (org, form, month) -> code -> measure -> value
    projects: dict[tuple[str, int], list[Project]]
    people: dict[tuple[str, str], tuple[str, str, str, str]]


def _figures_of(form: Form, numbers: dict, texts: dict, m: int) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for ind in form.indicators:
        if ind.kind == "text":
            out[ind.code] = {"text": texts[ind.code][m - 1]}
            continue
        dec, s = _decimals(ind), numbers[ind.code]
        if ind.kind == "stock":
            out[ind.code] = {"month": None, "ytd": _value(s["level"][m - 1], dec), "prior_ytd": None, "yoy_pct": None}
            continue
        f = {"month": _value(s["month"][m - 1], dec), "ytd": _value(sum(s["month"][:m]), dec), "prior_ytd": None, "yoy_pct": None}
        if ind.yoy:
            f["prior_ytd"] = _value(sum(s["prior"][:m]), dec)
            f["yoy_pct"] = _growth(f["ytd"], f["prior_ytd"])
        out[ind.code] = f
    return out


def _generate(cat: Catalogue, seed: int, orgs: tuple[Org, ...]) -> Data:
    rng = random.Random(seed)
    figures, projects, people = {}, {}, {}
    for org in orgs:
        villages = rng.sample(_VILLAGES, 8)
        for form in cat.forms.values():
            people[(org.code, form.code)] = (*rng.sample(_PEOPLE, 3), f"010-6{rng.randrange(1000000, 9999999)}")
            if form.layout == "projects":
                for m, listed in _projects(rng, org, form, villages).items():
                    projects[(org.code, m)] = listed
                continue
            numbers, texts = _numbers(rng, form), _texts(rng, form, villages)
            for m in MONTHS:
                figures[(org.code, form.code, m)] = _figures_of(form, numbers, texts, m)
    return Data(figures, projects, people)


# ---------------------------------------------------------------- the plan: which file, which drift, which role


def _stem(org: Org, form: Form, m: int, habit: int) -> str:
    """File names follow each township's own habit; the period is never read from them."""
    return (
        f"{org.name}{form.department}-{form.code}表-{YEAR}年{m}月",
        f"{form.code}{form.title}（{org.name}）{YEAR}年{m}月",
        f"{YEAR}{m:02d}{org.name}{form.title}",
    )[habit % 3]


def _period_text(i: int, m: int) -> str:
    spelling = _PERIODS[i % len(_PERIODS)]
    if m == 1 and "{y}年1" in spelling:  # nobody writes 1-1月
        spelling = "{y}年{m}月"
    return spelling.format(y=YEAR, m=m)


def _submitted(m: int, day: int, minutes: int) -> dt.datetime:
    return dt.datetime(YEAR, m + 1, day, 8, 30, tzinfo=CHINA) + dt.timedelta(minutes=minutes)


def _applies(drift: str, form: Form) -> bool:
    numeric = [i for i in form.indicators if i.kind != "text"]
    units = {i.unit for i in numeric}
    if form.layout == "projects":
        return drift in {
            "offset_row", "offset_col", "reordered", "spacer_rows", "note_row", "remark_col", "renamed_sheet",
            "instructions_sheet", "hidden_sheet", "text_numbers", "header_synonyms", "single_header",
            "label_next_cell", "reporter_space", "dept_alias", "yiyuan",
        }
    return {
        "yiyuan": False,
        "chart_sheet": bool(numeric),
        "name_alias": any(i.aliases for i in form.indicators),
        "trailing_unit": "万元" in units,
        "dash_stock": any(i.kind == "stock" for i in form.indicators),
        "dash_no_figure": any(not i.yoy for i in numeric),
        "yuan_row": "万元" in units,
        "yuan_sheet": units == {"万元"},
        "text_unmerged": any(i.kind == "text" for i in form.indicators),
        "yoy_text_pct": any(i.yoy for i in form.indicators),
        "yoy_blank": any(i.yoy for i in form.indicators),
        "yoy_formula": any(i.yoy for i in form.indicators),
    }.get(drift, True)


_CONFLICTS = (
    {"yuan_row", "yuan_sheet", "trailing_unit"},
    {"grouped_header", "single_header"},
    {"yoy_text_pct", "yoy_blank", "yoy_formula"},
    {"reporter_space", "dept_alias"},
)


def _compatible(drift: str, have: tuple[str, ...]) -> bool:
    return not any(drift in group and set(have) & (group - {drift}) for group in _CONFLICTS)


def _assign_drifts(good: list[Submission]) -> list[Submission]:
    """Spread each drift over a few good files, one of them in the half-year's last month (seed-independent)."""
    rng = random.Random("statreturns sample inbox: drift plan")
    drifts: dict[str, tuple[str, ...]] = {s.path: () for s in good}
    for name in DRIFT_NOTES:
        candidates = [s for s in good if _applies(name, s.form) and _compatible(name, drifts[s.path])
                      and len(drifts[s.path]) < _MAX_DRIFTS and s.role == "good"]
        june = [s for s in candidates if s.month == MONTHS[-1]]
        picked = rng.sample(june, 1) if june else []
        rest = [s for s in candidates if s not in picked]
        picked += rng.sample(rest, min(_PER_DRIFT - len(picked), len(rest)))
        # the list form is laid out by other code: let it meet every drift it can carry
        lists = [s for s in candidates if s.form.layout != "indicators"]
        if lists and not any(s.form.layout != "indicators" for s in picked):
            picked.append(rng.choice(lists))
        for s in picked:
            drifts[s.path] += (name,)
    out = []
    for s in good:
        writer = "xlsxwriter" if {"yoy_formula", "chart_sheet"} & set(drifts[s.path]) else s.writer
        out.append(replace(s, drifts=drifts[s.path], writer=writer))
    return out


def _plan(cat: Catalogue) -> list[Submission]:
    """Every file of the inbox, in the order it is written."""
    a, b, c = cat.orgs[:3]
    forms = cat.forms
    june = MONTHS[-1]
    missing = {(b.code, "ZB11", june)}
    # files re-sent after a rejection or corrected later keep the clerk's name with a suffix
    suffix = {(c.code, "ZB01"): "（修改版）", (b.code, "ZB05"): "（修改版）", (b.code, "ZB02"): "（更正）"}
    good: list[Submission] = []
    i = 0
    for m in MONTHS:
        k = 0
        for habit, org in enumerate(cat.orgs):
            for f, form in enumerate(forms.values()):
                if (org.code, form.code, m) in missing:
                    continue
                stem = _stem(org, form, m, habit)
                if m == june:
                    stem += suffix.get((org.code, form.code), "")
                day = 8 if suffix.get((org.code, form.code)) == "（更正）" and m == june else 5
                good.append(Submission(
                    path=f"{YEAR}-{m:02d}/{stem}.xlsx", month=m, org=org, form=form,
                    submitted=_submitted(m, day, 3 * k), writer="openpyxl" if (m + habit + f) % 3 == 0 else "xlsxwriter",
                    period_text=_period_text(i, m),
                ))
                i += 1
                k += 1
    good = _assign_drifts(good)
    by_key = {(s.org.code, s.form.code, s.month): s for s in good}
    folder = f"{YEAR}-{june:02d}"
    extra: list[Submission] = []

    corrected = by_key[(b.code, "ZB02", june)]
    extra.append(replace(
        corrected, path=f"{folder}/{Path(corrected.path).stem.removesuffix('（更正）')}.xlsx", submitted=_submitted(june, 5, 40),
        role="superseded", mutation="understated",
        why="first June ZB02 return; its 固定资产投资 was understated and the （更正） file replaces it",
    ))
    original = by_key[(a.code, "ZB12", june)]
    extra.append(replace(
        original, path=f"{folder}/{Path(original.path).stem} - 副本.xlsx", submitted=original.submitted + dt.timedelta(minutes=47),
        role="duplicate", copy_of=original.path, why="the same file sent twice (identical bytes)",
    ))
    for minutes, (org, form_code, mutation, rule, why) in enumerate((
        (c, "ZB01", "negative", "negative", "first submission: 本月 of 一般公共预算收入 negative (退库); re-sent as （修改版）"),
        (b, "ZB05", "closed_gt_received", "ZB05_closed_le_received", "first submission: 办结案件 more than 受理案件; re-sent as （修改版）"),
    )):
        base = by_key[(org.code, form_code, june)]
        extra.append(replace(
            base, path=f"{folder}/{Path(base.path).stem.removesuffix('（修改版）')}.xlsx", drifts=(),
            submitted=_submitted(june, 3, 90 + 25 * minutes), role="rejected", mutation=mutation, rule=rule, why=why,
        ))
    base = by_key[(c.code, "ZB07", june)]
    extra.append(replace(
        base, path=f"{folder}/{Path(base.path).stem}（更正）.xlsx", drifts=(), submitted=_submitted(june, 9, 40),
        role="rejected", mutation="broken_continuity", rule="ytd_continuity",
        why="a later 'correction' whose 本年累计 is not May's 本年累计 plus June's 本月; the earlier good file stays current",
    ))
    stranger = Org("", "南山街道", "街道")
    extra.append(Submission(
        path=f"{folder}/南山街道财政所-ZB01表-{YEAR}年{june}月.xlsx", month=june, org=stranger, form=forms["ZB01"],
        submitted=_submitted(june, 5, 150), writer="xlsxwriter", period_text=f"{YEAR}年1-{june}月",
        role="rejected", rule="unknown_org", why="填报单位 南山街道财政所 is not in the org registry",
    ))
    extra.append(Submission(
        path=f"{folder}/{c.name}{forms['ZB10'].department}{YEAR}年{june}月报表.xlsx", month=june, org=c, form=forms["ZB10"],
        submitted=_submitted(june, 5, 160), writer="text", role="rejected", rule="file_unreadable",
        why="a text note saved with an .xlsx name, not a workbook",
    ))
    return good + extra


def _expected(plan: list[Submission], cat: Catalogue) -> dict:
    june = MONTHS[-1]
    b = cat.orgs[1]
    current = {(g.org.code, g.form.code, g.month): g.path for g in plan if g.role == "good"}
    return {
        "rejected": {s.path: {"rule": s.rule, "why": s.why} for s in plan if s.role == "rejected"},
        "duplicate": {s.path: {"of": s.copy_of, "why": s.why} for s in plan if s.role == "duplicate"},
        "superseded": {s.path: {"by": current[(s.org.code, s.form.code, s.month)], "why": s.why}
                       for s in plan if s.role == "superseded"},
        "missing": (
            {"org_code": b.code, "form_code": "ZB11", "period": f"{YEAR}-{june:02d}", "latest": f"{YEAR}-{june - 1:02d}",
             "why": f"{b.name}'s {cat.forms['ZB11'].department} sent no June return: the summary shows 1-{june - 1}月 for it"},
        ),
    }


# Every file of the demo inbox (seed-independent): path, org, form, drifts, writer, 报告期 spelling, role, mtime.
PLAN = tuple(_plan(load_catalogue()))
# Which files are expected rejected (with the rule), duplicate (of which file), superseded (by which file), and which
# return is missing, each with why. Paths are relative to the inbox; every other file is good and current.
EXPECTED = _expected(PLAN, load_catalogue())
# The drift each good file carries (see DRIFT_NOTES); independent of the seed.
DRIFTS = {s.path: s.drifts for s in PLAN if s.role in ("good", "superseded", "duplicate")}


# ---------------------------------------------------------------- what each file carries


def _carried(s: Submission, data: Data, stranger: Data, cat: Catalogue) -> dict[str, dict[str, object]]:
    """The figures a submission's file holds, in canonical units: the plan's figures, changed by its mutation."""
    if s.org.code == "":
        return stranger.figures[("", s.form.code, s.month)]
    figs = {k: dict(v) for k, v in data.figures[(s.org.code, s.form.code, s.month)].items()}
    if s.mutation is None:
        return figs
    prev = data.figures.get((s.org.code, s.form.code, s.month - 1), {})
    flows = [i for i in s.form.indicators if i.kind == "flow"]

    def set_month(ind: Indicator, month: float) -> None:
        dec, f = _decimals(ind), figs[ind.code]
        f["month"] = round(month, dec) if dec else int(month)
        f["ytd"] = round(prev[ind.code]["ytd"] + f["month"], dec) if dec else prev[ind.code]["ytd"] + f["month"]
        if ind.yoy:
            f["yoy_pct"] = _growth(f["ytd"], f["prior_ytd"])

    if s.mutation == "understated":
        ind = flows[1]
        set_month(ind, figs[ind.code]["month"] * 0.7)
    elif s.mutation == "negative":
        ind = flows[0]
        set_month(ind, -figs[ind.code]["month"] * 0.15)
    elif s.mutation == "closed_gt_received":
        (lc, _), _, (rc, _) = s.form.rules[0].left, s.form.rules[0].op, s.form.rules[0].right
        ind = s.form.indicator(lc)
        set_month(ind, figs[ind.code]["month"] + figs[rc]["ytd"] - figs[lc]["ytd"] + 6)
    elif s.mutation == "broken_continuity":
        figs[flows[-1].code]["ytd"] += 10
    return figs


# ---------------------------------------------------------------- laying out a return


def _reporter(s: Submission, cat: Catalogue, rng: random.Random) -> str:
    dept = s.form.department
    if "dept_alias" in s.drifts:
        dept = rng.choice(sorted(k for k, v in cat.departments.items() if v == dept and k != fold(dept)))
    return f"{s.org.name}{' ' if 'reporter_space' in s.drifts else ''}{dept}"


def _sheet_name(s: Submission, rng: random.Random) -> str:
    if "renamed_sheet" in s.drifts:
        return rng.choice(("Sheet1", f"{s.month}月", f"{YEAR}年{s.month}月", "报表", s.org.name or "Sheet1"))
    return f"{s.form.code}表"


def _title_block(sh: Sheet, s: Submission, cat: Catalogue, rng: random.Random, top: int, left: int, last: int,
                 unit: str | None) -> int:
    """Title, 表号 row and 填报单位 row; returns the first row under them."""
    r = top
    sh.put(r, left, s.form.title, "title")
    sh.merge(r, left, r, last)
    r += 1
    doc_no = list(cat.forms).index(s.form.code) + 1
    sh.put(r, left, f"表号：{s.form.code}表", "label")
    sh.merge(r, left, r, left + 2)
    sh.put(r, left + 3, f"制定机关：{AUTHORITY}", "label")
    sh.merge(r, left + 3, r, last - 2)
    sh.put(r, last - 1, f"文号：示统字〔{YEAR}〕{doc_no}号", "label")
    sh.merge(r, last - 1, r, last)
    r += 1
    spans = [("填报单位", _reporter(s, cat, rng), left, left + 2), ("报告期", s.period_text, left + 3, left + 4)]
    if unit:
        spans.append(("计量单位", unit, left + 5, last))
    for label, value, c0, c1 in spans:
        if "label_next_cell" in s.drifts:
            sh.put(r, c0, f"{label}：", "label")
            sh.put(r, c0 + 1, value, "label")
            if c1 > c0 + 1:
                sh.merge(r, c0 + 1, r, c1)
        else:
            sh.put(r, c0, f"{label}：{value}", "label")
            sh.merge(r, c0, r, c1)
    return r + 1


def _column_header(sh: Sheet, s: Submission, r: int, col: dict[str, int], words: dict[str, str],
                   groups: tuple[tuple[str, str, str], ...] = ()) -> int:
    """A one- or two-row column header at row ``r``; returns the first data row."""
    if "single_header" in s.drifts:
        for f, c in col.items():
            sh.put(r, c, words[f], "header")
        return r + 1
    grouped = {f for g in groups for f in g[1:]} if "grouped_header" in s.drifts else set()
    for f, c in col.items():
        if f not in grouped:
            sh.put(r, c, words[f], "header")
            sh.merge(r, c, r + 1, c)
    for title, f0, f1 in groups if grouped else ():
        sh.put(r, col[f0], title, "header")
        sh.merge(r, col[f0], r, col[f1])
        sh.put(r + 1, col[f0], words[f0], "header")
        sh.put(r + 1, col[f1], words[f1], "header")
    return r + 2


def _footer(sh: Sheet, s: Submission, data: Data, rng: random.Random, r: int, left: int, last: int) -> None:
    head, stats, filler, phone = data.people.get((s.org.code, s.form.code), ("王建国", "李红梅", "张伟", "010-61234567"))
    when = s.submitted
    parts = [f"单位负责人：{head}", f"统计负责人：{stats}", f"填表人：{filler}", f"联系电话：{phone}",
             f"报出日期：{when.year}年{when.month}月{when.day}日"]
    if rng.random() < 0.5:
        sh.put(r, left, "    ".join(parts), "note")
        sh.merge(r, left, r, last)
    else:
        for c, text in zip((left, left + 1, left + 3, left + 4, left + 5), parts):
            sh.put(r, c, text, "note")


def _note(sh: Sheet, s: Submission, r: int, left: int, last: int) -> int:
    if "note_row" not in s.drifts:
        return r
    sh.put(r, left, "注：本表数据为初步统计，以区统计局最终核定数为准。", "note")
    sh.merge(r, left, r, last)
    return r + 1


def _scaled(value: float | int, dec: int, scale: int) -> float | int:
    if scale == 1:
        return value
    n = round(value * 10**dec) * (scale // 10**dec) if scale >= 10**dec else round(value * scale, dec)
    return int(n) if float(n).is_integer() else n


def _num_style(v: float | int) -> str:
    if isinstance(v, int) or float(v).is_integer():
        return "num0"
    return "num1" if round(v, 1) == v else "num2"


def _as_text(v: float | int, how: str) -> str:
    shown = str(int(v)) if float(v).is_integer() else repr(float(v))
    if how == "comma":
        whole, _, frac = shown.partition(".")
        return f"{int(whole):,}" + (f".{frac}" if frac else "")
    if how == "fullwidth":
        return shown.translate(_FULL)
    return f" {shown} "


def _name(ind: Indicator, s: Submission, k: int, written_unit: str | None, rng: random.Random) -> str:
    d = s.drifts
    name = ind.aliases[0] if "name_alias" in d and ind.aliases else ind.name
    if "name_spaces" in d:
        cut = rng.randrange(1, len(name))
        name = rng.choice((f"{name[:cut]} {name[cut:]}", f"　　{name}", f" {name} "))
    if "name_enumerated" in d:
        name = f"（{_NUMERALS[k % 10]}）{name}"
    if "trailing_unit" in d and written_unit:
        name = f"{name}（{written_unit}）"
    return name


def _indicator_sheet(s: Submission, figs: dict, data: Data, cat: Catalogue, rng: random.Random) -> Sheet:
    d, form, m = set(s.drifts), s.form, s.month
    fields = ["name", "code", "unit", "month", "ytd", "prior_ytd", "yoy_pct"]
    if "yuan_sheet" in d:
        fields.remove("unit")
    top, left, col, last = _placement(fields, d, rng)
    numeric = [i for i in form.indicators if i.kind != "text"]
    units = {i.unit for i in numeric}
    sheet_unit = ("元" if "yuan_sheet" in d else units.pop()) if len(units) == 1 else None
    yuan_row = rng.choice([i.code for i in numeric if i.unit == "万元"]) if "yuan_row" in d else None

    sh = Sheet(_sheet_name(s, rng))
    r = _title_block(sh, s, cat, rng, top, left, last, sheet_unit)
    words = dict(_HEADER)
    if "header_synonyms" in d:
        words.update(name=rng.choice(("指标", "指标名称", "项目")), code=rng.choice(("序号", "编码")), unit="单位",
                     month=rng.choice(("当月", "本月数")), ytd=f"1-{m}月累计" if m > 1 else "累计",
                     prior_ytd=rng.choice(("去年同期", "上年同期")), yoy_pct=rng.choice(("同比(%)", "同比（%）", "增减(%)")))
    r = _column_header(sh, s, r, col, words, (("本期数", "month", "ytd"), ("同期比较", "prior_ytd", "yoy_pct")))

    inds = list(form.indicators)
    if "reordered" in d:
        while inds == list(form.indicators):
            rng.shuffle(inds)
    rows: list[Indicator | str | None] = list(inds)
    if "section_rows" in d:
        rows.insert(0, "一、数值指标")
        texts = [k for k, x in enumerate(rows) if isinstance(x, Indicator) and x.kind == "text"]
        if texts:
            rows.insert(texts[0], "二、文字指标")
    if "spacer_rows" in d:
        for at in sorted(rng.sample(range(1, len(rows)), min(2, len(rows) - 1)), reverse=True):
            rows.insert(at, None)

    numbers: list[tuple[int, int, float | int]] = []
    remarks = rng.sample(range(len(inds)), min(2, len(inds)))
    for k, item in enumerate(rows):
        if item is None:
            r += 1
            continue
        if isinstance(item, str):
            sh.put(r, col["name"], item, "name")
            r += 1
            continue
        ind, f = item, figs[item.code]
        position = inds.index(ind)
        code: object = ind.code
        if "code_numeric" in d:
            code = int(ind.code) if ind.code.isdigit() else ind.code.lower()
        if "empty_codes" not in d:
            sh.put(r, col["code"], code, "cell")
        if "remark_col" in d and position in remarks:
            sh.put(r, col["remark"], rng.choice(_REMARKS), "cell")
        if ind.kind == "text":
            sh.put(r, col["name"], _name(ind, s, position, None, rng), "name")
            sh.put(r, col["month"], f["text"], "cell")
            if "text_unmerged" not in d:
                sh.merge(r, col["month"], r, col["yoy_pct"])
            r += 1
            continue
        scale = 10000 if ind.unit == "万元" and ("yuan_sheet" in d or ind.code == yuan_row) else 1
        written_unit = "元" if scale != 1 else ind.unit
        sh.put(r, col["name"], _name(ind, s, position, written_unit, rng), "name")
        if "unit" in col:
            sh.put(r, col["unit"], written_unit, "cell")
        dec = _decimals(ind)
        for measure in ("month", "ytd", "prior_ytd"):
            v = f[measure]
            if v is None:
                dash = (measure == "month" and "dash_stock" in d and ind.kind == "stock") or (
                    measure == "prior_ytd" and "dash_no_figure" in d)
                if dash:
                    sh.put(r, col[measure], rng.choice(("—", "/", "无")) if measure == "prior_ytd" else "—", "cell")
                continue
            v = _scaled(v, dec, scale)
            sh.put(r, col[measure], v, _num_style(v))
            numbers.append((r, col[measure], v))
        pct = f["yoy_pct"]
        if pct is None:
            if "dash_no_figure" in d:
                sh.put(r, col["yoy_pct"], "—", "cell")
        elif "yoy_blank" in d:
            pass
        elif "yoy_formula" in d:
            ytd, prior = a1(r, col["ytd"]), a1(r, col["prior_ytd"])
            sh.put(r, col["yoy_pct"], Formula(f"=ROUND(({ytd}-{prior})/{prior}*100,1)", pct), "num1")
        elif "yoy_text_pct" in d and not any(isinstance(v, str) and v.endswith("%") for v in sh.cells.values()):
            sh.put(r, col["yoy_pct"], f"{pct}%", "cell")
        else:
            sh.put(r, col["yoy_pct"], pct, "num1")
        r += 1
    ytd_rows = [row for row, c, _ in numbers if c == col["ytd"]]
    sh.plot = (min(ytd_rows), max(ytd_rows), col["name"], col["ytd"]) if ytd_rows else None
    if "text_numbers" in d and numbers:
        _numbers_as_text(sh, numbers, rng)
    r = _note(sh, s, r, left, last)
    _footer(sh, s, data, rng, r + 1, left, last)
    sh.widths = {c: 36 if f == "name" else 16 if f == "remark" else 13 for f, c in col.items()}
    return sh


def _numbers_as_text(sh: Sheet, numbers: list[tuple[int, int, float | int]], rng: random.Random) -> None:
    """Three figures typed as text: the largest with thousands separators, one full-width, one padded with spaces."""
    by_size = sorted(numbers, key=lambda x: -x[2])
    chosen = [by_size[0]]
    rest = [x for x in numbers if x not in chosen]
    chosen += rng.sample(rest, min(2, len(rest)))
    for (r, c, v), how in zip(chosen, ("comma", "fullwidth", "spaced")):
        sh.put(r, c, _as_text(v, how), "cell")


def _placement(fields: list[str], d: set[str], rng: random.Random) -> tuple[int, int, dict[str, int], int]:
    """Where a table sits: its top row, left column, each field's column and the last column."""
    if "remark_col" in d:
        fields.append("remark")
    top = rng.choice((1, 2)) if "offset_row" in d else 0
    left = 1 if "offset_col" in d else 0
    return top, left, {f: left + k for k, f in enumerate(fields)}, left + len(fields) - 1


def _projects_sheet(s: Submission, listed: list[Project], data: Data, cat: Catalogue, rng: random.Random) -> Sheet:
    d, form = set(s.drifts), s.form
    fields = list(form.columns)
    top, left, col, last = _placement(fields, d, rng)
    in_yi = "yiyuan" in d
    yi_in_header = in_yi and rng.random() < 0.5
    sheet_unit = "亿元" if in_yi and not yi_in_header else form.unit
    sh = Sheet(_sheet_name(s, rng))
    r = _title_block(sh, s, cat, rng, top, left, last, sheet_unit)
    synonyms = "header_synonyms" in d
    words = {f: (w[1] if synonyms and len(w) > 1 else w[0]) for f, w in form.columns.items()}
    words["remark"] = "备注"
    if yi_in_header:
        words["total_investment"] += "（亿元）"
    r = _column_header(sh, s, r, col, words)
    order = list(listed)
    if "reordered" in d:
        rng.shuffle(order)
    spacer = rng.randrange(1, len(order)) if "spacer_rows" in d else None
    numbers = []
    for k, p in enumerate(order):
        if k == spacer:
            r += 1
        inv: float | int = round(p.investment / 10000, 2) if in_yi else p.investment
        values = {"seq": k + 1, "project_name": p.name, "status": p.status, "total_investment": inv,
                  "location": p.location, "industry": p.industry, "responsible": p.responsible}
        for f, v in values.items():
            if f in col:
                sh.put(r, col[f], v, _num_style(v) if f == "total_investment" else "cell")
        if "remark_col" in d and k == 0:
            sh.put(r, col["remark"], rng.choice(_REMARKS), "cell")
        numbers.append((r, col["total_investment"], inv))
        r += 1
    if "text_numbers" in d:
        _numbers_as_text(sh, numbers, rng)
    r = _note(sh, s, r, left, last)
    _footer(sh, s, data, rng, r + 1, left, last)
    sh.widths = {c: 34 if f == "project_name" else 22 if f in ("industry", "responsible", "location") else 11
                 for f, c in col.items()}
    return sh


def _instructions(s: Submission) -> Sheet:
    sh = Sheet("填表说明")
    lines = [
        "填表说明",
        f"一、本表由各乡镇（街道）{s.form.department}填写，每月5日前报送{AUTHORITY}。",
        "二、“本月”填写当月发生数，“本年累计”填写1月至本月累计数；存量指标只填本年累计（月末数）。",
        "三、有“上年同期累计”的指标须填写上年同期数，同比增长由系统计算，填写时保留一位小数。",
        "四、金额保留两位小数，其余指标填写整数；没有数字的单元格空着，不要填0。",
    ]
    if s.form.layout == "projects":
        lines[2] = "二、项目状态按新开工、续建、签约、储备、洽谈填写，每个项目填写一行。"
    for k, text in enumerate(lines):
        sh.put(k, 0, text, "title" if k == 0 else "note")
    sh.widths = {0: 90}
    return sh


def _hidden(s: Submission, cat: Catalogue) -> Sheet:
    sh = Sheet("下拉选项", hidden=True)
    sh.put(0, 0, "乡镇（街道）", "header")
    sh.put(0, 1, "部门", "header")
    for k, org in enumerate(cat.orgs):
        sh.put(k + 1, 0, org.name)
    for k, dept in enumerate(sorted(set(cat.departments.values()))):
        sh.put(k + 1, 1, dept)
    return sh


def _book(s: Submission, data: Data, stranger: Data, cat: Catalogue, seed: int) -> list[Sheet | Chart]:
    rng = random.Random(f"{seed}|{s.path}")
    if s.form.layout == "projects":
        main = _projects_sheet(s, data.projects[(s.org.code, s.month)], data, cat, rng)
    else:
        main = _indicator_sheet(s, _carried(s, data, stranger, cat), data, cat, rng)
    book: list[Sheet | Chart] = [main]
    if "instructions_sheet" in s.drifts:
        book.insert(0 if rng.random() < 0.5 else 1, _instructions(s))
    if "hidden_sheet" in s.drifts:
        book.append(_hidden(s, cat))
    if "chart_sheet" in s.drifts and main.plot:
        r0, r1, names, values = main.plot
        book.append(Chart("图表", main.name, (r0, r1, names), (r0, r1, values)))
    return book


# ---------------------------------------------------------------- writing workbooks


_TITLE = Font(bold=True, size=16)
_BOLD = Font(bold=True)
_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
_OPENPYXL_FORMATS = {"num0": "0", "num1": "0.0", "num2": "0.00"}


def _openpyxl(book: list[Sheet | Chart], when: dt.datetime) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet in book:
        if isinstance(sheet, Chart):
            continue
        ws = wb.create_sheet(sheet.name)
        for (r, c), v in sorted(sheet.cells.items()):
            cell = ws.cell(r + 1, c + 1, v.cached if isinstance(v, Formula) else v)
            # borders are left to the xlsxwriter files: openpyxl formats merged borders cell by cell, slowly
            style = sheet.styles[(r, c)]
            if style == "title":
                cell.font = _TITLE
                cell.alignment = _CENTRE
            elif style == "header":
                cell.font = _BOLD
                cell.alignment = _CENTRE
            elif style in _OPENPYXL_FORMATS:
                cell.number_format = _OPENPYXL_FORMATS[style]
        for r0, c0, r1, c1 in sheet.merges:
            # ws.merge_cells would also copy borders cell by cell, which none of these cells have
            ws.merged_cells.add(MergedCellRange(ws, f"{a1(r0, c0)}:{a1(r1, c1)}"))
        for c, w in sheet.widths.items():
            ws.column_dimensions[get_column_letter(c + 1)].width = w
        if sheet.hidden:
            ws.sheet_state = "hidden"
    stamp = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
    wb.properties.creator = "Administrator"
    wb.properties.created = wb.properties.modified = stamp
    buf = io.BytesIO()
    with _StampedZip(buf, when) as archive:
        ExcelWriter(wb, archive).save()
    return buf.getvalue()


def _xlsxwriter(book: list[Sheet | Chart], when: dt.datetime) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False})
    wb.set_properties({"author": "Administrator", "created": when.astimezone(dt.timezone.utc).replace(tzinfo=None)})
    fmt = {
        "title": wb.add_format({"bold": True, "font_size": 16, "align": "center"}),
        "header": wb.add_format({"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "border": 1}),
        "cell": wb.add_format({"border": 1}),
        "name": wb.add_format({"border": 1}),
        "num0": wb.add_format({"border": 1, "num_format": "0"}),
        "num1": wb.add_format({"border": 1, "num_format": "0.0"}),
        "num2": wb.add_format({"border": 1, "num_format": "0.00"}),
        "label": None,
        "note": None,
    }
    for sheet in book:
        if isinstance(sheet, Chart):
            cs = wb.add_chartsheet(sheet.name)
            chart = wb.add_chart({"type": "column"})
            (r0, r1, cc), (_, _, vc) = sheet.categories, sheet.values
            chart.add_series({"name": "本年累计", "categories": [sheet.source, r0, cc, r1, cc],
                              "values": [sheet.source, r0, vc, r1, vc]})
            cs.set_chart(chart)
            continue
        ws = wb.add_worksheet(sheet.name)
        anchors = {(r0, c0): (r1, c1) for r0, c0, r1, c1 in sheet.merges}
        covered = {(r, c) for r0, c0, r1, c1 in sheet.merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        for (r, c), v in sorted(sheet.cells.items()):
            f = fmt[sheet.styles[(r, c)]]
            if (r, c) in anchors:
                r1, c1 = anchors[(r, c)]
                ws.merge_range(r, c, r1, c1, v, f)
            elif (r, c) in covered:
                continue
            elif isinstance(v, Formula):
                ws.write_formula(r, c, v.text, f, v.cached)
            elif isinstance(v, str):
                ws.write_string(r, c, v, f)
            else:
                ws.write_number(r, c, v, f)
        for c, w in sheet.widths.items():
            ws.set_column(c, c, w)
        if sheet.hidden:
            ws.hide()
    wb.close()
    return buf.getvalue()


class _StampedZip(zipfile.ZipFile):
    """A zip whose entries carry one fixed time, so that the same workbook is the same bytes."""

    def __init__(self, file, when: dt.datetime) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED)
        self._when = when.timetuple()[:6]

    def writestr(self, name, data, compress_type=None, compresslevel=None) -> None:
        if isinstance(name, str):
            name = zipfile.ZipInfo(name, date_time=self._when)
            name.compress_type = zipfile.ZIP_DEFLATED
            name.external_attr = 0o600 << 16
        super().writestr(name, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None) -> None:
        # openpyxl writes each worksheet to a temporary file first, which would lend the zip its mtime
        self.writestr(arcname or os.path.basename(filename), Path(filename).read_bytes())


def _text_note(s: Submission) -> bytes:
    """What a clerk sends when the attachment went missing: a note, saved under a workbook's name."""
    when = s.submitted
    return (
        "各位领导：\n"
        f"    我中心{s.month}月份报表数据正在核对，核对完成后另行报送，请谅解。\n"
        f"{s.org.name}{s.form.department}\n"
        f"{when.year}年{when.month}月{when.day}日\n"
    ).encode("utf-8")


# ---------------------------------------------------------------- the public entry points


def _data(seed: int, cat: Catalogue) -> tuple[Data, Data]:
    data = _generate(cat, seed, cat.orgs)
    stranger = _generate(cat, seed + 1, (Org("", "南山街道", "街道"),))
    return data, stranger


def write_sample_inbox(out: Path, seed: int = 2023) -> list[Path]:
    """Write the demo inbox (a folder per month, YYYY-MM) under ``out``; the same seed writes the same bytes."""
    cat = load_catalogue()
    data, stranger = _data(seed, cat)
    out = Path(out)
    written: dict[str, bytes] = {}
    paths = []
    for s in PLAN:
        if s.role == "duplicate":
            body = written[s.copy_of]
        elif s.writer == "text":
            body = _text_note(s)
        else:
            book = _book(s, data, stranger, cat, seed)
            body = _openpyxl(book, s.submitted) if s.writer == "openpyxl" else _xlsxwriter(book, s.submitted)
        written[s.path] = body
        path = out / s.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        stamp = s.submitted.timestamp()
        os.utime(path, (stamp, stamp))
        paths.append(path)
    return paths


class Intended(NamedTuple):
    figures: pd.DataFrame  # path, role, org_code, form_code, period, indicator_code, measure, value, text_value
    # path, role, org_code, period, project_name, status, total_investment (万元), location, industry, responsible
    projects: pd.DataFrame


def intended(seed: int = 2023) -> Intended:
    """What every workbook of the inbox holds, in canonical units: the figures the reader should find."""
    cat = load_catalogue()
    data, stranger = _data(seed, cat)
    figures, projects = [], []
    for s in PLAN:
        if s.writer == "text":
            continue
        key = {"path": s.path, "role": s.role, "org_code": s.org.code or None, "period": dt.date(YEAR, s.month, 1)}
        if s.form.layout == "projects":
            for p in data.projects[(s.org.code, s.month)]:
                projects.append({**key, "project_name": p.name, "status": p.status, "total_investment": float(p.investment),
                                 "location": p.location, "industry": p.industry, "responsible": p.responsible})
            continue
        for code, f in _carried(s, data, stranger, cat).items():
            if "yoy_blank" in s.drifts and "yoy_pct" in f:
                f = {**f, "yoy_pct": None}
            for measure, v in f.items():
                row = {**key, "form_code": s.form.code, "indicator_code": code, "measure": measure}
                text = measure == "text"
                figures.append({**row, "value": None if text else v, "text_value": v if text else None})
    return Intended(pd.DataFrame(figures), pd.DataFrame(projects))
