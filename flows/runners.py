"""Where a flow's read batches run: threads in this process, or a Dask cluster."""
from __future__ import annotations

from statreturns.flows import quiet_prefect  # noqa: F401  (must precede the prefect import)

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

RUNNERS = ("thread", "dask")


def task_runner(name: str = "thread", dask_address: str | None = None) -> TaskRunner:
    """Threads here, or Dask: the cluster at ``dask_address``, else a local cluster of this machine's cores."""
    if name == "thread":
        return ThreadPoolTaskRunner()
    from prefect_dask import DaskTaskRunner

    return DaskTaskRunner(address=dask_address) if dask_address else DaskTaskRunner()
