"""The portal as clerks, the office and scripts use it, through the test client: uploads answered at once, refusals
that keep nothing, pages that show only the reader's own org, forms guarded by CSRF, throttled logins."""
from __future__ import annotations

import contextlib
import gc
import io
import os
import re
import threading
import urllib.parse
import zipfile
from pathlib import Path

import openpyxl
import pytest

from statreturns.warehouse.store import Warehouse
from statreturns.web.app import COOKIE
from statreturns.web.uploads import Limits, safe_name
from tests.conftest import form_return, zb01
from tests.test_web_support import (ORG, ORG_NAME, OTHER_NAME, PASSWORDS, basic, client, january,  # noqa: F401
                                    portal_client)
from tests.workbooks import indicator_return

CLERK = basic("clerk", PASSWORDS["clerk"])
OFFICE = basic("office", PASSWORDS["office"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(client, data: bytes, name: str = "报表.xlsx", auth=CLERK):
    return client.post("/api/returns", files={"file": (name, data, XLSX)}, headers=auth)


def kept(tmp_path) -> list:
    """Every file in the inbox."""
    return sorted(p for p in (tmp_path / "inbox").rglob("*") if p.is_file())


def audit_log(tmp_path):
    with Warehouse.at(tmp_path / "var" / "statreturns.duckdb").reader() as con:
        return con.execute("select who, action, what, sha256, detail from audit_log order by logged_at").df()


def csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html)[1]


def login(client, name: str, password: str):
    """Sign in on the login page; the client is left holding no cookie."""
    client.cookies.clear()
    page = client.get("/login")
    answer = client.post("/login", data={"name": name, "password": password, "csrf": csrf(page.text)},
                         follow_redirects=False)
    client.cookies.clear()
    return answer


# --- the JSON API

def test_anonymous_and_wrong_password_requests_are_refused_and_keep_nothing(client, cat, tmp_path):
    data = january(cat)["ZB01"]
    anonymous = client.post("/api/returns", files={"file": ("财政.xlsx", data, XLSX)})
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"].startswith("Basic")
    wrong = upload(client, data, auth=basic("clerk", "not-the-password"))
    assert wrong.status_code == 401 and wrong.json()["detail"] == "账号或密码不对"
    assert upload(client, data, auth=basic("nobody", "whatever-1")).status_code == 401
    assert client.get("/api/status?period=2025-01").status_code == 401
    assert kept(tmp_path) == []
    assert audit_log(tmp_path).query("action == 'upload'").empty


def test_a_return_with_a_negative_figure_comes_back_rejected_naming_its_cell(client, cat, tmp_path):
    answer = upload(client, january(cat, negative="ZB05")["ZB05"], "热线1月.xlsx")
    assert answer.status_code == 200
    body = answer.json()
    (ret,) = body["returns"]
    assert (ret["org_code"], ret["form_code"], ret["period"], ret["status"]) == (ORG, "ZB05", "2025-01", "rejected")
    negative = next(f for f in ret["findings"] if f["rule"] == "negative")
    assert (negative["severity"], negative["sheet"], negative["cell"], negative["value_found"]) == ("error", "Sheet1", "D5", "-300")
    assert "D5单元格" in negative["message"] and negative["rule_name"] == "数字为负" and negative["how_to_fix"]
    assert body["file_name"].endswith("-热线1月.xlsx") and kept(tmp_path) == [tmp_path / "inbox" / "2025-01" / body["file_name"]]
    # the 回执 is written at once where a run writes it, and nothing more is owed for the file
    stem = body["file_name"].removesuffix(".xlsx")
    assert (tmp_path / "out" / "2025-01" / "feedback" / f"{stem}_审核结果.xlsx").is_file()
    with Warehouse.at(tmp_path / "var" / "statreturns.duckdb").writer(publish_after=False) as con:
        assert con.execute("select count(*) from receipts_owed").fetchone() == (0,)
    # and marks the same cell
    receipt = client.get(body["receipt"], headers=CLERK)
    assert receipt.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(receipt.content))
    rows = [[c for c in row if c is not None] for row in book["审核结果"].iter_rows(values_only=True)]
    assert any("D5" in row and "本月为负数（-300）" in " ".join(map(str, row)) for row in rows)
    assert book["Sheet1"]["D5"].fill.fgColor.rgb == "FFFF0000"


def test_each_of_an_orgs_twelve_returns_is_accepted_and_the_office_sees_them(client, cat):
    for code, data in january(cat).items():
        answer = upload(client, data, f"{code}.xlsx")
        assert answer.status_code == 200, answer.text
        (ret,) = answer.json()["returns"]
        assert (ret["form_code"], ret["status"], ret["findings"]) == (code, "accepted", [])
    assert client.get("/api/status?period=2025-01", headers=CLERK).status_code == 403
    rows = client.get("/api/status?period=2025-01", headers=OFFICE).json()
    mine = {r["form_code"]: r for r in rows if r["org_code"] == ORG and r["in_grid"]}
    assert set(mine) == set(cat.forms)
    assert all(r["accepted"] and r["status"] in ("accepted", "late") for r in mine.values())
    others = [r for r in rows if r["org_code"] != ORG and r["in_grid"]]
    assert others and {r["status"] for r in others} == {"missing"}


def test_another_orgs_return_is_refused_with_403_and_not_kept(client, tmp_path):
    answer = upload(client, zb01(f"{OTHER_NAME}财政所", "2025年1月", (1, 2), (1, 2)), "东关财政.xlsx")
    assert answer.status_code == 403
    assert OTHER_NAME in answer.json()["detail"] and "未保存" in answer.json()["detail"]
    assert kept(tmp_path) == []
    with Warehouse.at(tmp_path / "var" / "statreturns.duckdb").reader() as con:
        assert con.execute("select count(*) from submissions").fetchone() == (0,)
    (refusal,) = audit_log(tmp_path).query("action == 'upload_refused'").itertuples()
    assert (refusal.who, refusal.what) == ("网页:clerk", "东关财政.xlsx") and OTHER_NAME in refusal.detail


def test_a_department_clerk_submits_only_its_departments_forms(client, cat):
    finance = basic("finance", PASSWORDS["finance"])
    refused = upload(client, january(cat)["ZB02"], auth=finance)
    assert refused.status_code == 403 and "财政所" in refused.json()["detail"]
    assert upload(client, january(cat)["ZB01"], auth=finance).json()["returns"][0]["status"] == "accepted"


@pytest.mark.parametrize("name", ["../../escape.xlsx", "..\\..\\escape.xlsx", "/etc/escape.xlsx", ".escape.xlsx",
                                  "~$escape.xlsx", "a/../../../escape.xlsx"])
def test_the_stored_name_never_comes_from_the_clients_path(client, cat, tmp_path, name):
    answer = upload(client, january(cat)["ZB07"], name)
    assert answer.status_code == 200
    stored = answer.json()["file_name"]
    assert re.fullmatch(r"\d{8}-\d{6}-escape\.xlsx", stored)
    assert kept(tmp_path) == [tmp_path / "inbox" / "2025-01" / stored]
    assert [p for p in tmp_path.rglob("*escape.xlsx") if p.is_file()] == [tmp_path / "inbox" / "2025-01" / stored]
    assert answer.json()["returns"][0]["status"] == "accepted"


def test_safe_names():
    assert safe_name("../../escape.xlsx") == "escape.xlsx"
    assert safe_name("C:\\Users\\张三\\财政 6月<1>.XLSX") == "财政_6月_1.xlsx"
    assert safe_name("") == "报表" and safe_name("..") == "报表"
    assert safe_name("report.tar.gz;rm -rf") == "report.tar.gz_rm_-rf"


def test_a_correction_supersedes_and_a_repeated_file_is_a_duplicate(client, cat):
    bad = upload(client, january(cat, negative="ZB05")["ZB05"], "热线.xlsx").json()
    corrected = january(cat)["ZB05"]
    good = upload(client, corrected, "热线更正.xlsx").json()
    assert good["returns"][0]["status"] == "accepted"
    again = upload(client, corrected, "热线更正(1).xlsx").json()
    assert again["duplicate_of"] == good["file_name"] and again["sha256"] == good["sha256"]
    rows = client.get("/api/status?period=2025-01", headers=OFFICE).json()
    (zb05,) = [r for r in rows if r["org_code"] == ORG and r["form_code"] == "ZB05" and r["in_grid"]]
    assert zb05["accepted"] and zb05["file_name"] == good["file_name"]
    assert client.get(f"/api/returns/{bad['sha256']}", headers=CLERK).json()["returns"][0]["status"] == "rejected"


def test_a_file_that_is_no_return_gets_one_rejected_entry_with_its_reason(client):
    answer = upload(client, "这不是报表，是一段文字。\n".encode("utf-8"), "说明.xlsx").json()
    (ret,) = answer["returns"]
    assert ret["status"] == "rejected" and ret["form_code"] is None
    assert "不是电子表格" in ret["reason"] and ret["findings"][0]["rule"] == "file_unreadable"


def test_an_upload_while_a_run_holds_the_warehouse_is_told_to_wait_and_not_kept(tmp_path, cat):
    with portal_client(tmp_path, Limits(wait=0.2)) as client:
        wh = Warehouse.at(tmp_path / "var" / "statreturns.duckdb")
        with wh.locked():
            answer = upload(client, january(cat)["ZB01"])
            sign_in(client)
            page = client.get("/tasks")
        assert answer.status_code == 503 and "正在汇总，请稍候" in answer.json()["detail"]
        assert answer.headers["retry-after"]
        assert "正在汇总，请稍候" in page.text
        assert kept(tmp_path) == []
        assert upload(client, january(cat)["ZB01"]).status_code == 200


def test_an_upload_waits_its_turn_and_is_loaded_when_the_run_ends(tmp_path, cat):
    with portal_client(tmp_path, Limits(wait=60)) as client:
        wh = Warehouse.at(tmp_path / "var" / "statreturns.duckdb")
        answers = []
        with wh.locked():
            sender = threading.Thread(target=lambda: answers.append(upload(client, january(cat)["ZB01"])))
            sender.start()
            sender.join(0.5)  # the upload cannot finish while the lock is held, however long this waits
            assert answers == []
        sender.join(60)
        assert answers[0].status_code == 200 and answers[0].json()["returns"][0]["status"] == "accepted"


def test_size_and_count_limits(tmp_path, cat):
    data = january(cat)["ZB01"]
    with portal_client(tmp_path, Limits(max_file_bytes=len(data) + 100, max_files=2, wait=5)) as client:
        too_big = upload(client, data + b"\0" * 200, "大.xlsx")
        assert too_big.status_code == 413 and too_big.json()["detail"] == f"《大.xlsx》超过 {(len(data) + 100) / 1048576:.3g} MB，未保存"
        whole = upload(client, data + b"\0" * (2 * 1024 * 1024), "更大.xlsx")  # over all the files a request may bring
        assert whole.status_code == 413 and "一次超过" in whole.json()["detail"]
        sign_in(client)
        token = csrf(client.get("/tasks").text)
        files = [("file", (f"{c}.xlsx", january(cat)[c], XLSX)) for c in ("ZB01", "ZB02", "ZB04")]
        page = client.post("/upload", data={"csrf": token, "period": "2025-01"}, files=files)
        assert page.status_code == 400 and "一次最多上传 2 个文件" in page.text
        assert kept(tmp_path) == []


def _spooled() -> int:
    """The temporary files this process holds open (already removed from the file system, as Python's are)."""
    held = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            held.append(os.readlink(f"/proc/self/fd/{fd}"))
    return sum(target.endswith("(deleted)") for target in held)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files through /proc")
def test_an_uploads_temporary_copy_is_closed_once_it_is_answered(tmp_path, cat):
    """A file past 1 MB waits in a temporary file while it is received: each is closed with its answer (kept, refused
    for a stale page or sent by the API), not left open until the collector finds it."""
    data = january(cat)["ZB01"] + b"\0" * (2 << 20)
    with portal_client(tmp_path, Limits(max_file_bytes=3 << 20, wait=5)) as client:
        sign_in(client)
        token = csrf(client.get("/tasks").text)
        gc.disable()  # what is still open is what the portal left open, not what the collector has not reached yet
        try:
            before = _spooled()
            assert upload(client, data, "大.xlsx").status_code == 200
            page = client.post("/upload", data={"csrf": token, "period": "2025-01"},
                               files=[("file", ("大2.xlsx", data + b"\0", XLSX))])
            stale = client.post("/upload", data={"csrf": "stale", "period": "2025-01"},
                                files=[("file", ("大3.xlsx", data, XLSX))])
            after = _spooled()
        finally:
            gc.enable()
    assert page.status_code == 200 and "大2.xlsx" in page.text and stale.status_code == 400
    assert after == before


# --- pages

def sign_in(client, name: str = "clerk") -> None:
    """Sign in as ``name``: the client's later requests are that account's."""
    answer = login(client, name, PASSWORDS[name])
    assert answer.status_code == 303
    client.cookies.set(COOKIE, answer.cookies[COOKIE])


def test_login_sets_a_session_cookie_httponly_and_samesite(client):
    answer = login(client, "clerk", PASSWORDS["clerk"])
    assert answer.status_code == 303 and answer.headers["location"] == "/tasks"
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    refused = login(client, "clerk", "wrong-password")
    assert refused.status_code == 401 and "账号或密码不对" in refused.text
    assert client.get("/tasks", follow_redirects=False).headers["location"].startswith("/login")


@pytest.mark.parametrize("target, landing", [("/tasks?period=2025-01", "/tasks?period=2025-01"), ("//evil.example", "/tasks"),
                                             ("/\\evil.example", "/tasks"), ("https://evil.example/", "/tasks")])
def test_after_login_the_clerk_goes_back_to_a_page_of_the_portal_only(client, target, landing):
    page = client.get("/login", params={"next": target})
    answer = client.post("/login", follow_redirects=False, data={
        "name": "clerk", "password": PASSWORDS["clerk"], "csrf": csrf(page.text), "next": target})
    client.cookies.clear()
    assert answer.headers["location"] == landing


def test_login_is_throttled_after_repeated_failures(client):
    for _ in range(5):
        assert login(client, "clerk", "guess-password").status_code == 401
    blocked = login(client, "clerk", PASSWORDS["clerk"])
    assert blocked.status_code == 401 and "次数过多" in blocked.text
    assert upload(client, b"x", auth=basic("clerk", PASSWORDS["clerk"])).status_code == 401
    assert login(client, "office", PASSWORDS["office"]).status_code == 303  # another account is not locked out


def test_a_clerk_uploads_on_the_page_and_reads_the_red_cell_at_once(client, cat, tmp_path):
    sign_in(client)
    tasks = client.get("/tasks?period=2025-01")
    assert tasks.text.count('class="state missing">未报</span>') == 12 and "报送截止：2025-02-05" in tasks.text
    files = [("file", ("热线1月.xlsx", january(cat, negative="ZB05")["ZB05"], XLSX)),
             ("file", ("财政1月.xlsx", january(cat)["ZB01"], XLSX))]
    page = client.post("/upload", data={"csrf": csrf(tasks.text), "period": "2025-01"}, files=files)
    assert page.status_code == 200
    assert re.search(r'<td class="cell error">D5</td>', page.text)
    assert "数字为负" in page.text and "本月为负数（-300）" in page.text and "退回" in page.text
    assert page.text.count("下载回执") == 2
    assert 'class="state accepted">已受理' in page.text or 'class="state late">迟报' in page.text
    assert len(kept(tmp_path)) == 2


def test_a_form_without_its_csrf_token_is_refused_and_keeps_nothing(client, cat, tmp_path):
    sign_in(client)
    page = client.post("/upload", data={"period": "2025-01"}, files=[("file", ("a.xlsx", january(cat)["ZB01"], XLSX))])
    assert page.status_code == 400 and "页面已过期" in page.text
    assert kept(tmp_path) == []


def test_pages_show_a_returns_text_escaped(client, cat):
    rows = [["一般公共预算收入", "01", "万元", 10, 10, 9, None], ["全口径财政收入", "02", "万元", 20, 20, 18, None],
            ['<img src=x onerror="alert(1)">', "99", "万元", 5, 5, None, None]]
    answer = upload(client, indicator_return("ZB01", f"{ORG_NAME}财政所", "2025年1月", rows), "<b>财政</b>.xlsx").json()
    assert any(f["rule"] == "unknown_row" for f in answer["returns"][0]["findings"])
    sign_in(client)
    page = client.get(f"/files/{answer['sha256']}")
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page.text
    assert "<img" not in page.text and "<b>财政" not in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")


def test_a_reporter_sees_nothing_of_another_org(client, cat):
    theirs = upload(client, zb01(f"{OTHER_NAME}财政所", "2025年1月", (1, 2), (1, 2)), "东关财政1月.xlsx", auth=OFFICE).json()
    assert theirs["returns"][0]["status"] == "accepted"
    sha = theirs["sha256"]
    assert client.get(f"/api/returns/{sha}", headers=CLERK).status_code == 404
    assert client.get(f"/api/returns/{sha}/receipt", headers=CLERK).status_code == 404
    sign_in(client)
    assert client.get(f"/files/{sha}").status_code == 404
    assert client.get(f"/files/{sha}/receipt").status_code == 404
    tasks = client.get("/tasks?period=2025-01").text
    assert OTHER_NAME not in tasks and theirs["file_name"] not in tasks
    assert client.get("/office?period=2025-01").status_code == 403
    assert client.get("/api/status?period=2025-01", headers=CLERK).status_code == 403


def test_a_warning_is_explained_on_the_page(client, cat, tmp_path):
    grown = zb01(f"{ORG_NAME}财政所", "2025年1月", (30, 20), (30, 20), (10, 18))  # 一般公共预算收入 up 200%
    answer = upload(client, grown, "财政1月.xlsx").json()
    (warning,) = [f for f in answer["returns"][0]["findings"] if f["rule"] == "yoy_beyond_50"]
    assert answer["returns"][0]["status"] == "accepted" and warning["cell"] == "E5"
    sign_in(client)
    page = client.get(f"/files/{answer['sha256']}")
    reason = "新引进两家企业入库纳税，本年收入大幅增加"
    done = client.post(f"/files/{answer['sha256']}/explain", follow_redirects=False,
                       data={"csrf": csrf(page.text), "rule": "yoy_beyond_50", "indicator": "01", "reason": reason})
    assert done.status_code == 303
    page = client.get(done.headers["location"])
    assert f"已说明：{reason}" in page.text
    after = client.get(f"/api/returns/{answer['sha256']}", headers=CLERK).json()
    assert [f["explained"] for f in after["returns"][0]["findings"] if f["rule"] == "yoy_beyond_50"] == [True]
    log = audit_log(tmp_path)
    assert list(log.query("action == 'explain'")["who"]) == ["网页:clerk"]


def test_every_upload_and_account_change_is_in_the_audit_log(client, cat, tmp_path):
    answer = upload(client, january(cat)["ZB01"], "财政1月.xlsx").json()
    sign_in(client, "office")
    page = client.get("/office/users")
    added = client.post("/office/users", data={
        "csrf": csrf(page.text), "action": "add", "name": "xicheng", "role": "reporter", "org": "110199101",
        "department": "", "password": "xicheng-password-1"})
    assert added.status_code == 200 and "账号“xicheng”：已添加" in added.text
    disabled = client.post("/office/users",
                           data={"csrf": csrf(page.text), "action": "disable", "name": "xicheng"})
    assert "已停用" in disabled.text
    log = audit_log(tmp_path)
    uploads = log.query("action == 'upload'")
    assert list(uploads["who"]) == ["网页:clerk"] and list(uploads["sha256"]) == [answer["sha256"]]
    assert list(uploads["what"]) == [answer["file_name"]] and "财政1月.xlsx" in uploads["detail"].iloc[0]
    changes = log[log["action"].str.startswith("user_")]
    assert list(zip(changes["who"], changes["action"], changes["what"])) == [
        ("网页:office", "user_add", "xicheng"), ("网页:office", "user_disable", "xicheng")]
    assert "xicheng-password-1" not in " ".join(log["detail"].fillna(""))
    assert login(client, "xicheng", "xicheng-password-1").status_code == 401


def test_the_office_board_shows_each_org_and_form_and_clicks_through_to_the_findings(client, cat):
    upload(client, january(cat, negative="ZB05")["ZB05"], "热线1月.xlsx")
    upload(client, january(cat)["ZB01"], "财政1月.xlsx")
    sign_in(client, "office")
    board = client.get("/office?period=2025-01")
    assert board.status_code == 200
    cells = re.findall(r'<td class="state (\w+)" title="([^"]+)">\s*<a href="([^"]+)"', board.text)
    assert len(cells) == len(cat.orgs) * len(cat.forms)
    state = {title.split("：")[0]: (s, href) for s, title, href in cells}
    assert state[f"{ORG_NAME} ZB05表 12345热线办理情况月报表"][0] == "rejected"
    assert state[f"{ORG_NAME} ZB01表 财政收入月报表"][0] in ("accepted", "late")
    assert state[f"{OTHER_NAME} ZB01表 财政收入月报表"][0] == "missing"
    detail = client.get(state[f"{ORG_NAME} ZB05表 12345热线办理情况月报表"][1].replace("&amp;", "&"))
    assert re.search(r'<td class="cell error">D5</td>', detail.text) and "热线1月.xlsx" in detail.text
    chase = client.get("/office/chase.xlsx?period=2025-01")
    book = openpyxl.load_workbook(io.BytesIO(chase.content))
    listed = [" ".join(str(v) for v in row if v) for row in book["催报单"].iter_rows(values_only=True)]
    assert any(ORG_NAME in line and "ZB05" in line and "退回" in line for line in listed)


def test_the_month_templates_are_offered_to_a_clerk_for_their_org_and_department(client):
    sign_in(client)
    every = client.get("/templates?period=2025-01")
    assert every.status_code == 200 and "zip" in every.headers["content-disposition"]
    names = zipfile.ZipFile(io.BytesIO(every.content)).namelist()
    assert len(names) == 11 and all(n.startswith(f"{ORG_NAME}-") and n.endswith("2025年1月填报模板.xlsx") for n in names)
    sign_in(client, "finance")
    finance = client.get("/templates?period=2025-01")
    assert finance.status_code == 200 and finance.content[:2] == b"PK"
    assert urllib.parse.quote(f"{ORG_NAME}-财政所-2025年1月填报模板.xlsx") in finance.headers["content-disposition"]


def test_a_load_that_fails_keeps_nothing_and_says_so(cat, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("statreturns.web.uploads.ingest", broken)
    with portal_client(tmp_path, raise_server_exceptions=False) as client:
        answer = upload(client, january(cat)["ZB01"])
    assert answer.status_code == 500 and "未保存" in answer.json()["detail"] and "disk" not in answer.text
    assert kept(tmp_path) == []


def test_a_file_that_would_crash_its_reader_is_refused_and_the_portal_goes_on(client, cat):
    from tests.test_xlsx_scan import workbook

    # a valid workbook with one value at XFD1048576: the reader that opens it must not be the portal itself
    far = workbook('<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>9</v></c></row>',
                   dimension="A1:B2")
    got = upload(client, far, "远处.xlsx")
    assert got.status_code == 200, got.text
    assert [r["status"] for r in got.json()["returns"]] == ["rejected"]
    good = upload(client, form_return(cat, "ZB09", "示例街道退役军人服务站", "2023年1月",
                                      {"01": (5, 5), "02": (4, 4), "03": (1, 1), "04": (3, 3)}), "退役军人1月.xlsx")
    assert [r["status"] for r in good.json()["returns"]] == ["accepted"]
