"""The revision trail: what each correction changed, figure by figure, and returns corrected again and again."""
from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from statreturns.warehouse.db import query


def return_changes(con: duckdb.DuckDBPyConnection, sha256: str) -> pd.DataFrame:
    """The figures the return ``sha256`` changed against the revision it corrected (the ``revisions`` view's
    columns; no rows for a first return): for the receipt of a correction."""
    return query(con, "return_changes", sha256=sha256)


def period_revisions(con: duckdb.DuckDBPyConnection, period: dt.date) -> pd.DataFrame:
    """Every figure a correction changed in ``period``: for the office's board."""
    return query(con, "period_revisions", period=period)


def repeated_revisions(con: duckdb.DuckDBPyConnection, period: dt.date, least: int) -> pd.DataFrame:
    """Each org × form of ``period`` corrected ``least`` times or more, with its current return (重复修改)."""
    return query(con, "repeated_revisions", period=period, least=least)
