"""A district's January–June 2023 as the project has never seen it, with the figures each file must yield.

Three townships of the demo registry file every form of spec §4 every month. Each return is laid out in a
house style (``Style``) that carries some of the drifts of spec §6, written by one of five programs
(tests/corpus/books.py). ``build()`` returns the files' bytes, the figures the warehouse must hold for
them in canonical units, the projects, which files are rejected with which rule at which cell, and the
set of drifts the corpus actually exercised (a test holds it to the full list).
"""
from __future__ import annotations

import datetime as dt
import os
import random
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.utils.cell import coordinate_to_tuple

from statreturns.schemas.catalogue import Catalogue, Form, Indicator, load_catalogue
from tests.corpus.books import EXTENSIONS, Cell, Page, a1, write

ORGS = (("110199001", "示例街道"), ("110199002", "东关街道"), ("110199101", "西城镇"))
YEAR = 2023
MONTHS = tuple(range(1, 7))
MONEY = {"元": 1, "万元": 10_000, "亿元": 100_000_000}
STATUSES = ("新开工", "续建", "签约", "储备", "洽谈")
# Spec §7: within a form, the first indicator's 本年累计 may not exceed the second's.
NOT_MORE = (("ZB05", "02", "01"), ("ZB06", "04", "02"), ("ZB06", "05", "03"), ("ZB06", "07", "06"),
            ("ZB09", "02", "01"), ("ZB10", "04", "03"), ("ZB11", "03", "02"))

PERIOD_TEXTS = ("{y}年{m}月", "{y}年{m:02d}月", "{y}年1-{m}月", "{y}年1—{m}月", "{y}年1～{m}月", "{y}-{m:02d}",
                "{y}.{m}", "{y}{m:02d}")
REPORTERS = ("{org}{dept}", "{org} {dept}", "{org}　{dept}", "{seat}{dept}")
SEATS = {"示例街道": "示例街道办事处", "东关街道": "东关街道办事处", "西城镇": "西城镇人民政府"}
WORDS = {"name": "指标名称", "code": "代码", "unit": "计量单位", "month": "本月", "ytd": "本年累计",
         "prior": "上年同期累计", "yoy": "同比增长(%)", "remark": "备注", "helper": "上月累计"}
LIST_WORDS = {"seq": "序号", "name": "项目名称", "status": "项目状态", "invest": "总投资", "location": "建设地点",
              "industry": "所属行业", "responsible": "责任单位", "remark": "备注"}
GROUP_OF = {"month": 0, "ytd": 0, "prior": 1, "yoy": 1}
# Names a clerk shortens; the row keeps its code, so it is found by code (none is a catalogue name or alias).
SHORT = {("ZB01", "01"): "预算收入", ("ZB02", "01"): "工业产值（规上）", ("ZB05", "01"): "受理案件数",
         ("ZB05", "02"): "办结数", ("ZB07", "01"): "总河长", ("ZB07", "02"): "副总河长", ("ZB09", "03"): "优抚金",
         ("ZB10", "01"): "接访人次", ("ZB11", "01"): "检查企业数", ("ZB12", "01"): "中心组学习",
         ("ZB06", "03"): "流出图斑面积数", ("ZB08", "05"): "残疾人慰问金"}
FULL_WIDTH = str.maketrans("0123456789.-", "０１２３４５６７８９．－")
VILLAGES = ("前进村", "红星村", "柳树屯", "王家庄", "河西村", "东坡村", "南营村", "北沟村", "石桥村", "杏花村")
PLACES = ("工业园区", "滨河路", "站前街", "新华小区", "幸福里小区", "和平路口", "老街片区", "物流园")


@dataclass(frozen=True)
class Figure:
    """What the warehouse holds for one indicator of one return, in the catalogue's unit (None: no figure)."""

    month: float | None = None
    ytd: float | None = None
    prior: float | None = None
    text: str | None = None


@dataclass(frozen=True)
class Project:
    name: str
    status: str
    investment: float  # 万元
    location: str | None = None
    industry: str | None = None
    responsible: str | None = None


@dataclass(frozen=True)
class Rejection:
    """An error the file must carry: ``rule`` at ``sheet``!``cell``; ``names``: words its message must name."""

    rule: str | None
    sheet: str
    cell: str | None
    names: tuple[str, ...] = ()


@dataclass
class CorpusFile:
    path: str  # inside the inbox: "2023-06/name.xlsx" or "name.xlsx"
    data: bytes
    mtime: dt.datetime
    status: str = "accepted"  # of every return in the file
    rejections: tuple[Rejection, ...] = ()
    style: str = ""  # the house style it was written in, to tell a reader's failure by its drift

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass
class Corpus:
    files: list[CorpusFile]
    figures: dict[tuple[str, str, dt.date, str], Figure]  # (org, form, period, indicator)
    projects: dict[tuple[str, dt.date], list[Project]]
    drifts: set[str]

    def write(self, inbox: Path) -> list[Path]:
        """Drop every file in ``inbox`` with its modification time; the paths written."""
        paths = []
        for f in self.files:
            path = inbox / f.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(f.data)
            os.utime(path, (f.mtime.timestamp(), f.mtime.timestamp()))
            paths.append(path)
        return paths


@dataclass(frozen=True)
class Style:
    """How one office lays out and saves its return (the defaults are the issued template)."""

    writer: str = "openpyxl"
    macro: bool = False
    r0: int = 0
    c0: int = 0
    title: bool = True
    columns: tuple[str, ...] = ("name", "code", "unit", "month", "ytd", "prior", "yoy")
    words: tuple[tuple[str, str], ...] = ()
    header: str = "one"  # one | merged | unmerged (a two-row header whose merges were lost)
    groups: tuple[str, str] = ("本期数", "同期比较")
    labels: str = "inline"  # inline | apart (label and value in two cells) | stacked (one label per row)
    period: str = "text"  # text | date | number | decimal: how the 报告期 cell holds the period
    period_fmt: int = 0
    reporter_fmt: int = 0
    sheet_unit: str = "canonical"  # canonical | 元 | 亿元 (money forms)
    row_units: str = "all"  # all | blank (the sheet's unit applies) | convert (money rows in another unit)
    order: str = "code"  # code | shuffle
    spacers: bool = False
    note: bool = False
    extra_row: bool = False
    total: str | None = None  # a 合计 row closing the table
    codes: str = "text"  # text | number | blank (found by name) | short (names shortened, found by code)
    names: str = "plain"  # plain | spaced | suffix （万元） | halfsuffix (万元)
    numbers: str = "plain"  # plain | text (1,234.5 / full width / spaces)
    marks: tuple[str | None, ...] = (None,)
    yoy: str = "blank"  # blank | value | text | percent | formula
    formulas: frozenset[str] = frozenset()  # ytd | month | shared | array
    cached: bool = False
    border: bool = False
    rich: bool = False
    inline: bool = False
    text_merge: bool = False
    drop_text: bool = False
    sheet: str = "Sheet1"
    before: tuple[str, ...] = ()  # instructions
    after: tuple[str, ...] = ()  # hidden, chart
    footer: bool = True
    hide_helper: bool = False
    remark_rich: bool = False
    list_unit: str = "万元"
    list_total: str = "none"  # none | end | merged | groups
    list_columns: tuple[str, ...] = ("seq", "name", "status", "invest", "location", "industry", "responsible")


STYLES: dict[str, Style] = {
    "template": Style(),
    "offset": Style(r0=3, c0=2, columns=("name", "code", "unit", "month", "ytd", "prior", "yoy", "remark"),
                    sheet="报表", spacers=True, note=True, names="spaced", period_fmt=2, before=("instructions",),
                    marks=("—",), list_total="end", list_columns=("seq", "name", "status", "invest", "location",
                                                                   "industry", "responsible", "remark")),
    "merged": Style(writer="xlsxwriter", header="merged", formulas=frozenset({"ytd", "array"}), cached=True, yoy="formula",
                    border=True, after=("chart",), sheet="{m}月", period_fmt=3, reporter_fmt=1, marks=("-",),
                    hide_helper=True, list_total="groups"),
    "stored_zero": Style(writer="xlsxwriter", formulas=frozenset({"ytd"}), period="number", labels="apart",
                         codes="number", marks=("/",), yoy="value", sheet="{title}", list_unit="亿元"),
    "xls": Style(writer="xlwt", period="date", header="unmerged", marks=("无",), text_merge=True, numbers="text",
                 yoy="text", reporter_fmt=2, sheet="Sheet1", list_total="merged", title=False),
    "ods": Style(writer="ods", formulas=frozenset({"ytd"}), yoy="formula", cached=True, sheet="工作表1",
                 period_fmt=4, text_merge=True, header="merged", after=("hidden",), marks=("—", None),
                 list_total="end"),
    "shared": Style(writer="raw", formulas=frozenset({"shared"}), border=True, rich=True, period="date",
                    sheet="填报", yoy="formula", codes="blank", marks=(None,), hide_helper=True),
    "styled_blank": Style(writer="raw", formulas=frozenset({"month"}), row_units="blank", border=True, rich=True,
                          inline=True, remark_rich=True, columns=("name", "code", "unit", "month", "ytd", "prior",
                                                                   "yoy", "remark"), period_fmt=1, sheet="Sheet1"),
    "array": Style(formulas=frozenset({"ytd", "array"}), yoy="value", sheet="{m}月", reporter_fmt=1, period_fmt=5,
                   border=True, rich=True, words=(("month", "本月数"), ("prior", "去年同期"))),
    "units": Style(sheet_unit="元", row_units="convert", names="suffix", period="date", codes="blank",
                   sheet="{m}月报", marks=("—",), yoy="percent"),
    "yi": Style(writer="raw", sheet_unit="亿元", row_units="blank", period_fmt=6, list_unit="亿元", border=True,
                labels="apart", numbers="text", list_total="groups"),
    "xlsm": Style(macro=True, order="shuffle", extra_row=True, codes="short", period_fmt=6, names="halfsuffix",
                  yoy="percent", after=("hidden",), sheet="数据", spacers=True),
    "stacked": Style(writer="xlsxwriter", labels="stacked", total="合计", drop_text=True, period="decimal",
                     numbers="text", c0=1, note=True, marks=("—", "无", None), list_total="merged",
                     columns=("code", "name", "unit", "month", "ytd", "prior", "yoy")),
    "unmerged": Style(header="unmerged", groups=("本期", "上年同期比较"), period_fmt=1, marks=(None, "—"),
                      words=(("ytd", "1-{m}月累计"), ("prior", "上年同期"), ("yoy", "增减(%)")), r0=1,
                      list_total="end"),
    "inline_raw": Style(writer="raw", inline=True, formulas=frozenset({"ytd"}), yoy="formula", hide_helper=True,
                        period_fmt=7, words=(("month", "当月"), ("ytd", "累计"), ("name", "指标")),
                        total="小计", reporter_fmt=3),
}
ROTATION = ("template", "offset", "merged", "xls", "ods", "shared", "units", "xlsm", "stacked", "unmerged",
            "inline_raw", "stored_zero", "array")
# Styles only a form of one unit can take (the sheet's 计量单位 stands for every row), placed by hand.
PINNED = {
    ("110199001", "ZB01", 2): "styled_blank", ("110199002", "ZB07", 4): "styled_blank",
    ("110199101", "ZB02", 5): "styled_blank", ("110199001", "ZB01", 6): "styled_blank",
    ("110199002", "ZB01", 3): "yi", ("110199101", "ZB02", 2): "yi", ("110199001", "ZB03", 4): "yi",
    ("110199002", "ZB01", 5): "units", ("110199101", "ZB07", 6): "stacked", ("110199001", "ZB07", 3): "inline_raw",
    ("110199002", "ZB03", 6): "merged", ("110199101", "ZB03", 1): "xls", ("110199001", "ZB02", 1): "shared",
    ("110199002", "ZB02", 2): "shared", ("110199101", "ZB01", 4): "shared", ("110199001", "ZB08", 5): "units",
    ("110199002", "ZB04", 3): "units", ("110199101", "ZB09", 2): "units", ("110199002", "ZB02", 4): "xls",
    ("110199101", "ZB01", 3): "xls",
}
# Workbooks holding two returns: the 经济发展办公室's ZB02 and ZB03 of one month.
TWO_FORMS = {("110199001", 3), ("110199002", 5), ("110199101", 6)}


# ---------------------------------------------------------------- the district's true figures

def _amount(rng: random.Random, unit: str | None) -> float | int:
    if unit == "万元":
        return round(rng.uniform(15, 900), 2)
    if unit == "元":
        return rng.randrange(3000, 90000, 100)
    if unit == "亩":
        return round(rng.uniform(80, 2500), 1)
    if unit == "平方米":
        return rng.randrange(50, 4000)
    return rng.randint(1, 60)


def _add(a: float | int, b: float | int) -> float | int:
    return a + b if isinstance(a, int) and isinstance(b, int) else round(a + b, 2)


def _truth(cat: Catalogue, rng: random.Random) -> dict[tuple[str, str, int], dict[str, Figure]]:
    out = {}
    for org, _ in ORGS:
        for form in cat.forms.values():
            if form.layout != "indicators":
                continue
            ytd: dict[str, float | int] = {}
            plan = rng.randint(300, 900)
            installed = rng.randint(0, plan // 3)
            for m in MONTHS:
                month = {i.code: _amount(rng, i.unit) for i in form.indicators if i.kind == "flow"}
                for f, small, large in NOT_MORE:
                    if f == form.code and small in month:
                        month[small] = min(month[small], month[large])
                figs = {}
                for ind in form.indicators:
                    if ind.kind == "flow":
                        ytd[ind.code] = _add(ytd.get(ind.code, 0), month[ind.code])
                        prior = round(ytd[ind.code] / (1 + rng.uniform(-0.25, 0.35)), 2) if ind.yoy else None
                        figs[ind.code] = Figure(month[ind.code], ytd[ind.code], prior)
                    elif ind.kind == "stock":
                        if (form.code, ind.code) == ("ZB06", "06"):
                            level = plan
                        elif (form.code, ind.code) == ("ZB06", "07"):
                            installed = min(plan, installed + rng.randint(5, 60))
                            level = installed
                        else:
                            level = rng.randint(0, 40)
                        figs[ind.code] = Figure(None, level)
                    elif rng.random() < 0.85:
                        figs[ind.code] = Figure(text=_place_text(rng, ind))
                out[(org, form.code, m)] = figs
    return out


def _place_text(rng: random.Random, ind: Indicator) -> str:
    if ind.form_code == "ZB04":
        return f"{rng.choice(VILLAGES)}{rng.choice(('光伏电站', '冷链仓储', '食用菌大棚', '农机合作社'))}项目"
    if ind.code == "T2":
        return "、".join(rng.sample(PLACES[3:], 2))
    if ind.code == "T1":
        return rng.choice(PLACES)
    return "、".join(rng.sample(VILLAGES, rng.randint(1, 3)))


def _projects(rng: random.Random) -> dict[tuple[str, int], list[Project]]:
    kinds = ("智能制造", "冷链物流", "文旅综合体", "污水处理", "商业综合体", "新能源", "养老服务中心", "数据中心")
    industries = ("制造业", "物流业", "文化旅游", "环保", "商贸", "能源", "社会服务", "信息技术")
    out = {}
    for org, org_name in ORGS:
        pool = []
        for i, k in enumerate(rng.sample(range(len(kinds)), 7)):
            start = rng.choice(STATUSES)
            pool.append((f"{rng.choice(VILLAGES)}{kinds[k]}项目", start, round(rng.uniform(800, 90000), 2),
                         rng.choice(PLACES) if i % 3 else None, industries[k] if i % 4 else None,
                         f"{org_name}{rng.choice(('经济发展办公室', '招商中心', '城建办'))}" if i % 2 else None))
        for m in MONTHS:
            listed = pool[:3 + m // 2]
            out[(org, m)] = [Project(n, _status(s, m), inv, loc, ind, resp) for n, s, inv, loc, ind, resp in listed]
    return out


def _status(start: str, month: int) -> str:
    """Projects move on over the half-year: 洽谈 → 签约 → 新开工 → 续建; 储备 stays."""
    path = ("洽谈", "签约", "新开工", "续建")
    if start not in path:
        return start
    return path[min(len(path) - 1, path.index(start) + (month - 1) // 2)]


# ---------------------------------------------------------------- how a value is written

def _plain(v: float | int) -> str:
    if isinstance(v, int) or float(v).is_integer():
        return str(int(v))
    return repr(float(v))


def _shown(value: float | int | None, canonical: str | None, shown: str | None) -> float | int | None:
    """``value`` (in ``canonical``) as written in ``shown``."""
    if value is None or shown == canonical or canonical not in MONEY or shown not in MONEY:
        return value
    w = value * MONEY[canonical] / MONEY[shown]
    return round(w, 8) if not float(round(w, 8)).is_integer() else int(round(w))


class _Pen:
    """Writes the numbers and marks of one return, cycling through its office's habits."""

    def __init__(self, st: Style, tags: set[str]) -> None:
        self.st, self.tags, self.n, self.k = st, tags, 0, 0

    def number(self, v: float | int, border: bool) -> Cell:
        if self.st.numbers != "text":
            return Cell(v, border=border)
        self.n += 1
        mode = ("comma", "fullwidth", "spaced", "plain")[self.n % 4]
        if mode == "comma" and abs(v) >= 1000:
            self.tags.add("number_comma")
            return Cell(f"{v:,}".removesuffix(".0"), border=border)
        if mode == "fullwidth":
            self.tags.add("number_fullwidth")
            return Cell(_plain(v).translate(FULL_WIDTH), border=border)
        if mode == "spaced":
            self.tags.add("number_spaces")
            return Cell(f" {_plain(v)} ", border=border)
        return Cell(v, border=border)

    def mark(self, border: bool) -> Cell:
        m = self.st.marks[self.k % len(self.st.marks)]
        self.k += 1
        self.tags.add(f"mark_{m or 'empty'}")
        return Cell(m, border=border)


# ---------------------------------------------------------------- the header block (spec §3 rows 1–3)

def _period_cell(st: Style, month: int, tags: set[str]) -> Cell:
    if st.period == "date":
        tags.add("period_date_cell")
        return Cell(dt.date(YEAR, month, 1))
    if st.period == "number":
        tags.add("period_number_cell")
        return Cell(int(f"{YEAR}{month:02d}"))
    if st.period == "decimal":
        tags.add("period_decimal_cell")
        return Cell(float(f"{YEAR}.{month}"))
    fmt = st.period_fmt if month > 1 or st.period_fmt not in (2, 3, 4) else 0
    tags.add(f"period_text_{fmt}")
    return Cell(PERIOD_TEXTS[fmt].format(y=YEAR, m=month))


def _head(page: Page, st: Style, code: str, title: str, reporter: str, month: int, unit: str | None, width: int,
          tags: set[str], merged: bool) -> tuple[int, dict[str, str]]:
    """Title, 表号 row and the 填报单位/报告期/计量单位 block; the next free row and where the labels' values are."""
    r, c0, where = st.r0, st.c0, {}
    if st.title:
        page.set(r, c0, title)
        if merged:
            page.merge(r, c0, r, c0 + width - 1)
        r += 1
    page.set(r, c0, f"表号：{code}表")
    page.set(r, c0 + 3, "制定机关：示例区统计局")
    if width > 5:
        page.set(r, c0 + 5, "文号：示统字〔2023〕1号")
    r += 1
    period = _period_cell(st, month, tags)
    apart = st.labels == "apart" or not isinstance(period.value, str)
    if st.labels == "stacked":
        tags.add("labels_stacked")
        page.set(r, c0, f"填报单位：{reporter}")
        r += 1
        slots = [("报告期：", period, c0), ("计量单位：", Cell(unit), c0 + 3)]
    else:
        page.set(r, c0, "填报单位：" if st.labels == "apart" else f"填报单位：{reporter}")
        if st.labels == "apart":
            page.set(r, c0 + 1, reporter)
        slots = [("报告期：", period, c0 + 3), ("计量单位：", Cell(unit), c0 + 5)]
    for label, value, c in slots:
        if label == "计量单位：" and value.value is None:
            continue
        if apart if label == "报告期：" else st.labels == "apart":
            tags.add("label_apart")
            page.set(r, c, label)
            page.cells[(r, c + 1)] = value
            where[label] = a1(r, c + 1)
        else:
            page.set(r, c, label + value.value)
            where[label] = a1(r, c)
    return r + 1, where


def _reporter(st: Style, org_name: str, dept: str, tags: set[str]) -> str:
    tags.add(f"reporter_{st.reporter_fmt}")
    return REPORTERS[st.reporter_fmt].format(org=org_name, dept=dept, seat=SEATS[org_name])


def _footer(page: Page, st: Style, r: int, note: str) -> None:
    if st.note:
        page.set(r, st.c0, note)
        r += 1
    if st.footer:
        for i, text in enumerate(("单位负责人：赵敏", "统计负责人：钱进", "填表人：孙丽", "联系电话：0311-6602135")):
            page.set(r + 1, st.c0 + i * 2, text)
        page.set(r + 2, st.c0, f"报出日期：{YEAR}年7月4日")


def _box(page: Page, top: int, bottom: int, left: int, width: int) -> None:
    """A border on every cell of the table, the empty ones too (what makes styled blanks)."""
    for r in range(top, bottom):
        for c in range(left, left + width):
            cell = page.cells.get((r, c))
            if cell is None:
                page.cells[(r, c)] = Cell(None, border=True)
            else:
                cell.border = True


# ---------------------------------------------------------------- an indicator form (spec §3)

def _units(form: Form, st: Style, tags: set[str]) -> tuple[str | None, dict[str, tuple[str | None, str | None]]]:
    """The sheet's 计量单位 and, per indicator, (unit its figures are written in, text of its unit cell)."""
    numeric = [i for i in form.indicators if i.kind != "text"]
    units = {i.unit for i in numeric}
    single = len(units) == 1
    rows: dict[str, tuple[str | None, str | None]] = {}
    if st.sheet_unit in ("元", "亿元") and single and units <= {"万元"}:
        tags.add(f"sheet_unit_{st.sheet_unit}")
        return st.sheet_unit, {i.code: (st.sheet_unit, None) for i in numeric}
    if single and st.row_units == "blank":
        tags.add("row_unit_blank")
        return next(iter(units)), {i.code: (i.unit, None) for i in numeric}
    sheet = "万元" if "万元" in units else "元" if "元" in units else next(iter(units)) if single else None
    for i in numeric:
        shown = i.unit
        if st.row_units == "convert" and i.unit in ("万元", "元"):
            shown = "元" if i.unit == "万元" else "万元"
            tags.add(f"row_unit_{shown}_for_{i.unit}")
        rows[i.code] = (shown, shown)
    return sheet, rows


def _name(st: Style, ind: Indicator, shown: str | None, i: int, tags: set[str]) -> str:
    if st.codes == "short" and (ind.form_code, ind.code) in SHORT:
        tags.add("found_by_code")
        return SHORT[(ind.form_code, ind.code)]
    if st.names == "spaced":
        tags.add("name_spaces")
        return f" {ind.name[:2]} {ind.name[2:]}" if i % 2 else f"{ind.name}  "
    if st.names == "suffix" and shown:
        tags.add("name_unit_suffix")
        return f"{ind.name}（{shown}）"
    if st.names == "halfsuffix" and shown:
        tags.add("name_unit_suffix_halfwidth")
        return f"{ind.name}({shown})"
    return ind.name


def _code(st: Style, ind: Indicator, i: int, tags: set[str]) -> object:
    if st.codes == "blank" and i % 2 == 0 and ind.kind != "text":
        tags.add("found_by_name")
        return None
    if st.codes == "number" and ind.code.isdigit():
        tags.add("code_as_number")
        return int(ind.code)
    return ind.code


def indicator_page(form: Form, org_name: str, month: int, figs: dict[str, Figure], st: Style, tags: set[str],
                   sheet: str | None = None, override: dict[tuple[str, str], object] | None = None,
                   ) -> tuple[Page, dict[tuple[str, str], str], dict[str, Figure]]:
    """One return on one sheet: the page, where each (indicator, measure) was written, and the figures it carries.

    ``override`` replaces written cells: (code, "unit") → unit text, (code, measure) → a value or Cell.
    """
    override = override or {}
    cols = list(st.columns)
    formulas = st.formulas if st.writer != "xlwt" else frozenset()
    cached = (st.cached and st.writer != "openpyxl") or st.writer == "ods"
    if formulas and "helper" not in cols:
        cols.append("helper")
    col = {k: st.c0 + i for i, k in enumerate(cols)}
    width = len(cols)
    words = {**WORDS, **dict(st.words)}
    words = {k: v.format(m=month) for k, v in words.items()}
    page = Page((sheet or st.sheet).format(m=month, title=form.title[:6]), inline_strings=st.inline)
    if page.name != "Sheet1":
        tags.add("renamed_sheet")
    sheet_unit, units = _units(form, st, tags)
    merged = st.header != "unmerged"
    reporter = _reporter(st, org_name, form.department, tags)
    r, _ = _head(page, st, form.code, form.title, reporter, month, sheet_unit, width, tags, merged)
    top = r
    # the column header
    if st.header == "one":
        for k in cols:
            page.set(r, col[k], words[k])
        r += 1
    else:
        tags.add("header_two_rows_merged" if merged else "header_merges_lost")
        firsts: dict[int, int] = {}
        for k in cols:
            if k in GROUP_OF:
                page.set(r + 1, col[k], words[k])
                firsts.setdefault(GROUP_OF[k], col[k])
            else:
                page.set(r, col[k], words[k])
                if merged:
                    page.merge(r, col[k], r + 1, col[k])
        for g, c in firsts.items():
            page.set(r, c, st.groups[g])
            span = [col[k] for k in cols if GROUP_OF.get(k) == g]
            if merged and len(span) > 1:
                page.merge(r, min(span), r, max(span))
        r += 2
    if st.c0 or st.r0:
        tags.add("table_offset")
    if "remark" in cols:
        tags.add("extra_column")
    # the rows
    numeric = [i for i in form.indicators if i.kind != "text"]
    texts = [i for i in form.indicators if i.kind == "text"]
    if st.order == "shuffle":
        numeric = random.Random(f"{form.code}{month}{org_name}").sample(numeric, len(numeric))
        if [i.code for i in numeric] != sorted(i.code for i in numeric):
            tags.add("rows_reordered")
    if st.drop_text and texts:
        texts = texts[1:]
        tags.add("row_deleted")
    pen = _Pen(st, tags)
    where: dict[tuple[str, str], str] = {}
    written: dict[str, Figure] = {}
    shared_group, previous_row_shared = 0, False
    last_flow = max((n for n, i in enumerate(numeric) if i.kind == "flow"), default=-1)
    sums = {"month": 0, "ytd": 0}
    for n, ind in enumerate(numeric):
        fig = figs[ind.code]
        shown, unit_text = units[ind.code]
        unit_text = override.get((ind.code, "unit"), unit_text)
        w = {k: _shown(getattr(fig, k), ind.unit, shown) for k in ("month", "ytd", "prior")}
        if ind.kind == "flow":
            sums["month"] += w["month"]
            sums["ytd"] += w["ytd"]
        rich = st.rich and n == 0
        name = _name(st, ind, unit_text, n, tags)
        if rich:
            page.set(r, col["name"], name, runs=((name[:2], True), (name[2:], False)))
        else:
            page.set(r, col["name"], name)
        code = _code(st, ind, n, tags)
        if code is not None and "code" in col:
            page.set(r, col["code"], code)
        if "unit" in col and unit_text is not None:
            page.set(r, col["unit"], unit_text)
            where[(ind.code, "unit")] = a1(r, col["unit"])
        helper = _add(w["ytd"], -w["month"]) if ind.kind == "flow" else None
        # 本月
        if ind.kind == "flow":
            if "month" in formulas and "ytd" not in formulas:
                page.cells[(r, col["month"])] = Cell(w["month"], formula=f"{a1(r, col['ytd'])}-{a1(r, col['helper'])}",
                                                     cached=cached)
                tags.add("formula_month")
                before = page.cells.get((r, col["month"] - 1))
                if st.border and st.writer == "raw" and before is None:
                    tags.add("styled_blank_before_formula")
            else:
                page.cells[(r, col["month"])] = pen.number(w["month"], False)
        else:
            page.cells[(r, col["month"])] = pen.mark(False)
            tags.add("stock_month_blank")
        # 本年累计
        if ind.kind == "flow" and formulas & {"ytd", "shared", "array"}:
            text = f"{a1(r, col['month'])}+{a1(r, col['helper'])}"
            cell = Cell(w["ytd"], formula=text, cached=cached)
            if "array" in formulas and n == last_flow and st.writer != "ods":
                cell.array = True
                tags.add("array_formula" if cached else "array_formula_uncached")
                previous_row_shared = False
            elif "shared" in formulas and st.writer == "raw":
                if not previous_row_shared:
                    shared_group += 1
                cell.shared = shared_group
                previous_row_shared = True
                tags.add("shared_formula")
            page.cells[(r, col["ytd"])] = cell
            tags.add({("openpyxl", False): "formula_ytd_uncached", ("raw", False): "formula_ytd_uncached",
                      ("xlsxwriter", False): "formula_stored_zero"}.get((st.writer, cached), "formula_ytd_cached"))
            if rich:
                tags.add("rich_text_neighbour")
        else:
            page.cells[(r, col["ytd"])] = pen.number(w["ytd"], False)
            previous_row_shared = False
        if st.remark_rich and "remark" in col:
            page.set(r, col["remark"], "较上月", runs=(("较上月", True), ("有变化", False)))
            if formulas:
                tags.add("rich_text_neighbour")
        elif "remark" in col and n % 2:
            page.set(r, col["remark"], "按月填报")
        # 上年同期累计 and 同比
        if "prior" in col:
            page.cells[(r, col["prior"])] = pen.number(w["prior"], False) if ind.yoy else pen.mark(False)
        if "yoy" in col:
            page.cells[(r, col["yoy"])] = _growth(st, w, r, col, cached, tags) if ind.yoy else pen.mark(False)
        if "helper" in col:
            if helper is not None:
                page.set(r, col["helper"], helper)
            if st.hide_helper:
                page.hidden_cols.add(col["helper"])
        for measure in ("month", "ytd", "prior"):
            where[(ind.code, measure)] = a1(r, col[measure]) if measure in col else None
            if (ind.code, measure) in override:
                value = override[(ind.code, measure)]
                page.cells[(r, col[measure])] = value if isinstance(value, Cell) else Cell(value)
        written[ind.code] = Figure(fig.month if ind.kind == "flow" else None, fig.ytd, fig.prior if ind.yoy else None)
        r += 1
        if st.extra_row and n == 0 and ind.kind == "flow":
            page.set(r, col["name"], "其中：街道本级")
            page.set(r, col["month"], _shown(round(fig.month / 2, 2), ind.unit, shown))
            page.set(r, col["ytd"], _shown(round(fig.ytd / 2, 2), ind.unit, shown))
            tags.add("row_inserted")
            r += 1
            previous_row_shared = False
        if st.spacers and n % 3 == 1:
            tags.add("spacer_rows")
            r += 1
            previous_row_shared = False
    if st.total and all(i.kind == "flow" for i in numeric) and len({units[i.code][0] for i in numeric}) == 1:
        page.set(r, col["name"], st.total)
        page.set(r, col["month"], round(sums["month"], 2))
        page.set(r, col["ytd"], round(sums["ytd"], 2))
        tags.add("total_row_table")
        r += 1
    for n, ind in enumerate(texts):
        fig = figs.get(ind.code)
        page.set(r, col["name"], ind.name)
        if "code" in col:
            page.set(r, col["code"], ind.code)
        if fig is not None and fig.text:
            page.set(r, col["month"], fig.text)
            where[(ind.code, "text")] = a1(r, col["month"])
            tags.add("text_item")
            written[ind.code] = fig
            if st.text_merge:
                last = max(col[k] for k in ("month", "ytd", "prior", "yoy") if k in col)
                page.merge(r, col["month"], r, last)
                tags.add("text_merged")
        r += 1
    if st.border:
        _box(page, top, r, st.c0, width)
    if st.note:
        tags.add("note_row")
    _footer(page, st, r, "注：1.本表由各乡镇（街道）按月报送；2.没有数字的栏目填“—”。")
    return page, where, written


def _growth(st: Style, w: dict, r: int, col: dict, cached: bool, tags: set[str]) -> Cell:
    growth = (w["ytd"] - w["prior"]) / w["prior"] * 100
    if st.yoy == "value":
        return Cell(round(growth, 1))
    if st.yoy == "text":
        tags.add("percent_text")
        return Cell(f"{growth:.1f}%")
    if st.yoy == "percent":
        tags.add("percent_format")
        return Cell(round(growth / 100, 4), fmt="percent")
    if st.yoy == "formula" and st.writer != "xlwt":
        tags.add("formula_growth")
        y, p = a1(r, col["ytd"]), a1(r, col["prior"])
        return Cell(growth, formula=f"({y}-{p})/{p}*100", cached=cached)
    return Cell(None)


# ---------------------------------------------------------------- the list form ZB03 (spec §5)

def project_page(form: Form, org_name: str, month: int, projects: list[Project], st: Style, tags: set[str],
                 sheet: str | None = None) -> tuple[Page, list[Project]]:
    cols = list(st.list_columns)
    col = {k: st.c0 + i for i, k in enumerate(cols)}
    width = len(cols)
    page = Page((sheet or st.sheet).format(m=month, title=form.title[:6]), inline_strings=st.inline)
    merged = st.header != "unmerged"
    unit = st.list_unit
    if unit != "万元":
        tags.add(f"list_unit_{unit}")
    r, _ = _head(page, st, form.code, form.title, _reporter(st, org_name, form.department, tags), month, unit,
                 width, tags, merged)
    top = r
    for k in cols:
        page.set(r, col[k], LIST_WORDS[k])
    r += 1
    pen = _Pen(st, tags)
    rows: list[Project | str] = list(projects)
    if st.list_total == "groups":
        rows = []
        for s in STATUSES:
            group = [p for p in projects if p.status == s]
            if group:
                rows += group + ["小计"]
        tags.add("subtotal_rows_list")
    seq = 0
    group_sum = 0.0
    for row in rows:
        if row == "小计":
            page.set(r, col["name"], "小计")
            page.set(r, col["invest"], round(group_sum, 6))
            group_sum = 0.0
            r += 1
            continue
        seq += 1
        inv = _shown(row.investment, "万元", unit)
        group_sum += inv
        page.set(r, col["seq"], seq)
        page.set(r, col["name"], row.name)
        if row.status:
            page.set(r, col["status"], row.status)
        page.cells[(r, col["invest"])] = pen.number(inv, False)
        for k in ("location", "industry", "responsible"):
            if getattr(row, k) is not None:
                page.set(r, col[k], getattr(row, k))
        if "remark" in col and seq % 2:
            page.set(r, col["remark"], "按计划推进")
        r += 1
        if st.spacers and seq == 2:
            r += 1
            tags.add("spacer_rows")
    total = round(sum(_shown(p.investment, "万元", unit) for p in projects), 6)
    if st.list_total in ("end", "groups"):
        page.set(r, col["name"], "合  计" if st.list_total == "end" else "合计")
        page.set(r, col["invest"], total)
        tags.add("total_row_list")
        r += 1
    elif st.list_total == "merged" and cols[:3] == ["seq", "name", "status"]:
        page.set(r, col["seq"], "合计")
        page.merge(r, col["seq"], r, col["status"])
        page.set(r, col["invest"], total)
        tags.add("total_row_list")
        r += 1
    if st.border:
        _box(page, top, r, st.c0, width)
    _footer(page, st, r, "注：总投资为项目计划总投资。")
    return page, projects


# ---------------------------------------------------------------- extra sheets

def _instructions() -> Page:
    p = Page("填表须知")
    for i, line in enumerate(("填表须知", "一、本表每月5日前报区统计局。", "二、金额保留两位小数，数量填整数。",
                              "三、没有数字的栏目填“—”，不要填0。", "四、请勿修改表格格式。")):
        p.set(i, 0, line)
    return p


def _hidden(words: tuple[str, ...]) -> Page:
    p = Page("下拉选项", hidden=True)
    for i, w in enumerate(words):
        p.set(i, 0, w)
    return p


def _pages(main: list[Page], st: Style, tags: set[str]) -> list[Page]:
    pages = []
    if "instructions" in st.before:
        pages.append(_instructions())
        tags.add("instructions_sheet")
    pages += main
    if "hidden" in st.after:
        pages.append(_hidden(STATUSES))
        tags.add("hidden_sheet")
    if "chart" in st.after and st.writer in ("openpyxl", "xlsxwriter"):
        pages.append(Page("图表", chart=True))
        tags.add("chart_sheet")
    return pages


def _save(pages: list[Page], st: Style, tags: set[str]) -> tuple[bytes, str]:
    tags.add(f"writer_{st.writer}")
    if st.macro and st.writer == "openpyxl":
        tags.add("xlsm")
        return write(pages, st.writer, macro=True), ".xlsm"
    return write(pages, st.writer), EXTENSIONS[st.writer]


# ---------------------------------------------------------------- the corpus

NAMES = ("{org}{dept}{m}月报表", "{code}-{org}-{y}年{m}月", "{org}_{title}_{m}月", "{y}年{m}月{org}{title}",
         "{title}（{org}）{m}月", "{org}{dept}（{m}月）最终版")


class _Names:
    def __init__(self) -> None:
        self.used: set[str] = set()
        self.n = 0

    def __call__(self, folder: str, org_name: str, dept: str, code: str, title: str, m: int, ext: str) -> str:
        self.n += 1
        stem = NAMES[self.n % len(NAMES)].format(org=org_name, dept=dept, code=code, title=title, m=m, y=YEAR)
        name, k = stem + ext, 1
        while f"{folder}/{name}" in self.used:
            k += 1
            name = f"{stem}({k}){ext}"
        self.used.add(f"{folder}/{name}")
        return f"{folder}/{name}" if folder else name


def _saved(m: int, day: int, hour: int = 9) -> dt.datetime:
    """When a department saved its month-``m`` return: early the next month."""
    return dt.datetime(YEAR, m + 1, day, hour, 30)


def build(seed: int = 20230704) -> Corpus:
    """The whole corpus, the same every time for one seed."""
    cat = load_catalogue()
    rng = random.Random(seed)
    truth = _truth(cat, rng)
    plans = _projects(rng)
    tags: set[str] = set()
    names = _Names()
    files: list[CorpusFile] = []
    figures: dict[tuple[str, str, dt.date, str], Figure] = {}
    projects: dict[tuple[str, dt.date], list[Project]] = {}
    special = _special(cat, truth, plans, tags, names)
    k = 0
    for m in MONTHS:
        for org, org_name in ORGS:
            for form in cat.forms.values():
                key = (org, form.code, m)
                if key in special.keys or (form.code == "ZB03" and (org, m) in TWO_FORMS):
                    continue
                style = PINNED.get(key) or ROTATION[k % len(ROTATION)]
                st = STYLES[style]
                k += 1
                pages = []
                if form.layout == "projects":
                    page, listed = project_page(form, org_name, m, plans[(org, m)], st, tags)
                    pages.append(page)
                    projects[(org, dt.date(YEAR, m, 1))] = listed
                else:
                    page, _, written = indicator_page(form, org_name, m, truth[key], st, tags)
                    pages.append(page)
                    figures.update({(org, form.code, dt.date(YEAR, m, 1), c): f for c, f in written.items()})
                    if form.code == "ZB02" and (org, m) in TWO_FORMS:
                        zb03 = cat.forms["ZB03"]
                        page3, listed = project_page(zb03, org_name, m, plans[(org, m)], st, tags,
                                                     sheet="重点项目")
                        page.name = "主要指标"
                        pages.append(page3)
                        projects[(org, dt.date(YEAR, m, 1))] = listed
                        tags.add("multi_return_workbook")
                data, ext = _save(_pages(pages, st, tags), st, tags)
                folder = f"{YEAR}-{m:02d}"
                if (org, form.code, m) == ("110199101", "ZB12", 6):
                    folder = f"{YEAR}-05"  # filed in the wrong month's folder: the 报告期 decides
                    tags.add("wrong_folder")
                elif (org, form.code, m) in {("110199002", "ZB08", 4), ("110199001", "ZB06", 2)}:
                    folder = ""
                    tags.add("inbox_root")
                path = names(folder, org_name, form.department, form.code, form.title, m, ext)
                files.append(CorpusFile(path, data, _saved(m, 3 + k % 3, 8 + k % 9), style=style))
    files += special.files
    figures.update(special.figures)
    # the same return sent twice: identical bytes under another name
    original = next(f for f in files if f.path.startswith("2023-06/") and f.status == "accepted"
                    and f.path.endswith(".xlsx"))
    files.append(CorpusFile(original.path.replace(".xlsx", "（重发）.xlsx"), original.data,
                            original.mtime + dt.timedelta(hours=2), status="duplicate"))
    tags.add("duplicate")
    return Corpus(files, figures, projects, tags)


@dataclass
class _Special:
    keys: set[tuple[str, str, int]] = field(default_factory=set)
    files: list[CorpusFile] = field(default_factory=list)
    figures: dict = field(default_factory=dict)


def _special(cat: Catalogue, truth: dict, plans: dict, tags: set[str], names: _Names) -> _Special:
    """June returns with a story: a correction, and the ones that must be rejected (and why)."""
    out = _Special()
    june = dt.date(YEAR, 6, 1)
    folder = f"{YEAR}-06"

    def one(org: str, code: str, st: Style, **kw) -> tuple[Page, dict, dict]:
        org_name = dict(ORGS)[org]
        out.keys.add((org, code, 6))
        return indicator_page(cat.forms[code], org_name, 6, kw.pop("figs", truth[(org, code, 6)]), st, tags, **kw)

    def path(org: str, code: str, ext: str) -> str:
        form = cat.forms[code]
        return names(folder, dict(ORGS)[org], form.department, code, form.title, 6, ext)

    # a correction: 西城镇's ZB11 first sent with other (clean) figures, then corrected
    org, code = "110199101", "ZB11"
    first = dict(truth[(org, code, 6)])
    f01 = first["01"]
    first["01"] = Figure(f01.month + 3, f01.ytd + 3)
    first["04"] = Figure(None, first["04"].ytd + 1)
    page, _, _ = one(org, code, STYLES["merged"], figs=first)
    data, ext = _save([page], STYLES["merged"], tags)
    out.files.append(CorpusFile(path(org, code, ext), data, _saved(6, 3), status="superseded"))
    page, _, written = one(org, code, STYLES["template"])
    data, _ = _save([page], STYLES["template"], tags)
    out.files.append(CorpusFile(f"{folder}/西城镇应急管理办公室6月报表（更正）.xlsx", data, _saved(6, 6)))
    out.figures.update({(org, code, june, c): f for c, f in written.items()})
    tags.add("correction")

    # a negative figure: 东关街道's ZB10, 清理反宣标语 本月 −2 (本年累计 follows it, so only the sign is wrong)
    org, code, st = "110199002", "ZB10", STYLES["offset"]
    figs = dict(truth[(org, code, 6)])
    may = truth[(org, code, 5)]["06"]
    figs["06"] = Figure(-2, _add(may.ytd, -2))
    page, where, _ = one(org, code, st, figs=figs)
    data, ext = _save([page], st, tags)
    out.files.append(CorpusFile(path(org, code, ext), data, _saved(6, 4), status="rejected",
                                rejections=(Rejection("negative", page.name, where[("06", "month")]),)))

    # a continuity break: 西城镇's ZB05, 本年累计 of 01 is 7 more than May's plus June's
    org, code, st = "110199101", "ZB05", STYLES["ods"]
    figs = dict(truth[(org, code, 6)])
    f = figs["01"]
    figs["01"] = Figure(f.month, f.ytd + 7)
    page, where, _ = one(org, code, st, figs=figs)
    data, ext = _save([page], st, tags)
    out.files.append(CorpusFile(path(org, code, ext), data, _saved(6, 4), status="rejected",
                                rejections=(Rejection("ytd_continuity", page.name, where[("01", "ytd")]),)))

    # 公顷 where the form says 亩: not convertible here, rejected naming the unit cell
    org, code, st = "110199001", "ZB04", STYLES["merged"]
    f = truth[(org, code, 6)]["02"]
    hectares = {("02", "unit"): "公顷", ("02", "month"): round(f.month / 15, 2), ("02", "ytd"): round(f.ytd / 15, 2)}
    page, where, _ = one(org, code, st, override=hectares)
    data, ext = _save([page], st, tags)
    out.files.append(CorpusFile(path(org, code, ext), data, _saved(6, 5), status="rejected",
                                rejections=(Rejection("unit_mismatch", page.name, where[("02", "unit")]),)))

    # two sheets of one workbook holding the same return, both clean, with different figures
    org, code, st = "110199002", "ZB09", STYLES["template"]
    other = dict(truth[(org, code, 6)])
    f = other["04"]
    other["04"] = Figure(f.month + 3, f.ytd + 3)
    a, _, _ = one(org, code, st, sheet="原表")
    b, _, _ = one(org, code, st, sheet="修改稿", figs=other)
    data, ext = _save([a, b], st, tags)
    out.files.append(CorpusFile(f"{folder}/东关街道退役军人服务站6月报表.xlsx", data, _saved(6, 5), status="rejected",
                                rejections=(Rejection(None, "原表", None, names=("原表", "修改稿")),)))
    tags.add("two_sheets_one_return")

    # a formula no reader can compute without Excel (a lookup into another sheet), saved with no value
    org, code, st = "110199001", "ZB12", STYLES["template"]
    page, where, _ = one(org, code, st)
    ytd_cell = where[("02", "ytd")]
    r, c = coordinate_to_tuple(ytd_cell)
    page.cells[(r - 1, c - 1)] = Cell(page.cells[(r - 1, c - 1)].value, formula=f"VLOOKUP(A{r},数据!A:B,2,FALSE)")
    lookup = Page("数据")
    for i, ind in enumerate(cat.forms[code].indicators):
        lookup.set(i, 0, ind.name)
        lookup.set(i, 1, truth[(org, code, 6)][ind.code].ytd)
    data, ext = _save([page, lookup], st, tags)
    out.files.append(CorpusFile(path(org, code, ext), data, _saved(6, 5), status="rejected",
                                rejections=(Rejection("formula_not_computed", page.name, ytd_cell),)))
    tags.add("formula_not_computable")
    return out


# Every drift the corpus must exercise (spec §6 and the brief); a test holds build().drifts to it.
REQUIRED = frozenset({
    "rows_reordered", "spacer_rows", "note_row", "row_inserted", "row_deleted", "table_offset", "extra_column",
    "renamed_sheet", "instructions_sheet", "hidden_sheet", "chart_sheet", "found_by_code", "found_by_name",
    "code_as_number", "name_spaces", "name_unit_suffix", "name_unit_suffix_halfwidth", "number_comma",
    "number_fullwidth", "number_spaces", "percent_text", "percent_format", "mark_—", "mark_-", "mark_/", "mark_无",
    "mark_empty", "row_unit_元_for_万元", "row_unit_万元_for_元", "sheet_unit_元", "sheet_unit_亿元", "list_unit_亿元",
    "formula_ytd_uncached", "formula_ytd_cached", "formula_stored_zero", "formula_growth", "formula_month",
    "shared_formula", "array_formula", "array_formula_uncached", "styled_blank_before_formula", "rich_text_neighbour", "formula_not_computable",
    "writer_openpyxl", "writer_xlsxwriter", "writer_raw", "writer_xlwt", "writer_ods", "xlsm", "duplicate",
    "correction", "total_row_list", "subtotal_rows_list", "total_row_table", "header_two_rows_merged",
    "header_merges_lost", "period_date_cell", "period_number_cell", "period_decimal_cell", "label_apart",
    "labels_stacked", "text_item", "text_merged", "multi_return_workbook", "wrong_folder", "inbox_root",
    "two_sheets_one_return", "stock_month_blank", "row_unit_blank",
    *(f"period_text_{i}" for i in range(len(PERIOD_TEXTS))), *(f"reporter_{i}" for i in range(len(REPORTERS))),
})
