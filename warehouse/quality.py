"""Outlier queries (查询清单) of a period: every accepted figure scored against the org's history and its peers.

``refresh_outliers`` writes them as warning findings (inside the load's writer, after each load);
``outlier_queries`` ranks them read-only from the snapshot with the same scoring, for ``statreturns queries``.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from statreturns.schemas.catalogue import MEASURE_NAMES, Catalogue
from statreturns.schemas.findings import finding
from statreturns.schemas.notes import BOILERPLATE, explain, read_notes
from statreturns.schemas.outliers import (
    SCORED, SERIES_KEY, HistoryParams, PeerParams, history_scores, peer_scores,
)
from statreturns.schemas.records import Received
from statreturns.schemas.text import cell_text
from statreturns.intake.readers import UnreadableFile, read_grids
from statreturns.warehouse.db import insert, memory_limit, query, sql
from statreturns.warehouse.revisions import repeated_revisions

HISTORY, PEERS, REPEATED = "outlier_history", "outlier_peers", "repeated_revision"
QUALITY_RULES = (HISTORY, PEERS, REPEATED)  # the findings a refresh rewrites
# DuckDB's memory for a form's history (up to two years and a month of every org) and its sources: more than the
# writer's own limit, which would have them spill to disk, and far less than DuckDB's default, under which the blocks
# they read stay cached (at 1,000 orgs with two years loaded, 440 MB for the writer at its peak instead of 640 MB)
QUERY_MEMORY = "128MB"
QUERY_COLUMNS = (
    "rank", "org_code", "org_name", "form_code", "indicator_code", "indicator_name", "measure", "value", "unit",
    "expected_low", "expected_high", "score", "history_score", "peer_score", "rule", "rule_name", "why",
    "file_name", "sheet", "cell", "sha256", "explained", "explanation",
)


def _months_before(period: dt.date, n: int) -> dt.date:
    return (pd.Timestamp(period) - pd.DateOffset(months=n)).date()


def number(x: float, decimals: int = 2) -> str:
    """A figure as a message shows it: at most ``decimals`` decimals, no trailing zeros."""
    if x is None or pd.isna(x):
        return "—"
    return cell_text(float(round(float(x), decimals)))


def _bounds(low: float, high: float, whole: bool) -> tuple[float, float]:
    """An expected range as people read it: whole numbers for a count, else two decimals; never narrower."""
    step = 1 if whole else 100
    return math.floor(low * step) / step, math.ceil(high * step) / step


def _figures(con: duckdb.DuckDBPyConnection, period: dt.date, months: int, forms: list[str]) -> pd.DataFrame:
    """The scored figure of every numeric indicator of ``forms`` in the accepted returns from ``months`` + 13 months
    back."""
    with memory_limit(con, QUERY_MEMORY):
        frame = query(con, "quality_figures", since=_months_before(period, months + 13), period=period, forms=forms)
    measure = frame["kind"].map(SCORED)
    value = np.where(measure == "month", frame["month_value"], frame["ytd_value"]).astype(float)
    return frame.assign(measure=measure, value=value, period=pd.to_datetime(frame["period"]))


def _sources(con: duckdb.DuckDBPyConnection, period: dt.date, now: pd.DataFrame, forms: list[str]) -> pd.DataFrame:
    """The figures of ``period`` with the file, sheet, cell and text each was read from."""
    with memory_limit(con, QUERY_MEMORY):
        sources = query(con, "quality_sources", period=period, forms=forms)
    found = now.merge(sources, on=SERIES_KEY)
    pick = lambda name: np.where(found["measure"] == "month", found[f"month_{name}"], found[f"ytd_{name}"])  # noqa: E731
    return found.assign(cell=pick("cell"), raw=pick("raw"))


def _sizes(figures: pd.DataFrame, period: dt.date, p: PeerParams, months: int) -> pd.DataFrame:
    """Each org's size: the median of its figures of the size indicator over the year up to ``period``."""
    form, _, code = p.size_indicator.partition("_")
    since = pd.Timestamp(_months_before(period, months - 1))
    own = figures[(figures["form_code"] == form) & (figures["indicator_code"] == code) & (figures["period"] >= since)]
    return own.groupby("org_code")["value"].median().rename("size").reset_index()


def _scored(con: duckdb.DuckDBPyConnection, period: dt.date, forms: list[str], sizes: pd.DataFrame, hp: HistoryParams,
            pp: PeerParams) -> pd.DataFrame:
    """The scores of the figures of ``forms``: a series' history and an indicator's peers are all within its form."""
    figures = _figures(con, period, hp.months, forms)
    now = _sources(con, period, figures[figures["period"] == pd.Timestamp(period)].dropna(subset=["value"]), forms)
    history = history_scores(figures[[*SERIES_KEY, "kind", "period", "value", "prior_ytd"]], period, hp)
    peers = peer_scores(now[[*SERIES_KEY, "value"]], sizes, pp)
    out = now.merge(history.drop(columns="value").rename(columns={"low": "history_low", "high": "history_high",
                                                                   "median": "history_median"}),
                    on=SERIES_KEY, how="left")
    out = out.merge(peers.drop(columns="value").rename(columns={"low": "peer_low", "high": "peer_high",
                                                                "median": "peer_median"}),
                    on=SERIES_KEY, how="left")
    return out.rename(columns={"score": "history_score", "z_peer": "peer_score"})


def scores(con: duckdb.DuckDBPyConnection, cat: Catalogue, period: dt.date) -> pd.DataFrame:
    """Every scored figure of ``period``: where it is, and its history and peer scores with their expected ranges.

    Worked out one form at a time, so that what is held is one form's history, not the district's (a thousand orgs'
    two years are a million figures)."""
    hp, pp = HistoryParams.of(cat.rules[HISTORY]), PeerParams.of(cat.rules[PEERS])
    size_form = pp.size_indicator.partition("_")[0]
    sizes = _sizes(_figures(con, period, hp.months, [size_form]), period, pp, hp.months)
    forms = [code for code, form in cat.forms.items() if form.layout == "indicators"]
    parts = [_scored(con, period, [form], sizes, hp, pp) for form in forms]
    found = [part for part in parts if len(part)]
    return pd.concat(found or parts[:1], ignore_index=True)


def _direction(z: float) -> str:
    return "偏高" if z > 0 else "偏低"


def _history_why(r) -> str:
    parts = [f"上月{number(r.previous)}" if pd.notna(r.previous) else "上月未报",
             f"此前{int(r.points)}个月中位数{number(r.history_median)}"]
    if pd.notna(r.last_year):
        parts.append(f"去年同月{number(r.last_year)}")
    return "，".join([_direction(r.history_score), *parts])


def _peer_why(r, cat: Catalogue, p: PeerParams) -> str:
    form, _, code = p.size_indicator.partition("_")
    size_name = cat.forms[form].indicator(code).name
    return (f"{_direction(r.peer_score)}，按各单位{size_name}折算，{int(r.peers)}个单位的中位数相当于本单位"
            f"{number(r.peer_median)}")


def flagged(table: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    """One row per (figure, rule) past the rule's threshold, with the expected range and why, in words."""
    hp, pp = HistoryParams.of(cat.rules[HISTORY]), PeerParams.of(cat.rules[PEERS])
    rows = []
    for rule, prefix, threshold, why in ((HISTORY, "history", hp.threshold, _history_why),
                                         (PEERS, "peer", pp.threshold, lambda r: _peer_why(r, cat, pp))):
        for r in table[table[f"{prefix}_score"].abs() >= threshold].itertuples(index=False):
            whole = float(r.value).is_integer() and (pd.isna(r.previous) or float(r.previous).is_integer())
            low, high = _bounds(getattr(r, f"{prefix}_low"), getattr(r, f"{prefix}_high"), whole)
            rows.append({**r._asdict(), "rule": rule, "score": abs(getattr(r, f"{prefix}_score")), "low": low,
                         "high": high, "why": why(r)})
    return pd.DataFrame(rows, columns=[*table.columns, "rule", "score", "low", "high", "why"])


def outlier_findings(hits: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    """The warning findings of flagged figures, each naming its cell, value, expected range and why."""
    rows = []
    for r in hits.itertuples(index=False):
        ind = cat.forms[r.form_code].indicator(r.indicator_code)
        rows.append({"sha256": r.sha256, "file_name": r.file_name, **finding(
            cat, r.rule, file_name=r.file_name, sheet=r.sheet, cell=r.cell, indicator=ind,
            value=number(r.value), measure=r.measure, unit=ind.unit or "", low=number(r.low), high=number(r.high),
            why=r.why), "explained": False, "explanation": None})
    return pd.DataFrame(rows, columns=["sha256", "file_name", "sheet", "cell", "form_code", "indicator_code", "severity",
                                       "rule", "value_found", "message", "expected", "explained", "explanation"])


def repeated_findings(con: duckdb.DuckDBPyConnection, cat: Catalogue, period: dt.date) -> pd.DataFrame:
    """A warning on the current return of each org × form revised too often in ``period`` (重复修改)."""
    least = int(cat.rules[REPEATED].params.get("min_revisions", 3))
    many = repeated_revisions(con, period, least)
    rows = [{"sha256": r.sha256, "file_name": r.file_name, **finding(
        cat, REPEATED, file_name=r.file_name, sheet=r.sheet, form_code=r.form_code, value=int(r.revisions),
        revisions=int(r.revisions), versions=int(r.revisions) + 1), "explained": False, "explanation": None}
        for r in many.itertuples(index=False)]
    return pd.DataFrame(rows)


def is_closed(con: duckdb.DuckDBPyConnection, period: dt.date) -> bool:
    """Whether ``period`` is closed now (验收关账)."""
    return any(p == period for (p,) in con.execute(sql("closed_periods")).fetchall())


def archived_notes(con: duckdb.DuckDBPyConnection, cat: Catalogue, shas: list[str]) -> pd.DataFrame:
    """The 说明 written in the files ``shas``, read again from their archived copies (the load keeps no notes)."""
    received = []
    for r in query(con, "archived_copies", shas=shas).itertuples(index=False):
        path = Path(r.archive_path) if isinstance(r.archive_path, str) else None
        if path is None or not path.exists():
            continue
        try:
            received.append(Received(r.sha256, r.file_name, tuple(read_grids(path.read_bytes()))))
        except UnreadableFile:
            continue
    return read_notes(received, cat)


def _explained_by_notes(found: pd.DataFrame, con: duckdb.DuckDBPyConnection, cat: Catalogue) -> pd.DataFrame:
    """Outlier findings marked explained by the notes of their returns; a note that gives no reason adds its own
    warning, unless the audit already wrote one for the indicator (it has warnings of its own there)."""
    if found.empty:
        return found
    shas = sorted(found["sha256"].unique())
    marked = explain(found, archived_notes(con, cat, shas), cat)
    said = marked["rule"] == BOILERPLATE
    audited = query(con, "audit_warned", shas=shas, rules=[*QUALITY_RULES, BOILERPLATE])
    taken = set(zip(audited["sha256"], audited["indicator_code"]))
    keep = ~said | pd.Series([k not in taken for k in zip(marked["sha256"], marked["indicator_code"])], index=marked.index)
    return marked[keep].reset_index(drop=True)


def refresh_outliers(con: duckdb.DuckDBPyConnection, cat: Catalogue, period: dt.date) -> int:
    """Recompute the outlier and 重复修改 findings of ``period`` on its accepted returns; how many were written.

    Called inside the writer after each load. A closed period's findings are of record and stay as they are. A file
    whose findings come out otherwise than before (a query raised by months that came later, or dropped) is owed its
    回执 again: the next run writes it anew.
    """
    if is_closed(con, period):
        return 0
    hits = flagged(scores(con, cat, period), cat)
    found = pd.concat([_explained_by_notes(outlier_findings(hits, cat), con, cat),
                       repeated_findings(con, cat, period)], ignore_index=True)
    before = query(con, "period_findings", period=period)
    con.execute(sql("delete_quality_findings"), {"period": period, "rules": list(QUALITY_RULES)})
    insert(con, "findings", found)
    con.execute(sql("apply_explanations"))
    con.execute(sql("close_answered_boilerplate"))
    con.execute(sql("recount_warnings"), {"period": period})
    if changed := changed_files(before, query(con, "period_findings", period=period)):
        con.execute(sql("owe_receipts_again"), {"shas": changed})
    return len(found)


def changed_files(before: pd.DataFrame, after: pd.DataFrame) -> list[str]:
    """The files (``sha256``) whose findings, one per row, differ between ``before`` and ``after``."""
    was = Counter(before.itertuples(index=False, name=None))
    now = Counter(after.itertuples(index=False, name=None))
    return sorted({row[0] for row in (was - now) + (now - was)})


def outlier_queries(con: duckdb.DuckDBPyConnection, cat: Catalogue, period: dt.date) -> pd.DataFrame:
    """The 查询清单 of ``period``: one row per flagged figure, most suspicious first, with its 说明 if given."""
    hits = flagged(scores(con, cat, period), cat)
    if hits.empty:
        return pd.DataFrame(columns=list(QUERY_COLUMNS))
    # a figure flagged by both rules is one query: the stronger rule speaks, both scores are shown
    hits = hits.sort_values("score", ascending=False).drop_duplicates(SERIES_KEY)
    notes = query(con, "figure_explanations", period=period, rules=[HISTORY, PEERS])
    hits = hits.merge(notes, on=["sha256", "sheet", "indicator_code"], how="left")
    names = {o.code: o.name for o in cat.orgs}
    out = hits.assign(
        org_name=hits["org_code"].map(names),
        indicator_name=[cat.forms[f].indicator(i).name for f, i in zip(hits["form_code"], hits["indicator_code"])],
        unit=[cat.forms[f].indicator(i).unit for f, i in zip(hits["form_code"], hits["indicator_code"])],
        measure=hits["measure"].map(MEASURE_NAMES),
        expected_low=hits["low"], expected_high=hits["high"],
        score=hits["score"].round(1), history_score=hits["history_score"].round(1),
        peer_score=hits["peer_score"].round(1), rule_name=hits["rule"].map(cat.rule_name),
        explained=hits["explained"].fillna(False).astype(bool),
    )
    out = out.sort_values(["score", "org_code", "form_code", "indicator_code"], ascending=[False, True, True, True])
    return out.assign(rank=range(1, len(out) + 1)).reindex(columns=list(QUERY_COLUMNS)).reset_index(drop=True)
