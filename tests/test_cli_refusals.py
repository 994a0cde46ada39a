"""Every command refuses what it cannot do in Chinese, with a non-zero exit, never a traceback, nothing written outside
--out."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from statreturns.flows.cli import main
from tests.conftest import put, zb01


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A warehouse holding one June return, and the options that point at it."""
    monkeypatch.setenv("STATRETURNS_CONFIG", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    put(tmp_path / "inbox" / "2023-06" / "财政.xlsx", zb01("示例街道财政所", "2023年6月", (10, 20), (10, 20)),
        dt.datetime(2023, 7, 5))
    assert main(["ingest", str(tmp_path / "inbox"), "--warehouse", str(tmp_path / "w.duckdb")]) == 0
    return tmp_path


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def refused(capsys, argv: list[str], code: int = 2) -> str:
    got = main(argv)
    err = capsys.readouterr().err
    assert got == code, err
    assert "Traceback" not in err and err.strip()
    return err


@pytest.mark.parametrize("org, says", [
    ("../../escape", "不在单位名册中"), ("/abs/path", "不在单位名册中"), ("999999999", "不在单位名册中"),
])
def test_report_refuses_an_org_that_is_not_registered_and_writes_nothing(env, capsys, org, says):
    before = files_under(env.parent)
    err = refused(capsys, ["report", "--period", "2023-06", "--org", org, "--warehouse", str(env / "w.duckdb"),
                           "--out", str(env / "out")])
    assert says in err and "错误" in err
    assert files_under(env.parent) == before


def test_a_warehouse_that_is_missing_a_folder_or_not_duckdb_is_named(env, capsys):
    (env / "not.duckdb").write_text("这不是数据库", encoding="utf-8")
    for path, says in ((env / "missing.duckdb", "数据库不存在"), (env, "是文件夹"), (env / "not.duckdb", "不是 DuckDB 数据库文件")):
        err = refused(capsys, ["status", "--period", "2023-06", "--warehouse", str(path)])
        assert says in err


def test_an_output_folder_under_a_file_is_refused_before_anything_is_written(env, capsys):
    blocker = env / "a-file"
    blocker.write_text("x", encoding="utf-8")
    before = files_under(env)
    err = refused(capsys, ["report", "--period", "2023-06", "--org", "all", "--warehouse", str(env / "w.duckdb"),
                           "--out", str(blocker / "out")])
    assert "无法写入输出文件夹" in err
    assert files_under(env) == before


@pytest.mark.parametrize("argv, says", [
    (["status", "--period", "2023-06", "--due-day", "0"], "--due-day 应为 1 至 31"),
    (["status", "--period", "2023-06-31"], "不是有效的日期"),
    (["status", "--period", "2023-13"], "无法识别的报告期"),
    (["backfill", "--start", "2023-06", "--end", "2023-01"], "晚于结束月"),
    (["sql", "select * from no_such_table"], "SQL 有误"),
])
def test_bad_arguments_are_answered_in_chinese(env, capsys, argv, says):
    out = [] if argv[0] == "sql" else ["--out", str(env / "out")]
    err = refused(capsys, [*argv, "--warehouse", str(env / "w.duckdb"), *out])
    assert says in err


def test_a_mistyped_option_is_answered_in_chinese(capsys):
    assert main(["status"]) == 2
    assert "参数有误：缺少参数：--period" in capsys.readouterr().err
    assert main(["backfill", "--start", "2023-01", "--end", "2023-06", "--org-reports", "each"]) == 2
    assert "参数 --org-reports 的值 'each' 不可用（可选：'last', 'every'）" in capsys.readouterr().err
