"""A run's progress for whoever watches it in this process: the command's progress bar, or nobody."""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


class Watcher(Protocol):
    def stage(self, text: str) -> None: ...
    def files(self, total: int) -> None: ...
    def advance(self, done: int) -> None: ...


_watchers: list[Watcher] = []


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
        self.task = self.progress.add_task("启动 Prefect", total=None)

    def stage(self, text: str) -> None:
        self.progress.update(self.task, description=text)

    def files(self, total: int) -> None:
        self.progress.update(self.task, total=total, completed=0)

    def advance(self, done: int) -> None:
        self.progress.advance(self.task, done)


def interactive(console: Console) -> bool:
    """A person is watching: a terminal, and not a CI job."""
    return console.is_terminal and not os.environ.get("CI")


@contextlib.contextmanager
def bar() -> Iterator[None]:
    """Show the progress bar on the terminal for the duration; nothing when no one is watching."""
    console = Console(stderr=True)
    if not interactive(console):
        yield
        return
    shown = Bar(console)
    _watchers.append(shown)
    try:
        with shown.progress:
            yield
    finally:
        _watchers.remove(shown)
