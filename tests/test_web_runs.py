"""The office starts the monthly run and a regeneration from the portal, follows their steps, and downloads what
they wrote."""
from __future__ import annotations

import datetime as dt
import re

from statreturns.web.jobs import Job, command
from tests.conftest import put
from tests.test_web_api import OFFICE, audit_log, sign_in, csrf, upload
from tests.test_web_support import ORG_NAME, client, january, settings_at  # noqa: F401


def start(client, **form) -> int:
    page = client.get("/office/runs")
    answer = client.post("/office/runs", follow_redirects=False, data={"csrf": csrf(page.text), **form})
    assert answer.status_code == 303, answer.text
    return int(re.fullmatch(r"/office/runs/(\d+)", answer.headers["location"])[1])


def finish(client, job_id: int) -> dict:
    """Wait for a run to end (bounded), then read it as the run's page does."""
    job = client.app.state.portal.jobs.get(job_id)
    assert job.process.wait(600) == 0, job.output()
    return client.get(f"/api/jobs/{job_id}", headers=OFFICE).json()


def test_the_office_runs_the_month_and_follows_its_steps(client, cat, tmp_path):
    upload(client, january(cat)["ZB01"], "财政1月.xlsx")
    # a return dropped into the inbox by hand is what the run collects
    put(tmp_path / "inbox" / "2025-01" / "示例街道农业1月.xlsx", january(cat)["ZB04"], dt.datetime(2025, 2, 3, 9))
    sign_in(client, "office")
    job_id = start(client, kind="run", period="2025-01")
    page = client.get(f"/office/runs/{job_id}")
    assert "月度汇总" in page.text and "2025-01" in page.text
    job = finish(client, job_id)
    assert job["state"] == "done" and job["state_label"] == "已完成"
    steps = [s["step"] for s in job["steps"]]
    assert all(s["done"] for s in job["steps"]) and steps[0] == "开始运行" and steps[-1] == "运行结束", job
    assert {"生成汇总表", "生成回执"} <= set(steps)
    page = client.get(f"/office/runs/{job_id}")
    assert '<li class="done">生成汇总表</li>' in page.text and "已完成" in page.text
    rows = client.get("/api/status?period=2025-01", headers=OFFICE).json()
    zb04 = next(r for r in rows if r["org_name"] == ORG_NAME and r["form_code"] == "ZB04" and r["in_grid"])
    assert zb04["accepted"] and zb04["file_name"] == "示例街道农业1月.xlsx"
    outputs = client.get("/office/outputs?period=2025-01").text
    assert "all/汇总表.xlsx" in outputs and "feedback/示例街道农业1月_审核结果.xlsx" in outputs
    assert list(audit_log(tmp_path).query("action == 'run'")["who"]) == ["网页:office"]


def test_the_office_regenerates_the_tables_and_downloads_them(client, cat, tmp_path):
    upload(client, january(cat)["ZB01"], "财政1月.xlsx")
    sign_in(client, "office")
    job = finish(client, start(client, kind="report", period="2025-01", org="all"))
    assert job["state"] == "done" and "汇总表" in job["output"]
    listing = client.get("/office/outputs?period=2025-01").text
    links = re.findall(r'href="(/office/outputs/2025-01/[^"]+)"', listing)
    table = next(link for link in links if link.endswith("all/%E6%B1%87%E6%80%BB%E8%A1%A8.xlsx"))
    download = client.get(table)
    assert download.status_code == 200 and download.content[:2] == b"PK"
    assert client.get("/office/outputs/2025-01/..%2F..%2Fvar%2Fstatreturns.duckdb").status_code in (400, 404)
    sign_in(client, "clerk")
    assert client.get(table).status_code == 403


def test_with_a_prefect_server_runs_go_through_the_deployments(tmp_path):
    settings = settings_at(tmp_path)
    served = {"PREFECT_API_URL": "http://127.0.0.1:4200/api"}
    assert command("run", "2025-01", None, settings, served)[-6:] == [
        "deployment", "run", "monthly-consolidation/monthly", "--param", "period=2025-01", "--watch"]
    assert command("report", "2025-01", "all", settings, served)[-8:] == [
        "deployment", "run", "regenerate-reports/on-demand", "--param", "period=2025-01", "--param", "org=all", "--watch"]
    local = command("run", "2025-01", None, settings, {})
    assert local[1:6] == ["-m", "statreturns.flows.cli", "run", "--period", "2025-01"]
    assert local[local.index("--inbox") + 1] == str(settings.inbox)
    assert local[local.index("--warehouse") + 1] == str(settings.warehouse)


def test_a_runs_steps_are_read_off_its_log_as_prefect_writes_it(tmp_path):
    log = tmp_path / "run.log"
    log.write_text(
        "18:02:59.659 | INFO    | prefect - Starting temporary server on http://127.0.0.1:8256\n"
        "18:03:07.978 | INFO    | Flow run 'elusive-snake' - Beginning flow run 'elusive-snake' for flow 'monthly-consolidation'\n"
        "18:03:11.214 | INFO    | Task run 'load_inbox-2d5' - Finished in state Completed()\n"
        "18:03:14.554 | INFO    | Task run 'write_reports-c0b' - Finished in state Failed('Task run encountered an exception')\n"
        "18:03:14.600 | INFO    | Task run 'a_new_step-c0c' - Finished in state Completed()\n", encoding="utf-8")
    job = Job(1, "run", "2025-01", None, "网页:office", ["statreturns"], log, dt.datetime(2025, 2, 6, 6))
    assert job.steps() == [("开始运行", "Running"), ("收表、审核、入库", "Completed"), ("生成汇总表", "Failed"),
                           ("a_new_step", "Completed")]
