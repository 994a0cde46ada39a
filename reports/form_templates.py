"""填报模板: each org and department gets its forms for the month, pre-filled from the warehouse, protected and
checking while the clerk types, with a fingerprint that lets intake read the figures back cell by cell.

``write_templates`` is what the command, the flow and the portal call. The layout of a sheet is in
``reports/form_sheets.py``, the rules as Excel formulas in ``reports/form_checks.py``, the fingerprint format in
``schemas/fingerprint.py``.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
from openpyxl.workbook.properties import CalcProperties
from openpyxl.workbook.protection import WorkbookProtection

from statreturns.reports.files import set_text
from statreturns.reports.form_sheets import Issue, earlier_periods, indicator_sheet, instructions_sheet, project_sheet, words
from statreturns.schemas.catalogue import Catalogue, Form
from statreturns.schemas.fingerprint import META_SHEET, TEMPLATE_VERSION, Fingerprint, catalogue_hash, fingerprint_rows
from statreturns.schemas.text import fold
from statreturns.warehouse.db import query
from statreturns.warehouse.store import Warehouse

FOLDER = "填报模板"
_BAD_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_BAD_TITLE = str.maketrans({c: "_" for c in "[]:*?/\\"})


class TemplateRequestError(ValueError):
    """Templates asked for an org or a department the registry or the catalogue does not have; says which, in Chinese."""


def templates_folder(out: Path, period: dt.date) -> Path:
    """Where templates of ``period`` go by default: ``<out>/<period>/填报模板``."""
    return out / period.strftime("%Y-%m") / FOLDER


def template_name(org_name: str, department: str, period: dt.date) -> str:
    """e.g. ``示例街道-财政所-2023年7月填报模板.xlsx``."""
    return _BAD_NAME.sub("_", f"{org_name}-{department}-{period.year}年{period.month}月填报模板.xlsx")


def departments(cat: Catalogue) -> dict[str, list[Form]]:
    """Each department's forms, in the catalogue's order."""
    found: dict[str, list[Form]] = {}
    for form in cat.forms.values():
        found.setdefault(form.department, []).append(form)
    return found


def read_prefill(wh: Warehouse, period: dt.date) -> tuple[dict, dict]:
    """What the warehouse pre-fills templates of ``period`` with: per helper field, (org, form, indicator) -> 本年累计;
    per org, last month's project list. Empty when there is no warehouse yet."""
    if not wh.exists:
        return {}, {}
    earlier: dict[str, dict] = {}
    with wh.reader() as con:
        for name, at in earlier_periods(period).items():
            frame = query(con, "template_prefill", at=at)
            earlier[name] = {(r.org_code, r.form_code, r.indicator_code): float(r.ytd) for r in frame.itertuples()}
        frame = query(con, "template_projects", period=period)
    projects: dict[str, list[dict]] = {}
    for r in frame.itertuples():
        listed = projects.setdefault(r.org_code, [])
        if all(p["project_name"] != r.project_name for p in listed):
            listed.append({k: (None if _missing(v) else v) for k, v in r._asdict().items() if k not in ("Index", "org_code")})
    return earlier, projects


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def _sheet_title(form: Form) -> str:
    return f"{form.code}表 {form.title}".translate(_BAD_TITLE)[:31]


def template_book(cat: Catalogue, issue: Issue, forms: list[Form]) -> openpyxl.Workbook:
    """One org and department's workbook: a sheet per form, the instructions, and the fingerprint."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    maps = []
    for form in forms:
        ws = book.create_sheet(_sheet_title(form))
        maps.append((project_sheet if form.layout == "projects" else indicator_sheet)(ws, cat, form, issue))
    notes = book.create_sheet(words()["instructions_sheet"])
    instructions_sheet(notes, issue)
    codes = tuple(f.code for f in forms)
    fp = Fingerprint(issue.org.code, issue.department, issue.period, TEMPLATE_VERSION, catalogue_hash(cat, codes),
                     tuple(maps), (notes.title,))
    meta = book.create_sheet(META_SHEET)
    for r, row in enumerate(fingerprint_rows(fp), start=1):
        for c, text in enumerate(row, start=1):
            if text:
                set_text(meta.cell(r, c), text)
    meta.protection.sheet = True
    meta.sheet_state = "veryHidden"
    book.active = 0
    book.security = WorkbookProtection(lockStructure=True)
    book.calculation = CalcProperties(fullCalcOnLoad=True)  # Excel and WPS compute 同比 when the file opens
    book.properties.title = f"{issue.reporter}{issue.period.year}年{issue.period.month}月填报模板"
    book.properties.creator = words()["authority"]
    return book


def write_templates(wh: Warehouse, cat: Catalogue, period: dt.date, out: Path, *, orgs: list[str] | None = None,
                    department: str | None = None) -> list[Path]:
    """Write one template per org and department into ``out``; orgs None = every org of the registry."""
    period = dt.date(period.year, period.month, 1)
    chosen = list(cat.orgs) if orgs is None else [_org(cat, code) for code in orgs]
    by_department = departments(cat)
    if department is not None:
        name = cat.departments.get(fold(department), department)
        if name not in by_department:
            raise TemplateRequestError(f"部门“{department}”不负责任何报表（可选：{'、'.join(by_department)}）")
        by_department = {name: by_department[name]}
    earlier, projects = read_prefill(wh, period)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for org in chosen:
        for dept, forms in by_department.items():
            issue = Issue(org, dept, period,
                          earlier={f: {(fc, ic): v for (o, fc, ic), v in values.items() if o == org.code}
                                   for f, values in earlier.items()},
                          projects=tuple(projects.get(org.code, ())))
            path = out / template_name(org.name, dept, period)
            template_book(cat, issue, forms).save(path)
            written.append(path)
    return written


def _org(cat: Catalogue, code: str):
    org = cat.org(code)
    if org is None:
        raise TemplateRequestError(f"单位代码 {code} 不在单位名册中（名册中有：{'、'.join(o.code + ' ' + o.name for o in cat.orgs)}）")
    return org

