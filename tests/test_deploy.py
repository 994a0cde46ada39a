"""The deployments served for real: a local Prefect server, `statreturns serve`, an on-demand run with a period."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import httpx
import pytest

from tests.conftest import put, zb01

PREFECT = Path(sys.executable).with_name("prefect")
DEADLINE = 85.0  # seconds for the whole test, server start to artifacts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check, until: float, every: float = 0.25):
    """Poll ``check`` until it returns something truthy, or fail naming ``what`` at the deadline."""
    while time.monotonic() < until:
        try:
            found = check()
        except httpx.TransportError:
            found = None
        if found:
            return found
        time.sleep(every)
    pytest.fail(f"timed out waiting for {what}")


def stop(proc: subprocess.Popen) -> None:
    """Interrupt a process this test started (and its children), then kill it if it lingers."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


@pytest.mark.server
def test_a_served_deployment_runs_on_demand_with_a_period_and_leaves_its_artifacts(tmp_path):
    until = time.monotonic() + DEADLINE
    inbox = tmp_path / "inbox"
    put(inbox / "2023-05" / "财政5月.xlsx", zb01("示例街道财政所", "2023年5月", (10, 20), (90, 180)), dt.datetime(2023, 6, 5))
    put(inbox / "2023-06" / "财政6月.xlsx", zb01("示例街道财政所", "2023年6月", (10, 20), (100, 200)), dt.datetime(2023, 7, 5))
    put(inbox / "2023-06" / "错表.xlsx", zb01("南山街道财政所", "2023年6月", (1, 2), (1, 2)), dt.datetime(2023, 7, 5))
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "STATRETURNS_"))},
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
        "STATRETURNS_CONFIG": str(tmp_path / "none.toml"),
    }
    logs = tmp_path / "logs"
    logs.mkdir()
    started, client = [], None
    server_log, serve_log = (open(logs / name, "w", encoding="utf-8") for name in ("server.log", "serve.log"))
    try:
        server = subprocess.Popen(
            [str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui"],
            env=env, cwd=tmp_path, stdout=server_log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        started.append(server)
        client = httpx.Client(base_url=api, timeout=10)
        wait_for("the Prefect server", lambda: client.get("/health").status_code == 200, until)

        serve = subprocess.Popen(
            [sys.executable, "-m", "statreturns.flows.cli", "serve", "--inbox", str(inbox), "--warehouse", str(tmp_path / "wh" / "w.duckdb"),
             "--out", str(tmp_path / "out")],
            env=env, cwd=tmp_path, stdout=serve_log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        started.append(serve)
        names = ("monthly-consolidation/monthly", "regenerate-reports/on-demand", "backfill/on-demand")

        def registered():
            answers = {n: client.get(f"/deployments/name/{n}") for n in names}
            return all(a.status_code == 200 for a in answers.values()) and {n: a.json() for n, a in answers.items()}

        served = wait_for("the deployments", registered, until)
        monthly = served["monthly-consolidation/monthly"]
        [schedule] = monthly["schedules"]
        assert (schedule["schedule"]["cron"], schedule["schedule"]["timezone"]) == ("0 6 6 * *", "Asia/Shanghai")
        assert schedule["active"]
        assert served["regenerate-reports/on-demand"]["schedules"] == served["backfill/on-demand"]["schedules"] == []

        trigger = subprocess.run(
            [str(PREFECT), "deployment", "run", "monthly-consolidation/monthly", "--param", "period=2023-06"],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=max(until - time.monotonic(), 1),
        )
        assert trigger.returncode == 0, trigger.stdout + trigger.stderr
        run_id = re.search(r"UUID: ([0-9a-f-]{36})", trigger.stdout)[1]

        def finished():
            run = client.get(f"/flow_runs/{run_id}").json()
            return run if run["state_type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") else None

        run = wait_for("the run to finish", finished, until, every=0.5)
        assert run["state_type"] == "COMPLETED", (logs / "serve.log").read_text(encoding="utf-8")[-3000:]
        assert run["parameters"]["period"] == "2023-06"

        found = client.post("/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [run["id"]]}}}).json()
        by_key = {a["key"]: a for a in found}
        assert set(by_key) == {"summary-2023-06", "rejected-2023-06", "missing-2023-06", "reports-2023-06"}
        this_run = json.loads(by_key["summary-2023-06"]["data"])[0]
        assert (this_run["收到"], this_run["受理"], this_run["退回"]) == (3, 2, 1)
        assert "错表.xlsx" in {r["文件"] for r in json.loads(by_key["rejected-2023-06"]["data"])}
        assert (tmp_path / "out" / "2023-06" / "all").is_dir()
        with duckdb.connect(str(tmp_path / "wh" / "w.duckdb"), read_only=True) as con:
            assert con.execute("select ytd_value from figures where period = '2023-06-01' and indicator_code = '02'").fetchall() == [(200.0,)]
    finally:
        for proc in reversed(started):
            stop(proc)
        server_log.close()
        serve_log.close()
        if client is not None:
            client.close()
