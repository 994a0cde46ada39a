"""Where each figure of a draft came from: file, sheet, cell and fingerprint of its return, and the rules it passed."""
from __future__ import annotations

from pathlib import Path

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


def _derived() -> dict[str, dict]:
    return {d["key"]: d for s in sections() for d in s.derived}


def _figure_names(summary: Summary) -> pd.DataFrame:
    """Each key's name and unit as the lineage shows them, projects included (新开工项目, 万元)."""
    figures = summary.figures[["key", "indicator_name", "unit"]].rename(columns={"indicator_name": "figure"})
    status = summary.project_status
    projects = pd.DataFrame({"key": status["key"], "figure": status["status"] + "项目总投资", "unit": "万元"})
    return pd.concat([figures, projects], ignore_index=True).set_index("key")


def _keys(used: list[str]) -> list[str]:
    """The used keys, each derived figure followed by the figures it is computed from."""
    derived, out = _derived(), []
    for key in used:
        parts = [key, derived[key]["numerator"], derived[key]["denominator"]] if key in derived else [key]
        out += [k for k in parts if k not in out]
    return out


def lineage(summary: Summary, used: list[str]) -> pd.DataFrame:
    """One row per return row behind each figure the draft used, in the order the draft uses them."""
    keys = _keys(used)
    names = _figure_names(summary)
    sources = summary.sources[summary.sources["key"].isin(keys)]
    derived = _derived()
    computed = summary.figures[summary.figures["key"].isin(set(keys) & set(derived))].assign(
        value=lambda d: d["ytd_value"],
        checks=lambda d: d["key"].map(lambda k: f"由{names.loc[derived[k]['numerator'], 'figure']}÷"
                                                f"{names.loc[derived[k]['denominator'], 'figure']}计算"),
    )
    found = set(sources["key"].unique())
    missing = pd.DataFrame({"key": [k for k in keys if k not in found and k not in derived]})
    rows = pd.concat([sources, computed.reindex(columns=sources.columns), missing.assign(file_name="（缺报，无来源）")],
                     ignore_index=True)
    # the warehouse gives each key's rows in org order: a stable sort on the draft's order keeps it
    rows = rows.iloc[pd.Categorical(rows["key"], categories=keys, ordered=True).argsort(kind="stable")]
    figure = rows["key"].map(names["figure"]).astype(object)
    detailed = rows["detail"].notna()
    shown = figure.copy()
    shown[detailed] = figure[detailed] + "：" + rows.loc[detailed, "detail"].astype(str)
    rows = rows.assign(indicator=figure, figure=shown, unit=rows["key"].map(names["unit"]))
    return rows.reindex(columns=["key", "indicator", *APPENDIX_COLUMNS, "sha256"]).reset_index(drop=True)


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
    return [[display(getattr(r, k), decimals(r.unit or "", "ytd_value")) for k in APPENDIX_COLUMNS]
            for r in frame_rows(rows)]


def appendix_md(cells: list[list[str]]) -> list[str]:
    """The appendix (as ``appendix_cells``) as a Markdown table; file and sheet names, projects and 说明 read
    literally."""
    lines = ["| " + " | ".join(APPENDIX_COLUMNS.values()) + " |", "|" + "---|" * len(APPENDIX_COLUMNS)]
    return lines + ["| " + " | ".join(map(md_text, row)) + " |" for row in cells]


def write_lineage(rows: pd.DataFrame, path: Path) -> None:
    """Every source row, UTF-8 with a BOM."""
    sourced = rows["sha256"].notna()
    warned = rows["warnings"].fillna("") != ""
    explained = rows["explained"].fillna("") != ""
    result = pd.Series(PASSED, index=rows.index).where(~explained, EXPLAINED).where(~warned, WARNED).where(sourced, None)
    write_csv(rows.assign(result=result, warnings=rows["warnings"].where(warned, None),
                          explained=rows["explained"].where(explained, None)), path, LINEAGE_COLUMNS)
