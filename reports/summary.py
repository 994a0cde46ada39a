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
    """What the warehouse holds for a report of ``period``: read once, whichever orgs are reported."""

    period: dt.date
    figures: pd.DataFrame  # warehouse/sql/report_figures.sql
    projects: pd.DataFrame  # warehouse/sql/latest_projects.sql
    history: pd.DataFrame  # warehouse/sql/report_history.sql
    sources: pd.DataFrame  # SOURCE_FIELDS of every row of figures and projects (snapshot_frames)
    district: pd.DataFrame = field(default_factory=pd.DataFrame)  # warehouse/sql/report_district.sql: 全区 sums

    def of_orgs(self, codes: list[str]) -> Snapshot:
        """The part of the snapshot some orgs' reports read (not the district's)."""
        mine = lambda frame: frame[frame["org_code"].isin(codes)]  # noqa: E731
        return Snapshot(self.period, mine(self.figures), mine(self.projects), mine(self.history), mine(self.sources))

    def each_org(self, codes: list[str]) -> Iterator[tuple[str, Snapshot]]:
        """Each org's own part, split in one pass; texts as Python strings, which one org's many small frame
        operations read faster than Arrow's."""
        frames = [f.astype({c: object for c in f.columns if pd.api.types.is_string_dtype(f[c])}).set_axis(
                      pd.Index(f.columns, dtype=object), axis=1)
                  for f in (self.figures, self.projects, self.history, self.sources)]
        groups = [dict(tuple(f.groupby("org_code", sort=False))) for f in frames]
        for code in codes:
            yield code, Snapshot(self.period, *(g.get(code, f.iloc[:0]) for g, f in zip(groups, frames)))


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


# ---------------------------------------------------------------- one organisation


def _org_figures(rows: pd.DataFrame, inds: pd.DataFrame, period: dt.date) -> pd.DataFrame:
    """One org's figures: its latest return of the year per form, stale and missing ones marked."""
    mine = inds.merge(rows.drop(columns=["key"], errors="ignore"), on=KEY, how="left")
    month = mine["period"].dt.month
    missing = mine["period"].isna()
    stale = ~missing & (month != period.month)
    sent = mine["form_code"].isin(set(rows["form_code"]))
    stale_notes = month.map(lambda m: stale_note(period, int(m)) if pd.notna(m) else "")
    note = np.select([missing & sent, missing, stale], ["报表未填此项", "缺报", stale_notes], "")
    return mine.assign(
        month=month, covers=covers(month), stale=stale, missing=missing, note=note,
        yoy_pct=_yoy(mine["ytd_value"], mine["prior_ytd_value"], mine["yoy"]),
    )


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
    """The ratios of sections.yaml (隐患整改完成率), from the figures they divide."""
    by_key = {r.key: r for r in rows(figures)}
    found = []
    for sec in sections():
        for spec in sec.derived:
            num, den = by_key[spec["numerator"]], by_key[spec["denominator"]]
            absent = next((f for f in (den, num) if pd.isna(f.ytd_value)), None)
            zero = absent is None and den.ytd_value <= 0
            ok = absent is None and not zero
            found.append({
                "section": sec.name, "key": spec["key"], "form_code": None, "indicator_code": None,
                "indicator_name": spec["name"], "unit": spec["unit"], "kind": "derived", "yoy": False,
                "department": den.department, "ytd_value": num.ytd_value / den.ytd_value * 100 if ok else None,
                "month": den.month, "covers": den.covers, "stale": den.stale, "missing": not ok,
                "note": (absent.note if absent is not None else f"无法计算：{den.indicator_name}为0" if zero
                         else den.note),
            })
    return pd.DataFrame(found, columns=FIGURE_FIELDS)


def _ordered(figures: pd.DataFrame, derived: pd.DataFrame) -> pd.DataFrame:
    """Figures and derived rows together, each derived row at the end of its section."""
    order = {s.name: i for i, s in enumerate(sections())}
    both = pd.concat([figures.reindex(columns=FIGURE_FIELDS), derived], ignore_index=True)
    rank = both["section"].map(order).to_numpy(dtype=float)
    return both.iloc[np.argsort(rank, kind="stable")].reset_index(drop=True)


def _rounded(figures: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    """Every figure as it is written: with its unit's decimals, a growth rate with one."""
    places = figures["unit"].map(cat.decimals_of)
    values = {m: [None if pd.isna(v) else round(float(v), int(d)) for v, d in zip(figures[m], places)]
              for m in ("month_value", "ytd_value", "prior_ytd_value")}
    return figures.assign(**values, yoy_pct=figures["yoy_pct"].astype(float).round(cat.decimals_of("%")))


def _project_status(rows: pd.DataFrame, cat: Catalogue, period: dt.date, names: pd.Series, district: bool) -> pd.DataFrame:
    """Per ZB03 status: number of projects and total investment (万元 and 亿元), with the months they cover."""
    form = project_form(cat)
    g = rows.groupby("status")["total_investment"]
    latest = rows["period"].max() if len(rows) else pd.NaT
    month = latest.month if pd.notna(latest) else None
    if district:
        group = rows.assign(form_code=form.code)
        parts = [_stale_notes(group, period, ["form_code"]), _missing_notes(group, names, ["form_code"])]
        note = "；".join(p.iloc[0] for p in parts if len(p))
    else:
        note = "缺报" if month is None else "" if month == period.month else stale_note(period, month)
    status = pd.DataFrame({"status": list(form.statuses)})
    sent = month is not None
    total = status["status"].map(g.sum()).fillna(0.0)
    return status.assign(
        section=next(s.name for s in sections() if form.code in s.forms), form_code=form.code, form_title=form.title,
        department=form.department,
        key=form.code + "_" + status["status"],
        count=status["status"].map(g.count()).fillna(0).astype(int) if sent else None,
        total_investment=total.round(cat.decimals_of(form.unit)) if sent else None,
        total_investment_yi=(total / YI).round(cat.decimals_of(YI_UNIT)) if sent else None,
        month=month, covers=WINDOWS.get(month),
        missing=not sent, note=note,
    ).reindex(columns=STATUS_FIELDS)


def _history(rows: pd.DataFrame, district: bool) -> pd.DataFrame:
    """本年累计 and 上年同期累计 by month: an org's own returns (a month it missed is a gap), or the district's sums."""
    month = rows["month"].dt.month
    keyed = rows.assign(key=rows["form_code"] + "_" + rows["indicator_code"], month=month)
    if not district:
        carried = keyed["period"].dt.month != month
        keyed = keyed.assign(ytd_value=keyed["ytd_value"].mask(carried),
                             prior_ytd_value=keyed["prior_ytd_value"].mask(carried))
    sums = keyed.groupby(["key", "month"])[["ytd_value", "prior_ytd_value"]].sum(min_count=1)
    return sums.reset_index()


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


def build_summary(snap: Snapshot, cat: Catalogue, org: str) -> Summary:
    """The summary for one org code or ``all``, from a snapshot already keyed (``snapshot_frames``)."""
    district = org == DISTRICT
    names = org_names(cat)
    pick = (lambda f: f) if district else (lambda f: f[f["org_code"] == org])
    rows, projects, history = pick(snap.figures), pick(snap.projects), pick(snap.history)
    inds = indicator_frame(cat)
    figures = (_district_figures(rows, snap.district, inds, snap.period, names) if district
               else _org_figures(rows, inds, snap.period))
    levels = {o.code: o.level for o in cat.orgs}
    return Summary(
        period=snap.period,
        org_code=org,
        org_name=DISTRICT_NAME if district else names.get(org, org),
        org_level=None if district else levels.get(org),
        figures=_rounded(_ordered(figures, _derived(figures)), cat),
        project_status=_project_status(projects, cat, snap.period, names, district),
        projects=projects.reindex(columns=PROJECT_FIELDS).reset_index(drop=True),
        history=_history(history, district),
        sources=pick(snap.sources).reset_index(drop=True),
    )
