"""The warehouse as analysts use it while runs go on: snapshots, one writer, history, rebuild, lineage, docs."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import signal
import subprocess
import sys
import shutil
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ingest_into, JUNE, REPORTER, day, put, zb01
from tests.workbooks import indicator_return
from statreturns.warehouse.db import SCHEMA_VERSION, connect, migrations, schema_version
from statreturns.warehouse.store import Warehouse
from statreturns.warehouse.docs import render_fresh
from statreturns.reports.export import EXPORTS, export
from statreturns.warehouse.lock import WarehouseBusy, writer_lock
from statreturns.warehouse.publish import snapshot_path
from statreturns.warehouse.rebuild import rebuild

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ("select org_code, period, form_code, indicator_code, month_value, ytd_value, prior_ytd_value, yoy_pct, "
           "text_value, file_name, sheet, cell, sha256 from figures order by all")


def run(db, inbox, cat):
    return ingest_into(db, inbox, cat, JUNE)


def read(path, sql, *params):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_an_analyst_holding_the_snapshot_open_does_not_stop_a_run(db, inbox, cat, tmp_path):
    run(db, inbox / "2023-05", cat)
    snapshot = snapshot_path(db)
    analyst = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(snapshot)!r}, read_only=True)
        print(con.execute("select count(*) from figures").fetchone()[0], flush=True)
        sys.stdin.readline()
        print(con.execute("select count(*) from figures").fetchone()[0], flush=True)
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert analyst.stdout.readline().strip() == "2"
        run(db, inbox, cat)  # the run writes and publishes while the analyst's session is open
        out, _ = analyst.communicate("\n", timeout=30)
    finally:
        analyst.kill()
    assert out.strip() == "2"  # the open session keeps the snapshot it opened
    assert read(snapshot, "select count(*) from figures") == [(4,)]  # a new session sees the new one


def test_a_reader_opened_after_a_publish_sees_it_while_an_earlier_reader_is_open(tmp_path):
    wh = Warehouse.at(tmp_path / "w.duckdb")

    def publish(value):
        with wh.writer() as con:
            con.execute("insert or replace into meta values ('probe', ?)", [value])

    def probe(con):
        return con.execute("select value from meta where key = 'probe'").fetchone()[0]

    publish("first")
    with wh.reader() as early:  # e.g. the portal's board, still open when a run publishes
        publish("second")
        with wh.reader() as late, wh.analyst() as analyst:
            assert (probe(early), probe(late), probe(analyst)) == ("first", "second", "second")


def test_a_second_writer_waits_then_refuses_naming_the_first(db):
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from statreturns.warehouse.lock import writer_lock
        with writer_lock(Path({str(db)!r})):
            print("locked", flush=True)
            time.sleep(30)
    """)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "locked"
        start = time.monotonic()
        with pytest.raises(WarehouseBusy, match=f"PID {holder.pid}") as refused:
            with writer_lock(db, timeout=1.0):
                pass
        assert time.monotonic() - start >= 1.0
        assert "正被另一个进程写入" in str(refused.value)
    finally:
        holder.kill()
        holder.wait()
    with writer_lock(db, timeout=5):  # released when its holder dies
        pass


def test_a_superseded_return_shows_both_revisions_in_history(db, inbox, cat):
    run(db, inbox, cat)
    put(inbox / "2023-06" / "财政6月更正.xlsx", zb01(REPORTER, "2023年6月", (12, 20), (102, 200), (90, 190)), day(8))
    run(db, inbox, cat)
    got = read(snapshot_path(db), "select ytd_value, status, file_name, received_at, superseded_at from figures_history "
                                  "where period = '2023-06-01' and indicator_code = '01' order by received_at")
    assert got == [(100.0, "superseded", "财政6月.xlsx", day(5), day(8)), (102.0, "accepted", "财政6月更正.xlsx", day(8), None)]


def test_figures_as_of_a_time_shows_what_was_current_then(db, inbox, cat):
    run(db, inbox, cat)
    between = dt.datetime.now()
    time.sleep(0.01)
    put(inbox / "2023-06" / "财政6月更正.xlsx", zb01(REPORTER, "2023年6月", (12, 20), (102, 200), (90, 190)), day(8))
    run(db, inbox, cat)
    as_of = "select ytd_value from figures_as_of($1) where period = '2023-06-01' and indicator_code = '01'"
    assert read(db, as_of, between) == [(100.0,)]
    assert read(db, as_of, dt.datetime.now()) == [(102.0,)]


def test_every_figure_leads_back_to_the_archived_bytes_and_cell(db, tmp_path, cat):
    lines = [["一般公共预算收入", "01", "元", 100000, 1000000, 900000, None],
             ["全口径财政收入", "02", "元", 200000, 2000000, 1900000, None]]
    put(tmp_path / "in" / "2023-06" / "元报.xlsx", indicator_return("ZB01", REPORTER, "2023年6月", lines), day(5))
    run(db, tmp_path / "in", cat)
    ((value, sha, archive, cell, unit, factor),) = read(
        db, "select ytd_value, sha256, archive_path, cell, unit_found, conversion_factor from figures where indicator_code = '01'")
    assert (value, cell, unit, factor) == (100.0, "E5", "元", 0.0001)
    assert hashlib.sha256(Path(archive).read_bytes()).hexdigest() == sha


def test_rebuild_from_the_archive_gives_the_same_figures(db, inbox, cat):
    run(db, inbox, cat)
    put(inbox / "2023-06" / "财政6月更正.xlsx", zb01(REPORTER, "2023年6月", (12, 20), (102, 200), (90, 190)), day(8))
    (inbox / "2023-06" / "副本.xlsx").write_bytes((inbox / "2023-06" / "财政6月.xlsx").read_bytes())
    run(db, inbox, cat)
    before = read(db, FIGURES)
    statuses = read(db, "select file_name, status from submissions order by file_name")
    wh = Warehouse.at(db)
    with wh.locked():
        rebuild(wh, cat, JUNE)
    assert read(db, FIGURES) == before
    assert read(db, "select file_name, status from submissions order by file_name") == statuses


def test_rebuild_keeps_the_explanations_the_office_recorded(db, tmp_path, cat):
    from statreturns.warehouse.explanations import record_explanation

    put(tmp_path / "in" / "2023-06" / "财政6月.xlsx", zb01(REPORTER, "2023年6月", (10, 20), (100, 200), (50, 190)), day(5))
    run(db, tmp_path / "in", cat)
    record_explanation(Warehouse.at(db), "财政6月.xlsx", "yoy_beyond_50", "新增税源入库")
    wh = Warehouse.at(db)
    with wh.locked():
        rebuild(wh, cat, JUNE)
    assert read(db, "select rule, explained, explanation from findings where severity = 'warning'") == [
        ("yoy_beyond_50", True, "新增税源入库")]


STATE = {
    "submissions": "select file_path, sha256, sheet, status from submissions order by all",
    "figures": FIGURES,
    "findings": "select sha256, sheet, cell, rule, message from findings order by all",
}


def cli(*args: str, crash_at: str | None = None, **more_env: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "STATRETURNS_CRASH_AT"} | more_env
    if crash_at:
        env["STATRETURNS_CRASH_AT"] = crash_at
    return subprocess.run([sys.executable, "-m", "statreturns.flows.cli", *args], capture_output=True, text=True,
                          env={**env, "STATRETURNS_CONFIG": os.devnull}, timeout=600)


def state(path: Path) -> dict[str, list]:
    return {name: read(path, sql) for name, sql in STATE.items()}


@pytest.fixture(scope="module")
def two_months(tmp_path_factory):
    """The sample inbox's May and June: every kind of bad file a month brings, and a month to continue from."""
    from statreturns.samples import write_sample_inbox

    full, inbox = tmp_path_factory.mktemp("full"), tmp_path_factory.mktemp("two")
    write_sample_inbox(full)
    for month in ("2023-05", "2023-06"):
        shutil.copytree(full / month, inbox / month)
    return inbox


@pytest.fixture(scope="module")
def clean_run(two_months, tmp_path_factory):
    """What one uninterrupted ingest of May, then of both months, leaves: the state every crash must end in."""
    db = tmp_path_factory.mktemp("clean") / "w.duckdb"
    assert cli("ingest", str(two_months / "2023-05"), "--warehouse", str(db)).returncode == 0
    may = state(db)
    assert cli("ingest", str(two_months), "--warehouse", str(db)).returncode == 0
    return may, state(db)


@pytest.mark.parametrize("point", ["load:gathered", "load:loaded", "publish:copied"])
def test_a_kill_at_a_named_point_of_a_load_leaves_a_whole_state_and_the_rerun_completes(point, two_months, clean_run,
                                                                                          tmp_path):
    may, done = clean_run
    db = tmp_path / "w.duckdb"
    assert cli("ingest", str(two_months / "2023-05"), "--warehouse", str(db)).returncode == 0
    killed = cli("ingest", str(two_months), "--warehouse", str(db), crash_at=point)
    assert killed.returncode == -signal.SIGKILL
    assert state(db) == (done if point == "publish:copied" else may)  # committed before the kill, or not at all
    assert state(snapshot_path(db)) == may  # readers never saw a half-published snapshot
    again = cli("ingest", str(two_months), "--warehouse", str(db))
    assert again.returncode == 0, again.stderr
    assert state(db) == done and state(snapshot_path(db)) == done
    assert cli("verify", "--warehouse", str(db)).returncode == 0


def marked(mark: str) -> list[int]:
    """The processes whose environment carries `mark`."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            if mark.encode() in Path(f"/proc/{entry}/environ").read_bytes():
                found.append(int(entry))
        except OSError:
            pass
    return found


def test_a_run_killed_midway_leaves_no_prefect_server_behind(two_months, tmp_path):
    mark = f"STATRETURNS_TEST_RUN={tmp_path.name}"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}  # no server: the run starts its own
    log = tmp_path / "run.log"
    with log.open("w") as output:  # a file, not a pipe: a server left behind would hold a pipe open
        killed = subprocess.run([sys.executable, "-m", "statreturns.flows.cli", "run", "--period", "2023-06",
                                 "--inbox", str(two_months), "--warehouse", str(tmp_path / "w.duckdb"),
                                 "--out", str(tmp_path / "out")], stdout=output, stderr=subprocess.STDOUT, timeout=600,
                                env=env | {"STATRETURNS_CONFIG": os.devnull, "STATRETURNS_CRASH_AT": "publish:copied",
                                           "STATRETURNS_TEST_RUN": tmp_path.name})
    assert killed.returncode == -signal.SIGKILL, log.read_text()  # killed inside the flow, its server running
    deadline = time.monotonic() + 60  # the watchdog notes the end within a second and gives the server 5 s
    while marked(mark) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert marked(mark) == []


def test_a_run_whose_ingest_is_killed_says_so_leaves_the_warehouse_as_it_was_and_the_rerun_completes(
        two_months, clean_run, tmp_path):
    """A run loads the inbox in a process of its own: killed there (the OOM killer, say), the run ends with its own
    error, not with the state of a half-done load."""
    may, done = clean_run
    db = tmp_path / "w.duckdb"
    assert cli("ingest", str(two_months / "2023-05"), "--warehouse", str(db)).returncode == 0
    where = ["--period", "2023-06", "--inbox", str(two_months), "--warehouse", str(db), "--out", str(tmp_path / "out")]
    killed = cli("run", *where, crash_at="load:gathered")
    assert killed.returncode == 6, killed.stderr
    assert "错误：收表入库的进程在完成前意外终止（退出码 -9）：本次收到的报表一份也没有入库" in killed.stderr
    assert state(db) == may and state(snapshot_path(db)) == may
    again = cli("run", *where)
    assert again.returncode == 0, again.stderr
    for name in ("submissions", "figures"):  # a run also scores the month: its findings are more than an ingest's
        assert state(db)[name] == done[name] and state(snapshot_path(db))[name] == done[name]


def test_a_kill_while_rebuilding_keeps_the_old_warehouse_and_the_rebuild_can_be_run_again(two_months, clean_run,
                                                                                          tmp_path):
    _, done = clean_run
    db = tmp_path / "w.duckdb"
    assert cli("ingest", str(two_months), "--warehouse", str(db)).returncode == 0
    assert cli("rebuild", "--warehouse", str(db), crash_at="rebuild:built").returncode == -signal.SIGKILL
    assert state(db) == done
    rebuilt = cli("rebuild", "--warehouse", str(db))
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert state(db)["figures"] == done["figures"] and state(db)["submissions"] == done["submissions"]
    assert cli("verify", "--warehouse", str(db)).returncode == 0


def test_verify_names_an_archived_file_that_was_altered(two_months, tmp_path):
    db = tmp_path / "w.duckdb"
    assert cli("ingest", str(two_months / "2023-05"), "--warehouse", str(db)).returncode == 0
    name, sha, archived = read(db, "select file_name, sha256, archive_path from submissions "
                                   "where archive_path is not null order by file_name limit 1")[0]
    Path(archived).chmod(0o644)
    with open(archived, "ab") as f:
        f.write(b"tampered")
    checked = cli("verify", "--warehouse", str(db))
    assert checked.returncode == 1
    assert f"《{name}》（{sha}）的归档文件已被改动" in checked.stdout


def test_a_version_1_warehouse_is_migrated_forward_keeping_its_figures(tmp_path):
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute((ROOT / "warehouse" / "sql" / "migrations" / "001_initial.sql").read_text(encoding="utf-8"))
        con.execute((ROOT / "tests" / "fixtures" / "warehouse_v1.sql").read_text(encoding="utf-8"))
        assert schema_version(con) == 1
    with connect(path) as con:
        assert schema_version(con) == SCHEMA_VERSION
        assert con.execute("select ytd_value, prior_ytd_value, computed, file_name, cell from figures").fetchall() == [
            (100.0, 80.0, False, "财政6月.xlsx", "E5")]


def test_a_receipt_owed_in_a_version_6_warehouse_is_owed_as_of_its_loading_after_migrating(tmp_path):
    path, loaded = tmp_path / "v6.duckdb", dt.datetime(2023, 7, 3, 9, 30)
    with duckdb.connect(str(path)) as con:
        for _, script in (m for m in migrations() if m[0] <= 6):
            con.execute(script)
        con.execute("create table meta (key varchar primary key, value varchar)")
        con.execute("insert into meta values ('schema_version', '6')")
        con.execute("insert into receipts_owed values ('ab12', $at)", {"at": loaded})
    with connect(path) as con:
        assert schema_version(con) == SCHEMA_VERSION
        assert con.execute("select sha256, loaded_at, owed_at from receipts_owed").fetchall() == [("ab12", loaded, loaded)]


def test_the_warehouse_docs_match_the_database_and_every_column_is_explained(db, inbox, cat):
    assert (ROOT / "docs" / "warehouse.md").read_text(encoding="utf-8") == render_fresh(), "run `make docs`"
    run(db, inbox, cat)
    with connect(db) as con:
        bare = con.execute("select table_name, column_name from duckdb_columns() where comment is null and not internal "
                           "and schema_name = 'main'").fetchall()
        assert bare == []
        for example in sorted((ROOT / "warehouse" / "sql" / "examples").glob("*.sql")):
            con.execute(example.read_text(encoding="utf-8")).fetchall()


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_writes_each_analyst_view_for_the_period(db, inbox, cat, tmp_path, fmt):
    run(db, inbox, cat)
    paths = export(Warehouse.at(db), JUNE, fmt, tmp_path / "export")
    assert [p.name for p in paths] == [f"{v}.{fmt}" for v in EXPORTS]
    reader = "read_parquet" if fmt == "parquet" else "read_csv_auto"
    with duckdb.connect() as con:
        got = con.execute(f"select indicator_code, ytd_value from {reader}(?) order by 1", [str(paths[0])]).fetchall()
    assert got == [("01", 100.0), ("02", 200.0)]
