"""The revision trail: each correction's changes, figure by figure, and a return corrected again and again (重复修改)."""
from __future__ import annotations

import datetime as dt


from statreturns.warehouse.quality import refresh_outliers
from statreturns.warehouse.revisions import return_changes
from statreturns.warehouse.store import Warehouse
from tests.conftest import REPORTER, day, form_return, ingest_into, put, zb01

MAY = dt.date(2023, 5, 1)
CHANGED = ["indicator_code", "measure", "old_value", "new_value", "old_file", "new_file", "revision"]


def may(month: tuple, ytd: tuple, prior: tuple = (80, 170)) -> bytes:
    return zb01(REPORTER, "2023年1-5月", month, ytd, prior)


def changes(wh: Warehouse) -> list[tuple]:
    with wh.reader() as con:
        frame = con.execute("select * from revisions order by revision, indicator_code, measure").df()
    return [tuple(r) for r in frame[CHANGED].itertuples(index=False)]


def test_each_correction_shows_the_old_and_new_value_of_every_changed_figure(tmp_path, cat):
    inbox = tmp_path / "inbox"
    put(inbox / "财政5月.xlsx", may((10, 20), (90, 180)), day(5, 6))
    put(inbox / "财政5月（改）.xlsx", may((12, 20), (92, 180)), day(6, 6))
    put(inbox / "财政5月（再改）.xlsx", may((12, 20), (92, 180), (80, 175)), day(8, 6))
    wh = Warehouse.at(tmp_path / "wh.duckdb")
    ingest_into(wh, inbox, cat)
    assert changes(wh) == [
        ("01", "month", 10.0, 12.0, "财政5月.xlsx", "财政5月（改）.xlsx", 1),
        ("01", "ytd", 90.0, 92.0, "财政5月.xlsx", "财政5月（改）.xlsx", 1),
        ("02", "prior_ytd", 170.0, 175.0, "财政5月（改）.xlsx", "财政5月（再改）.xlsx", 2),
    ]
    with wh.reader() as con:
        row = con.execute("select org_code, form_code, period, old_received_at, new_received_at, new_cell "
                          "from revisions where revision = 2").fetchone()
        sha = con.execute("select sha256 from submissions where file_name = '财政5月（改）.xlsx'").fetchone()[0]
        first = con.execute("select sha256 from submissions where file_name = '财政5月.xlsx'").fetchone()[0]
        mine = return_changes(con, sha)
        none = return_changes(con, first)
    assert row == ("110199001", "ZB01", MAY, day(6, 6), day(8, 6), "F6")
    assert list(zip(mine["indicator_name"], mine["measure"], mine["old_value"], mine["new_value"])) == [
        ("一般公共预算收入", "month", 10.0, 12.0), ("一般公共预算收入", "ytd", 90.0, 92.0)]
    assert none.empty


def test_a_rejected_try_is_not_a_revision(tmp_path, cat):
    inbox = tmp_path / "inbox"
    put(inbox / "财政5月.xlsx", may((10, 20), (90, 180)), day(5, 6))
    put(inbox / "财政5月（错）.xlsx", may((-12, 20), (92, 180)), day(6, 6))  # a negative figure: rejected
    put(inbox / "财政5月（对）.xlsx", may((11, 20), (91, 180)), day(7, 6))
    wh = Warehouse.at(tmp_path / "wh.duckdb")
    ingest_into(wh, inbox, cat)
    assert changes(wh) == [
        ("01", "month", 10.0, 11.0, "财政5月.xlsx", "财政5月（对）.xlsx", 1),
        ("01", "ytd", 90.0, 91.0, "财政5月.xlsx", "财政5月（对）.xlsx", 1),
    ]


def test_a_text_figure_changed_is_shown_as_text(tmp_path, cat):
    def zb04(place: str) -> bytes:
        return form_return(cat, "ZB04", "示例街道农业农村办公室", "2023年5月", {"01": (1, 5), "02": (2, 9), "03": (3, 8), "T1": (place, None)})

    inbox = tmp_path / "inbox"
    put(inbox / "农业5月.xlsx", zb04("东关村光伏发电项目"), day(5, 6))
    put(inbox / "农业5月（更正）.xlsx", zb04("西沟村光伏发电项目"), day(6, 6))
    wh = Warehouse.at(tmp_path / "wh.duckdb")
    ingest_into(wh, inbox, cat)
    with wh.reader() as con:
        rows = con.execute("select indicator_code, measure, old_text, new_text, old_value from revisions").fetchall()
    assert rows == [("T1", "text", "东关村光伏发电项目", "西沟村光伏发电项目", None)]


def test_a_return_corrected_three_times_is_queried(tmp_path, cat):
    inbox = tmp_path / "inbox"
    for k in range(4):
        put(inbox / f"财政5月（第{k + 1}版）.xlsx", may((10 + k, 20), (90 + k, 180)), day(5 + k, 6))
    wh = Warehouse.at(tmp_path / "wh.duckdb")
    ingest_into(wh, inbox, cat)
    with wh.writer() as con:
        refresh_outliers(con, cat, MAY)
    with wh.reader() as con:
        found = con.execute("select file_name, severity, message, sheet from findings where rule = 'repeated_revision'").fetchall()
        counted = con.execute("select n_warnings from submissions where file_name = '财政5月（第4版）.xlsx'").fetchone()[0]
    assert found == [("财政5月（第4版）.xlsx", "warning",
                      "《财政5月（第4版）.xlsx》工作表“Sheet1”：本期本表已更正3次（共报送4版无误报表），请核实数据是否可靠", "Sheet1")]
    assert counted >= 1
    assert cat.rules["repeated_revision"].params["min_revisions"] == 3  # the threshold is data


def test_two_corrections_are_not_repeated_revision(tmp_path, cat):
    inbox = tmp_path / "inbox"
    for k in range(3):
        put(inbox / f"财政5月（第{k + 1}版）.xlsx", may((10 + k, 20), (90 + k, 180)), day(5 + k, 6))
    wh = Warehouse.at(tmp_path / "wh.duckdb")
    ingest_into(wh, inbox, cat)
    with wh.writer() as con:
        refresh_outliers(con, cat, MAY)
        assert con.execute("select count(*) from findings where rule = 'repeated_revision'").fetchone()[0] == 0


def test_the_unseen_corpus_correction_shows_every_changed_figure(tmp_path, cat):
    """Returns the project never saw (tests/corpus): 西城镇's June ZB11, first sent in another layout with three
    figures wrong, then corrected: exactly those three appear in ``revisions`` with their old and new values."""
    from tests.corpus.unseen import build

    corpus = build()
    corpus.write(tmp_path / "inbox")
    wh = Warehouse.at(tmp_path / "wh.duckdb")
    ingest_into(wh, tmp_path / "inbox", cat, dt.date(2023, 6, 1))
    truth = {code: corpus.figures[("110199101", "ZB11", dt.date(2023, 6, 1), code)] for code in ("01", "04")}
    with wh.reader() as con:
        rows = con.execute("select indicator_code, measure, old_value, new_value, new_file from revisions "
                           "where org_code = '110199101' and form_code = 'ZB11' and period = '2023-06-01' "
                           "order by indicator_code, measure").fetchall()
        elsewhere = con.execute("select count(*) from revisions where not (org_code = '110199101' and form_code = 'ZB11')").fetchone()[0]
    assert [(code, measure, old, new) for code, measure, old, new, _ in rows] == [
        ("01", "month", truth["01"].month + 3, truth["01"].month),
        ("01", "ytd", truth["01"].ytd + 3, truth["01"].ytd),
        ("04", "ytd", truth["04"].ytd + 1, truth["04"].ytd),
    ]
    assert {r[-1] for r in rows} == {"西城镇应急管理办公室6月报表（更正）.xlsx"}
    assert elsewhere == 0
