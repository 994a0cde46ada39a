"""The audit log: every action that changes what the warehouse says or who may use it, with who and when."""
from __future__ import annotations

import datetime as dt
import getpass

import duckdb

from statreturns.warehouse.db import sql


def command_user() -> str:
    """Who runs a command: the operating system's user, as the log names a person at the terminal."""
    try:
        return f"命令行:{getpass.getuser()}"
    except (KeyError, OSError):
        return "命令行"


def log_action(con: duckdb.DuckDBPyConnection, who: str, action: str, what: str | None = None, *,
               sha256: str | None = None, detail: str | None = None, at: dt.datetime | None = None) -> None:
    """Record one action, inside the caller's transaction when it has one."""
    con.execute(sql("insert_audit_log"), {"logged_at": at or dt.datetime.now(), "who": who, "action": action, "what": what,
                                          "sha256": sha256, "detail": detail})
