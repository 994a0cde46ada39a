"""What the demo inbox holds, as the tests check it: every file's figures and projects, and the files meant to fail."""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import pandas as pd

from statreturns.schemas.catalogue import Catalogue, load_catalogue
from statreturns.samples import MONTHS, YEAR, plan
from statreturns.samples.figures import carried, generate
from statreturns.samples.plan import Submission

def _expected(plan: list[Submission], cat: Catalogue) -> dict:
    june = MONTHS[-1]
    b = cat.orgs[1]
    current = {(g.org.code, g.form.code, g.month): g.path for g in plan if g.role == "good"}
    return {
        "rejected": {s.path: {"rule": s.rule, "why": s.why} for s in plan if s.role == "rejected"},
        "duplicate": {s.path: {"of": s.copy_of, "why": s.why} for s in plan if s.role == "duplicate"},
        "superseded": {s.path: {"by": current[(s.org.code, s.form.code, s.month)], "why": s.why}
                       for s in plan if s.role == "superseded"},
        "missing": (
            {"org_code": b.code, "form_code": "ZB11", "period": f"{YEAR}-{june:02d}", "latest": f"{YEAR}-{june - 1:02d}",
             "why": f"{b.name}'s {cat.forms['ZB11'].department} sent no June return: the summary shows 1-{june - 1}月 for it"},
        ),
    }


PLAN = plan()
# Which files are expected rejected (with the rule), duplicate (of which file), superseded (by which file), and which
# return is missing, each with why. Paths are relative to the inbox; every other file is good and current.
EXPECTED = _expected(list(PLAN), load_catalogue())
# The drift each good file carries (see DRIFT_NOTES); independent of the seed.
DRIFTS = {s.path: s.drifts for s in PLAN if s.role in ("good", "superseded", "duplicate")}


class Intended(NamedTuple):
    figures: pd.DataFrame  # path, role, org_code, form_code, period, indicator_code, measure, value, text_value
    # path, role, org_code, period, project_name, status, total_investment (万元), location, industry, responsible
    projects: pd.DataFrame


def intended(seed: int = 2023) -> Intended:
    """What every workbook of the inbox holds, in canonical units: the figures the reader should find."""
    cat = load_catalogue()
    data, stranger = generate(seed, cat)
    figures, projects = [], []
    for s in PLAN:
        if s.writer == "text":
            continue
        key = {"path": s.path, "role": s.role, "org_code": s.org.code or None, "period": dt.date(YEAR, s.month, 1)}
        if s.form.layout == "projects":
            for p in data.projects[(s.org.code, s.month)]:
                projects.append({**key, "project_name": p.name, "status": p.status, "total_investment": float(p.investment),
                                 "location": p.location, "industry": p.industry, "responsible": p.responsible})
            continue
        for code, f in carried(s, data, stranger, cat).items():
            if "yoy_blank" in s.drifts and "yoy_pct" in f:
                f = {**f, "yoy_pct": None}
            for measure, v in f.items():
                row = {**key, "form_code": s.form.code, "indicator_code": code, "measure": measure}
                text = measure == "text"
                figures.append({**row, "value": None if text else v, "text_value": v if text else None})
    return Intended(pd.DataFrame(figures), pd.DataFrame(projects))
