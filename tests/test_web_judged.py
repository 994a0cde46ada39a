"""The issue's own test of the portal: accounts made by ``statreturns users add``, ``statreturns web`` really running
on 127.0.0.1, and a reporter's January sent through ``POST /api/returns`` as a script would."""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.test_web_support import ORG, OTHER_NAME, cli, january, running_portal
from tests.conftest import form_return, zb01

OFFICE = ("统计局", "office-password-1")
REPORTER = ("shili", "reporter-password-1")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def listening_addresses(port: int) -> set[str]:
    """The local addresses a socket listens on for ``port`` (Linux's /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def portal(tmp_path):
    root = tmp_path / "office"
    root.mkdir()
    paths = ["--warehouse", str(root / "var" / "statreturns.duckdb")]
    made = [cli(["users", "add", OFFICE[0], "--role", "office", *paths], root, OFFICE[1] + "\n"),
            cli(["users", "add", REPORTER[0], "--role", "reporter", "--org", ORG, *paths], root, REPORTER[1] + "\n")]
    assert [m.returncode for m in made] == [0, 0], [m.stderr for m in made]
    listed = cli(["users", "list", *paths], root)
    assert "统计局\t统计局\t全区" in listed.stdout and f"shili\t填报员\t{ORG} 示例街道" in listed.stdout
    with running_portal(root) as running:
        yield running


def send(portal, data: bytes, name: str, auth=REPORTER) -> httpx.Response:
    return httpx.post(f"{portal.url}/api/returns", files={"file": (name, data, XLSX)}, auth=auth, timeout=120)


def test_the_portal_as_the_issue_judges_it(portal, cat):
    inbox = portal.root / "inbox"
    assert listening_addresses(portal.port) == {"0100007F"}  # 127.0.0.1 only

    returns = january(cat, year=2026)
    # anonymous and wrong-password requests are refused and keep nothing
    anonymous = httpx.post(f"{portal.url}/api/returns", files={"file": ("ZB01.xlsx", returns["ZB01"], XLSX)})
    assert anonymous.status_code == 401
    assert send(portal, returns["ZB01"], "ZB01.xlsx", auth=(REPORTER[0], "wrong-password")).status_code == 401
    assert httpx.get(f"{portal.url}/api/status?period=2026-01").status_code == 401
    assert files_in(inbox) == []

    # the reporter's twelve January returns are each accepted
    for code, data in returns.items():
        answer = send(portal, data, f"示例街道{code}表1月.xlsx")
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert [(r["org_code"], r["form_code"], r["period"], r["status"]) for r in body["returns"]] == [
            (ORG, code, "2026-01", "accepted")]
    assert len(files_in(inbox)) == 12

    # a return with a negative figure comes back rejected with the error's cell
    negative = send(portal, january(cat, year=2026, negative="ZB11")["ZB11"], "安全1月.xlsx").json()
    (ret,) = negative["returns"]
    assert ret["status"] == "rejected"
    assert [(f["rule"], f["cell"]) for f in ret["findings"] if f["rule"] == "negative"] == [("negative", "D5")]
    assert "D5单元格" in ret["reason"]

    # another org's return is refused with 403 and not kept
    before = files_in(inbox)
    theirs = send(portal, zb01(f"{OTHER_NAME}财政所", "2026年1月", (1, 2), (1, 2)), "东关财政1月.xlsx")
    assert theirs.status_code == 403 and OTHER_NAME in theirs.json()["detail"]
    assert files_in(inbox) == before

    # an upload named ../../escape.xlsx stays inside the inbox
    correction = form_return(cat, "ZB07", "示例街道河长制办公室", "2026年1月", {"01": (6, 6), "02": (5, 5), "03": (4, 4)})
    escaped = send(portal, correction, "../../escape.xlsx")
    assert escaped.status_code == 200 and escaped.json()["returns"][0]["status"] == "accepted"
    inside = [p for p in files_in(portal.root.parent) if p.name.endswith("escape.xlsx")]
    assert len(inside) == 1 and inside[0].parent == inbox / "2026-01" and inside[0].name.endswith("-escape.xlsx")

    # the reporter cannot read /api/status; the office reads it and sees the reporter's returns accepted
    assert httpx.get(f"{portal.url}/api/status?period=2026-01", auth=REPORTER).status_code == 403
    rows = httpx.get(f"{portal.url}/api/status?period=2026-01", auth=OFFICE).json()
    mine = {r["form_code"]: r for r in rows if r["org_code"] == ORG and r["in_grid"]}
    assert set(mine) == set(cat.forms)
    assert all(r["accepted"] and r["status"] in ("accepted", "late") for r in mine.values()), mine
    assert all(r["status"] == "missing" for r in rows if r["org_code"] != ORG and r["in_grid"])

    # and every upload is in the audit log, with who and the file's fingerprint
    log = cli(["sql", "select 'uploads=' || count(*) || ',with_sha=' || count(sha256) as n from audit_log "
                      "where who = '网页:shili' and action = 'upload'", *portal.paths[:2]], portal.root)
    assert log.returncode == 0, log.stderr
    assert "uploads=14,with_sha=14" in log.stdout
