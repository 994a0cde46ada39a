"""Exports of the analyst views for BI tools: one file per view for a period."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from statreturns.reports.files import write_csv
from statreturns.warehouse.db import sql
from statreturns.warehouse.store import Warehouse

EXPORTS = ("figures", "district_figures", "projects", "submissions", "findings")
FORMATS = ("parquet", "csv")


def export(wh: Warehouse, period: dt.date, fmt: str, folder: Path) -> list[Path]:
    """Write each analyst view's rows for ``period`` to ``folder/<view>.<fmt>``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with wh.reader() as con:
        for view in EXPORTS:
            rel = con.sql(sql(f"export_{view}"), params={"period": period})
            path = folder / f"{view}.{fmt}"
            if fmt == "parquet":
                rel.write_parquet(str(path))
            else:
                write_csv(rel.df(), path)
            written.append(path)
    return written
