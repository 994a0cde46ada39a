"""The summary of a period for one organisation or the district (``all``): figures by section, projects, curves, sources."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from importlib import resources

import numpy as np
import pandas as pd
import yaml

from statreturns.reports.files import rows
from statreturns.reports.wording import YI, name_list, places
from statreturns.schemas.catalogue import Catalogue
from statreturns.schemas.text import ytd_window

DISTRICT = "all"
DISTRICT_NAME = "全区"
NAMES_SHOWN = 5  # orgs named in a note before "等N个单位"
YI_UNIT = "亿元"
KEY = ["form_code", "indicator_code"]

FIGURE_FIELDS = [
    "section", "key", "form_code", "indicator_code", "indicator_name", "unit", "kind", "yoy", "department",
    "month_value", "ytd_value", "prior_ytd_value", "yoy_pct", "text_value", "month", "covers", "stale", "missing", "note",
]
STATUS_FIELDS = [
    "section", "form_code", "form_title", "department", "key", "status", "count", "total_investment",
    "total_investment_yi", "month", "covers", "missing", "note",
]
HISTORY_FIELDS = ["key", "month", "ytd_value", "prior_ytd_value"]
PROJECT_FIELDS = ["org_name", "project_name", "status", "total_investment", "location", "industry", "responsible"]
SOURCE_FIELDS = [
    "key", "detail", "org_code", "org_name", "value", "covers", "file_name", "sheet", "cell", "sha256", "checks",
    "warnings", "explained",
]


@dataclass(frozen=True)
class Section:
    name: str
    forms: tuple[str, ...]
    derived: tuple[dict, ...] = ()


@dataclass(frozen=True)
class Snapshot:
    """What the warehouse holds for reports of ``period``: of some orgs, or of every org with the district's sums."""

    period: dt.date
    figures: pd.DataFrame  # warehouse/sql/report_figures.sql
    projects: pd.DataFrame  # warehouse/sql/latest_projects.sql
    history: pd.DataFrame  # warehouse/sql/report_history.sql
    sources: pd.DataFrame  # SOURCE_FIELDS of every row of figures and projects (snapshot_frames)
    district: pd.DataFrame = field(default_factory=pd.DataFrame)  # warehouse/sql/report_district.sql: 全区 sums


@dataclass(frozen=True)
class Summary:
    """Everything the tables, charts and draft of one org (or the district) show, and where each figure came from."""

    period: dt.date
    org_code: str
    org_name: str
    org_level: str | None  # None for the district
    figures: pd.DataFrame  # FIGURE_FIELDS, one row per indicator and derived figure, in the narrative's order
    project_status: pd.DataFrame  # STATUS_FIELDS, one row per ZB03 status
    projects: pd.DataFrame  # PROJECT_FIELDS, the project list
    history: pd.DataFrame  # key, month, ytd_value, prior_ytd_value: the yoy indicators month by month
    sources: pd.DataFrame  # SOURCE_FIELDS: every return row behind every figure

    @property
    def district(self) -> bool:
        return self.org_code == DISTRICT

    @cached_property
    def by_key(self) -> dict[str, tuple]:
        """Each figure's row (FIGURE_FIELDS) by its key."""
        return {r.key: r for r in rows(self.figures)}

    @cached_property
    def curves(self) -> dict[str, dict[int, tuple[float, float]]]:
        """Each yoy indicator's (本年累计, 上年同期累计) by month, by its key."""
        found: dict[str, dict[int, tuple[float, float]]] = {}
        for r in rows(self.history):
            found.setdefault(r.key, {})[r.month] = (r.ytd_value, r.prior_ytd_value)
        return found


@cache
def sections() -> tuple[Section, ...]:
    doc = yaml.safe_load(resources.files("statreturns.reports").joinpath("sections.yaml").read_text(encoding="utf-8"))
    return tuple(Section(s["name"], tuple(s["forms"]), tuple(s.get("derived", ()))) for s in doc)


@cache
def indicator_frame(cat: Catalogue) -> pd.DataFrame:
    """The catalogue's indicators in the narrative's order, with their section and department."""
    rows = [
        {"section": sec.name, "key": ind.key, "form_code": code, "indicator_code": ind.code, "indicator_name": ind.name,
         "unit": ind.unit or "", "kind": ind.kind, "yoy": ind.yoy, "department": cat.forms[code].department}
        for sec in sections() for code in sec.forms for ind in cat.forms[code].indicators
    ]
    return pd.DataFrame(rows, columns=FIGURE_FIELDS[:9])


@cache
def org_names(cat: Catalogue) -> pd.Series:
    return pd.Series({o.code: o.name for o in cat.orgs}, dtype=object)


def project_form(cat: Catalogue):
    return next(f for f in cat.forms.values() if f.layout == "projects")


WINDOWS = {m: ytd_window(m) for m in range(1, 13)}


def covers(month: pd.Series) -> pd.Series:
    """The year-to-date window of each month number, as tables write it (1月, 1-5月); None when unknown."""
    return month.map(WINDOWS).astype(object)


def stale_note(period: dt.date, month: int) -> str:
    """What a table says of a department that missed ``period``: 6月未报，使用5月报表（1-5月）."""
    return f"{period.month}月未报，使用{month}月报表（{WINDOWS[month]}）"


def _yoy(ytd: pd.Series, prior: pd.Series, yoy: pd.Series) -> pd.Series:
    return ((ytd / prior - 1) * 100).where(yoy.astype(bool) & (prior > 0))


# ---------------------------------------------------------------- organisations, all of a share at once


def _orgs_figures(rows: pd.DataFrame, inds: pd.DataFrame, period: dt.date, codes: list[str]) -> pd.DataFrame:
    """Each org's figures, the catalogue's indicators in order for each of ``codes``: its latest return of the year
    per form, stale and missing ones marked."""
    base = inds.iloc[np.tile(np.arange(len(inds)), len(codes))].reset_index(drop=True).assign(
        org_code=np.repeat(np.asarray(codes, dtype=object), len(inds)))
    mine = base.merge(rows.drop(columns=["key"], errors="ignore"), on=["org_code", *KEY], how="left")
    month = mine["period"].dt.month
    missing = mine["period"].isna()
    stale = ~missing & (month != period.month)
    sent_forms = set(zip(rows["org_code"], rows["form_code"]))
    sent = np.fromiter((pair in sent_forms for pair in zip(mine["org_code"], mine["form_code"])), bool, len(mine))
    stale_notes = month.map({m: stale_note(period, int(m)) for m in month.dropna().unique()})
    note = np.select([missing & sent, missing, stale], ["报表未填此项", "缺报", stale_notes], "")
    return mine.assign(
        month=month, covers=covers(month), stale=stale, missing=missing, note=note,
        yoy_pct=_yoy(mine["ytd_value"], mine["prior_ytd_value"], mine["yoy"]),
    )


def _by_org(frame: pd.DataFrame, columns: list[str]) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """``frame``'s rows split by org, each with ``columns``, its texts as Python strings (an org's many small frame
    operations read single values, which Arrow makes dearer) and a fresh index; and the empty frame of an org with
    no rows. Sorted by org once, each org's rows are a slice."""
    codes = frame["org_code"].to_numpy(dtype=object)
    order = np.argsort(codes, kind="stable")
    codes, frame = codes[order], frame[columns].iloc[order]
    frame = frame.astype({c: object for c in columns if pd.api.types.is_string_dtype(frame[c])}).set_axis(
        pd.Index(columns, dtype=object), axis=1)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else np.array([], dtype=int)
    parts = {}
    for start, end in zip(starts.tolist(), [*starts[1:].tolist(), len(codes)]):
        part = frame.iloc[start:end]
        part.index = pd.RangeIndex(end - start)
        parts[codes[start]] = part
    empty = frame.iloc[:0]
    empty.index = pd.RangeIndex(0)
    return parts, empty


# ---------------------------------------------------------------- the district


def _stale_notes(rows: pd.DataFrame, period: dt.date, group: list[str]) -> pd.Series:
    """Per group, the orgs whose figure is an earlier month's: 东关街道为1-5月数."""
    stale = rows[rows["period"].dt.month != period.month]
    if stale.empty:
        return pd.Series(dtype=object)
    named = stale.groupby([*group, stale["period"].dt.month.rename("m")])["org_name"].agg(list)
    notes = pd.Series([f"{name_list(names, NAMES_SHOWN)}为{WINDOWS[m]}数"
                       for (*_, m), names in named.items()], index=named.index.droplevel("m"))
    return notes.groupby(level=list(range(len(group)))).agg("；".join)


def _missing_notes(rows: pd.DataFrame, names: pd.Series, group: list[str]) -> pd.Series:
    """Per group, the registered orgs with no figure at all: 缺报：西城镇."""
    registered = names.index.tolist()
    reported = rows.groupby(group)["org_code"].unique()
    absent = {k: [c for c in registered if c not in have] for k, have in
              ((k, set(codes)) for k, codes in reported.items() if len(codes) < len(registered))}
    return pd.Series({k: "缺报：" + name_list(names[codes].tolist(), NAMES_SHOWN) for k, codes in absent.items() if codes},
                     dtype=object)


def _join_notes(*parts: pd.Series, index: pd.Index) -> pd.Series:
    columns = [p.reindex(index) for p in parts]
    joined = pd.concat(columns, axis=1).apply(lambda r: "；".join(v for v in r if isinstance(v, str) and v), axis=1)
    return joined if len(index) else pd.Series(dtype=object, index=index)


SUMS = ["month_value", "ytd_value", "prior_ytd_value", "yoy_pct"]


def _district_figures(rows: pd.DataFrame, district: pd.DataFrame, inds: pd.DataFrame, period: dt.date,
                      names: pd.Series) -> pd.DataFrame:
    """The district: the warehouse's district_figures (the one rule: a stale org adds its latest 本年累计, not a 本月),
    with the places of its text items, and the stale and missing orgs named."""
    g = rows.groupby("key")
    texts = rows.dropna(subset=["text_value"]).groupby("key")["text_value"].agg(
        lambda t: "、".join(dict.fromkeys(p for v in t for p in places(v))))
    notes = _join_notes(_stale_notes(rows, period, ["key"]), _missing_notes(rows, names, ["key"]), index=g.size().index)
    agg = pd.DataFrame({"period": g["period"].max(), "text_value": texts, "note": notes}).rename_axis("key").reset_index()
    sums = district.reindex(columns=[*KEY, *SUMS]).assign(key=lambda d: d["form_code"] + "_" + d["indicator_code"])
    out = inds.merge(agg, on="key", how="left").merge(sums.drop(columns=KEY), on="key", how="left")
    month = out["period"].dt.month
    return out.assign(
        month=month, covers=covers(month), stale=out["period"].notna() & (month != period.month),
        missing=out["period"].isna(), note=out["note"].where(out["period"].notna(), "缺报").fillna(""),
    )


# ---------------------------------------------------------------- derived figures, projects, curves, sources


def _derived(figures: pd.DataFrame) -> pd.DataFrame:
    """The ratios of sections.yaml (隐患整改完成率), from the figures they divide: one row per spec and org (or the
    district's one set of figures), the org's rows in the order of ``figures``."""
    found = []
    for sec in sections():
        for spec in sec.derived:
            num, den = (figures[figures["key"] == spec[part]].reset_index(drop=True)
                        for part in ("numerator", "denominator"))
            den_absent, num_absent = den["ytd_value"].isna(), num["ytd_value"].isna()
            zero = ~den_absent & ~num_absent & (den["ytd_value"] <= 0)
            ok = ~den_absent & ~num_absent & ~zero
            cannot = "无法计算：" + den["indicator_name"].astype(object) + "为0"
            note = np.select([den_absent, num_absent, zero], [den["note"], num["note"], cannot], den["note"])
            found.append(pd.DataFrame({
                "org_code": den.get("org_code"), "section": sec.name, "key": spec["key"], "form_code": None,
                "indicator_code": None, "indicator_name": spec["name"], "unit": spec["unit"], "kind": "derived",
                "yoy": False, "department": den["department"],
                "ytd_value": (num["ytd_value"] / den["ytd_value"] * 100).astype(object).where(ok, None),
                "month": den["month"], "covers": den["covers"], "stale": den["stale"], "missing": ~ok, "note": note,
            }))
    return pd.concat(found, ignore_index=True).reindex(columns=["org_code", *FIGURE_FIELDS])


def _ordered(figures: pd.DataFrame, derived: pd.DataFrame) -> pd.DataFrame:
    """Figures and derived rows together, org by org, each derived row at the end of its section."""
    order = {s.name: i for i, s in enumerate(sections())}
    both = pd.concat([figures.reindex(columns=["org_code", *FIGURE_FIELDS]), derived], ignore_index=True)
    org_rank = pd.factorize(both["org_code"])[0]  # orgs in the order figures first name them; the district's: none
    rank = both["section"].map(order).to_numpy(dtype=float)
    return both.iloc[np.lexsort((np.arange(len(both)), rank, org_rank))].reset_index(drop=True)


def _rounded(figures: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    """Every figure as it is written: with its unit's decimals, a growth rate with one."""
    places = figures["unit"].map(cat.decimals_of)
    values = {m: [None if pd.isna(v) else round(float(v), int(d)) for v, d in zip(figures[m], places)]
              for m in ("month_value", "ytd_value", "prior_ytd_value")}
    return figures.assign(**values, yoy_pct=figures["yoy_pct"].astype(float).round(cat.decimals_of("%")))


def _project_status(rows: pd.DataFrame, cat: Catalogue, period: dt.date, names: pd.Series,
                    orgs: list[str] | None = None) -> list[pd.DataFrame]:
    """Per ZB03 status: number of projects and total investment (万元 and 亿元), with the months they cover; one
    table for each of ``orgs`` from its own projects, or (None) one for the district from all of them."""
    form = project_form(cat)
    statuses = list(form.statuses)
    district = orgs is None
    own = rows.assign(org_code=DISTRICT) if district else rows
    codes = [DISTRICT] if district else orgs
    grid = pd.MultiIndex.from_product([codes, statuses])
    g = own.groupby(["org_code", "status"])["total_investment"]
    total = g.sum().reindex(grid).fillna(0.0) if len(rows) else pd.Series(0.0, index=grid)
    counts = (g.count().reindex(grid).fillna(0).astype(int) if len(rows) else pd.Series(0, index=grid)).tolist()
    wan, yi = total.round(cat.decimals_of(form.unit)).tolist(), (total / YI).round(cat.decimals_of(YI_UNIT)).tolist()
    latest = own.groupby("org_code")["period"].max()
    section = next(s.name for s in sections() if form.code in s.forms)
    keys = [f"{form.code}_{status}" for status in statuses]
    tables = []
    for i, code in enumerate(codes):
        at = latest.get(code, pd.NaT)
        month = at.month if pd.notna(at) else None
        if district:
            group = rows.assign(form_code=form.code)
            parts = [_stale_notes(group, period, ["form_code"]), _missing_notes(group, names, ["form_code"])]
            note = "；".join(p.iloc[0] for p in parts if len(p))
        else:
            note = "缺报" if month is None else "" if month == period.month else stale_note(period, month)
        sent, mine = month is not None, slice(i * len(statuses), (i + 1) * len(statuses))
        tables.append(pd.DataFrame({
            "section": section, "form_code": form.code, "form_title": form.title, "department": form.department,
            "key": keys, "status": statuses, "count": counts[mine] if sent else None,
            "total_investment": wan[mine] if sent else None, "total_investment_yi": yi[mine] if sent else None,
            "month": month, "covers": WINDOWS.get(month), "missing": not sent, "note": note,
        }, columns=STATUS_FIELDS))
    return tables


def _history(rows: pd.DataFrame, own: bool, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """本年累计 and 上年同期累计 by month (and by ``by``): an org's own returns, where a month it missed is a gap
    (``own``), or the district's sums."""
    month = rows["month"].dt.month
    keyed = rows.assign(key=rows["form_code"] + "_" + rows["indicator_code"], month=month)
    if own:
        carried = keyed["period"].dt.month != month
        keyed = keyed.assign(ytd_value=keyed["ytd_value"].mask(carried),
                             prior_ytd_value=keyed["prior_ytd_value"].mask(carried))
    return keyed.groupby([*by, "key", "month"])[["ytd_value", "prior_ytd_value"]].sum(min_count=1).reset_index()


@lru_cache(maxsize=4096)
def _checks(cat: Catalogue, key: str, month: int, warned: str) -> str:
    """The rules a figure passed, by what passing them means: every error rule it falls under (its return was
    accepted), and each warning rule but those its return drew (the warning is shown instead). They depend only on
    the figure's key, its month and the warnings drawn, which a district of a thousand orgs repeats tens of thousands
    of times: worked out once for each."""
    form_code, item = key.split("_", 1)
    indicator = None if form_code == project_form(cat).code else item
    drawn = set(warned.split(","))
    return "、".join(r.holds for r in cat.rules_applying(form_code, indicator, month)
                    if r.holds and (r.severity == "error" or r.code not in drawn))


def _sources(rows: pd.DataFrame, projects: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    """Every return row behind the figures: file, sheet, cell, fingerprint, the rules passed and the warnings drawn."""
    form = project_form(cat)
    proj = projects.assign(key=form.code + "_" + projects["status"], detail=projects["project_name"],
                           warning_rules=None, warnings=None, explained=None)
    both = pd.concat([rows, proj.reindex(columns=[*rows.columns, "detail", "total_investment"])], ignore_index=True)
    checks = [_checks(cat, key, month, warned) for key, month, warned in
              zip(both["key"].tolist(), both["period"].dt.month.tolist(),
                  both["warning_rules"].fillna("").astype(str).tolist())]
    value = both["ytd_value"].astype(object).where(both["text_value"].isna(), both["text_value"])
    return both.assign(
        value=value.where(both["total_investment"].isna(), both["total_investment"]),
        covers=covers(both["period"].dt.month), checks=checks,
        warnings=both["warnings"].fillna("").astype(str),
        explained=both["explained"].fillna("").astype(str),
    ).reindex(columns=SOURCE_FIELDS)


def snapshot_frames(figures: pd.DataFrame, projects: pd.DataFrame,
                    cat: Catalogue) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The warehouse rows with their catalogue key and the registry's org names, and the sources of every figure:
    worked out once for the period's every org, column by column, rather than org by org."""
    names = org_names(cat)
    figures = figures.assign(key=figures["form_code"] + "_" + figures["indicator_code"],
                             org_name=figures["org_code"].map(names))
    projects = projects.assign(org_name=projects["org_code"].map(names).fillna(projects["org_name"]))
    return figures, projects, _sources(figures, projects, cat)


def _district_summary(snap: Snapshot, cat: Catalogue) -> Summary:
    names = org_names(cat)
    figures = _district_figures(snap.figures, snap.district, indicator_frame(cat), snap.period, names)
    return Summary(
        period=snap.period, org_code=DISTRICT, org_name=DISTRICT_NAME, org_level=None,
        figures=_rounded(_ordered(figures, _derived(figures)), cat)[FIGURE_FIELDS],
        project_status=_project_status(snap.projects, cat, snap.period, names)[0],
        projects=snap.projects.reindex(columns=PROJECT_FIELDS).reset_index(drop=True),
        history=_history(snap.history, own=False),
        sources=snap.sources.reset_index(drop=True),
    )


def _org_summaries(snap: Snapshot, cat: Catalogue, orgs: list[str]) -> dict[str, Summary]:
    """Each org's summary: its figures, ratios, curves and project status worked out for all ``orgs`` at once,
    column by column, then split by org (org by org, the frame operations cost more than the figures they compute)."""
    names, levels = org_names(cat), {o.code: o.level for o in cat.orgs}
    figures = _orgs_figures(snap.figures, indicator_frame(cat), snap.period, orgs)
    figures, _ = _by_org(_rounded(_ordered(figures, _derived(figures)), cat), FIGURE_FIELDS)
    history, no_history = _by_org(_history(snap.history, own=True, by=("org_code",)), HISTORY_FIELDS)
    projects, no_projects = _by_org(snap.projects, list(snap.projects.columns))
    sources, no_sources = _by_org(snap.sources, SOURCE_FIELDS)
    status = _project_status(snap.projects, cat, snap.period, names, orgs)
    return {code: Summary(
        period=snap.period, org_code=code, org_name=names.get(code, code), org_level=levels.get(code),
        figures=figures[code], project_status=status[i],
        projects=projects.get(code, no_projects).reindex(columns=PROJECT_FIELDS),
        history=history.get(code, no_history), sources=sources.get(code, no_sources),
    ) for i, code in enumerate(orgs)}


def summaries(snap: Snapshot, cat: Catalogue, codes: list[str]) -> Iterator[Summary]:
    """The summary of each org code (or ``all``) in turn, from a snapshot already keyed (``snapshot_frames``)."""
    orgs = [code for code in codes if code != DISTRICT]
    made = _org_summaries(snap, cat, orgs) if orgs else {}
    for code in codes:
        yield _district_summary(snap, cat) if code == DISTRICT else made[code]


def build_summary(snap: Snapshot, cat: Catalogue, org: str) -> Summary:
    """The summary for one org code or ``all``."""
    return next(summaries(snap, cat, [org]))
