"""One form of a 填报模板 laid out on a worksheet as spec §3 (or §5) issues it, with its checks and protection.

Each function writes one sheet and returns where its inputs are (a ``SheetMap``), which the fingerprint records.
"""
from __future__ import annotations

import datetime as dt
import weakref
from copy import copy
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from statreturns.reports.files import set_text, xml_safe
from statreturns.reports.form_checks import Untranslatable, failure_formula, growth_node, reads_growth, value_formula
from statreturns.reports.rules_doc import in_words
from statreturns.schemas.catalogue import MEASURE_NAMES, SEVERITY_NAMES, Catalogue, Form, Indicator, Org, Rule
from statreturns.schemas.fingerprint import SheetMap
from statreturns.schemas.rules import EARLIER, FUNCTIONS, Ref
from statreturns.schemas.text import period_label

HEADER_ROW = 4  # rows 1-3: title, 表号 row, 填报单位 row; rows 4-5: the column header
FIRST_ROW = HEADER_ROW + 2
INPUTS = ("month", "ytd", "prior_ytd")


@cache
def words() -> dict:
    """reports/form_templates.yaml: the words and facts of the template the catalogue does not hold."""
    return yaml.safe_load(resources.files("statreturns.reports").joinpath("form_templates.yaml").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Issue:
    """What one workbook is issued for, and what the warehouse pre-fills it with."""

    org: Org
    department: str
    period: dt.date
    earlier: dict[str, dict[tuple[str, str], float]] = field(default_factory=dict)  # prev.ytd … -> (form, ind) -> value
    projects: tuple[dict, ...] = ()  # last month's ZB03 list

    @property
    def reporter(self) -> str:
        return f"{self.org.name}{self.department}"


def earlier_periods(period: dt.date) -> dict[str, dt.date]:
    """The earlier periods a rule may read in a return of ``period``, as helper fields (``prev.ytd``) -> month;
    none before January within the year, as the audit has none (schemas.rules.EARLIER)."""
    out = {}
    for name, e in EARLIER.items():
        y, m = divmod(period.year * 12 + period.month - 1 - e.months, 12)
        at = dt.date(y, m + 1, 1)
        if not e.same_year or at.year == period.year:
            out[f"{name}.ytd"] = at
    return out


# ---- styles

def _fill(key: str) -> PatternFill:
    color = words()["fills"][key]
    return PatternFill("solid", start_color=color, end_color=color)


def _font(**kw) -> Font:
    return Font(name=words()["font"], size=kw.pop("size", 10), **kw)


_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _put(ws: Worksheet, r: int, c: int, value=None, *, fill: str | None = None, bold: bool = False,
         align: str = "left", box: bool = True, fmt: str | None = None, wrap: bool = False, locked: bool = True):
    """A cell with a value and a style; ``locked=False`` makes it one the clerk may type in."""
    cell = ws.cell(r, c)
    if isinstance(value, str):
        set_text(cell, value)  # a name from a return or the registry stays text, never a formula
    elif value is not None:
        cell.value = value
    _style(cell, (fill, bold, align, box, fmt, wrap, locked))
    return cell


_STYLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # workbook -> style key -> openpyxl StyleArray


def _style(cell, key: tuple) -> None:
    """Give a cell the style ``key`` describes: built once per workbook, then copied, since openpyxl hashes every
    style object it is handed and that took most of the time a template takes to write."""
    known = _STYLES.setdefault(cell.parent.parent, {})
    if key in known:
        cell._style = copy(known[key])
        return
    fill, bold, align, box, fmt, wrap, locked = key
    cell.font = _font(bold=bold)
    cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=wrap)
    if box:
        cell.border = _BOX
    if fill:
        cell.fill = _fill(fill)
    if fmt:
        cell.number_format = fmt
    if not locked:
        cell.protection = Protection(locked=False)
    known[key] = copy(cell._style)


def _ref(r: int, c: int) -> str:
    return f"{get_column_letter(c)}{r}"


def _abs(r: int, c: int) -> str:
    return f"${get_column_letter(c)}${r}"


def _merge(ws: Worksheet, r0: int, c0: int, r1: int, c1: int) -> None:
    if (r0, c0) != (r1, c1):
        ws.merge_cells(start_row=r0, start_column=c0, end_row=r1, end_column=c1)


# ---- the parts every form sheet shares

def _title_block(ws: Worksheet, form: Form, issue: Issue, width: int, unit: str | None) -> dict[tuple[str, str], str]:
    """Title, 表号/制定机关/文号 and 填报单位/报告期/计量单位; the identity cells the fingerprint names."""
    w = words()
    cell = _put(ws, 1, 1, form.title, box=False, align="center")
    cell.font = _font(size=16, bold=True)
    _merge(ws, 1, 1, 1, width)
    ws.row_dimensions[1].height = 30
    thirds = (1, 4, 6) if width >= 8 else (1, 3, 5)
    spans = [(thirds[0], thirds[1] - 1), (thirds[1], thirds[2] - 1), (thirds[2], width)]
    for (c0, c1), text in zip(spans, (f"表号：{form.code}表", f"制定机关：{w['authority']}", f"文号：{w['document']}")):
        _put(ws, 2, c0, text, box=False)
        _merge(ws, 2, c0, 2, c1)
    texts = [f"填报单位：{issue.reporter}", f"报告期：{period_label(issue.period)}"] + ([f"计量单位：{unit}"] if unit else [])
    for (c0, c1), text in zip(spans, texts):
        _put(ws, 3, c0, text, box=False, bold=True)
        _merge(ws, 3, c0, 3, c1)
    return {("", "reporter"): _ref(3, spans[0][0]), ("", "period"): _ref(3, spans[1][0])}


def _header(ws: Worksheet, columns: list[tuple[str, str, str | None]]) -> None:
    """The two-row header: a group word over its columns, any other column's words merged down both rows."""
    c = 1
    while c <= len(columns):
        _, text, group = columns[c - 1]
        if group is None:
            _put(ws, HEADER_ROW, c, text, fill="header", bold=True, align="center", wrap=True)
            _put(ws, HEADER_ROW + 1, c, fill="header")
            _merge(ws, HEADER_ROW, c, HEADER_ROW + 1, c)
            c += 1
            continue
        span = 1
        while c + span <= len(columns) and columns[c + span - 1][2] == group:
            span += 1
        _put(ws, HEADER_ROW, c, group, fill="header", bold=True, align="center")
        for k in range(span):
            if k:
                _put(ws, HEADER_ROW, c + k, fill="header")
            _put(ws, HEADER_ROW + 1, c + k, columns[c + k - 1][1], fill="header", bold=True, align="center", wrap=True)
        _merge(ws, HEADER_ROW, c, HEADER_ROW, c + span - 1)
        c += span
    ws.row_dimensions[HEADER_ROW + 1].height = 28


def _footer(ws: Worksheet, r: int, pairs: list[tuple[int, int, int]]) -> int:
    """The signature block from row ``r``: each label locked, the name beside it an input; the last row."""
    rows = words()["footer"]
    for k, labels in enumerate(rows):
        for label, (lc, c0, c1) in zip(labels, pairs):
            _put(ws, r + k, lc, label, box=False, align="right")
            cell = _put(ws, r + k, c0, box=False, locked=False)
            cell.border = Border(bottom=_THIN)
            _merge(ws, r + k, c0, r + k, c1)
            _validate(ws, _ref(r + k, c0), DataValidation(type="textLength", operator="lessThanOrEqual", formula1="50",
                                                          allow_blank=True),
                      label.rstrip("：:"), f"填写{label.rstrip('：:')}", "不超过50个字")
    return r + len(rows) - 1


def _validate(ws: Worksheet, ref: str, dv: DataValidation, title: str, prompt: str, error: str) -> None:
    """A data validation on one cell, with the input message the clerk sees when selecting it."""
    dv.showInputMessage = True
    dv.showErrorMessage = True
    dv.promptTitle = title[:32]
    dv.prompt = prompt[:255]
    dv.errorTitle = "填写有误"
    dv.error = error[:255]
    dv.errorStyle = "stop"
    dv.add(ref)
    ws.add_data_validation(dv)


def _finish(ws: Worksheet, last_row: int, width: int, widths: list[float], hidden: set[int]) -> None:
    """Column widths, protection and the print setup: A4 landscape, one page wide, title rows on every page."""
    for c, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = w
        ws.column_dimensions[get_column_letter(c)].hidden = c in hidden
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # widening a column is not a slip
    ws.protection.formatRows = False
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = f"1:{HEADER_ROW + 1}"
    ws.print_area = f"A1:{get_column_letter(width)}{last_row}"
    ws.freeze_panes = _ref(FIRST_ROW, 4)


# ---- indicator forms

def _columns() -> list[tuple[str, str, str | None]]:
    """(field, header words, group) of an indicator form's columns."""
    return [(c["field"], c.get("words") or MEASURE_NAMES[c["field"]], c.get("group")) for c in words()["indicator_columns"]]


def _whole(cat: Catalogue, unit: str | None) -> bool:
    """Whether figures in ``unit`` count things (whole numbers) rather than measure money, area or weight."""
    return cat.decimals_of(unit) == 0


def _number_format(cat: Catalogue, unit: str | None) -> str:
    return "#,##0" if _whole(cat, unit) else "#,##0.00"


def _number_input(ws: Worksheet, cat: Catalogue, ind: Indicator, measure: str, r: int, c: int) -> str:
    ref = _ref(r, c)
    _put(ws, r, c, align="right", fmt=_number_format(cat, ind.unit), locked=False)
    whole = _whole(cat, ind.unit)
    kind = "整数" if whole else "数字（可有小数）"
    hint = {"month": "本月发生数", "ytd": "1月至本月的累计数" if ind.kind == "flow" else "本月末的数",
            "prior_ytd": "去年同期的本年累计数（已预填的请核对）"}[measure]
    _validate(ws, ref, DataValidation(type="whole" if whole else "decimal", operator="greaterThanOrEqual", formula1="0",
                                      allow_blank=True),
              ind.name, f"{ind.code} {ind.name}：{MEASURE_NAMES[measure]}，单位：{ind.unit}。{hint}，填不小于0的{kind}；"
                        f"没有的空着。",
              f"{ind.name}的{MEASURE_NAMES[measure]}应为不小于0的{kind}（单位：{ind.unit}）")
    return ref


@dataclass
class _Marks:
    """Conditional formats to add and the reasons to put in cell comments, per target cell."""

    rules: list[tuple[Rule, str, list[str]]] = field(default_factory=list)  # (rule, formula, target cells)
    reasons: dict[str, list[str]] = field(default_factory=dict)

    def add(self, rule: Rule, formula: str, targets: list[str], form: Form | None) -> None:
        self.rules.append((rule, formula, targets))
        color = "红色" if rule.severity == "error" else "黄色"
        text = f"{color}（{SEVERITY_NAMES[rule.severity]}）：{rule.name}——{in_words(rule.check, form)}。{rule.how_to_fix}"
        for t in targets:
            self.reasons.setdefault(t.replace("$", ""), []).append(text)

    def write(self, ws: Worksheet) -> None:
        # errors first, so that red wins over yellow on a cell that fails both
        for rule, formula, targets in sorted(self.rules, key=lambda x: x[0].severity != "error"):
            key = "error" if rule.severity == "error" else "warning"
            ws.conditional_formatting.add(" ".join(t.replace("$", "") for t in targets), FormulaRule(
                formula=[formula], fill=_fill(key), font=Font(color=words()["fills"][f"{key}_font"], bold=True)))
        for ref, lines in self.reasons.items():
            comment = Comment(xml_safe("\n".join(lines)), words()["authority"])
            comment.width, comment.height = 360, 60 + 50 * len(lines)
            ws[ref].comment = comment


def indicator_sheet(ws: Worksheet, cat: Catalogue, form: Form, issue: Issue) -> SheetMap:
    """An indicator form (spec §3): one row per indicator, inputs open, helper columns pre-filled, checks on."""
    columns = _columns()
    col = {f: c for c, (f, _, _) in enumerate(columns, start=1)}
    spec = {c["field"]: c for c in words()["indicator_columns"]}
    hidden = {col[f] for f, s in spec.items() if s.get("hidden")}
    width = max(c for c in col.values() if c not in hidden)
    units = {i.unit for i in form.indicators if i.kind != "text"}
    cells = _title_block(ws, form, issue, width, units.pop() if len(units) == 1 else None)
    _header(ws, columns)
    rows = {ind.code: FIRST_ROW + k for k, ind in enumerate(form.indicators)}
    marks = _Marks()
    for ind in form.indicators:
        r = rows[ind.code]
        _put(ws, r, col["name"], ind.name, fill="locked")
        _put(ws, r, col["code"], ind.code, fill="locked", align="center")
        _put(ws, r, col["unit"], ind.unit or "—", fill="locked", align="center")
        cells[(ind.code, "unit")] = _ref(r, col["unit"])
        _put(ws, r, col["remark"], wrap=True, locked=False)
        _validate(ws, _ref(r, col["remark"]), DataValidation(type="textLength", operator="lessThanOrEqual", formula1="200",
                                                             allow_blank=True),
                  "说明", f"需要说明{ind.name}的数字时写在这里，如增减较大的原因", "说明不超过200个字")
        if ind.kind == "text":
            cells[(ind.code, "text")] = _text_row(ws, ind, r, col)
            continue
        _number_row(ws, cat, form, ind, issue, r, col, cells)
    inputs = {k: v for k, v in cells.items() if k[1] in INPUTS}
    for ind in form.indicators:
        if ind.kind != "text":
            _row_checks(cat, form, ind, issue, rows[ind.code], col, inputs, marks)
    _form_checks(form, inputs, marks)
    marks.write(ws)
    last = _footer(ws, FIRST_ROW + len(form.indicators) + 1,
                   [(col["name"], col["code"], col["unit"]), (col["month"], col["ytd"], col["ytd"]),
                    (col["prior_ytd"], col["yoy_pct"], col["yoy_pct"])])
    _finish(ws, last, width, [spec[f].get("width", 12) for f, _, _ in columns], hidden)
    return SheetMap(ws.title, form.code, cells)


def _text_row(ws: Worksheet, ind: Indicator, r: int, col: dict[str, int]) -> str:
    """A text item: one input over the value columns, as departments write them."""
    c0, c1 = col["month"], col["yoy_pct"]
    _put(ws, r, c0, wrap=True, locked=False)
    for c in range(c0 + 1, c1 + 1):
        _put(ws, r, c)
    _merge(ws, r, c0, r, c1)
    _put(ws, r, col["prev.ytd"], fill="locked")
    ref = _ref(r, c0)
    _validate(ws, ref, DataValidation(type="textLength", operator="lessThanOrEqual", formula1="200", allow_blank=True),
              ind.name, f"{ind.code} {ind.name}：填写名称，多个用顿号分开；没有的填“无”", "不超过200个字")
    return ref


def _number_row(ws: Worksheet, cat: Catalogue, form: Form, ind: Indicator, issue: Issue, r: int, col: dict[str, int],
                cells: dict) -> None:
    fmt = _number_format(cat, ind.unit)
    if ind.kind == "flow":
        cells[(ind.code, "month")] = _number_input(ws, cat, ind, "month", r, col["month"])
    else:  # a stock is a level at month end: it has no month figure
        _put(ws, r, col["month"], words()["stock_month"], fill="locked", align="center")
    cells[(ind.code, "ytd")] = _number_input(ws, cat, ind, "ytd", r, col["ytd"])
    for f, c in col.items():  # helper columns: an earlier period's 本年累计, as the warehouse holds it
        if "." in f:
            _put(ws, r, c, issue.earlier.get(f, {}).get((form.code, ind.code)), fill="helper", align="right", fmt=fmt)
    if not ind.yoy:
        _put(ws, r, col["prior_ytd"], fill="locked")
        _put(ws, r, col["yoy_pct"], fill="locked")
        return
    cells[(ind.code, "prior_ytd")] = _number_input(ws, cat, ind, "prior_ytd", r, col["prior_ytd"])
    ws.cell(r, col["prior_ytd"]).value = issue.earlier.get("last_year.ytd", {}).get((form.code, ind.code))
    here = {"ytd": _abs(r, col["ytd"]), "prior_ytd": _abs(r, col["prior_ytd"])}
    formula = value_formula(growth_node(), lambda ref: here.get(ref.measure), FUNCTIONS["growth"].decimals)
    _put(ws, r, col["yoy_pct"], fill="locked", align="right", fmt="0.0").value = formula.replace("$", "")


def _row_checks(cat: Catalogue, form: Form, ind: Indicator, issue: Issue, r: int, col: dict[str, int],
                inputs: dict, marks: _Marks) -> None:
    """Each per-indicator rule of the catalogue that applies to this row in this month, as a conditional format."""
    def cell(ref: Ref) -> str | None:
        if ref.indicator:
            return None
        if ref.earlier:
            helper = f"{ref.earlier}.{ref.measure}"
            return _abs(r, col[helper]) if helper in col and helper in earlier_periods(issue.period) else None
        return _absolute(inputs[(ind.code, ref.measure)]) if (ind.code, ref.measure) in inputs else None

    for rule in cat.rules_applying(form.code, ind.code, issue.period.month):
        if rule.check is None or rule.form:
            continue
        try:
            formula = failure_formula(rule.check, cell)
        except Untranslatable:
            continue
        targets = [cell(rule.check.cell_ref)]
        if reads_growth(rule.check) and ind.yoy:
            targets.append(_abs(r, col["yoy_pct"]))
        marks.add(rule, formula, targets, None)


def _form_checks(form: Form, inputs: dict, marks: _Marks) -> None:
    """The form's comparisons between its own indicators (办结案件 ≤ 受理案件 …)."""
    def cell(ref: Ref) -> str | None:
        found = inputs.get((ref.indicator, ref.measure)) if ref.indicator and not ref.earlier else None
        return _absolute(found) if found else None

    for rule in form.rules:
        try:
            formula = failure_formula(rule.check, cell)
        except Untranslatable:
            continue
        marks.add(rule, formula, [cell(rule.check.cell_ref)], form)


def _absolute(ref: str) -> str:
    """``E6`` as ``$E$6``: a conditional format marking several cells reads the same cells for each."""
    letters, digits = coordinate_from_string(ref)
    return f"${letters}${digits}"


# ---- list forms

def project_sheet(ws: Worksheet, cat: Catalogue, form: Form, issue: Issue) -> SheetMap:
    """A list form (spec §5): last month's projects to update, blank rows for new ones, a drop-down of statuses."""
    w = words()
    fields = [*form.columns, "remark"]
    heads = {f: form.columns[f][0] for f in form.columns} | {"remark": "说明"}
    heads["total_investment"] = f"{heads['total_investment']}（{form.unit}）"
    col = {f: c for c, f in enumerate(fields, start=1)}
    width = len(fields)
    cells = _title_block(ws, form, issue, width, form.unit)
    _header(ws, [(f, heads[f], None) for f in fields])
    listed = list(issue.projects)
    n = max(w["min_project_rows"], len(listed) + w["project_rows"])
    first, last = FIRST_ROW, FIRST_ROW + n - 1
    for k in range(n):
        r = first + k
        p = listed[k] if k < len(listed) else {}
        _put(ws, r, col["seq"], k + 1, fill="locked", align="center")
        for f in fields[1:]:
            _put(ws, r, col[f], p.get(f), align="right" if f == "total_investment" else "left",
                 fmt="#,##0.00" if f == "total_investment" else None, wrap=f == "remark", locked=False)
        _project_validations(ws, form, r, col)
    for f in form.columns:
        cells[("", f)] = f"{get_column_letter(col[f])}{first}:{get_column_letter(col[f])}{last}"
    _project_marks(ws, cat, first, last, col)
    end = _footer(ws, last + 2, [(col["project_name"], col["status"], col["status"]),
                                 (col["total_investment"], col["location"], col["location"]),
                                 (col["industry"], col["responsible"], col["responsible"])])
    _finish(ws, end, width, [w["project_widths"].get(f, 14) for f in fields], set())
    return SheetMap(ws.title, form.code, cells)


def _project_validations(ws: Worksheet, form: Form, r: int, col: dict[str, int]) -> None:
    text = lambda n: DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(n), allow_blank=True)  # noqa: E731
    statuses = "、".join(form.statuses)
    _validate(ws, _ref(r, col["project_name"]), text(100), "项目名称", "项目全称，每个项目一行，不要重复；项目已不在清单中的，清空整行", "项目名称不超过100个字")
    _validate(ws, _ref(r, col["status"]), DataValidation(type="list", formula1=f'"{",".join(form.statuses)}"', allow_blank=True),
              "项目状态", f"从下拉列表中选：{statuses}", f"项目状态只能是{statuses}之一")
    _validate(ws, _ref(r, col["total_investment"]), DataValidation(type="decimal", operator="greaterThan", formula1="0", allow_blank=True),
              "总投资", f"计划总投资，单位：{form.unit}，大于0的数字", f"总投资应为大于0的数字（单位：{form.unit}）")
    for f in ("location", "industry", "responsible"):
        _validate(ws, _ref(r, col[f]), text(100), form.columns[f][0], f"{form.columns[f][0]}，可不填", "不超过100个字")
    _validate(ws, _ref(r, col["remark"]), text(200), "说明", "需要说明的情况写在这里", "说明不超过200个字")


def _project_marks(ws: Worksheet, cat: Catalogue, first: int, last: int, col: dict[str, int]) -> None:
    """A repeated name or a row without one turns red while typing; the rules' own words in the header's comment."""
    name = get_column_letter(col["project_name"])
    other = f"{get_column_letter(col['status'])}{first}:{get_column_letter(col['responsible'])}{first}"
    names = f"{name}{first}:{name}{last}"
    checks = {
        "project_duplicate": f'AND({name}{first}<>"",COUNTIF(${name}${first}:${name}${last},{name}{first})>1)',
        "project_no_name": f'AND({name}{first}="",COUNTA({other})>0)',
    }
    lines = []
    for code, formula in checks.items():
        ws.conditional_formatting.add(names, FormulaRule(formula=[formula], fill=_fill("error"),
                                                         font=Font(color=words()["fills"]["error_font"], bold=True)))
    for code in ("project_no_name", "project_status", "project_duplicate", "project_investment"):
        rule = cat.rules[code]
        lines.append(f"{SEVERITY_NAMES[rule.severity]}：{rule.name}——{rule.how_to_fix}")
    comment = Comment(xml_safe("\n".join(lines)), words()["authority"])
    comment.width, comment.height = 360, 240
    ws.cell(HEADER_ROW, col["project_name"]).comment = comment


# ---- the instructions sheet

def instructions_sheet(ws: Worksheet, issue: Issue) -> None:
    w = words()
    fill = {"org": issue.org.name, "department": issue.department, "period": period_label(issue.period),
            "authority": w["authority"]}
    cell = _put(ws, 1, 1, w["instructions_sheet"], box=False)
    cell.font = _font(size=14, bold=True)
    for k, line in enumerate(w["instructions"], start=1):
        _put(ws, k + 2, 1, f"{k}. {line.format(**fill)}", box=False, wrap=True)
        ws.row_dimensions[k + 2].height = 32
    r = len(w["instructions"]) + 4
    legend = [("locked", "统计局填好的内容（锁定）"), ("helper", "上月本年累计：上月已受理报表的数（锁定）"),
              (None, "白色：请填写"), ("error", "红色：错误，报送后会被退回"), ("warning", "黄色：提醒，请核实或写明原因")]
    for k, (key, text) in enumerate(legend):
        _put(ws, r + k, 1, text, fill=key)
    ws.column_dimensions["A"].width = 110
    ws.protection.sheet = True
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
