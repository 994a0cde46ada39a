"""Publishing the read-only snapshot analysts query, so that runs and analysts never block each other."""
from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

from statreturns.warehouse.faults import crash_point


def snapshot_path(db_path: Path) -> Path:
    """Where the published snapshot of a warehouse lives by default: beside it."""
    return db_path.with_name(f"{db_path.stem}.snapshot{db_path.suffix}")


def publish(db_path: Path, snapshot: Path) -> Path:
    """Copy the closed warehouse beside the snapshot, then rename it into place in one step.

    A reader holding the old snapshot keeps reading it; the next reader opens the new one.
    """
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    tmp = snapshot.with_name(f".{snapshot.name}.{os.getpid()}.tmp")
    shutil.copyfile(db_path, tmp)
    tmp.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    crash_point("publish:copied")
    os.replace(tmp, snapshot)
    return snapshot
