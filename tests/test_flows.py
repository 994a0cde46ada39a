"""The flows: reading in batches loads what one ingest loads, and runs leave their artifacts."""
from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from rich.console import Console

from statreturns.flows import monthly as flow_module
from statreturns.flows import artifacts, progress
from statreturns.flows.deploy import PROJECT_ROOT, deployments
from statreturns.flows.monthly import TIMEZONE, backfill, months, monthly_consolidation, previous_month, regenerate_reports
from statreturns.intake.inbox import discover
from statreturns.samples import write_sample_inbox
from statreturns.warehouse import load as load_module
from statreturns.warehouse.load import ingest
from statreturns.warehouse.store import Warehouse
from tests.conftest import ingest_into, put, zb01

JUNE = dt.date(2023, 6, 1)
FIGURES = ("select org_code, period, form_code, indicator_code, month_value, ytd_value, prior_ytd_value, yoy_pct, "
           "text_value, file_name, sheet, cell, sha256 from figures order by all")
TABLES = {
    "submissions": "select * exclude (loaded_at, archive_path) from submissions order by sha256, sheet, file_path",
    "findings": "select * from findings order by all",
    "figure_values": "select * from figure_values order by all",
    "project_rows": "select * from project_rows order by all",
}


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def paths_in(root: Path, inbox: Path, registry: Path | None = None) -> dict[str, str]:
    found = {"inbox": str(inbox), "warehouse": str(root / "wh" / "statreturns.duckdb"), "out": str(root / "out")}
    return {**found, "registry": str(registry)} if registry else found


@pytest.fixture(scope="session")
def sample_inbox(tmp_path_factory):
    """The last two months of the sample inbox: every kind of bad file a month brings, and the month before."""
    full = tmp_path_factory.mktemp("sample")
    write_sample_inbox(full)
    inbox = tmp_path_factory.mktemp("inbox")
    for month in ("2023-05", "2023-06"):
        shutil.copytree(full / month, inbox / month)
    return inbox


@pytest.fixture(scope="session")
def harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness():
        yield


@pytest.fixture(scope="session")
def default_run(harness, sample_inbox, tmp_path_factory):
    """The monthly flow on the sample inbox with the default runner, in batches small enough to make several."""
    root = tmp_path_factory.mktemp("default")
    mp = pytest.MonkeyPatch()
    mp.setattr(load_module, "BATCH_FILES", 20)
    state = monthly_consolidation(period="2023-06", paths=paths_in(root, sample_inbox), return_state=True)
    mp.undo()
    return root, state


def artifacts_of(state) -> dict[str, object]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    run = ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id]))
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=run)
    return {a.key: json.loads(a.data) if a.type == "table" else a.data for a in found}


# --- the plain functions under the flows, without Prefect ---


def test_the_default_period_is_last_month_on_the_district_clock():
    assert previous_month(dt.datetime(2023, 7, 6, 6, 0, tzinfo=dt.timezone.utc)) == "2023-06"
    # 17:00 UTC on 30 June is already 1 July in Beijing
    assert previous_month(dt.datetime(2023, 6, 30, 17, 0, tzinfo=dt.timezone.utc)) == "2023-06"
    assert previous_month(dt.datetime(2023, 6, 30, 15, 0, tzinfo=dt.timezone.utc)) == "2023-05"
    assert previous_month(dt.datetime(2024, 1, 6, 6, 0, tzinfo=dt.timezone.utc)) == "2023-12"


def test_months():
    assert months("2022-11", "2023-02") == ["2022-11", "2022-12", "2023-01", "2023-02"]


def test_reading_in_small_batches_loads_exactly_what_one_batch_loads(sample_inbox, tmp_path, cat):
    whole, split = Warehouse.at(tmp_path / "whole.duckdb"), Warehouse.at(tmp_path / "split.duckdb")
    for wh, size in ((whole, 10_000), (split, 7)):
        with wh.writer() as con:
            ingest(con, discover(sample_inbox), cat, wh.archive, JUNE, batch_files=size)
    for name, sql in TABLES.items():
        assert rows(split.path, sql) == rows(whole.path, sql), name
    assert rows(split.path, FIGURES) == rows(whole.path, FIGURES)


def test_files_received_before_are_not_loaded_twice(tmp_path, cat):
    inbox = tmp_path / "inbox"
    may = put(inbox / "2023-05" / "财政5月.xlsx", zb01("示例街道财政所", "2023年5月", (10, 20), (90, 180)), dt.datetime(2023, 6, 5))
    put(inbox / "2023-06" / "财政6月.xlsx", zb01("示例街道财政所", "2023年6月", (10, 20), (100, 200)), dt.datetime(2023, 7, 5))
    db = tmp_path / "w.duckdb"
    ingest_into(db, [may], cat, JUNE)
    result = ingest_into(db, inbox, cat, JUNE)
    assert result.skipped == 1
    assert list(result.submissions["file_name"]) == ["财政6月.xlsx"]
    assert rows(db, "select file_name, count(*) from submissions group by all order by 1") == [("财政5月.xlsx", 1), ("财政6月.xlsx", 1)]


def test_the_summary_counts_this_run_then_the_period():
    result = flow_module.IngestResult(pd.DataFrame(), pd.DataFrame(), counts={"accepted": 3, "rejected": 1})
    missing = pd.DataFrame({"org_code": ["110199002"]})
    got = artifacts.summary_rows(result, {"2023-06": ({"accepted": 5, "duplicate": 1}, missing)})
    assert got == [
        {"范围": "本次收到", "收到": 4, "受理": 3, "退回": 1, "重复": 0, "被更正": 0, "缺报": None},
        {"范围": "2023-06 累计", "收到": 6, "受理": 5, "退回": 0, "重复": 1, "被更正": 0, "缺报": 1},
    ]


def test_the_progress_bar_shows_only_to_a_person_at_a_terminal(monkeypatch):
    terminal = Console(file=io.StringIO(), force_terminal=True)
    monkeypatch.delenv("CI", raising=False)
    assert progress.interactive(terminal)
    assert not progress.interactive(Console(file=io.StringIO(), force_terminal=False))
    monkeypatch.setenv("CI", "true")
    assert not progress.interactive(terminal)


def test_the_schedule_is_the_sixth_at_six_beijing_time_and_regeneration_is_on_demand(tmp_path):
    served = {(d.flow_name, d.name): d for d in deployments(PROJECT_ROOT / "prefect.yaml", {"inbox": str(tmp_path)})}
    monthly = served[("monthly-consolidation", "monthly")]
    [schedule] = monthly.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("0 6 6 * *", TIMEZONE)
    assert monthly.parameters == {"paths": {"inbox": str(tmp_path)}}
    assert monthly.entrypoint == "statreturns.flows.monthly.monthly_consolidation"
    assert served[("regenerate-reports", "on-demand")].schedules == []
    assert served[("regenerate-reports", "on-demand")].parameters["org"] == "each"
    assert served[("backfill", "on-demand")].schedules == []
    spec = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    assert {s["timezone"] for d in spec["deployments"] for s in d["schedules"]} == {TIMEZONE}


# --- the flows on Prefect, one test harness for all ---


def test_a_monthly_run_leaves_its_counts_refusals_missing_returns_and_folder(default_run):
    root, state = default_run
    result, folders = state.result()
    found = artifacts_of(state)
    assert set(found) == {"summary-2023-06", "rejected-2023-06", "missing-2023-06", "reports-2023-06"}
    this_run, period = found["summary-2023-06"]
    assert this_run["范围"] == "本次收到" and this_run["收到"] == len(result.submissions)
    assert {k: this_run[k] for k in ("受理", "退回", "重复", "被更正")} == {
        "受理": result.counts.get("accepted", 0), "退回": result.counts.get("rejected", 0),
        "重复": result.counts.get("duplicate", 0), "被更正": result.counts.get("superseded", 0)}
    assert period["范围"] == "2023-06 累计" and period["缺报"] == len(found["missing-2023-06"])
    refused = {r["文件"]: r["原因"] for r in found["rejected-2023-06"]}
    assert "南山街道财政所-ZB01表-2023年6月.xlsx" in refused
    assert "不是登记的乡镇（街道）" in refused["南山街道财政所-ZB01表-2023年6月.xlsx"]
    assert {(m["单位"], m["报表"], m["情况"]) for m in found["missing-2023-06"]} >= {("东关街道", "ZB11", "缺报")}
    assert (root / "out" / "2023-06").resolve().as_uri() in found["reports-2023-06"]
    assert {f.name for f in folders} == {"110199001", "110199002", "110199101", "all"}
    assert (root / "wh" / "statreturns.snapshot.duckdb").exists()


def test_the_flow_loads_exactly_what_one_ingest_loads(default_run, sample_inbox, tmp_path, cat):
    root, _ = default_run
    plain = tmp_path / "plain.duckdb"
    ingest_into(plain, sample_inbox, cat, JUNE, archive=tmp_path / "archive")
    assert rows(root / "wh" / "statreturns.duckdb", FIGURES) == rows(plain, FIGURES)
    for name, sql in TABLES.items():
        assert rows(root / "wh" / "statreturns.duckdb", sql) == rows(plain, sql), name


def _two_months(tmp_path):
    inbox = tmp_path / "inbox"
    put(inbox / "2023-05" / "财政5月.xlsx", zb01("示例街道财政所", "2023年5月", (10, 20), (90, 180)), dt.datetime(2023, 6, 5))
    put(inbox / "2023-06" / "财政6月.xlsx", zb01("示例街道财政所", "2023年6月", (10, 20), (100, 200)), dt.datetime(2023, 7, 5))
    registry = tmp_path / "orgs.csv"
    registry.write_text("org_code,org_name,level\n110199001,示例街道,街道\n", encoding="utf-8")
    return paths_in(tmp_path, inbox, registry)


def _written(tmp_path, folders) -> list[str]:
    return sorted(f.relative_to(tmp_path / "out").as_posix() for f in folders)


def test_backfill_reports_the_district_every_month_and_each_org_its_last_then_regeneration_writes_one_org_again(
        harness, tmp_path):
    paths = _two_months(tmp_path)
    state = backfill(start="2023-05", end="2023-06", paths=paths, return_state=True)
    result, folders = state.result()
    assert result.counts == {"accepted": 2}
    assert _written(tmp_path, folders) == ["2023-05/all", "2023-06/110199001", "2023-06/all"]
    assert not (tmp_path / "out" / "2023-05" / "110199001").exists()
    # June's report of the org carries May: its month-by-month sheet has both months' year-to-date figures
    curve = pd.read_excel(tmp_path / "out" / "2023-06" / "110199001" / "汇总表.xlsx", sheet_name="逐月累计", header=None,
                          engine="openpyxl")
    rows = {row[:2]: [v for v in row[2:] if isinstance(v, int | float) and v == v] for row in curve.itertuples(index=False)}
    assert rows["一般公共预算收入", "2023年累计"] == [90, 100] and rows["全口径财政收入", "2023年累计"] == [180, 200]
    assert len(list((tmp_path / "out").glob("*/feedback/*"))) == 2
    found = artifacts_of(state)
    assert {"summary-2023-05-2023-06", "missing-2023-05", "missing-2023-06", "reports-2023-05", "reports-2023-06"} <= set(found)
    assert [r["范围"] for r in found["summary-2023-05-2023-06"]] == ["本次收到", "2023-05 累计", "2023-06 累计"]
    shutil.rmtree(tmp_path / "out")
    again = regenerate_reports(period="2023-06", org="110199001", paths=paths, return_state=True)
    assert again.result() == [tmp_path / "out" / "2023-06" / "110199001"]
    assert (tmp_path / "out" / "2023-06" / "110199001").is_dir() and not (tmp_path / "out" / "2023-05").exists()
    assert set(artifacts_of(again)) == {"summary-2023-06", "missing-2023-06", "reports-2023-06"}


def test_a_backfill_of_every_org_every_month_writes_every_report_it_can_and_its_receipts_then_names_the_one_it_could_not(
        harness, tmp_path):
    from statreturns.reports.unwritten import ReportsIncomplete

    paths = _two_months(tmp_path)
    blocked = tmp_path / "out" / "2023-05" / "110199001"
    blocked.parent.mkdir(parents=True)
    blocked.write_text("不是文件夹", encoding="utf-8")
    state = backfill(start="2023-05", end="2023-06", org_reports="every", paths=paths, return_state=True)
    assert state.is_failed()
    with pytest.raises(ReportsIncomplete, match=r"2023-05 示例街道（110199001）：生成时出错（FileExistsError"):
        state.result()
    # the month after is not held up, nor are the other orgs of the month, nor the receipts
    assert (tmp_path / "out" / "2023-06" / "110199001" / "汇总表.xlsx").exists()
    assert (tmp_path / "out" / "2023-05" / "all" / "汇总表.xlsx").exists()
    assert len(list((tmp_path / "out").glob("*/feedback/*"))) == 2
