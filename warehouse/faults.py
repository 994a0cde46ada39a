"""Named points where a test may kill this process, to prove a crash there leaves the warehouse whole.

``STATRETURNS_CRASH_AT=load:loaded`` kills the process with SIGKILL when it reaches that point: a test then asserts
that the warehouse holds the previous state or the next, never a mix, and that a rerun completes.
"""
from __future__ import annotations

import os
import signal

POINTS = ("load:gathered", "load:loaded", "publish:copied", "rebuild:built")


def crash_point(name: str) -> None:
    """Die here, at once and without cleaning up, when the environment asks for a crash at ``name``."""
    if os.environ.get("STATRETURNS_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
