"""催报: who reported for a period, who was sent back and why, who was late and who sent nothing."""
from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from statreturns.flows.cli import main
from statreturns.warehouse.store import Warehouse
from statreturns.reports.status import deadline, period_status, short_text, table_text
from tests.conftest import ingest_into, form_return, put, zb01
from statreturns.intake.inbox import discover

JUNE = dt.date(2023, 6, 1)


def july(day: int) -> dt.datetime:
    return dt.datetime(2023, 7, day, 9, 0)


@pytest.fixture(scope="module")
def db(tmp_path_factory, cat):
    root = tmp_path_factory.mktemp("status")
    inbox = root / "inbox" / "2023-06"
    put(inbox / "示例财政.xlsx", zb01("示例街道财政所", "2023年6月", (10, 20), (60, 120), (50, 100)), july(5))
    zb02 = {"01": (10, 60, 50), "02": (10, 60, 50), "03": (10, 60, 50)}
    put(inbox / "示例经发.xlsx", form_return(cat, "ZB02", "示例街道经济发展办公室", "2023年6月", zb02), july(9))
    # 本年累计 under 本月: rejected, and never sent again
    put(inbox / "东关财政.xlsx", zb01("东关街道财政所", "2023年6月", (70, 20), (60, 120), (50, 100)), july(4))
    # rejected, then corrected in time
    put(inbox / "西城财政.xlsx", zb01("西城镇财政所", "2023年6月", (70, 20), (60, 120), (50, 100)), july(3))
    put(inbox / "西城财政（修改）.xlsx", zb01("西城镇财政所", "2023年6月", (10, 20), (60, 120), (50, 100)), july(4))
    put(inbox / "南山财政.xlsx", zb01("南山街道财政所", "2023年6月", (10, 20), (60, 120), (50, 100)), july(5))
    path = root / "w.duckdb"
    ingest_into(path, root / "inbox", cat, JUNE, archive=root / "archive")
    return path


def state(status, org: str | None, form: str) -> dict:
    """The org × form's row; with no org, the row of a rejected file that names no registered org."""
    table = status.table[status.table["in_grid"] == (org is not None)]
    mine = table["org_code"].isna() if org is None else table["org_code"] == org
    (row,) = table[mine & (table["form_code"] == form)].to_dict("records")
    return row


def test_each_org_and_form_is_accepted_late_rejected_or_missing(db, cat):
    status = period_status(Warehouse.at(db), cat, JUNE)
    assert len(status.grid) == len(cat.orgs) * len(cat.forms)
    assert state(status, "110199001", "ZB01")["status"] == "accepted"
    late = state(status, "110199001", "ZB02")
    assert (late["status"], late["status_label"], late["file_name"]) == ("late", "迟报", "示例经发.xlsx")
    assert "2023-07-09" in late["reason"] and "2023-07-05" in late["reason"]
    rejected = state(status, "110199002", "ZB01")
    assert (rejected["status"], rejected["file_name"]) == ("rejected", "东关财政.xlsx")
    assert "E5单元格" in rejected["reason"] and "本年累计（60）小于本月（70）" in rejected["reason"]
    assert state(status, "110199101", "ZB01")["status"] == "accepted"
    missing = state(status, "110199002", "ZB11")
    assert (missing["status"], missing["status_label"], missing["department"]) == ("missing", "缺报", "应急管理办公室")


def test_a_rejected_file_of_no_registered_org_is_listed_as_rejected(db, cat):
    stray = state(period_status(Warehouse.at(db), cat, JUNE), None, "ZB01")
    assert (stray["status"], stray["file_name"], stray["org_name"]) == ("rejected", "南山财政.xlsx", "（未识别）")
    assert "南山街道财政所" in stray["reason"]


def test_every_rejected_file_is_listed_as_rejected_and_one_corrected_later_as_resolved(db, cat):
    status = period_status(Warehouse.at(db), cat, JUNE)
    rejected = status.table[status.table["status"] == "rejected"]
    assert dict(zip(rejected["file_name"], rejected["resolved"])) == {
        "东关财政.xlsx": False, "西城财政.xlsx": True, "南山财政.xlsx": False}
    assert list(status.stray["file_name"]) == ["南山财政.xlsx"]
    assert "本年累计（60）小于本月（70）" in status.resolved["reason"].iloc[0]
    assert set(status.chase["file_name"].dropna()) == {"示例经发.xlsx", "东关财政.xlsx", "南山财政.xlsx"}


def test_the_due_day_decides_what_is_late(db, cat):
    assert state(period_status(Warehouse.at(db), cat, JUNE, due_day=10), "110199001", "ZB02")["status"] == "accepted"
    assert deadline(JUNE, 5) == dt.datetime(2023, 7, 6)  # the 5th, to its end
    assert deadline(dt.date(2023, 12, 1)) == dt.datetime(2024, 1, 6)
    assert deadline(dt.date(2024, 1, 1), 31) == dt.datetime(2024, 3, 1)
    # the 5th at 8:00: the 9:00 return of the 5th is late, and says by how much
    late = state(period_status(Warehouse.at(db), cat, JUNE, due_day=5, due_hour=8), "110199001", "ZB01")
    assert late["status"] == "late" and late["reason"] == "2023-07-05 09:00报送，晚于截止日2023-07-05 08:00"
    assert state(period_status(Warehouse.at(db), cat, JUNE), "110199001", "ZB01")["status"] == "accepted"


def test_counts_per_org_and_per_department(db, cat):
    status = period_status(Warehouse.at(db), cat, JUNE)
    by_org = status.counts("org_name").set_index("org_name")
    n = len(cat.forms)
    assert by_org.loc["示例街道"].tolist() == [1, 1, 0, n - 2, n]
    assert by_org.loc["东关街道"].tolist() == [0, 0, 1, n - 1, n]
    by_dept = status.counts("department").set_index("department")
    assert by_dept.loc["财政所"].tolist() == [2, 0, 1, 0, 3]


def test_the_short_version_names_who_to_chase(db, cat):
    lines = short_text(period_status(Warehouse.at(db), cat, JUNE), limit=3)
    assert lines[0] == ("2023年6月报送情况（截止 2023-07-05）：应报 36 张：已受理 2、迟报 1、退回 1、缺报 32；"
                        "另有无法归属单位或报表的退回文件 1 个；退回但该表已有受理报表的文件 1 个")
    assert lines[1].startswith("  缺报：")
    assert lines[-1].startswith("  ……另有")
    text = "\n".join(table_text(period_status(Warehouse.at(db), cat, JUNE)))
    assert "退回：东关街道财政所 ZB01表财政收入月报表（东关财政.xlsx）；" in text and "缺报：东关街道应急管理办公室 ZB11表" in text
    assert "退回：《南山财政.xlsx》（ZB01表财政收入月报表，填报单位未能识别）" in text
    assert "退回、但该单位该表已有受理报表的文件：\n  退回：西城镇财政所 ZB01表财政收入月报表（西城财政.xlsx）；" in text


@pytest.fixture
def cli(db, tmp_path, monkeypatch):
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("STATRETURNS_CONFIG", str(tmp_path / "none.toml"))
    return lambda *args: main(["status", "--period", "2023-06", *args, "--warehouse", str(db), "--out", str(tmp_path / "out")])


def test_the_status_command_as_csv(cli, capsys):
    assert cli("--format", "csv") == 0
    listed = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    by_key = {(r["org_code"], r["form_code"]): r for r in listed if r["in_grid"] == "true"}
    assert by_key[("110199002", "ZB11")]["status"] == "missing"
    assert by_key[("110199002", "ZB01")]["status"] == "rejected"
    by_file = {r["file_name"]: r["status"] for r in listed if r["file_name"]}
    assert by_file["南山财政.xlsx"] == by_file["西城财政.xlsx"] == "rejected"
    assert by_file["西城财政（修改）.xlsx"] == "accepted"


def test_the_status_command_writes_the_chase_list(cli, capsys, tmp_path):
    assert cli("--format", "xlsx") == 0
    assert "催报单" in capsys.readouterr().out
    book = openpyxl.load_workbook(tmp_path / "out" / "2023-06" / "催报单.xlsx")
    assert book.sheetnames == ["催报单", "报送情况", "按单位", "按部门", "明细"]
    chase = [row for row in book["催报单"].iter_rows(min_row=5, values_only=True)]
    assert ("东关街道", "应急管理办公室", "ZB11", "安全生产和应急管理月报表", "缺报", "请尽快报送") in [r[:6] for r in chase]
    assert any(r[1] == "财政所" and r[4] == "退回" and "修改后重新报送" in r[5] for r in chase)
    assert cli() == 0
    assert "按部门：" in capsys.readouterr().out
