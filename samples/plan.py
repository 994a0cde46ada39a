"""The plan of the demo inbox: which file, which org and form, which drift, which role, when it was saved."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from statreturns.schemas.catalogue import Catalogue, Form, Org, load_catalogue
from statreturns.samples.constants import _MAX_DRIFTS, _PER_DRIFT, _PERIODS, CHINA, DRIFT_NOTES, MONTHS, YEAR


@dataclass(frozen=True)
class Submission:
    """One file of the inbox: whose return it is, how it drifts, how it was written and when."""

    path: str  # relative to the inbox, e.g. 2023-06/示例街道财政所-ZB01表-2023年6月.xlsx
    month: int
    org: Org
    form: Form
    submitted: dt.datetime
    writer: str = "openpyxl"
    period_text: str = ""
    drifts: tuple[str, ...] = ()
    role: str = "good"  # good | superseded | duplicate | rejected
    mutation: str | None = None
    rule: str | None = None  # the rule a rejected file is rejected by
    why: str = ""
    copy_of: str | None = None  # a duplicate's original


def _stem(org: Org, form: Form, m: int, habit: int) -> str:
    """File names follow each township's own habit; the period is never read from them."""
    return (
        f"{org.name}{form.department}-{form.code}表-{YEAR}年{m}月",
        f"{form.code}{form.title}（{org.name}）{YEAR}年{m}月",
        f"{YEAR}{m:02d}{org.name}{form.title}",
    )[habit % 3]


def _period_text(i: int, m: int) -> str:
    spelling = _PERIODS[i % len(_PERIODS)]
    if m == 1 and "{y}年1" in spelling:  # nobody writes 1-1月
        spelling = "{y}年{m}月"
    return spelling.format(y=YEAR, m=m)


def _submitted(m: int, day: int, minutes: int) -> dt.datetime:
    """Early in the month after the report period (December's in the next January)."""
    return dt.datetime(YEAR + m // 12, m % 12 + 1, day, 8, 30, tzinfo=CHINA) + dt.timedelta(minutes=minutes)


def _applies(drift: str, form: Form) -> bool:
    numeric = [i for i in form.indicators if i.kind != "text"]
    units = {i.unit for i in numeric}
    if form.layout == "projects":
        return drift in {
            "offset_row", "offset_col", "reordered", "spacer_rows", "note_row", "remark_col", "renamed_sheet",
            "instructions_sheet", "hidden_sheet", "text_numbers", "header_synonyms", "single_header",
            "label_next_cell", "reporter_space", "dept_alias", "yiyuan",
        }
    return {
        "yiyuan": False,
        "chart_sheet": bool(numeric),
        "name_alias": any(i.aliases for i in form.indicators),
        "trailing_unit": "万元" in units,
        "dash_stock": any(i.kind == "stock" for i in form.indicators),
        "dash_no_figure": any(not i.yoy for i in numeric),
        "yuan_row": "万元" in units,
        "yuan_sheet": units == {"万元"},
        "text_unmerged": any(i.kind == "text" for i in form.indicators),
        "yoy_text_pct": any(i.yoy for i in form.indicators),
        "yoy_blank": any(i.yoy for i in form.indicators),
        "yoy_formula": any(i.yoy for i in form.indicators),
    }.get(drift, True)


_CONFLICTS = (
    {"yuan_row", "yuan_sheet", "trailing_unit"},
    {"grouped_header", "single_header"},
    {"yoy_text_pct", "yoy_blank", "yoy_formula"},
    {"reporter_space", "dept_alias"},
)


def _compatible(drift: str, have: tuple[str, ...]) -> bool:
    return not any(drift in group and set(have) & (group - {drift}) for group in _CONFLICTS)


def _assign_drifts(good: list[Submission], last: int) -> list[Submission]:
    """Spread each drift over a few good files, one of them in the last month (seed-independent)."""
    rng = random.Random("statreturns sample inbox: drift plan")
    drifts: dict[str, tuple[str, ...]] = {s.path: () for s in good}
    for name in DRIFT_NOTES:
        candidates = [s for s in good if _applies(name, s.form) and _compatible(name, drifts[s.path])
                      and len(drifts[s.path]) < _MAX_DRIFTS and s.role == "good"]
        closing = [s for s in candidates if s.month == last]
        picked = rng.sample(closing, 1) if closing else []
        rest = [s for s in candidates if s not in picked]
        picked += rng.sample(rest, min(_PER_DRIFT - len(picked), len(rest)))
        # the list form is laid out by other code: let it meet every drift it can carry
        lists = [s for s in candidates if s.form.layout != "indicators"]
        if lists and not any(s.form.layout != "indicators" for s in picked):
            picked.append(rng.choice(lists))
        for s in picked:
            drifts[s.path] += (name,)
    out = []
    for s in good:
        writer = "xlsxwriter" if {"yoy_formula", "chart_sheet"} & set(drifts[s.path]) else s.writer
        out.append(replace(s, drifts=drifts[s.path], writer=writer))
    return out


def _plan(cat: Catalogue, months: tuple[int, ...]) -> list[Submission]:
    """Every file of the inbox, in the order it is written; the last month brings the bad files and corrections."""
    a, b, c = cat.orgs[:3]
    forms = cat.forms
    last = months[-1]
    missing = {(b.code, "ZB11", last)}
    # files re-sent after a rejection or corrected later keep the clerk's name with a suffix
    suffix = {(c.code, "ZB01"): "（修改版）", (b.code, "ZB05"): "（修改版）", (b.code, "ZB02"): "（更正）"}
    good: list[Submission] = []
    i = 0
    for m in months:
        k = 0
        for habit, org in enumerate(cat.orgs):
            for f, form in enumerate(forms.values()):
                if (org.code, form.code, m) in missing:
                    continue
                stem = _stem(org, form, m, habit)
                if m == last:
                    stem += suffix.get((org.code, form.code), "")
                day = 8 if suffix.get((org.code, form.code)) == "（更正）" and m == last else 5
                good.append(Submission(
                    path=f"{YEAR}-{m:02d}/{stem}.xlsx", month=m, org=org, form=form,
                    submitted=_submitted(m, day, 3 * k), writer="openpyxl" if (m + habit + f) % 3 == 0 else "xlsxwriter",
                    period_text=_period_text(i, m),
                ))
                i += 1
                k += 1
    good = _assign_drifts(good, last)
    by_key = {(s.org.code, s.form.code, s.month): s for s in good}
    folder = f"{YEAR}-{last:02d}"
    extra: list[Submission] = []

    corrected = by_key[(b.code, "ZB02", last)]
    extra.append(replace(
        corrected, path=f"{folder}/{Path(corrected.path).stem.removesuffix('（更正）')}.xlsx", submitted=_submitted(last, 5, 40),
        role="superseded", mutation="understated",
        why="first June ZB02 return; its 固定资产投资 was understated and the （更正） file replaces it",
    ))
    original = by_key[(a.code, "ZB12", last)]
    extra.append(replace(
        original, path=f"{folder}/{Path(original.path).stem} - 副本.xlsx", submitted=original.submitted + dt.timedelta(minutes=47),
        role="duplicate", copy_of=original.path, why="the same file sent twice (identical bytes)",
    ))
    for minutes, (org, form_code, mutation, rule, why) in enumerate((
        (c, "ZB01", "negative", "negative", "first submission: 本月 of 一般公共预算收入 negative (退库); re-sent as （修改版）"),
        (b, "ZB05", "closed_gt_received", "ZB05_closed_le_received", "first submission: 办结案件 more than 受理案件; re-sent as （修改版）"),
    )):
        base = by_key[(org.code, form_code, last)]
        extra.append(replace(
            base, path=f"{folder}/{Path(base.path).stem.removesuffix('（修改版）')}.xlsx", drifts=(),
            submitted=_submitted(last, 3, 90 + 25 * minutes), role="rejected", mutation=mutation, rule=rule, why=why,
        ))
    base = by_key[(c.code, "ZB07", last)]
    extra.append(replace(
        base, path=f"{folder}/{Path(base.path).stem}（更正）.xlsx", drifts=(), submitted=_submitted(last, 9, 40),
        role="rejected", mutation="broken_continuity", rule="ytd_continuity",
        why="a later 'correction' whose 本年累计 is not May's 本年累计 plus June's 本月; the earlier good file stays current",
    ))
    stranger = Org("", "南山街道", "街道")
    extra.append(Submission(
        path=f"{folder}/南山街道财政所-ZB01表-{YEAR}年{last}月.xlsx", month=last, org=stranger, form=forms["ZB01"],
        submitted=_submitted(last, 5, 150), writer="xlsxwriter", period_text=f"{YEAR}年1-{last}月",
        role="rejected", rule="unknown_org", why="填报单位 南山街道财政所 is not in the org registry",
    ))
    extra.append(Submission(
        path=f"{folder}/{c.name}{forms['ZB10'].department}{YEAR}年{last}月报表.xlsx", month=last, org=c, form=forms["ZB10"],
        submitted=_submitted(last, 5, 160), writer="text", role="rejected", rule="file_unreadable",
        why="a text note saved with an .xlsx name, not a workbook",
    ))
    return good + extra


@cache
def plan(months: tuple[int, ...] = MONTHS) -> tuple[Submission, ...]:
    """Every file of the demo inbox (seed-independent): path, org, form, drifts, writer, 报告期 spelling, role, mtime.

    ``months`` runs from January: the demo's half-year, or a longer stretch (the bench's year)."""
    if months != tuple(range(1, len(months) + 1)) or len(months) > 12:
        raise ValueError(f"months must run from January, one after another, within the year: {months}")
    return tuple(_plan(load_catalogue(), months))
