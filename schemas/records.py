"""The canonical long record and the batch of returns read in one go, as frames."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from statreturns.schemas.catalogue import MEASURES, Catalogue
from statreturns.schemas.findings import FINDING_COLUMNS, finding
from statreturns.schemas.fingerprint import read_template
from statreturns.schemas.grid import Grid
from statreturns.schemas.locate import SheetReturn, read_sheet

RETURN_COLUMNS = ("sha256", "file_name", "sheet", "org_code", "form_code", "period", "folder_period", "period_cell")
RECORD_KEY = ("sha256", "sheet")
PROJECT_COLUMNS = (
    "project_name", "status", "total_investment", "location", "industry", "responsible",
    "name_cell", "status_cell", "investment_cell", "investment_raw",
)


class RecordModel(pa.DataFrameModel):
    """One figure of one return: (return, indicator, measure), in the indicator's canonical unit."""

    sha256: Series[str]
    sheet: Series[str]
    file_name: Series[str]
    org_code: Series[str] = pa.Field(nullable=True)
    form_code: Series[str]
    period: Series[pd.Timestamp] = pa.Field(nullable=True)
    indicator_code: Series[str]
    measure: Series[str] = pa.Field(isin=MEASURES)
    value: Series[float] = pa.Field(nullable=True)
    text_value: Series[str] = pa.Field(nullable=True)
    raw: Series[str]
    cell: Series[str] = pa.Field(str_matches=r"^[A-Z]{1,3}[0-9]+$")
    unit_found: Series[str] = pa.Field(nullable=True)
    factor: Series[float] = pa.Field(gt=0)
    computed: Series[bool]  # the value was computed from a formula the file stored without one

    @pa.dataframe_check(error="negative")
    def non_negative(cls, df: pd.DataFrame) -> Series[bool]:
        """Figures are never negative; only a growth rate may be."""
        return df["value"].isna() | (df["value"] >= 0) | (df["measure"] == "yoy_pct")

    class Config:
        coerce = True
        strict = True


@dataclass(frozen=True)
class Received:
    """One file as the pipeline received it: its identity and its sheets (or why it cannot be read)."""

    sha256: str
    file_name: str
    grids: tuple[Grid, ...] | None
    error: str | None = None
    folder_period: dt.date | None = None


@dataclass(frozen=True)
class Batch:
    returns: pd.DataFrame  # RETURN_COLUMNS; one row per return, sheet is NULL for a file with none
    records: pd.DataFrame  # RecordModel
    projects: pd.DataFrame  # RETURN key + PROJECT_COLUMNS
    findings: pd.DataFrame  # sha256, file_name + FINDING_COLUMNS


def _frame(rows: list[dict], columns) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns))


def read_batch(files: list[Received], cat: Catalogue) -> Batch:
    """Locate every return in every file and gather them into frames."""
    returns, records, projects, findings = [], [], [], []
    for f in files:
        ident = {"sha256": f.sha256, "file_name": f.file_name}
        sheets: list[SheetReturn] = []
        if f.error is not None:
            findings.append({**ident, **finding(cat, "file_unreadable", file_name=f.file_name, detail=f.error)})
        else:
            found = read_template(f.grids, cat, f.file_name)
            if found is None:
                found = [(g, s) for g in f.grids if (s := read_sheet(g, cat, f.file_name)) is not None]
            # a hidden sheet holding the same form as a visible one is an old copy, not a second return
            visible = {s.form_code for g, s in found if not g.hidden}
            sheets = [s for g, s in found if not (g.hidden and s.form_code in visible)]
            if not sheets:
                findings.append({**ident, **finding(cat, "no_return", file_name=f.file_name)})
        if not sheets:
            returns.append({**ident, "sheet": None, "org_code": None, "form_code": None, "period": None,
                            "folder_period": f.folder_period, "period_cell": None})
        for s in sheets:
            key = {**ident, "sheet": s.sheet}
            returns.append({**key, "org_code": s.org_code, "form_code": s.form_code, "period": s.period,
                            "folder_period": f.folder_period, "period_cell": s.period_cell})
            base = {**key, "org_code": s.org_code, "form_code": s.form_code, "period": s.period}
            records.extend({**base, **r} for r in s.records)
            projects.extend({**key, **p} for p in s.projects)
            findings.extend({**ident, **x} for x in s.findings)
    record_cols = list(RecordModel.to_schema().columns)
    recs = _frame(records, record_cols)
    recs["period"] = pd.to_datetime(recs["period"])
    rets = _frame(returns, RETURN_COLUMNS)
    for col in ("period", "folder_period"):
        rets[col] = pd.to_datetime(rets[col])
    return Batch(
        returns=rets,
        records=recs,
        projects=_frame(projects, (*RECORD_KEY, *PROJECT_COLUMNS)),
        findings=_frame(findings, ("sha256", "file_name", *FINDING_COLUMNS)),
    )
