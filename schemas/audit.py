"""The 审核 rules of the reporting system, applied to a whole batch of returns at once."""
from __future__ import annotations

import datetime as dt
from functools import partial

import numpy as np
import pandas as pd
import pandera.pandas as pa

from statreturns.schemas.catalogue import Catalogue, Rule, Scope
from statreturns.schemas.findings import AUDIT_COLUMNS, FINDING_COLUMNS, finding
from statreturns.schemas.notes import NOTE_COLUMNS, explain
from statreturns.schemas.records import RECORD_KEY, Batch
from statreturns.schemas.rules import EARLIER, FUNCTIONS, STORED, Call, Ref
from statreturns.schemas.text import cell_text, fold

# the stored figures of earlier returns a check may read (prev.ytd, last_year.ytd …), as the warehouse supplies them
PREVIOUS_COLUMNS = ("org_code", "form_code", "indicator_code", "period", *STORED)
_NO_NOTES = pd.DataFrame(columns=list(NOTE_COLUMNS))
_COLUMNS = ["sha256", "file_name", *FINDING_COLUMNS, "expected"]


def indicator_frame(cat: Catalogue) -> pd.DataFrame:
    """The catalogue's indicators as a frame, for joining onto records."""
    return pd.DataFrame(
        [(i.form_code, i.code, i.kind, i.yoy, i.unit) for i in cat.indicators()],
        columns=["form_code", "indicator_code", "kind", "yoy", "unit"],
    )


def wide(records: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    """One row per (return, indicator): value_<measure>, cell_<measure>, raw_<measure>, with kind and yoy."""
    keys = [*RECORD_KEY, "file_name", "org_code", "form_code", "period", "indicator_code"]
    numeric = records[records["measure"] != "text"]
    types = {"period": "datetime64[ns]", **{f"value_{m}": float for m in ("month", "ytd", "prior_ytd", "yoy_pct")}}
    if numeric.empty:
        cols = [f"{p}_{m}" for p in ("value", "cell", "raw") for m in ("month", "ytd", "prior_ytd", "yoy_pct")]
        return pd.DataFrame(columns=keys + cols + ["kind", "yoy", "unit"]).astype(types)
    pivot = numeric.set_index([*keys, "measure"])[["value", "cell", "raw"]].unstack("measure")
    pivot.columns = [f"{a}_{b}" for a, b in pivot.columns]
    pivot = pivot.reset_index()
    for m in ("month", "ytd", "prior_ytd", "yoy_pct"):
        for p in ("value", "cell", "raw"):
            if f"{p}_{m}" not in pivot:
                pivot[f"{p}_{m}"] = None
    pivot = pivot.astype(types)
    return pivot.merge(indicator_frame(cat), on=["form_code", "indicator_code"], how="left")


def audit(batch: Batch, previous: pd.DataFrame, cat: Catalogue, run_period: dt.date | None,
          notes: pd.DataFrame = _NO_NOTES) -> pd.DataFrame:
    """Every finding of the batch: what reading found, plus every rule of spec §7, warnings the notes explain marked.

    The checks that read an earlier period run only when ``previous`` holds any stored figure; a batch read before
    the warehouse is consulted leaves them to ``audit_earlier``.
    """
    w = wide(batch.records, cat)
    rules = [r for r in indicator_rules(cat) if not previous.empty or not reads_earlier(r)]
    parts = [
        batch.findings,
        _required(batch, w, cat),
        _run_checks(rules, with_earlier(w, previous) if not previous.empty else w, cat),
        _form_checks(w, cat),
        _periods(batch.returns, batch.records, cat, run_period),
        _projects(batch, cat),
        _twice_in_file(batch, cat),
    ]
    parts = [p for p in parts if not p.empty]
    found = pd.concat(parts, ignore_index=True) if parts else batch.findings.iloc[0:0]
    found = found.reindex(columns=[*batch.findings.columns, "expected"])
    return explain(found, notes, cat)[[*batch.findings.columns, *AUDIT_COLUMNS]]


def reads_earlier(rule: Rule) -> bool:
    """Whether a rule's check reads a figure of an earlier period, which only the warehouse can supply."""
    return rule.check is not None and any(r.earlier for r in rule.check.refs())


def indicator_rules(cat: Catalogue) -> list[Rule]:
    """The per-indicator checks of the catalogue (本年累计 ≥ 本月, continuity with last month, growth …)."""
    return [r for r in cat.rules.values() if r.check is not None and r.check.grain == "indicator"]


def audit_earlier(w: pd.DataFrame, previous: pd.DataFrame, cat: Catalogue, notes: pd.DataFrame = _NO_NOTES) -> pd.DataFrame:
    """The findings of the checks that read an earlier period, over a wide frame of one period's figures."""
    rules = [r for r in indicator_rules(cat) if reads_earlier(r)]
    if w.empty or previous.empty:
        return explain(_rows(w.iloc[0:0], None), notes, cat)[_COLUMNS + list(AUDIT_COLUMNS[1:])]
    found = _run_checks(rules, with_earlier(w.merge(indicator_frame(cat), on=["form_code", "indicator_code"]), previous), cat)
    return explain(found, notes, cat)[[*_COLUMNS, *AUDIT_COLUMNS[1:]]]


def with_earlier(w: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """The wide frame with the stored figures of each earlier period a check may read (``prev_ytd`` …)."""
    keys = ["org_code", "form_code", "indicator_code"]
    stored = previous.reindex(columns=list(PREVIOUS_COLUMNS)).assign(
        period=lambda d: pd.to_datetime(d["period"]).astype("datetime64[ns]"))
    stored = stored.dropna(subset=[*keys, "period"]).drop_duplicates([*keys, "period"])
    out = w
    for name, earlier in EARLIER.items():
        at = out["period"] - pd.DateOffset(months=earlier.months)
        if earlier.same_year:
            at = at.where(at.dt.year == out["period"].dt.year)
        renamed = stored.rename(columns={"period": "_at", **{m: f"{name}_{m}" for m in STORED}})
        out = out.assign(_at=at).merge(renamed, on=[*keys, "_at"], how="left").drop(columns="_at")
    return out


def _rows(frame: pd.DataFrame, make) -> pd.DataFrame:
    out = [{"sha256": r.sha256, "file_name": r.file_name, **make(r)} for r in frame.itertuples(index=False)]
    return pd.DataFrame(out, columns=_COLUMNS)


def _ind(cat: Catalogue, r):
    return cat.forms[r.form_code].indicator(r.indicator_code)


def _expected(batch: Batch, cat: Catalogue) -> pd.DataFrame:
    """(return, indicator, measure) for every figure the return's form requires."""
    req = pd.DataFrame(
        [(i.form_code, i.code, m) for i in cat.indicators() for m in i.required_measures],
        columns=["form_code", "indicator_code", "measure"],
    )
    rets = batch.returns.dropna(subset=["sheet", "form_code"])
    return rets.merge(req, on="form_code")


def _among(frame: pd.DataFrame, keys: pd.DataFrame) -> np.ndarray:
    """Whether each row's (return, indicator) is among those of ``keys``, in the order of the rows."""
    on = [*RECORD_KEY, "indicator_code"]
    hits = keys[on].drop_duplicates().assign(_among=True)
    return frame[on].merge(hits, on=on, how="left")["_among"].notna().to_numpy()


def _required(batch: Batch, w: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    exp = _expected(batch, cat)
    if exp.empty:
        return _rows(exp, None)
    on = [*RECORD_KEY, "indicator_code"]
    exp = exp.merge(batch.records[[*on, "measure", "value", "raw", "cell"]], on=[*on, "measure"], how="left")
    texts = batch.records[batch.records["measure"] == "text"]
    present = pd.concat([w[on], texts[on]])
    # a row whose unit could not be converted was reported when it was read: it is not missing too
    unread = batch.findings[batch.findings["rule"] == "unit_mismatch"]
    exp = exp.assign(row_missing=~_among(exp, present))[~_among(exp, unread)]
    # a cell whose text is not a number was reported when it was read; only a cell without a value is looked at
    no_value, raw = exp["value"].isna(), exp["raw"]
    blank = no_value & raw.isin({t for t in raw[no_value].dropna().unique() if fold(t) in cat.no_figure})
    no_column = no_value & raw.isna()
    missing_rows = exp[exp["row_missing"]].drop_duplicates(on)
    missing_cells = exp[~exp["row_missing"] & (blank | no_column)]
    return pd.concat([
        _rows(missing_rows, lambda r: finding(cat, "missing_indicator", file_name=r.file_name, sheet=r.sheet, indicator=_ind(cat, r))),
        _rows(missing_cells, lambda r: finding(
            cat, "missing_figure", file_name=r.file_name, sheet=r.sheet, cell=None if pd.isna(r.cell) else r.cell,
            indicator=_ind(cat, r), value=r.raw, measure=r.measure)),
    ], ignore_index=True)


def _in_scope(scope: Scope, w: pd.DataFrame) -> pd.Series:
    """Which rows of a wide frame (indicator figures) a rule's scope covers."""
    mask = pd.Series(not scope.layouts or "indicators" in scope.layouts, index=w.index)
    if scope.kinds:
        mask &= w["kind"].isin(scope.kinds)
    if scope.yoy is not None:
        mask &= w["yoy"].fillna(False).astype(bool) == scope.yoy
    if scope.months:
        mask &= w["period"].dt.month.isin(scope.months)
    if scope.forms:
        mask &= w["form_code"].isin(scope.forms)
    return mask


def _column(frame: pd.DataFrame, ref: Ref) -> pd.Series:
    """A figure a check reads; a column no return has is all blank, so the check does not judge it."""
    return frame[ref.column] if ref.column in frame else pd.Series(np.nan, index=frame.index)


def _passes(rule: Rule, frame: pd.DataFrame) -> pd.Series:
    holds = rule.check.evaluate(partial(_column, frame)).holds
    if rule.form:  # a comparison between a form's indicators judges that form's returns only
        return holds | (frame["form_code"] != rule.form)
    return holds | ~_in_scope(rule.where, frame)


def rule_schema(rules: list[Rule]) -> pa.DataFrameSchema:
    """The checks of ``rules`` as one pandera schema over a wide frame; each check is named by its rule code."""
    return pa.DataFrameSchema(checks=[pa.Check(partial(_passes, r), name=r.code) for r in rules])


def _failures(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> dict[str, list]:
    """Rule code -> the rows of ``frame`` that fail it, from one lazy validation."""
    try:
        schema.validate(frame, lazy=True)
        return {}
    except pa.errors.SchemaErrors as e:
        cases = e.failure_cases
        if cases["index"].isna().any():  # a check that could not run is a bug, not a finding
            raise
        return {code: sorted(set(group["index"])) for code, group in cases.groupby("check")}


def _decimals(node: object) -> int:
    return FUNCTIONS[node.function].decimals if isinstance(node, Call) else 6


def _shown(x: object, decimals: int) -> object:
    return None if pd.isna(x) else round(float(x), decimals)


def _fired(rule: Rule, rows: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    """The findings of one check on the rows that fail it, the figures it computed filling the message."""
    check = rule.check
    outcome = check.evaluate(partial(_column, rows))
    at = check.cell_ref
    suffix = f"@{at.indicator}" if at.indicator else ""
    shown = {name: series.map(partial(_shown, decimals=d)) for name, (series, d) in outcome.values.items()}
    shown["left"] = outcome.left.map(partial(_shown, decimals=_decimals(check.left)))
    shown["right"] = outcome.right.map(partial(_shown, decimals=_decimals(check.right)))
    fields = pd.DataFrame(shown, index=rows.index)
    out = []
    for (_, r), (_, f) in zip(rows.iterrows(), fields.iterrows()):
        ind = cat.forms[r["form_code"]].indicator(at.indicator or r["indicator_code"])
        out.append({"sha256": r["sha256"], "file_name": r["file_name"], **finding(
            cat, rule.code, file_name=r["file_name"], sheet=r["sheet"], cell=r[f"cell_{at.measure}{suffix}"],
            indicator=ind, value=r[f"raw_{at.measure}{suffix}"], **f.to_dict(),
            expected=check.expected(cell_text(f["right"])))})
    return pd.DataFrame(out, columns=_COLUMNS)


def _run_checks(rules: list[Rule], frame: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    failed = _failures(rule_schema(rules), frame) if rules and not frame.empty else {}
    out = [_fired(r, frame.loc[failed[r.code]], cat) for r in rules if r.code in failed]
    return pd.concat(out, ignore_index=True) if out else _rows(frame.iloc[0:0], None)


def by_return(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per return of one form, its figures as ``value_ytd@04``, ``cell_ytd@04``, ``raw_ytd@04`` …"""
    figures = [c for c in rows.columns if c.startswith(("value_", "cell_", "raw_"))]
    flat = rows.set_index([*RECORD_KEY, "indicator_code"])[figures].unstack("indicator_code")
    flat.columns = [f"{a}@{b}" for a, b in flat.columns]
    ident = rows[[*RECORD_KEY, "file_name", "form_code"]].drop_duplicates(list(RECORD_KEY))
    return flat.reset_index().merge(ident, on=list(RECORD_KEY))


def _form_checks(w: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    """Each form's comparisons between its own indicators, e.g. 化解矛盾纠纷 ≤ 排查矛盾纠纷: one validation of
    every return of the batch, each rule judging its own form's."""
    rules = [r for r in cat.rules.values() if r.form]
    mine = w[w["form_code"].isin({r.form for r in rules})]
    return _run_checks(rules, by_return(mine), cat) if not mine.empty else _rows(w.iloc[0:0], None)


def _month(ts) -> str:
    return f"{ts.year}年{ts.month}月"


def _periods(returns: pd.DataFrame, records: pd.DataFrame, cat: Catalogue, run_period: dt.date | None) -> pd.DataFrame:
    rets = returns.dropna(subset=["sheet", "period"])
    late = rets[rets["period"] > pd.Timestamp(run_period)] if run_period else rets.iloc[0:0]
    moved = rets[rets["folder_period"].notna() & (rets["folder_period"] != rets["period"])]
    return pd.concat([
        _rows(late, lambda r: finding(cat, "period_after_run", file_name=r.file_name, sheet=r.sheet, cell=r.period_cell,
                                      form_code=r.form_code, value=_month(r.period), run_period=_month(pd.Timestamp(run_period)))),
        _rows(moved, lambda r: finding(cat, "period_folder_mismatch", file_name=r.file_name, sheet=r.sheet, cell=r.period_cell,
                                       form_code=r.form_code, value=_month(r.period), folder_period=_month(r.folder_period))),
    ], ignore_index=True)


def _sub_batch(batch: Batch, keys: pd.DataFrame) -> Batch:
    """The part of a batch belonging to the returns in ``keys`` (sha256, sheet)."""
    pick = lambda frame: frame.merge(keys, on=list(RECORD_KEY))  # noqa: E731
    return Batch(pick(batch.returns), pick(batch.records), pick(batch.projects), pick(batch.findings))


def _contents(batch: Batch, returns: pd.DataFrame) -> dict[tuple[str, str], tuple]:
    """Per return of ``returns`` (sha256, sheet), what it says: its figures, texts and projects, comparably."""
    part = _sub_batch(batch, returns[list(RECORD_KEY)])
    said: dict[tuple[str, str], list] = {}
    for r in part.records.itertuples(index=False):
        shown = r.text_value if isinstance(r.text_value, str) else None if pd.isna(r.value) else round(r.value, 6)
        said.setdefault((r.sha256, r.sheet), []).append((r.indicator_code, r.measure, shown))
    for p in part.projects.itertuples(index=False):
        inv = None if pd.isna(p.total_investment) else round(p.total_investment, 6)
        said.setdefault((p.sha256, p.sheet), []).append((str(p.project_name), str(p.status), inv))
    return {k: tuple(sorted(v, key=str)) for k, v in said.items()}


def _twice_in_file(batch: Batch, cat: Catalogue) -> pd.DataFrame:
    """Two sheets of one file holding the same return with different figures: the department's own contradiction,
    so each is refused, naming the others; identical copies are one return sent twice and stand."""
    rets = batch.returns.dropna(subset=["sheet", "org_code", "form_code", "period"])
    keys = ["sha256", "org_code", "form_code", "period"]
    twice = rets[rets.duplicated(keys, keep=False)]
    if twice.empty:
        return _rows(twice, None)
    said = _contents(batch, twice)
    out = []
    for _, group in twice.groupby(keys):
        versions = {said.get((r.sha256, r.sheet)) for r in group.itertuples(index=False)}
        if len(versions) == 1:
            continue
        sheets = "、".join(f"“{s}”" for s in group["sheet"])
        form = cat.forms[group["form_code"].iloc[0]]
        org = cat.org(group["org_code"].iloc[0])
        what = f"{org.name if org else ''}{form.code}表{_month(group['period'].iloc[0])}的报表"
        out.append(_rows(group, lambda r: finding(cat, "return_twice_in_file", file_name=r.file_name, sheet=r.sheet,
                                                   cell=r.period_cell, form_code=r.form_code, value=what,
                                                   sheets=sheets)))
    return pd.concat(out, ignore_index=True) if out else _rows(twice.iloc[0:0], None)


def _projects(batch: Batch, cat: Catalogue) -> pd.DataFrame:
    p = batch.projects.merge(batch.returns[[*RECORD_KEY, "file_name", "form_code"]], on=list(RECORD_KEY))
    if p.empty:
        return _rows(p, None)
    statuses = {code: set(f.statuses) for code, f in cat.forms.items() if f.statuses}
    no_name = p[p["project_name"].isna()]
    named = p[p["project_name"].notna()]
    bad_status = named[[s not in statuses.get(f, ()) for s, f in zip(named["status"], named["form_code"])]]
    dup = named[named.assign(project_name=named["project_name"].map(fold)).duplicated([*RECORD_KEY, "project_name"])]
    inv = p["total_investment"]
    parsed = inv.notna() | p["investment_raw"].fillna("").map(lambda t: fold(t) in cat.no_figure)
    bad_inv = p[parsed & ~(inv > 0)]
    ctx = lambda r: dict(file_name=r.file_name, sheet=r.sheet, form_code=r.form_code)  # noqa: E731
    return pd.concat([
        _rows(no_name, lambda r: finding(cat, "project_no_name", cell=r.name_cell, **ctx(r))),
        _rows(bad_status, lambda r: finding(cat, "project_status", cell=r.status_cell, value=r.status,
                                            statuses="、".join(cat.forms[r.form_code].statuses), **ctx(r))),
        _rows(dup, lambda r: finding(cat, "project_duplicate", cell=r.name_cell, value=r.project_name, **ctx(r))),
        _rows(bad_inv, lambda r: finding(cat, "project_investment", cell=r.investment_cell, value=r.investment_raw, **ctx(r))),
    ], ignore_index=True)
