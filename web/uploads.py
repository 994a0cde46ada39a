"""A return received through the portal: kept in the inbox under a name we make, checked to be the sender's own,
loaded by the warehouse's single writer like any run, and answered at once with its 审核结果.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from statreturns.intake.inbox import discover
from statreturns.intake.workers import kept_pool
from statreturns.reports.feedback import owed, settle, write_feedback
from statreturns.reports.received import received_returns
from statreturns.schemas.catalogue import Catalogue
from statreturns.schemas.states import SUBMISSION_VERDICTS
from statreturns.warehouse.audit_log import log_action
from statreturns.warehouse.db import query
from statreturns.warehouse.load import ingest
from statreturns.warehouse.lock import WarehouseBusy
from statreturns.warehouse.store import Warehouse
from statreturns.web.accounts import Account

SEVERITY_LABELS = {"error": "错误", "warning": "提醒"}
_UNSAFE = re.compile(r"[^\w\-.()（）]+")  # \w is Unicode: Chinese names stay as they are
_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,8}$")


@dataclass(frozen=True)
class Limits:
    """What one request may bring, and how long an upload waits while a run holds the warehouse."""

    max_file_bytes: int = 20 * 1024 * 1024
    max_files: int = 20
    wait: float = 120.0

    @property
    def max_request_bytes(self) -> int:
        return self.max_files * self.max_file_bytes + 1024 * 1024  # the files, and the form's other fields


class Refused(Exception):
    """The sender may not submit this file (another org's return); nothing was kept."""


@dataclass(frozen=True)
class ReturnResult:
    """One return of a file as its sender reads it: what it is, what became of it, and each finding."""

    sheet: str | None
    org_code: str | None
    org_name: str | None
    form_code: str | None
    form_title: str | None
    period: dt.date | None
    status: str
    findings: list[dict] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return SUBMISSION_VERDICTS.get(self.status, self.status)

    @property
    def reason(self) -> str:
        errors = [f["message"] for f in self.findings if f["severity"] == "error"]
        return errors[0] if errors else ""

    def as_json(self) -> dict:
        return {"sheet": self.sheet, "org_code": self.org_code, "org_name": self.org_name, "form_code": self.form_code,
                "form_title": self.form_title, "period": f"{self.period:%Y-%m}" if self.period else None,
                "status": self.status, "status_label": self.status_label, "reason": self.reason,
                "findings": self.findings}


@dataclass(frozen=True)
class FileResult:
    """A file's 审核结果: its returns (only those the reader may see) and whether it repeated an earlier file."""

    file_name: str
    sha256: str
    returns: list[ReturnResult]
    received_at: dt.datetime | None = None
    original_name: str | None = None
    duplicate_of: str | None = None

    def as_json(self) -> dict:
        return {"file_name": self.file_name, "original_name": self.original_name, "sha256": self.sha256,
                "duplicate_of": self.duplicate_of, "receipt": f"/api/returns/{self.sha256}/receipt",
                "returns": [r.as_json() for r in self.returns]}


def safe_name(client_name: str | None) -> str:
    """The last part of what the client called the file, with only letters, digits, Chinese and ``-_.()``."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", client_name or ""))[-1]
    stem, dot, suffix = base.rpartition(".")
    if not dot or not _SUFFIX.match("." + suffix):
        stem, suffix = base, ""
    stem = _UNSAFE.sub("_", stem).strip("._-~$ ")[:60] or "报表"
    return stem + ("." + suffix.lower() if suffix else "")


def save(inbox: Path, period: dt.date, client_name: str | None, data: bytes, now: dt.datetime) -> Path:
    """Write the bytes as ``inbox/<YYYY-MM>/<YYYYmmdd-HHMMSS>-<safe name>``, never over an existing file."""
    folder = (inbox / f"{period:%Y-%m}").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    name = safe_name(client_name)
    for n in range(1, 1000):
        stem, dot, suffix = name.rpartition(".") if "." in name else (name, "", "")
        candidate = folder / f"{now:%Y%m%d-%H%M%S}-{stem}{'-' + str(n) if n > 1 else ''}{dot}{suffix}"
        if candidate.parent != folder:  # cannot happen with a safe name; a guard all the same
            raise ValueError(f"unsafe upload name {client_name!r}")
        try:
            with open(candidate, "xb") as f:
                f.write(data)
            return candidate
        except FileExistsError:
            continue
    raise FileExistsError(f"too many uploads named {name} at {now:%H:%M:%S}")


def peek(path: Path, cat: Catalogue) -> pd.DataFrame:
    """The returns a file holds (org, form, period), read without the warehouse, in an isolated worker process."""
    (returns,) = kept_pool().map("statreturns.intake.read:peek_returns", [discover(path)], cat)
    return returns


def foreign_return(account: Account, returns: pd.DataFrame, cat: Catalogue) -> str | None:
    """Why ``account`` may not submit these returns (another org's, or another department's form), or None."""
    if account.office:
        return None
    mine = cat.org(account.org_code)
    for r in returns.itertuples(index=False):
        form = cat.forms.get(r.form_code) if isinstance(r.form_code, str) else None
        what = f"{form.code}表{form.title}" if form else "报表"
        if isinstance(r.org_code, str) and r.org_code != account.org_code:
            org = cat.org(r.org_code)
            return (f"文件中的{what}（工作表“{r.sheet}”）是{org.name if org else r.org_code}的报表，"
                    f"您的账号只能报送{mine.name if mine else account.org_code}的报表")
        if account.department and form and form.department != account.department:
            return f"文件中的{what}由{form.department}填报，您的账号只能报送{account.department}的报表"
    return None


def _month_folder(path: Path, returns: pd.DataFrame) -> Path:
    """Move the file into the folder of the month its returns report on, when they name one month."""
    periods = {pd.Timestamp(p).date().replace(day=1) for p in returns["period"].dropna()}
    if len(periods) != 1:
        return path
    folder = path.parent.parent / f"{periods.pop():%Y-%m}"
    if folder == path.parent:
        return path
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if target.exists():
        return path
    moved = path.rename(target)
    try:
        path.parent.rmdir()  # the folder of the month first thought of, when this file was all it held
    except OSError:
        pass
    return moved


def receive_upload(wh: Warehouse, cat: Catalogue, inbox: Path, out: Path, account: Account, client_name: str | None,
                   data: bytes, period: dt.date, run_period: dt.date | None, wait: float,
                   now: dt.datetime | None = None) -> FileResult:
    """Keep, check and load one uploaded file, and write its 回执; its result as the sender may see it.

    Raises ``Refused`` (another org's return) or ``WarehouseBusy`` (a run held the warehouse longer than ``wait``
    seconds); either way the file is not kept.
    """
    now = now or dt.datetime.now()
    sha = hashlib.sha256(data).hexdigest()  # as intake fingerprints the file
    path = save(inbox, period, client_name, data, now)
    loaded = False
    try:
        returns = peek(path, cat)
        why = foreign_return(account, returns, cat)
        if why:
            path.unlink()
            with wh.writer(timeout=wait) as con:  # the attempt is on record; the file is not kept
                log_action(con, account.who, "upload_refused", safe_name(client_name), sha256=sha,
                           detail=f"原文件名：{client_name or ''}；{why}")
            raise Refused(f"{why}；文件《{safe_name(client_name)}》未保存")
        path = _month_folder(path, returns)
        with wh.writer(timeout=wait) as con:
            result = ingest(con, [path], cat, wh.archive, run_period)
            loaded = True
            subs = result.submissions
            statuses = "、".join(f"{SUBMISSION_VERDICTS.get(s, s)} {n}" for s, n in subs["status"].value_counts().items())
            log_action(con, account.who, "upload", path.name, sha256=sha,
                       detail=f"原文件名：{client_name or ''}；{statuses}")
    except BaseException:
        if not loaded:  # once loaded, the file is the warehouse's record of what was received
            path.unlink(missing_ok=True)
        raise
    write_receipt(wh, cat, out, sha)
    duplicate = subs[subs["status"] == "duplicate"]
    found = file_result(wh, cat, sha, account)
    return FileResult(path.name, sha, found.returns if found else [], now, client_name,
                      duplicate_of=found.file_name if len(duplicate) and found else None)


def write_receipt(wh: Warehouse, cat: Catalogue, out: Path, sha: str) -> list[Path]:
    """The file's 回执 in the month's feedback folder, as a run writes it; then nothing more is owed for it."""
    lots = owed(wh, [sha])  # read before the findings the 回执 is written from
    written = write_feedback(wh, cat, out, shas=[sha])
    try:
        # the next publish carries this; until then a run may write the same receipt again, which changes nothing
        for lot in lots:
            settle(wh, lot, timeout=0)
    except WarehouseBusy:
        pass  # a run has just started: it writes every receipt still owed
    return written


def uploaded_by(wh: Warehouse, account: Account) -> pd.DataFrame:
    """The files this account uploaded through the portal, newest first (from the audit log)."""
    with wh.reader() as con:
        return query(con, "portal_uploads", who=account.who)


def may_see(account: Account, org_code: object, uploaded: bool) -> bool:
    """Office accounts see every return; a reporter their org's, and what they sent that names no org."""
    if account.office:
        return True
    if isinstance(org_code, str):
        return org_code == account.org_code
    return uploaded


def file_result(wh: Warehouse, cat: Catalogue, sha: str, account: Account) -> FileResult | None:
    """A received file's returns and findings as ``account`` may see them; None when it may see none."""
    if not wh.exists:
        return None
    with wh.reader() as con:
        subs = received_returns(con, shas=[sha])
        findings = query(con, "findings_of", shas=[sha])
        uploaded = bool((query(con, "portal_uploads", who=account.who)["sha256"] == sha).any())
    if subs.empty:
        return None
    shown = [r for r in subs.itertuples(index=False) if may_see(account, r.org_code, uploaded)]
    if not shown:
        return None
    first = subs.iloc[0]
    return FileResult(first["file_name"], sha, [_return(r, findings, cat) for r in shown],
                      pd.Timestamp(first["received_at"]).to_pydatetime())


def _return(r, findings: pd.DataFrame, cat: Catalogue) -> ReturnResult:
    mine = findings[findings["sheet"].isna() | (findings["sheet"] == r.sheet)] if isinstance(r.sheet, str) else findings
    form = cat.forms.get(r.form_code) if isinstance(r.form_code, str) else None
    return ReturnResult(
        sheet=r.sheet if isinstance(r.sheet, str) else None,
        org_code=r.org_code if isinstance(r.org_code, str) else None,
        org_name=r.org_name if isinstance(r.org_name, str) else None,
        form_code=form.code if form else None, form_title=form.title if form else None,
        period=pd.Timestamp(r.period).date() if pd.notna(r.period) else None,
        status=r.status, findings=[finding(f, cat) for f in mine.itertuples(index=False)])


def _text(v: object) -> str | None:
    return None if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA else str(v)


def finding(f, cat: Catalogue) -> dict:
    """One finding as the clerk reads it: where, what was found, which rule, and how to fix it."""
    rule = cat.rules.get(f.rule)
    form = cat.forms.get(f.form_code) if isinstance(f.form_code, str) else None
    names = {i.code: i.name for i in form.indicators} if form else {}
    explained = bool(f.explained) if _text(f.explained) is not None else False
    return {
        "severity": f.severity, "severity_label": SEVERITY_LABELS.get(f.severity, f.severity),
        "rule": f.rule, "rule_name": rule.name if rule else f.rule,
        "sheet": _text(f.sheet), "cell": _text(f.cell),
        "indicator_code": _text(f.indicator_code), "indicator_name": names.get(f.indicator_code),
        "value_found": _text(f.value_found), "expected": _text(f.expected),
        "message": f.message, "how_to_fix": rule.how_to_fix if rule else "",
        "explained": explained, "explanation": _text(f.explanation),
    }
