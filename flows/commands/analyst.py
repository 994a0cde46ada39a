"""Commands for analysts and admins: sql, shell, export, paths."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from statreturns.flows.commands import Refused, common, month, period_arg, writable_folder
from statreturns.flows.config import Settings


def register(sub) -> None:
    sql = sub.add_parser("sql", help="对数据库执行只读 SQL 查询并打印结果")
    sql.add_argument("query", help="SQL，如 \"select * from figures limit 5\"")
    common(sql)
    sql.set_defaults(handler=cmd_sql)

    shell = sub.add_parser("shell", help="只读 SQL 交互查询（已发布的数据库快照）")
    common(shell)
    shell.set_defaults(handler=cmd_shell)

    export = sub.add_parser("export", help="导出分析视图（parquet 或 csv）供 BI 工具使用")
    export.add_argument("--period", required=True, type=period_arg)
    export.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    export.add_argument("--dir", help="导出到的文件夹（默认 <out>/<期别>/export）")
    common(export, "out")
    export.set_defaults(handler=cmd_export)

    paths = sub.add_parser("paths", help="显示收件箱、数据库、快照、归档和输出的位置")
    paths.add_argument("--format", choices=("table", "json"), default="table")
    common(paths, "inbox", "out", "archive", "registry")
    paths.set_defaults(handler=cmd_paths)


SEALED = "只读查询只能查询数据库本身，不能读写文件、挂载其他数据库、加载扩展或修改设置"


def _refusal(error: Exception) -> str:
    """Why a query did not run, for the analyst: sealed from files and settings, or a mistake in the SQL."""
    import duckdb

    if isinstance(error, duckdb.PermissionException) or "configuration has been locked" in str(error):
        return f"{SEALED}（{error}）"
    return f"SQL 有误：{error}"


def _readable(settings: Settings) -> None:
    if not settings.wh.exists:
        raise Refused(f"还没有可查询的数据库：{settings.wh.snapshot}（先运行 statreturns run 或 ingest）")


def cmd_sql(args, settings: Settings) -> int:
    import duckdb

    _readable(settings)
    with settings.wh.analyst() as con:
        try:
            print(con.sql(args.query))
        except duckdb.Error as e:
            raise Refused(_refusal(e)) from None
    return 0


def cmd_shell(args, settings: Settings) -> int:
    """A read-only SQL prompt on the published snapshot; a statement ends with ``;``."""
    import duckdb

    _readable(settings)
    print(f"只读查询：{settings.wh.readable}（语句以 ; 结尾，Ctrl-D 退出）")
    with settings.wh.analyst() as con:
        buffer = ""
        for line in sys.stdin:
            buffer += line
            if buffer.rstrip().endswith(";"):
                try:
                    print(con.sql(buffer))
                except duckdb.Error as e:
                    print(f"错误：{_refusal(e)}")
                buffer = ""
    return 0


def cmd_paths(args, settings: Settings) -> int:
    wh = settings.wh
    paths = {"inbox": settings.inbox, "warehouse": wh.path, "snapshot": wh.snapshot, "archive": wh.archive,
             "out": settings.out, "registry": settings.registry}
    shown = {k: str(v) if v else None for k, v in paths.items()}
    if args.format == "json":
        print(json.dumps(shown, ensure_ascii=False, indent=2))
    else:
        for key, value in shown.items():
            print(f"{key:10s} {value or '（内置）'}")
    return 0


def cmd_export(args, settings: Settings) -> int:
    from statreturns.reports.export import export

    period = month(args.period)
    folder = Path(args.dir).resolve() if args.dir else settings.out / period.strftime("%Y-%m") / "export"
    _readable(settings)
    for path in export(settings.wh, period, args.format, writable_folder(folder)):
        print(f"已导出：{path}")
    return 0
