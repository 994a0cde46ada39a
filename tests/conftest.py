"""Shared fixtures: an inbox of returns written in code, and a warehouse to load them into."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from statreturns.intake.inbox import discover
from statreturns.schemas.catalogue import load_catalogue
from statreturns.warehouse.load import IngestResult, ingest
from statreturns.warehouse.store import Warehouse
from tests.workbooks import indicator_return


JUNE = dt.date(2023, 6, 1)
REPORTER = "示例街道财政所"


@pytest.fixture(scope="session")
def cat():
    return load_catalogue()


def day(d: int, month: int = 7) -> dt.datetime:
    """A time in 2023 at which a department saved its file (July by default)."""
    return dt.datetime(2023, month, d, 9, 0)


@pytest.fixture
def inbox(tmp_path):
    """示例街道财政所's May and June ZB01 returns, in month folders."""
    root = tmp_path / "inbox"
    put(root / "2023-05" / "财政5月.xlsx", zb01(REPORTER, "2023年1-5月", (10, 20), (90, 180), (80, 170)), day(5, 6))
    put(root / "2023-06" / "财政6月.xlsx", zb01(REPORTER, "2023年1-6月", (10, 20), (100, 200), (90, 190)), day(5))
    return root


@pytest.fixture
def db(tmp_path):
    return tmp_path / "wh" / "statreturns.duckdb"


def ingest_into(db: Path | Warehouse, inbox: Path | list[Path], cat, period: dt.date | None = JUNE,
                archive: Path | None = None) -> IngestResult:
    """Receive what is in ``inbox`` (a folder, or files found in one) into the warehouse at ``db``, and publish it."""
    wh = db if isinstance(db, Warehouse) else Warehouse.at(db, archive=archive)
    with wh.writer() as con:
        return ingest(con, discover(inbox) if isinstance(inbox, Path) else inbox, cat, wh.archive, period)


def put(path: Path, data: bytes, mtime: dt.datetime) -> Path:
    """Drop a file in the inbox as a department would, with a chosen modification time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (mtime.timestamp(), mtime.timestamp()))
    return path


def zb01(reporter: str, period: str, month: tuple, ytd: tuple, prior: tuple = (100.0, 200.0), **kw) -> bytes:
    """A ZB01 return (一般公共预算收入, 全口径财政收入) with the given 本月, 本年累计 and 上年同期累计."""
    names = ("一般公共预算收入", "全口径财政收入")
    rows = [[n, f"0{i + 1}", "万元", month[i], ytd[i], prior[i], None] for i, n in enumerate(names)]
    return indicator_return("ZB01", reporter, period, rows, title="财政收入月报表", **kw)


def form_return(cat, form_code: str, reporter: str, period: str, values: dict[str, tuple], **kw) -> bytes:
    """A return of any indicator form: ``values`` maps an indicator code to (本月, 本年累计[, 上年同期累计])."""
    rows = []
    for ind in cat.forms[form_code].indicators:
        month, ytd, *prior = values.get(ind.code, (None, None))
        rows.append([ind.name, ind.code, ind.unit, month, ytd, prior[0] if prior else None, None])
    return indicator_return(form_code, reporter, period, rows, title=cat.forms[form_code].title, **kw)
