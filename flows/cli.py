"""The ``statreturns`` command."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flows.config import load_settings
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


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "sample-data":
        from flows.samples import write_sample_inbox

        written = write_sample_inbox(Path(args.out))
        print(f"已生成示例报表 {len(written)} 个：{args.out}")
        return 0
    flags = {k: getattr(args, k, None) for k in ("inbox", "warehouse", "out", "archive", "registry")}
    settings = load_settings(flags, args.config)
    if args.command == "run":
        from flows.monthly import monthly_consolidation

        result, folders = monthly_consolidation(
            period=args.period, inbox=str(settings.inbox), warehouse=str(settings.warehouse), out=str(settings.out),
            archive=str(settings.archive), registry=str(settings.registry) if settings.registry else None,
        )
        print_result(result)
        print(f"数据库：{settings.warehouse}")
        print(f"汇总表：{settings.out / parse_period(args.period).strftime('%Y-%m')}（{len(folders)} 个单位/全区）")
        return 0
    if args.command == "ingest":
        from warehouse.inbox import discover
        from warehouse.load import ingest_paths

        inbox = Path(args.inbox) if args.inbox else settings.inbox
        period = parse_period(args.period) if args.period else None
        print_result(ingest_paths(settings.warehouse, discover(inbox), settings.catalogue(), settings.archive, period))
        return 0
    if args.command == "sql":
        from warehouse.db import connect

        with connect(settings.warehouse, read_only=True) as con:
            print(con.sql(args.query))
        return 0
    if args.command == "report":
        from reports.build import build_reports, report_orgs

        cat = settings.catalogue()
        folders = build_reports(settings.warehouse, cat, parse_period(args.period), report_orgs(cat, args.org), settings.out)
        for folder in folders:
            print(f"汇总表：{folder}")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
