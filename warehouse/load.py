"""Ingest: received files in, audited returns loaded, in one transaction per run."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from statreturns.schemas.audit import PREVIOUS_COLUMNS, audit
from statreturns.schemas.catalogue import Catalogue
from statreturns.schemas.records import RECORD_KEY, Batch
from statreturns.intake.inbox import Incoming, archive, receive
from statreturns.intake.read import Read, read_files
from statreturns.warehouse.db import insert, query, sql, sync_dimensions
from statreturns.warehouse.store import Warehouse


_NO_PREVIOUS = pd.DataFrame(columns=list(PREVIOUS_COLUMNS))


@dataclass(frozen=True)
class IngestResult:
    """What one ingest did, file by file: the submissions rows it wrote and their findings."""

    submissions: pd.DataFrame
    findings: pd.DataFrame
    skipped: int = 0  # files already received at the same path with the same bytes
    counts: dict[str, int] = field(default_factory=dict)


def _sub_batch(batch: Batch, keys: pd.DataFrame) -> Batch:
    """The part of a batch belonging to the returns in ``keys`` (sha256, sheet)."""
    pick = lambda frame: frame.merge(keys, on=list(RECORD_KEY))  # noqa: E731
    return Batch(pick(batch.returns), pick(batch.records), pick(batch.projects), pick(batch.findings))


def _verdicts(returns: pd.DataFrame, findings: pd.DataFrame) -> pd.DataFrame:
    """Each return's error and warning counts and its status before supersession."""
    # a file with no return has no sheet: its key column may come back all-missing and untyped
    findings = findings.astype({k: "str" for k in RECORD_KEY})
    returns = returns.astype({k: "str" for k in RECORD_KEY})
    counts = findings.groupby([*RECORD_KEY, "severity"], dropna=False).size().unstack("severity", fill_value=0)
    counts = counts.reindex(columns=["error", "warning"], fill_value=0).reset_index()
    out = returns.merge(counts, on=list(RECORD_KEY), how="left").fillna({"error": 0, "warning": 0})
    return out.assign(
        n_errors=out["error"].astype(int),
        n_warnings=out["warning"].astype(int),
        status=lambda d: d["n_errors"].map(lambda n: "rejected" if n else "accepted"),
    )


def ingest(
    con: duckdb.DuckDBPyConnection,
    paths: list[Path],
    cat: Catalogue,
    archive_dir: Path,
    run_period: dt.date | None = None,
    now: dt.datetime | None = None,
) -> IngestResult:
    """Receive, read, audit and load every new file, oldest period first, all or nothing."""
    return ingest_incoming(con, [receive(p) for p in paths], cat, archive_dir, run_period, now)


def ingest_incoming(
    con: duckdb.DuckDBPyConnection,
    incoming: list[Incoming],
    cat: Catalogue,
    archive_dir: Path,
    run_period: dt.date | None = None,
    now: dt.datetime | None = None,
) -> IngestResult:
    """Read, audit and load files already received (from the inbox, or from the archive on rebuild)."""
    found = triage(query(con, "received"), incoming)
    return load(con, found, read_files(found.originals, cat), cat, archive_dir, run_period, now)


@dataclass(frozen=True)
class Triage:
    """Received files sorted against a warehouse: the ones to read, the copies, and how many it already has."""

    originals: list[Incoming]
    duplicates: list[Incoming]  # bytes received before, under another path or earlier in this lot
    skipped: int = 0  # files already received at the same path with the same bytes


def triage(seen: pd.DataFrame, incoming: list[Incoming]) -> Triage:
    """Which files are new, given the (file_path, sha256) pairs a warehouse has received."""
    seen_paths = set(zip(seen["file_path"], seen["sha256"]))
    seen_shas = set(seen["sha256"])
    fresh = [f for f in incoming if (str(f.path), f.sha256) not in seen_paths]
    # the earliest received copy of a set of identical files is the one read; the others are duplicates
    fresh.sort(key=lambda f: (f.received_at, f.file_name))
    originals, duplicates = [], []
    for f in fresh:
        (duplicates if f.sha256 in seen_shas else originals).append(f)
        seen_shas.add(f.sha256)
    return Triage(originals, duplicates, len(incoming) - len(fresh))


def received_before(wh: Warehouse) -> pd.DataFrame:
    """The (file_path, sha256) pairs a warehouse has received (as published); none before its first load."""
    if not wh.exists:
        return pd.DataFrame(columns=["file_path", "sha256"])
    with wh.reader() as con:
        return query(con, "received")


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Frames stacked as if their rows had been read in one go."""
    frames = [f for f in frames if len(f)] or frames[:1]
    # a column all empty in one part is typed by the parts that have values, as one frame built from every row would be
    typed = {}
    for col in frames[0].columns:
        kinds = {f[col].dtype for f in frames if f[col].notna().any()}
        if len(kinds) == 1:
            typed[col] = kinds.pop()
    return pd.concat(
        [f.astype({c: t for c, t in typed.items() if f[c].isna().all()}) for f in frames], ignore_index=True,
    )


def merge_reads(reads: list[Read]) -> Read:
    """The reads of consecutive batches of files, as one read of all of them in the same order."""
    return Read(
        Batch(*(_concat([getattr(r.batch, name) for r in reads]) for name in Batch.__dataclass_fields__)),
        _concat([r.notes for r in reads]),
    )


def _of_files(read: Read, files: list[Incoming]) -> Read:
    """The part of a read that belongs to ``files``."""
    shas = {f.sha256 for f in files}
    pick = lambda frame: frame[frame["sha256"].isin(shas)].reset_index(drop=True)  # noqa: E731
    b = read.batch
    return Read(Batch(pick(b.returns), pick(b.records), pick(b.projects), pick(b.findings)), pick(read.notes))


def load(
    con: duckdb.DuckDBPyConnection,
    found: Triage,
    read: Read,
    cat: Catalogue,
    archive_dir: Path,
    run_period: dt.date | None = None,
    now: dt.datetime | None = None,
) -> IngestResult:
    """Audit what was read, oldest period first against the warehouse, and load it with the copies, all or nothing."""
    now = now or dt.datetime.now()
    originals, duplicates, skipped = found.originals, found.duplicates, found.skipped
    batch, notes = read.batch, read.notes
    files = pd.DataFrame(
        [(f.sha256, str(f.path), str(archive(f, archive_dir)), f.received_at) for f in originals],
        columns=["sha256", "file_path", "archive_path", "received_at"],
    )
    written, all_findings = [], []
    con.begin()
    try:
        sync_dimensions(con, cat)
        periods = batch.returns["period"]
        for period in [*sorted(periods.dropna().unique()), pd.NaT]:
            group = batch.returns[periods.isna() if pd.isna(period) else periods == period]
            if group.empty:
                continue
            part = _sub_batch(batch, group[list(RECORD_KEY)])
            previous = query(con, "previous_ytd", period=pd.Timestamp(period).date()) if pd.notna(period) else _NO_PREVIOUS
            findings = audit(part, previous, cat, run_period, notes)
            subs = _verdicts(part.returns, findings).merge(files, on="sha256").assign(loaded_at=now)
            insert(con, "submissions", subs.drop(columns=["folder_period", "period_cell", "error", "warning"]))
            insert(con, "findings", findings)
            insert(con, "figure_values", part.records.drop(columns=["file_name"]).dropna(subset=["form_code"]))
            insert(con, "project_rows", _project_rows(part.projects))
            con.execute(sql("resolve_superseded"))
            written.append(subs)
            all_findings.append(findings)
        for f in duplicates:
            con.execute(sql("insert_duplicate"), {
                "sha256": f.sha256, "file_name": f.file_name, "file_path": str(f.path),
                "received_at": f.received_at, "loaded_at": now,
            })
        con.execute(sql("apply_explanations"))
        con.commit()
    except BaseException:
        con.rollback()
        raise
    subs = query(con, "loaded_in_run", loaded_at=now)
    return IngestResult(
        submissions=subs,
        findings=pd.concat(all_findings, ignore_index=True) if all_findings else batch.findings,
        skipped=skipped,
        counts=subs["status"].value_counts().to_dict(),
    )


def _project_rows(projects: pd.DataFrame) -> pd.DataFrame:
    return projects.rename(columns={"name_cell": "cell"})[
        ["sha256", "sheet", "project_name", "status", "total_investment", "location", "industry", "responsible", "cell"]
    ]


def load_read(con: duckdb.DuckDBPyConnection, found: Triage, read: Read, cat: Catalogue, archive_dir: Path,
              run_period: dt.date | None = None) -> IngestResult:
    """Load files read elsewhere, sorted again against what the warehouse received meanwhile."""
    again = triage(query(con, "received"), [*found.originals, *found.duplicates])
    if {f.sha256 for f in again.originals} != {f.sha256 for f in found.originals}:
        read = _of_files(read, again.originals)
    return load(con, Triage(again.originals, again.duplicates, found.skipped + again.skipped), read, cat, archive_dir, run_period)
