"""Ingest: every file found in the inbox ends in exactly one state, loaded in one transaction per run.

Files are read in worker processes a batch at a time (``intake.workers``) and what they hold is gathered in temporary
tables, so memory stays flat however many files come. Then, oldest period first, the checks that read an earlier
period run against the warehouse (which by then holds the run's earlier months), each return gets its verdict, and
its rows are loaded. Nothing is visible until the one commit; a failure leaves the warehouse as it was.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import duckdb
import pandas as pd

from statreturns.intake.inbox import Entry, walk
from statreturns.intake.limits import DEFAULT_LIMITS
from statreturns.intake.read import FilesRead
from statreturns.intake.workers import Pool, kept_pool, start_server
from statreturns.schemas.audit import audit_earlier
from statreturns.schemas.catalogue import Catalogue
from statreturns.schemas.findings import finding
from statreturns.warehouse.db import insert, memory_limit, query, sql, sync_dimensions
from statreturns.warehouse.faults import crash_point
from statreturns.warehouse.quality import refresh_outliers
from statreturns.warehouse.store import Warehouse
from statreturns.warehouse.verify import AccountingBroken, problems

# A tenth of a second of a batch's cost in a worker is per batch (building, validating and auditing its frames): up to
# 1,024 files a batch (a tenth of a millisecond a file), but at least four batches a worker so that both cores stay
# busy; a worker holding a batch of 1,024 files peaks at some 270 MB.
BATCH_FILES = 1024  # files a worker reads per task
READER = "statreturns.intake.read:read_entries"
INGEST_INBOX = "statreturns.warehouse.load:ingest_inbox"  # what a flow runs apart (intake.workers.apart)
INGEST_DIED = "收表入库的进程在完成前意外终止（退出码 {code}）：本次收到的报表一份也没有入库，数据库保持原样，可以重新运行"
FORMS_AT_ONCE = 4  # forms whose figures of a month are checked against earlier months together
_EPOCH, _MICROSECOND = dt.datetime(1970, 1, 1), dt.timedelta(microseconds=1)


@dataclass(frozen=True)
class IngestResult:
    """What one ingest did, file by file: the submissions rows it wrote and their findings."""

    submissions: pd.DataFrame
    findings: pd.DataFrame
    skipped: int = 0  # files already received at the same path, unchanged
    counts: dict[str, int] = field(default_factory=dict)


class Progress(Protocol):
    """Whoever watches an ingest: the stage it is at, how many files it will read, how many it has."""

    def stage(self, text: str) -> None: ...
    def files(self, total: int) -> None: ...
    def advance(self, done: int) -> None: ...


class _Quiet:
    def stage(self, text: str) -> None:
        pass

    def files(self, total: int) -> None:
        pass

    def advance(self, done: int) -> None:
        pass


def as_entries(paths: list[Entry | Path]) -> Iterator[Entry]:
    """Entries of the inbox, or files and folders named directly, each as the inbox would find it."""
    for p in paths:
        if isinstance(p, Entry):
            yield p
        else:
            yield from walk(p)


def _received_key(e: Entry) -> tuple[str, int, int]:
    """What tells an unchanged file without reading it: its path, modification time (µs) and size."""
    return str(e.path), (e.received_at - _EPOCH) // _MICROSECOND, e.size


def triage(known: pd.DataFrame, entries: Iterable[Entry]) -> tuple[list[Entry], int]:
    """The entries to read, oldest first, and how many are the same file at the same path, unchanged since received.

    Entries are taken one at a time and only those to read are kept: an inbox of a year holds 100,000 files."""
    micros = pd.to_datetime(known["received_at"]).to_numpy("datetime64[us]").astype("int64").tolist()
    seen = set(zip(known["file_path"], micros, known["file_size"].fillna(-1).astype("int64").tolist()))
    fresh, unchanged = [], 0
    for e in entries:
        if _received_key(e) in seen:
            unchanged += 1
        else:
            fresh.append(e)
    # the earliest received copy of a set of identical files is the one read; the others are duplicates
    fresh.sort(key=lambda e: (e.received_at, e.file_name, str(e.path)))
    return fresh, unchanged


class _Gathered:
    """What the workers read, put into the staging tables file by file: copies and unchanged files set aside."""

    def __init__(self, con: duckdb.DuckDBPyConnection, known: pd.DataFrame, todo: list[Entry]):
        self.con = con
        # only the paths about to be read can be a file received before, touched and unchanged
        again = known[known["file_path"].isin({str(e.path) for e in todo})]
        self.paths = set(zip(again["file_path"], again["sha256"]))
        self.shas = set(known["sha256"])
        self.unchanged = 0
        con.execute(sql("stage_create"))

    def add(self, entries: list[Entry], part: FilesRead) -> None:
        roles, originals = [], set()
        for entry, f in zip(entries, part.files, strict=True):
            path = str(entry.path)
            if (path, f.sha256) in self.paths:
                role = "skipped"  # touched, not changed: received before at this path with these bytes
                self.unchanged += 1
            elif f.sha256 in self.shas:
                role = "duplicate"
            else:
                role = "original"
                originals.add(f.sha256)
            self.shas.add(f.sha256)
            roles.append((path, entry.file_name, f.sha256, entry.received_at, entry.size, f.archive_path, role))
        insert(self.con, "stage_files", pd.DataFrame(roles, columns=[
            "file_path", "file_name", "sha256", "received_at", "file_size", "archive_path", "role"]))
        copies = len(originals) < len(part.files)
        mine = (lambda frame: frame[frame["sha256"].isin(originals)]) if copies else (lambda frame: frame)  # noqa: E731
        batch = part.read.batch
        for table, frame in (("stage_returns", batch.returns), ("stage_records", batch.records),
                             ("stage_projects", batch.projects), ("stage_findings", batch.findings),
                             ("stage_notes", part.read.notes)):
            insert(self.con, table, mine(frame))


def _closed(con: duckdb.DuckDBPyConnection, period: dt.date, cat: Catalogue) -> None:
    """Every staged return of a period the office has closed (验收) is refused, however clean."""
    rows = [{"sha256": r.sha256, "file_name": r.file_name, "explained": False, "explanation": None,
             **finding(cat, "period_closed", file_name=r.file_name, sheet=r.sheet, cell=r.period_cell, form_code=r.form_code)}
            for r in query(con, "stage_returns_of", period=period).itertuples(index=False)]
    insert(con, "stage_findings", pd.DataFrame(rows))


def _load_period(con: duckdb.DuckDBPyConnection, period: dt.date | None, cat: Catalogue, now: dt.datetime,
                 closed: set[dt.date]) -> None:
    """One period's staged returns: closed or not, the checks against earlier periods, each verdict, then its rows."""
    if period in closed:
        _closed(con, period, cat)
    if period is not None:
        previous, notes = query(con, "previous_ytd", period=period), query(con, "stage_notes_of", period=period)
        # a few forms at a time: the checks compare a return with its own earlier figures, and a month of 1,000 orgs'
        # forms at once is a frame of a hundred megabytes
        forms = [code for code, form in cat.forms.items() if form.layout == "indicators"]
        for share in (forms[i:i + FORMS_AT_ONCE] for i in range(0, len(forms), FORMS_AT_ONCE)):
            w = query(con, "stage_wide", period=period, forms=share)
            if not w.empty:
                w = w.assign(period=pd.to_datetime(w["period"]).astype("datetime64[ns]"))
                insert(con, "stage_findings", audit_earlier(w, previous, cat, notes))
    con.execute(sql("stage_submissions"), {"period": period, "loaded_at": now})
    con.execute(sql("stage_figure_values"), {"period": period})
    con.execute(sql("stage_project_rows"), {"period": period})
    con.execute(sql("resolve_superseded"))


def scored_months(staged: list[dt.date | None], run_period: dt.date | None, rescore: bool) -> list[dt.date]:
    """The months scored against their history and peers after a load, oldest first: for a month's run, that month
    and every month the load brought returns of (a backfill's, a late correction's), so that a return is queried the
    same however it came in; for a rebuild (``rescore``), every month loaded. A bare ingest scores none: its months
    are scored by their runs."""
    if run_period is None and not rescore:
        return []
    return sorted({p for p in staged if p is not None} | ({run_period} if run_period else set()))


def ingest(
    con: duckdb.DuckDBPyConnection,
    paths: list[Entry | Path],
    cat: Catalogue,
    archive_dir: Path,
    run_period: dt.date | None = None,
    now: dt.datetime | None = None,
    *,
    pool: Pool | None = None,
    batch_files: int = BATCH_FILES,
    progress: Progress | None = None,
    rescore: bool = False,
) -> IngestResult:
    """Receive, read, audit and load every new file, oldest period first, all or nothing; then score the months it
    changed against their history and peers (``scored_months``), ``rescore``: every month it loaded, as a rebuild does."""
    progress = progress or _Quiet()
    now = now or dt.datetime.now()
    known = query(con, "received")
    todo, skipped = triage(known, as_entries(paths))
    con.begin()
    try:
        sync_dimensions(con, cat)
        gathered = _Gathered(con, known, todo)
        del known  # a year of a large district has received 100,000 files: not held while the run reads and loads
        progress.files(len(todo))
        if todo:
            progress.stage("读取报表")
            pool = pool or kept_pool()
            batches = pool.shares(todo, least=16, most=batch_files)
            del todo  # each batch's entries are let go once gathered: a year of a large district is 100,000 entries
            reads = pool.map(READER, batches, cat, run_period, Path(archive_dir), DEFAULT_LIMITS)
            for i, part in enumerate(reads):
                gathered.add(batches[i], part)
                progress.advance(len(batches[i]))
                batches[i] = None
        unchanged = gathered.unchanged
        del gathered  # its set of every file's fingerprint is for telling copies while reading
        crash_point("load:gathered")
        progress.stage("审核入库")
        closed = set(query(con, "closed_periods")["period"].map(lambda p: pd.Timestamp(p).date()))
        staged = [period for (period,) in con.execute(sql("stage_periods")).fetchall()]
        for period in staged:
            _load_period(con, period, cat, now, closed)
        con.execute(sql("stage_findings_load"))
        with memory_limit(con):  # joins every copy to its original: a moved inbox of a year is 100,000 copies
            con.execute(sql("insert_duplicates"), {"loaded_at": now})
        con.execute(sql("stage_receipts_owed"), {"loaded_at": now})
        con.execute(sql("apply_explanations"))
        for period in scored_months(staged, run_period, rescore):
            refresh_outliers(con, cat, period)
        findings = con.execute("select * from stage_findings").df()
        crash_point("load:loaded")
        con.commit()
    except BaseException:
        con.rollback()
        raise
    broken = problems(con, now, contents=False)
    if broken:
        raise AccountingBroken(broken)
    subs = query(con, "loaded_in_run", loaded_at=now)
    return IngestResult(submissions=subs, findings=findings, skipped=skipped + unchanged,
                        counts=subs["status"].value_counts().to_dict())


def ingest_inbox(wh: Warehouse, inbox: Path, cat: Catalogue, run_period: dt.date | None,
                 watcher: Progress | None = None) -> IngestResult:
    """``ingest`` of an inbox as the warehouse's one writer, left for the caller to publish. The readers' server is
    started first: its imports run beside the writer's opening and the inbox's walk."""
    start_server()
    with wh.writer(publish_after=False) as con:
        return ingest(con, [inbox], cat, wh.archive, run_period, progress=watcher)
