"""The ``statreturns`` command: the parser, the settings, and how any command's failure reaches a person.

Each group of commands lives in ``flows/commands/``; a higher layer (the portal) adds its own commands through
the ``statreturns.commands`` entry point group, so that nothing here imports it.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import pkgutil
import re
import sys
import tomllib

from statreturns.flows import commands
from statreturns.flows.commands import Refused
from statreturns.flows.config import load_settings
from statreturns.intake.workers import Died
from statreturns.reports.unwritten import ReportsIncomplete
from statreturns.schemas.catalogue import CatalogueError
from statreturns.warehouse.db import WarehouseUnusable
from statreturns.warehouse.lock import WarehouseBusy
from statreturns.warehouse.verify import AccountingBroken

PATH_FLAGS = ("inbox", "warehouse", "out", "archive", "registry", "snapshot")


class Parser(argparse.ArgumentParser):
    """argparse, answering a mistyped command in Chinese, with a non-zero exit."""

    def error(self, message: str) -> None:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：参数有误：{_chinese(message)}\n")


# argparse's own messages, as a clerk reads them; anything else (our own, already Chinese) passes through
_ARGPARSE = (
    (re.compile(r"^the following arguments are required: (.*)$"), "缺少参数：{0}"),
    (re.compile(r"^unrecognized arguments: (.*)$"), "无法识别的参数：{0}"),
    (re.compile(r"^argument (\S+): invalid choice: (.*?) \(choose from (.*)\)$"), "参数 {0} 的值 {1} 不可用（可选：{2}）"),
    (re.compile(r"^argument (\S+): invalid int value: (.*)$"), "参数 {0} 应为整数，而不是 {1}"),
    (re.compile(r"^argument (\S+): expected one argument$"), "参数 {0} 后面缺少取值"),
    (re.compile(r"^argument (\S+): (.*)$"), "参数 {0}：{1}"),
)


def _chinese(message: str) -> str:
    for pattern, template in _ARGPARSE:
        m = pattern.match(message)
        if m:
            return template.format(*m.groups())
    return message


def _modules():
    for found in pkgutil.iter_modules(commands.__path__):
        yield importlib.import_module(f"{commands.__name__}.{found.name}")
    for entry in importlib.metadata.entry_points(group="statreturns.commands"):
        yield entry.load()


def parser() -> argparse.ArgumentParser:
    top = Parser(prog="statreturns", description="乡镇（街道）统计月报汇总：收表、审核、入库、出汇总表")
    sub = top.add_subparsers(dest="command", required=True, parser_class=Parser)
    for module in _modules():
        module.register(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as e:  # --help, or a mistyped command already answered in Chinese
        return int(e.code or 0)
    try:
        flags = {k: getattr(args, k, None) for k in PATH_FLAGS}
        settings = load_settings(flags, getattr(args, "config", None))
        return args.handler(args, settings)
    except WarehouseBusy as e:
        print(f"错误：{e}", file=sys.stderr)
        return 3
    except AccountingBroken as e:
        print(f"错误：{e}", file=sys.stderr)
        return 4
    except (Refused, CatalogueError, WarehouseUnusable) as e:
        print(f"错误：{e}", file=sys.stderr)
        return 2
    except ReportsIncomplete as e:
        print(f"错误：{e}\n其余工作已完成；排除原因后可用 statreturns report --period <期别> --org <单位代码> 重新生成这些汇总表",
              file=sys.stderr)
        return 5
    except Died as e:
        print(f"错误：{e}", file=sys.stderr)
        return 6
    except tomllib.TOMLDecodeError as e:
        print(f"错误：配置文件格式有误（{e}）", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
