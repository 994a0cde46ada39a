"""Rebuilding the warehouse from the archive: after a catalogue or rule change, or a lost database."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd

from statreturns.schemas.catalogue import Catalogue
from statreturns.schemas.text import parse_period
from statreturns.warehouse.db import connect, insert, query
from statreturns.intake.inbox import Incoming
from statreturns.warehouse.load import IngestResult, ingest_incoming
from statreturns.warehouse.store import Warehouse


def archived(received: pd.DataFrame) -> list[Incoming]:
    """The files a warehouse received, with their bytes read back from the archive."""
    out = []
    for r in received.itertuples(index=False):
        archive = Path(r.archive_path)
        if not archive.exists():
            raise FileNotFoundError(f"归档文件缺失：{archive}（原文件 {r.file_path}），无法重建")
        path = Path(r.file_path)
        out.append(Incoming(path, r.sha256, pd.Timestamp(r.received_at).to_pydatetime(), parse_period(path.parent.name), archive.read_bytes()))
    return out


def rebuild(wh: Warehouse, cat: Catalogue, run_period: dt.date | None = None) -> IngestResult:
    """Re-derive every table from the archived files into a new file, then put it in place of the old.

    The caller holds the writer lock (``Warehouse.writer``) and publishes afterwards.
    """
    db_path = wh.path
    with connect(db_path, read_only=True) as old:
        received = query(old, "received_files")
        explained = query(old, "all_explanations")
    fresh = db_path.with_name(db_path.name + ".rebuild")
    for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
        leftover.unlink(missing_ok=True)
    with connect(fresh) as con:
        insert(con, "explanations", explained)  # the office's 说明 are kept: they are not in the archive
        result = ingest_incoming(con, archived(received), cat, wh.archive, run_period)
    db_path.with_name(db_path.name + ".wal").unlink(missing_ok=True)
    os.replace(fresh, db_path)
    return result
