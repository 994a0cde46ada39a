"""Reports that could not be written: which month's, which org's, and why. Every other report is written first."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Unwritten:
    """An org's (or the district's) report of a month that its worker could not finish, and the reason."""

    period: dt.date
    org_code: str
    org_name: str
    reason: str


class ReportsIncomplete(RuntimeError):
    """Some reports could not be written; the rest (``folders``) were. The message names each one and its reason."""

    def __init__(self, folders: list[Path], unwritten: list[Unwritten]):
        self.folders, self.unwritten = folders, unwritten
        lines = [f"有 {len(unwritten)} 份汇总表未能生成（其余 {len(folders)} 份已生成）："]
        lines += [f"  {u.period:%Y-%m} {u.org_name}（{u.org_code}）：{u.reason}" for u in unwritten]
        super().__init__("\n".join(lines))

    @classmethod
    def of(cls, written: list[Path | Unwritten]) -> ReportsIncomplete | None:
        """What ``written`` left unwritten, if anything."""
        unwritten = [one for one in written if isinstance(one, Unwritten)]
        return cls([one for one in written if not isinstance(one, Unwritten)], unwritten) if unwritten else None

