"""Outliers (奇异值): how unusual a figure is against the org's own history and against its peers.

Pure scoring over frames the warehouse supplies; thresholds come from the rules' ``params`` in rules.yaml.

History: each (org, indicator) series is taken on a log scale, ``log(value + small_base)``, so that a series of
single-digit counts does not jump by "300%" when 1 becomes 4. Two modified z-scores (0.6745 × (x − median) / MAD,
Iglewicz and Hoaglin) are computed against the previous ``months`` months: of the change from last month, less the
change the same months made last year when last year is known (seasonality), and of the level itself (its ratio to
the same month last year when that is known). A figure is an outlier when both say so in the same direction: a
jump from last month to a level the org has not had; a lasting change is queried once, in its first month.

Peers: the same indicator and month in the other orgs, each divided by the org's size on a stable indicator
(``size_indicator``, e.g. 全口径财政收入), with one modified z-score across the orgs.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from statreturns.schemas.catalogue import Rule

SERIES_KEY = ["org_code", "form_code", "indicator_code"]
# what a frame of figures handed to the scoring holds, one row per (org, indicator, period)
SERIES_COLUMNS = (*SERIES_KEY, "kind", "period", "value", "prior_ytd")
CONSISTENCY = 0.6745  # makes the MAD of a normal sample comparable to its standard deviation


@dataclass(frozen=True)
class HistoryParams:
    threshold: float = 3.5  # |modified z| from which a figure is queried
    months: int = 12  # how many earlier months the org's history reaches back
    min_points: int = 3  # fewer earlier months than this (the same year or last): no history score
    min_spread: float = 0.15  # the least MAD, on the log scale (about ±15%): steady series do not flood
    small_base: float = 10.0  # added before taking logs, in the indicator's own unit: damps small bases

    @classmethod
    def of(cls, rule: Rule) -> HistoryParams:
        return cls(**{k: type(getattr(cls, k))(v) for k, v in rule.params.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class PeerParams:
    threshold: float = 3.5
    min_peers: int = 5  # fewer orgs than this with the figure and a size: no peer score
    min_spread: float = 0.25
    small_base: float = 10.0
    size_indicator: str = "ZB01_02"  # form_indicator of the stable indicator an org's size is read from

    @classmethod
    def of(cls, rule: Rule) -> PeerParams:
        return cls(**{k: type(getattr(cls, k))(v) for k, v in rule.params.items() if k in cls.__dataclass_fields__})


# the figure of an indicator that is scored, by its kind: a flow's month, a stock's month-end level; text is not
SCORED = {"flow": "month", "stock": "ytd"}


def row_medians(a: np.ndarray) -> np.ndarray:
    """The median of each row, NaN skipped (NaN for a row with none): np.nanmedian, without its loop over rows."""
    ordered = np.sort(a, axis=1)  # NaN sorts last
    n = np.sum(~np.isnan(a), axis=1)
    low = np.take_along_axis(ordered, np.maximum((n - 1) // 2, 0)[:, None], axis=1)[:, 0]
    high = np.take_along_axis(ordered, np.maximum(n // 2, 0)[:, None], axis=1)[:, 0]
    return np.where(n > 0, (low + high) / 2, np.nan)


def robust_z(x: np.ndarray, ref: np.ndarray, min_spread: float, min_points: int) -> tuple[np.ndarray, ...]:
    """Modified z-score of each x against its row of ``ref`` (NaN = absent): (z, median, spread, points)."""
    points = np.sum(~np.isnan(ref), axis=1)
    usable = points >= max(min_points, 1)
    med = np.where(usable, row_medians(ref), np.nan)
    mad = row_medians(np.abs(ref - med[:, None]))
    spread = np.maximum(mad, min_spread)
    z = np.where(usable, CONSISTENCY * (x - med) / spread, np.nan)
    return z, med, spread, points


def _months(period: dt.date, n: int) -> list[pd.Timestamp]:
    end = pd.Timestamp(period)
    return [end - pd.DateOffset(months=k) for k in range(n - 1, -1, -1)]


def _pivot(frame: pd.DataFrame, column: str, keys: pd.MultiIndex, months: list[pd.Timestamp]) -> np.ndarray:
    wide = frame.pivot_table(index=SERIES_KEY, columns="period", values=column, aggfunc="first", dropna=False)
    return wide.reindex(index=keys, columns=months).to_numpy(dtype=float, copy=True)


def _last_year_from_prior(prior: np.ndarray, months: list[pd.Timestamp], stock: np.ndarray) -> np.ndarray:
    """Last year's value of each month as the returns' 上年同期累计 give it: a difference of YTDs for a flow."""
    out = np.full(prior.shape, np.nan)
    for j, m in enumerate(months):
        if m.month == 1:
            out[:, j] = prior[:, j]
        elif j > 0:
            out[:, j] = prior[:, j] - prior[:, j - 1]
        out[stock, j] = prior[stock, j]
    return out


def history_scores(series: pd.DataFrame, period: dt.date, p: HistoryParams) -> pd.DataFrame:
    """Per series with a figure in ``period``: its value, history, both z-scores, the score and the expected range.

    ``series`` has SERIES_COLUMNS: every period the warehouse holds from ``months`` + 13 months before ``period``.
    """
    months = _months(period, p.months + 14)
    frame = series.assign(period=pd.to_datetime(series["period"]))
    now = frame[frame["period"] == months[-1]].dropna(subset=["value"])
    columns = ["value", "previous", "last_year", "median", "points", "z_change", "z_level", "score", "low", "high"]
    if now.empty:
        return pd.DataFrame(columns=[*SERIES_KEY, *columns])
    keys = pd.MultiIndex.from_frame(now[SERIES_KEY].drop_duplicates())
    values = _pivot(frame, "value", keys, months)
    values[values < 0] = np.nan
    stock = (now.drop_duplicates(SERIES_KEY).set_index(SERIES_KEY).reindex(keys)["kind"] == "stock").to_numpy()
    from_prior = _last_year_from_prior(_pivot(frame, "prior_ytd", keys, months), months, stock)
    actual = np.full(values.shape, np.nan)
    actual[:, 12:] = values[:, :-12]
    last_year = np.where(np.isnan(actual), from_prior, actual)
    last_year[last_year < 0] = np.nan

    c = p.small_base
    level = np.log(values + c)
    ly_level = np.log(last_year + c)
    change = level[:, 1:] - level[:, :-1]
    seasonal = ly_level[:, 1:] - ly_level[:, :-1]
    residual = change - np.nan_to_num(seasonal)
    ref = slice(-p.months - 1, -1)
    # n earlier months give n − 1 changes
    z_change, med_change, spread_change, _ = robust_z(residual[:, -1], residual[:, ref], p.min_spread, p.min_points - 1)

    against_ly = level - ly_level
    use_ly = ~np.isnan(against_ly[:, -1]) & (np.sum(~np.isnan(against_ly[:, -p.months - 1:-1]), axis=1) >= p.min_points)
    levels = np.where(use_ly[:, None], against_ly, level)
    z_level, med_level, spread_level, points = robust_z(levels[:, -1], levels[:, -p.months - 1:-1], p.min_spread, p.min_points)

    # the change from last month gates the level; with no figure last month, the level alone speaks
    agree = np.sign(z_change) == np.sign(z_level)
    weaker = np.sign(z_level) * np.minimum(np.abs(z_change), np.abs(z_level))
    score = np.where(np.isnan(values[:, -2]), z_level, np.where(agree, weaker, 0.0))
    score = np.where(~np.isnan(values[:, -2]) & np.isnan(z_change), np.nan, score)

    width = p.threshold / CONSISTENCY
    centre_change = level[:, -2] + np.nan_to_num(seasonal[:, -1]) + med_change
    centre_level = med_level + np.where(use_ly, ly_level[:, -1], 0.0)
    lows = np.stack([centre_change - width * spread_change, centre_level - width * spread_level])
    highs = np.stack([centre_change + width * spread_change, centre_level + width * spread_level])
    with np.errstate(all="ignore"):
        low = np.maximum(np.exp(np.min(np.where(np.isnan(lows), np.inf, lows), axis=0)) - c, 0.0)
        high = np.exp(np.max(np.where(np.isnan(highs), -np.inf, highs), axis=0)) - c
    typical = row_medians(values[:, -p.months - 1:-1])
    out = keys.to_frame(index=False).assign(
        value=values[:, -1], previous=values[:, -2], last_year=last_year[:, -1], median=typical, points=points,
        z_change=z_change, z_level=z_level, score=score, low=np.where(np.isinf(low), np.nan, low),
        high=np.where(np.isinf(high), np.nan, high),
    )
    return out[~np.isnan(out["score"])].reset_index(drop=True)


def peer_scores(now: pd.DataFrame, sizes: pd.DataFrame, p: PeerParams) -> pd.DataFrame:
    """Per figure of one period: its z-score among the orgs with the same indicator, each scaled by its size.

    ``now``: SERIES_KEY and value, one period. ``sizes``: org_code and size (> 0).
    """
    columns = ["value", "size", "peers", "median", "z_peer", "low", "high"]
    frame = now.dropna(subset=["value"]).merge(sizes, on="org_code")
    frame = frame[(frame["size"] > 0) & (frame["value"] >= 0)]
    if frame.empty:
        return pd.DataFrame(columns=[*SERIES_KEY, *columns])
    frame = frame.assign(ratio=np.log(frame["value"] + p.small_base) - np.log(frame["size"]))
    # every org of an indicator is scored against the same reference, the indicator's orgs: one median each
    group = frame.groupby(["form_code", "indicator_code"], sort=False)["ratio"]
    med = group.transform("median")
    spread = np.maximum((frame["ratio"] - med).abs().groupby([frame["form_code"], frame["indicator_code"]],
                                                             sort=False).transform("median"), p.min_spread)
    peers = group.transform("size")
    width = p.threshold / CONSISTENCY
    sizes_log = np.log(frame["size"])
    out = frame[[*SERIES_KEY, "value", "size"]].assign(
        peers=peers, median=np.exp(med + sizes_log) - p.small_base,
        z_peer=(CONSISTENCY * (frame["ratio"] - med) / spread).where(peers >= p.min_peers),
        low=np.maximum(np.exp(med - width * spread + sizes_log) - p.small_base, 0.0),
        high=np.exp(med + width * spread + sizes_log) - p.small_base)
    return out[~out["z_peer"].isna()].reset_index(drop=True)

