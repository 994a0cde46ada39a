"""Worker processes for work over many files, where one file can never take the run with it.

Each worker is forked from a clean, single-threaded server process, runs with a cap on its address space and reports
each item it starts. A worker that dies (a native crash, an allocation the cap refused) or spends too long on one item
is killed and replaced; its task is given again with that item marked as failed, so the task function answers for it
(a rejected file with its reason) and every other item is done as usual. Results come back in the order of the tasks.

One piece of work may also be run ``apart``: in a process of its own forked from the same server, so that it carries
none of the imports of the process that asked for it (a flow's Prefect), and answers as a function call would.
"""
from __future__ import annotations

import atexit
import importlib
import logging
import multiprocessing as mp
import os
import pickle
import resource
import signal
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from multiprocessing import forkserver
from multiprocessing.connection import Connection, wait

from statreturns.intake.limits import DEFAULT_LIMITS, Limits

TIMED_OUT = "文件结构异常，读取时超出时间限制（{seconds:.0f}秒），疑似损坏或恶意文件"
CRASHED = "文件结构异常，读取时超出内存限制或使读取程序崩溃，疑似损坏或恶意文件"
RAISED = "读取时出错（{error}），请用 Excel 或 WPS 打开并另存后重新报送"
DIED = "独立运行的进程在完成前意外终止（退出码 {code}）"
# numeric libraries start a thread per core at import, and Arrow's own allocator reserves a gigabyte of address space:
# in a worker whose address space is capped, both only take room from the file being read
WORKER_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "ARROW_DEFAULT_MEMORY_POOL": "system"}
_POLL = 0.2
READING = ("statreturns.intake.ready",)  # what a worker that reads files imports and readies, preloaded where forked
log = logging.getLogger(__name__)


def default_processes() -> int:
    """One worker per core this process may run on."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def _forkserver(preload: Iterable[str]):
    """The context workers are started in: forked from a server process that imported ``preload`` first (once it
    runs, later preloads change nothing), in the environment workers need."""
    for key, value in WORKER_ENV.items():
        os.environ.setdefault(key, value)
    context = mp.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    return context


def start_server(preload: Iterable[str] = READING) -> None:
    """Start the server workers are forked from, and return without waiting for its imports: a command that will
    work in workers calls this first, so that the server's imports run beside the command's own."""
    _forkserver(preload)
    forkserver.ensure_running()


def _resolve(name: str) -> Callable:
    module, _, function = name.partition(":")
    return getattr(importlib.import_module(module), function)


def _serve(conn: Connection, memory: int, progress) -> None:
    """A worker's life: take a task, note in shared memory each item it starts, send the result; end when the pool
    goes. The note costs no system call, so a task of many small files pays nothing for being watched."""
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    def started(i: int) -> None:
        progress[0], progress[1] = i, time.monotonic()

    while True:
        try:
            index, function, items, args, failed = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("done", index, _resolve(function)(items, *args, failed=failed, started=started)))
        except Exception as e:  # noqa: BLE001 - reported with the item it happened on, and the task given again
            conn.send(("error", index, f"{type(e).__name__}: {e}", traceback.format_exc()))


@dataclass(frozen=True)
class Reasons:
    """What an item is answered with when its worker spent too long on it, died on it, or raised on it: a file's
    reader by default; a pool doing other work says it in its own words."""

    timed_out: str = TIMED_OUT  # {seconds}
    crashed: str = CRASHED
    raised: str = RAISED  # {error}


class TaskFailed(RuntimeError):
    """A task failed again with none of its items left to blame: something other than its items is wrong."""


@dataclass(frozen=True)
class Work:
    """A task's items with arguments of its own (a share of some data), given before the arguments every task shares."""

    items: list
    args: tuple = ()


@dataclass
class _Task:
    index: int
    items: list
    own: tuple = ()  # the task's own arguments
    failed: dict[int, str] = field(default_factory=dict)  # item -> why it is answered without being worked on
    own_failures: int = 0  # times it failed before beginning any item


@dataclass
class _Worker:
    process: mp.process.BaseProcess
    conn: Connection
    progress: object  # shared [item it is working on, when it started it]; item -1 before the first
    task: _Task | None = None

    @property
    def item(self) -> int | None:
        return int(self.progress[0]) if self.progress[0] >= 0 else None

    @property
    def since(self) -> float:
        return self.progress[1]


class Pool:
    """Processes that run ``module:function(items, *args, failed=..., started=...)`` over tasks, in isolation."""

    def __init__(self, processes: int | None = None, limits: Limits = DEFAULT_LIMITS, preload: Iterable[str] = (),
                 reasons: Reasons = Reasons()):
        self.limits, self.reasons = limits, reasons
        self._mapping = threading.Lock()  # one map at a time: the portal's threads share a process's pools
        self.context = _forkserver(preload)
        self.workers = [self._spawn() for _ in range(processes or default_processes())]

    def _spawn(self) -> _Worker:
        ours, theirs = self.context.Pipe()
        progress = self.context.Array("d", [-1.0, time.monotonic()], lock=False)
        process = self.context.Process(target=_serve, args=(theirs, self.limits.worker_memory, progress), daemon=True,
                                       name="statreturns-worker")
        process.start()
        theirs.close()
        return _Worker(process, ours, progress)

    def close(self) -> None:
        for w in self.workers:
            w.conn.close()
        for w in self.workers:
            w.process.join(timeout=5)
            if w.process.is_alive():
                w.process.kill()
                w.process.join()
        self.workers = []

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def shares(self, items: list, least: int = 1, most: int | None = None) -> list[list]:
        """``items`` cut into about four shares a worker (a slow share then holds up little), each of ``least`` to
        ``most`` items."""
        size = max(least, -(-len(items) // (4 * len(self.workers))))
        size = min(size, most) if most else size
        return [items[i:i + size] for i in range(0, len(items), size)]

    def map(self, function: str, batches: Iterable[list | Work], *args) -> Iterator:
        """The function's result for each batch, in the order of the batches; at most a few batches read ahead.
        Maps from other threads wait for this one to end. A map ended early (a task failed for its own reason, or
        the reader of the results stopped) replaces the workers still on one of its tasks: what they would send
        back belongs to no later map."""
        with self._mapping:
            try:
                yield from self._results(function, iter(batches), args)
            finally:
                self._abandon()

    def _results(self, function: str, source: Iterator, args: tuple) -> Iterator:
        pending: deque[_Task] = deque()
        done: dict[int, object] = {}
        submitted = next_out = 0
        exhausted = False
        while True:
            while not exhausted and len(pending) + len(done) < 2 * len(self.workers):
                items = next(source, None)
                if items is None:
                    exhausted = True
                    break
                work = items if isinstance(items, Work) else Work(items)
                pending.append(_Task(submitted, list(work.items), work.args))
                submitted += 1
            for w in self.workers:
                if w.task is None and pending:
                    self._give(w, pending.popleft(), function, args)
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
            if exhausted and not pending and next_out == submitted:
                return
            self._collect(done, pending)

    def _give(self, w: _Worker, task: _Task, function: str, args: tuple) -> None:
        w.task = task
        w.progress[0], w.progress[1] = -1.0, time.monotonic()
        w.conn.send((task.index, function, task.items, (*task.own, *args), task.failed))

    def _collect(self, done: dict, pending: deque) -> None:
        busy = [w for w in self.workers if w.task is not None]
        ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=_POLL)
        for w in busy:
            if w.conn in ready:
                try:
                    self._message(w, w.conn.recv(), done, pending)
                except (EOFError, OSError):
                    pass  # its death is seen below
            if w.task is not None and w.process.sentinel in ready:
                self._lost(w, self.reasons.crashed, pending)
            elif w.task is not None and time.monotonic() - w.since > self.limits.seconds_per_file:
                w.process.kill()
                self._lost(w, self.reasons.timed_out.format(seconds=self.limits.seconds_per_file), pending)

    def _message(self, w: _Worker, message: tuple, done: dict, pending: deque) -> None:
        kind, index = message[0], message[1]
        task, w.task = w.task, None
        if kind == "done":
            done[index] = message[2]
        else:
            # the item is answered with the error's first line; the traceback is for whoever mends the code
            log.warning("工作进程出错，出错的一项已另作答复，其余照常处理：\n%s", message[3])
            self._blame(task, w.item, self.reasons.raised.format(error=message[2][:200]), pending)

    def _lost(self, w: _Worker, reason: str, pending: deque) -> None:
        """A worker died or was stopped: replace it, and give its task again with the item it was on marked failed."""
        task, item = w.task, w.item
        self._replace(w)
        self._blame(task, item, reason, pending)

    def _replace(self, w: _Worker) -> None:
        w.process.join(timeout=5)
        w.conn.close()
        replacement = self._spawn()
        w.process, w.conn, w.progress, w.task = replacement.process, replacement.conn, replacement.progress, None

    def _abandon(self) -> None:
        for w in self.workers:
            if w.task is not None:
                w.process.kill()
                self._replace(w)

    @staticmethod
    def _blame(task: _Task, item: int | None, reason: str, pending: deque) -> None:
        """Mark the item a failure is blamed on and give the task again. A failure after items were begun is blamed
        on the one started (else the first not yet answered for, when that one was answered already); one before any
        item was begun is the task's own, and the task is given once more as it was. A task that fails again with
        nothing to blame fails for a reason of its own."""
        if item is None:
            task.own_failures += 1
            if task.own_failures > 1:
                raise TaskFailed(f"工作进程中的任务未及开始任何一项就再次失败：{reason}")
        else:
            if item in task.failed:
                item = next((i for i in range(len(task.items)) if i not in task.failed), None)
            if item is None:
                raise TaskFailed(f"工作进程中的任务在每一项都已另作答复后仍然失败：{reason}")
            task.failed[item] = reason
        pending.appendleft(task)


class Died(RuntimeError):
    """A process run apart ended without answering: killed, or a native crash."""


class _Relay:
    """The watcher of a process run apart, as that process sees it: each call on it is made by the process watching."""

    def __init__(self, conn: Connection):
        self._conn = conn

    def __getattr__(self, name: str) -> Callable:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args: self._conn.send(("call", name, args))


def _end_with_parent(conn: Connection) -> None:
    """Kill this process once the one that started it is gone: the parent never writes, so the pipe turns readable
    only when it reads end-of-file, and work nobody waits for is never finished (a writer's transaction is dropped)."""
    wait([conn])
    os.kill(os.getpid(), signal.SIGKILL)


def _portable(e: BaseException) -> BaseException:
    """The exception as it can cross to the parent (one that cannot is sent as its words), with this process's
    traceback as a note for whoever mends the code."""
    try:
        pickle.loads(pickle.dumps(e))
    except Exception:  # noqa: BLE001 - any failure to cross is answered the same way
        e = RuntimeError(f"{type(e).__name__}: {e}")
    e.add_note(traceback.format_exc())
    return e


def _apart(conn: Connection, argv: list[str], function: str, args: tuple) -> None:
    sys.argv = argv  # named as the command it works for (the writer's lock file shows who holds it)
    threading.Thread(target=_end_with_parent, args=(conn,), daemon=True).start()
    try:
        answer = ("done", _resolve(function)(*args, watcher=_Relay(conn)))
    except BaseException as e:  # noqa: BLE001 - raised again in the parent, which decides
        answer = ("raised", _portable(e))
    conn.send(answer)


def apart(function: str, *args, watcher: object = None, died: str = DIED, preload: Iterable[str] = READING):
    """``module:function(*args, watcher=...)`` run in a process of its own, forked from the server: its result, or its
    exception raised here. Each call it makes on ``watcher`` is made here on ``watcher`` (None: nobody watches). It is
    not given again when it dies: ``Died`` says so in the caller's words (``died``, with its exit {code}). It is killed
    when this process stops waiting for it or ends."""
    context = _forkserver(preload)
    ours, theirs = context.Pipe()
    process = context.Process(target=_apart, args=(theirs, sys.argv, function, args), name="statreturns-apart")
    process.start()
    theirs.close()
    try:
        while True:
            try:
                kind, *message = ours.recv()
            except EOFError:
                process.join()
                raise Died(died.format(code=process.exitcode)) from None
            if kind == "call":
                if watcher is not None:
                    getattr(watcher, message[0])(*message[1])
                continue
            process.join()
            if kind == "raised":
                raise message[0]
            return message[0]
    finally:
        ours.close()
        if process.is_alive():
            process.kill()
            process.join()


def kept_pool(limits: Limits = DEFAULT_LIMITS, preload: Iterable[str] = READING, reasons: Reasons = Reasons()) -> Pool:
    """Worker processes of one kind (by default the file readers), started once in this process, kept for its later
    work and closed at its exit: one pool per kind however its arguments are spelled (given, by keyword or left out)."""
    return _kept(limits, tuple(preload), reasons)


@cache
def _kept(limits: Limits, preload: tuple[str, ...], reasons: Reasons) -> Pool:
    pool = Pool(limits=limits, preload=preload, reasons=reasons)
    atexit.register(pool.close)
    return pool
