"""Returns written on the office's own 填报模板: the template's fingerprint says where every figure is.

A template carries a very hidden sheet ``_meta``: who it was issued to (org, department), for which month, the
template version, a hash of the catalogue it was generated from, and the cell of every input it has (sheet, form,
indicator or project column, measure, cell). Reading such a workbook maps those cells directly: no label search.
The sheet's own 填报单位 and 报告期 still decide the return's identity, and a template filled in for another org
or month is refused naming the cell. This module is the one home of that format: the generator writes
``fingerprint_rows`` and intake reads them back here.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass

from openpyxl.utils.cell import range_boundaries

from statreturns.schemas.catalogue import Catalogue, Form, Indicator
from statreturns.schemas.findings import finding
from statreturns.schemas.formula import Unsupported, cell_value
from statreturns.schemas.grid import Grid
from statreturns.schemas.locate import SheetReturn, project_row, read_sheet, reporter_findings
from statreturns.schemas.text import NotANumber, a1, cell_text, fold, parse_number, parse_period, period_label

META_SHEET = "_meta"
MARKER = "statreturns 填报模板"
TEMPLATE_VERSION = 1
TABLE = ("sheet", "form", "item", "field", "cell")
INSTRUCTIONS = "instructions"  # the field of a sheet of the template that holds no return
IDENTITY = ("reporter", "period")  # fields of the sheet itself (item ""): the 填报单位 and 报告期 cells
NUMBERS = ("month", "ytd", "prior_ytd")  # the measures a clerk types; 同比 is the template's own formula
MAX_ROWS = 20_000  # a fingerprint longer than any template is not one
_REF = re.compile(r"^[A-Z]{1,3}[1-9]\d{0,6}(?::[A-Z]{1,3}[1-9]\d{0,6})?$")


@dataclass(frozen=True)
class SheetMap:
    """Where one form sits on one sheet: (item, field) -> A1 cell, or a column range for a list form's field.

    ``item`` is an indicator code with the fields ``month``, ``ytd``, ``prior_ytd``, ``text`` and ``unit`` (the row's
    计量单位 cell); for the sheet's own cells and a list form's columns it is empty."""

    sheet: str
    form_code: str
    cells: dict[tuple[str, str], str]


@dataclass(frozen=True)
class Fingerprint:
    org_code: str
    department: str
    period: dt.date
    version: int
    catalogue: str
    sheets: tuple[SheetMap, ...]
    other_sheets: tuple[str, ...] = ()  # sheets of the template that hold no return (填表说明)

    @property
    def form_codes(self) -> tuple[str, ...]:
        return tuple(m.form_code for m in self.sheets)


def _form_doc(form: Form) -> dict:
    return {
        "code": form.code, "title": form.title, "department": form.department, "layout": form.layout,
        "unit": form.unit, "statuses": list(form.statuses), "columns": sorted(form.columns),
        "indicators": [[i.code, i.name, i.unit, i.kind, i.yoy] for i in form.indicators],
    }


def catalogue_hash(cat: Catalogue, form_codes: tuple[str, ...] | list[str]) -> str:
    """What a template's cells and checks were generated from: its forms and the catalogue's checks.

    A rule's wording may change without making a template old; its formula, scope or severity may not."""
    doc = {
        "forms": [_form_doc(cat.forms[c]) if c in cat.forms else c for c in sorted(form_codes)],
        "checks": sorted([r.code, r.severity, r.check.text, repr(r.where), r.form or ""]
                         for r in cat.rules.values() if r.check is not None),
    }
    return hashlib.sha256(json.dumps(doc, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()[:16]


def fingerprint_rows(fp: Fingerprint) -> list[tuple[str, ...]]:
    """The rows of the ``_meta`` sheet, all text."""
    rows: list[tuple[str, ...]] = [
        (MARKER, str(fp.version)),
        ("org_code", fp.org_code),
        ("department", fp.department),
        ("period", fp.period.strftime("%Y-%m")),
        ("catalogue", fp.catalogue),
        TABLE,
    ]
    for m in fp.sheets:
        rows += [(m.sheet, m.form_code, item, field, cell) for (item, field), cell in m.cells.items()]
    rows += [(name, "", "", INSTRUCTIONS, "") for name in fp.other_sheets]
    return rows


def parse_fingerprint(grid: Grid) -> Fingerprint | None:
    """The fingerprint a ``_meta`` sheet holds; None when it is not one this version can read."""
    if grid.height > MAX_ROWS or not grid.rows:
        return None
    text = [[cell_text(grid.raw(r, c)) for c in range(len(TABLE))] for r in range(grid.height)]
    if text[0][0] != MARKER or not text[0][1].isdigit() or not 1 <= int(text[0][1]) <= TEMPLATE_VERSION:
        return None
    try:
        start = next(r for r, row in enumerate(text) if tuple(row) == TABLE)
    except StopIteration:
        return None
    head = {text[r][0]: text[r][1] for r in range(1, start)}
    period = next((parse_period(grid.raw(r, 1)) for r in range(1, start) if text[r][0] == "period"), None)
    if not head.get("org_code") or period is None:
        return None
    maps: dict[str, SheetMap] = {}
    others = []
    for sheet, form, item, field, cell in text[start + 1:]:
        if not sheet:
            continue
        if field == INSTRUCTIONS:
            others.append(sheet)
        elif _REF.match(cell) and form:
            maps.setdefault(sheet, SheetMap(sheet, form, {})).cells[(item, field)] = cell
    return Fingerprint(head["org_code"], head.get("department", ""), period, int(text[0][1]), head.get("catalogue", ""),
                       tuple(maps.values()), tuple(others))


def read_template(grids: tuple[Grid, ...], cat: Catalogue, file_name: str) -> list[tuple[Grid, SheetReturn]] | None:
    """The returns of a workbook issued as a template, read cell by cell; None for any other workbook."""
    meta = next((g for g in grids if g.sheet == META_SHEET), None)
    fp = parse_fingerprint(meta) if meta is not None else None
    if fp is None:
        return None
    maps = {m.sheet: m for m in fp.sheets}
    outdated = fp.catalogue != catalogue_hash(cat, fp.form_codes)
    found = []
    for grid in grids:
        if grid is meta or grid.sheet in fp.other_sheets:
            continue
        m = maps.get(grid.sheet)
        if m is not None and m.form_code in cat.forms:
            found.append((grid, _read_mapped(grid, cat, fp, m, file_name, outdated)))
        elif (s := read_sheet(grid, cat, file_name)) is not None:  # a sheet the template did not issue
            found.append((grid, s))
    return found


def _rc(ref: str) -> tuple[int, int]:
    """Zero-based (row, col) of an A1 reference."""
    col, row, _, _ = range_boundaries(ref)
    return row - 1, col - 1


def _after_label(grid: Grid, ref: str | None) -> tuple[str, str | None]:
    """The text of a label cell after its colon (填报单位：示例街道财政所 -> 示例街道财政所), and the cell."""
    if ref is None:
        return "", None
    text = cell_text(grid.shown(*_rc(ref)))
    value = re.split(r"[:：]", text, maxsplit=1)[-1].strip()
    return value, ref


def _identity(grid: Grid, cat: Catalogue, fp: Fingerprint, m: SheetMap, form: Form, ctx: dict):
    """(org code, period, reporter text, period cell, findings) from the sheet's own 填报单位 and 报告期, checked
    against the template's fingerprint."""
    reporter, reporter_cell = _after_label(grid, m.cells.get(("", "reporter")))
    org_code, findings = reporter_findings(cat, form, reporter, reporter_cell, ctx, issued_to=fp.org_code)
    period_text, period_cell = _after_label(grid, m.cells.get(("", "period")))
    period = parse_period(period_text) if period_text else None
    if period is None:
        findings.append(finding(cat, "no_period", cell=period_cell, value=period_text, **ctx))
    elif period != fp.period:
        findings.append(finding(cat, "template_other_period", cell=period_cell, value=period_text,
                                template_period=period_label(fp.period), **ctx))
    return org_code, period, reporter or None, period_cell, findings


def _read_mapped(grid: Grid, cat: Catalogue, fp: Fingerprint, m: SheetMap, file_name: str, outdated: bool) -> SheetReturn:
    form = cat.forms[m.form_code]
    ctx = dict(file_name=file_name, sheet=grid.sheet, form_code=form.code)
    org_code, period, reporter, period_cell, findings = _identity(grid, cat, fp, m, form, ctx)
    if outdated:
        findings.append(finding(cat, "template_outdated", value=fp.catalogue, current=catalogue_hash(cat, fp.form_codes), **ctx))
    if form.layout == "projects":
        projects, more = _projects(grid, cat, form, m, ctx)
        return SheetReturn(grid.sheet, form.code, org_code, period, reporter, period_cell, projects=projects,
                           findings=findings + more)
    records, more = _indicators(grid, cat, form, m, ctx)
    return SheetReturn(grid.sheet, form.code, org_code, period, reporter, period_cell, records=records,
                       findings=findings + more)


def _indicators(grid: Grid, cat: Catalogue, form: Form, m: SheetMap, ctx: dict) -> tuple[list[dict], list[dict]]:
    records: list[dict] = []
    findings: list[dict] = []
    codes = {i.code: i for i in form.indicators}
    for ind in (codes[item] for item in dict.fromkeys(item for item, _ in m.cells) if item in codes):
        here = dict(ctx, indicator=ind)
        if ind.kind == "text":
            if (ind.code, "text") in m.cells:
                records.append(_text_record(grid, cat, ind, m.cells[(ind.code, "text")]))
            continue
        unit = _row_unit(grid, cat, ind, m)
        factor = cat.unit_factor(unit, ind.unit)
        if factor is None:
            findings.append(finding(cat, "unit_mismatch", cell=m.cells[(ind.code, "unit")], value=unit, unit=ind.unit, **here))
            continue
        for measure in NUMBERS:
            ref = m.cells.get((ind.code, measure))
            if ref is not None:
                records.append(_number_record(grid, cat, ind, measure, ref, unit, factor, findings, here))
    return records, findings


def _row_unit(grid: Grid, cat: Catalogue, ind: Indicator, m: SheetMap) -> str | None:
    """The unit the row's 计量单位 cell says (the template writes the canonical one), else the canonical unit."""
    ref = m.cells.get((ind.code, "unit"))
    written = fold(grid.shown(*_rc(ref))) if ref else ""
    return cat.unit(written) if written and written not in cat.no_figure else ind.unit


def _number_record(grid: Grid, cat: Catalogue, ind: Indicator, measure: str, ref: str, unit: str | None,
                   factor: float, findings: list[dict], here: dict) -> dict:
    r, c = _rc(ref)
    raw = grid.raw(r, c)
    rec = {"indicator_code": ind.code, "measure": measure, "value": None, "text_value": None, "raw": cell_text(raw),
           "cell": a1(r, c), "unit_found": unit, "factor": factor, "computed": False}
    try:
        value = parse_number(raw, cat.no_figure)
    except NotANumber as e:
        findings.append(finding(cat, "not_number", cell=rec["cell"], value=str(e), measure=measure, **here))
        value = None
    if (r, c) in grid.formulas:  # a clerk's own formula, saved without its value
        formula = "=" + grid.formulas[(r, c)]
        try:
            computed = round(cell_value(grid, r, c, cat.no_figure), 10)
        except Unsupported:
            if value is None:
                rec["raw"] = formula
                findings.append(finding(cat, "formula_not_computed", cell=rec["cell"], value=formula, measure=measure, **here))
        else:
            if value is None or abs(value - computed) > 1e-9:
                rec["computed"], rec["raw"] = True, formula
            value = computed
    if value is not None:
        rec["value"] = round(value * factor, 6)
    return rec


def _text_record(grid: Grid, cat: Catalogue, ind: Indicator, ref: str) -> dict:
    r, c = _rc(ref)
    text = cell_text(grid.shown(r, c))
    return {"indicator_code": ind.code, "measure": "text", "value": None,
            "text_value": None if fold(text) in cat.no_figure else text,
            "raw": text, "cell": a1(r, c), "unit_found": None, "factor": 1.0, "computed": False}


def _projects(grid: Grid, cat: Catalogue, form: Form, m: SheetMap, ctx: dict) -> tuple[list[dict], list[dict]]:
    """The list form's rows: every row of the template's list with anything typed in it."""
    columns = {field: range_boundaries(ref) for (item, field), ref in m.cells.items() if not item and field in form.columns}
    if "project_name" not in columns:
        return [], [finding(cat, "no_header", **ctx)]
    _, first, _, last = columns["project_name"]
    col = {field: b[0] - 1 for field, b in columns.items()}
    projects: list[dict] = []
    findings: list[dict] = []
    for r in range(first - 1, last):
        row = {field: grid.raw(r, c) for field, c in col.items()}
        if all(v is None for k, v in row.items() if k != "seq"):
            continue
        project, problems = project_row(cat, row, r, col, 1.0, ctx)  # the template's 总投资 is in the form's unit
        projects.append(project)
        findings += problems
    return projects, findings
