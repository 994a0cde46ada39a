"""Writing a summary as the files a clerk opens: .xlsx (Excel/WPS), .csv (UTF-8 with BOM) and .md."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import xlsxwriter

from reports.summary import FIGURE_COLUMNS, PROJECT_COLUMNS, PROJECT_STATUS_COLUMNS, Summary
from schemas.text import months_covered

DECIMAL_UNITS = {"元", "千元", "万元", "亿元", "平方米", "亩", "%"}
WIDTHS = {"section": 10, "form_code": 7, "indicator_code": 6, "indicator_name": 30, "unit": 9, "month_value": 13,
          "ytd_value": 16, "prior_ytd_value": 14, "yoy_pct": 12, "covers": 9, "note": 40}
FIGURES_STEM = "汇总表"
PROJECTS_STEM = "重点项目"


def title(summary: Summary) -> str:
    return f"{summary.org_name}{summary.period.year}年{months_covered(summary.period)}主要指标汇总表"


def _display(value: object, decimals: int) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, (int, float)):
        return f"{value:,.{decimals}f}"
    return str(value)


def _decimals(unit: str, column: str) -> int:
    if column == "yoy_pct" or unit == "%":
        return 1
    return 2 if unit in DECIMAL_UNITS else 0


def write_xlsx(summary: Summary, path: Path) -> None:
    """The printable workbook: figures by section, then projects."""
    book = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True})
    fmt = {
        "title": book.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"}),
        "head": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center", "valign": "vcenter", "text_wrap": True}),
        "section": book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1}),
        "text": book.add_format({"border": 1, "text_wrap": True, "valign": "vcenter"}),
        0: book.add_format({"border": 1, "num_format": "#,##0"}),
        1: book.add_format({"border": 1, "num_format": "#,##0.0"}),
        2: book.add_format({"border": 1, "num_format": "#,##0.00"}),
    }
    _figures_sheet(book, fmt, summary)
    _projects_sheet(book, fmt, summary)
    book.close()


def _figures_sheet(book, fmt, summary: Summary) -> None:
    ws = book.add_worksheet(FIGURES_STEM)
    cols = list(FIGURE_COLUMNS)
    ws.merge_range(0, 0, 0, len(cols) - 1, title(summary), fmt["title"])
    for c, key in enumerate(cols):
        ws.write(1, c, FIGURE_COLUMNS[key], fmt["head"])
        ws.set_column(c, c, WIDTHS[key])
    r = 2
    for section, rows in summary.figures.groupby("section", sort=False):
        ws.merge_range(r, 0, r, len(cols) - 1, section, fmt["section"])
        r += 1
        for row in rows.itertuples(index=False):
            for c, key in enumerate(cols):
                value = getattr(row, key)
                if isinstance(value, float) and pd.isna(value) or value is None:
                    ws.write_blank(r, c, None, fmt["text"])
                elif isinstance(value, (int, float)):
                    ws.write_number(r, c, value, fmt[_decimals(row.unit, key)])
                else:
                    ws.write_string(r, c, str(value), fmt["text"])
            r += 1
    ws.freeze_panes(2, 4)
    ws.repeat_rows(1)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)


def _projects_sheet(book, fmt, summary: Summary) -> None:
    ws = book.add_worksheet(PROJECTS_STEM)
    for c, label in enumerate(PROJECT_STATUS_COLUMNS.values()):
        ws.write(0, c, label, fmt["head"])
    for r, row in enumerate(summary.project_status.itertuples(index=False), start=1):
        ws.write_string(r, 0, row.status, fmt["text"])
        ws.write_number(r, 1, row.count, fmt[0])
        ws.write_number(r, 2, row.total_investment_yi, fmt[2])
    start = len(summary.project_status) + 2
    for c, label in enumerate(PROJECT_COLUMNS.values()):
        ws.write(start, c, label, fmt["head"])
        ws.set_column(c, c, 14 if c != 1 else 30)
    for r, row in enumerate(summary.projects.itertuples(index=False), start=start + 1):
        for c, value in enumerate(row):
            if isinstance(value, (int, float)) and not pd.isna(value):
                ws.write_number(r, c, value, fmt[2])
            else:
                ws.write_string(r, c, "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value), fmt["text"])


def _labelled(frame: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    return frame.reindex(columns=list(labels)).rename(columns=labels)


def write_csv(summary: Summary, folder: Path) -> None:
    """UTF-8 with a BOM, so that Excel opens the Chinese correctly."""
    _labelled(summary.figures, FIGURE_COLUMNS).to_csv(folder / f"{FIGURES_STEM}.csv", index=False, encoding="utf-8-sig")
    _labelled(summary.projects, PROJECT_COLUMNS).to_csv(folder / f"{PROJECTS_STEM}.csv", index=False, encoding="utf-8-sig")


def _md_table(frame: pd.DataFrame, labels: dict[str, str], unit_of=None) -> list[str]:
    keys = list(labels)
    lines = ["| " + " | ".join(labels.values()) + " |", "|" + "---|" * len(keys)]
    for row in frame.itertuples(index=False):
        cells = [_display(getattr(row, k), _decimals(unit_of(row) if unit_of else "", k)).replace("|", "/") for k in keys]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def write_md(summary: Summary, path: Path) -> None:
    lines = [f"# {title(summary)}", ""]
    columns = {k: v for k, v in FIGURE_COLUMNS.items() if k != "section"}
    for section, rows in summary.figures.groupby("section", sort=False):
        lines += [f"## {section}", ""] + _md_table(rows, columns, unit_of=lambda r: r.unit) + [""]
    lines += [f"## {PROJECTS_STEM}", ""] + _md_table(summary.project_status, PROJECT_STATUS_COLUMNS, unit_of=lambda r: "亿元") + [""]
    path.write_text("\n".join(lines), encoding="utf-8")


def write_summary(summary: Summary, out: Path) -> Path:
    """Write every format into ``out/<period>/<org>/`` and return that folder."""
    folder = out / summary.period.strftime("%Y-%m") / summary.org_code
    folder.mkdir(parents=True, exist_ok=True)
    write_xlsx(summary, folder / f"{FIGURES_STEM}.xlsx")
    write_csv(summary, folder)
    write_md(summary, folder / f"{FIGURES_STEM}.md")
    return folder
