"""Files' bytes to what they hold, before any audit: their returns as a batch, and the notes written in them."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from statreturns.intake.inbox import Incoming
from statreturns.intake.readers import UnreadableFile, read_grids
from statreturns.schemas.catalogue import Catalogue
from statreturns.schemas.notes import read_notes
from statreturns.schemas.records import Batch, Received, read_batch


def to_received(incoming: Incoming) -> Received:
    """Read a file's sheets, or say why it cannot be read."""
    try:
        grids, error = tuple(read_grids(incoming.data)), None
    except UnreadableFile as e:
        grids, error = None, str(e)
    return Received(incoming.sha256, incoming.file_name, grids, error, incoming.folder_period)


@dataclass(frozen=True)
class Read:
    """What files hold before any audit: their returns as a batch, and the notes written in them."""

    batch: Batch
    notes: pd.DataFrame


def read_files(files: list[Incoming], cat: Catalogue) -> Read:
    """Locate the returns and notes in files' bytes; no database, so any process can do it, a batch at a time."""
    received = [to_received(f) for f in files]
    return Read(read_batch(received, cat), read_notes(received, cat))
