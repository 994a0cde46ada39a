"""说明 the office records for a warning (``statreturns explain``): kept in ``explanations``, marked in ``findings``.

A reason that gives none (核实无误, 数据属实 …: the list is the ``explanation_boilerplate`` rule's params) is refused,
and every explanation recorded goes into the audit log with who gave it.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from statreturns.schemas.catalogue import Catalogue, load_catalogue
from statreturns.schemas.notes import BOILERPLATE, gives_no_reason
from statreturns.warehouse.audit_log import command_user, log_action
from statreturns.warehouse.db import query, sql
from statreturns.warehouse.store import Warehouse


class CannotExplain(Exception):
    """Why an explanation cannot be recorded, in Chinese for the office."""


def _pick(found: pd.DataFrame, file: str, rule: str, indicator: str | None) -> pd.DataFrame:
    """The warnings an explanation of ``rule`` (and ``indicator``) in ``file`` is about, or why there are none."""
    if found.empty:
        raise CannotExplain(f"没有找到文件《{file}》的审核结果（请写文件名，如 财政6月.xlsx；可加 --period 指明月份）")
    mine = found[(found["rule"] == rule) & ((found["indicator_code"] == indicator) if indicator else True)]
    warnings = mine[mine["severity"] == "warning"]
    if warnings.empty:
        if (mine["severity"] == "error").any():
            raise CannotExplain(f"《{file}》的 {rule} 是错误，不能用说明代替修改：请退回修改后重新报送")
        listed = "、".join(sorted({r.rule + (f"（指标{r.indicator_code}）" if isinstance(r.indicator_code, str) else "")
                                  for r in found[found["severity"] == "warning"].itertuples()}))
        raise CannotExplain(f"《{file}》没有规则 {rule}{f'（指标{indicator}）' if indicator else ''} 的提醒；"
                            f"它的提醒有：{listed or '无'}")
    files = warnings.drop_duplicates("sha256")
    if len(files) > 1:
        months = "、".join(sorted(f"{p:%Y-%m}" for p in files["period"].dropna()))
        raise CannotExplain(f"有 {len(files)} 个名为《{file}》的文件（{months}），请用 --period 指明是哪个月的")
    return warnings


def _check_reason(reason: str, warnings: pd.DataFrame, cat: Catalogue) -> None:
    """Refuse a reason that gives none, naming what would do."""
    forms = {f for f in warnings["form_code"].dropna() if f in cat.forms}
    names = [n for f in forms for i in cat.forms[f].indicators for n in (i.name, *i.aliases)]
    if gives_no_reason(reason, names, cat.rules[BOILERPLATE]):
        raise CannotExplain(f"说明“{reason}”没有写明原因（“核实无误”“数据属实”“正常”一类的话不能作为说明），未登记：请写明具体原因，"
                            "如 新增税源、口径调整、项目集中开工")


def record_explanation(wh: Warehouse, file: str, rule: str, reason: str, *, indicator: str | None = None,
                       period: dt.date | None = None, now: dt.datetime | None = None, who: str | None = None,
                       cat: Catalogue | None = None) -> pd.DataFrame:
    """Record the office's reason for a warning of a file and mark it explained; returns the warnings it explains.

    ``who`` is the person the audit log names (default: the command's user).
    """
    reason = reason.strip()
    if not reason:
        raise CannotExplain("请写明说明的原因（--reason）")
    now = now or dt.datetime.now()
    with wh.writer() as con:
        found = query(con, "file_findings", file=file)
        if period is not None:
            found = found[pd.to_datetime(found["period"]) == pd.Timestamp(period)]
        warnings = _pick(found, file, rule, indicator)
        _check_reason(reason, warnings, cat or load_catalogue())
        first = warnings.iloc[0]
        con.begin()
        con.execute(sql("insert_explanation"), {
            "sha256": first["sha256"], "file_name": first["file_name"], "rule": rule, "indicator_code": indicator,
            "reason": reason, "recorded_at": now,
        })
        con.execute(sql("apply_explanations"))
        con.execute(sql("close_answered_boilerplate"))
        log_action(con, who or command_user(), "explain", first["file_name"], sha256=first["sha256"], at=now,
                   detail=f"{rule}{f'（指标{indicator}）' if indicator else ''}：{reason}")
        con.commit()
    return warnings.assign(explained=True, explanation=reason)
