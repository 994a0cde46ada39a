"""Portal accounts as the office manages them with ``statreturns users``: kept beside the warehouse, passwords only as
scrypt hashes, every change in the audit log; sign-ins throttled after repeated failures."""
from __future__ import annotations

import io
import sqlite3
import stat

import pytest

from statreturns.flows.cli import main
from statreturns.warehouse.store import Warehouse
from statreturns.web.accounts import THROTTLE_WINDOW, Accounts, LoginRefused, accounts_path


@pytest.fixture
def users(tmp_path, monkeypatch, capsys):
    """``statreturns users …`` on a warehouse under tmp_path, with ``stdin`` as typed; (exit code, stdout, stderr)."""
    db = tmp_path / "var" / "statreturns.duckdb"

    def run(*args: str, stdin: str = ""):
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(["users", *args, "--warehouse", str(db)])
        out, err = capsys.readouterr()
        return code, out, err

    run.db = db
    return run


def test_accounts_are_added_listed_and_kept_beside_the_warehouse_as_scrypt_hashes_only(users):
    assert users("add", "统计局", "--role", "office", stdin="office-password-1\n")[0] == 0
    code, out, _ = users("add", "shili", "--role", "reporter", "--org", "110199001", "--department", "财政办",
                         stdin="reporter-password-1\n")
    assert code == 0 and "单位 110199001，部门 财政所" in out
    code, out, _ = users("list")
    assert out.splitlines()[1:] == ["统计局\t统计局\t全区\t\t正常\t从未", "shili\t填报员\t110199001 示例街道\t财政所\t正常\t从未"]
    path = accounts_path(users.db)
    assert path == users.db.parent / "statreturns.accounts.sqlite"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with sqlite3.connect(path) as con:
        stored = [p for (p,) in con.execute("select password from accounts")]
    assert all(p.startswith("scrypt$16384$8$1$") for p in stored)
    assert b"reporter-password-1" not in path.read_bytes()
    assert Accounts(path).sign_in("shili", "reporter-password-1", "test").org_code == "110199001"


@pytest.mark.parametrize("args, stdin, says", [
    (("add", "x", "--role", "reporter", "--org", "999999999"), "long-enough-1\n", "不在单位名册中"),
    (("add", "x", "--role", "reporter"), "long-enough-1\n", "须用 --org"),
    (("add", "x", "--role", "office", "--org", "110199001"), "long-enough-1\n", "不属于某个单位"),
    (("add", "x", "--role", "reporter", "--org", "110199001"), "short\n", "至少 8 个字符"),
    (("add", "x", "--role", "reporter", "--org", "110199001"), "", "没有从标准输入读到密码"),
    (("add", "x y", "--role", "office"), "long-enough-1\n", "不可用"),
    (("add", "x", "--role", "reporter", "--org", "110199001", "--department", "宣传部"), "long-enough-1\n", "不在报表制度中"),
    (("disable", "nobody"), "", "没有账号“nobody”"),
])
def test_an_account_that_cannot_be_made_or_changed_is_refused_in_chinese(users, args, stdin, says):
    code, _, err = users(*args, stdin=stdin)
    assert code == 2 and says in err
    assert "x" not in " ".join(users("list")[1].split())


def test_disable_enable_and_a_new_password_and_each_in_the_audit_log(users):
    users("add", "shili", "--role", "reporter", "--org", "110199001", stdin="reporter-password-1\n")
    accounts = Accounts(accounts_path(users.db))
    token, _ = accounts.open_session(accounts.get("shili"))
    assert users("disable", "shili")[0] == 0
    assert accounts.session(token) is None  # signed out at once
    with pytest.raises(LoginRefused, match="已停用"):
        accounts.sign_in("shili", "reporter-password-1", "test")
    assert users("enable", "shili")[0] == 0
    assert users("passwd", "shili", stdin="another-password-2\n")[0] == 0
    with pytest.raises(LoginRefused, match="账号或密码不对"):
        accounts.sign_in("shili", "reporter-password-1", "test")
    assert accounts.sign_in("shili", "another-password-2", "test").name == "shili"
    assert users("add", "shili", "--role", "office", stdin="office-password-1\n")[2].count("已存在") == 1
    with Warehouse.at(users.db).reader() as con:
        log = con.execute("select who, action, what, detail from audit_log order by logged_at").fetchall()
    assert [(a, w) for _, a, w, _ in log] == [("user_add", "shili"), ("user_disable", "shili"), ("user_enable", "shili"),
                                            ("user_passwd", "shili")]
    assert all(who.startswith("命令行") for who, *_ in log)
    assert not any("password" in (d or "") for *_, d in log)


def test_sign_ins_are_throttled_per_account_and_address_then_allowed_again(tmp_path):
    accounts = Accounts(tmp_path / "a.accounts.sqlite")
    accounts.add("shili", "reporter", "reporter-password-1", "110199001")
    t = 1_000_000.0
    for i in range(5):
        with pytest.raises(LoginRefused, match="账号或密码不对"):
            accounts.sign_in("shili", f"guess-{i}", "10.0.0.7", now=t + i)
    with pytest.raises(LoginRefused, match="次数过多"):
        accounts.sign_in("shili", "reporter-password-1", "10.0.0.7", now=t + 10)
    assert accounts.sign_in("shili", "reporter-password-1", "10.0.0.8", now=t + 10).name == "shili"  # another address
    assert accounts.sign_in("shili", "reporter-password-1", "10.0.0.7", now=t + THROTTLE_WINDOW + 1).name == "shili"


def test_one_address_guessing_many_accounts_is_stopped(tmp_path):
    accounts = Accounts(tmp_path / "a.accounts.sqlite")
    accounts.add("shili", "reporter", "reporter-password-1", "110199001")
    for i in range(30):
        with pytest.raises(LoginRefused, match="账号或密码不对"):
            accounts.sign_in(f"user{i}", "guess-password", "10.0.0.9", now=1000.0 + i)
    with pytest.raises(LoginRefused, match="次数过多"):
        accounts.sign_in("shili", "reporter-password-1", "10.0.0.9", now=1100.0)
