"""Timeliness over the year: reporting and on-time rates per org and department, against the configured deadline."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import pandas as pd
import pytest

from statreturns.flows.cli import main
from statreturns.reports.status import deadline, due_text
from statreturns.reports.timeliness import read_timeliness
from statreturns.schemas.catalogue import load_catalogue
from statreturns.warehouse.store import Warehouse
from tests.conftest import REPORTER, form_return, ingest_into, put, zb01

ORGS = "org_code,org_name,level\n110199001,示例街道,街道\n110199002,东关街道,街道\n"


def test_the_deadline_is_a_day_and_an_hour_of_the_next_month():
    assert deadline(dt.date(2023, 5, 1), 5, 24) == dt.datetime(2023, 6, 6, 0, 0)
    assert deadline(dt.date(2023, 5, 1), 5, 17) == dt.datetime(2023, 6, 5, 17, 0)
    assert deadline(dt.date(2023, 1, 1), 31, 24) == dt.datetime(2023, 3, 1, 0, 0)  # 31 February is the 28th
    assert deadline(dt.date(2023, 12, 1), 10, 12) == dt.datetime(2024, 1, 10, 12, 0)
    # as the office reads it: the 5th, to its end; or the 5th at 17:00
    assert due_text(deadline(dt.date(2023, 5, 1), 5, 24)) == "2023-06-05"
    assert due_text(deadline(dt.date(2023, 5, 1), 5, 17)) == "2023-06-05 17:00"


@pytest.fixture
def year(tmp_path, cat):
    """Two townships' ZB01 (财政所) and ZB05 (网格化管理服务中心) returns for January and February, some late."""
    inbox = tmp_path / "inbox"
    east = lambda form, values, period: form_return(cat, form, f"东关街道{cat.forms[form].department}", period, values)  # noqa: E731
    put(inbox / "1" / "a.xlsx", zb01(REPORTER, "2023年1月", (10, 20), (10, 20)), dt.datetime(2023, 2, 5, 23, 0))  # on time
    put(inbox / "1" / "b.xlsx", east("ZB01", {"01": (5, 5, 4), "02": (9, 9, 8)}, "2023年1月"), dt.datetime(2023, 2, 6, 9, 0))  # late
    put(inbox / "1" / "c.xlsx", east("ZB05", {"01": (5, 5), "02": (4, 4), "03": (1, 1)}, "2023年1月"), dt.datetime(2023, 2, 3, 9, 0))
    put(inbox / "2" / "d.xlsx", zb01(REPORTER, "2023年1-2月", (10, 20), (20, 40)), dt.datetime(2023, 3, 5, 16, 0))
    return inbox


def test_rates_per_org_and_department_month_by_month(year, tmp_path, cat):
    two = load_catalogue(ORGS)
    wh = Warehouse.at(tmp_path / "wh.duckdb")
    ingest_into(wh, year, two)
    t = read_timeliness(wh, two, 2023, 5, 24)
    rows = t.table.set_index(["by", "name", "month"])
    due = len(two.forms)  # each org owes every form each month
    assert rows.loc[("org", "示例街道", 1), ["due", "reported", "on_time"]].tolist() == [due, 1, 1]
    assert rows.loc[("org", "东关街道", 1), ["due", "reported", "on_time"]].tolist() == [due, 2, 1]
    assert rows.loc[("org", "东关街道", 2), ["reported", "on_time", "reporting_rate"]].tolist() == [0, 0, 0.0]
    assert rows.loc[("department", "财政所", 1), ["due", "reported", "on_time", "reporting_rate", "on_time_rate"]].tolist() == [
        2, 2, 1, 100.0, 50.0]
    assert rows.loc[("department", "财政所", 2), ["reporting_rate", "on_time_rate"]].tolist() == [50.0, 50.0]
    assert rows.loc[("district", "全区", 1), ["due", "reported", "on_time"]].tolist() == [2 * due, 3, 2]
    assert t.rates("department", "on_time_rate").set_index("name").loc["财政所"].tolist() == [50.0, 50.0, 50.0]
    # a deadline at 17:00 of the 5th makes the 23:00 return late, and the 16:00 one still on time
    later = read_timeliness(wh, two, 2023, 5, 17).table.set_index(["by", "name", "month"])
    assert later.loc[("org", "示例街道", 1), "on_time"] == 0 and later.loc[("org", "示例街道", 2), "on_time"] == 1


@pytest.fixture
def env(tmp_path, monkeypatch, year, cat):
    registry = tmp_path / "orgs.csv"
    registry.write_text(ORGS, encoding="utf-8")
    config = tmp_path / "statreturns.toml"
    config.write_text('[paths]\nregistry = "orgs.csv"\nwarehouse = "wh.duckdb"\nout = "out"\n'
                      "[reporting]\ndue_day = 6\ndue_hour = 12\n", encoding="utf-8")
    monkeypatch.setenv("STATRETURNS_CONFIG", str(config))
    ingest_into(Warehouse.at(tmp_path / "wh.duckdb"), year, load_catalogue(ORGS))
    return tmp_path


def test_the_timeliness_command_uses_the_configured_deadline(env, capsys):
    assert main(["timeliness", "--year", "2023", "--format", "csv"]) == 0
    rows = pd.read_csv(io.StringIO(capsys.readouterr().out))
    east = rows[(rows["by"] == "org") & (rows["name"] == "东关街道") & (rows["month"] == 1)].iloc[0]
    assert (east.reported, east.on_time) == (2, 2)  # 9:00 on the 6th is before the configured 12:00
    assert main(["timeliness", "--year", "2023"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2023年1-2月报送率和及时率（%）；截止时间为次月6日12时前")
    assert main(["timeliness", "--year", "2023", "--format", "xlsx"]) == 0
    path = env / "out" / "2023" / "报送及时率.xlsx"
    assert f"报送及时率：{path}" in capsys.readouterr().out
    with zipfile.ZipFile(path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 2
        assert "及时率" in z.read(charts[0]).decode("utf-8")
    assert main(["timeliness", "--year", "2021"]) == 2
    assert "2021年没有收到任何报表" in capsys.readouterr().err


def test_status_takes_its_due_day_from_the_configuration(env, capsys):
    assert main(["status", "--period", "2023-01", "--format", "csv"]) == 0
    rows = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str)
    assert rows.query("org_code == '110199002' and form_code == 'ZB01'")["status"].tolist() == ["accepted"]
    assert main(["status", "--period", "2023-01", "--format", "csv", "--due-day", "5"]) == 0
    rows = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str)
    assert rows.query("org_code == '110199002' and form_code == 'ZB01'")["status"].tolist() == ["late"]


def test_a_deadline_that_cannot_be_is_refused(tmp_path, monkeypatch, capsys):
    config = tmp_path / "statreturns.toml"
    config.write_text("[reporting]\ndue_day = 5\ndue_hour = 25\n", encoding="utf-8")
    monkeypatch.setenv("STATRETURNS_CONFIG", str(config))
    assert main(["timeliness", "--year", "2023"]) == 2
    assert "[reporting] due_hour 应为 0 至 24 的整数，而不是 25" in capsys.readouterr().err
