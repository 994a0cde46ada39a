"""Building the summary files for a period from the warehouse alone (no re-ingest)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from reports.summary import DISTRICT, build_summary
from reports.writers import write_summary
from schemas.catalogue import Catalogue
from warehouse.db import connect, query


def report_orgs(cat: Catalogue, org: str | None) -> list[str]:
    """The org codes to report on: one, or every registered org and the district."""
    if org and org != "each":
        return [org]
    return [o.code for o in cat.orgs] + [DISTRICT]


def build_reports(db_path: Path, cat: Catalogue, period: dt.date, orgs: list[str], out: Path) -> list[Path]:
    """Write the summary of ``period`` for each org code (or ``all``); returns the folders written."""
    with connect(db_path, read_only=True) as con:
        latest = query(con, "latest_figures", period=period, org=None)
        projects = query(con, "latest_projects", period=period, org=None)
    folders = []
    for org in orgs:
        mine = latest if org == DISTRICT else latest[latest["org_code"] == org]
        theirs = projects if org == DISTRICT else projects[projects["org_code"] == org]
        folders.append(write_summary(build_summary(mine, theirs, cat, period, org), out))
    return folders
