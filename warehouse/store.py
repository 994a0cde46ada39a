"""The warehouse as one object: where its database, snapshot and archive live, and the ways to open it.

Made once at the edge (the command, the flow, the portal) and handed down, so that no report or query decides
where data lives, and a test can hand in one it prepared.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from statreturns.warehouse.db import connect, open_snapshot
from statreturns.warehouse.lock import writer_lock
from statreturns.warehouse.publish import publish, snapshot_path


# the writer's DuckDB holds at most this much: staged and uncommitted rows, and the checkpoint as it closes, spill to the
# temporary folder beside the warehouse (<warehouse>.tmp), so a run's memory does not grow with the number of files
WRITER_CONFIG = {"memory_limit": "64MB"}


@dataclass(frozen=True)
class Warehouse:
    """The private database one writer writes, the read-only snapshot everyone else reads, and the archive."""

    path: Path
    snapshot: Path
    archive: Path

    @classmethod
    def at(cls, path: Path, snapshot: Path | None = None, archive: Path | None = None) -> Warehouse:
        """A warehouse file with its snapshot and archive beside it unless told otherwise; paths resolved."""
        path = Path(path).resolve()
        return cls(path, Path(snapshot).resolve() if snapshot else snapshot_path(path),
                   Path(archive).resolve() if archive else path.parent / "archive")

    @property
    def readable(self) -> Path:
        """What readers open: the published snapshot, or the database itself before anything was published."""
        return self.snapshot if self.snapshot.exists() else self.path

    @property
    def exists(self) -> bool:
        return self.path.exists() or self.snapshot.exists()

    @contextlib.contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection to the published snapshot."""
        with open_snapshot(self.readable) as con:
            yield con

    @contextlib.contextmanager
    def analyst(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for analysts' own SQL: read-only, and sealed from the file system, other databases and
        extensions, so that a query serves the warehouse only (its settings cannot be changed back)."""
        with open_snapshot(self.readable, sealed=True) as con:
            yield con

    @contextlib.contextmanager
    def locked(self, timeout: float = 60.0) -> Iterator[None]:
        """Hold the writer lock: wait up to ``timeout`` seconds, then refuse naming the holder."""
        with writer_lock(self.path, timeout):
            yield

    @contextlib.contextmanager
    def writer(self, timeout: float = 60.0, publish_after: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """The one writer: hold the lock, open (migrating it), and publish the snapshot when the body succeeded."""
        with self.locked(timeout):
            with connect(self.path, **WRITER_CONFIG) as con:
                yield con
                if publish_after:
                    # every commit into the file itself now: DuckDB checkpoints on closing only once nothing in the
                    # process refers to the database any more, and the snapshot is a copy of the file alone
                    con.execute("checkpoint")
            if publish_after:
                self.publish(held=True)

    def publish(self, timeout: float = 60.0, held: bool = False) -> Path:
        """Publish the snapshot: under the writer lock, taken here unless the caller ``held`` it already."""
        if held:
            return publish(self.path, self.snapshot)
        with self.locked(timeout):
            return publish(self.path, self.snapshot)
