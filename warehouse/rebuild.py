"""Rebuilding the warehouse from the archive: after a catalogue or rule change, or a lost database."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd

from statreturns.intake.inbox import Entry
from statreturns.schemas.catalogue import Catalogue
from statreturns.schemas.text import parse_period
from statreturns.warehouse.closing import office_records, restore_office_records
from statreturns.warehouse.db import connect, insert, query
from statreturns.warehouse.faults import crash_point
from statreturns.warehouse.load import IngestResult, ingest
from statreturns.warehouse.store import Warehouse


class ArchiveIncomplete(Exception):
    """A file the warehouse received is missing from the archive, so the warehouse cannot be rebuilt."""


def archived(received: pd.DataFrame) -> list[Entry]:
    """The files a warehouse read, each to be read again from its archived bytes under its original identity."""
    out = []
    for r in received[received["archive_path"].notna()].itertuples(index=False):
        archive = Path(r.archive_path)
        if not archive.exists():
            raise ArchiveIncomplete(f"归档文件缺失：{archive}（原文件 {r.file_path}），无法重建")
        path = Path(r.file_path)
        received_at = pd.Timestamp(r.received_at).to_pydatetime()
        out.append(Entry(path, received_at, parse_period(path.parent.name), int(r.file_size or 0), source=archive))
    return out


def rebuild(wh: Warehouse, cat: Catalogue, run_period: dt.date | None = None) -> IngestResult:
    """Re-derive every table from the archived files into a new file, then put it in place of the old.

    Files that were never read (links, folders, files too large to keep) have no archived bytes: their rows and
    findings are carried over as they were. The caller holds the writer lock (``Warehouse.locked``) and publishes.
    """
    with connect(wh.path, read_only=True) as old:
        received = query(old, "received_files")
        explained = query(old, "all_explanations")
        unread = query(old, "unread_submissions"), query(old, "unread_findings")
        office = office_records(old)  # closings and approvals: not in the archive either
    fresh = wh.path.with_name(wh.path.name + ".rebuild")
    for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
        leftover.unlink(missing_ok=True)
    with connect(fresh) as con:
        insert(con, "explanations", explained)  # the office's 说明 are kept: they are not in the archive
        insert(con, "submissions", unread[0])
        insert(con, "findings", unread[1])
        result = ingest(con, archived(received), cat, wh.archive, run_period, rescore=True)
        restore_office_records(con, office)  # after the returns, which a closed month would refuse
    crash_point("rebuild:built")
    wh.path.with_name(wh.path.name + ".wal").unlink(missing_ok=True)
    os.replace(fresh, wh.path)
    return result
