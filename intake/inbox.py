"""The inbox: finding received files, fingerprinting them and keeping their bytes."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from statreturns.schemas.text import parse_period

SKIPPED_PREFIXES = ("~$", ".")  # Excel/WPS lock files and hidden files are not returns


@dataclass(frozen=True)
class Incoming:
    path: Path
    sha256: str
    received_at: dt.datetime
    folder_period: dt.date | None
    data: bytes

    @property
    def file_name(self) -> str:
        return self.path.name


def discover(inbox: Path) -> list[Path]:
    """Every file under the inbox, recursively, in a stable order."""
    if inbox.is_file():
        return [inbox]
    return sorted(p for p in inbox.rglob("*") if p.is_file() and not p.name.startswith(SKIPPED_PREFIXES))


def receive(path: Path) -> Incoming:
    """Read a file's bytes once: its fingerprint, its modification time and the month of its folder."""
    data = path.read_bytes()
    return Incoming(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        received_at=dt.datetime.fromtimestamp(path.stat().st_mtime),
        folder_period=parse_period(path.parent.name),
        data=data,
    )


def archive(incoming: Incoming, archive_dir: Path) -> Path:
    """Keep the file's bytes under their fingerprint; writing the same bytes twice is a no-op."""
    target = archive_dir / incoming.sha256[:2] / (incoming.sha256 + incoming.path.suffix.lower())
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_bytes(incoming.data)
        tmp.replace(target)
    return target
