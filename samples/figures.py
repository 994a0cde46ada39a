"""The figures of the demo district: every org's numbers, texts and key projects, month by month."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np

from statreturns.schemas.catalogue import Catalogue, Form, Indicator, Org
from statreturns.schemas.rules import Ref
from statreturns.samples.plan import Submission
from statreturns.samples.constants import (
    _COMMUNITIES, _COMPANIES, _COUNT_MONTHLY, _DECIMALS, _MONTHLY, _NEXT_STATUS, _PEOPLE, _PROJECTS, _RURAL_PROJECTS,
    _SEASON, _STOCK_LEVEL, _VILLAGES, MONTHS,
)

def _loguniform(rng: random.Random, lo: float, hi: float) -> float:
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def decimals(ind: Indicator) -> int:
    return _DECIMALS.get(ind.unit, 0)


def _value(n: int, dec: int) -> float | int:
    return n if dec == 0 else round(n / 10**dec, dec)


def _growth(ytd: float, prior: float) -> float:
    """同比增长(%) to one decimal, rounded as the audit rounds it."""
    return float(np.round((ytd - prior) / prior * 100, 1))


# Parts of a whole that no audit rule checks but a reader of the summary would: the general budget
# revenue is part of the full-scope revenue.
_PART_OF = {"ZB01": {"01": "02"}}


def _bounded(form: Form) -> list[tuple[str, str]]:
    """(smaller, larger) indicator codes of the form's comparisons between two single figures (``04.ytd <= 03.ytd``)."""
    out = []
    for rule in form.rules:
        left, op, right = rule.check.left, rule.check.op, rule.check.right
        if isinstance(left, Ref) and isinstance(right, Ref) and op in ("<=", "<", ">=", ">"):
            out.append((left.indicator, right.indicator) if op in ("<=", "<") else (right.indicator, left.indicator))
    return out


def _derived(form: Form) -> dict[str, str]:
    """Indicator code -> the code it must not exceed."""
    return {**_PART_OF.get(form.code, {}), **dict(_bounded(form))}


def _numbers(rng: random.Random, form: Form, months: tuple[int, ...]) -> dict[str, dict[str, list[int]]]:
    """Per numeric indicator, month by month, in units of 10^-decimals: month, level and last year's month."""
    inds = [i for i in form.indicators if i.kind != "text"]
    derived = _derived(form)
    done: dict[str, dict[str, list[int]]] = {}
    pending = list(inds)
    while pending:
        ind = next(i for i in pending if derived.get(i.code) in (None, *done))
        pending.remove(ind)
        dec = decimals(ind)
        src = derived.get(ind.code)
        if ind.kind == "stock":
            if src:
                levels, sdec, share = done[src]["level"], decimals(form.indicator(src)), rng.uniform(0.25, 0.45)
                out, last = [], 0
                for k, s in enumerate(levels):
                    share = min(0.98, share + rng.uniform(0.04, 0.14)) if k else share
                    cap = math.floor(s / 10**sdec * 10**dec)
                    last = min(cap, max(last, math.floor(s / 10**sdec * share * 10**dec)))
                    out.append(last)
                done[ind.code] = {"level": out}
            else:
                level = _loguniform(rng, *_STOCK_LEVEL)
                out = []
                for k in months:
                    level = level if k == 1 else level * rng.uniform(0.96, 1.08)
                    out.append(max(1, round(level * 10**dec)))
                done[ind.code] = {"level": out}
            continue
        if src:
            sdec = decimals(form.indicator(src))
            month = [math.floor(s / 10**sdec * rng.uniform(0.7, 0.97) * 10**dec) for s in done[src]["month"]]
        else:
            lo, hi = _MONTHLY.get(ind.unit, _COUNT_MONTHLY)
            base = _loguniform(rng, lo, hi)
            month = []
            for k in months:
                quiet = dec == 0 and not ind.yoy and ind.code not in derived.values() and rng.random() < 0.07
                month.append(0 if quiet else max(1, round(base * _SEASON[k - 1] * rng.uniform(0.8, 1.2) * 10**dec)))
        series = {"month": month}
        if ind.yoy:
            g = rng.uniform(-0.18, 0.28)
            ratios = [min(1.42, max(0.72, (1 + g) * rng.uniform(0.94, 1.06))) for _ in months]
            series["prior"] = [max(1, round(n / q)) for n, q in zip(month, ratios)]
        done[ind.code] = series
    return done


def _texts(rng: random.Random, form: Form, villages: list[str], months: tuple[int, ...]) -> dict[str, list[str]]:
    """Per text indicator, month by month: the place or project names a clerk writes."""
    out = {}
    for ind in form.indicators:
        if ind.kind != "text":
            continue
        if "小区" in ind.name:
            first = rng.sample(_COMMUNITIES, 2)
            later = first + [rng.choice([c for c in _COMMUNITIES if c not in first])]
            texts = ["、".join(first if k < 4 else later) for k in months]
        elif "项目" in ind.name:
            name = f"{rng.choice(villages)}{rng.choice(_RURAL_PROJECTS)}项目"
            texts = [name] * len(months)
        else:
            places = rng.sample(villages, 3)
            texts = ["、".join(places[:2] if k < 3 else places) for k in months]
        out[ind.code] = texts
    return out


@dataclass(frozen=True)
class Project:
    name: str
    status: str
    investment: int  # 万元
    location: str
    industry: str
    responsible: str


def _projects(rng: random.Random, org: Org, form: Form, villages: list[str],
              months: tuple[int, ...]) -> dict[int, list[Project]]:
    """The key-project list an org reports each month: 2-6 projects whose status moves along."""
    statuses = form.statuses
    chosen = rng.sample(_PROJECTS, 6)
    pool = []
    for k, (thing, industry) in enumerate(chosen):
        place = rng.choice(villages)
        status = statuses[k % len(statuses)]
        responsible = rng.choice((f"{org.name}{form.department}", f"{place[:-1]}{rng.choice(_COMPANIES)}", "区发展和改革局"))
        pool.append({
            "name": f"{org.name}{thing}项目", "status": status, "location": f"{org.name}{place}",
            "industry": industry, "responsible": responsible, "investment": rng.randrange(8, 1200) * 100,
            "from": 1 if k < 2 else rng.choice(months),
        })
    out = {}
    for m in months:
        for p in pool:
            # a negotiated project gets signed, a signed one breaks ground; 续建 and 储备 stay as they are
            if m > 1 and p["status"] in _NEXT_STATUS and rng.random() < 0.2:
                p["status"] = _NEXT_STATUS[p["status"]]
        listed = [p for p in pool if p["from"] <= m][:6]
        out[m] = [Project(p["name"], p["status"], p["investment"], p["location"], p["industry"], p["responsible"])
                  for p in listed]
    return out


@dataclass(frozen=True)
class Data:
    figures: dict[tuple[str, str, int], dict[str, dict[str, object]]]  # (org, form, month) -> code -> measure -> value
    projects: dict[tuple[str, int], list[Project]]
    people: dict[tuple[str, str], tuple[str, str, str, str]]


def _figures_of(form: Form, numbers: dict, texts: dict, m: int) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for ind in form.indicators:
        if ind.kind == "text":
            out[ind.code] = {"text": texts[ind.code][m - 1]}
            continue
        dec, s = decimals(ind), numbers[ind.code]
        if ind.kind == "stock":
            out[ind.code] = {"month": None, "ytd": _value(s["level"][m - 1], dec), "prior_ytd": None, "yoy_pct": None}
            continue
        f = {"month": _value(s["month"][m - 1], dec), "ytd": _value(sum(s["month"][:m]), dec), "prior_ytd": None, "yoy_pct": None}
        if ind.yoy:
            f["prior_ytd"] = _value(sum(s["prior"][:m]), dec)
            f["yoy_pct"] = _growth(f["ytd"], f["prior_ytd"])
        out[ind.code] = f
    return out


def _generate_for(cat: Catalogue, seed: int, orgs: tuple[Org, ...], months: tuple[int, ...]) -> Data:
    rng = random.Random(seed)
    figures, projects, people = {}, {}, {}
    for org in orgs:
        villages = rng.sample(_VILLAGES, 8)
        for form in cat.forms.values():
            people[(org.code, form.code)] = (*rng.sample(_PEOPLE, 3), f"010-6{rng.randrange(1000000, 9999999)}")
            if form.layout == "projects":
                for m, listed in _projects(rng, org, form, villages, months).items():
                    projects[(org.code, m)] = listed
                continue
            numbers, texts = _numbers(rng, form, months), _texts(rng, form, villages, months)
            for m in months:
                figures[(org.code, form.code, m)] = _figures_of(form, numbers, texts, m)
    return Data(figures, projects, people)


def generate(seed: int, cat: Catalogue, months: tuple[int, ...] = MONTHS) -> tuple[Data, Data]:
    """Every org's figures for ``months`` (January on), and the stranger's (an org not in the registry)."""
    data = _generate_for(cat, seed, cat.orgs, months)
    stranger = _generate_for(cat, seed + 1, (Org("", "南山街道", "街道"),), months)
    return data, stranger


# ---------------------------------------------------------------- what each file carries


def carried(s: Submission, data: Data, stranger: Data, cat: Catalogue) -> dict[str, dict[str, object]]:
    """The figures a submission's file holds, in canonical units: the plan's figures, changed by its mutation."""
    if s.org.code == "":
        return stranger.figures[("", s.form.code, s.month)]
    figs = {k: dict(v) for k, v in data.figures[(s.org.code, s.form.code, s.month)].items()}
    if s.mutation is None:
        return figs
    prev = data.figures.get((s.org.code, s.form.code, s.month - 1), {})
    flows = [i for i in s.form.indicators if i.kind == "flow"]

    def set_month(ind: Indicator, month: float) -> None:
        dec, f = decimals(ind), figs[ind.code]
        f["month"] = round(month, dec) if dec else int(month)
        f["ytd"] = round(prev[ind.code]["ytd"] + f["month"], dec) if dec else prev[ind.code]["ytd"] + f["month"]
        if ind.yoy:
            f["yoy_pct"] = _growth(f["ytd"], f["prior_ytd"])

    if s.mutation == "understated":
        ind = flows[1]
        set_month(ind, figs[ind.code]["month"] * 0.7)
    elif s.mutation == "negative":
        ind = flows[0]
        set_month(ind, -figs[ind.code]["month"] * 0.15)
    elif s.mutation == "closed_gt_received":
        lc, rc = _bounded(s.form)[0]
        ind = s.form.indicator(lc)
        set_month(ind, figs[ind.code]["month"] + figs[rc]["ytd"] - figs[lc]["ytd"] + 6)
    elif s.mutation == "broken_continuity":
        figs[flows[-1].code]["ytd"] += 10
    return figs

