"""Locating a return on a sheet by its labels and header words, never by fixed addresses."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cache

from statreturns.schemas.catalogue import Catalogue, Form, Indicator, Org
from statreturns.schemas.findings import finding
from statreturns.schemas.formula import Unsupported, cell_value
from statreturns.schemas.grid import Grid
from statreturns.schemas.text import NotANumber, a1, cell_text, fold, normalise_code, parse_number, parse_period, split_name

VALUE_MEASURES = ("month", "ytd", "prior_ytd", "yoy_pct")
_PAREN = re.compile(r"\(([^()]*)\)$")
_FORM_CODE = re.compile(r"([A-Z]{2})0?(\d{1,2})")


@dataclass(frozen=True)
class SheetReturn:
    """What one sheet holds: a return's identity, its figures, projects and findings."""

    sheet: str
    form_code: str | None
    org_code: str | None
    period: dt.date | None
    reporter: str | None
    period_cell: str | None = None  # where the 报告期 was read, for the findings about it
    records: list[dict] = field(default_factory=list)
    projects: list[dict] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Header:
    row: int  # first row of the column header
    last: int  # last row of the column header
    columns: dict[str, int]  # field -> column
    units: dict[str, str]  # field -> unit written in the header's brackets


@cache
def _label_pattern(words: tuple[tuple[str, str], ...]) -> re.Pattern:
    alternatives = "|".join(re.escape(w) for _, w in sorted(words, key=lambda kw: -len(kw[1])))
    # a label may carry a note before its colon: 填报单位（盖章）：
    return re.compile(f"({alternatives})(?:\\([^()]*\\))?[:：]")


def _label_words(cat: Catalogue) -> tuple[tuple[str, str], ...]:
    return tuple((kind, w) for kind, words in cat.labels.items() for w in words)


def find_labels(grid: Grid, cat: Catalogue, rows: range) -> dict[str, tuple[str, str]]:
    """Header-block labels (表号, 填报单位, 报告期, 计量单位) as kind -> (value, A1 of the value).

    Each value is folded text, but a 报告期 in a cell of its own keeps what the cell holds (a date, a number).
    """
    words = _label_words(cat)
    by_word = {w: kind for kind, w in words}
    pattern = _label_pattern(words)
    found: dict[str, tuple[object, str]] = {}
    for r in rows:
        for c in range(grid.width):
            if not grid.is_anchor_or_single(r, c):
                continue
            text = fold(grid.raw(r, c))
            if not text:
                continue
            hits = list(pattern.finditer(text))
            if hits:
                for i, m in enumerate(hits):
                    end = hits[i + 1].start() if i + 1 < len(hits) else len(text)
                    value = text[m.end():end]
                    where = a1(r, c)
                    if not value:
                        value, where = _next_value(grid, r, c, pattern)
                    found.setdefault(by_word[m[1]], (_as_label(by_word[m[1]], value), where))
            elif text.rstrip(":") in by_word:
                value, where = _next_value(grid, r, c, pattern)
                found.setdefault(by_word[text.rstrip(":")], (_as_label(by_word[text.rstrip(":")], value), where))
    return found


def _as_label(kind: str, value: object) -> object:
    return value if kind == "period" else fold(cell_text(value))


def _next_value(grid: Grid, r: int, c: int, labels: re.Pattern) -> tuple[object, str]:
    """The value right of a label cell; none when the next filled cell is another label (a blank left blank)."""
    for cc in range(c + 1, grid.width):
        if grid.is_anchor_or_single(r, cc) and grid.raw(r, cc) is not None:
            v = grid.raw(r, cc)
            if isinstance(v, (dt.date, dt.datetime, int, float)) and not isinstance(v, bool):
                return v, a1(r, cc)  # a date, or a number such as 202306: read as what it is, not as text
            text = fold(cell_text(v))
            return ("", a1(r, c)) if labels.match(text) else (text, a1(r, cc))
    return "", a1(r, c)


def _match_column(cat: Catalogue, layout: str, text: str) -> str | None:
    """The column a header word names in a layout; each word is matched once per catalogue."""
    key = ("column", layout, text)
    if key not in cat.memo:
        fields = cat.layouts[layout]
        cat.memo[key] = next((name for name, pattern in fields.items() if pattern.match(text)), None)
    return cat.memo[key]


@cache
def _header_words(text: str) -> tuple[str, str | None]:
    """A header cell without its bracketed suffix, and the unit that suffix names."""
    m = _PAREN.search(text)
    if not m:
        return text, None
    inner = m[1]
    return text[: m.start()], (None if "%" in inner or not inner else inner)


def _classify_row(grid: Grid, cat: Catalogue, r: int, layout: str, two_rows: bool) -> tuple[dict[str, int], dict[str, str]]:
    columns: dict[str, int] = {}
    units: dict[str, str] = {}
    for c in range(grid.width):
        top, top_unit = _header_words(grid.word(r, c))
        bottom, bottom_unit = _header_words(grid.word(r + 1, c)) if two_rows else ("", None)
        candidates = [top + bottom, bottom, top] if bottom and bottom != top else [top]
        for text in candidates:
            name = _match_column(cat, layout, text) if text else None
            if name and name not in columns:
                columns[name] = c
                if bottom_unit or top_unit:
                    units[name] = bottom_unit or top_unit
                break
    return columns, units


def _is_header(columns: dict[str, int], key: tuple[str, str, str]) -> bool:
    return key[0] in columns and (key[1] in columns or key[2] in columns)


def find_header(grid: Grid, cat: Catalogue) -> tuple[str, Header] | None:
    """The first row that reads as a column header, as (layout, header).

    A two-row header is read as one, merged or not: when its merges were lost (copied as values, unmerged to sort),
    the names sit in the top row and the column words of the grouped columns in the row below.
    """
    for r in range(grid.height):
        for layout in cat.layouts:
            key = ("name", "ytd", "month") if layout == "indicators" else ("project_name", "total_investment", "status")
            columns, units = _classify_row(grid, cat, r, layout, two_rows=False)
            if key[0] not in columns:
                continue  # every header names its first column in its top row
            below, _ = _classify_row(grid, cat, r + 1, layout, two_rows=False)
            if _is_header(columns, key):
                two = len(below) >= 1 and not _looks_like_data(grid, cat, r + 1, columns)
            elif key[0] in columns and not _looks_like_data(grid, cat, r + 1, below) and (
                    key[1] in below or key[2] in below):
                two = True  # names above, the grouped columns' words below
            else:
                continue
            if two:
                columns, units = _classify_row(grid, cat, r, layout, two_rows=True)
                if not _is_header(columns, key):
                    continue
            return layout, Header(r, r + 1 if two else r, columns, units)
    return None


def _looks_like_data(grid: Grid, cat: Catalogue, r: int, columns: dict[str, int]) -> bool:
    return any(isinstance(grid.raw(r, c), (int, float)) for c in columns.values())


def _identify_form(cat: Catalogue, labels: dict, grid: Grid, header_row: int) -> tuple[Form | None, str | None]:
    """The form named by 表号, else by the title above the header; with the text that named it."""
    if labels.get("form_code", ("",))[0]:
        text = labels["form_code"][0].upper()
        m = _FORM_CODE.search(text)
        return (cat.forms.get(f"{m[1]}{int(m[2]):02d}") if m else None), text
    titles = {fold(f.title): f for f in cat.forms.values()}
    for r in range(header_row):
        for c in range(grid.width):
            t = fold(grid.raw(r, c))
            if t in titles:
                return titles[t], t
    return None, None


def _org_names(cat: Catalogue) -> dict[str, Org]:
    """The registry's orgs by folded name, built once per registry."""
    kept = cat.memo.get(("orgs", id(cat.orgs)))
    if kept is None or kept[0] is not cat.orgs:
        kept = (cat.orgs, {fold(o.name): o for o in cat.orgs if fold(o.name)})
        cat.memo[("orgs", id(cat.orgs))] = kept
    return kept[1]


def match_reporter(cat: Catalogue, text: str) -> tuple[str | None, str | None, str]:
    """(org code, department, rest) named by a 填报单位 text; the department is None when unrecognised.

    The org is the longest registered name the text holds, wherever it stands in it.
    """
    folded = fold(text)
    names = _org_names(cat)
    found = [(j - i, i, folded[i:j]) for i in range(len(folded)) for j in range(len(folded), i, -1) if folded[i:j] in names]
    if not found:
        return None, None, folded
    _, start, name = max(found, key=lambda f: (f[0], -f[1]))
    best = names[name]
    rest = folded[start + len(name):]
    if not rest:
        return best.code, "", rest
    if rest in cat.departments:
        return best.code, cat.departments[rest], rest
    for alias, dept in sorted(cat.departments.items(), key=lambda kv: -len(kv[0])):
        if alias in rest:
            return best.code, dept, rest
    return best.code, None, rest


def reporter_findings(cat: Catalogue, form: Form, reporter: str | None, cell: str | None, ctx: dict,
                      issued_to: str | None = None) -> tuple[str | None, list[dict]]:
    """The org a sheet's 填报单位 names, and what is wrong with it: missing, unknown, another org than the template
    was issued to (`issued_to`), or a department that does not fill this form."""
    if not reporter:
        return None, [finding(cat, "no_reporter", cell=cell, **ctx)]
    org_code, dept, _ = match_reporter(cat, reporter)
    if org_code is None:
        return None, [finding(cat, "unknown_org", cell=cell, value=reporter, **ctx)]
    if issued_to is not None and org_code != issued_to:
        org = cat.org(issued_to)
        return org_code, [finding(cat, "template_other_org", cell=cell, value=reporter,
                                  template_org=org.name if org else issued_to, **ctx)]
    if dept is None or (dept and dept != form.department):
        return org_code, [finding(cat, "wrong_department", cell=cell, value=reporter,
                                  form=f"{form.code}表{form.title}", department=form.department, **ctx)]
    return org_code, []


def _is_footer(grid: Grid, cat: Catalogue, r: int) -> bool:
    """Whether the row's first words open the signature block or a note (a remark cell may say 注：too)."""
    first = next((v for v in grid.rows[r] if v is not None and v != ""), None) if r < grid.height else None
    return first is not None and fold(first).startswith(cat.footer)


def read_sheet(grid: Grid, cat: Catalogue, file_name: str) -> SheetReturn | None:
    """The return a sheet holds, or None when the sheet holds none (an instructions sheet, a chart)."""
    found = find_header(grid, cat)
    header_row = found[1].row if found else grid.height
    labels = find_labels(grid, cat, range(header_row))
    if found is None and "form_code" not in labels:
        return None
    form, form_text = _identify_form(cat, labels, grid, header_row)
    ctx = dict(file_name=file_name, sheet=grid.sheet)
    findings: list[dict] = []
    if grid.hidden:
        findings.append(finding(cat, "hidden_sheet", **ctx))
    if form is None:
        rule = "unknown_form" if form_text else "no_form_code"
        cell = labels.get("form_code", (None, None))[1]
        return SheetReturn(grid.sheet, None, None, None, None, findings=findings + [finding(cat, rule, cell=cell, value=form_text, **ctx)])
    ctx["form_code"] = form.code

    reporter, reporter_cell = labels.get("reporter", (None, None))
    org_code, more = reporter_findings(cat, form, reporter, reporter_cell, ctx)
    findings += more

    period_text, period_cell = labels.get("period", (None, None))
    period = parse_period(period_text) if period_text else None
    if period is None:
        findings.append(finding(cat, "no_period", cell=period_cell, value=period_text, **ctx))

    layout = found[0] if found else None
    expected = "indicators" if form.layout == "indicators" else form.code
    if found is None or layout != expected:
        findings.append(finding(cat, "no_header", **ctx))
        return SheetReturn(grid.sheet, form.code, org_code, period, reporter, period_cell, findings=findings)

    sheet_unit = labels.get("unit", (None, None))
    header = found[1]
    if form.layout == "projects":
        projects, more = _read_projects(grid, cat, form, header, sheet_unit[0] or None, ctx)
        return SheetReturn(grid.sheet, form.code, org_code, period, reporter, period_cell, projects=projects,
                           findings=findings + more)
    records, more = _read_indicators(grid, cat, form, header, sheet_unit, ctx)
    return SheetReturn(grid.sheet, form.code, org_code, period, reporter, period_cell, records=records,
                       findings=findings + more)


def _data_rows(grid: Grid, cat: Catalogue, header: Header):
    for r in range(header.last + 1, grid.height):
        if _is_footer(grid, cat, r):
            return
        yield r


def _sheet_unit_applies(cat: Catalogue, form: Form, sheet_unit: str | None, ind: Indicator) -> bool:
    if not sheet_unit:
        return False
    canonical = {i.unit for i in form.indicators if i.kind != "text"}
    if len(canonical) == 1:
        return True
    return cat.unit_factor(sheet_unit, ind.unit) is not None


def _unit_written(grid, cat, form, ind, r, cols, name_unit, sheet_unit) -> tuple[str | None, str | None]:
    """The unit a row's figures are in and the cell that says so: the row's 计量单位, its name's brackets, the sheet's."""
    row_unit = fold(grid.raw(r, cols["unit"])) if "unit" in cols else ""
    if row_unit and row_unit not in cat.no_figure:
        return cat.unit(row_unit), a1(r, cols["unit"])
    if name_unit:
        return cat.unit(name_unit), a1(r, cols["name"])
    text, cell = sheet_unit
    if text and _sheet_unit_applies(cat, form, cat.unit(text), ind):
        return cat.unit(text), cell
    return None, None


def _resolve(form: Form, names: dict[str, Indicator], name: str, code: str | None) -> Indicator | None:
    if name in names:
        return names[name]
    if code is not None:
        return next((i for i in form.indicators if i.code == code), None)
    return None


def _names(form: Form) -> dict[str, Indicator]:
    names = {}
    for ind in form.indicators:
        for n in (ind.name, *ind.aliases):
            names[fold(n)] = ind
    return names


def _is_total(cat: Catalogue, *cells: object) -> bool:
    """Whether a row is a 合计/小计 of the rows above it, by the name (or number) it is given."""
    return any(split_name(v)[0] in cat.totals for v in cells if isinstance(v, str))


def _read_indicators(grid, cat, form, header, sheet_unit, ctx) -> tuple[list[dict], list[dict]]:
    records: list[dict] = []
    findings: list[dict] = []
    names = _names(form)
    seen: set[str] = set()
    cols = header.columns
    for r in _data_rows(grid, cat, header):
        name_raw = grid.raw(r, cols["name"])
        code_raw = grid.raw(r, cols["code"]) if "code" in cols else None
        name, name_unit = split_name(name_raw)
        code = normalise_code(code_raw)
        if not name and code is None or _is_total(cat, name_raw, code_raw):
            continue
        ind = _resolve(form, names, name, code)
        if ind is None:
            if len(name) > 1 and any(_is_number(grid.raw(r, cols[m])) for m in VALUE_MEASURES if m in cols):
                findings.append(finding(cat, "unknown_row", cell=a1(r, cols["name"]), value=cell_text(name_raw) or code, **ctx))
            continue
        here = dict(ctx, indicator=ind)
        if ind.code in seen:
            findings.append(finding(cat, "duplicate_indicator", cell=a1(r, cols["name"]), value=cell_text(name_raw), **here))
            continue
        seen.add(ind.code)
        if ind.kind == "text":
            records.append(_text_record(grid, cat, ind, r, cols))
            continue
        found_unit, unit_cell = _unit_written(grid, cat, form, ind, r, cols, name_unit, sheet_unit)
        factor = cat.unit_factor(found_unit, ind.unit)
        if factor is None:
            findings.append(finding(cat, "unit_mismatch", cell=unit_cell, value=found_unit, unit=ind.unit, **here))
            continue
        for measure in VALUE_MEASURES:
            if measure not in cols:
                continue
            c = cols[measure]
            raw = grid.raw(r, c)
            rec = {
                "indicator_code": ind.code, "measure": measure, "value": None, "text_value": None,
                "raw": cell_text(raw), "cell": a1(r, c), "unit_found": found_unit,
                "factor": 1.0 if measure == "yoy_pct" else factor, "computed": False,
            }
            try:
                value = parse_number(raw, cat.no_figure)
            except NotANumber as e:
                findings.append(finding(cat, "not_number", cell=a1(r, c), value=str(e), measure=measure, **here))
                value = None
            if (r, c) in grid.formulas:
                value = _formula_value(grid, cat, r, c, value, rec, findings, dict(here, measure=measure))
            if value is not None:
                rec["value"] = value if measure == "yoy_pct" else round(value * factor, 6)
            records.append(rec)
    return records, findings


def _is_number(v: object) -> bool:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return True
    return bool(re.fullmatch(r"[\d.,%]*\d[\d.,%]*", fold(v)))


def _text_record(grid: Grid, cat: Catalogue, ind: Indicator, r: int, cols: dict[str, int]) -> dict:
    """A text item sits in the 本月 cell, often merged across the value columns; ``—`` means none."""
    places = [cols[m] for m in ("month", "ytd", "prior_ytd") if m in cols]
    c = next((c for c in places if grid.shown(r, c) is not None), places[0])
    text = cell_text(grid.shown(r, c))
    return {
        "indicator_code": ind.code, "measure": "text", "value": None,
        "text_value": None if fold(text) in cat.no_figure else text,
        "raw": text, "cell": a1(r, c), "unit_found": None, "factor": 1.0, "computed": False,
    }


def _formula_value(grid: Grid, cat: Catalogue, r: int, c: int, stored: float | None, rec: dict,
                   findings: list[dict], ctx: dict) -> float | None:
    """The value of a formula cell whose stored value cannot be trusted: computed when it is plain arithmetic."""
    formula = "=" + grid.formulas[(r, c)]
    try:
        value = round(cell_value(grid, r, c, cat.no_figure), 10)
    except Unsupported:
        if stored is None:
            rec["raw"] = formula  # reported here, not again as a blank
            findings.append(finding(cat, "formula_not_computed", cell=a1(r, c), value=formula, **ctx))
        return stored
    if stored is None or abs(stored - value) > 1e-9:
        rec["computed"] = True
        rec["raw"] = formula
    return value


def project_row(cat: Catalogue, row: dict, r: int, cols: dict[str, int], factor: float, ctx: dict
                ) -> tuple[dict, list[dict]]:
    """One project of a list form from its row's cells (``row``: field -> raw value, at 0-based row ``r`` and the
    columns ``cols``), 总投资 in the form's unit by ``factor``; and the finding when 总投资 is no number."""
    inv_cell = a1(r, cols["total_investment"]) if "total_investment" in cols else None
    findings = []
    try:
        inv = parse_number(row.get("total_investment"), cat.no_figure)
    except NotANumber as e:
        findings.append(finding(cat, "not_number", cell=inv_cell, value=str(e), measure="总投资", **ctx))
        inv = None
    return {
        "project_name": cell_text(row.get("project_name")) or None,
        "status": fold(row.get("status")) or None,
        "total_investment": None if inv is None else round(inv * factor, 6),
        "location": cell_text(row.get("location")) or None,
        "industry": cell_text(row.get("industry")) or None,
        "responsible": cell_text(row.get("responsible")) or None,
        "name_cell": a1(r, cols["project_name"]),
        "status_cell": a1(r, cols["status"]) if "status" in cols else None,
        "investment_cell": inv_cell,
        "investment_raw": cell_text(row.get("total_investment")),
    }, findings


def _read_projects(grid, cat, form, header, sheet_unit, ctx) -> tuple[list[dict], list[dict]]:
    projects: list[dict] = []
    findings: list[dict] = []
    cols = header.columns
    unit = cat.unit(header.units.get("total_investment") or sheet_unit or form.unit)
    factor = cat.unit_factor(unit, form.unit)
    if factor is None:
        return [], [finding(cat, "unit_mismatch", value=unit, unit=form.unit, **ctx)]
    for r in _data_rows(grid, cat, header):
        row = {k: grid.raw(r, c) for k, c in cols.items()}
        if all(v is None for k, v in row.items() if k != "seq") or _is_total(cat, *(
                row.get(k) for k in ("seq", "project_name", "status"))):
            continue
        project, problems = project_row(cat, row, r, cols, factor, ctx)
        projects.append(project)
        findings += problems
    return projects, findings
