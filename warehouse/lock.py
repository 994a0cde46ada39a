"""One writer at a time: a lock file beside the warehouse, naming whoever holds it."""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path


class WarehouseBusy(RuntimeError):
    """Another process is writing the warehouse."""


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


@contextlib.contextmanager
def writer_lock(db_path: Path, timeout: float = 60.0, poll: float = 0.2) -> Iterator[None]:
    """Hold the warehouse's writer lock; wait up to ``timeout`` seconds, then refuse naming the holder."""
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as f:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    f.seek(0)
                    holder = f.read().strip() or "未知进程"
                    raise WarehouseBusy(f"数据库正被另一个进程写入（{holder}），已等待{timeout:.0f}秒，本次不运行") from None
                time.sleep(poll)
        f.seek(0)
        f.truncate()
        f.write(f"PID {os.getpid()}：{' '.join(sys.argv)}，{dt.datetime.now():%Y-%m-%d %H:%M:%S} 开始")
        f.flush()
        try:
            yield
        finally:
            f.seek(0)
            f.truncate()
            fcntl.flock(f, fcntl.LOCK_UN)
