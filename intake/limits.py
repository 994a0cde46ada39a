"""What a received file may be before it is read at all, and what reading one may cost: bounded time and memory."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * 2**20  # a file larger than this is not a return
    max_unzipped_bytes: int = 200 * 2**20  # a workbook that inflates past this is a bomb
    max_zip_ratio: float = 200.0
    max_cells: int = 2_000_000  # a sheet's rows × columns
    worker_memory: int = 1 << 30  # address space of a process reading files (RLIMIT_AS)
    seconds_per_file: float = 30.0  # a reader that takes longer over one file is stopped


DEFAULT_LIMITS = Limits()


class UnreadableFile(Exception):
    """The bytes are not a workbook this pipeline can read (or may not be read); the message says why, in Chinese."""
