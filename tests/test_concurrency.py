"""A run while the office regenerates reports and analysts hold the snapshot: every one completes or refuses clearly,
and the warehouse's accounting holds after it."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import duckdb

from statreturns.samples import write_sample_inbox


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "statreturns.flows.cli", *args]


def test_a_run_beside_ten_reports_and_two_analysts(tmp_path):
    full, inbox = tmp_path / "full", tmp_path / "inbox"
    write_sample_inbox(full)
    shutil.copytree(full / "2023-05", inbox / "2023-05")
    env = {**os.environ, "STATRETURNS_CONFIG": os.devnull, "PREFECT_HOME": str(tmp_path / "prefect")}
    where = ["--warehouse", str(tmp_path / "w.duckdb")]
    first = subprocess.run(command("ingest", str(inbox), *where), env=env, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    shutil.copytree(full / "2023-06", inbox / "2023-06")
    snapshot = tmp_path / "w.snapshot.duckdb"
    analyst = textwrap.dedent(f"""
        import duckdb, sys
        con = duckdb.connect({str(snapshot)!r}, read_only=True)
        for _ in range(200):
            con.execute("select count(*) from figures").fetchone()
            con.execute("select * from district_figures where period = '2023-05-01'").fetchall()
        print("done", flush=True)
    """)
    procs = {"run": subprocess.Popen(command("run", "--period", "2023-06", "--inbox", str(inbox), *where, "--out",
                                             str(tmp_path / "out")), env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)}
    for k in range(10):
        procs[f"report{k}"] = subprocess.Popen(
            command("report", "--period", "2023-05", "--org", "all", *where, "--out", str(tmp_path / f"r{k}")),
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for k in range(2):
        procs[f"analyst{k}"] = subprocess.Popen([sys.executable, "-c", analyst], stdout=subprocess.PIPE,
                                                stderr=subprocess.PIPE, text=True)
    results = {name: (p.wait(timeout=900), *p.communicate()) for name, p in procs.items()}
    for name, (code, out, err) in results.items():
        assert "Traceback" not in err, (name, err)
        assert code == 0 or (code in (2, 3) and "错误" in err), (name, code, err)
    assert results["run"][0] == 0, results["run"][2]
    assert all(results[f"analyst{k}"][0] == 0 for k in range(2))
    assert sum(results[f"report{k}"][0] == 0 for k in range(10)) >= 1
    checked = subprocess.run(command("verify", *where), env=env, capture_output=True, text=True, timeout=600)
    assert checked.returncode == 0, checked.stdout
    with duckdb.connect(str(snapshot), read_only=True) as con:
        assert con.execute("select count(*) from submissions where period = '2023-06-01'").fetchone()[0] > 30
