"""Timing a command as a whole process tree: wall time, CPU time of every process, and the largest peak RSS.

The tree is sampled from /proc every 250 ms (peak memory is the kernel's high-water mark, so nothing is missed between
samples; sampling more often would take CPU from what is measured): a worker's CPU and peak memory count even
though the worker is not a direct child (forkserver workers are grandchildren, whose usage getrusage never sees).
"""
from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
SAMPLE_S = 0.25


@dataclass(frozen=True)
class Measured:
    wall: float  # seconds
    cpu: float  # seconds of CPU, all processes of the tree
    peak_rss_mb: float  # the largest peak resident set of any one process
    returncode: int
    output: str


def _children(pid: int) -> list[int]:
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        found = []
        for task in tasks:
            text = (task / "children").read_text()
            found += [int(c) for c in text.split()]
        return found
    except OSError:
        return []


def _tree(root: int) -> list[int]:
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += _children(pid)
    return out


def _sample(pid: int) -> tuple[float, float] | None:
    """(CPU seconds, peak RSS in MB) of one process, or None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
        hwm = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmHWM"))
        return cpu, int(hwm.split()[1]) / 1024
    except (OSError, StopIteration, IndexError, ValueError):
        return None


def run(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Measured:
    """Run ``cmd`` to its end, sampling its process tree."""
    seen: dict[int, tuple[float, float]] = {}
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        while True:
            for pid in _tree(proc.pid):
                got = _sample(pid)
                if got:
                    seen[pid] = got
            try:
                proc.wait(timeout=SAMPLE_S)  # returns the moment the command ends: the wall time is exact
                break
            except subprocess.TimeoutExpired:
                pass
        wall = time.perf_counter() - start
        log.seek(0)
        output = log.read()
    return Measured(wall, sum(c for c, _ in seen.values()), max((m for _, m in seen.values()), default=0.0),
                    proc.returncode, output)
