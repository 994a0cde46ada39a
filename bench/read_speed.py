"""Reading speed against a bare python-calamine read of the same files, in the same run.

Prints the median time per file of each, and their ratio; the target (spec: reading within 2x of a
bare calamine read) is checked on the ratio, never on absolute times.
"""
from __future__ import annotations

import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

import python_calamine as pc

from statreturns.samples import write_sample_inbox
from statreturns.schemas.catalogue import load_catalogue
from statreturns.schemas.records import Received, read_batch
from statreturns.intake.readers import UnreadableFile, read_grids

ROUNDS = 7
TARGET = 2.0


def bare(data: bytes) -> None:
    book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python(skip_empty_area=False)


def ours(data: bytes) -> None:
    read_grids(data)


def located(files: list[bytes], cat=load_catalogue()) -> None:
    """Read and locate a whole batch, as an ingest does: frames are built once per batch."""
    read_batch([Received(str(i), "x.xlsx", tuple(read_grids(d))) for i, d in enumerate(files)], cat)


def each(fn):
    return lambda files: [fn(d) for d in files]


def timed(fn, files: list[bytes]) -> float:
    """Median over rounds of the seconds per file."""
    runs = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        fn(files)
        runs.append((time.perf_counter() - start) / len(files))
    return statistics.median(runs)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for path in write_sample_inbox(Path(tmp)):
            data = path.read_bytes()
            try:
                read_grids(data)
                files.append(data)
            except UnreadableFile:
                continue
    base, read, full = timed(each(bare), files), timed(each(ours), files), timed(located, files)
    print(f"{len(files)} sample returns, median of {ROUNDS} rounds, per file:")
    print(f"  bare calamine read      {base * 1e3:7.3f} ms")
    print(f"  statreturns read        {read * 1e3:7.3f} ms   ratio {read / base:5.2f}  (target <= {TARGET})")
    print(f"  read + locate + records {full * 1e3:7.3f} ms   ratio {full / base:5.2f}")
    return 0 if read / base <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
