"""The statreturns command as staff use it: settings, and the monthly run through Prefect."""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from statreturns.flows.config import load_settings
from tests.conftest import put, zb01


def test_flags_beat_environment_beat_config_file(tmp_path, monkeypatch):
    config = tmp_path / "conf" / "statreturns.toml"
    config.parent.mkdir()
    config.write_text('[paths]\ninbox = "in"\nwarehouse = "db/w.duckdb"\nout = "o"\n', encoding="utf-8")
    monkeypatch.setenv("STATRETURNS_OUT", "/env/out")
    s = load_settings({"inbox": "/flag/in"}, str(config))
    assert s.inbox == Path("/flag/in")
    assert s.out == Path("/env/out")
    assert s.warehouse == config.parent / "db" / "w.duckdb"
    assert s.archive == config.parent / "db" / "archive"


def test_monthly_run_loads_reports_and_exits_cleanly(tmp_path):
    inbox = tmp_path / "inbox"
    put(inbox / "2023-06" / "财政.xlsx", zb01("示例街道财政所", "2023年1-6月", (10, 20), (10, 20)), dt.datetime(2023, 7, 5))
    put(inbox / "2023-06" / "错表.xlsx", zb01("南山街道财政所", "2023年6月", (1, 2), (1, 2)), dt.datetime(2023, 7, 5))
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "STATRETURNS_CONFIG": str(tmp_path / "none.toml")}
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    cmd = [sys.executable, "-m", "statreturns.flows.cli", "run", "--period", "2023-06", "--inbox", str(inbox),
           "--warehouse", str(tmp_path / "w.duckdb"), "--out", str(tmp_path / "out")]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "ERROR" not in done.stderr
    assert "受理 1、退回 1" in done.stdout
    assert "《错表.xlsx》" in done.stdout and "南山街道财政所" in done.stdout
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.execute("select ytd_value from figures where indicator_code = '02'").fetchall() == [(20.0,)]
    for org in ("110199001", "110199002", "110199101", "all"):
        assert (tmp_path / "out" / "2023-06" / org / "汇总表.xlsx").exists()


def test_analyst_commands_read_the_published_snapshot(tmp_path, capsys, monkeypatch):
    from statreturns.flows.cli import main

    monkeypatch.setenv("STATRETURNS_CONFIG", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    inbox = tmp_path / "inbox"
    put(inbox / "2023-06" / "财政.xlsx", zb01("示例街道财政所", "2023年1-6月", (10, 20), (10, 20)), dt.datetime(2023, 7, 5))
    wh = ["--warehouse", str(tmp_path / "w.duckdb")]
    assert main(["ingest", str(inbox), *wh]) == 0
    assert "受理 1" in capsys.readouterr().out

    assert main(["paths", "--format", "json", *wh]) == 0
    paths = json.loads(capsys.readouterr().out)
    assert paths["snapshot"] == str((tmp_path / "w.snapshot.duckdb").resolve()) and Path(paths["snapshot"]).exists()

    assert main(["sql", "select ytd_value from figures where indicator_code = '02'", *wh]) == 0
    assert "20.0" in capsys.readouterr().out

    monkeypatch.setattr("sys.stdin", io.StringIO("select org_name from figures\nlimit 1;\nselect nonsense;\n"))
    assert main(["shell", *wh]) == 0
    out = capsys.readouterr().out
    assert "示例街道" in out and "错误：" in out

    assert main(["export", "--period", "2023-06", "--format", "csv", "--dir", str(tmp_path / "x"), *wh]) == 0
    assert (tmp_path / "x" / "figures.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_a_run_while_another_writes_exits_3_naming_it(tmp_path, capsys, monkeypatch):
    from statreturns.flows.cli import main
    from statreturns.warehouse.lock import writer_lock

    monkeypatch.setenv("STATRETURNS_CONFIG", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    monkeypatch.setattr("statreturns.warehouse.store.writer_lock", lambda db, timeout=60: writer_lock(db, timeout=0.5))
    db = tmp_path / "w.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import time\nfrom pathlib import Path\nfrom statreturns.warehouse.lock import writer_lock\n"
        f"with writer_lock(Path({str(db)!r})):\n    print('locked', flush=True)\n    time.sleep(30)\n")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert main(["ingest", str(tmp_path), "--warehouse", str(db)]) == 3
        assert f"PID {holder.pid}" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


@pytest.mark.parametrize("query", [
    "select * from read_csv('/etc/passwd')",
    "copy (select 1) to '{tmp}/leak.csv'",
    "attach '{tmp}/other.duckdb' as other",
    "install httpfs",
    "load httpfs",
    "set enable_external_access = true",
])
def test_analyst_sql_serves_the_warehouse_only(query, tmp_path, capsys, monkeypatch):
    from statreturns.flows.cli import main

    monkeypatch.setenv("STATRETURNS_CONFIG", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    put(tmp_path / "inbox" / "2023-06" / "财政.xlsx", zb01("示例街道财政所", "2023年6月", (10, 20), (10, 20)),
        dt.datetime(2023, 7, 5))
    wh = ["--warehouse", str(tmp_path / "w.duckdb")]
    assert main(["ingest", str(tmp_path / "inbox"), *wh]) == 0
    capsys.readouterr()
    assert main(["sql", query.format(tmp=tmp_path), *wh]) == 2
    err = capsys.readouterr().err
    assert "只读查询只能查询数据库本身" in err and "Traceback" not in err
    assert not (tmp_path / "leak.csv").exists() and not (tmp_path / "other.duckdb").exists()
    assert main(["sql", "select count(*) as n from figures", *wh]) == 0
    assert "2" in capsys.readouterr().out


def test_sql_before_anything_was_loaded_says_so(tmp_path, capsys, monkeypatch):
    from statreturns.flows.cli import main

    monkeypatch.setenv("STATRETURNS_CONFIG", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    assert main(["sql", "select 1", "--warehouse", str(tmp_path / "w.duckdb")]) == 2
    assert "还没有可查询的数据库" in capsys.readouterr().err
