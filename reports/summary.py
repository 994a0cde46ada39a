"""The summary tables for a period and an organisation (or the district), from warehouse figures."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd
import yaml

from schemas.catalogue import Catalogue, Indicator
from schemas.text import months_covered

DISTRICT = "all"
YI = 10000  # 万元 in one 亿元

FIGURE_COLUMNS = {
    "section": "板块", "form_code": "表号", "indicator_code": "代码", "indicator_name": "指标", "unit": "计量单位",
    "month_value": "本月", "ytd_value": "本年累计", "prior_ytd_value": "上年同期累计", "yoy_pct": "同比增长(%)",
    "covers": "数据期", "note": "说明",
}
PROJECT_STATUS_COLUMNS = {"status": "项目状态", "count": "项目个数", "total_investment_yi": "总投资(亿元)"}
PROJECT_COLUMNS = {
    "org_name": "填报单位", "project_name": "项目名称", "status": "项目状态", "total_investment": "总投资(万元)",
    "location": "建设地点", "industry": "所属行业", "responsible": "责任单位",
}


@dataclass(frozen=True)
class Section:
    name: str
    forms: tuple[str, ...]
    derived: tuple[dict, ...] = ()


@dataclass(frozen=True)
class Summary:
    """What a clerk opens: the figures by section, projects by status and the project list."""

    period: dt.date
    org_code: str
    org_name: str
    figures: pd.DataFrame  # FIGURE_COLUMNS keys
    project_status: pd.DataFrame  # PROJECT_STATUS_COLUMNS keys
    projects: pd.DataFrame  # PROJECT_COLUMNS keys


@cache
def sections() -> tuple[Section, ...]:
    doc = yaml.safe_load(resources.files("reports").joinpath("sections.yaml").read_text(encoding="utf-8"))
    return tuple(Section(s["name"], tuple(s["forms"]), tuple(s.get("derived", ()))) for s in doc)


def _month(period: pd.Timestamp | dt.date) -> int:
    return period.month


def _stale_note(period: dt.date, latest: pd.Timestamp) -> str:
    return f"{period.month}月未报，使用{latest.month}月报表（{months_covered(latest)}）"


def _org_row(ind: Indicator, rows: pd.DataFrame, period: dt.date) -> dict:
    """One org's figure for an indicator: its latest return of the year, or marked missing."""
    if rows.empty:
        return {"covers": None, "note": "缺报"}
    r = rows.iloc[0]
    latest = r["period"]
    return {
        "month_value": r["month_value"], "ytd_value": r["ytd_value"], "prior_ytd_value": r["prior_ytd_value"],
        "yoy_pct": r["yoy_pct"], "text_value": r["text_value"], "covers": months_covered(latest),
        "note": "" if _month(latest) == period.month else _stale_note(period, latest),
    }


def _district_row(ind: Indicator, rows: pd.DataFrame, period: dt.date, org_names: dict[str, str]) -> dict:
    """The district's figure: summed over orgs (a stale org adds its latest 本年累计, not a 本月)."""
    notes = []
    current = rows[rows["period"].dt.month == period.month]
    stale = rows[rows["period"].dt.month != period.month]
    notes += [f"{org_names.get(r.org_code, r.org_code)}为{months_covered(r.period)}数" for r in stale.itertuples()]
    missing = [name for code, name in org_names.items() if code not in set(rows["org_code"])]
    if missing:
        notes.append("缺报：" + "、".join(missing))
    if rows.empty:
        return {"covers": None, "note": "；".join(notes)}
    if ind.kind == "text":
        texts = [f"{org_names.get(r.org_code, r.org_code)}：{r.text_value}" for r in rows.itertuples() if pd.notna(r.text_value)]
        return {"text_value": "；".join(texts) or None, "covers": months_covered(period), "note": "；".join(notes)}
    total = lambda frame, col: frame[col].sum(min_count=1)  # noqa: E731
    ytd, prior = total(rows, "ytd_value"), total(rows, "prior_ytd_value")
    return {
        "month_value": total(current, "month_value"), "ytd_value": ytd, "prior_ytd_value": prior,
        "yoy_pct": (ytd / prior - 1) * 100 if ind.yoy and pd.notna(prior) and prior > 0 else None,
        "covers": months_covered(period), "note": "；".join(notes),
    }


def _derived_row(section: str, spec: dict, rows: list[dict]) -> dict:
    by_key = {f"{r['form_code']}_{r['indicator_code']}": r for r in rows}
    num, den = by_key.get(spec["numerator"], {}), by_key.get(spec["denominator"], {})
    n, d = num.get("ytd_value"), den.get("ytd_value")
    ok = n is not None and d is not None and pd.notna(n) and pd.notna(d) and d > 0
    return {
        "section": section, "form_code": None, "indicator_code": None, "indicator_name": spec["name"],
        "unit": spec["unit"], "ytd_value": n / d * 100 if ok else None, "covers": den.get("covers"),
        "note": "" if ok else "无法计算：缺少" + ("分母" if not d else "分子"),
    }


def figure_table(latest: pd.DataFrame, cat: Catalogue, period: dt.date, org: str) -> pd.DataFrame:
    """Every indicator of every section for ``org`` (or the district), in the narrative's order."""
    org_names = {o.code: o.name for o in cat.orgs}
    by_key = {k: g for k, g in latest.groupby(["form_code", "indicator_code"])}
    empty = latest.iloc[0:0]
    rows = []
    for sec in sections():
        section_rows = []
        for form_code in sec.forms:
            form = cat.forms[form_code]
            for ind in form.indicators:
                found = by_key.get((form_code, ind.code), empty)
                values = _district_row(ind, found, period, org_names) if org == DISTRICT else _org_row(ind, found, period)
                if ind.kind == "text":
                    values = {**values, "month_value": None, "ytd_value": None}
                section_rows.append({
                    "section": sec.name, "form_code": form_code, "indicator_code": ind.code,
                    "indicator_name": ind.name, "unit": ind.unit or "", **values,
                })
        section_rows += [_derived_row(sec.name, d, section_rows) for d in sec.derived]
        rows += section_rows
    table = pd.DataFrame(rows)
    table["text_value"] = table.get("text_value")
    # a text item's content is shown where its figure would be
    table["ytd_value"] = table["ytd_value"].astype(object).where(table["text_value"].isna(), table["text_value"])
    return table.reindex(columns=list(FIGURE_COLUMNS))


def project_tables(projects: pd.DataFrame, cat: Catalogue) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Projects per status (count, total investment in 亿元) and the project list."""
    statuses = [s for f in cat.forms.values() for s in f.statuses]
    grouped = projects.groupby("status")["total_investment"].agg(["count", "sum"])
    status = pd.DataFrame({"status": statuses}).assign(
        count=lambda d: d["status"].map(grouped["count"]).fillna(0).astype(int),
        total_investment_yi=lambda d: d["status"].map(grouped["sum"]).fillna(0.0) / YI,
    )
    return status, projects.reindex(columns=list(PROJECT_COLUMNS))


def build_summary(latest: pd.DataFrame, projects: pd.DataFrame, cat: Catalogue, period: dt.date, org: str) -> Summary:
    """The summary for one org code or ``all``, from its latest figures and project rows."""
    names = {o.code: o.name for o in cat.orgs}
    status, listing = project_tables(projects, cat)
    return Summary(
        period=period,
        org_code=org,
        org_name="全区" if org == DISTRICT else names.get(org, org),
        figures=figure_table(latest, cat, period, org),
        project_status=status,
        projects=listing,
    )
