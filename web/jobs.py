"""Runs the office starts from the portal: the monthly run or a regeneration, as a process of its own, watched.

Without a Prefect server the run is ``statreturns run`` (its flow in an ephemeral Prefect) and a regeneration is
``statreturns report``; with ``PREFECT_API_URL`` set they are the deployments ``statreturns serve`` serves,
started and watched with ``prefect deployment run --watch``. Either way the portal keeps the output as a log and
reads the steps off it.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from statreturns.flows.config import Settings

# the flow's tasks (flows/monthly.py) as the office reads them; a task not named here shows under its own name
STEPS = {"load_inbox": "收表、审核、入库", "publish_snapshot": "发布快照", "write_reports": "生成汇总表",
         "write_feedback_files": "生成回执", "check_period": "核对报送情况", "show_results": "记录运行结果"}
# Prefect's console lines for a flow run beginning and ending and for each task run ending
_EVENT = re.compile(r"(Task|Flow) run '([^']+)' - (?:Beginning flow run|Finished in state (\w+))")
KINDS = {"run": "月度汇总（收新表、审核入库、出汇总表和回执）", "report": "重新生成汇总表"}
DEPLOYMENTS = {"run": "monthly-consolidation/monthly", "report": "regenerate-reports/on-demand"}
# the path options each command takes (flows/commands)
_FLAGS = {"run": ("inbox", "warehouse", "snapshot", "out", "archive", "registry"),
          "report": ("warehouse", "snapshot", "out", "registry")}


class JobRefused(Exception):
    """A run cannot start now (another is running); the message says why, in Chinese."""


@dataclass
class Job:
    id: int
    kind: str
    period: str
    org: str | None
    who: str
    argv: list[str]
    log: Path
    started_at: dt.datetime
    process: subprocess.Popen | None = None
    ended_at: dt.datetime | None = None

    @property
    def returncode(self) -> int | None:
        return self.process.poll() if self.process else None

    @property
    def label(self) -> str:
        whom = {"all": "全区合计", "each": "每个单位和全区"}.get(self.org, f"单位 {self.org}")
        return KINDS[self.kind] + (f"：{whom}" if self.kind == "report" else "")

    @property
    def state(self) -> str:
        if self.returncode is None:
            return "running"
        return "done" if self.returncode == 0 else "failed"

    @property
    def state_label(self) -> str:
        return {"running": "运行中", "done": "已完成", "failed": "失败"}[self.state]

    @property
    def seconds(self) -> int:
        return int(((self.ended_at or dt.datetime.now()) - self.started_at).total_seconds())

    def output(self, limit: int = 20000) -> str:
        """The end of what the run printed."""
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""
        return text[-limit:]

    def steps(self) -> list[tuple[str, str]]:
        """What the run has done so far, read off its log: (step, the state Prefect gave it); none for a command
        that runs without Prefect."""
        found = []
        for kind, name, state in _EVENT.findall(self.output(limit=10 ** 7)):
            if kind == "Flow":
                found.append(("运行结束" if state else "开始运行", state or "Running"))
            else:
                task = name.rsplit("-", 1)[0]
                found.append((STEPS.get(task, task), state))
        return found

    def as_json(self) -> dict:
        return {"id": self.id, "kind": self.kind, "label": self.label, "period": self.period, "org": self.org,
                "state": self.state, "state_label": self.state_label, "seconds": self.seconds,
                "steps": [{"step": step, "state": state, "done": state in ("Completed", "Running")}
                          for step, state in self.steps()], "output": self.output(4000)}


def command(kind: str, period: str, org: str | None, settings: Settings, env: dict[str, str]) -> list[str]:
    """What to run: the deployment through Prefect when a server is configured, else the command."""
    if env.get("PREFECT_API_URL"):
        params = ["--param", f"period={period}"] + (["--param", f"org={org}"] if kind == "report" else [])
        return [sys.executable, "-m", "prefect", "deployment", "run", DEPLOYMENTS[kind], *params, "--watch"]
    argv = [sys.executable, "-m", "statreturns.flows.cli", kind, "--period", period]
    argv += ["--org", org] if kind == "report" else []
    for name in _FLAGS[kind]:
        value = getattr(settings, name)
        if value is not None:
            argv += [f"--{name}", str(value)]
    return argv


class Jobs:
    """The runs started from this portal, one at a time, each with its log in ``folder``."""

    def __init__(self, folder: Path, settings: Settings):
        self.folder = folder
        self.settings = settings
        self._jobs: dict[int, Job] = {}
        self._lock = threading.Lock()

    def all(self) -> list[Job]:
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.id, reverse=True)

    def get(self, job_id: int) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def running(self) -> Job | None:
        return next((j for j in self.all() if j.state == "running"), None)

    def start(self, kind: str, period: str, org: str | None, who: str) -> Job:
        env = dict(os.environ)
        # the steps are read off the flow's log lines; output unbuffered so they show as they happen
        env.update({"PYTHONUNBUFFERED": "1", "PREFECT_LOGGING_LEVEL": "INFO", "NO_COLOR": "1",
                    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "INFO", "CI": env.get("CI", "1")})
        with self._lock:
            busy = next((j for j in self._jobs.values() if j.state == "running"), None)
            if busy:
                raise JobRefused(f"“{busy.label}”（{busy.period}）正在运行，请等它结束后再启动")
            job_id = max(self._jobs, default=0) + 1
            self.folder.mkdir(parents=True, exist_ok=True)
            started = dt.datetime.now()
            job = Job(job_id, kind, period, org, who, command(kind, period, org, self.settings, env),
                      self.folder / f"{started:%Y%m%d-%H%M%S}-{kind}-{job_id}.log", started)
            with open(job.log, "wb") as log:
                job.process = subprocess.Popen(job.argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                               env=env, start_new_session=True)
            self._jobs[job_id] = job
        threading.Thread(target=self._wait, args=(job,), daemon=True, name=f"job-{job_id}").start()
        return job

    @staticmethod
    def _wait(job: Job) -> None:
        job.process.wait()
        job.ended_at = dt.datetime.now()
