"""The DuckDB warehouse: opening it, its SQL files, and its dimension tables."""
from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd

from schemas.catalogue import Catalogue


@cache
def sql(name: str) -> str:
    """The text of ``warehouse/sql/<name>.sql``."""
    return resources.files("warehouse.sql").joinpath(f"{name}.sql").read_text(encoding="utf-8")


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, creating its tables and views when writable."""
    if read_only:
        return duckdb.connect(str(path), read_only=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute(sql("schema"))
    con.execute(sql("views"))
    return con


def query(con: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    """Run ``warehouse/sql/<name>.sql`` with bound parameters and return the result as a frame."""
    return con.execute(sql(name), params or None).df()


def insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Bulk-append a frame whose columns are named as the table's."""
    if not frame.empty:
        con.append(table, frame, by_name=True)


def sync_dimensions(con: duckdb.DuckDBPyConnection, cat: Catalogue) -> None:
    """Make orgs and indicators match the catalogue and registry in force."""
    orgs = pd.DataFrame([(o.code, o.name, o.level) for o in cat.orgs], columns=["org_code", "org_name", "level"])
    indicators = pd.DataFrame(
        [(i.form_code, i.code, i.name, i.unit, i.kind, i.yoy, cat.forms[i.form_code].department) for i in cat.indicators()],
        columns=["form_code", "indicator_code", "indicator_name", "unit", "kind", "yoy", "department"],
    )
    con.execute("delete from orgs")
    con.execute("delete from indicators")
    insert(con, "orgs", orgs)
    insert(con, "indicators", indicators)
