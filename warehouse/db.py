"""The DuckDB warehouse: opening it, its SQL files, and its dimension tables."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd

from statreturns.schemas.catalogue import Catalogue
from statreturns.schemas.text import ytd_window

ROWS_AT_ONCE = 4096


@cache
def sql(name: str) -> str:
    """The text of ``warehouse/sql/<name>.sql``."""
    return resources.files("statreturns.warehouse.sql").joinpath(f"{name}.sql").read_text(encoding="utf-8")


def schema_scripts() -> list[str]:
    """The views, macros and comments under ``warehouse/sql/schema``, in name order; run each time a writer opens."""
    folder = resources.files("statreturns.warehouse.sql").joinpath("schema")
    return [f.read_text(encoding="utf-8") for f in sorted(folder.iterdir(), key=lambda f: f.name) if f.name.endswith(".sql")]


def migrations() -> list[tuple[int, str]]:
    """(version, SQL) of every migration under ``warehouse/sql/migrations``, in order."""
    folder = resources.files("statreturns.warehouse.sql").joinpath("migrations")
    found = [(int(f.name[:3]), f.read_text(encoding="utf-8")) for f in folder.iterdir() if f.name.endswith(".sql")]
    return sorted(found)


SCHEMA_VERSION = max(v for v, _ in migrations())


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The version a warehouse file is at: 0 when new, 1 for one written before versions were recorded."""
    tables = {t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()}
    if "meta" in tables:
        return int(con.execute("select value from meta where key = 'schema_version'").fetchone()[0])
    return 1 if "submissions" in tables else 0


class WarehouseUnusable(Exception):
    """The file named as the warehouse cannot be used as one; the message says why, in Chinese."""


def _usable(path: Path, must_exist: bool) -> None:
    """Refuse a path that is no warehouse file before DuckDB is asked: a folder, or missing when it must exist."""
    if path.is_dir():
        raise WarehouseUnusable(f"数据库应是一个文件，而 {path} 是文件夹")
    if must_exist and not path.exists():
        raise WarehouseUnusable(f"数据库不存在：{path}")


def _unusable(path: Path, error: Exception) -> WarehouseUnusable:
    """Why DuckDB could not open ``path``, in the words a clerk reads."""
    if "not a valid DuckDB database" in str(error):
        return WarehouseUnusable(f"{path} 不是 DuckDB 数据库文件（请检查 --warehouse 或配置文件中的路径）")
    return WarehouseUnusable(f"无法打开数据库 {path}：{error}")


def _open(path: Path, read_only: bool, **config) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection, or why the file is no warehouse: a folder, another kind of file, missing."""
    _usable(path, must_exist=read_only)
    try:
        return duckdb.connect(str(path), read_only=read_only, config=config)
    except duckdb.IOException as e:
        if "lock" in str(e).lower() and "not a valid DuckDB database" not in str(e):
            raise
        raise _unusable(path, e) from None


def open_snapshot(path: Path, sealed: bool = False) -> duckdb.DuckDBPyConnection:
    """A read-only connection of its own to a published snapshot, as it is on disk now.

    DuckDB shares one open database per path within a process, so a plain read-only connect made while an older
    reader is still open would see the snapshot that reader saw, not the one published since. Attaching the file to a
    fresh in-memory database opens it anew each time. ``sealed`` then shuts the connection off from the file system,
    other databases and extensions for good (an analyst's own SQL serves the warehouse only).
    """
    _usable(path, must_exist=True)
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                             "autoload_known_extensions": False})
    try:
        con.execute("attach $path as warehouse (read_only)", {"path": str(path)})
        con.execute("use warehouse")
        if sealed:
            con.execute("set enable_external_access = false")
            con.execute("set lock_configuration = true")
    except duckdb.Error as e:
        con.close()
        raise _unusable(path, e) from None
    return con


def connect(path: Path, read_only: bool = False, **config) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; when writable, migrate it to the current schema and recreate its views.

    A warehouse written by a newer version of statreturns is refused: writing it back would lose what it knows.
    """
    if read_only:
        return _open(path, True, **config)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, False, **config)
    con.begin()
    try:
        version = schema_version(con)
        if version > SCHEMA_VERSION:
            raise WarehouseUnusable(f"数据库 {path} 是新版本的 statreturns 写的（结构版本 {version}，本程序只认识到 "
                                    f"{SCHEMA_VERSION}），请升级 statreturns 后再用；本程序不会改动它")
        for number, script in migrations():
            if number > version:
                con.execute(script)
        con.execute("create table if not exists meta (key varchar primary key, value varchar)")
        con.execute("insert or replace into meta values ('schema_version', $v)", {"v": str(SCHEMA_VERSION)})
        for script in schema_scripts():
            con.execute(script)
        con.commit()
    except BaseException:
        con.rollback()
        con.close()
        raise
    return con


def query(con: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    """Run ``warehouse/sql/<name>.sql`` with bound parameters and return the result as a frame."""
    return con.execute(sql(name), params or None).df()


def rows(con: duckdb.DuckDBPyConnection, name: str, **params) -> Iterator[tuple]:
    """Run ``warehouse/sql/<name>.sql`` and yield its rows a few thousand at a time: a result too long to hold whole."""
    result = con.execute(sql(name), params or None)
    while chunk := result.fetchmany(ROWS_AT_ONCE):
        yield from chunk


@contextlib.contextmanager
def memory_limit(con: duckdb.DuckDBPyConnection, limit: str | None = None) -> Iterator[None]:
    """``limit`` (DuckDB's default when None) as the memory limit for the body, for statements that need more than the
    connection's own; then the connection's limit again, which lets go of what the body cached past it."""
    before = con.execute("select current_setting('memory_limit')").fetchall()[0][0]
    con.execute(f"set memory_limit = '{limit}'" if limit else "reset memory_limit")
    try:
        yield
    finally:
        con.execute(f"set memory_limit = '{before}'")


def insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Bulk-append a frame whose columns are named as the table's (``table`` is one of ours, never user text).

    An INSERT that scans the frame, not ``con.append``: each append keeps ~50 KB the process never gets back, which
    over a large ingest's thousands of batches grew the writer's memory with the number of files."""
    if not frame.empty:
        con.execute(f"insert into {table} by name select * from frame")


def dimensions(cat: Catalogue) -> dict[str, pd.DataFrame]:
    """The dimension tables as the catalogue and registry in force describe them."""
    frame = pd.DataFrame
    return {
        "orgs": frame([(o.code, o.name, o.level) for o in cat.orgs], columns=["org_code", "org_name", "level"]),
        "departments": frame(sorted({f.department for f in cat.forms.values()}), columns=["department"]),
        "forms": frame([(f.code, f.title, f.department, f.layout) for f in cat.forms.values()],
                       columns=["form_code", "title", "department", "layout"]),
        "indicators": frame(
            [(i.form_code, i.code, i.name, i.unit, i.kind, i.yoy, cat.forms[i.form_code].department,
              cat.decimals_of(i.unit)) for i in cat.indicators()],
            columns=["form_code", "indicator_code", "indicator_name", "unit", "kind", "yoy", "department", "decimals"],
        ),
        "months": frame([(m, ytd_window(m)) for m in range(1, 13)], columns=["month", "ytd_label"]),
    }


def sync_dimensions(con: duckdb.DuckDBPyConnection, cat: Catalogue) -> None:
    """Make the dimension tables match the catalogue and registry in force."""
    con.execute(sql("clear_dimensions"))
    for table, frame in dimensions(cat).items():
        insert(con, table, frame)
