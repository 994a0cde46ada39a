"""A half-year of returns the project has never seen (tests/corpus/unseen.py) is read right, figure by figure.

The corpus carries every drift of spec §6 in layouts and programs of its own; each accepted figure must
reach the warehouse as the department meant it (canonical unit, 1e-6), each file must end in the status
its story gives it, and the files that must be refused are refused with the rule at the cell.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass

import pandas as pd
import pytest

from statreturns.warehouse.db import connect
from tests.conftest import JUNE, ingest_into
from tests.corpus.unseen import REQUIRED, Corpus, Figure, build

TOLERANCE = 1e-6


@dataclass(frozen=True)
class Loaded:
    submissions: pd.DataFrame
    findings: pd.DataFrame
    figures: pd.DataFrame
    projects: pd.DataFrame


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return build()


@pytest.fixture(scope="module")
def loaded(corpus, cat, tmp_path_factory) -> Loaded:
    root = tmp_path_factory.mktemp("unseen")
    inbox = root / "inbox"
    corpus.write(inbox)
    db = root / "wh" / "statreturns.duckdb"
    ingest_into(db, inbox, cat, JUNE, archive=root / "wh" / "archive")
    with connect(db, read_only=True) as con:
        frames = {name: con.execute(sql).df() for name, sql in {
            "submissions": "select file_name, sha256, sheet, org_code, form_code, period, status from submissions",
            "findings": "select sha256, file_name, sheet, cell, severity, rule, value_found, message from findings",
            "figures": "select org_code, form_code, period, indicator_code, month_value, ytd_value, prior_ytd_value, "
                       "text_value, file_name, sheet, cell from figures",
            "projects": "select org_code, period, project_name, status, total_investment, location, industry, "
                        "responsible, file_name from projects",
        }.items()}
    return Loaded(**frames)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _date(v) -> dt.date:
    return v.date() if hasattr(v, "date") else v


def _none(v):
    """A missing value from the warehouse as None."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT:
        return None
    return v


def _differs(expected, found) -> bool:
    if expected is None or found is None:
        return (expected is None) != (found is None)
    if isinstance(expected, str) or isinstance(found, str):
        return expected != found
    return abs(float(expected) - float(found)) > TOLERANCE


def test_the_corpus_exercises_every_drift_of_the_spec(corpus):
    assert sorted(REQUIRED - corpus.drifts) == []
    assert {f.path.rsplit(".", 1)[1] for f in corpus.files} == {"xlsx", "xlsm", "xls", "ods"}


def test_every_file_ends_in_the_status_its_story_gives_it(corpus, loaded):
    subs = loaded.submissions
    got = {}
    for f in corpus.files:
        mine = subs[(subs["sha256"] == _sha(f.data)) & (subs["file_name"] == f.name)]
        got[f.path] = sorted(set(mine["status"]))
    errors = loaded.findings[loaded.findings["severity"] == "error"]
    wrong = {}
    for f in corpus.files:
        if got[f.path] != [f.status]:
            first = errors.loc[errors["sha256"] == _sha(f.data), "message"].head(1).tolist()
            wrong[f.path] = (f.style or "-", f.status, got[f.path], first[0] if first else None)
    assert wrong == {}, "(style, expected, found, first error) by file:\n" + "\n".join(
        f"{p}: {v}" for p, v in wrong.items())


def test_every_accepted_figure_is_the_departments_figure_in_the_canonical_unit(corpus, loaded):
    found = {}
    for row in loaded.figures.itertuples(index=False):
        values = Figure(_none(row.month_value), _none(row.ytd_value), _none(row.prior_ytd_value), _none(row.text_value))
        if values != Figure():
            found[(row.org_code, row.form_code, _date(row.period), row.indicator_code)] = (values, row.file_name, row.cell)
    missing = sorted(k for k in corpus.figures if k not in found)
    extra = sorted(k for k in found if k not in corpus.figures)
    wrong = {}
    for key, want in corpus.figures.items():
        if key in found:
            got, file_name, cell = found[key]
            diffs = {m: (getattr(want, m), getattr(got, m)) for m in ("month", "ytd", "prior", "text")
                     if _differs(getattr(want, m), getattr(got, m))}
            if diffs:
                wrong[key] = (file_name, cell, diffs)
    assert (len(missing), len(extra), len(wrong)) == (0, 0, 0), (
        f"missing {missing[:20]}\nextra {extra[:20]}\nwrong (file, cell, {{measure: (expected, found)}}): "
        + "\n".join(f"{k}: {v}" for k, v in list(wrong.items())[:40]))


def test_every_project_is_read_once_and_no_total_row_becomes_a_project(corpus, loaded):
    found: dict[tuple, list] = {}
    for row in loaded.projects.itertuples(index=False):
        found.setdefault((row.org_code, _date(row.period)), []).append(
            (row.project_name, row.status, row.total_investment, _none(row.location), _none(row.industry),
             _none(row.responsible)))
    wrong = {}
    for key in sorted(set(found) | set(corpus.projects)):
        want = sorted((p.name, p.status, p.investment, p.location, p.industry, p.responsible)
                      for p in corpus.projects.get(key, []))
        got = sorted(found.get(key, []), key=lambda p: tuple(str(x) for x in p))
        want = sorted(want, key=lambda p: tuple(str(x) for x in p))
        same = len(want) == len(got) and all(
            w[:2] == g[:2] and w[3:] == g[3:] and not _differs(w[2], g[2]) for w, g in zip(want, got))
        if not same:
            wrong[key] = {"expected": want, "found": got}
    assert wrong == {}


def test_the_refused_files_are_refused_with_the_rule_at_the_cell(corpus, loaded):
    errors = loaded.findings[loaded.findings["severity"] == "error"]
    unmet = []
    for f in corpus.files:
        mine = errors[(errors["sha256"] == _sha(f.data))]
        marks = set(zip(mine["rule"], mine["sheet"], mine["cell"]))
        for r in f.rejections:
            if r.rule is not None:
                ok = (r.rule, r.sheet, r.cell) in marks
            else:
                ok = any(all(n in m for n in r.names) for m in mine["message"])
            if not ok:
                unmet.append((f.path, r, sorted(marks, key=str)[:6], mine["message"].head(3).tolist()))
    assert unmet == []


def test_two_versions_of_one_return_in_one_workbook_reject_both_sheets(corpus, loaded):
    f = next(f for f in corpus.files if any(r.names for r in f.rejections))
    subs = loaded.submissions[loaded.submissions["sha256"] == _sha(f.data)]
    assert sorted(zip(subs["sheet"], subs["status"])) == [("修改稿", "rejected"), ("原表", "rejected")]


def test_no_finding_shows_a_programs_missing_value(loaded):
    shown = loaded.findings[loaded.findings["message"].str.contains(r"(?i:nan)|None|NaT|<NA>")]
    assert shown[["file_name", "rule", "message"]].values.tolist() == []
