"""The canonical long record and the batch of returns read in one go, as frames."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from statreturns.schemas.catalogue import MEASURES, SEVERITIES, Catalogue
from statreturns.schemas.findings import FINDING_COLUMNS, finding
from statreturns.schemas.fingerprint import read_template
from statreturns.schemas.grid import Grid
from statreturns.schemas.locate import SheetReturn, read_sheet

RECORD_KEY = ("sha256", "sheet")


class ReturnModel(pa.DataFrameModel):
    """One return found in a file (a file with none has one row with no sheet): who, which form, which month."""

    sha256: Series[str]
    file_name: Series[str]
    sheet: Series[str] = pa.Field(nullable=True)
    org_code: Series[str] = pa.Field(nullable=True)
    form_code: Series[str] = pa.Field(nullable=True)
    period: Series[pd.Timestamp] = pa.Field(nullable=True)
    folder_period: Series[pd.Timestamp] = pa.Field(nullable=True)
    period_cell: Series[str] = pa.Field(nullable=True)

    class Config:
        coerce = True
        strict = True


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

    # a check named by a rule code becomes that rule's finding on each row that fails it
    @pa.dataframe_check(error="negative")
    def non_negative(cls, df: pd.DataFrame) -> Series[bool]:
        """Figures are never negative; only a growth rate may be."""
        return df["value"].isna() | (df["value"] >= 0) | (df["measure"] == "yoy_pct")

    class Config:
        coerce = True
        strict = True


class ProjectModel(pa.DataFrameModel):
    """One row of a ZB03 project list, total investment in the form's unit (万元)."""

    sha256: Series[str]
    sheet: Series[str]
    project_name: Series[str] = pa.Field(nullable=True)
    status: Series[str] = pa.Field(nullable=True)
    total_investment: Series[float] = pa.Field(nullable=True)
    location: Series[str] = pa.Field(nullable=True)
    industry: Series[str] = pa.Field(nullable=True)
    responsible: Series[str] = pa.Field(nullable=True)
    name_cell: Series[str] = pa.Field(nullable=True)
    status_cell: Series[str] = pa.Field(nullable=True)
    investment_cell: Series[str] = pa.Field(nullable=True)
    investment_raw: Series[str] = pa.Field(nullable=True)

    class Config:
        coerce = True
        strict = True


class FindingModel(pa.DataFrameModel):
    """One finding, worded for the clerk: where, which rule, how bad, what was found and what should be there."""

    sha256: Series[str]
    file_name: Series[str]
    sheet: Series[str] = pa.Field(nullable=True)
    cell: Series[str] = pa.Field(nullable=True)
    form_code: Series[str] = pa.Field(nullable=True)
    indicator_code: Series[str] = pa.Field(nullable=True)
    severity: Series[str] = pa.Field(isin=SEVERITIES)
    rule: Series[str]
    value_found: Series[str] = pa.Field(nullable=True)
    message: Series[str]
    expected: Series[str] = pa.Field(nullable=True)

    class Config:
        coerce = True
        strict = "filter"


RETURN_COLUMNS = tuple(ReturnModel.to_schema().columns)
PROJECT_COLUMNS = tuple(c for c in ProjectModel.to_schema().columns if c not in RECORD_KEY)


@dataclass(frozen=True)
class Received:
    """One file as the pipeline received it: its identity and its sheets (or why it cannot be read)."""

    sha256: str
    file_name: str
    grids: tuple[Grid, ...] | None
    error: str | None = None
    folder_period: dt.date | None = None
    rule: str = "file_unreadable"  # the rule ``error`` is reported under (file_refused: never opened)


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
            findings.append({**ident, **finding(cat, f.rule, file_name=f.file_name, detail=f.error)})
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
    records_frame, broken = _validated(RecordModel, _frame(records, RecordModel.to_schema().columns), cat)
    return Batch(
        returns=_validated(ReturnModel, _frame(returns, RETURN_COLUMNS), cat)[0],
        records=records_frame,
        projects=_validated(ProjectModel, _frame(projects, (*RECORD_KEY, *PROJECT_COLUMNS)), cat)[0],
        findings=_frame([*findings, *broken], ("sha256", "file_name", *FINDING_COLUMNS)),
    )


def _validated(model: type[pa.DataFrameModel], frame: pd.DataFrame, cat: Catalogue) -> tuple[pd.DataFrame, list[dict]]:
    """The frame as the model types it, and a finding for each row that fails one of its checks.

    One lazy validation reports every failure. A check named by a rule code (``negative``) is that rule; any other
    failure means the row cannot be stored as read, and is refused as ``record_invalid`` naming the check.
    """
    try:
        return model.validate(frame, lazy=True), []
    except pa.errors.SchemaErrors as e:
        cases = e.failure_cases.dropna(subset=["index"])
        out = []
        for index, group in cases.groupby("index"):
            row = frame.loc[index]
            for check in dict.fromkeys(group["check"].astype(str)):
                rule = check if check in cat.rules else "record_invalid"
                out.append({"sha256": row["sha256"], "file_name": row["file_name"], **_row_finding(cat, rule, row, check)})
        invalid = [i for i, g in cases.groupby("index") if not set(g["check"].astype(str)) <= set(cat.rules)]
        return e.data.drop(index=invalid), out


def _row_finding(cat: Catalogue, rule: str, row: pd.Series, check: str) -> dict:
    ind = cat.forms[row["form_code"]].indicator(row["indicator_code"]) if "indicator_code" in row else None
    return finding(cat, rule, file_name=row["file_name"], sheet=row.get("sheet"), cell=row.get("cell"), indicator=ind,
                   value=row.get("raw"), measure=row.get("measure"), detail=check)


def ready_validation() -> None:
    """Validate an empty frame of each model: a process's first validation has pandera load its pandas backends
    (some 300 modules, half a second). Done where reader workers are forked, so that none of them pays it."""
    for model in (ReturnModel, RecordModel, ProjectModel):
        model.validate(_frame([], model.to_schema().columns))
