"""``statreturns templates``: the office's 填报模板 for a month, one workbook per org and department."""
from __future__ import annotations

from pathlib import Path

from statreturns.flows.commands import Refused, common, month, period_arg
from statreturns.flows.config import Settings


def register(sub) -> None:
    p = sub.add_parser("templates", help="生成填报模板：每个单位每个部门一个工作簿，按库中数字预填、锁定表式、边填边审核")
    p.add_argument("--period", required=True, type=period_arg, help="模板的报告期，如 2023-07")
    p.add_argument("--org", default="all", help="单位代码；all（默认）= 单位名册中的全部单位")
    p.add_argument("--department", help="只生成这个部门的模板，如 财政所（默认：全部部门）")
    common(p, "registry")
    p.add_argument("--out", help="模板写入的文件夹（默认 <输出文件夹>/<期别>/填报模板）")
    p.set_defaults(handler=cmd_templates)


def cmd_templates(args, settings: Settings) -> int:
    from statreturns.reports.form_templates import TemplateRequestError, templates_folder, write_templates

    period = month(args.period)
    out = Path(args.out).resolve() if args.out else templates_folder(settings.out, period)
    orgs = None if args.org == "all" else [args.org]
    wh = settings.wh
    try:
        paths = write_templates(wh, settings.catalogue(), period, out, orgs=orgs, department=args.department)
    except TemplateRequestError as e:
        raise Refused(str(e)) from None
    if not wh.exists:
        print(f"数据库 {wh.path} 还不存在：模板未预填上月本年累计、上年同期累计和重点项目")
    for path in paths:
        print(path)
    print(f"填报模板 {len(paths)} 个：{out}")
    return 0
