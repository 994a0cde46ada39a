"""``statreturns web`` (the portal) and ``statreturns users`` (its accounts), registered through an entry point."""
from __future__ import annotations

import getpass
import ipaddress
import sys

from statreturns.flows.commands import Refused, common
from statreturns.flows.config import Settings
from statreturns.schemas.text import fold
from statreturns.web.accounts import ROLES, AccountError, Accounts, accounts_path

DEFAULT_PORT = 8000


def register(sub) -> None:
    web = sub.add_parser("web", help="网上报送门户：各部门在线报送、当场看审核结果；统计局看本月报送情况")
    web.add_argument("--host", default="127.0.0.1",
                     help="监听地址（默认 127.0.0.1，只有本机能访问；内网访问时写本机的内网地址）")
    web.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"端口（默认 {DEFAULT_PORT}）")
    web.add_argument("--max-file-mb", type=float, default=20, help="每个上传文件的大小上限，MB（默认 20）")
    web.add_argument("--max-files", type=int, default=20, help="一次最多上传几个文件（默认 20）")
    web.add_argument("--wait", type=float, default=120,
                     help="正在汇总时，上传的报表最多排队等待几秒（默认 120），仍未轮到则请对方稍后再报")
    common(web, "inbox", "out", "archive", "registry")
    web.set_defaults(handler=cmd_web)

    users = sub.add_parser("users", help="门户账号：添加、列出、停用、启用、改密码（密码从标准输入读取）")
    actions = users.add_subparsers(dest="users_command", required=True)
    add = actions.add_parser("add", help="添加账号，密码从标准输入读取（终端上不回显）")
    add.add_argument("name", help="账号名")
    add.add_argument("--role", required=True, choices=tuple(ROLES), help="office = 统计局；reporter = 乡镇（街道）填报员")
    add.add_argument("--org", help="填报员所属单位代码，如 110199001")
    add.add_argument("--department", help="填报员所属部门（可不填：不填可报送本单位全部报表）")
    for name, text in (("list", "列出账号"), ("disable", "停用账号（立即退出登录）"), ("enable", "重新启用账号"),
                       ("passwd", "改密码，新密码从标准输入读取")):
        p = actions.add_parser(name, help=text)
        if name != "list":
            p.add_argument("name", help="账号名")
    for p in actions.choices.values():
        common(p, "registry")
        p.set_defaults(handler=cmd_users)


def cmd_web(args, settings: Settings) -> int:
    import uvicorn

    from statreturns.web.app import create_app
    from statreturns.web.uploads import Limits

    if not 0 < args.port < 65536:
        raise Refused(f"端口应在 1 至 65535 之间，而不是 {args.port}")
    if args.max_file_mb <= 0 or args.max_files < 1 or args.wait < 0:
        raise Refused("--max-file-mb、--max-files 应大于 0，--wait 不能为负")
    limits = Limits(max_file_bytes=int(args.max_file_mb * 1024 * 1024), max_files=args.max_files, wait=args.wait)
    app = create_app(settings, limits)
    if not _loopback(args.host):
        print(f"注意：门户在 {args.host} 上对网络开放，请确认只有内网能访问", file=sys.stderr)
    if not app.state.portal.accounts.all():
        print("还没有任何账号：请先用 statreturns users add 账号名 --role office 添加统计局账号", file=sys.stderr)
    print(f"网上报送门户：http://{args.host}:{args.port}/  （按 Ctrl+C 停止）", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", server_header=False)
    return 0


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def read_password(prompt: str = "密码：") -> str:
    """A password from standard input: asked twice without echo on a terminal, else its first line."""
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("再输入一次：") != first:
            raise Refused("两次输入的密码不一致")
        return first
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise Refused("没有从标准输入读到密码（例如：echo 密码 | statreturns users add …）")
    return line


def _department(settings: Settings, name: str | None) -> str | None:
    if not name:
        return None
    found = settings.catalogue().departments.get(fold(name))
    if found is None:
        known = "、".join(sorted(set(settings.catalogue().departments.values())))
        raise Refused(f"部门“{name}”不在报表制度中；可选：{known}")
    return found


def cmd_users(args, settings: Settings) -> int:
    from statreturns.warehouse.audit_log import command_user, log_action

    accounts = Accounts(accounts_path(settings.warehouse))
    if args.users_command == "list":
        print("\n".join(account_lines(accounts, settings)))
        return 0
    if args.users_command == "add" and args.role == "reporter":
        if not args.org or settings.catalogue().org(args.org) is None:
            raise Refused(f"单位代码“{args.org or ''}”不在单位名册中（填报员须用 --org 指定所属单位）")
    department = _department(settings, getattr(args, "department", None))
    password = read_password() if args.users_command in ("add", "passwd") else None
    # the account changes under the writer lock, so that it and its line in the audit log go together
    with settings.wh.writer() as con:
        try:
            detail = change_account(accounts, args.users_command, args.name, password,
                                    role=getattr(args, "role", None), org=getattr(args, "org", None),
                                    department=department)
        except AccountError as e:
            raise Refused(str(e)) from None
        log_action(con, command_user(), f"user_{args.users_command}", args.name, detail=detail)
    print(f"账号“{args.name}”：{detail}")
    return 0


def change_account(accounts: Accounts, action: str, name: str, password: str | None = None, *,
                   role: str | None = None, org: str | None = None, department: str | None = None) -> str:
    """Make one account change; what it did, in words for the audit log (never the password)."""
    if action == "add":
        accounts.add(name, role, password, org if role == "reporter" else org, department)
        return f"已添加，{ROLES[role]}" + (f"，单位 {org}" if org else "") + (f"，部门 {department}" if department else "")
    if action == "passwd":
        accounts.set_password(name, password)
        return "已改密码"
    accounts.set_disabled(name, action == "disable")
    return "已停用" if action == "disable" else "已启用"


def account_lines(accounts: Accounts, settings: Settings) -> list[str]:
    cat = settings.catalogue()
    lines = ["账号\t角色\t单位\t部门\t状态\t最近登录"]
    for a in accounts.all():
        org = cat.org(a.org_code) if a.org_code else None
        lines.append("\t".join([a.name, ROLES[a.role], f"{a.org_code} {org.name if org else '（名册中没有）'}" if a.org_code
                                else "全区", a.department or "", "停用" if a.disabled else "正常", a.last_login or "从未"]))
    return lines if len(lines) > 1 else ["还没有账号：statreturns users add 账号名 --role office|reporter"]
