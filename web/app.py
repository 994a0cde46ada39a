"""The portal over HTTP: pages for the clerks and the office (session cookie, CSRF token on every form) and a JSON API
for scripts (HTTP Basic), both on the same accounts.
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import secrets
import shutil
import tempfile
import urllib.parse
import zipfile
from pathlib import Path

import pandas as pd
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from statreturns.flows.config import Settings
from statreturns.reports.feedback import write_feedback
from statreturns.reports.status import STATES, status_path, write_xlsx
from statreturns.schemas.states import SUBMISSION_VERDICTS
from statreturns.warehouse.audit_log import log_action
from statreturns.warehouse.lock import WarehouseBusy
from statreturns.web.accounts import ROLES, Account, AccountError, LoginRefused, Session
from statreturns.web.commands import change_account
from statreturns.web.jobs import KINDS, JobRefused
from statreturns.web.portal import TASK_LABELS, BadRequest, Portal, parse_month, recent_months
from statreturns.web.uploads import FileResult, Limits, Refused, file_result, receive_upload

COOKIE = "statreturns_session"
LOGIN_COOKIE = "statreturns_login"
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
CHALLENGE = {"WWW-Authenticate": 'Basic realm="statreturns", charset="UTF-8"'}
_LOCAL_PATH = re.compile(r"/(?![/\\])[\w\-./?=&%]*")
BUSY = "正在汇总，请稍候…统计局正在运行月度汇总，报表在排队等待入库"

class LoginNeeded(Exception):
    """A page asked for without a live session: go to the login page, and come back."""


class Forbidden(Exception):
    """Signed in, but this is not for this account."""


class TooLarge(Exception):
    """More bytes than the upload limits allow; the message says which limit, in Chinese."""


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("statreturns.web", "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["month"] = lambda d: f"{d:%Y-%m}" if d else ""
    env.filters["cn_month"] = lambda d: f"{d.year}年{d.month}月" if d else ""
    env.filters["when"] = lambda t: "" if t is None or pd.isna(t) else f"{pd.Timestamp(t):%Y-%m-%d %H:%M}"
    env.filters["text"] = lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA else v
    env.filters["verdict"] = lambda status: SUBMISSION_VERDICTS.get(status, status)
    env.filters["q"] = lambda v: urllib.parse.quote(str(v), safe="")
    return env


class BodyLimit:
    """Refuse a request body over ``limit`` bytes: at once when it says its length, else when it gets there."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await _too_large(_request_limit(self.limit))(scope, receive, send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise TooLarge(_request_limit(self.limit))
            return message

        return await self.app(scope, counted, send)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.3g} MB"


def _request_limit(limit: int) -> str:
    return f"上传的内容太大（一次超过 {_mb(limit)}），请分几次报送"


def _too_large(text: str) -> Response:
    return JSONResponse({"detail": text}, status_code=413)


def create_app(settings: Settings, limits: Limits | None = None) -> FastAPI:
    """The portal for the warehouse, inbox and outputs ``settings`` name."""
    limits = limits or Limits()
    portal = Portal.open(settings, limits)
    env = _environment()
    app = FastAPI(title="statreturns 网上报送", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.portal = portal
    app.mount("/static", StaticFiles(packages=[("statreturns.web", "static")]), name="static")
    app.add_middleware(BodyLimit, limit=limits.max_request_bytes)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for k, v in HEADERS.items():
            response.headers.setdefault(k, v)
        return response

    # --- rendering and who is asking

    def render(request: Request, name: str, session: Session | None, status_code: int = 200, **ctx) -> HTMLResponse:
        account = session.account if session else None
        html = env.get_template(name).render(request=request, session=session, account=account, roles=ROLES,
                                             busy=portal.busy(), running=portal.jobs.running(), **ctx)
        return HTMLResponse(html, status_code=status_code)

    def page_session(request: Request, office: bool = False) -> Session:
        session = portal.accounts.session(request.cookies.get(COOKIE))
        if session is None:
            raise LoginNeeded()
        if office and not session.account.office:
            raise Forbidden()
        return session

    async def form_of(request: Request, session: Session, **limits_) -> dict:
        """The posted form, once its CSRF token is the session's."""
        try:
            form = await request.form(**limits_)
        except StarletteHTTPException as e:
            raise BadRequest(f"一次最多上传 {limits.max_files} 个文件" if "files" in str(e.detail).lower()
                             else "提交的内容无法读取") from None
        if not secrets.compare_digest(str(form.get("csrf", "")), session.csrf):
            await form.close()
            raise BadRequest("页面已过期，请刷新后重新提交")
        return form

    def api_account(request: Request) -> Account:
        """The account of the request's HTTP Basic credentials (or of its session, for reading)."""
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            session = portal.accounts.session(request.cookies.get(COOKIE)) if request.method == "GET" else None
            if session:
                return session.account
            raise HTTPException(401, "请提供账号和密码（HTTP Basic）", headers=CHALLENGE)
        try:
            name, _, password = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise HTTPException(401, "账号和密码的格式不对", headers=CHALLENGE) from None
        try:
            return portal.accounts.sign_in(name, password, _client(request))
        except LoginRefused as e:
            raise HTTPException(401, str(e), headers=CHALLENGE) from None

    @app.exception_handler(LoginNeeded)
    async def to_login(request: Request, exc: LoginNeeded):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={urllib.parse.quote(target, safe='')}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden):
        session = portal.accounts.session(request.cookies.get(COOKIE))
        return render(request, "message.html", session, 403, title="无权查看", text="这个页面只对统计局账号开放。")

    @app.exception_handler(BadRequest)
    async def bad_request(request: Request, exc: BadRequest):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=400)
        session = portal.accounts.session(request.cookies.get(COOKIE))
        return render(request, "message.html", session, 400, title="无法办理", text=str(exc))

    @app.exception_handler(Exception)
    async def failed(request: Request, exc: Exception):
        text = "系统出错，本次操作没有完成（上传的文件未保存），请稍后重试；仍不行请与统计局联系"
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": text}, status_code=500)
        return HTMLResponse(env.get_template("message.html").render(title="系统出错", text=text), status_code=500)

    @app.exception_handler(TooLarge)
    async def too_large(request: Request, exc: TooLarge):
        return _too_large(str(exc))

    # --- signing in and out

    @app.get("/healthz", include_in_schema=False)
    def healthz():
        return {"ok": True}

    @app.get("/")
    def home(request: Request):
        session = portal.accounts.session(request.cookies.get(COOKIE))
        if session is None:
            return RedirectResponse("/login", status_code=303)
        return RedirectResponse("/office" if session.account.office else "/tasks", status_code=303)

    def login_page(request: Request, error: str = "", status_code: int = 200) -> HTMLResponse:
        token = secrets.token_urlsafe(24)
        response = render(request, "login.html", None, status_code, error=error, csrf=token,
                          next=request.query_params.get("next", ""))
        response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https")
        return response

    @app.get("/login")
    def login_form(request: Request):
        return login_page(request)

    @app.post("/login")
    async def login(request: Request):
        form = await request.form(max_files=0, max_fields=10)
        if not secrets.compare_digest(str(form.get("csrf", "")), request.cookies.get(LOGIN_COOKIE, "")):
            return login_page(request, "页面已过期，请重新登录", 400)
        try:
            account = await run_in_threadpool(portal.accounts.sign_in, str(form.get("name", "")).strip(),
                                              str(form.get("password", "")), _client(request))
        except LoginRefused as e:
            return login_page(request, str(e), 401)
        token, _ = portal.accounts.open_session(account)
        target = str(form.get("next", ""))
        if not _LOCAL_PATH.fullmatch(target):  # back to a page of this portal, never to another site
            target = "/office" if account.office else "/tasks"
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                            max_age=12 * 3600)
        response.delete_cookie(LOGIN_COOKIE)
        return response

    @app.post("/logout")
    async def logout(request: Request):
        session = page_session(request)
        await form_of(request, session, max_files=0, max_fields=5)
        portal.accounts.close_session(request.cookies.get(COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    # --- a reporter's pages

    def tasks_page(request: Request, session: Session, period: dt.date, results: list | None = None,
                   problems: list[str] | None = None, status_code: int = 200) -> HTMLResponse:
        account = session.account
        if account.office:
            raise Forbidden()
        status, tasks = portal.tasks(account, period)
        received = portal.received(account, period)
        sha_of = {(r.form_code, r.file_name): r.sha256 for r in received.itertuples(index=False)}
        return render(request, "tasks.html", session, status_code, period=period, status=status, tasks=tasks,
                      sha_of=sha_of, received=received, uploads=portal.uploads(account), results=results or [],
                      problems=problems or [], months=recent_months(portal.current_month()), limits=limits,
                      org_name=portal.org_name(account.org_code), labels=TASK_LABELS)

    @app.get("/tasks")
    def tasks(request: Request, period: str | None = None):
        session = page_session(request)
        return tasks_page(request, session, parse_month(period, portal.current_month()))

    async def _files(form) -> list[UploadFile]:
        return [f for f in form.getlist("file") if isinstance(f, UploadFile) and (f.filename or f.size)]

    async def _read(upload: UploadFile) -> bytes:
        data = await upload.read(limits.max_file_bytes + 1)
        if len(data) > limits.max_file_bytes:
            raise TooLarge(f"《{upload.filename}》超过 {_mb(limits.max_file_bytes)}，未保存")
        return data

    def _upload(account: Account, name: str | None, data: bytes, period: dt.date) -> FileResult:
        return receive_upload(portal.wh, portal.cat, portal.inbox, portal.out, account, name, data, period,
                              portal.current_month(), limits.wait)

    @app.post("/upload")
    async def upload(request: Request):
        session = page_session(request)
        form = await form_of(request, session, max_files=limits.max_files, max_fields=10)
        try:
            period = parse_month(str(form.get("period", "")), portal.current_month())
            results, problems = await _submitted(session.account, await _files(form), period)
        finally:
            await form.close()  # Starlette keeps an upload past 1 MB in a temporary file, open until its form is closed
        return tasks_page(request, session, period, results, problems, 200 if results or not problems else 400)

    async def _submitted(account: Account, files: list[UploadFile], period: dt.date) -> tuple[list, list[str]]:
        """Each file of the upload page received: what the audit said of each, and why any was not kept."""
        results, problems = [], []
        if not files:
            problems.append("请先选择要报送的文件")
        for f in files:
            try:
                data = await _read(f)
            except TooLarge as e:
                problems.append(str(e))
                continue
            if not data:
                problems.append(f"《{f.filename}》是空文件，未保存")
                continue
            try:
                results.append(await run_in_threadpool(_upload, account, f.filename, data, period))
            except Refused as e:
                problems.append(str(e))
            except WarehouseBusy:
                problems.append(f"{BUSY}，已等待 {limits.wait:.0f} 秒仍未轮到。《{f.filename}》未保存，请几分钟后重新报送")
        return results, problems

    @app.get("/files/{sha}")
    def file_page(request: Request, sha: str, explained: str | None = None):
        session = page_session(request)
        found = file_result(portal.wh, portal.cat, sha, session.account)
        if found is None:
            return render(request, "message.html", session, 404, title="没有这个文件", text="没有找到这个文件的审核结果，或者它不是本单位的报表。")
        return render(request, "file.html", session, result=found, notice="说明已登记，该提醒不再待核实。" if explained else "")

    def receipt(sha: str, account: Account) -> FileResponse:
        found = file_result(portal.wh, portal.cat, sha, account)
        if found is None:
            raise HTTPException(404, "没有这个文件的回执")
        paths = write_feedback(portal.wh, portal.cat, portal.out, shas=[sha])
        if not paths:
            raise HTTPException(404, "没有这个文件的回执")
        return FileResponse(paths[0], filename=paths[0].name,
                            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @app.get("/files/{sha}/receipt")
    def file_receipt(request: Request, sha: str):
        return receipt(sha, page_session(request).account)

    @app.post("/files/{sha}/explain")
    async def explain(request: Request, sha: str):
        from statreturns.warehouse.explanations import CannotExplain, record_explanation

        session = page_session(request)
        form = await form_of(request, session, max_files=0, max_fields=10)
        found = file_result(portal.wh, portal.cat, sha, session.account)
        rule, indicator, reason = (str(form.get(k, "")).strip() for k in ("rule", "indicator", "reason"))
        ret = next((r for r in (found.returns if found else []) for f in r.findings if f["severity"] == "warning"
                    and f["rule"] == rule and (f["indicator_code"] or "") == indicator), None)
        if ret is None:
            raise BadRequest("这个文件没有这条提醒，或者它不是本单位的报表")

        def record():  # it writes the audit log's line, naming the account
            record_explanation(portal.wh, found.file_name, rule, reason, indicator=indicator or None,
                               period=ret.period, who=session.account.who, cat=portal.cat)

        try:
            await run_in_threadpool(record)
        except CannotExplain as e:
            return render(request, "file.html", session, 400, result=found, error=f"说明未登记：{e}")
        except WarehouseBusy:
            return render(request, "file.html", session, 503, result=found, error=f"{BUSY}，说明未登记，请稍后再提交")
        return RedirectResponse(f"/files/{sha}?explained=1", status_code=303)

    @app.get("/templates")
    def templates(request: Request, period: str | None = None):
        from statreturns.reports.form_templates import TemplateRequestError, write_templates

        session = page_session(request)
        account = session.account
        if account.office:
            raise Forbidden()
        month = parse_month(period, portal.current_month())
        folder = Path(tempfile.mkdtemp(prefix="statreturns-templates-"))
        cleanup = BackgroundTask(shutil.rmtree, folder, ignore_errors=True)
        try:
            paths = write_templates(portal.wh, portal.cat, month, folder, orgs=[account.org_code],
                                    department=account.department)
        except TemplateRequestError as e:
            shutil.rmtree(folder, ignore_errors=True)
            return render(request, "message.html", session, 404, title="模板暂不可用", text=str(e))
        if len(paths) == 1:
            return FileResponse(paths[0], filename=paths[0].name, background=cleanup)
        bundle = folder / f"{portal.org_name(account.org_code)}-{month.year}年{month.month}月填报模板.zip"
        with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as z:
            for p in paths:
                z.write(p, p.name)
        return FileResponse(bundle, filename=bundle.name, background=cleanup)

    # --- the office's pages

    @app.get("/office")
    def board(request: Request, period: str | None = None):
        session = page_session(request, office=True)
        month = parse_month(period, portal.current_month())
        status = portal.status(month)
        forms = list(portal.cat.forms.values())
        cells = {(r.org_code, r.form_code): r for r in status.grid.itertuples(index=False)}
        return render(request, "board.html", session, period=month, status=status, forms=forms, orgs=portal.cat.orgs,
                      cells=cells, by_org=status.counts("org_name"), by_department=status.counts("department"),
                      months=recent_months(portal.current_month()), states=STATES)

    @app.get("/office/returns")
    def cell(request: Request, period: str, org: str, form: str):
        session = page_session(request, office=True)
        month = parse_month(period, portal.current_month())
        rows = portal.cell_returns(month, org, form)
        results = [file_result(portal.wh, portal.cat, sha, session.account) for sha in dict.fromkeys(rows["sha256"])]
        f = portal.cat.forms.get(form)
        return render(request, "cell.html", session, period=month, org_name=portal.org_name(org), org=org,
                      form=f, results=[r for r in results if r])

    @app.get("/office/chase.xlsx")
    def chase(request: Request, period: str | None = None):
        page_session(request, office=True)
        month = parse_month(period, portal.current_month())
        path = write_xlsx(portal.status(month), status_path(portal.out, month))
        return FileResponse(path, filename=f"{month:%Y-%m}催报单.xlsx")

    @app.get("/office/runs")
    def runs(request: Request, error: str = ""):
        session = page_session(request, office=True)
        return render(request, "runs.html", session, jobs=portal.jobs.all(), kinds=KINDS, error=error,
                      months=recent_months(portal.current_month()), orgs=portal.cat.orgs)

    @app.post("/office/runs")
    async def start_run(request: Request):
        session = page_session(request, office=True)
        form = await form_of(request, session, max_files=0, max_fields=10)
        kind = str(form.get("kind", ""))
        month = parse_month(str(form.get("period", "")), portal.current_month())
        org = str(form.get("org", "each")) if kind == "report" else None
        if kind not in KINDS or (org is not None and org not in ("all", "each") and portal.cat.org(org) is None):
            raise BadRequest("不认识的运行类型或单位")

        def start():
            with portal.wh.writer(timeout=limits.wait, publish_after=False) as con:
                log_action(con, session.account.who, kind, f"{month:%Y-%m}",
                           detail=KINDS[kind] + (f"，{org}" if org else ""))
            return portal.jobs.start(kind, f"{month:%Y-%m}", org, session.account.who)

        try:
            job = await run_in_threadpool(start)
        except JobRefused as e:
            return render(request, "runs.html", session, 409, jobs=portal.jobs.all(), kinds=KINDS, error=str(e),
                          months=recent_months(portal.current_month()), orgs=portal.cat.orgs)
        except WarehouseBusy:
            return render(request, "runs.html", session, 503, jobs=portal.jobs.all(), kinds=KINDS,
                          error="数据库正被另一个运行占用，请稍后再启动", months=recent_months(portal.current_month()),
                          orgs=portal.cat.orgs)
        return RedirectResponse(f"/office/runs/{job.id}", status_code=303)

    @app.get("/office/runs/{job_id}")
    def run_page(request: Request, job_id: int):
        session = page_session(request, office=True)
        job = portal.jobs.get(job_id)
        if job is None:
            return render(request, "message.html", session, 404, title="没有这次运行", text="门户重启后，之前的运行记录在日志文件夹中。")
        return render(request, "run.html", session, job=job)

    @app.get("/office/outputs")
    def outputs(request: Request, period: str | None = None):
        session = page_session(request, office=True)
        month = parse_month(period, portal.current_month())
        return render(request, "outputs.html", session, period=month, files=portal.outputs(month),
                      months=recent_months(portal.current_month()))

    @app.get("/office/outputs/{period}/{relative:path}")
    def output_file(request: Request, period: str, relative: str):
        page_session(request, office=True)
        path = portal.output_file(parse_month(period, portal.current_month()), relative)
        return FileResponse(path, filename=path.name)

    def users_page(request: Request, session: Session, error: str = "", notice: str = "", status_code: int = 200):
        return render(request, "users.html", session, status_code, users=portal.accounts.all(), orgs=portal.cat.orgs,
                      departments=sorted({f.department for f in portal.cat.forms.values()}), error=error, notice=notice,
                      org_name=portal.org_name)

    @app.get("/office/users")
    def users(request: Request):
        return users_page(request, page_session(request, office=True))

    @app.post("/office/users")
    async def change_user(request: Request):
        session = page_session(request, office=True)
        form = await form_of(request, session, max_files=0, max_fields=20)
        action = str(form.get("action", ""))
        name = str(form.get("name", "")).strip()
        if action not in ("add", "disable", "enable", "passwd"):
            raise BadRequest("不认识的操作")
        if action == "disable" and name == session.account.name:
            return users_page(request, session, "不能停用自己正在使用的账号", status_code=400)
        role = str(form.get("role", "")) or None
        org = str(form.get("org", "")).strip() or None
        department = str(form.get("department", "")).strip() or None
        if role == "reporter" and (org is None or portal.cat.org(org) is None):
            return users_page(request, session, "填报员须选择单位名册中的单位", status_code=400)

        def change():
            with portal.wh.writer(timeout=limits.wait) as con:
                detail = change_account(portal.accounts, action, name, str(form.get("password", "")) or None,
                                        role=role, org=org if role == "reporter" else None,
                                        department=department if role == "reporter" else None)
                log_action(con, session.account.who, f"user_{action}", name, detail=detail)
            return detail

        try:
            detail = await run_in_threadpool(change)
        except AccountError as e:
            return users_page(request, session, str(e), status_code=400)
        except WarehouseBusy:
            return users_page(request, session, "数据库正被运行占用，账号未改动，请稍后再试", status_code=503)
        return users_page(request, session, notice=f"账号“{name}”：{detail}")

    # --- the JSON API

    def _cross_site(request: Request) -> bool:
        return request.headers.get("sec-fetch-site") == "cross-site"

    @app.post("/api/returns")
    async def api_upload(request: Request):
        if _cross_site(request):
            return JSONResponse({"detail": "不接受来自其他网站的提交"}, status_code=403)
        account = await run_in_threadpool(api_account, request)
        try:
            form = await request.form(max_files=1, max_fields=5)
        except StarletteHTTPException:
            raise BadRequest("一次只接受一个文件（表单字段 file）") from None
        try:
            files = await _files(form)
            if len(files) != 1:
                raise BadRequest("请用表单字段 file 上传一个文件")
            data = await _read(files[0])
            period = parse_month(str(form.get("period", "") or ""), portal.current_month())
        finally:
            await form.close()
        if not data:
            raise BadRequest("文件是空的")
        try:
            result = await run_in_threadpool(_upload, account, files[0].filename, data, period)
        except Refused as e:
            return JSONResponse({"detail": str(e)}, status_code=403)
        except WarehouseBusy:
            return JSONResponse({"detail": f"{BUSY}，已等待 {limits.wait:.0f} 秒仍未轮到；文件未保存，请稍后重新报送"},
                                status_code=503, headers={"Retry-After": "60"})
        return JSONResponse(result.as_json())

    @app.get("/api/returns/{sha}")
    def api_result(request: Request, sha: str):
        found = file_result(portal.wh, portal.cat, sha, api_account(request))
        if found is None:
            raise HTTPException(404, "没有这个文件，或者它不是本单位的报表")
        return found.as_json()

    @app.get("/api/returns/{sha}/receipt")
    def api_receipt(request: Request, sha: str):
        return receipt(sha, api_account(request))

    @app.get("/api/status")
    def api_status(request: Request, period: str | None = None):
        account = api_account(request)
        if not account.office:
            return JSONResponse({"detail": "只有统计局账号可以查看全区报送情况"}, status_code=403)
        table = portal.status(parse_month(period, portal.current_month())).table
        # beside the rows of `statreturns status`: whether the org × form has an accepted return, on time or late
        table = table.assign(accepted=table["status"].isin(["accepted", "late"]))
        return Response(table.to_json(orient="records", date_format="iso", force_ascii=False),
                        media_type="application/json")

    @app.get("/api/jobs/{job_id}")
    def api_job(request: Request, job_id: int):
        if not api_account(request).office:
            return JSONResponse({"detail": "只有统计局账号可以查看运行"}, status_code=403)
        job = portal.jobs.get(job_id)
        if job is None:
            raise HTTPException(404, "没有这次运行")
        return job.as_json()

    return app


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"
