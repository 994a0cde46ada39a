"""Prefect settings for this project: no telemetry, and only warnings on the console; imported before prefect."""
import os

QUIET = {
    # offline machines log an error for every telemetry call that cannot get out
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING",
    # the project's own warnings (a worker's traceback) go into the flow run's log on the server too
    "PREFECT_LOGGING_EXTRA_LOGGERS": "statreturns",
}
# with no server, each process runs a throwaway one: logs sent to it reach nobody
NO_SERVER = {
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_LOGGING_TO_API_ENABLED": "false",
    # a fresh PREFECT_HOME migrates its database first: on a busy two-core machine that passes the 20 s default
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}

for key, value in {**QUIET, **({} if os.environ.get("PREFECT_API_URL") else NO_SERVER)}.items():
    os.environ.setdefault(key, value)
