"""A report that cannot be written holds up no other: every other org's is written, and the command names the org,
the month and why, in Chinese, with a non-zero exit."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from statreturns.reports import build
from statreturns.reports.build import build_reports, report_orgs
from statreturns.reports.unwritten import ReportsIncomplete
from statreturns.warehouse.store import Warehouse
from tests.conftest import ingest_into, put, zb01

JUNE = dt.date(2023, 6, 1)
BLOCKED = "110199002"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, cat):
    """A warehouse holding 示例街道's June finance return."""
    root = tmp_path_factory.mktemp("unwritten")
    put(root / "inbox" / "财政.xlsx", zb01("示例街道财政所", "2023年6月", (10, 20), (100, 200)), dt.datetime(2023, 7, 5))
    assert ingest_into(root / "w.duckdb", root / "inbox", cat, JUNE, archive=root / "archive").counts == {"accepted": 1}
    return root


def blocked_out(tmp_path: Path) -> Path:
    """An output folder where a file already takes the name of one org's June folder."""
    out = tmp_path / "out"
    (out / "2023-06").mkdir(parents=True)
    (out / "2023-06" / BLOCKED).write_text("不是文件夹", encoding="utf-8")
    return out


@pytest.mark.parametrize("parallel_from", [build.PARALLEL_FROM, 1], ids=["here", "in-workers"])
def test_every_other_report_is_written_and_the_one_left_out_is_named_with_why(loaded, cat, tmp_path, monkeypatch,
                                                                             parallel_from):
    monkeypatch.setattr(build, "PARALLEL_FROM", parallel_from)
    out = blocked_out(tmp_path)
    with pytest.raises(ReportsIncomplete) as raised:
        build_reports(Warehouse.at(loaded / "w.duckdb"), cat, JUNE, report_orgs(cat, None), out)
    (unwritten,) = raised.value.unwritten
    assert (unwritten.period, unwritten.org_code, unwritten.org_name) == (JUNE, BLOCKED, cat.org(BLOCKED).name)
    assert unwritten.reason.startswith("生成时出错（FileExistsError")
    written = {o.code for o in cat.orgs if o.code != BLOCKED} | {"all"}
    assert {f.name for f in raised.value.folders} == written
    for org in written:
        assert (out / "2023-06" / org / "汇总表.xlsx").exists() and (out / "2023-06" / org / "总结初稿.docx").exists()
    assert f"2023-06 {cat.org(BLOCKED).name}（{BLOCKED}）：生成时出错（FileExistsError" in str(raised.value)


def test_the_report_command_exits_5_naming_the_org_and_what_to_do(loaded, cat, tmp_path, capsys, monkeypatch):
    from statreturns.flows.cli import main

    monkeypatch.setenv("STATRETURNS_CONFIG", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    out = blocked_out(tmp_path)
    assert main(["report", "--period", "2023-06", "--warehouse", str(loaded / "w.duckdb"), "--out", str(out)]) == 5
    said = capsys.readouterr().err
    assert f"错误：有 1 份汇总表未能生成（其余 {len(cat.orgs)} 份已生成）" in said
    assert f"2023-06 {cat.org(BLOCKED).name}（{BLOCKED}）：生成时出错（FileExistsError" in said
    assert "statreturns report --period" in said and "Traceback" not in said
    assert (out / "2023-06" / "all" / "汇总表.xlsx").exists()
