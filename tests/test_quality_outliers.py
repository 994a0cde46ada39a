"""Outlier queries (查询清单): a figure planted ten times its usual size comes first; an ordinary district is left alone."""
from __future__ import annotations

import datetime as dt
import io
import random
import shutil
from pathlib import Path

import duckdb
import numpy as np
import openpyxl
import pandas as pd
import pytest

from statreturns.flows.cli import main
from statreturns.reports.feedback import RESULTS, SUFFIX, feedback_path, owed, settle, write_feedback, write_owed
from statreturns.schemas.catalogue import load_catalogue
from statreturns.schemas.outliers import HistoryParams, history_scores, robust_z
from statreturns.warehouse import quality
from statreturns.warehouse.quality import outlier_queries, refresh_outliers
from statreturns.warehouse.store import Warehouse
from tests.conftest import form_return, ingest_into, put
from tests.workbooks import indicator_return

JUNE = dt.date(2023, 6, 1)
# eight townships, of very different sizes, so that peers are compared by size
REGISTRY = "org_code,org_name,level\n" + "\n".join(
    f"1101990{i:02d},{name},{level}" for i, (name, level) in enumerate(
        [("东城街道", "街道"), ("西城街道", "街道"), ("南关镇", "镇"), ("北关镇", "镇"), ("河口镇", "镇"),
         ("石桥乡", "乡"), ("柳林乡", "乡"), ("桃园街道", "街道")], start=1))
SIZES = [1.0, 2.5, 0.6, 1.8, 0.9, 0.4, 3.0, 1.3]
SEASON = [0.8, 0.7, 1.0, 1.05, 1.1, 1.25]
FORMS = ("ZB01", "ZB05", "ZB10")
PLANTED = ("110199004", "ZB10", "03")  # 北关镇's 排查矛盾纠纷 in June: ten times its usual size
BIG = ("110199006", "ZB05", "03")  # 石桥乡's 完善知识库指标: always ten times what its size suggests


PART_OF = {("ZB05", "02"): "01", ("ZB10", "04"): "03"}  # 办结 ≤ 受理, 化解 ≤ 排查: the forms' own rules


def district(root: Path, cat, plant: bool = True, seed: int = 11, planted_in: int = 6) -> Path:
    """Six months of ZB01, ZB05 and ZB10 returns of the eight townships: each figure in proportion to the
    township's size (±30% between townships), with seasonality and ±15% noise month to month; PLANTED ten times its
    size in month ``planted_in``."""
    rng = random.Random(seed)
    typical = {(f, i.code): rng.uniform(40, 300) for f in FORMS for i in cat.forms[f].indicators}
    for org, size in zip(cat.orgs, SIZES):
        for code in FORMS:
            form = cat.forms[code]
            base = {i.code: typical[(code, i.code)] * size * rng.uniform(0.75, 1.3) * (10 if (org.code, code, i.code) == BIG else 1)
                    for i in form.indicators}
            ytd = dict.fromkeys(base, 0.0)
            prior = dict.fromkeys(base, 0.0)
            for m, season in enumerate(SEASON, start=1):
                values, usual = {}, {}
                for i in form.indicators:
                    parent = PART_OF.get((code, i.code))
                    month = round(usual[parent] * 0.8) if parent else round(base[i.code] * season * rng.uniform(0.85, 1.15))
                    usual[i.code] = month
                    if plant and m == planted_in and (org.code, code, i.code) == PLANTED:
                        month *= 10
                    ytd[i.code] += month
                    prior[i.code] += round(month / rng.uniform(1.0, 1.2))
                    values[i.code] = (month, ytd[i.code], prior[i.code]) if i.yoy else (month, ytd[i.code])
                data = form_return(cat, code, f"{org.name}{form.department}", f"2023年{m}月", values)
                put(root / f"2023-{m:02d}" / f"{org.name}{code}-{m}月.xlsx", data, dt.datetime(2023, m + 1, 4, 9))
    return root


@pytest.fixture(scope="module")
def eight():
    return load_catalogue(REGISTRY)


@pytest.fixture(scope="module")
def planted(tmp_path_factory, eight):
    """The eight townships' warehouse, with June's outlier findings refreshed as the monthly flow does."""
    root = tmp_path_factory.mktemp("planted")
    wh = Warehouse.at(root / "wh" / "statreturns.duckdb")
    ingest_into(wh, district(root / "inbox", eight), eight)
    with wh.writer() as con:
        written = refresh_outliers(con, eight, JUNE)
    assert written > 0
    return wh


def test_the_figure_planted_ten_times_its_usual_size_is_queried_first(planted, eight):
    with planted.reader() as con:
        q = outlier_queries(con, eight, JUNE)
    top = q.iloc[0]
    assert (top.org_code, top.form_code, top.indicator_code) == PLANTED
    assert top.rule == "outlier_history" and top.measure == "本月"
    assert top.expected_high < top.value / 3 and top.history_score > 3.5


def test_the_finding_names_the_cell_the_value_the_range_and_why(planted, eight):
    with planted.reader() as con:
        f = con.execute("select * from findings where rule = 'outlier_history' and indicator_code = '03' "
                        "and file_name = '北关镇ZB10-6月.xlsx'").df()
        value = con.execute("select month_value from figures where org_code = '110199004' and form_code = 'ZB10' "
                            "and indicator_code = '03' and period = '2023-06-01'").fetchone()[0]
    assert len(f) == 1
    row = f.iloc[0]
    assert row.severity == "warning"
    with planted.reader() as con:
        archived = con.execute("select archive_path from submissions where sha256 = ?", [row.sha256]).fetchone()[0]
    sheet = openpyxl.load_workbook(archived)[row.sheet]
    assert sheet[row.cell].value == value  # the cell named is the 本月 cell the department filled
    assert sheet.cell(sheet[row.cell].row, 1).value == "排查矛盾纠纷"
    assert row.value_found == f"{value:g}"
    low, high = row.expected.split("至")
    assert float(low) < value / 5 and float(high) < value / 3
    assert row.message.startswith(f"《北关镇ZB10-6月.xlsx》工作表“Sheet1”{row.cell}单元格，ZB10表指标“03 排查矛盾纠纷”：")
    assert f"本月{value:g}件与本单位往月相差很大（偏高，上月" in row.message
    assert f"应在{row.expected}之间" in row.message


def test_an_org_out_of_line_with_its_peers_is_queried_by_peers_only(planted, eight):
    with planted.reader() as con:
        q = outlier_queries(con, eight, JUNE)
    big = q[(q["org_code"] == BIG[0]) & (q["form_code"] == BIG[1]) & (q["indicator_code"] == BIG[2])]
    assert list(big["rule"]) == ["outlier_peers"]
    assert big.iloc[0].peer_score > 3.5 and abs(big.iloc[0].history_score) < 3.5
    assert "按各单位全口径财政收入折算，8个单位的中位数" in big.iloc[0].why


def test_the_ordinary_townships_are_not_queried(planted, eight):
    with planted.reader() as con:
        q = outlier_queries(con, eight, JUNE)
        scored = con.execute("select count(*) from figures where period = '2023-06-01' and month_value is not null").fetchone()[0]
    others = q[~q.set_index(["org_code", "form_code", "indicator_code"]).index.isin([PLANTED, BIG])]
    # measured: none of the other 94 figures of June (nor of any month) is queried
    assert len(others) <= 0.02 * scored, others[["org_name", "form_code", "indicator_code", "rule", "score"]]


def test_the_queries_command_ranks_them_as_csv_on_standard_output(planted, tmp_path, monkeypatch, capsys):
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    registry = tmp_path / "orgs.csv"
    registry.write_text(REGISTRY, encoding="utf-8")
    monkeypatch.setenv("STATRETURNS_CONFIG", str(tmp_path / "none.toml"))
    assert main(["queries", "--period", "2023-06", "--format", "csv", "--warehouse", str(planted.path),
                 "--registry", str(registry)]) == 0
    rows = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str)
    assert tuple(rows.iloc[0][["org_code", "form_code", "indicator_code"]]) == PLANTED
    assert rows.iloc[0]["org_name"] == "北关镇" and rows.iloc[0]["rank"] == "1"
    assert main(["queries", "--period", "2023-06", "--warehouse", str(planted.path), "--registry", str(registry)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("  1. 北关镇 ZB10表03 排查矛盾纠纷本月")


def test_the_same_rise_as_last_year_is_seasonal_not_an_outlier():
    """A December that triples every year is not queried; the same rise where last December was flat is."""
    months = pd.date_range("2021-11-01", "2022-12-01", freq="MS")
    rows = []
    for org, last_december in (("steady", 300.0), ("flat", 100.0)):
        values = [100.0, last_december, *[100.0] * 11, 300.0]
        rows += [(org, "ZB10", "01", "flow", p, v, None) for p, v in zip(months, values)]
    frame = pd.DataFrame(rows, columns=["org_code", "form_code", "indicator_code", "kind", "period", "value", "prior_ytd"])
    s = history_scores(frame, dt.date(2022, 12, 1), HistoryParams()).set_index("org_code")
    assert abs(s.loc["steady", "score"]) < 3.5
    assert s.loc["flat", "score"] > 3.5


def test_small_counts_are_not_queried_for_small_jumps():
    months = pd.date_range("2023-01-01", "2023-06-01", freq="MS")
    rows = [("a", "ZB10", "02", "flow", p, v, None) for p, v in zip(months, [1, 0, 2, 1, 1, 4])]
    frame = pd.DataFrame(rows, columns=["org_code", "form_code", "indicator_code", "kind", "period", "value", "prior_ytd"])
    assert abs(history_scores(frame, JUNE, HistoryParams()).iloc[0]["score"]) < 3.5


def test_the_modified_z_score_is_robust_and_has_a_floor():
    z, med, spread, n = robust_z(np.array([10.0]), np.array([[1.0, 1.1, 0.9, 50.0]]), 0.15, 3)
    assert med[0] == pytest.approx(1.05) and spread[0] == pytest.approx(0.15)  # the 50 does not widen it
    assert z[0] == pytest.approx(0.6745 * (10 - 1.05) / 0.15)
    z, *_ = robust_z(np.array([10.0]), np.array([[1.0, np.nan, np.nan]]), 0.15, 3)
    assert np.isnan(z[0])  # too little history: no score


# ------------------------------------------------------------------ the sample district


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from statreturns.samples import write_sample_inbox

    root = tmp_path_factory.mktemp("sample")
    write_sample_inbox(root / "inbox", 2023)
    cat = load_catalogue()
    wh = Warehouse.at(root / "wh" / "statreturns.duckdb")
    ingest_into(wh, root / "inbox", cat)
    with wh.writer() as con:
        for m in range(1, 7):
            refresh_outliers(con, cat, dt.date(2023, m, 1))
    return root, wh, cat


def test_the_sample_district_is_mostly_not_queried(sample):
    """Measured: 3 of 450 scored figures (April to June; earlier months have too little history) are queried."""
    _, wh, cat = sample
    with wh.reader() as con:
        queried = con.execute("select count(*) from findings where rule in ('outlier_history', 'outlier_peers')").fetchone()[0]
        scored = sum(len(outlier_queries(con, cat, dt.date(2023, m, 1))) for m in range(1, 7))
        figures = con.execute("select count(*) from figures where period >= '2023-04-01' and "
                              "coalesce(month_value, ytd_value) is not null and text_value is null").fetchone()[0]
    assert queried == scored
    assert figures > 400 and queried <= 0.02 * figures


def test_a_sample_figure_corrected_to_ten_times_its_size_comes_first(sample, tmp_path):
    """A department re-sends its June return with one figure ten times too big: it tops the list."""
    root, wh, cat = sample
    with wh.reader() as con:
        where = con.execute("""
            select f.file_name, f.sheet, f.cell, f.month_value, f.ytd_value, s.file_path,
                   (select cell from figure_values v where v.sha256 = f.sha256 and v.sheet = f.sheet
                      and v.indicator_code = f.indicator_code and v.measure = 'month') as month_cell
            from figures f join submissions s on s.sha256 = f.sha256 and s.sheet = f.sheet
            where f.org_code = '110199101' and f.form_code = 'ZB10' and f.indicator_code = '03'
              and f.period = '2023-06-01'""").df().iloc[0]
    book = openpyxl.load_workbook(where.file_path)
    ws = book[where.sheet]
    ws[where.month_cell] = where.month_value * 10
    ws[where.cell] = where.ytd_value + where.month_value * 9
    out = io.BytesIO()
    book.save(out)
    put(root / "inbox" / "2023-06" / "西城镇综治中心6月（更正）.xlsx", out.getvalue(), dt.datetime(2023, 7, 9, 9))
    corrected = Warehouse.at(tmp_path / "wh.duckdb")
    ingest_into(corrected, root / "inbox", cat)
    with corrected.writer() as con:
        refresh_outliers(con, cat, JUNE)
    with corrected.reader() as con:
        q = outlier_queries(con, cat, JUNE)
        changed = con.execute("select measure, old_value, new_value from revisions where org_code = '110199101' "
                              "and form_code = 'ZB10' and period = '2023-06-01' order by measure").fetchall()
    assert tuple(q.iloc[0][["org_code", "form_code", "indicator_code"]]) == ("110199101", "ZB10", "03")
    assert q.iloc[0]["value"] == where.month_value * 10
    assert changed == [("month", where.month_value, where.month_value * 10),
                       ("ytd", where.ytd_value, where.ytd_value + where.month_value * 9)]


def test_a_closed_month_keeps_its_queries_of_record(planted, eight, tmp_path):
    from statreturns.warehouse.closing import close_period

    copy = Warehouse.at(tmp_path / "wh.duckdb")
    copy.path.write_bytes(planted.path.read_bytes())
    close_period(copy, JUNE, "统计局", "月度验收")
    with copy.writer() as con:
        con.execute("delete from findings where rule = 'outlier_history'")
        assert refresh_outliers(con, eight, JUNE) == 0
        assert con.execute("select count(*) from findings where rule = 'outlier_history'").fetchone()[0] == 0


def test_a_note_in_the_return_explains_its_outlier(tmp_path, eight):
    """The department writes why in its return: the refreshed query is marked explained with the note."""
    inbox = district(tmp_path / "inbox", eight)
    june = inbox / "2023-06" / "北关镇ZB10-6月.xlsx"
    wh = Warehouse.at(tmp_path / "wh" / "statreturns.duckdb")
    ingest_into(wh, inbox, eight)
    with wh.reader() as con:
        figures = con.execute("select indicator_code, month_value, ytd_value from figures where org_code = '110199004' "
                              "and form_code = 'ZB10' and period = '2023-06-01' order by 1").fetchall()
    values = {code: (month, ytd) for code, month, ytd in figures}
    rows = ["说明：排查矛盾纠纷本月集中开展矛盾纠纷大排查专项行动", "说明：排查矛盾纠纷 数据属实"]
    for name, note, day in (("（说明）", rows[0], 9), ("（套话）", rows[1], 10)):
        form = eight.forms["ZB10"]
        body = [[i.name, i.code, i.unit, *values[i.code], None, None] for i in form.indicators]
        data = indicator_return("ZB10", "北关镇综治中心", "2023年6月", [*body, None, note], title=form.title)
        put(june.with_name(f"北关镇ZB10-6月{name}.xlsx"), data, dt.datetime(2023, 7, day, 9))
        ingest_into(wh, inbox, eight)
        with wh.writer() as con:
            refresh_outliers(con, eight, JUNE)
        with wh.reader() as con:
            f = con.execute("select rule, cell, explained, explanation, message from findings where file_name = ? "
                            "and indicator_code = '03' order by rule", [f"北关镇ZB10-6月{name}.xlsx"]).df()
        if name == "（说明）":
            assert list(f["rule"]) == ["outlier_history", "outlier_peers"]
            assert f["explained"].all() and set(f["explanation"]) == {"排查矛盾纠纷本月集中开展矛盾纠纷大排查专项行动"}
        else:
            assert list(f["rule"]) == ["explanation_boilerplate", "explanation_boilerplate", "outlier_history", "outlier_peers"]
            assert not f["explained"].any()
            said = f[f["rule"] == "explanation_boilerplate"]
            assert said["cell"].nunique() == 1  # the note's own cell, under the table
            assert openpyxl.load_workbook(io.BytesIO(data)).active[said.iloc[0].cell].value == note
            assert "说明“排查矛盾纠纷 数据属实”没有写明原因，不能作为“奇异值（与本单位往月不符）”提醒的说明" in said.iloc[0].message


def test_the_queries_workbook_lists_them_for_the_office(planted, tmp_path, monkeypatch, capsys):
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    registry = tmp_path / "orgs.csv"
    registry.write_text(REGISTRY, encoding="utf-8")
    monkeypatch.setenv("STATRETURNS_CONFIG", str(tmp_path / "none.toml"))
    assert main(["queries", "--period", "2023-06", "--format", "xlsx", "--warehouse", str(planted.path),
                 "--registry", str(registry), "--out", str(tmp_path / "out")]) == 0
    path = tmp_path / "out" / "2023-06" / "查询清单.xlsx"
    assert f"查询清单：{path}" in capsys.readouterr().out
    book = openpyxl.load_workbook(path)
    header, first = [c.value for c in book["查询清单"][3]], [c.value for c in book["查询清单"][4]]
    row = dict(zip(header, first))
    assert (row["序号"], row["单位"], row["表号"], row["指标"], row["说明"]) == (1, "北关镇", "ZB10", "03 排查矛盾纠纷", "（未说明）")
    assert row["来源"] == "《北关镇ZB10-6月.xlsx》D7" and row["填报值"].endswith("件")
    assert book["查询清单"][4][0].fill.fgColor.rgb.endswith("FFEB9C")  # open queries are shaded
    assert book.sheetnames == ["查询清单", "重复修改", "修改痕迹"]


def test_refreshing_again_rewrites_the_same_queries(planted, eight, tmp_path):
    copy = Warehouse.at(tmp_path / "wh.duckdb")
    copy.path.write_bytes(planted.path.read_bytes())
    count = "select rule, count(*), sum(n_warnings) from findings f join submissions s using (sha256) group by rule order by rule"
    with copy.reader() as con:
        before = con.execute(count).fetchall()
    with copy.writer() as con:
        refresh_outliers(con, eight, JUNE)
        assert con.execute(count).fetchall() == before


def test_the_history_is_read_within_a_limit_of_its_own_and_the_writer_gets_its_limit_back(planted, eight, tmp_path,
                                                                                           monkeypatch):
    """Scoring reads up to two years of every org: under QUERY_MEMORY, not DuckDB's default (which keeps the blocks it
    read cached, 200 MB more for the writer of 1,000 orgs), and the writer's own limit holds again afterwards."""
    copy = Warehouse.at(tmp_path / "wh.duckdb")
    copy.path.write_bytes(planted.path.read_bytes())
    limit = "select current_setting('memory_limit')"
    seen, read = {}, quality.query

    def watched(con, name, **params):
        seen.setdefault(name, set()).add(con.execute(limit).fetchone()[0])
        return read(con, name, **params)

    monkeypatch.setattr(quality, "query", watched)
    with copy.writer() as con:
        own = con.execute(limit).fetchone()[0]
        assert refresh_outliers(con, eight, JUNE) > 0
        after = con.execute(limit).fetchone()[0]
    with duckdb.connect() as scratch:
        scratch.execute(f"set memory_limit = '{quality.QUERY_MEMORY}'")
        bounded = scratch.execute(limit).fetchone()[0]
    assert seen["quality_figures"] == seen["quality_sources"] == {bounded}
    assert bounded != own and after == own


def test_a_file_received_twice_is_in_the_history_once(tmp_path, eight):
    """A copy of a return received again (a duplicate, of the same fingerprint and sheet) adds no second figure to
    the history the scoring reads, nor a second query."""
    inbox = district(tmp_path / "inbox", eight)
    original = inbox / "2023-06" / "北关镇ZB10-6月.xlsx"
    shutil.copy2(original, original.with_name("北关镇ZB10-6月(1).xlsx"))
    wh = Warehouse.at(tmp_path / "wh" / "statreturns.duckdb")
    ingest_into(wh, inbox, eight)
    with wh.writer() as con:
        refresh_outliers(con, eight, JUNE)
        statuses = sorted(s for (s,) in con.execute("select status from submissions where form_code = 'ZB10' "
                                                    "and org_code = $org and period = $june",
                                                    {"org": PLANTED[0], "june": JUNE}).fetchall())
        figures = quality._figures(con, JUNE, HistoryParams().months, ["ZB10"])
        planted = con.execute("select count(*) from findings where rule = 'outlier_history' and cell is not null "
                              "and file_name like '北关镇ZB10-6月%'").fetchone()[0]
    assert statuses == ["accepted", "duplicate"]
    assert not figures.duplicated(["org_code", "form_code", "indicator_code", "period"]).any()
    assert len(figures[figures["period"] == pd.Timestamp(JUNE)]) == len(figures[figures["period"] == pd.Timestamp(2023, 5, 1)])
    assert planted == 1


def _queried(wh: Warehouse) -> set[tuple]:
    with wh.reader() as con:
        return set(con.execute("select file_name, cell, rule from findings where rule in ('outlier_history', "
                               "'outlier_peers')").fetchall())


def test_a_return_is_queried_the_same_in_its_months_run_in_a_backfill_and_after_a_rebuild(tmp_path, eight):
    """May's planted figure, then re-sent in a correction that keeps it while June's run is under way: the correction
    is queried (not only the return it replaced), and a backfill of the six months and a rebuild query the same."""
    from statreturns.warehouse.rebuild import rebuild

    source = district(tmp_path / "source", eight, planted_in=5)
    original = source / "2023-05" / "北关镇ZB10-5月.xlsx"
    book = openpyxl.load_workbook(original)
    book.properties.creator = "北关镇综治中心（更正）"  # the same figures in other bytes
    out = io.BytesIO()
    book.save(out)
    put(source / "2023-05" / "北关镇ZB10-5月（更正）.xlsx", out.getvalue(), dt.datetime(2023, 7, 3, 9))

    monthly, inbox = Warehouse.at(tmp_path / "monthly" / "w.duckdb"), tmp_path / "inbox"
    for m in range(1, 7):
        for f in (source / f"2023-{m:02d}").iterdir():
            if m < 6 and "更正" in f.name:
                continue  # it comes in while June's run is under way
            (inbox / f.parent.name).mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, inbox / f.parent.name / f.name)
        if m == 6:
            shutil.copy2(source / "2023-05" / "北关镇ZB10-5月（更正）.xlsx", inbox / "2023-05")
        ingest_into(monthly, inbox, eight, dt.date(2023, m, 1))
    queried = _queried(monthly)
    assert ("北关镇ZB10-5月（更正）.xlsx", "D7", "outlier_history") in queried
    assert not any(name == "北关镇ZB10-5月.xlsx" for name, _, _ in queried)  # replaced: its query went with it

    backfill = Warehouse.at(tmp_path / "backfill" / "w.duckdb")
    ingest_into(backfill, source, eight, JUNE)
    assert _queried(backfill) == queried
    with backfill.locked():
        rebuild(backfill, eight)
    assert _queried(backfill) == queried


def _said(receipt: Path) -> str:
    return "\n".join(str(v) for row in openpyxl.load_workbook(receipt)[RESULTS].iter_rows(values_only=True)
                     for v in row if v is not None)


def test_a_receipt_is_written_again_when_its_month_scored_again_queries_it(tmp_path, eight):
    """June's returns came first: 北关镇's planted figure had no months behind it to be queried against, and its 回执
    said nothing of it. Once January to May come, June is scored again and the figure is queried: the next run owes
    that file its 回执 again and writes it with the query. A June file queried neither before nor after keeps its."""
    source = district(tmp_path / "source", eight)
    wh, out = Warehouse.at(tmp_path / "wh" / "w.duckdb"), tmp_path / "out"
    ingest_into(wh, sorted((source / "2023-06").iterdir()), eight, JUNE)
    assert len(write_owed(wh, eight, out)) == 24
    receipt = feedback_path(out, JUNE, "北关镇ZB10-6月.xlsx")
    assert "与本单位往月相差很大" not in _said(receipt)
    queried_before = {name for name, _, _ in _queried(wh)}

    ingest_into(wh, [f for m in range(1, 6) for f in sorted((source / f"2023-{m:02d}").iterdir())], eight, JUNE)
    again = write_owed(wh, eight, out)
    assert receipt in again
    assert "与本单位往月相差很大（偏高" in _said(receipt)
    june_again = {p.name.removesuffix(f"{SUFFIX}.xlsx") + ".xlsx" for p in again if p.parent == receipt.parent}
    queried_either = queried_before | {name for name, _, _ in _queried(wh)}
    assert june_again <= {n for n in queried_either if n.endswith("-6月.xlsx")}
    with duckdb.connect(str(wh.path), read_only=True) as con:  # settled: published with the next load
        assert con.execute("select count(*) from receipts_owed").fetchone()[0] == 0


def test_a_receipt_owed_again_while_its_month_is_being_written_stays_owed(tmp_path, eight):
    """A run writes June's 回执 from the findings it read; meanwhile another writer (a portal upload, a second run)
    loads January to May and June is scored again: 北关镇's June figure is now queried. The run then settles what it
    wrote, but not that file's new debt: the next run writes its 回执 again, with the query."""
    source = district(tmp_path / "source", eight)
    wh, out = Warehouse.at(tmp_path / "wh" / "w.duckdb"), tmp_path / "out"
    ingest_into(wh, sorted((source / "2023-06").iterdir()), eight, JUNE)
    (june,) = owed(wh)
    receipt = feedback_path(out, JUNE, "北关镇ZB10-6月.xlsx")
    assert receipt in write_feedback(wh, eight, out, shas=june.shas)
    assert "与本单位往月相差很大" not in _said(receipt)

    ingest_into(wh, [f for m in range(1, 6) for f in sorted((source / f"2023-{m:02d}").iterdir())], eight, JUNE)
    settle(wh, june)
    with duckdb.connect(str(wh.path), read_only=True) as con:
        still = {name for (name,) in con.execute(
            "select distinct s.file_name from receipts_owed o join submissions s using (sha256) "
            "where s.period = $june", {"june": JUNE}).fetchall()}
    assert "北关镇ZB10-6月.xlsx" in still
    assert receipt in write_owed(wh, eight, out)
    assert "与本单位往月相差很大（偏高" in _said(receipt)
