"""A hostile inbox the project has never seen (tests/corpus/hostile.py) goes through `statreturns run` as a user runs it.

One real run (a subprocess, Prefect in its own temporary home, an empty configuration file) serves every test:
the run completes, every hostile entry is refused in Chinese without being read, nothing from outside the
inbox gets in, the good returns load, memory stays under 1 GB, no output lets a return's text run, and
every received file gets its receipt.
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import resource
import signal
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pandas as pd
import pytest

from statreturns.warehouse.db import connect
from tests.corpus.hostile import INJECTIONS, SIGNS, HostileInbox, build

PERIOD = "2023-06"
GIB_KB = 1024 * 1024  # ru_maxrss is in KiB on Linux
RUN_BOUND = 900  # seconds: only a hung run (a FIFO opened for reading) ever reaches it
CJK = re.compile(r"[\u4e00-\u9fff]")
NUMBER = re.compile(r"[+-]?\d[\d,]*(\.\d+)?%?")


@dataclass
class Run:
    proc: subprocess.CompletedProcess | None
    hung: str | None
    peak_kb: int
    peak_before_kb: int  # the largest child this pytest process had waited for before the run
    root: Path
    inbox: Path
    warehouse: Path
    out: Path
    env: dict
    corpus: HostileInbox

    @property
    def text(self) -> str:
        return (self.proc.stdout + self.proc.stderr) if self.proc else (self.hung or "")

    def frames(self) -> dict[str, pd.DataFrame]:
        with connect(self.warehouse, read_only=True) as con:
            return {name: con.execute(f"select * from {name}").df()
                    for name in ("submissions", "findings", "figures", "projects")}


def _cli(*args: str, env: dict, cwd: Path, timeout: float = RUN_BOUND) -> subprocess.CompletedProcess:
    """Run ``statreturns <args>`` as a user would; on a hang, stop the whole process group it started."""
    proc = subprocess.Popen([sys.executable, "-m", "statreturns.flows.cli", *args], env=env, cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Run:
    root = tmp_path_factory.mktemp("hostile")
    corpus = build()
    inbox = root / "inbox"
    corpus.write(inbox, root / "outside")
    config = root / "empty.toml"
    config.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STATRETURNS_", "PREFECT_"))}
    env.update(PREFECT_HOME=str(root / "prefect"), STATRETURNS_CONFIG=str(config), CI="1")
    warehouse, out = root / "var" / "statreturns.duckdb", root / "out"
    proc, hung = None, None
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    try:
        proc = _cli("run", "--period", PERIOD, "--inbox", str(inbox), "--warehouse", str(warehouse), "--out", str(out),
                    env=env, cwd=root)
    except subprocess.TimeoutExpired:
        hung = f"`statreturns run` did not finish in {RUN_BOUND} s"
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return Run(proc, hung, peak, before, root, inbox, warehouse, out, env, corpus)


@pytest.fixture(scope="module")
def db(run) -> dict[str, pd.DataFrame]:
    assert run.warehouse.exists(), f"no warehouse after the run:\n{run.text[-3000:]}"
    return run.frames()


def _files(out: Path, suffix: str) -> list[Path]:
    return sorted(p for p in out.rglob(f"*{suffix}") if p.is_file())


def test_the_run_completes_with_exit_0_and_no_traceback(run):
    assert run.hung is None
    assert run.proc.returncode == 0, run.text[-3000:]
    assert "Traceback" not in run.text, run.text[-3000:]


def test_peak_memory_of_the_run_stays_under_1_gb(run):
    assert run.hung is None
    if run.peak_before_kb >= GIB_KB:
        pytest.skip(f"an earlier child of this pytest process already peaked at {run.peak_before_kb // 1024} MiB, "
                    "so the largest child's peak cannot tell this run apart")
    assert run.peak_kb < GIB_KB, f"peak RSS of the run's processes {run.peak_kb / 1024:.0f} MiB"


def test_every_hostile_entry_is_rejected_with_a_chinese_reason(run, db):
    subs, findings = db["submissions"], db["findings"]
    errors = findings[findings["severity"] == "error"]
    wrong = {}
    for e in run.corpus.entries:
        statuses = sorted(set(subs.loc[subs["file_name"] == e.name, "status"]))
        reasons = errors.loc[errors["file_name"] == e.name, "message"].tolist()
        rules = set(errors.loc[errors["file_name"] == e.name, "rule"])
        if e.expect == "rejected":
            ok = statuses == ["rejected"] and any(CJK.search(m) for m in reasons) and (e.rule is None or e.rule in rules)
        elif e.expect == "either":
            ok = statuses == ["accepted"] or (statuses == ["rejected"] and any(CJK.search(m) for m in reasons))
        else:
            continue
        if not ok:
            wrong[repr(e.name)[:60]] = (e.what, statuses, reasons[:2])
    assert wrong == {}


def test_a_project_without_a_status_is_refused_in_words_not_as_nan(run, db):
    findings = db["findings"]
    e = next(e for e in run.corpus.entries if e.rule == "project_status")
    mine = findings[(findings["file_name"] == e.name) & (findings["rule"] == "project_status")]
    assert len(mine) == 1
    message = mine["message"].iloc[0]
    assert ("空白" in message or "未填" in message) and not re.search(r"(?i:nan)|None", message), message


def test_nothing_outside_the_inbox_is_read(run, db):
    passwd = Path("/etc/passwd").read_bytes()
    outside = run.corpus.outside
    shas = {hashlib.sha256(passwd).hexdigest(), hashlib.sha256(outside).hexdigest()}
    assert shas & set(db["submissions"]["sha256"].dropna()) == set()
    archived = [p for p in (run.warehouse.parent / "archive").rglob("*") if p.is_file()]
    assert [p.name for p in archived if p.read_bytes() in (passwd, outside) or passwd[:64] in p.read_bytes()] == []
    first_line = passwd.split(b"\n", 1)[0].decode(errors="replace")
    quoted = [m for col in ("message", "value_found") for m in db["findings"][col].dropna() if first_line in m]
    quoted += [t for t in db["figures"]["text_value"].dropna() if first_line in t]
    assert quoted == []
    org, form = run.corpus.outside_key
    figures = db["figures"]
    assert figures[(figures["org_code"] == org) & (figures["form_code"] == form)].empty


def test_the_good_returns_are_loaded_with_their_figures(run, db):
    subs, figures = db["submissions"], db["figures"]
    accepted = set(subs.loc[subs["status"] == "accepted", "file_name"])
    either = {e.name for e in run.corpus.entries if e.expect == "either"}
    wrong = {}
    for (org, form, code), want in run.corpus.figures.items():
        source = run.corpus.sources[(org, form)]
        if source in either and source not in accepted:
            continue
        row = figures[(figures["org_code"] == org) & (figures["form_code"] == form) & (figures["indicator_code"] == code)
                      & (figures["period"].astype(str).str[:10] == "2023-06-01")]
        got = None if row.empty else tuple(None if pd.isna(v) else v for v in row.iloc[0][
            ["month_value", "ytd_value", "prior_ytd_value", "text_value"]])
        expected = (want.month, want.ytd, want.prior, want.text)
        if got is None or any((a is None) != (b is None) or (a is not None and (
                a != b if isinstance(a, str) else abs(float(a) - float(b)) > 1e-6)) for a, b in zip(expected, got)):
            wrong[(repr(source)[:40], form, code)] = (expected, got)
    assert wrong == {}
    projects = db["projects"]
    for org, listed in run.corpus.projects.items():
        got = sorted(zip(projects.loc[projects["org_code"] == org, "project_name"],
                         projects.loc[projects["org_code"] == org, "status"]))
        assert got == sorted((p.name, p.status) for p in listed)


def _xlsx_cells(path: Path):
    book = openpyxl.load_workbook(path)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    yield ws.title, cell


def test_no_xlsx_output_holds_a_returns_text_as_a_live_formula(run):
    files = _files(run.out, ".xlsx")
    assert files, "no xlsx output"
    live, seen = [], False
    for path in files:
        for sheet, cell in _xlsx_cells(path):
            text = cell.value if isinstance(cell.value, str) else getattr(cell.value, "text", str(cell.value))
            if cell.data_type == "f" and any(s in text for s in SIGNS):
                live.append((str(path.relative_to(run.out)), sheet, cell.coordinate, text))
            seen |= cell.data_type != "f" and isinstance(cell.value, str) and INJECTIONS[0] in cell.value
    assert live == []
    assert seen, "no xlsx output carries the injected project name at all (as text)"


def test_no_csv_field_from_a_return_starts_a_formula(run):
    files = _files(run.out, ".csv")
    assert files, "no csv output"
    bad, seen = [], False
    for path in files:
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))):
            for field in row:
                seen |= 'HYPERLINK("http://x"' in field
                runs = field[:1] in ("=", "@") or (field[:1] in ("+", "-") and not NUMBER.fullmatch(field))
                if runs or field.strip() in INJECTIONS:
                    bad.append((str(path.relative_to(run.out)), field))
    assert bad == []
    assert seen, "no csv output carries the injected project name at all"


def test_no_markdown_output_passes_raw_script(run):
    files = _files(run.out, ".md")
    assert files, "no md output"
    raw = re.compile(r"(?<!\\)<script", re.I)  # "\<script" is Markdown's escaped, literal "<"
    assert [str(p.relative_to(run.out)) for p in files if raw.search(p.read_text(encoding="utf-8"))] == []
    assert any("script" in p.read_text(encoding="utf-8") for p in files), "no md output carries the text item at all"


def test_every_docx_output_is_well_formed_and_carries_no_field_from_a_return(run):
    bad = []
    for path in _files(run.out, ".docx"):
        with zipfile.ZipFile(path) as z:
            xml = z.read("word/document.xml").decode("utf-8")
        ElementTree.fromstring(xml)
        for m in re.finditer(r"<w:instrText[^>]*>([^<]*)<|w:instr=\"([^\"]*)\"", xml):
            if any(s in (m.group(1) or m.group(2) or "") for s in SIGNS):
                bad.append((str(path.relative_to(run.out)), m.group(0)))
    assert bad == []


def test_every_received_file_gets_its_receipt(run, db):
    receipts = [p for p in _files(run.out, ".xlsx") if "feedback" in p.relative_to(run.out).parts]
    for p in receipts:
        openpyxl.load_workbook(p, read_only=True).close()
    received = db["submissions"]["file_name"].nunique()
    assert (len(receipts), received) == (len(run.corpus.entries), len(run.corpus.entries))


def test_verify_holds_after_the_run(run):
    assert run.hung is None
    helped = _cli("verify", "--help", env=run.env, cwd=run.root, timeout=120)
    if helped.returncode != 0:
        pytest.skip(f"`statreturns verify` is not available yet: {helped.stderr.strip()[-300:]}")
    checked = _cli("verify", "--warehouse", str(run.warehouse), env=run.env, cwd=run.root, timeout=300)
    assert checked.returncode == 0, (checked.stdout + checked.stderr)[-3000:]
