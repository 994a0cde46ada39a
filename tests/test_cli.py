"""The statreturns command as staff use it: settings, and the monthly run through Prefect."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from flows.config import load_settings
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
    cmd = [sys.executable, "-m", "flows.cli", "run", "--period", "2023-06", "--inbox", str(inbox),
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
