"""Commands the office runs on a month already loaded: report, status, feedback, explain."""
from __future__ import annotations

import sys
from pathlib import Path

from statreturns.flows.commands import Refused, common, month, org_arg, period_arg, show, writable_folder
from statreturns.flows.config import Settings
from statreturns.reports.status import DUE_DAY


def register(sub) -> None:
    report = sub.add_parser("report", help="从数据库重新生成汇总表（不重新收表）")
    report.add_argument("--period", required=True, type=period_arg)
    report.add_argument("--org", default="each", help="单位代码；all = 全区合计；each（默认）= 每个单位和全区")
    report.add_argument("--template", help="工作总结初稿模板（Jinja2，默认 reports/templates/summary.md.j2，写法见 reports/README.md）")
    common(report, "out", "registry")
    report.set_defaults(handler=cmd_report)

    explain = sub.add_parser("explain", help="登记统计局对某个提醒的说明（已说明的提醒不再待核实）")
    explain.add_argument("--file", required=True, help="报表文件名，如 财政6月.xlsx")
    explain.add_argument("--rule", required=True, help="审核规则代码，如 yoy_beyond_50（见 docs/rules.md）")
    explain.add_argument("--reason", required=True, help="说明的原因")
    explain.add_argument("--indicator", help="只说明这个指标代码的提醒，如 01（默认：该规则的全部提醒）")
    explain.add_argument("--period", type=period_arg, help="同名文件不止一个时，指明月份")
    common(explain, "out", "registry")
    explain.set_defaults(handler=cmd_explain)

    status = sub.add_parser("status", help="报送情况和催报单：各单位各报表已受理、迟报、退回、缺报")
    status.add_argument("--period", required=True, type=period_arg)
    status.add_argument("--format", choices=("table", "csv", "xlsx"), default="table")
    status.add_argument("--due-day", type=int, help=f"报送截止日：次月几号（1 至 31；默认按配置文件 [reporting] due_day，未配置为 {DUE_DAY}）")
    status.add_argument("--output", help="csv/xlsx 写入的文件（csv 默认打印；xlsx 默认 <out>/<期别>/催报单.xlsx）")
    common(status, "out", "registry")
    status.set_defaults(handler=cmd_status)

    feedback = sub.add_parser("feedback", help="从数据库和归档重新生成该期每个报表的审核结果回执")
    feedback.add_argument("--period", required=True, type=period_arg)
    common(feedback, "out", "registry")
    feedback.set_defaults(handler=cmd_feedback)


def cmd_report(args, settings: Settings) -> int:
    from statreturns.reports.build import build_reports, report_orgs
    from statreturns.reports.narrative import TemplateError

    cat = settings.catalogue()
    org = org_arg(args.org, cat)
    template = Path(args.template) if args.template else None
    try:
        folders = build_reports(settings.wh, cat, month(args.period), report_orgs(cat, org), writable_folder(settings.out),
                                template)
    except TemplateError as e:
        raise Refused(f"模板有误：{e}") from None
    for folder in folders:
        print(f"汇总表、工作总结初稿：{folder}")
    return 0


def cmd_explain(args, settings: Settings) -> int:
    from statreturns.reports.feedback import write_feedback
    from statreturns.warehouse.explanations import CannotExplain, record_explanation

    period = month(args.period) if args.period else None
    writable_folder(settings.out)
    try:
        explained = record_explanation(settings.wh, args.file, args.rule, args.reason,
                                       indicator=args.indicator, period=period)
    except CannotExplain as e:
        print(f"未登记：{e}", file=sys.stderr)
        return 1
    print(f"已登记说明：《{explained['file_name'].iloc[0]}》{args.rule}，{len(explained)} 条提醒标记为已说明")
    for path in write_feedback(settings.wh, settings.catalogue(), settings.out, shas=list(explained["sha256"].unique())):
        print(f"审核结果回执已更新：{path}")
    return 0


def cmd_status(args, settings: Settings) -> int:
    from statreturns.reports import status as writer

    due_day = settings.due_day if args.due_day is None else args.due_day
    if not 1 <= due_day <= 31:
        raise Refused(f"--due-day 应为 1 至 31 之间的日子，而不是 {due_day}")
    status = writer.period_status(settings.wh, settings.catalogue(), month(args.period), due_day, settings.due_hour)
    what = "报送情况" if args.format == "csv" else "催报单"
    return show(args, what, status, writer, writer.status_path(settings.out, status.period))


def cmd_feedback(args, settings: Settings) -> int:
    from statreturns.reports.feedback import owed, settle, write_feedback
    from statreturns.reports.received import received_returns

    with settings.wh.reader() as con:
        shas = list(received_returns(con, period=month(args.period))["sha256"].unique())
    lots = owed(settings.wh, shas)  # read before the findings the 回执 are written from
    paths = write_feedback(settings.wh, settings.catalogue(), writable_folder(settings.out), period=month(args.period))
    for lot in lots:
        settle(settings.wh, lot)  # written now: a run owes them no more
    print(f"审核结果回执 {len(paths)} 个：{settings.out / month(args.period).strftime('%Y-%m') / 'feedback'}")
    return 0
