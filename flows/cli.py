"""The ``statreturns`` command."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from typing import TYPE_CHECKING

from statreturns.flows.config import Settings, load_settings
from statreturns.reports.status import DUE_DAY
from statreturns.schemas.text import parse_period
from statreturns.warehouse.lock import WarehouseBusy

if TYPE_CHECKING:  # the load machinery (pandera, pandas) is imported only by the commands that load
    from statreturns.warehouse.load import IngestResult

STATUS_NAMES = {"accepted": "受理", "rejected": "退回", "duplicate": "重复", "superseded": "被更正"}


def _period(text: str):
    period = parse_period(text)
    if period is None:
        raise argparse.ArgumentTypeError(f"无法识别的报告期：{text}（应写作如 2023-06）")
    return text


def _common(p: argparse.ArgumentParser, *names: str) -> None:
    p.add_argument("--config", help="配置文件（默认 ./statreturns.toml）")
    p.add_argument("--warehouse", help="DuckDB 数据库文件")
    p.add_argument("--snapshot", help="供查询的只读快照（默认在数据库旁）")
    for name in names:
        p.add_argument(f"--{name}")


def _runner(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runner", choices=("thread", "dask"), default="thread",
                   help="读取报表在哪里并行：thread（默认，本机线程）或 dask（Dask 集群；入库仍只在本机）")
    p.add_argument("--dask-address", help="Dask 调度器地址，如 tcp://10.0.0.5:8786（默认在本机起一个临时集群）")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="statreturns", description="乡镇（街道）统计月报汇总：收表、审核、入库、出汇总表")
    sub = top.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="月度汇总：收取收件箱中的新报表，审核入库，并生成该期汇总表")
    run.add_argument("--period", type=_period, help="汇总期，如 2023-06（默认上个月）")
    _runner(run)
    _common(run, "inbox", "out", "archive", "registry")
    backfill = sub.add_parser("backfill", help="补跑：收取全部新报表，并生成 start 至 end 每月的汇总表")
    backfill.add_argument("--start", required=True, type=_period, help="第一个月，如 2023-01")
    backfill.add_argument("--end", required=True, type=_period, help="最后一个月，如 2023-06（按此期审核）")
    _runner(backfill)
    _common(backfill, "inbox", "out", "archive", "registry")
    serve = sub.add_parser("serve", help="常驻运行 prefect.yaml 中的部署：每月定时汇总，并接受按需运行（需 Prefect 服务器）")
    serve.add_argument("--deployments", help="部署定义文件（默认 ./prefect.yaml，再次为本项目自带的）")
    _common(serve, "inbox", "out", "archive", "registry")
    ingest = sub.add_parser("ingest", help="只收表、审核、入库，不生成汇总表")
    ingest.add_argument("inbox", nargs="?", help="收件箱文件夹或单个文件")
    ingest.add_argument("--period", type=_period, help="本次汇总期（晚于它的报表给出提醒）")
    _common(ingest, "archive", "registry")
    report = sub.add_parser("report", help="从数据库重新生成汇总表（不重新收表）")
    report.add_argument("--period", required=True, type=_period)
    report.add_argument("--org", default="each", help="单位代码；all = 全区合计；each（默认）= 每个单位和全区")
    report.add_argument("--template", help="工作总结初稿模板（Jinja2，默认 reports/templates/summary.md.j2，写法见 reports/README.md）")
    _common(report, "out", "registry")
    sql = sub.add_parser("sql", help="对数据库执行只读 SQL 查询并打印结果")
    sql.add_argument("query", help="SQL，如 \"select * from figures limit 5\"")
    _common(sql)
    shell = sub.add_parser("shell", help="只读 SQL 交互查询（已发布的数据库快照）")
    _common(shell)
    paths = sub.add_parser("paths", help="显示收件箱、数据库、快照、归档和输出的位置")
    paths.add_argument("--format", choices=("table", "json"), default="table")
    _common(paths, "inbox", "out", "archive", "registry")
    rebuild = sub.add_parser("rebuild", help="按归档文件重建整个数据库（报表制度或审核规则修改后）")
    _common(rebuild, "archive", "registry")
    export = sub.add_parser("export", help="导出分析视图（parquet 或 csv）供 BI 工具使用")
    export.add_argument("--period", required=True, type=_period)
    export.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    export.add_argument("--dir", help="导出到的文件夹（默认 <out>/<期别>/export）")
    _common(export, "out")
    explain = sub.add_parser("explain", help="登记统计局对某个提醒的说明（已说明的提醒不再待核实）")
    explain.add_argument("--file", required=True, help="报表文件名，如 财政6月.xlsx")
    explain.add_argument("--rule", required=True, help="审核规则代码，如 yoy_beyond_50（见 docs/rules.md）")
    explain.add_argument("--reason", required=True, help="说明的原因")
    explain.add_argument("--indicator", help="只说明这个指标代码的提醒，如 01（默认：该规则的全部提醒）")
    explain.add_argument("--period", type=_period, help="同名文件不止一个时，指明月份")
    _common(explain, "out", "registry")
    status = sub.add_parser("status", help="报送情况和催报单：各单位各报表已受理、迟报、退回、缺报")
    status.add_argument("--period", required=True, type=_period)
    status.add_argument("--format", choices=("table", "csv", "xlsx"), default="table")
    status.add_argument("--due-day", type=int, default=DUE_DAY, help=f"报送截止日：次月几号（默认 {DUE_DAY}）")
    status.add_argument("--output", help="csv/xlsx 写入的文件（csv 默认打印；xlsx 默认 <out>/<期别>/催报单.xlsx）")
    _common(status, "out", "registry")
    feedback = sub.add_parser("feedback", help="从数据库和归档重新生成该期每个报表的审核结果回执")
    feedback.add_argument("--period", required=True, type=_period)
    _common(feedback, "out", "registry")
    return top


def print_result(result: IngestResult) -> None:
    """The run's outcome for the office: counts, then each rejected return with its reasons."""
    subs = result.submissions
    counts = "、".join(f"{STATUS_NAMES[s]} {result.counts.get(s, 0)}" for s in STATUS_NAMES)
    files = subs["file_name"].nunique() if not subs.empty else 0
    print(f"收到新文件 {files} 个（已收过的 {result.skipped} 个未重复处理）：{counts}")
    rejected = subs[subs["status"] == "rejected"]
    errors = result.findings[result.findings["severity"] == "error"]
    for row in rejected.itertuples():
        print(f"  退回：{row.file_name}")
        mine = errors[(errors["sha256"] == row.sha256)]
        for message in mine["message"].head(5):
            print(f"    - {message}")
        if len(mine) > 5:
            print(f"    - ……另有 {len(mine) - 5} 条")
    warnings = result.findings[result.findings["severity"] == "warning"]
    explained = int(warnings["explained"].fillna(False).astype(bool).sum()) if "explained" in warnings else 0
    if len(warnings):
        print(f"  需核实的提醒 {len(warnings) - explained} 条" + (f"（另有 {explained} 条报表中已说明）" if explained else "")
              + "（见数据库 findings 表）")


def _task_runner(args):
    """The flows' task runner, warning of the cost of Dask workers with no Prefect server to share."""
    from statreturns.flows.runners import task_runner
    from prefect.settings import get_current_settings

    if args.runner == "dask" and not get_current_settings().api.url:
        print("提示：没有配置 Prefect 服务器（PREFECT_API_URL），每个 Dask 进程会各自启动一个临时服务器，多花 30 秒以上",
              file=sys.stderr)
    return task_runner(args.runner, args.dask_address)


def cmd_run(args, settings: Settings) -> int:
    import datetime as dt

    from statreturns.flows.monthly import flow_paths, monthly_consolidation, previous_month
    from statreturns.flows.progress import bar
    from statreturns.reports.status import period_status, short_text

    period = args.period or previous_month(dt.datetime.now(dt.timezone.utc))
    with bar():
        result, folders = monthly_consolidation.with_options(task_runner=_task_runner(args))(
            period=period, paths=flow_paths(settings))
    print_result(result)
    print(f"数据库：{settings.warehouse}")
    print(f"汇总表：{settings.out / parse_period(period).strftime('%Y-%m')}（{len(folders)} 个单位/全区）")
    received = result.submissions.loc[result.submissions["status"] != "duplicate", "sha256"].nunique()
    print(f"审核结果回执：{received} 个，在 {settings.out}/<期别>/feedback/")
    print("\n".join(short_text(period_status(settings.readable(), settings.catalogue(), parse_period(period)))))
    return 0


def cmd_backfill(args, settings: Settings) -> int:
    from statreturns.flows.monthly import backfill, flow_paths
    from statreturns.flows.progress import bar

    with bar():
        result, folders = backfill.with_options(task_runner=_task_runner(args))(
            start=args.start, end=args.end, paths=flow_paths(settings))
    print_result(result)
    print(f"数据库：{settings.warehouse}")
    print(f"汇总表：{settings.out}（{args.start} 至 {args.end}，{len(folders)} 个单位/全区/月）")
    return 0


def cmd_serve(args, settings: Settings) -> int:
    import os

    # a service's runs log to the server's UI and to its own journal (set before prefect is imported)
    for key, value in {"PREFECT_LOGGING_LEVEL": "INFO", "PREFECT_LOGGING_TO_API_ENABLED": "true",
                       "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "INFO"}.items():
        os.environ.setdefault(key, value)
    from statreturns.flows.deploy import NoServer, deployments_file, serve_deployments
    from statreturns.flows.monthly import flow_paths

    paths = {k: str(Path(v).resolve()) for k, v in flow_paths(settings).items()}
    try:
        serve_deployments(deployments_file(args.deployments), paths)
    except NoServer as e:
        print(f"错误：{e}", file=sys.stderr)
        return 2
    return 0


def cmd_ingest(args, settings: Settings) -> int:
    from statreturns.intake.inbox import discover
    from statreturns.warehouse.load import ingest_paths
    from statreturns.warehouse.publish import writing

    inbox = Path(args.inbox) if args.inbox else settings.inbox
    period = parse_period(args.period) if args.period else None
    with writing(settings.warehouse, settings.published):
        result = ingest_paths(settings.warehouse, discover(inbox), settings.catalogue(), settings.archive, period)
    print_result(result)
    return 0


def cmd_sql(args, settings: Settings) -> int:
    from statreturns.warehouse.db import connect

    with connect(settings.readable(), read_only=True) as con:
        print(con.sql(args.query))
    return 0


def cmd_shell(args, settings: Settings) -> int:
    """A read-only SQL prompt on the published snapshot; a statement ends with ``;``."""
    import duckdb

    from statreturns.warehouse.db import connect

    print(f"只读查询：{settings.readable()}（语句以 ; 结尾，Ctrl-D 退出）")
    with connect(settings.readable(), read_only=True) as con:
        buffer = ""
        for line in sys.stdin:
            buffer += line
            if buffer.rstrip().endswith(";"):
                try:
                    print(con.sql(buffer))
                except duckdb.Error as e:
                    print(f"错误：{e}")
                buffer = ""
    return 0


def cmd_paths(args, settings: Settings) -> int:
    paths = {"inbox": settings.inbox, "warehouse": settings.warehouse, "snapshot": settings.published,
             "archive": settings.archive, "out": settings.out, "registry": settings.registry}
    shown = {k: str(v.resolve()) if v else None for k, v in paths.items()}
    if args.format == "json":
        print(json.dumps(shown, ensure_ascii=False, indent=2))
    else:
        for key, value in shown.items():
            print(f"{key:10s} {value or '（内置）'}")
    return 0


def cmd_rebuild(args, settings: Settings) -> int:
    from statreturns.warehouse.publish import writing
    from statreturns.warehouse.rebuild import rebuild

    with writing(settings.warehouse, settings.published):
        result = rebuild(settings.warehouse, settings.catalogue(), settings.archive)
    print("已从归档重建数据库。")
    print_result(result)
    return 0


def cmd_export(args, settings: Settings) -> int:
    from statreturns.reports.export import export

    period = parse_period(args.period)
    folder = Path(args.dir) if args.dir else settings.out / period.strftime("%Y-%m") / "export"
    for path in export(settings.readable(), period, args.format, folder):
        print(f"已导出：{path}")
    return 0


def cmd_report(args, settings: Settings) -> int:
    from statreturns.reports.build import build_reports, report_orgs
    from statreturns.reports.narrative import TemplateError

    cat = settings.catalogue()
    template = Path(args.template) if args.template else None
    try:
        folders = build_reports(settings.readable(), cat, parse_period(args.period), report_orgs(cat, args.org),
                                settings.out, template)
    except TemplateError as e:
        print(f"模板有误：{e}", file=sys.stderr)
        return 2
    for folder in folders:
        print(f"汇总表、工作总结初稿：{folder}")
    return 0


def cmd_explain(args, settings: Settings) -> int:
    from statreturns.reports.feedback import write_feedback
    from statreturns.warehouse.explanations import CannotExplain, record_explanation
    from statreturns.warehouse.publish import writing

    period = parse_period(args.period) if args.period else None
    try:
        with writing(settings.warehouse, settings.published):
            explained = record_explanation(settings.warehouse, args.file, args.rule, args.reason,
                                           indicator=args.indicator, period=period)
    except CannotExplain as e:
        print(f"未登记：{e}", file=sys.stderr)
        return 1
    print(f"已登记说明：《{explained['file_name'].iloc[0]}》{args.rule}，{len(explained)} 条提醒标记为已说明")
    for path in write_feedback(settings.readable(), settings.catalogue(), settings.out,
                               shas=list(explained["sha256"].unique()), archive=settings.archive):
        print(f"审核结果回执已更新：{path}")
    return 0


def cmd_status(args, settings: Settings) -> int:
    from statreturns.reports.status import period_status, status_path, table_text, write_csv, write_xlsx

    status = period_status(settings.readable(), settings.catalogue(), parse_period(args.period), args.due_day)
    if args.format == "table":
        print("\n".join(table_text(status)))
    elif args.format == "csv" and not args.output:
        status.table.to_csv(sys.stdout, index=False)
    elif args.format == "csv":
        print(f"报送情况：{write_csv(status, Path(args.output))}")
    else:
        path = Path(args.output) if args.output else status_path(settings.out, status.period)
        print(f"催报单：{write_xlsx(status, path)}")
    return 0


def cmd_feedback(args, settings: Settings) -> int:
    from statreturns.reports.feedback import write_feedback

    paths = write_feedback(settings.readable(), settings.catalogue(), settings.out, period=parse_period(args.period),
                           archive=settings.archive)
    print(f"审核结果回执 {len(paths)} 个：{settings.out / parse_period(args.period).strftime('%Y-%m') / 'feedback'}")
    return 0


COMMANDS = {
    "run": cmd_run, "backfill": cmd_backfill, "serve": cmd_serve, "ingest": cmd_ingest, "sql": cmd_sql, "shell": cmd_shell,
    "paths": cmd_paths, "rebuild": cmd_rebuild, "export": cmd_export, "report": cmd_report,
    "explain": cmd_explain, "status": cmd_status, "feedback": cmd_feedback,
}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    flags = {k: getattr(args, k, None) for k in ("inbox", "warehouse", "out", "archive", "registry", "snapshot")}
    settings = load_settings(flags, getattr(args, "config", None))
    try:
        return COMMANDS[args.command](args, settings)
    except WarehouseBusy as e:
        print(f"错误：{e}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
