"""Laying out a return as a clerk's workbook would: title block, header, rows, drift, footer; before any writer sees it."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import NamedTuple

from statreturns.schemas.catalogue import Catalogue, Indicator
from statreturns.schemas.text import a1, fold
from statreturns.samples.constants import _FULL, _HEADER, _NUMERALS, _REMARKS, AUTHORITY, YEAR
from statreturns.samples.figures import Data, Project, decimals, carried
from statreturns.samples.plan import Submission

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
        dec = decimals(ind)
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


def book_of(s: Submission, data: Data, stranger: Data, cat: Catalogue, seed: int) -> list[Sheet | Chart]:
    rng = random.Random(f"{seed}|{s.path}")
    if s.form.layout == "projects":
        main = _projects_sheet(s, data.projects[(s.org.code, s.month)], data, cat, rng)
    else:
        main = _indicator_sheet(s, carried(s, data, stranger, cat), data, cat, rng)
    book: list[Sheet | Chart] = [main]
    if "instructions_sheet" in s.drifts:
        book.insert(0 if rng.random() < 0.5 else 1, _instructions(s))
    if "hidden_sheet" in s.drifts:
        book.append(_hidden(s, cat))
    if "chart_sheet" in s.drifts and main.plot:
        r0, r1, names, values = main.plot
        book.append(Chart("图表", main.name, (r0, r1, names), (r0, r1, values)))
    return book
