"""The groups of ``statreturns`` commands; each module registers its own on the parser."""
from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import tempfile
from types import ModuleType
from pathlib import Path

from statreturns.schemas.catalogue import Catalogue
from statreturns.schemas.text import parse_period


class Refused(Exception):
    """A command cannot do what it was asked; the message says why, in Chinese, and the exit is non-zero."""


_WITH_DAY = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$")


def period_arg(text: str) -> str:
    """A ``--period`` as typed (2023-06); refused when it names no month, or a day no calendar has."""
    if parse_period(text) is None:
        raise argparse.ArgumentTypeError(f"无法识别的报告期：{text}（应写作如 2023-06）")
    if _WITH_DAY.match(text.strip()):
        try:
            dt.date(*map(int, re.split(r"[-./]", text.strip())))
        except ValueError:
            raise argparse.ArgumentTypeError(f"报告期 {text} 不是有效的日期（应写作如 2023-06）") from None
    return text


def month(text: str) -> dt.date:
    """The first day of the month a validated ``--period`` names."""
    return parse_period(text)


def common(p: argparse.ArgumentParser, *names: str) -> None:
    """The options every command shares (where the configuration and the warehouse are), then ``names``."""
    p.add_argument("--config", help="配置文件（默认 ./statreturns.toml）")
    p.add_argument("--warehouse", help="DuckDB 数据库文件")
    p.add_argument("--snapshot", help="供查询的只读快照（默认在数据库旁）")
    helps = {"inbox": "收件箱文件夹", "out": "输出文件夹（汇总表、回执）", "archive": "归档文件夹（默认在数据库旁）",
             "registry": "单位名册 CSV（org_code,org_name,level）"}
    for name in names:
        p.add_argument(f"--{name}", help=helps.get(name))


def writable_folder(folder: Path) -> Path:
    """The output folder, made if need be; refused, before anything is written, when it cannot be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as e:
        raise Refused(f"无法写入输出文件夹 {folder}（{e.strerror or e}）") from None
    return folder


def org_arg(code: str, cat: Catalogue, allowed: tuple[str, ...] = ("all", "each")) -> str:
    """An ``--org`` that names a registered org (or all/each); anything else, path characters included, is refused."""
    if code in allowed or cat.org(code) is not None:
        return code
    known = "、".join(f"{o.code}（{o.name}）" for o in cat.orgs[:5])
    raise Refused(f"单位代码“{code}”不在单位名册中（可用：{'、'.join(allowed)} 或名册中的代码，如 {known}）")


def show(args, what: str, shown: object, writer: ModuleType, default: Path) -> int:
    """A period's table as ``--format`` asks: lines on the terminal, CSV (on stdout, or to ``--output``), or an xlsx
    (to ``--output`` or ``default``). ``writer`` is the reports module with its ``table_text``, ``write_csv`` and
    ``write_xlsx``."""
    if args.format == "table":
        print("\n".join(writer.table_text(shown)))
        return 0
    if args.format == "csv" and not args.output:
        writer.write_csv(shown, sys.stdout)
        return 0
    path = Path(args.output).resolve() if args.output else default
    writable_folder(path.parent)
    print(f"{what}：{(writer.write_csv if args.format == 'csv' else writer.write_xlsx)(shown, path)}")
    return 0
