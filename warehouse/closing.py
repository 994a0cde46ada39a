"""Closing a month (验收关账) and approving an org's month (审核): 已受理 → 已审核 → 已验收, each step in the audit log.

A closed month refuses new returns (loading reads ``warehouse/sql/closed_periods.sql``) until the office reopens
it with a reason; its summary is the one of record, read as of its closing time (``record_time``).
"""
from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from statreturns.schemas.text import period_label
from statreturns.warehouse.audit_log import log_action
from statreturns.warehouse.db import insert, query, sql
from statreturns.warehouse.store import Warehouse


class NotAllowed(Exception):
    """Why the office cannot close, reopen or approve, in Chinese."""


def closing(con: duckdb.DuckDBPyConnection, period: dt.date) -> dict | None:
    """The ``closings`` row of ``period`` (closed or not, by whom, when, why), or None if it was never closed."""
    rows = query(con, "period_closing", period=period)
    return None if rows.empty else rows.iloc[0].to_dict()


def record_time(con: duckdb.DuckDBPyConnection, period: dt.date) -> dt.datetime | None:
    """When ``period`` was closed, if it is closed now: the summary of record reads its returns as of then."""
    row = closing(con, period)
    return pd.Timestamp(row["closed_at"]).to_pydatetime() if row and row["closed"] else None


def period_states(con: duckdb.DuckDBPyConnection, period: dt.date) -> pd.DataFrame:
    """Each org's state in ``period`` (``org_period_states``): 已受理, 已审核 or 已验收, with its open warnings."""
    return query(con, "period_states", period=period)


def _event(con: duckdb.DuckDBPyConnection, period: dt.date, action: str, who: str, reason: str, at: dt.datetime) -> None:
    con.begin()
    con.execute(sql("insert_period_closing"), {"period": period, "action": action, "acted_at": at, "who": who,
                                               "reason": reason})
    log_action(con, who, action, period.strftime("%Y-%m"), detail=reason, at=at)
    con.commit()


def close_period(wh: Warehouse, period: dt.date, who: str, reason: str, now: dt.datetime | None = None) -> pd.DataFrame:
    """Close ``period``: from now on its returns are refused; returns each org's state, now 已验收."""
    with wh.writer() as con:
        row = closing(con, period)
        if row and row["closed"]:
            raise NotAllowed(f"{period_label(period)}已于{row['closed_at']:%Y-%m-%d %H:%M}由{row['closed_by']}验收关账"
                             f"（{row['close_reason'] or '未写原因'}），不用再关账")
        _event(con, period, "close", who, reason, now or dt.datetime.now())
        return period_states(con, period)


def reopen_period(wh: Warehouse, period: dt.date, who: str, reason: str, now: dt.datetime | None = None) -> None:
    """Reopen a closed ``period`` so that corrections are received again; the reason is required."""
    if not reason.strip():
        raise NotAllowed("重开须写明原因（--reason），如 某单位某表需要更正")
    with wh.writer() as con:
        row = closing(con, period)
        if not (row and row["closed"]):
            raise NotAllowed(f"{period_label(period)}没有关账，不用重开")
        _event(con, period, "reopen", who, reason.strip(), now or dt.datetime.now())


def _refusal(state: pd.Series | None) -> str | None:
    """Why an org's month cannot be approved, or None."""
    if state is None or state["accepted_returns"] == 0:
        return "本期没有受理的报表"
    if state["state"] == "closed":
        return "本期已验收关账"
    if state["open_warnings"]:
        return f"有 {int(state['open_warnings'])} 条提醒待核实（未说明），请先核实并登记说明（statreturns explain）"
    return None


def approve(wh: Warehouse, period: dt.date, orgs: list[str] | None, who: str, note: str | None = None,
            now: dt.datetime | None = None) -> tuple[list[str], dict[str, str]]:
    """Approve (审核通过) each org's returns of ``period`` (every org with returns when ``orgs`` is None):
    the org codes approved, and why each other one was not."""
    now = now or dt.datetime.now()
    with wh.writer() as con:
        states = period_states(con, period).set_index("org_code")
        wanted = list(states.index) if orgs is None else orgs
        approved, refused = [], {}
        con.begin()
        for org in wanted:
            why = _refusal(states.loc[org] if org in states.index else None)
            if why:
                refused[org] = why
                continue
            con.execute(sql("insert_approval"), {"org_code": org, "period": period, "approved_at": now, "who": who,
                                                 "note": note})
            log_action(con, who, "approve", f"{org} {period:%Y-%m}", detail=note, at=now)
            approved.append(org)
        con.commit()
    return approved, refused


OFFICE_TABLES = ("period_closings", "approvals")  # what the office did that no archived file can tell again


def office_records(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """The closings and approvals of a warehouse, to carry over a rebuild."""
    return {table: query(con, f"all_{table}") for table in OFFICE_TABLES}


def restore_office_records(con: duckdb.DuckDBPyConnection, records: dict[str, pd.DataFrame]) -> None:
    """Put carried closings and approvals into a rebuilt warehouse: after its returns are loaded, since a closed
    month refuses returns."""
    for table, frame in records.items():
        insert(con, table, frame)
