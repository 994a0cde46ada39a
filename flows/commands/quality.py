"""Commands for data quality: the 查询清单, approving and closing a month (审核、验收), and timeliness over a year."""
from __future__ import annotations

import sys

from statreturns.flows.commands import Refused, common, month, period_arg, show
from statreturns.flows.config import Settings
from statreturns.schemas.text import period_label


def register(sub) -> None:
    queries = sub.add_parser("queries", help="查询清单：本期偏离本单位往月或其他单位的数（最可疑的在前）、重复修改的报表")
    queries.add_argument("--period", required=True, type=period_arg)
    queries.add_argument("--format", choices=("table", "csv", "xlsx"), default="table")
    queries.add_argument("--output", help="csv/xlsx 写入的文件（csv 默认打印；xlsx 默认 <out>/<期别>/查询清单.xlsx）")
    common(queries, "out", "registry")
    queries.set_defaults(handler=cmd_queries)

    states = sub.add_parser("states", help="审核验收进度：各单位本期是已受理、已审核还是已验收")
    states.add_argument("--period", required=True, type=period_arg)
    common(states, "registry")
    states.set_defaults(handler=cmd_states)

    approve = sub.add_parser("approve", help="审核通过某期各单位的报表（已受理 → 已审核；有未说明的提醒不能通过）")
    approve.add_argument("--period", required=True, type=period_arg)
    approve.add_argument("--org", action="append", help="单位代码，可写多次；不写为本期有报表的全部单位")
    approve.add_argument("--note", help="审核意见")
    common(approve, "registry")
    approve.set_defaults(handler=cmd_approve)

    close = sub.add_parser("close", help="验收关账：此后该期的报表一律退回，汇总表为正式数，如需更正须先 reopen")
    close.add_argument("--period", required=True, type=period_arg)
    close.add_argument("--reason", default="月度验收", help="关账原因（默认：月度验收）")
    common(close, "registry")
    close.set_defaults(handler=cmd_close)

    reopen = sub.add_parser("reopen", help="重开已关账的月份，让更正的报表可以报送")
    reopen.add_argument("--period", required=True, type=period_arg)
    reopen.add_argument("--reason", required=True, help="重开原因，如 东关街道ZB02表固定资产投资需要更正")
    common(reopen, "registry")
    reopen.set_defaults(handler=cmd_reopen)

    timeliness = sub.add_parser("timeliness", help="报送率和及时率：全年各月，按单位、按部门（表格和图表）")
    timeliness.add_argument("--year", required=True, type=int)
    timeliness.add_argument("--format", choices=("table", "csv", "xlsx"), default="table")
    timeliness.add_argument("--output", help="csv/xlsx 写入的文件（csv 默认打印；xlsx 默认 <out>/<年>/报送及时率.xlsx）")
    common(timeliness, "out", "registry")
    timeliness.set_defaults(handler=cmd_timeliness)


def _readable(settings: Settings) -> None:
    if not settings.wh.exists:
        raise Refused(f"数据库不存在：{settings.wh.path}（请先收表入库）")


def cmd_queries(args, settings: Settings) -> int:
    from statreturns.reports import queries

    _readable(settings)
    q = queries.read_queries(settings.wh, settings.catalogue(), month(args.period))
    return show(args, "查询清单", q, queries, queries.queries_path(settings.out, q.period))


def _state_lines(states) -> list[str]:
    lines = []
    for r in states.itertuples(index=False):
        warned = f"，待核实提醒 {r.open_warnings} 条" if r.open_warnings else ""
        lines.append(f"  {r.org_name or r.org_code}：{r.state_label}（受理报表 {r.accepted_returns} 张{warned}）")
    return lines or ["  本期还没有受理的报表"]


def cmd_states(args, settings: Settings) -> int:
    from statreturns.warehouse.closing import closing, period_states

    _readable(settings)
    period = month(args.period)
    with settings.wh.reader() as con:
        states, row = period_states(con, period), closing(con, period)
    shut = f"已于{row['closed_at']:%Y-%m-%d %H:%M}由{row['closed_by']}验收关账" if row and row["closed"] else "未关账"
    print(f"{period_label(period)}审核验收进度（{shut}）：")
    print("\n".join(_state_lines(states)))
    return 0


def cmd_approve(args, settings: Settings) -> int:
    from statreturns.warehouse.audit_log import command_user
    from statreturns.warehouse.closing import approve

    _readable(settings)
    period = month(args.period)
    names = {o.code: o.name for o in settings.catalogue().orgs}
    approved, refused = approve(settings.wh, period, args.org, command_user(), args.note)
    for org in approved:
        print(f"已审核：{names.get(org, org)} {period_label(period)}")
    for org, why in refused.items():
        print(f"未审核：{names.get(org, org)} {period_label(period)}：{why}", file=sys.stderr)
    if not approved and not refused:
        raise Refused(f"{period_label(period)}没有受理的报表，无可审核")
    return 1 if refused else 0


def cmd_close(args, settings: Settings) -> int:
    from statreturns.warehouse.audit_log import command_user
    from statreturns.warehouse.closing import NotAllowed, close_period

    _readable(settings)
    period = month(args.period)
    try:
        states = close_period(settings.wh, period, command_user(), args.reason)
    except NotAllowed as e:
        raise Refused(str(e)) from None
    print(f"已验收关账：{period_label(period)}（{args.reason}）。此后该期报表一律退回，如需更正请先 "
          f"statreturns reopen --period {period:%Y-%m} --reason 原因")
    print("\n".join(_state_lines(states)))
    return 0


def cmd_reopen(args, settings: Settings) -> int:
    from statreturns.warehouse.audit_log import command_user
    from statreturns.warehouse.closing import NotAllowed, reopen_period

    _readable(settings)
    period = month(args.period)
    try:
        reopen_period(settings.wh, period, command_user(), args.reason)
    except NotAllowed as e:
        raise Refused(str(e)) from None
    print(f"已重开：{period_label(period)}（{args.reason.strip()}）。该期的更正报表可以报送了；改好后请再次关账")
    return 0


def cmd_timeliness(args, settings: Settings) -> int:
    from statreturns.reports import timeliness

    _readable(settings)
    t = timeliness.read_timeliness(settings.wh, settings.catalogue(), args.year, settings.due_day, settings.due_hour)
    if t.table.empty:
        raise Refused(f"{args.year}年没有收到任何报表")
    return show(args, "报送及时率", t, timeliness, timeliness.timeliness_path(settings.out, args.year))
