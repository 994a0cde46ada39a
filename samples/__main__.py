"""``python -m statreturns.samples FOLDER [--months N]``: write the demo inbox (January to month N) into FOLDER."""
from __future__ import annotations

import argparse

from statreturns.samples import MONTHS, write_sample_inbox


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m statreturns.samples", description="生成示例报表（演示用收件箱）")
    parser.add_argument("out", help="写入的文件夹，如 inbox")
    parser.add_argument("--seed", type=int, default=2023, help="随机种子（同一种子生成同样的文件）")
    parser.add_argument("--months", type=int, default=len(MONTHS), choices=range(1, 13), metavar="1-12",
                        help=f"生成 1 月至第几月的报表（默认 {len(MONTHS)}，即上半年；12 为全年）；最后一个月带有退回、更正和重复的文件")
    args = parser.parse_args(argv)
    written = write_sample_inbox(args.out, args.seed, tuple(range(1, args.months + 1)))
    print(f"已生成示例报表 {len(written)} 个：{args.out}")


if __name__ == "__main__":
    main()
