"""A command that runs a flow with no Prefect server configured starts Prefect's throwaway server as a child process.
If the command is killed (SIGKILL, the OOM killer, its terminal closing) that server would live on. `guard()`
starts a small watchdog beside the command: it notes the command's descendants once a second and, when the command
is gone however it went, ends those still running.

The watchdog learns of the command's end from a pipe only the command holds: the pipe reads end-of-file when the
last holder exits, whatever the cause.
"""
from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

TICK_S = 1.0
GRACE_S = 5.0
_held: list = []  # the pipe's write end and the watchdog, held for the life of the command


def guard() -> None:
    """Watch this process when it may start a throwaway Prefect server (no PREFECT_API_URL); once per process."""
    if os.environ.get("PREFECT_API_URL") or _held:
        return
    read_end, write_end = os.pipe()  # both ends are non-inheritable: no exec'd child keeps the command "alive"
    watcher = subprocess.Popen([sys.executable, "-m", "statreturns.flows.watchdog", str(os.getpid())], stdin=read_end,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    os.close(read_end)
    _held.extend((write_end, watcher))


def _stat(pid: str) -> tuple[int, str] | None:
    """(parent pid, start time) of a process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), fields[19]


def descendants(root: int) -> dict[int, str]:
    """Every process below `root`, with its start time (so a reused pid is never mistaken for it)."""
    children: dict[int, list[tuple[int, str]]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(entry)):
            children.setdefault(stat[0], []).append((int(entry), stat[1]))
    found, todo = {}, [root]
    while todo:
        for pid, started in children.get(todo.pop(), []):
            if pid not in found:
                found[pid] = started
                todo.append(pid)
    return found


def _alive(pid: int, started: str) -> bool:
    stat = _stat(str(pid))
    return stat is not None and stat[1] == started


def end(processes: dict[int, str]) -> None:
    """SIGTERM each process still running, then SIGKILL what is left after the grace period."""
    for sig, wait in ((signal.SIGTERM, GRACE_S), (signal.SIGKILL, 0.0)):
        running = {pid: s for pid, s in processes.items() if _alive(pid, s)}
        for pid in running:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait
        while running and time.monotonic() < deadline:
            time.sleep(0.1)
            running = {pid: s for pid, s in running.items() if _alive(pid, s)}
        if not running:
            return


def watch(root: int, gone: int) -> None:
    """Note `root`'s descendants until `gone` (a file descriptor) reads end-of-file, then end them."""
    seen: dict[int, str] = {}
    while True:
        ready, _, _ = select.select([gone], [], [], TICK_S)
        if ready and not os.read(gone, 1):
            break
        seen.update(descendants(root))
    seen.pop(os.getpid(), None)
    end(seen)


if __name__ == "__main__":
    watch(int(sys.argv[1]), sys.stdin.fileno())
