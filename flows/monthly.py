"""The Prefect flows: thin tasks over the plain functions of warehouse and reports."""
from __future__ import annotations

from statreturns.flows import quiet_prefect  # noqa: F401  (must precede the prefect import)

import datetime as dt
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import pandas as pd
from prefect import flow, task
from prefect.artifacts import create_link_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from statreturns.flows import artifacts, progress
from statreturns.flows.config import Settings, load_settings
from statreturns.intake.workers import apart
from statreturns.reports.build import build_reports, report_orgs
from statreturns.reports.feedback import write_owed
from statreturns.reports.status import period_status
from statreturns.reports.summary import DISTRICT
from statreturns.reports.unwritten import ReportsIncomplete
from statreturns.schemas.text import parse_period
from statreturns.warehouse.db import query
from statreturns.warehouse.load import INGEST_DIED, INGEST_INBOX, IngestResult

OrgReports = Literal["last", "every"]  # which months of a backfill each org's report is written for
TIMEZONE = "Asia/Shanghai"  # the district's clock: months end, and the schedule fires, by it


def previous_month(moment: dt.datetime) -> str:
    """The month before ``moment`` on the district's clock, as ``2023-06``."""
    local = moment.astimezone(ZoneInfo(TIMEZONE)).date()
    return (local.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")


def months(start: str, end: str) -> list[str]:
    """Every month from ``start`` to ``end``, both included."""
    first, last = parse_period(start), parse_period(end)
    return [p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")]


@task(cache_policy=NO_CACHE)
def load_inbox(settings: Settings, period: str) -> IngestResult:
    """Read every new file of the inbox in worker processes, audit and load it, as the warehouse's one writer: in a
    process of its own, which carries none of Prefect's 130 MB (its import, and the server it may run in-process)."""
    return apart(INGEST_INBOX, settings.wh, settings.inbox, settings.catalogue(), parse_period(period),
                 watcher=progress, died=INGEST_DIED)


@task(retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def publish_snapshot(settings: Settings) -> Path:
    """Put a copy of the warehouse where queries and reports read it."""
    return settings.wh.publish()


@task(retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE)
def write_reports(settings: Settings, period: str, org: str | None, isolated: bool = False) -> list[Path]:
    """Write ``period``'s summaries from the published snapshot (``isolated``: in the report workers however few)."""
    cat = settings.catalogue()
    return build_reports(settings.wh, cat, parse_period(period), report_orgs(cat, org), settings.out,
                         isolated=isolated)


def write_months(settings: Settings, periods: list[str], org_reports: OrgReports) -> list[Path]:
    """The district's summaries of each month, and each org's of the last month or (``every``) of each month too: a
    month with some left unwritten holds up none after it, and all are named at the end."""
    written = []
    for period in periods:
        whose = None if org_reports == "every" or period == periods[-1] else DISTRICT
        try:
            written += write_reports(settings, period, whose, isolated=True)  # beside the 回执 of the months
        except ReportsIncomplete as e:
            written += e.folders + e.unwritten
    if incomplete := ReportsIncomplete.of(written):
        raise incomplete
    return written


@task(retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def check_period(settings: Settings, period: str) -> tuple[dict[str, int], pd.DataFrame]:
    """What the warehouse holds of ``period``: its returns in each status, and the returns still missing."""
    with settings.wh.reader() as con:
        counts = query(con, "period_counts", period=parse_period(period))
    missing = artifacts.missing_returns(period_status(settings.wh, settings.catalogue(), parse_period(period),
                                                      settings.due_day, settings.due_hour))
    return {status: int(n) for status, n in zip(counts["status"], counts["n"])}, missing


@task(retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE)
def show_results(settings: Settings, label: str, result: IngestResult | None,
                 periods: dict[str, tuple[dict[str, int], pd.DataFrame]], folders: list[Path]) -> None:
    """Leave the run's counts, refused and missing returns, and its output folders in the Prefect UI."""
    create_table_artifact(artifacts.summary_rows(result, periods), key=artifacts.key("summary", label),
                          description=f"{label}：收到、受理、退回、重复、被更正的报表数和缺报数")
    if result is not None:
        create_table_artifact(artifacts.rejected_rows(result, settings.catalogue()), key=artifacts.key("rejected", label),
                              description=f"{label}：本次退回的报表及原因")
    for period, (_, missing) in periods.items():
        create_table_artifact(artifacts.missing_rows(missing), key=artifacts.key("missing", period),
                              description=f"{period}：没有受理报表的单位和报表")
    for folder in sorted({f.parent for f in folders}):
        create_link_artifact(folder.resolve().as_uri(), link_text=str(folder.resolve()), key=artifacts.key("reports", folder.name),
                             description=f"{folder.name} 汇总表所在文件夹")


def consolidate(settings: Settings, run_period: str) -> IngestResult:
    """Receive, read, load as the single writer, publish: the ingest every flow here shares."""
    progress.stage("收取报表")
    result = load_inbox(settings, run_period)
    progress.stage("发布快照")
    publish_snapshot(settings)
    return result


@task(retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE)
def write_feedback_files(settings: Settings) -> list[Path]:
    """A 回执 for each file owed one: this run's, and any an earlier run loaded but did not get to write; a month's
    files at a time, each month settled once written."""
    return write_owed(settings.wh, settings.catalogue(), settings.out)


@flow(name="monthly-consolidation")
def monthly_consolidation(period: str | None = None, paths: dict[str, str] | None = None) -> tuple[IngestResult, list[Path]]:
    """Ingest every new return in the inbox, then report ``period`` (by default the month before the run's date)."""
    period = period or previous_month(flow_run.scheduled_start_time)
    settings = load_settings(paths or {})
    result = consolidate(settings, period)
    progress.stage(progress.OUTPUTS)
    receipts = write_feedback_files.submit(settings)  # beside the summaries: each pool's workers fill the other's gaps
    try:
        folders = write_reports(settings, period, None)
    finally:
        receipts.result()  # the receipts are written whatever became of the summaries
    progress.stage("登记结果")
    show_results(settings, period, result, {period: check_period(settings, period)}, folders)
    return result, folders


@flow(name="regenerate-reports")
def regenerate_reports(period: str, org: str = "each", paths: dict[str, str] | None = None) -> list[Path]:
    """Write ``period``'s summaries again from the warehouse alone, for one org, ``all``, or each org and the district."""
    settings = load_settings(paths or {})
    folders = write_reports(settings, period, org)
    show_results(settings, period, None, {period: check_period(settings, period)}, folders)
    return folders


@flow(name="backfill")
def backfill(start: str, end: str, org_reports: OrgReports = "last",
             paths: dict[str, str] | None = None) -> tuple[IngestResult, list[Path]]:
    """Ingest every new return as of ``end``, then write every 回执 and report the district each month from ``start``
    to ``end``; each org's report is written for ``end`` (it carries the months before: 本年累计 and the month-by-month
    curves), or with ``org_reports="every"`` for each month too. An earlier month of one org: ``regenerate-reports``."""
    settings = load_settings(paths or {})
    result = consolidate(settings, end)
    progress.stage(progress.OUTPUTS)
    receipts = write_feedback_files.submit(settings)
    try:
        folders = write_months(settings, months(start, end), org_reports)
    finally:
        receipts.result()
    progress.stage("登记结果")
    show_results(settings, f"{start}-{end}", result, {p: check_period(settings, p) for p in months(start, end)}, folders)
    return result, folders
