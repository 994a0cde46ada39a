"""The deployments of prefect.yaml, served from one long-running process: the monthly schedule and on-demand runs."""
from __future__ import annotations

from statreturns.flows import quiet_prefect  # noqa: F401  (must precede the prefect import)

import importlib
from pathlib import Path

import yaml
from prefect import Flow, serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron, Schedule
from prefect.settings import get_current_settings
from prefect.types.entrypoint import EntrypointType

DEPLOYMENTS_FILE = "prefect.yaml"
PROJECT_ROOT = Path(__file__).resolve().parents[1]


class NoServer(RuntimeError):
    """Schedules fire only on a Prefect server, and none is configured."""


def deployments_file(explicit: str | None = None) -> Path:
    """The deployments to serve: the file named, else ./prefect.yaml, else the project's own."""
    if explicit:
        return Path(explicit)
    here = Path(DEPLOYMENTS_FILE)
    return here if here.exists() else PROJECT_ROOT / DEPLOYMENTS_FILE


def flow_of(entrypoint: str) -> Flow:
    """The flow an entrypoint such as ``flows/monthly.py:monthly_consolidation`` names, imported from the package."""
    file, name = entrypoint.split(":")
    module = "statreturns." + file.removesuffix(".py").replace("/", ".")
    return getattr(importlib.import_module(module), name)


def schedules(spec: dict) -> list[Schedule]:
    """A deployment's cron schedules, each with its time zone (a cron alone would fire on UTC)."""
    found = []
    for s in spec.get("schedules") or []:
        if "cron" not in s:
            raise ValueError(f"{spec['name']}：只支持 cron 定时（{s}）")
        found.append(Cron(s["cron"], timezone=s.get("timezone"), active=s.get("active", True),
                          parameters=s.get("parameters") or {}))
    return found


def deployments(file: Path, paths: dict[str, str]) -> list[RunnerDeployment]:
    """The file's deployments, each run reading and writing ``paths`` unless its parameters say otherwise."""
    specs = yaml.safe_load(file.read_text(encoding="utf-8"))["deployments"]
    return [
        flow_of(s["entrypoint"]).to_deployment(
            name=s["name"],
            description=s.get("description"),
            tags=s.get("tags"),
            parameters={"paths": paths, **(s.get("parameters") or {})},
            schedules=schedules(s),
            concurrency_limit=s.get("concurrency_limit"),
            # served from the installed package, whatever directory the service starts in
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
        for s in specs
    ]


def server_url() -> str:
    """The Prefect server's API address; schedules never fire on the throwaway server a process runs alone."""
    url = get_current_settings().api.url
    if not url:
        raise NoServer("定时运行需要 Prefect 服务器：先运行 prefect server start，"
                       "并设置 PREFECT_API_URL（如 http://127.0.0.1:4200/api）")
    return url


def serve_deployments(file: Path, paths: dict[str, str]) -> None:
    """Register the deployments with the server and run what it schedules, until stopped (which pauses them)."""
    server_url()
    serve(*deployments(file, paths))
