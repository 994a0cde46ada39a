"""The inbox is a boundary: links, folders named like returns and pipes are never opened, and each is on record."""
from __future__ import annotations

import datetime as dt
import os

import duckdb
import pandas as pd

from statreturns.intake.inbox import archive_path, discover
from statreturns.schemas.records import RecordModel, _validated
from tests.conftest import REPORTER, ingest_into, put, zb01


def test_links_folders_and_pipes_are_refused_unopened_and_on_record(tmp_path, cat):
    inbox = tmp_path / "inbox"
    good = put(inbox / "2023-06" / "财政6月.xlsx", zb01(REPORTER, "2023年6月", (10, 20), (100, 200), (90, 180)),
               dt.datetime(2023, 7, 5))
    outside = tmp_path / "outside.xlsx"
    outside.write_bytes(zb01(REPORTER, "2023年5月", (10, 20), (90, 180), (80, 170)))  # a return, but not the inbox's
    (inbox / "2023-06" / "链接.xlsx").symlink_to("/etc/passwd")
    (inbox / "2023-06" / "外部.xlsx").symlink_to(outside)
    (inbox / "2023-06" / "目录.xlsx").mkdir()
    put(inbox / "2023-06" / "目录.xlsx" / "里面.xlsx", good.read_bytes(), dt.datetime(2023, 7, 5))
    os.mkfifo(inbox / "2023-06" / "管道.xlsx")
    found = {e.file_name: e.refused for e in discover(inbox)}
    assert found["财政6月.xlsx"] is None and set(found) == {"财政6月.xlsx", "链接.xlsx", "外部.xlsx", "目录.xlsx", "管道.xlsx"}

    result = ingest_into(tmp_path / "w.duckdb", inbox, cat)
    status = dict(zip(result.submissions["file_name"], result.submissions["status"]))
    assert status == {"财政6月.xlsx": "accepted", "链接.xlsx": "rejected", "外部.xlsx": "rejected",
                      "目录.xlsx": "rejected", "管道.xlsx": "rejected"}
    refused = result.findings[result.findings["rule"] == "file_refused"].set_index("file_name")["message"]
    assert "链接文件" in refused["链接.xlsx"] and "文件夹" in refused["目录.xlsx"] and "管道" in refused["管道.xlsx"]
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        kept = con.execute("select count(*) from submissions where archive_path is not null").fetchone()[0]
    assert kept == 1  # only the return itself: nothing from outside the inbox was copied
    archived = [p for p in (tmp_path / "archive").rglob("*") if p.is_file()]
    assert [p.read_bytes() for p in archived] == [good.read_bytes()]

    again = ingest_into(tmp_path / "w.duckdb", inbox, cat)
    assert again.submissions.empty and again.skipped == 5  # on record once; not refused again every run


def test_an_archived_name_keeps_only_a_plain_extension(tmp_path):
    sha = "ab" * 32
    assert archive_path(tmp_path, sha, "报表.XLSX") == tmp_path / "ab" / f"{sha}.xlsx"
    assert archive_path(tmp_path, sha, "x." + "扩" * 200) == tmp_path / "ab" / sha
    assert archive_path(tmp_path, sha, "无扩展名") == tmp_path / "ab" / sha


def test_a_record_that_cannot_be_stored_as_read_is_refused_naming_its_cell(cat):
    row = {"sha256": "s", "sheet": "Sheet1", "file_name": "财政.xlsx", "org_code": "110199001", "form_code": "ZB01",
           "period": pd.Timestamp("2023-06-01"), "indicator_code": "01", "measure": "ytd", "value": 5.0, "text_value": None,
           "raw": "5", "cell": "E5", "unit_found": None, "factor": 1.0, "computed": False}
    frame = pd.DataFrame([row, {**row, "measure": "weekly", "cell": "F5"}, {**row, "value": -1.0, "cell": "E6"}])
    kept, found = _validated(RecordModel, frame, cat)
    assert {(f["rule"], f["cell"]) for f in found} == {("record_invalid", "F5"), ("negative", "E6")}
    assert list(kept["cell"]) == ["E5", "E6"]  # a negative figure is kept (its return is refused), the unreadable row is not
