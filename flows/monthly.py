"""The Prefect flows: thin tasks over the plain functions of warehouse and reports."""
from __future__ import annotations

from flows import quiet_prefect  # noqa: F401  (must precede the prefect import)

from pathlib import Path

from prefect import flow, task

from flows.config import Settings
from reports.build import build_reports, report_orgs
from schemas.text import parse_period
from warehouse.inbox import discover
from warehouse.load import IngestResult, ingest_paths


@task(retries=2, retry_delay_seconds=5)
def discover_files(inbox: Path) -> list[Path]:
    return discover(inbox)


@task
def ingest_files(settings: Settings, paths: list[Path], period: str) -> IngestResult:
    return ingest_paths(settings.warehouse, paths, settings.catalogue(), settings.archive, parse_period(period))


@task(retries=1, retry_delay_seconds=5)
def write_reports(settings: Settings, period: str, org: str | None) -> list[Path]:
    cat = settings.catalogue()
    return build_reports(settings.warehouse, cat, parse_period(period), report_orgs(cat, org), settings.out)


@flow(name="monthly-consolidation")
def monthly_consolidation(period: str, inbox: str, warehouse: str, out: str, archive: str, registry: str | None = None):
    """Ingest every new return under the inbox, then write the summaries of ``period`` for every org and the district."""
    settings = Settings(Path(inbox), Path(warehouse), Path(out), Path(archive), Path(registry) if registry else None)
    paths = discover_files(settings.inbox)
    result = ingest_files(settings, paths, period)
    return result, write_reports(settings, period, None)
