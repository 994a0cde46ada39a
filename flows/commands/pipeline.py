"""Commands that receive returns and run the month: run, backfill, serve, ingest, rebuild."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from statreturns.flows import watchdog
from statreturns.flows.commands import Refused, common, month, period_arg, writable_folder
from statreturns.flows.config import Settings
from statreturns.intake import workers
from statreturns.schemas.states import SUBMISSION_STATUSES

if TYPE_CHECKING:  # the load machinery (pandera, pandas) is imported only by the commands that load
    from statreturns.warehouse.load import IngestResult


def register(sub) -> None:
    run = sub.add_parser("run", help="月度汇总：收取收件箱中的新报表，审核入库，并生成该期汇总表")
    run.add_argument("--period", type=period_arg, help="汇总期，如 2023-06（默认上个月）")
    common(run, "inbox", "out", "archive", "registry")
    run.set_defaults(handler=cmd_run)

    backfill = sub.add_parser("backfill", help="补跑：收取全部新报表，写出全部回执，生成 start 至 end 每月的全区汇总表和 end 月各单位的汇总表")
    backfill.add_argument("--start", required=True, type=period_arg, help="第一个月，如 2023-01")
    backfill.add_argument("--end", required=True, type=period_arg, help="最后一个月，如 2023-06（按此期审核）")
    backfill.add_argument("--org-reports", choices=("last", "every"), default="last",
                          help="各单位的汇总表：last 只出 end 月（默认；其中已有本年累计和逐月走势），every 每个月都出")
    common(backfill, "inbox", "out", "archive", "registry")
    backfill.set_defaults(handler=cmd_backfill)

    serve = sub.add_parser("serve", help="常驻运行 prefect.yaml 中的部署：每月定时汇总，并接受按需运行（需 Prefect 服务器）")
    serve.add_argument("--deployments", help="部署定义文件（默认 ./prefect.yaml，再次为本项目自带的）")
    common(serve, "inbox", "out", "archive", "registry")
    serve.set_defaults(handler=cmd_serve)

    ingest = sub.add_parser("ingest", help="只收表、审核、入库，不生成汇总表")
    ingest.add_argument("inbox", nargs="?", help="收件箱文件夹或单个文件")
    ingest.add_argument("--period", type=period_arg, help="本次汇总期（晚于它的报表给出提醒；该期和本次收到报表的各月查奇异值，不给则不查）")
    common(ingest, "archive", "registry")
    ingest.set_defaults(handler=cmd_ingest)

    verify = sub.add_parser("verify", help="核对账目：每个收到的文件都有且只有一个状态，归档文件完好，现行数都有受理的报表")
    common(verify)
    verify.set_defaults(handler=cmd_verify)

    rebuild = sub.add_parser("rebuild", help="按归档文件重建整个数据库（报表制度或审核规则修改后）")
    common(rebuild, "archive", "registry")
    rebuild.set_defaults(handler=cmd_rebuild)


def print_result(result: IngestResult) -> None:
    """The run's outcome for the office: counts, then each rejected return with its reasons."""
    subs = result.submissions
    counts = "、".join(f"{name} {result.counts.get(s, 0)}" for s, name in SUBMISSION_STATUSES.items())
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


def _can_run(settings: Settings) -> None:
    """What a run needs, checked before it starts: an inbox to read and an output folder to write."""
    if not settings.inbox.is_dir():
        raise Refused(f"收件箱不存在或不是文件夹：{settings.inbox}")
    writable_folder(settings.out)
    writable_folder(settings.wh.path.parent)


def cmd_run(args, settings: Settings) -> int:
    workers.start_server()  # its imports beside this process's own
    from statreturns.flows.monthly import monthly_consolidation, previous_month
    from statreturns.flows.progress import bar
    from statreturns.reports.status import period_status, short_text

    period = args.period or previous_month(dt.datetime.now(dt.timezone.utc))
    _can_run(settings)
    watchdog.guard()
    with bar():
        result, folders = monthly_consolidation(period=period, paths=settings.as_strings())
    print_result(result)
    print(f"数据库：{settings.warehouse}")
    print(f"汇总表：{settings.out / month(period).strftime('%Y-%m')}（{len(folders)} 个单位/全区）")
    received = result.submissions.loc[result.submissions["status"] != "duplicate", "sha256"].nunique()
    print(f"审核结果回执：{received} 个，在 {settings.out}/<期别>/feedback/")
    print("\n".join(short_text(period_status(settings.wh, settings.catalogue(), month(period), settings.due_day,
                                                    settings.due_hour))))
    return 0


def cmd_backfill(args, settings: Settings) -> int:
    workers.start_server()
    from statreturns.flows.monthly import backfill
    from statreturns.flows.progress import bar

    if month(args.start) > month(args.end):
        raise Refused(f"补跑的起始月 {args.start} 晚于结束月 {args.end}")
    _can_run(settings)
    watchdog.guard()
    with bar():
        result, folders = backfill(start=args.start, end=args.end, org_reports=args.org_reports,
                                   paths=settings.as_strings())
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

    try:
        serve_deployments(deployments_file(args.deployments), settings.as_strings())
    except NoServer as e:
        raise Refused(str(e)) from None
    return 0


def cmd_ingest(args, settings: Settings) -> int:
    workers.start_server()
    from statreturns.flows import progress
    from statreturns.warehouse.load import ingest

    inbox = Path(args.inbox).resolve() if args.inbox else settings.inbox
    if not inbox.exists():
        raise Refused(f"收件箱不存在：{inbox}")
    period = month(args.period) if args.period else None
    wh = settings.wh
    with progress.bar(), wh.writer() as con:
        result = ingest(con, [inbox], settings.catalogue(), wh.archive, period, progress=progress)
    print_result(result)
    return 0


def cmd_rebuild(args, settings: Settings) -> int:
    workers.start_server()
    from statreturns.warehouse.rebuild import rebuild

    wh = settings.wh
    if not wh.path.exists():
        raise Refused(f"数据库不存在：{wh.path}")
    with wh.locked():
        result = rebuild(wh, settings.catalogue())
        wh.publish(held=True)
    print("已从归档重建数据库。")
    print_result(result)
    return 0


def cmd_verify(args, settings: Settings) -> int:
    from statreturns.warehouse.verify import problems

    if not settings.wh.exists:
        raise Refused(f"数据库不存在：{settings.wh.path}")
    with settings.wh.reader() as con:
        found = problems(con)
        files = con.execute("select count(distinct (file_path, sha256)) from submissions").fetchone()[0]
    for line in found:
        print(f"不符：{line}")
    if found:
        print(f"共 {len(found)} 处不符", file=sys.stderr)
        return 1
    print(f"账目相符：{files} 个收到的文件，每个都有且只有一个状态，归档文件完好")
    return 0
