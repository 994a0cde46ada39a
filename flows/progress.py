"""A run's progress for whoever watches it in this process: the command's progress bar, or nobody."""
from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


class Watcher(Protocol):
    def stage(self, text: str) -> None: ...
    def files(self, total: int) -> None: ...
    def advance(self, done: int) -> None: ...


_watchers: list[Watcher] = []
TIMINGS_ENV = "STATRETURNS_TIMINGS"
# the summaries are written by the report workers while the reading workers write the 回执: one stage, as both are
OUTPUTS = "生成汇总表和回执"


def stage(text: str) -> None:
    """The run has moved on to ``text``."""
    for w in _watchers:
        w.stage(text)


def files(total: int) -> None:
    """The run is about to read ``total`` files."""
    for w in _watchers:
        w.files(total)


def advance(done: int) -> None:
    """``done`` more files have been read."""
    for w in _watchers:
        w.advance(done)


class Bar:
    """A bar over the files read, with the current step before it; gone when the run ends."""

    def __init__(self, console: Console):
        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, transient=True,
        )
        self.task = self.progress.add_task("启动", total=None)

    def stage(self, text: str) -> None:
        self.progress.update(self.task, description=text)

    def files(self, total: int) -> None:
        self.progress.update(self.task, total=total, completed=0)

    def advance(self, done: int) -> None:
        self.progress.advance(self.task, done)


class Timings:
    """Each stage's start as a line ``<unix time>\t<stage>`` in a file, for whoever times runs (``make bench``)."""

    def __init__(self, path: Path):
        self.path = path
        self.stage("开始")

    def stage(self, text: str) -> None:
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(f"{time.time():.3f}\t{text}\n")

    def files(self, total: int) -> None:
        pass

    def advance(self, done: int) -> None:
        pass


def interactive(console: Console) -> bool:
    """A person is watching: a terminal, and not a CI job."""
    return console.is_terminal and not os.environ.get("CI")


@contextlib.contextmanager
def bar() -> Iterator[None]:
    """Show the progress bar on the terminal for the duration (nothing when no one is watching), and note each stage's
    start in the file ``$STATRETURNS_TIMINGS`` when it is set."""
    console = Console(stderr=True)
    shown = Bar(console) if interactive(console) else None
    timed = Timings(Path(os.environ[TIMINGS_ENV])) if os.environ.get(TIMINGS_ENV) else None
    watching = [w for w in (shown, timed) if w is not None]
    _watchers.extend(watching)
    try:
        with shown.progress if shown else contextlib.nullcontext():
            yield
    finally:
        for w in watching:
            _watchers.remove(w)
        if timed:
            timed.stage("结束")
