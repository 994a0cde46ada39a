"""The ``statreturns`` command."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from flows.config import Settings, load_settings
from warehouse.lock import WarehouseBusy
from schemas.text import parse_period
from warehouse.load import IngestResult

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


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="statreturns", description="乡镇（街道）统计月报汇总：收表、审核、入库、出汇总表")
    sub = top.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="月度汇总：收取收件箱中的新报表，审核入库，并生成该期汇总表")
    run.add_argument("--period", required=True, type=_period, help="汇总期，如 2023-06")
    _common(run, "inbox", "out", "archive", "registry")
    ingest = sub.add_parser("ingest", help="只收表、审核、入库，不生成汇总表")
    ingest.add_argument("inbox", nargs="?", help="收件箱文件夹或单个文件")
    ingest.add_argument("--period", type=_period, help="本次汇总期（晚于它的报表给出提醒）")
    _common(ingest, "archive", "registry")
    report = sub.add_parser("report", help="从数据库重新生成汇总表（不重新收表）")
    report.add_argument("--period", required=True, type=_period)
    report.add_argument("--org", default="each", help="单位代码；all = 全区合计；each（默认）= 每个单位和全区")
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
    sample = sub.add_parser("sample-data", help="生成示例报表（演示用收件箱）")
    sample.add_argument("--out", required=True, help="写入的文件夹")
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
    if len(warnings):
        print(f"  需核实的提醒 {len(warnings)} 条（见数据库 findings 表）")


def cmd_sample_data(args, settings: Settings) -> int:
    from flows.samples import write_sample_inbox

    written = write_sample_inbox(Path(args.out))
    print(f"已生成示例报表 {len(written)} 个：{args.out}")
    return 0


def cmd_run(args, settings: Settings) -> int:
    from flows.monthly import monthly_consolidation

    result, folders = monthly_consolidation(
        period=args.period, inbox=str(settings.inbox), warehouse=str(settings.warehouse), out=str(settings.out),
        archive=str(settings.archive), registry=str(settings.registry) if settings.registry else None,
    )
    print_result(result)
    print(f"数据库：{settings.warehouse}")
    print(f"汇总表：{settings.out / parse_period(args.period).strftime('%Y-%m')}（{len(folders)} 个单位/全区）")
    return 0


def cmd_ingest(args, settings: Settings) -> int:
    from warehouse.inbox import discover
    from warehouse.load import ingest_paths
    from warehouse.publish import writing

    inbox = Path(args.inbox) if args.inbox else settings.inbox
    period = parse_period(args.period) if args.period else None
    with writing(settings.warehouse, settings.published):
        result = ingest_paths(settings.warehouse, discover(inbox), settings.catalogue(), settings.archive, period)
    print_result(result)
    return 0


def cmd_sql(args, settings: Settings) -> int:
    from warehouse.db import connect

    with connect(settings.readable(), read_only=True) as con:
        print(con.sql(args.query))
    return 0


def cmd_shell(args, settings: Settings) -> int:
    """A read-only SQL prompt on the published snapshot; a statement ends with ``;``."""
    import duckdb

    from warehouse.db import connect

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
    from warehouse.publish import writing
    from warehouse.rebuild import rebuild

    with writing(settings.warehouse, settings.published):
        result = rebuild(settings.warehouse, settings.catalogue(), settings.archive)
    print("已从归档重建数据库。")
    print_result(result)
    return 0


def cmd_export(args, settings: Settings) -> int:
    from warehouse.export import export

    period = parse_period(args.period)
    folder = Path(args.dir) if args.dir else settings.out / period.strftime("%Y-%m") / "export"
    for path in export(settings.readable(), period, args.format, folder):
        print(f"已导出：{path}")
    return 0


def cmd_report(args, settings: Settings) -> int:
    from reports.build import build_reports, report_orgs

    cat = settings.catalogue()
    folders = build_reports(settings.readable(), cat, parse_period(args.period), report_orgs(cat, args.org), settings.out)
    for folder in folders:
        print(f"汇总表：{folder}")
    return 0


COMMANDS = {
    "sample-data": cmd_sample_data, "run": cmd_run, "ingest": cmd_ingest, "sql": cmd_sql, "shell": cmd_shell,
    "paths": cmd_paths, "rebuild": cmd_rebuild, "export": cmd_export, "report": cmd_report,
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
