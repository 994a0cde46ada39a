"""Building the report files of a period from the warehouse alone (no re-ingest): tables, charts, draft, lineage."""
from __future__ import annotations

import contextlib
import gc
import datetime as dt
import logging
from pathlib import Path

import jinja2
import pandas as pd

from statreturns.reports.charts import Chart, draw_charts, plan_charts, yoy_keys
from statreturns.reports.lineage import (
    APPENDIX_COLUMNS, APPENDIX_WIDTHS_CM, LINEAGE_STEM, appendix, appendix_cells, appendix_md, lineage, write_lineage,
)
from statreturns.reports.narrative import load_template, render
from statreturns.reports.summary import DISTRICT, Snapshot, Summary, snapshot_frames, summaries
from statreturns.reports.unwritten import ReportsIncomplete, Unwritten
from statreturns.reports.word import Appendix, write_docx
from statreturns.reports.writers import TABLES_STEM, table_rows, write_csvs, write_md, write_xlsx
from statreturns.intake.limits import Limits
from statreturns.intake.workers import Reasons, kept_pool
from statreturns.schemas.catalogue import Catalogue
from statreturns.warehouse.closing import record_time
from statreturns.warehouse.db import query
from statreturns.warehouse.store import Warehouse

DRAFT_STEM = "总结初稿"
PARALLEL_FROM = 8  # orgs: fewer reports are written here, more by worker processes
REPORT_LIMITS = Limits(worker_memory=3 << 30, seconds_per_file=300)  # a file here is an org's whole report
REPORT_REASONS = Reasons(timed_out="生成时超出时间限制（{seconds:.0f}秒）", crashed="生成时超出内存限制或使生成程序崩溃",
                         raised="生成时出错（{error}）")
REPORT_PRELOAD = ("statreturns.reports.build",)  # what a worker that writes reports imports
CURRENT = dt.datetime(9999, 12, 31)  # "as of" for a month still open: everything loaded
APPENDIX_TITLE = "附：数据来源"
log = logging.getLogger(__name__)


def report_orgs(cat: Catalogue, org: str | None) -> list[str]:
    """The org codes to report on: one, or every registered org and the district."""
    if org and org != "each":
        return [org]
    return [o.code for o in cat.orgs] + [DISTRICT]


def read_snapshot(wh: Warehouse, cat: Catalogue, period: dt.date, orgs: list[str] | None = None) -> Snapshot:
    """One query per table: the figures, projects and month-by-month curves of ``orgs``, or of every org with the
    district's sums (None)."""
    with wh.reader() as con:
        as_of = record_time(con, period) or CURRENT  # a closed month's summary is the one of record
        figures = query(con, "report_figures", period=period, orgs=orgs, as_of=as_of)
        projects = query(con, "latest_projects", period=period, orgs=orgs, as_of=as_of)
        history = query(con, "report_history", period=period, orgs=orgs, as_of=as_of)
        district = query(con, "report_district", period=period, as_of=as_of) if orgs is None else pd.DataFrame()
    figures, projects, sources = snapshot_frames(figures, projects, cat)
    return Snapshot(period, figures, projects, history, sources, district)


def write_tables(summary: Summary, charts: list[Chart], folder: Path) -> None:
    """汇总表.xlsx (a sheet per section, native charts), 汇总表.csv, 汇总表.md and 重点项目.csv."""
    rows = table_rows(summary)
    write_xlsx(summary, rows, yoy_keys(summary), folder / f"{TABLES_STEM}.xlsx")
    write_csvs(summary, rows, folder)
    write_md(summary, rows, charts, folder / f"{TABLES_STEM}.md")


def write_draft(summary: Summary, charts: list[Chart], template: jinja2.Template, folder: Path) -> tuple[str, Appendix]:
    """总结初稿.md and 数据来源.csv; returns the draft and its lineage appendix for the Word document."""
    draft = render(summary, template, [{"title": c.title, "path": c.path.relative_to(folder).as_posix()} for c in charts])
    sources = lineage(summary, draft.used)
    write_lineage(sources, folder / f"{LINEAGE_STEM}.csv")
    cells = appendix_cells(appendix(sources, summary))
    md = draft.text.rstrip("\n") + f"\n\n## {APPENDIX_TITLE}\n\n" + "\n".join(appendix_md(cells)) + "\n"
    (folder / f"{DRAFT_STEM}.md").write_text(md, encoding="utf-8")
    return draft.text, (APPENDIX_TITLE, list(APPENDIX_COLUMNS.values()), cells, APPENDIX_WIDTHS_CM)


def write_report(summary: Summary, out: Path, template: jinja2.Template) -> Path:
    """Every file of one org's (or the district's) report into ``out/<period>/<org>/``; returns that folder."""
    folder = out / summary.period.strftime("%Y-%m") / summary.org_code
    folder.mkdir(parents=True, exist_ok=True)
    charts = plan_charts(summary, folder)
    draw_charts(summary, folder)
    write_tables(summary, charts, folder)
    text, table = write_draft(summary, charts, template, folder)
    write_docx(text, folder, table, folder / f"{DRAFT_STEM}.docx")  # the Word document embeds the drawn charts
    return folder


def write_one(summary: Summary, out: Path, template: jinja2.Template) -> Path:
    """One org's report, or the district's.

    An org's texts are held as Python strings while it is written: its many small frame operations read single
    values, which Arrow-backed strings make several times dearer (a fifth of a report's time). The district's report,
    whose frames hold every org's rows, keeps Arrow's column-wise string kernels.
    """
    strings = contextlib.nullcontext() if summary.district else pd.option_context("mode.string_storage", "python")
    with strings:
        return write_report(summary, out, template)


def write_or_say_why(summary: Summary, out: Path, template: jinja2.Template) -> Path | Unwritten:
    """One org's report; or, where it cannot be written (its folder taken by a file, a disk full), why: the rest of
    the orgs' reports go on."""
    try:
        return write_one(summary, out, template)
    except Exception as e:  # noqa: BLE001 - answered with the org and the reason; the traceback is a debug log's
        log.debug("%s（%s）的汇总表未能生成", summary.org_name, summary.org_code, exc_info=True)
        return Unwritten(summary.period, summary.org_code, summary.org_name,
                         REPORT_REASONS.raised.format(error=f"{type(e).__name__}: {e}"[:200]))


def write_reports_of(orgs: list[str], wh: Warehouse, cat: Catalogue, period: dt.date, out: Path,
                     template: Path | None, *, failed: dict[int, str], started) -> list[Path | Unwritten]:
    """The reports of some orgs (or the district), each from what the published snapshot holds of them: a worker's
    task, or all of a few orgs' reports here. An org that could not be written, or that a worker was lost on, is
    answered with why."""
    tmpl = load_template(template)
    made = list(summaries(read_snapshot(wh, cat, period, None if DISTRICT in orgs else orgs), cat, orgs))
    # what lives through the task (the summaries, the modules, the caches) is kept out of the collector's way: a
    # report makes many short-lived objects, and each full collection would walk all of it again
    gc.freeze()
    try:
        written = []
        for i, summary in enumerate(made):
            started(i)
            written.append(Unwritten(period, summary.org_code, summary.org_name, failed[i]) if i in failed
                           else write_or_say_why(summary, out, tmpl))
        return written
    finally:
        gc.unfreeze()


def build_reports(wh: Warehouse, cat: Catalogue, period: dt.date, orgs: list[str], out: Path,
                  template: Path | None = None, *, isolated: bool = False) -> list[Path]:
    """Write the report of ``period`` for each org code (or ``all``), the draft from ``template`` or the project's own.

    Many orgs' reports are written by worker processes, a share of orgs each (the district's alone), each reading
    its share from the warehouse: this process holds none of it; so are a few, ``isolated``, when this process has
    other work beside them (a backfill's 回执 while it reports the district). Folders come back in the order of
    ``orgs``' kinds: the orgs', then the district's. When some org's report could not be written, every other one is,
    and then ReportsIncomplete names the orgs left without one, and why.
    """
    load_template(template)  # a broken template stops the run before anything is read or written
    each = [org for org in orgs if org != DISTRICT]
    if len(each) < PARALLEL_FROM and not isolated:
        written = write_reports_of(orgs, wh, cat, period, out, template, failed={}, started=lambda i: None)
    else:
        pool = kept_pool(REPORT_LIMITS, REPORT_PRELOAD, REPORT_REASONS)
        district = [[DISTRICT]] if DISTRICT in orgs else []  # first: the longest task
        parts = list(pool.map("statreturns.reports.build:write_reports_of", district + pool.shares(each), wh, cat,
                              period, out, template))
        written = [one for part in parts[len(district):] + parts[:len(district)] for one in part]
    if incomplete := ReportsIncomplete.of(written):
        raise incomplete
    return written
