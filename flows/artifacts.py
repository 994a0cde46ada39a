"""What a run leaves in the Prefect UI for the office: its counts, the refused returns and why, the missing ones."""
from __future__ import annotations

import pandas as pd

from statreturns.reports.status import Status
from statreturns.schemas.catalogue import Catalogue
from statreturns.schemas.states import SUBMISSION_STATUSES
from statreturns.warehouse.load import IngestResult

SUMMARY_COLUMNS = ("范围", "收到", *SUBMISSION_STATUSES.values(), "缺报")


def _counts(label: str, by_status: dict[str, int], missing: int | None) -> dict:
    return {
        "范围": label,
        "收到": sum(by_status.values()),
        **{name: int(by_status.get(status, 0)) for status, name in SUBMISSION_STATUSES.items()},
        "缺报": missing,
    }


def summary_rows(result: IngestResult | None, periods: dict[str, tuple[dict[str, int], pd.DataFrame]]) -> list[dict]:
    """One row for the returns this run received (if it received any), then one per period for all the warehouse holds."""
    rows = [_counts("本次收到", result.counts, None)] if result is not None else []
    for period, (by_status, missing) in periods.items():
        rows.append(_counts(f"{period} 累计", by_status, len(missing)))
    return rows


def rejected_rows(result: IngestResult, cat: Catalogue) -> list[dict]:
    """Each reason each return of this run was refused for, in the clerk's words."""
    names = {o.code: o.name for o in cat.orgs}
    subs = result.submissions
    refused = subs[subs["status"] == "rejected"]
    errors = result.findings[result.findings["severity"] == "error"]
    rows = []
    for r in refused.itertuples(index=False):
        mine = errors[(errors["sha256"] == r.sha256) & (errors["sheet"].isna() | (errors["sheet"] == r.sheet))]
        for f in mine.itertuples(index=False):
            rows.append({
                "文件": r.file_name,
                "工作表": None if pd.isna(r.sheet) else r.sheet,
                "单位": names.get(r.org_code, r.org_code) if pd.notna(r.org_code) else None,
                "报表": None if pd.isna(r.form_code) else r.form_code,
                "规则": f.rule,
                "原因": f.message,
            })
    return rows


def missing_returns(status: Status) -> pd.DataFrame:
    """The org × form pairs with no accepted return for the period: never received, or received and refused."""
    return status.grid[status.grid["status"].isin(("missing", "rejected"))]


def missing_rows(missing: pd.DataFrame) -> list[dict]:
    """Each return the period still lacks, and why, as the 催报单 words it."""
    return [
        {"单位代码": m.org_code, "单位": m.org_name, "部门": m.department, "报表": m.form_code, "表名": m.form_title,
         "情况": m.status_label, "原因": m.reason}
        for m in missing.itertuples(index=False)
    ]


def key(kind: str, period: str) -> str:
    """An artifact key: one per kind and period, so the UI keeps each period's history of runs."""
    return f"{kind}-{period}"
