"""What the portal tests share: an org's January returns built in code, accounts, and a portal on a test warehouse."""
from __future__ import annotations

import base64
import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from statreturns.flows.config import Settings
from statreturns.web.accounts import Accounts, accounts_path
from statreturns.web.app import create_app
from statreturns.web.uploads import Limits
from tests.conftest import form_return, ingest_into
from tests.workbooks import project_return

ORG, ORG_NAME = "110199001", "示例街道"
OTHER, OTHER_NAME = "110199002", "东关街道"
PASSWORDS = {"office": "统计局的密码-1", "clerk": "clerk-password-1", "finance": "finance-password-1"}
PROJECTS = [(1, "滨河湿地公园", "新开工", 12000, "东村", "生态", "城建办"), (2, "农贸市场改造", "续建", "3,500", "西村", "商贸", "经发办")]


def january(cat, org_name: str = ORG_NAME, year: int = 2025, negative: str | None = None) -> dict[str, bytes]:
    """The twelve returns an org sends for January, one per form, each passing every rule (or with one negative
    本月 in the form ``negative``): flows with 本年累计 = 本月, decreasing down each form so every 表内 check holds,
    上年同期 a tenth below."""
    out = {}
    for form in cat.forms.values():
        reporter, period = f"{org_name}{form.department}", f"{year}年1月"
        if form.layout == "projects":
            out[form.code] = project_return(reporter, period, PROJECTS)
            continue
        values = {}
        for i, ind in enumerate(form.indicators):
            v = float(300 - 20 * i)
            if ind.kind == "text":
                values[ind.code] = ("东村、西村", None)
            else:
                month = (-v if form.code == negative and i == 0 else v) if ind.kind == "flow" else None
                values[ind.code] = (month, v, round(v * 0.9, 2)) if ind.yoy else (month, v)
        out[form.code] = form_return(cat, form.code, reporter, period, values)
    return out


def basic(name: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()}


def make_accounts(db) -> Accounts:
    """An office account, a clerk of 示例街道 and a finance clerk of 示例街道 (财政所 only)."""
    accounts = Accounts(accounts_path(db))
    accounts.add("office", "office", PASSWORDS["office"])
    accounts.add("clerk", "reporter", PASSWORDS["clerk"], ORG)
    accounts.add("finance", "reporter", PASSWORDS["finance"], ORG, "财政所")
    return accounts


def settings_at(tmp_path) -> Settings:
    return Settings(inbox=tmp_path / "inbox", warehouse=tmp_path / "var" / "statreturns.duckdb", out=tmp_path / "out",
                    archive=tmp_path / "var" / "archive", registry=None)


def portal_client(tmp_path, limits: Limits | None = None, raise_server_exceptions: bool = True) -> TestClient:
    settings = settings_at(tmp_path)
    make_accounts(settings.warehouse)
    return TestClient(create_app(settings, limits or Limits(wait=5)), raise_server_exceptions=raise_server_exceptions)


def test_the_january_set_passes_every_rule_when_loaded(cat, tmp_path):
    for code, data in january(cat).items():
        (tmp_path / "in" / f"{code}.xlsx").parent.mkdir(exist_ok=True)
        (tmp_path / "in" / f"{code}.xlsx").write_bytes(data)
    result = ingest_into(tmp_path / "wh.duckdb", tmp_path / "in", cat, None)
    subs = result.submissions
    assert sorted(subs["form_code"]) == sorted(cat.forms)
    assert set(subs["status"]) == {"accepted"} and set(subs["org_code"]) == {ORG}
    assert result.findings.empty


def test_the_negative_return_is_rejected_on_its_cell(cat, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "ZB05.xlsx").write_bytes(january(cat, negative="ZB05")["ZB05"])
    result = ingest_into(tmp_path / "wh.duckdb", tmp_path / "in", cat, None)
    assert list(result.submissions["status"]) == ["rejected"]
    negative = result.findings[result.findings["rule"] == "negative"]
    assert list(negative["cell"]) == ["D5"]


@pytest.fixture
def client(tmp_path):
    with portal_client(tmp_path) as c:
        yield c


STATRETURNS = Path(sys.executable).parent / "statreturns"


def cli(args: list[str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    """The ``statreturns`` command, as the office types it."""
    return subprocess.run([str(STATRETURNS), *args], input=stdin, capture_output=True, text=True, cwd=cwd, timeout=300)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Running:
    """``statreturns web`` started as a process of its own."""

    url: str
    port: int
    process: subprocess.Popen
    paths: list[str]
    root: Path


@contextlib.contextmanager
def running_portal(root: Path, *extra: str) -> Iterator[Running]:
    """``statreturns web`` on a free port of 127.0.0.1 over a warehouse, inbox and output folder under ``root``;
    ready when it answers, stopped at the end."""
    paths = ["--warehouse", str(root / "var" / "statreturns.duckdb"), "--inbox", str(root / "inbox"),
             "--out", str(root / "out")]
    port = free_port()
    process = subprocess.Popen([str(STATRETURNS), "web", "--port", str(port), *paths, *extra], cwd=root,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a bound on start-up, not a measure of it
        while True:
            if process.poll() is not None:
                pytest.fail(f"statreturns web exited: {process.stdout.read()}")
            try:
                if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("statreturns web did not answer within 120 s")
            time.sleep(0.2)
        yield Running(url, port, process, paths, root)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
