"""The 审核 rules of the reporting system, applied to a whole batch of returns at once."""
from __future__ import annotations

import datetime as dt
import operator

import pandas as pd
import pandera.pandas as pa

from schemas.catalogue import Catalogue
from schemas.findings import FINDING_COLUMNS, finding
from schemas.records import RECORD_KEY, Batch, RecordModel
from schemas.text import fold

TOLERANCE = 0.01  # of the unit, for sums that must agree
YOY_CELL_TOLERANCE = 0.1  # percentage points
YOY_ALERT = 50.0  # percent
PREVIOUS_COLUMNS = ("org_code", "form_code", "indicator_code", "period", "ytd")
_OPS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt, "==": operator.eq}


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


def growth(ytd: pd.Series, prior: pd.Series) -> pd.Series:
    """同比增长(%) from 本年累计 and 上年同期累计; undefined when last year's figure is not positive."""
    return ((ytd - prior) / prior * 100).where(prior > 0)


def audit(batch: Batch, previous: pd.DataFrame, cat: Catalogue, run_period: dt.date | None) -> pd.DataFrame:
    """Every finding of the batch: what reading found, plus every rule of spec §7."""
    w = wide(batch.records, cat)
    parts = [
        batch.findings,
        _contract(batch.records, cat),
        _required(batch, w, cat),
        _ytd_vs_month(w, cat),
        _continuity(w, previous, cat),
        _form_rules(w, cat),
        _yoy(w, cat),
        _periods(batch.returns, batch.records, cat, run_period),
        _projects(batch, cat),
    ]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return batch.findings.iloc[0:0]
    return pd.concat(parts, ignore_index=True)[list(batch.findings.columns)]


def _rows(frame: pd.DataFrame, make) -> pd.DataFrame:
    out = [{"sha256": r.sha256, "file_name": r.file_name, **make(r)} for r in frame.itertuples(index=False)]
    return pd.DataFrame(out, columns=["sha256", "file_name", *FINDING_COLUMNS])


def _ind(cat: Catalogue, r):
    return cat.forms[r.form_code].indicator(r.indicator_code)


def _contract(records: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    """Validate the records lazily; the record contract's value checks become findings."""
    try:
        RecordModel.validate(records, lazy=True)
        return _rows(records.iloc[0:0], None)
    except pa.errors.SchemaErrors as e:
        cases = e.failure_cases
        data = cases[cases["check"] == "negative"]
        if len(data) != len(cases):
            raise
        bad = records.loc[sorted(set(data["index"]))]
        return _rows(bad, lambda r: finding(
            cat, "negative", file_name=r.file_name, sheet=r.sheet, cell=r.cell, indicator=_ind(cat, r),
            value=r.raw, measure=r.measure))


def _expected(batch: Batch, cat: Catalogue) -> pd.DataFrame:
    """(return, indicator, measure) for every figure the return's form requires."""
    req = pd.DataFrame(
        [(i.form_code, i.code, m) for i in cat.indicators() for m in i.required_measures],
        columns=["form_code", "indicator_code", "measure"],
    )
    rets = batch.returns.dropna(subset=["sheet", "form_code"])
    return rets.merge(req, on="form_code")


def _required(batch: Batch, w: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    exp = _expected(batch, cat)
    if exp.empty:
        return _rows(exp, None)
    exp = exp.merge(batch.records[[*RECORD_KEY, "indicator_code", "measure", "value", "raw", "cell"]],
                    on=[*RECORD_KEY, "indicator_code", "measure"], how="left")
    present = set(zip(w["sha256"], w["sheet"], w["indicator_code"]))
    texts = batch.records[batch.records["measure"] == "text"]
    present |= set(zip(texts["sha256"], texts["sheet"], texts["indicator_code"]))
    # a row whose unit could not be converted was reported when it was read: it is not missing too
    unread = batch.findings[batch.findings["rule"] == "unit_mismatch"]
    unread = set(zip(unread["sha256"], unread["sheet"], unread["indicator_code"]))
    keys = list(zip(exp["sha256"], exp["sheet"], exp["indicator_code"]))
    exp = exp.assign(row_missing=[k not in present for k in keys])[[k not in unread for k in keys]]
    # a cell whose text is not a number was reported when it was read
    blank = exp["value"].isna() & exp["raw"].fillna("").map(lambda t: fold(t) in cat.no_figure)
    no_column = exp["value"].isna() & exp["raw"].isna()
    missing_rows = exp[exp["row_missing"]].drop_duplicates([*RECORD_KEY, "indicator_code"])
    missing_cells = exp[~exp["row_missing"] & (blank | no_column)]
    return pd.concat([
        _rows(missing_rows, lambda r: finding(cat, "missing_indicator", file_name=r.file_name, sheet=r.sheet, indicator=_ind(cat, r))),
        _rows(missing_cells, lambda r: finding(
            cat, "missing_figure", file_name=r.file_name, sheet=r.sheet, cell=None if pd.isna(r.cell) else r.cell,
            indicator=_ind(cat, r), value=r.raw, measure=r.measure)),
    ], ignore_index=True)


def _ytd_vs_month(w: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    bad = w[(w["kind"] == "flow") & (w["value_ytd"] < w["value_month"] - 1e-9)]
    return _rows(bad, lambda r: finding(
        cat, "ytd_lt_month", file_name=r.file_name, sheet=r.sheet, cell=r.cell_ytd, indicator=_ind(cat, r),
        value=r.value_ytd, month=r.value_month))


def previous_month(period: pd.Series) -> pd.Series:
    return period - pd.DateOffset(months=1)


def _continuity(w: pd.DataFrame, previous: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    flows = w[(w["kind"] == "flow") & w["value_ytd"].notna() & w["value_month"].notna() & w["period"].notna()]
    january = flows[flows["period"].dt.month == 1]
    bad_jan = january[(january["value_ytd"] - january["value_month"]).abs() > TOLERANCE]
    later = flows[flows["period"].dt.month > 1].assign(prev_period=lambda d: previous_month(d["period"]))
    prev = previous.rename(columns={"period": "prev_period", "ytd": "prev_ytd"})
    prev = prev.assign(prev_period=pd.to_datetime(prev["prev_period"]))
    joined = later.merge(prev, on=["org_code", "form_code", "indicator_code", "prev_period"], how="inner")
    joined = joined.assign(expected=joined["prev_ytd"] + joined["value_month"])
    bad = joined[(joined["value_ytd"] - joined["expected"]).abs() > TOLERANCE]
    return pd.concat([
        _rows(bad_jan, lambda r: finding(
            cat, "january_ytd", file_name=r.file_name, sheet=r.sheet, cell=r.cell_ytd, indicator=_ind(cat, r),
            value=r.value_ytd, month=r.value_month)),
        _rows(bad, lambda r: finding(
            cat, "ytd_continuity", file_name=r.file_name, sheet=r.sheet, cell=r.cell_ytd, indicator=_ind(cat, r),
            value=r.value_ytd, previous=r.prev_ytd, month=r.value_month, expected=round(r.expected, 6))),
    ], ignore_index=True)


def _form_rules(w: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    out = []
    keys = [*RECORD_KEY, "file_name"]
    for code in w["form_code"].unique():
        form, rows = cat.forms[code], w[w["form_code"] == code]
        for rule in form.rules:
            (lc, lm), (rc, rm) = rule.left, rule.right
            left = rows[rows["indicator_code"] == lc][[*keys, f"value_{lm}", f"cell_{lm}"]]
            right = rows[rows["indicator_code"] == rc][[*RECORD_KEY, f"value_{rm}"]]
            both = left.rename(columns={f"value_{lm}": "lv", f"cell_{lm}": "cell"}).merge(
                right.rename(columns={f"value_{rm}": "rv"}), on=list(RECORD_KEY))
            both = both.dropna(subset=["lv", "rv"])
            bad = both[~_OPS[rule.op](both["lv"], both["rv"])]
            li, ri = form.indicator(lc), form.indicator(rc)
            out.append(_rows(bad, lambda r, rule=rule, li=li, ri=ri: finding(
                cat, "form_rule", file_name=r.file_name, sheet=r.sheet, cell=r.cell, indicator=li, value=r.lv,
                severity=rule.severity, rule_code=rule.code, detail=rule.message, left_name=li.name, left=r.lv,
                right_name=ri.name, right=r.rv)))
    return pd.concat(out, ignore_index=True) if out else _rows(w.iloc[0:0], None)


def _yoy(w: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    filled, rate = w["value_yoy_pct"], growth(w["value_ytd"], w["value_prior_ytd"])
    # a growth cell formatted as a percentage stores a fraction (0.125 for 12.5%)
    off = ((filled - rate).abs() > YOY_CELL_TOLERANCE) & ((filled * 100 - rate).abs() > YOY_CELL_TOLERANCE)
    # compared unrounded; rounded only for the message
    w = w.assign(rate=rate.round(1))
    mismatch = w[filled.notna() & rate.notna() & off]
    beyond = w[w["yoy"].fillna(False).astype(bool) & (rate.abs() > YOY_ALERT)]
    return pd.concat([
        _rows(mismatch, lambda r: finding(
            cat, "yoy_cell_mismatch", file_name=r.file_name, sheet=r.sheet, cell=r.cell_yoy_pct, indicator=_ind(cat, r),
            value=r.raw_yoy_pct, expected=r.rate)),
        _rows(beyond, lambda r: finding(
            cat, "yoy_beyond_50", file_name=r.file_name, sheet=r.sheet, cell=r.cell_ytd, indicator=_ind(cat, r),
            value=r.rate)),
    ], ignore_index=True)


def _month(ts) -> str:
    return f"{ts.year}年{ts.month}月"


def _periods(returns: pd.DataFrame, records: pd.DataFrame, cat: Catalogue, run_period: dt.date | None) -> pd.DataFrame:
    rets = returns.dropna(subset=["sheet", "period"])
    late = rets[rets["period"] > pd.Timestamp(run_period)] if run_period else rets.iloc[0:0]
    moved = rets[rets["folder_period"].notna() & (rets["folder_period"] != rets["period"])]
    return pd.concat([
        _rows(late, lambda r: finding(cat, "period_after_run", file_name=r.file_name, sheet=r.sheet, form_code=r.form_code,
                                      value=_month(r.period), run_period=_month(pd.Timestamp(run_period)))),
        _rows(moved, lambda r: finding(cat, "period_folder_mismatch", file_name=r.file_name, sheet=r.sheet,
                                       form_code=r.form_code, value=_month(r.period), folder_period=_month(r.folder_period))),
    ], ignore_index=True)


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
