"""Files' bytes to what they hold, before the warehouse is touched: returns, figures, notes and the findings of every
rule that needs no earlier period. Runs in worker processes (``intake.workers``), a batch of files at a time."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from statreturns.intake.inbox import Entry, Incoming, archive_path, keep, take
from statreturns.intake.limits import DEFAULT_LIMITS, Limits, UnreadableFile
from statreturns.intake.readers import read_grids, too_large
from statreturns.schemas.audit import PREVIOUS_COLUMNS, audit
from statreturns.schemas.catalogue import Catalogue
from statreturns.schemas.notes import read_notes
from statreturns.schemas.records import Batch, Received, read_batch

_NO_PREVIOUS = pd.DataFrame(columns=list(PREVIOUS_COLUMNS))


def to_received(incoming: Incoming, limits: Limits = DEFAULT_LIMITS) -> Received:
    """Read a file's sheets, or say why it cannot be read."""
    try:
        grids, error = tuple(read_grids(incoming.data, limits)), None
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


@dataclass(frozen=True)
class FileRead:
    """One entry as a worker took it: its fingerprint, and where its bytes are kept (None: not kept)."""

    sha256: str
    archive_path: str | None


@dataclass(frozen=True)
class FilesRead:
    """A batch of entries read and audited as far as can be without the warehouse."""

    files: list[FileRead]  # in the order of the entries given
    read: Read  # batch.findings already hold every finding of a rule that reads no earlier period


def refusal_fingerprint(entry: Entry) -> str:
    """A fingerprint for something never opened: stable for the same thing found again, unlike any file's."""
    return hashlib.sha256(f"refused:{entry.path}:{entry.received_at.isoformat()}:{entry.size}".encode()).hexdigest()


def _receive(entry: Entry, failed: str | None, archive_dir: Path, limits: Limits) -> tuple[FileRead, Received]:
    """Take one entry's bytes, keep them in the archive, read its sheets; or say why it is not read."""
    if entry.refused or failed:
        sha = refusal_fingerprint(entry) if entry.refused else _fingerprint(entry, limits)
        rule = "file_refused" if entry.refused else "file_unreadable"
        return FileRead(sha, None), Received(sha, entry.file_name, None, entry.refused or failed,
                                                     entry.folder_period, rule)
    try:
        taken = take(entry, limits)
    except OSError as e:
        sha = refusal_fingerprint(entry)
        return FileRead(sha, None), Received(sha, entry.file_name, None, e.strerror or str(e),
                                                     entry.folder_period, "file_refused")
    if taken.data is None:
        return FileRead(taken.sha256, None), Received(taken.sha256, entry.file_name, None,
                                                             too_large(taken.size, limits), entry.folder_period)
    kept = keep(taken.data, archive_path(archive_dir, taken.sha256, entry.file_name))
    incoming = Incoming(entry.path, taken.sha256, entry.received_at, entry.folder_period, taken.data)
    return FileRead(taken.sha256, str(kept)), to_received(incoming, limits)


def _fingerprint(entry: Entry, limits: Limits) -> str:
    """The sha256 of a file whose reading failed; a refusal's fingerprint when even its bytes cannot be taken."""
    try:
        return take(entry, limits).sha256
    except OSError:
        return refusal_fingerprint(entry)


def read_entries(entries: list[Entry], cat: Catalogue, run_period: dt.date | None, archive_dir: Path,
                 limits: Limits = DEFAULT_LIMITS, *, failed: dict[int, str], started) -> FilesRead:
    """The worker's task: take, keep and read each entry, then audit the batch as far as needs no warehouse.

    ``failed`` names the entries a worker could not read before (a crash, a timeout): each is answered with its
    reason, unread. ``started(i)`` is called as each entry is begun, so that a failure is blamed on the right one.
    """
    files, received = [], {}
    for i, entry in enumerate(entries):
        started(i)
        file, rec = _receive(entry, failed.get(i), Path(archive_dir), limits)
        files.append(file)
        received.setdefault(file.sha256, rec)  # a copy of a file earlier in the batch holds nothing new
    received = list(received.values())
    batch, notes = read_batch(received, cat), read_notes(received, cat)
    findings = audit(batch, _NO_PREVIOUS, cat, run_period, notes)
    return FilesRead(files, Read(Batch(batch.returns, batch.records, batch.projects, findings), notes))


def peek_returns(entries: list[Entry], cat: Catalogue, limits: Limits = DEFAULT_LIMITS, *, failed: dict[int, str],
                 started) -> pd.DataFrame:
    """The returns the files hold (whose, which form, which month), read without keeping anything: a worker's task,
    so that a hostile file can only end a worker. A file that could not be read holds none."""
    received = []
    for i, entry in enumerate(entries):
        started(i)
        if i in failed or entry.refused:
            continue
        try:
            taken = take(entry, limits)
        except OSError:
            continue
        if taken.data is not None:
            received.append(to_received(Incoming(entry.path, taken.sha256, entry.received_at, entry.folder_period,
                                                 taken.data), limits))
    return read_batch(received, cat).returns
