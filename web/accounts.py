"""Portal accounts beside the warehouse: who may sign in, as what, for which org; sessions; throttled logins.

Kept in ``<warehouse dir>/<stem>.accounts.sqlite`` (standard library sqlite3), so that every command given the
same ``--warehouse`` sees the same accounts. Passwords are stored only as scrypt hashes with their salt and
parameters; session tokens only as their SHA-256.
"""
from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROLES = {"office": "统计局", "reporter": "填报员"}
# memory-hard: 16 MiB and some 50 ms per check on this class of machine; recorded with each hash so they can rise
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}
MIN_PASSWORD = 8
NAME = re.compile(r"^[\w.\-]{1,40}$")
SESSION_HOURS = 12
# (what is counted, failures allowed within the window); the window is also how long a refusal lasts
THROTTLE_WINDOW = 15 * 60
THROTTLE_LIMITS = {"name": 5, "client": 30}

_TABLES = """
create table if not exists accounts (
    name text primary key, role text not null, org_code text, department text,
    password text not null, disabled integer not null default 0,
    created_at text not null, changed_at text not null, last_login text
);
create table if not exists sessions (
    token_sha256 text primary key, name text not null references accounts(name), csrf text not null,
    expires real not null
);
create table if not exists failures (key text primary key, count integer not null, first_at real not null);
"""


class AccountError(ValueError):
    """An account cannot be made or changed as asked; the message says why, in Chinese."""


class LoginRefused(Exception):
    """A sign-in refused: wrong name or password, a disabled account, or too many failures."""


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    org_code: str | None
    department: str | None
    disabled: bool
    created_at: str
    last_login: str | None

    @property
    def office(self) -> bool:
        return self.role == "office"

    @property
    def who(self) -> str:
        """The account as the audit log names it."""
        return f"网页:{self.name}"


@dataclass(frozen=True)
class Session:
    account: Account
    csrf: str


def accounts_path(warehouse: Path) -> Path:
    """``<warehouse dir>/<stem>.accounts.sqlite``."""
    return warehouse.with_name(f"{warehouse.stem}.accounts.sqlite")


def hash_password(password: str, salt: bytes | None = None, n: int = SCRYPT["n"], r: int = SCRYPT["r"],
                  p: int = SCRYPT["p"]) -> str:
    """``scrypt$n$r$p$salt$hash`` (base64): everything a later check needs but the password."""
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)
    b64 = lambda b: base64.b64encode(b).decode("ascii")  # noqa: E731
    return f"scrypt${n}${r}${p}${b64(salt)}${b64(digest)}"


def password_matches(password: str, stored: str) -> bool:
    scheme, n, r, p, salt, digest = stored.split("$")
    if scheme != "scrypt":
        return False
    again = hash_password(password, base64.b64decode(salt), int(n), int(r), int(p))
    return hmac.compare_digest(again.rsplit("$", 1)[1], digest)


_DUMMY = hash_password(secrets.token_hex(8))  # checked against when no such account, so both answers take as long


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 个字符")
    if password != password.strip():
        raise AccountError("密码的开头和结尾不能是空格")


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


class Accounts:
    """The accounts file: accounts, open sessions and recent sign-in failures."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fresh = not self.path.exists()
        con = sqlite3.connect(self.path, timeout=30)
        try:
            con.execute("pragma journal_mode = wal")
            con.executescript(_TABLES)
        finally:
            con.close()
        if fresh:
            os.chmod(self.path, 0o600)

    @contextlib.contextmanager
    def _con(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.row_factory = sqlite3.Row
        try:
            con.execute("begin immediate")
            yield con
            con.execute("commit")
        except BaseException:
            if con.in_transaction:
                con.execute("rollback")
            raise
        finally:
            con.close()

    # --- accounts

    def add(self, name: str, role: str, password: str, org_code: str | None = None,
            department: str | None = None) -> Account:
        if not NAME.match(name):
            raise AccountError(f"账号名“{name}”不可用：只能用汉字、字母、数字和 . _ -，不超过40个字符")
        if role not in ROLES:
            raise AccountError(f"角色应为 {' 或 '.join(ROLES)}（{'、'.join(f'{k}={v}' for k, v in ROLES.items())}）")
        if role == "reporter" and not org_code:
            raise AccountError("填报员账号须指定所属单位（--org 单位代码）")
        if role == "office" and (org_code or department):
            raise AccountError("统计局账号看全区，不属于某个单位或部门（不要加 --org、--department）")
        check_password_rules(password)
        with self._con() as con:
            if con.execute("select 1 from accounts where name = ?", (name,)).fetchone():
                raise AccountError(f"账号“{name}”已存在")
            con.execute("insert into accounts (name, role, org_code, department, password, created_at, changed_at)"
                        " values (?, ?, ?, ?, ?, ?, ?)",
                        (name, role, org_code, department, hash_password(password), _now(), _now()))
        return self.get(name)

    def get(self, name: str) -> Account | None:
        with self._con() as con:
            row = con.execute("select * from accounts where name = ?", (name,)).fetchone()
        return _account(row) if row else None

    def all(self) -> list[Account]:
        with self._con() as con:
            rows = con.execute("select * from accounts order by role, org_code, name").fetchall()
        return [_account(r) for r in rows]

    def _existing(self, con: sqlite3.Connection, name: str) -> None:
        if not con.execute("select 1 from accounts where name = ?", (name,)).fetchone():
            raise AccountError(f"没有账号“{name}”")

    def set_password(self, name: str, password: str) -> None:
        """A new password; the account's open sessions end."""
        check_password_rules(password)
        with self._con() as con:
            self._existing(con, name)
            con.execute("update accounts set password = ?, changed_at = ? where name = ?",
                        (hash_password(password), _now(), name))
            con.execute("delete from sessions where name = ?", (name,))
            con.execute("delete from failures where key like ?", (f"name:{name}|%",))

    def set_disabled(self, name: str, disabled: bool) -> None:
        """Disable (its open sessions end at once) or enable an account."""
        with self._con() as con:
            self._existing(con, name)
            con.execute("update accounts set disabled = ?, changed_at = ? where name = ?",
                        (int(disabled), _now(), name))
            if disabled:
                con.execute("delete from sessions where name = ?", (name,))

    # --- signing in

    def sign_in(self, name: str, password: str, client: str, now: float | None = None) -> Account:
        """The account when the name and password are right; refused (and counted) otherwise, and while throttled."""
        now = time.time() if now is None else now
        keys = {"name": f"name:{name}|{client}", "client": f"client:{client}"}
        with self._con() as con:
            for kind, key in keys.items():
                row = con.execute("select count, first_at from failures where key = ?", (key,)).fetchone()
                if row and now - row["first_at"] < THROTTLE_WINDOW and row["count"] >= THROTTLE_LIMITS[kind]:
                    minutes = max(1, round((THROTTLE_WINDOW - (now - row["first_at"])) / 60))
                    raise LoginRefused(f"登录失败次数过多，请 {minutes} 分钟后再试")
            row = con.execute("select * from accounts where name = ?", (name,)).fetchone()
        good = password_matches(password, row["password"] if row else _DUMMY) and row is not None
        with self._con() as con:
            if not good:
                for key in keys.values():
                    con.execute("insert into failures values (?, 1, ?) on conflict (key) do update set "
                                "count = case when ? - first_at < ? then count + 1 else 1 end, "
                                "first_at = case when ? - first_at < ? then first_at else ? end",
                                (key, now, now, THROTTLE_WINDOW, now, THROTTLE_WINDOW, now))
            elif not row["disabled"]:
                con.execute("delete from failures where key = ?", (keys["name"],))
                con.execute("update accounts set last_login = ? where name = ?", (_now(), name))
        if not good:
            raise LoginRefused("账号或密码不对")
        if row["disabled"]:
            raise LoginRefused("该账号已停用，请与统计局联系")
        return _account(row)

    def open_session(self, account: Account) -> tuple[str, str]:
        """A new session: (the token for the cookie, the CSRF token for its forms)."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self._con() as con:
            con.execute("delete from sessions where expires < ?", (time.time(),))
            con.execute("insert into sessions values (?, ?, ?, ?)",
                        (_sha(token), account.name, csrf, time.time() + SESSION_HOURS * 3600))
        return token, csrf

    def session(self, token: str | None) -> Session | None:
        """The live session of a cookie's token: an enabled account's, not expired."""
        if not token:
            return None
        with self._con() as con:
            row = con.execute("select a.*, s.csrf from sessions s join accounts a using (name) "
                              "where s.token_sha256 = ? and s.expires > ? and not a.disabled",
                              (_sha(token), time.time())).fetchone()
        return Session(_account(row), row["csrf"]) if row else None

    def close_session(self, token: str | None) -> None:
        if token:
            with self._con() as con:
                con.execute("delete from sessions where token_sha256 = ?", (_sha(token),))


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _account(row: sqlite3.Row) -> Account:
    return Account(row["name"], row["role"], row["org_code"], row["department"], bool(row["disabled"]),
                   row["created_at"], row["last_login"])
