"""The returns received for a period, as the office follows them up (回执 and 催报)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

from statreturns.schemas.text import parse_period
from statreturns.warehouse.db import query


def reporting_period(period: object, file_path: str, received_at: object) -> dt.date:
    """The month a return reports on: its 报告期, else its inbox folder's month, else the month before it came in."""
    if pd.notna(period):
        return pd.Timestamp(period).date().replace(day=1)
    folder = parse_period(Path(file_path).parent.name)
    if folder is not None:
        return folder
    received = pd.Timestamp(received_at)
    return (received - pd.DateOffset(months=1)).date().replace(day=1)


def received_returns(con: duckdb.DuckDBPyConnection, *, period: dt.date | None = None,
                     shas: list[str] | None = None) -> pd.DataFrame:
    """Each return received (duplicates aside) with ``report_period``, of ``period`` or of the files ``shas``."""
    frame = query(con, "received_returns", period=period, shas=shas)
    frame = frame.assign(report_period=[reporting_period(p, f, r) for p, f, r in
                                        zip(frame["period"], frame["file_path"], frame["received_at"])])
    return frame[frame["report_period"] == period] if period else frame
