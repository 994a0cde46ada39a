"""Imported where reader workers are forked (``workers.READING``): the readers' modules, and what every reader would
otherwise do on its first file, done once for all of them."""
from statreturns.intake import read  # noqa: F401 - imported for the workers forked after it
from statreturns.schemas.records import ready_validation

ready_validation()
