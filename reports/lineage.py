"""Where each figure of a draft came from: file, sheet, cell and fingerprint of its return, and the rules it passed."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from statreturns.reports.summary import Summary, sections
from statreturns.reports.files import md_text, write_csv
from statreturns.reports.files import rows as frame_rows
from statreturns.reports.writers import decimals, display

LINEAGE_STEM = "数据来源"
APPENDIX_ROWS = 400  # past this many source rows (the district), the appendix gives one row per figure
SOURCE_COLUMNS = {
    "figure": "指标", "org_name": "填报单位", "value": "数值", "unit": "计量单位", "covers": "数据期",
    "file_name": "文件", "sheet": "工作表", "cell": "单元格",
}
# the appendix names the rules each figure passed; the CSV, a row per return row (tens of thousands for a large
# district), says only whether its return passed them all cleanly and what it was warned of
APPENDIX_COLUMNS = {**SOURCE_COLUMNS, "checks": "审核通过", "warnings": "提醒", "explained": "已说明的提醒"}
APPENDIX_WIDTHS_CM = [2.8, 1.8, 2.2, 1.2, 1.2, 5.0, 1.6, 1.2, 7.4, 2.3]  # in proportion; Word fits them to its page
LINEAGE_COLUMNS = {**SOURCE_COLUMNS, "result": "审核结果", "warnings": "提醒", "explained": "已说明的提醒",
                   "sha256": "文件指纹(SHA-256)"}
PASSED, WARNED, EXPLAINED = "通过", "通过，有提醒", "通过，提醒已说明"
MISSING_FILE = "（缺报，无来源）"
LINEAGE_FIELDS = ["key", "indicator", *APPENDIX_COLUMNS, "sha256"]  # the columns of a lineage frame
# the sources' columns a lineage reads: those it shows as they are, and a project's name
_READ = [*(c for c in LINEAGE_FIELDS if c not in ("indicator", "figure", "unit")), "detail"]


def _derived() -> dict[str, dict]:
    return {d["key"]: d for s in sections() for d in s.derived}


def _figure_names(summary: Summary) -> dict[str, tuple[str, str]]:
    """Each key's name and unit as the lineage shows them, projects included (新开工项目, 万元)."""
    figures, status = summary.figures, summary.project_status
    names = dict(zip(figures["key"].tolist(), zip(figures["indicator_name"].tolist(), figures["unit"].tolist())))
    return names | {key: (s + "项目总投资", "万元") for key, s in zip(status["key"].tolist(), status["status"].tolist())}


def _keys(used: list[str]) -> list[str]:
    """The used keys, each derived figure followed by the figures it is computed from."""
    derived, out = _derived(), []
    for key in used:
        parts = [key, derived[key]["numerator"], derived[key]["denominator"]] if key in derived else [key]
        out += [k for k in parts if k not in out]
    return out


def lineage(summary: Summary, used: list[str]) -> pd.DataFrame:
    """One row per return row behind each figure the draft used, in the order the draft uses them.

    Worked out on one object array and lists rather than frame operations: an org's lineage has tens of rows, where
    each frame operation costs more than the rows, and a district's tens of thousands, copied once.
    """
    keys, derived, names = _keys(used), _derived(), _figure_names(summary)
    table = summary.sources[_READ].to_numpy(dtype=object)
    # the warehouse gives each key's rows in org order; they keep it under the draft's order of keys
    at: dict[str, list[int]] = {key: [] for key in keys}
    for i, key in enumerate(table[:, 0].tolist()):
        if key in at:
            at[key].append(i)
    added = []  # rows after the sources': computed figures, then those nobody reported
    for r in frame_rows(summary.figures):
        if r.key in at and r.key in derived:
            computed = f"由{names[derived[r.key]['numerator']][0]}÷{names[derived[r.key]['denominator']][0]}计算"
            at[r.key].append(len(table) + len(added))
            added.append(_row(key=r.key, value=r.ytd_value, covers=r.covers, checks=computed))
    for key in keys:
        if not at[key] and key not in derived:
            at[key].append(len(table) + len(added))
            added.append(_row(key=key, file_name=MISSING_FILE))
    extra = np.array(added, dtype=object).reshape(len(added), len(_READ))
    rows = np.concatenate([table, extra])[[i for key in keys for i in at[key]]]
    key, detail = rows[:, 0].tolist(), rows[:, -1]
    indicator = [names[k][0] for k in key]
    named = {"indicator": indicator, "unit": [names[k][1] for k in key], "figure": [
        name if gap else f"{name}：{d}" for name, d, gap in zip(indicator, detail.tolist(), pd.isna(detail).tolist())]}
    out = np.empty((len(rows), len(LINEAGE_FIELDS)), dtype=object)  # one block: a frame of columns costs more
    for j, c in enumerate(LINEAGE_FIELDS):
        out[:, j] = named[c] if c in named else rows[:, _READ.index(c)]
    return pd.DataFrame(out, columns=LINEAGE_FIELDS, dtype=object)


def _row(**values: object) -> list:
    """A row of the sources as ``lineage`` reads them, holding ``values`` and nothing elsewhere."""
    return [values.get(c) for c in _READ]


def appendix(rows: pd.DataFrame, summary: Summary) -> pd.DataFrame:
    """The rows the draft's appendix shows: every source row, or for a large district one per figure with its total."""
    if len(rows) <= APPENDIX_ROWS:
        return rows
    first = rows.drop_duplicates("key").set_index("key")
    counted = pd.DataFrame({
        "key": first.index, "figure": first["indicator"].to_numpy(), "unit": first["unit"].to_numpy(),
        "checks": first["checks"].to_numpy(), "file_name": first["file_name"].to_numpy(),
        "n": rows["sha256"].notna().groupby(rows["key"]).sum().reindex(first.index).to_numpy(),
        "warned": (rows["warnings"].fillna("") != "").groupby(rows["key"]).sum().reindex(first.index).to_numpy(),
    })
    figures = summary.figures.set_index("key")
    status = summary.project_status.set_index("key")
    totals = figures["ytd_value"].astype(object).where(figures["text_value"].isna(), figures["text_value"])
    totals = pd.concat([totals, status["total_investment"]])
    window = pd.concat([figures["covers"], status["covers"]])
    sourced = counted["n"] > 0  # a computed figure, or one nobody reported, keeps its own row's words
    return counted.assign(
        org_name=(counted["n"].astype(str) + "个单位").where(sourced, None), value=counted["key"].map(totals),
        covers=counted["key"].map(window),
        file_name=(counted["n"].astype(str) + f"份报表，明细见 {LINEAGE_STEM}.csv").where(sourced, counted["file_name"]),
        warnings=counted["warned"].map(lambda n: f"{n}份报表有提醒" if n else ""),
    ).reindex(columns=rows.columns)


def appendix_cells(rows: pd.DataFrame) -> list[list[str]]:
    """The appendix as text cells, numbers in their unit's decimals."""
    cells = []
    for r in frame_rows(rows):
        places = decimals(r.unit or "", "ytd_value")
        cells.append([display(getattr(r, k), places) for k in APPENDIX_COLUMNS])
    return cells


def appendix_md(cells: list[list[str]]) -> list[str]:
    """The appendix (as ``appendix_cells``) as a Markdown table; file and sheet names, projects and 说明 read
    literally."""
    lines = ["| " + " | ".join(APPENDIX_COLUMNS.values()) + " |", "|" + "---|" * len(APPENDIX_COLUMNS)]
    return lines + ["| " + " | ".join(map(md_text, row)) + " |" for row in cells]


def write_lineage(rows: pd.DataFrame, path: Path) -> None:
    """Every source row, UTF-8 with a BOM."""
    sha256, warnings, explained = (rows[c].to_numpy(dtype=object) for c in ("sha256", "warnings", "explained"))
    warned, told = _said(warnings), _said(explained)
    result = [None if gap else WARNED if w else EXPLAINED if t else PASSED
              for gap, w, t in zip(pd.isna(sha256).tolist(), warned, told)]
    # no warning is a missing field, not an empty text, which DuckDB's writer (a district's) would quote
    write_csv(rows.assign(result=result, warnings=np.where(warned, warnings, None),
                          explained=np.where(told, explained, None)), path, LINEAGE_COLUMNS)


def _said(column: np.ndarray) -> list[bool]:
    """Which cells of ``column`` hold something other than an empty text."""
    return [not gap and value != "" for value, gap in zip(column.tolist(), pd.isna(column).tolist())]
