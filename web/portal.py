"""What the portal's pages and API show, as plain functions of the warehouse, the catalogue and who is asking."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from statreturns.flows.config import Settings
from statreturns.reports.received import received_returns
from statreturns.reports.status import STATES, Status, period_status
from statreturns.schemas.catalogue import Catalogue
from statreturns.warehouse.lock import WarehouseBusy
from statreturns.warehouse.store import Warehouse
from statreturns.web.accounts import Account, Accounts, accounts_path
from statreturns.web.jobs import Jobs
from statreturns.web.uploads import Limits, may_see, uploaded_by

# a clerk's words for the state of a form due: 缺报 is the office's word for what the clerk has 未报
TASK_LABELS = {**STATES, "missing": "未报"}
_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


class BadRequest(ValueError):
    """A request the portal cannot answer as asked; the message says why, in Chinese."""


def reporting_month(today: dt.date) -> dt.date:
    """The month whose returns are due now: the one before ``today``'s."""
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def parse_month(text: str | None, default: dt.date) -> dt.date:
    """``YYYY-MM`` as the first day of that month; ``default`` when not given."""
    if not text:
        return default
    m = _PERIOD.match(text.strip())
    if not m or not 1 <= int(m[2]) <= 12 or not 2000 <= int(m[1]) <= 2100:
        raise BadRequest(f"报告期“{text}”无法识别，应写作如 2024-01")
    return dt.date(int(m[1]), int(m[2]), 1)


def recent_months(current: dt.date, n: int = 13) -> list[dt.date]:
    """``current`` and the ``n - 1`` months before it, newest first, for the period pickers."""
    months, d = [], current
    for _ in range(n):
        months.append(d)
        d = (d - dt.timedelta(days=1)).replace(day=1)
    return months


@dataclass
class Portal:
    """Everything a request needs: the settings, the warehouse, the catalogue, the accounts and the runs."""

    settings: Settings
    wh: Warehouse
    cat: Catalogue
    accounts: Accounts
    jobs: Jobs
    limits: Limits

    @classmethod
    def open(cls, settings: Settings, limits: Limits) -> Portal:
        wh = settings.wh
        if not wh.exists:  # a new installation: make the warehouse (and its snapshot) so pages can read it
            with wh.writer(timeout=limits.wait):
                pass
        return cls(settings, wh, settings.catalogue(), Accounts(accounts_path(wh.path)),
                   Jobs(wh.path.parent / "portal-runs", settings), limits)

    @property
    def inbox(self) -> Path:
        return self.settings.inbox

    @property
    def out(self) -> Path:
        return self.settings.out

    def current_month(self) -> dt.date:
        return reporting_month(dt.date.today())

    def busy(self) -> bool:
        """Whether a run (or another upload) holds the warehouse right now."""
        try:
            with self.wh.locked(timeout=0):
                return False
        except WarehouseBusy:
            return True

    def status(self, period: dt.date) -> Status:
        """Who has reported for ``period``, against the deadline the configuration sets."""
        return period_status(self.wh, self.cat, period, self.settings.due_day, self.settings.due_hour)

    def org_name(self, code: str | None) -> str:
        org = self.cat.org(code) if code else None
        return org.name if org else (code or "")

    # --- a reporter's month

    def tasks(self, account: Account, period: dt.date) -> tuple[Status, pd.DataFrame]:
        """The forms due from the account's org (and department) for ``period``, each with its state."""
        status = self.status(period)
        grid = status.grid[status.grid["org_code"] == account.org_code]
        if account.department:
            grid = grid[grid["department"] == account.department]
        grid = grid.assign(task_label=grid["status"].map(TASK_LABELS))
        return status, grid

    def received(self, account: Account, period: dt.date) -> pd.DataFrame:
        """The returns received for ``period`` that the account may see, newest first."""
        with self.wh.reader() as con:
            frame = received_returns(con, period=period)
        mine = set(uploaded_by(self.wh, account)["sha256"])
        keep = [may_see(account, o, s in mine) for o, s in zip(frame["org_code"], frame["sha256"])]
        return frame[keep].iloc[::-1]

    def uploads(self, account: Account, limit: int = 20) -> pd.DataFrame:
        return uploaded_by(self.wh, account).head(limit)

    # --- the office

    def cell_returns(self, period: dt.date, org: str, form: str) -> pd.DataFrame:
        """Every return received for one org × form of ``period``, newest first."""
        with self.wh.reader() as con:
            frame = received_returns(con, period=period)
        return frame[(frame["org_code"] == org) & (frame["form_code"] == form)].iloc[::-1]

    def outputs(self, period: dt.date) -> list[Path]:
        """The files the runs wrote for ``period`` (tables, charts, drafts, 回执, 催报单), relative to its folder."""
        root = self.out / f"{period:%Y-%m}"
        if not root.is_dir():
            return []
        return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))

    def output_file(self, period: dt.date, relative: str) -> Path:
        """A file under ``period``'s output folder; refused when the path leads anywhere else."""
        root = (self.out / f"{period:%Y-%m}").resolve()
        target = (root / relative).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            raise BadRequest("没有这个文件")
        return target
