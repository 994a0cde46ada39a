"""The demo inbox, read and audited month by month the way the pipeline reads it."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from statreturns.samples import DRIFT_NOTES, MONTHS, YEAR, plan, write_sample_inbox
from statreturns.samples.__main__ import main as make_samples
from statreturns.samples.constants import CHINA
from tests.sample_truth import DRIFTS, EXPECTED, PLAN, intended
from statreturns.schemas.audit import PREVIOUS_COLUMNS, audit
from statreturns.schemas.catalogue import load_catalogue
from statreturns.schemas.records import Received, read_batch
from statreturns.schemas.text import parse_period
from statreturns.intake.readers import UnreadableFile, read_grids

SEED = 2023
CELL = re.compile(r"[A-Z]{1,3}[0-9]+单元格")


@dataclass(frozen=True, repr=False)
class Run:
    returns: pd.DataFrame
    records: pd.DataFrame
    projects: pd.DataFrame
    findings: pd.DataFrame
    received: dict[str, Received]
    mtime: dict[str, float]

    def errors(self, path: str) -> pd.DataFrame:
        f = self.findings
        return f[(f["file_name"] == path) & (f["severity"] == "error")]

    def accepted(self) -> pd.DataFrame:
        """Returns from files without an error finding, each with its file's mtime."""
        rejected = set(self.findings.loc[self.findings["severity"] == "error", "file_name"])
        rets = self.returns.dropna(subset=["sheet"])
        rets = rets[~rets["file_name"].isin(rejected)]
        return rets.assign(mtime=rets["file_name"].map(self.mtime))


def receive(path: Path, rel: str, month: int) -> Received:
    data = path.read_bytes()
    try:
        grids, error = tuple(read_grids(data)), None
    except UnreadableFile as e:
        grids, error = None, str(e)
    return Received(hashlib.sha256(data).hexdigest(), rel, grids, error, dt.date(YEAR, month, 1))


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("inbox")
    return out, write_sample_inbox(out, seed=SEED)


@pytest.fixture(scope="module")
def run(inbox) -> Run:
    out, _ = inbox
    return audited(out, MONTHS)


def audited(out: Path, months: tuple[int, ...]) -> Run:
    """Each month audited with the 本年累计 of the returns accepted earlier (the latest file of a return wins)."""
    cat = load_catalogue()
    previous = pd.DataFrame(columns=list(PREVIOUS_COLUMNS))
    parts: dict[str, list[pd.DataFrame]] = {"returns": [], "records": [], "projects": [], "findings": []}
    received, mtime = {}, {}
    for month in months:
        folder = out / f"{YEAR}-{month:02d}"
        files = []
        for p in sorted(folder.iterdir(), key=lambda p: (p.stat().st_mtime, p.name)):
            rel = f"{folder.name}/{p.name}"
            mtime[rel] = p.stat().st_mtime
            received[rel] = receive(p, rel, month)
            files.append(received[rel])
        batch = read_batch(files, cat)
        findings = audit(batch, previous, cat, dt.date(YEAR, month, 1))
        rejected = set(findings.loc[findings["severity"] == "error", "file_name"])
        ytd = batch.records[(batch.records["measure"] == "ytd") & ~batch.records["file_name"].isin(rejected)]
        ytd = ytd.assign(mtime=ytd["file_name"].map(mtime)).sort_values("mtime")
        ytd = ytd.drop_duplicates(["org_code", "form_code", "indicator_code", "period"], keep="last")
        previous = pd.concat([previous, ytd.rename(columns={"value": "ytd"})[list(PREVIOUS_COLUMNS)]], ignore_index=True)
        projects = batch.projects.merge(batch.returns[["sha256", "sheet", "file_name"]].drop_duplicates(), on=["sha256", "sheet"])
        for name, frame in (("returns", batch.returns), ("records", batch.records), ("projects", projects), ("findings", findings)):
            parts[name].append(frame)
    return Run(**{k: pd.concat(v, ignore_index=True) for k, v in parts.items()}, received=received, mtime=mtime)


def good_paths() -> list[str]:
    return [s.path for s in PLAN if s.role in ("good", "superseded", "duplicate")]


def test_the_same_seed_writes_the_same_bytes_and_times(inbox, tmp_path):
    out, paths = inbox
    again = write_sample_inbox(tmp_path, seed=SEED)
    assert [p.relative_to(tmp_path) for p in again] == [p.relative_to(out) for p in paths]
    for a, b in zip(paths, again):
        assert a.read_bytes() == b.read_bytes(), a.name
        assert a.stat().st_mtime == b.stat().st_mtime, a.name
    other = intended(SEED + 1).figures
    assert not other["value"].equals(intended(SEED).figures["value"])


def test_the_inbox_has_a_folder_per_month_and_every_planned_file(inbox):
    out, paths = inbox
    assert sorted(p.name for p in out.iterdir()) == [f"{YEAR}-{m:02d}" for m in MONTHS]
    on_disk = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert on_disk == sorted(str(p.relative_to(out)) for p in paths) == sorted(s.path for s in PLAN)
    named = set(EXPECTED["rejected"]) | set(EXPECTED["duplicate"]) | {d["of"] for d in EXPECTED["duplicate"].values()}
    named |= set(EXPECTED["superseded"]) | {d["by"] for d in EXPECTED["superseded"].values()}
    assert named <= set(on_disk)


@pytest.mark.parametrize("path", good_paths())
def test_a_good_file_gives_one_return_and_no_finding(run, path):
    rets = run.returns[(run.returns["file_name"] == path) & run.returns["sheet"].notna()]
    assert len(rets) == 1
    found = run.findings[run.findings["file_name"] == path]
    assert found.empty, found["message"].tolist()


def test_every_month_has_every_return_but_the_missing_one(run):
    cat = load_catalogue()
    everyone = {(o.code, f) for o in cat.orgs for f in cat.forms}
    missing = {(m["org_code"], m["form_code"], m["period"]) for m in EXPECTED["missing"]}
    accepted = run.accepted()
    for month in MONTHS:
        period = f"{YEAR}-{month:02d}"
        here = accepted[accepted["period"] == pd.Timestamp(YEAR, month, 1)]
        expected = {k for k in everyone if (*k, period) not in missing}
        assert set(zip(here["org_code"], here["form_code"])) == expected, period


def test_the_missing_return_has_an_earlier_one_to_fall_back_on(run):
    accepted = run.accepted()
    for m in EXPECTED["missing"]:
        theirs = accepted[(accepted["org_code"] == m["org_code"]) & (accepted["form_code"] == m["form_code"])]
        latest = theirs["period"].max()
        assert f"{latest:%Y-%m}" == m["latest"]


@pytest.mark.parametrize("path", sorted(EXPECTED["rejected"]))
def test_a_bad_file_is_rejected_for_its_reason_with_the_cell(run, path):
    rule = EXPECTED["rejected"][path]["rule"]
    if rule == "file_unreadable":
        assert run.received[path].grids is None, "read_grids read a text file named .xlsx as a workbook (csv)"
    errors = run.errors(path)
    assert set(errors["rule"]) == {rule}, errors["message"].tolist()
    assert all(path in m for m in errors["message"])
    if rule != "file_unreadable":
        assert errors["cell"].notna().all()
        assert all(CELL.search(m) for m in errors["message"]), errors["message"].tolist()


def test_a_year_of_returns_runs_on_to_december_and_audits_clean(tmp_path):
    year = tuple(range(1, 13))
    make_samples([str(tmp_path), "--months", "12", "--seed", str(SEED)])
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{YEAR}-{m:02d}" for m in year]
    december = [p for p in written if p.parent.name == f"{YEAR}-12"]
    saved = {dt.datetime.fromtimestamp(p.stat().st_mtime, CHINA).date().replace(day=1) for p in december}
    assert saved == {dt.date(YEAR + 1, 1, 1)}  # December's returns come in the next January
    checked = audited(tmp_path, year)
    planned = {s.path: s for s in plan(year)}
    rejected = set(checked.findings.loc[checked.findings["severity"] == "error", "file_name"])
    assert rejected == {path for path, s in planned.items() if s.role == "rejected"}
    assert {planned[path].month for path in rejected} == {12}
    assert checked.findings[~checked.findings["file_name"].isin(rejected)].empty
    accepted = checked.accepted()
    assert set(accepted["period"]) == {pd.Timestamp(YEAR, m, 1) for m in year}
    with pytest.raises(ValueError):
        plan((7, 8, 9))


def test_a_duplicate_is_the_same_bytes_under_another_name(run):
    for copy, d in EXPECTED["duplicate"].items():
        original = d["of"]
        assert copy != original
        assert run.received[copy].sha256 == run.received[original].sha256


def test_a_correction_comes_later_and_changes_a_figure_of_the_same_return(run):
    accepted = run.accepted()
    for old, d in EXPECTED["superseded"].items():
        new = d["by"]
        a = accepted[accepted["file_name"] == old].iloc[0]
        b = accepted[accepted["file_name"] == new].iloc[0]
        assert (a["org_code"], a["form_code"], a["period"]) == (b["org_code"], b["form_code"], b["period"])
        assert run.mtime[new] > run.mtime[old]
        figures = run.records.set_index(["file_name", "indicator_code", "measure"])["value"]
        assert not figures.loc[old].fillna(-1).equals(figures.loc[new].fillna(-1))
        key = (a["org_code"], a["form_code"], a["period"])
        latest = accepted[accepted[["org_code", "form_code", "period"]].apply(tuple, axis=1) == key]
        assert latest.sort_values("mtime")["file_name"].iloc[-1] == new


def test_every_figure_reads_back_as_generated(run):
    want = intended(SEED).figures.rename(columns={"path": "file_name"})
    keys = ["file_name", "indicator_code", "measure"]
    got = run.records[[*keys, "value", "text_value", "raw", "cell"]]
    both = want.merge(got, on=keys, how="outer", suffixes=("", "_read"), indicator=True)
    numeric = both["measure"] != "text"
    same_number = (both["value"] - both["value_read"]).abs() < 1e-6
    same_blank = both["value"].isna() & both["value_read"].isna()
    same_text = both["text_value"].fillna("") == both["text_value_read"].fillna("")
    wrong = both[(both["_merge"] != "both") | (numeric & ~(same_number | same_blank)) | (~numeric & ~same_text)]
    assert wrong.empty, wrong[[*keys, "value", "value_read", "raw", "cell", "text_value", "text_value_read"]].head(20).to_string()


def test_every_project_reads_back_as_generated(run):
    want = intended(SEED).projects.rename(columns={"path": "file_name"})
    keys = ["file_name", "project_name"]
    both = want.merge(run.projects, on=keys, how="outer", suffixes=("", "_read"), indicator=True)
    assert (both["_merge"] == "both").all()
    assert ((both["total_investment"] - both["total_investment_read"]).abs() < 1e-6).all()
    for col in ("status", "location", "industry", "responsible"):
        assert (both[col] == both[f"{col}_read"]).all(), col


def _cell(run: Run, path: str, sheet: str, a1: str) -> object:
    grid = next(g for g in run.received[path].grids if g.sheet == sheet)
    col = 0
    letters, row = re.fullmatch(r"([A-Z]+)([0-9]+)", a1).groups()
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return grid.raw(int(row) - 1, col - 1)


@pytest.mark.parametrize("drift", ["yuan_row", "yuan_sheet"])
def test_a_figure_written_in_yuan_reads_back_in_wanyuan(run, drift):
    want = intended(SEED).figures.set_index(["path", "indicator_code", "measure"])["value"]
    paths = [p for p, d in DRIFTS.items() if drift in d]
    assert paths
    for path in paths:
        rows = run.records[(run.records["file_name"] == path) & (run.records["unit_found"] == "元")
                           & run.records["value"].notna() & (run.records["measure"] != "yoy_pct")]
        assert not rows.empty, path
        for r in rows.itertuples():
            written = _cell(run, path, r.sheet, r.cell)
            assert float(str(written).replace(",", "")) == pytest.approx(r.value * 10000, abs=1e-6)
            assert r.value == pytest.approx(want[(path, r.indicator_code, r.measure)], abs=1e-9)


def test_each_drift_is_in_a_few_files_and_every_period_spelling_is_used(inbox, run):
    out, _ = inbox
    counts = {d: sum(d in ds for ds in DRIFTS.values()) for d in DRIFT_NOTES}
    assert all(2 <= n <= 8 for n in counts.values()), counts
    spellings = {re.sub(r"\d+", "N", s.period_text) for s in PLAN if s.role == "good" and s.month > 1}
    assert {"N年N月", "N年N-N月", "N年N—N月", "N年N～N月", "N-N", "N.N", "N"} <= spellings
    assert all(parse_period(s.period_text) == dt.date(YEAR, s.month, 1) for s in PLAN if s.period_text)
    assert {s.writer for s in PLAN} == {"openpyxl", "xlsxwriter", "text"}
    for path, drifts in DRIFTS.items():
        grids = run.received[path].grids
        if "hidden_sheet" in drifts:
            assert any(g.hidden for g in grids), path
        if "instructions_sheet" in drifts:
            assert "填表说明" in [g.sheet for g in grids], path
        if "chart_sheet" in drifts:
            assert any(n.startswith("xl/chartsheets/") for n in zipfile.ZipFile(out / path).namelist()), path
