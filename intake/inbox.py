"""The inbox is a boundary: what is found there, what is never opened, and how a file's bytes are taken and kept.

Only regular files under the inbox are read. A link, a folder named like a return, a device or a pipe is never
opened: each becomes an entry refused with its reason, so that nothing found disappears silently.
"""
from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from statreturns.intake.limits import DEFAULT_LIMITS, Limits
from statreturns.schemas.text import parse_period

SKIPPED_PREFIXES = ("~$", ".")  # Excel/WPS lock files and hidden files are not returns
# a folder with one of these endings looks like a return to the person who dropped it: it is refused, not entered
RETURN_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".et", ".ett", ".xml", ".htm", ".html", ".txt")
_SAFE_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,8}$")
_CHUNK = 1 << 20

LINK = "链接文件（快捷方式）不予读取，请直接报送报表文件本身"
FOLDER = "这是一个文件夹，不是报表文件，未读取其中的内容"
SPECIAL = "不是普通文件（设备、管道或套接字），不予读取"


@dataclass(frozen=True)
class Entry:
    """One thing found in the inbox: a file to read, or something refused unopened with its reason."""

    path: Path  # where it was found, resolved: its identity with its bytes' sha256
    received_at: dt.datetime  # its modification time: which of two corrections came later
    folder_period: dt.date | None = None  # the month its folder names (2023-06), if any
    size: int = 0
    refused: str | None = None  # why it is never opened
    source: Path | None = field(default=None, compare=False)  # where its bytes are, when not at ``path`` (the archive)

    @property
    def file_name(self) -> str:
        return self.path.name


def _entry(path: Path, st: os.stat_result, refused: str | None = None) -> Entry:
    return Entry(path, dt.datetime.fromtimestamp(st.st_mtime), parse_period(path.parent.name), st.st_size, refused)


def _refusal(st: os.stat_result, name: str) -> str | None:
    if stat.S_ISLNK(st.st_mode):
        return LINK
    if stat.S_ISDIR(st.st_mode):
        return FOLDER if name.lower().endswith(RETURN_SUFFIXES) else None
    if not stat.S_ISREG(st.st_mode):
        return SPECIAL
    return None


def _walk(folder: Path) -> Iterator[Entry]:
    with os.scandir(folder) as it:
        items = sorted(it, key=lambda e: e.name)
    for item in items:
        if item.name.startswith(SKIPPED_PREFIXES):
            continue
        path = folder / item.name
        st = item.stat(follow_symlinks=False)
        refused = _refusal(st, item.name)
        if stat.S_ISDIR(st.st_mode) and refused is None:
            yield from _walk(path)
        else:
            yield _entry(path, st, refused)


def walk(inbox: Path) -> Iterator[Entry]:
    """Everything under the inbox, recursively, in a stable order; links are never followed (the inbox itself may be one)."""
    root = Path(inbox).resolve()
    st = root.stat()
    if not stat.S_ISDIR(st.st_mode):
        yield _entry(root, st, _refusal(st, root.name))
    else:
        yield from _walk(root)


def discover(inbox: Path) -> list[Entry]:
    """Everything under the inbox (``walk``), as a list."""
    return list(walk(inbox))


class TooLarge(Exception):
    """The file is larger than a return may be; its bytes were hashed, not kept."""


@dataclass(frozen=True)
class Taken:
    """A file's bytes as read once through a descriptor that cannot follow a link: its fingerprint and its data."""

    sha256: str
    data: bytes | None  # None when the file was too large to keep
    size: int


def take(entry: Entry, limits: Limits = DEFAULT_LIMITS) -> Taken:
    """Read the bytes of a regular file without following a link; a file over the size limit is hashed only.

    ``OSError`` (with a Chinese ``strerror`` where this module knows the case) when it is no longer a regular file.
    """
    source = entry.source or entry.path
    try:
        fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, LINK) from None
        raise
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, SPECIAL)
        digest = hashlib.sha256()
        chunks, size = [], 0
        while block := f.read(_CHUNK):
            digest.update(block)
            size += len(block)
            if size <= limits.max_bytes:
                chunks.append(block)
            else:
                chunks.clear()
    return Taken(digest.hexdigest(), b"".join(chunks) if size <= limits.max_bytes else None, size)


def archive_path(archive_dir: Path, sha256: str, file_name: str) -> Path:
    """Where a file's bytes are kept: by fingerprint, with its extension when it is a plain one."""
    suffix = Path(file_name).suffix.lower()
    return archive_dir / sha256[:2] / (sha256 + (suffix if _SAFE_SUFFIX.match(suffix) else ""))


def keep(data: bytes, target: Path) -> Path:
    """Write the bytes under their fingerprint; writing the same bytes twice, even at once, is harmless."""
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
    return target


@dataclass(frozen=True)
class Incoming:
    """A received file with its bytes, as the single-process load reads it."""

    path: Path
    sha256: str
    received_at: dt.datetime
    folder_period: dt.date | None
    data: bytes

    @property
    def file_name(self) -> str:
        return self.path.name


def receive(entry: Entry | Path) -> Incoming:
    """Read a file's bytes once: its fingerprint, its modification time and the month of its folder."""
    if not isinstance(entry, Entry):
        path = Path(entry).resolve()
        entry = _entry(path, path.stat())
    taken = take(entry)
    return Incoming(entry.path, taken.sha256, entry.received_at, entry.folder_period, taken.data or b"")


def archive(incoming: Incoming, archive_dir: Path) -> Path:
    """Keep the file's bytes under their fingerprint."""
    return keep(incoming.data, archive_path(archive_dir, incoming.sha256, incoming.file_name))
