"""A realistic inbox of monthly returns for the demo registry: good files with everyday drift, and the bad ones a month brings.

``python -m statreturns.samples inbox`` writes it; ``make demo`` does so before the monthly run.
"""
from __future__ import annotations

import os
from pathlib import Path

from statreturns.schemas.catalogue import load_catalogue
from statreturns.samples.constants import DRIFT_NOTES, MONTHS, YEAR
from statreturns.samples.figures import generate
from statreturns.samples.layout import book_of
from statreturns.samples.plan import Submission, plan
from statreturns.samples.workbook import text_note, with_openpyxl, with_xlsxwriter

__all__ = ["DRIFT_NOTES", "MONTHS", "YEAR", "Submission", "plan", "write_sample_inbox"]


def write_sample_inbox(out: Path, seed: int = 2023, months: tuple[int, ...] = MONTHS) -> list[Path]:
    """Write the demo inbox (a folder per month, YYYY-MM) under ``out``; the same seed writes the same bytes.

    ``months`` (from January) defaults to the demo's half-year; the last of them brings the month's bad files."""
    cat = load_catalogue()
    submissions = plan(tuple(months))
    data, stranger = generate(seed, cat, tuple(months))
    out = Path(out)
    written: dict[str, bytes] = {}
    paths = []
    for s in submissions:
        if s.role == "duplicate":
            body = written[s.copy_of]
        elif s.writer == "text":
            body = text_note(s)
        else:
            book = book_of(s, data, stranger, cat, seed)
            body = with_openpyxl(book, s.submitted) if s.writer == "openpyxl" else with_xlsxwriter(book, s.submitted)
        written[s.path] = body
        path = out / s.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        stamp = s.submitted.timestamp()
        os.utime(path, (stamp, stamp))
        paths.append(path)
    return paths
