"""说明: the notes a department writes in its return to explain a warning, and the warnings they explain."""
from __future__ import annotations

import re

import pandas as pd

from statreturns.schemas.catalogue import Catalogue
from statreturns.schemas.grid import Grid
from statreturns.schemas.records import Received
from statreturns.schemas.text import a1, cell_text, fold

NOTE_COLUMNS = ("sha256", "sheet", "cell", "text", "about")  # about: the words that name what it explains


def _is_notes_sheet(grid: Grid, cat: Catalogue) -> bool:
    name = fold(grid.sheet)
    words = cat.note_words
    return any(w in name for w in words["sheets"]) and not any(w in name for w in words["instructions"])


def _filled(grid: Grid, r: int) -> list[tuple[int, str]]:
    cells = [(c, cell_text(grid.raw(r, c))) for c in range(len(grid.rows[r])) if grid.is_anchor_or_single(r, c)]
    return [(c, t) for c, t in cells if t]


def _row_note(grid: Grid, r: int, cat: Catalogue, whole: bool) -> tuple[str, str] | None:
    """(cell, text) of a note row: any filled row of a notes sheet, else a row opening with a note word."""
    filled = _filled(grid, r)
    if not filled:
        return None
    first_col, first = filled[0]
    text = " ".join(t for _, t in filled)
    if whole:
        return a1(r, first_col), text
    opening = fold(first)
    word = next((w for w in sorted(cat.note_words["rows"], key=len, reverse=True) if opening.startswith(w)), None)
    if word is None:
        return None
    after = re.sub(r"^\s*" + r"\s*".join(map(re.escape, word)) + r"\s*[:：]?\s*", "", first)
    rest = " ".join([after, *(t for _, t in filled[1:])]).strip()
    return (a1(r, first_col), rest) if rest else None


def _column_notes(grid: Grid, cat: Catalogue) -> list[tuple[str, str, str]]:
    """(cell, text, about) under a column headed 说明: the rest of its row says which indicator it is about."""
    notes = []
    for r in range(grid.height):
        filled = _filled(grid, r)
        heads = [c for c, t in filled[1:] if fold(t) in cat.note_words["rows"]]
        for c in heads:
            for below in range(r + 1, grid.height):
                row = dict(_filled(grid, below))
                if c in row:
                    notes.append((a1(below, c), row[c], " ".join(t for k, t in row.items() if k != c)))
    return notes


def read_notes(files: list[Received], cat: Catalogue) -> pd.DataFrame:
    """Every 说明 the files carry, with where it is written."""
    notes = []
    for f in files:
        for grid in f.grids or ():
            whole = _is_notes_sheet(grid, cat)
            for r in range(grid.height):
                found = _row_note(grid, r, cat, whole)
                if found:
                    notes.append((f.sha256, grid.sheet, *found, found[1]))
            if not whole:
                notes += [(f.sha256, grid.sheet, *found) for found in _column_notes(grid, cat)]
    return pd.DataFrame(notes, columns=list(NOTE_COLUMNS))


def named_indicators(text: str, names: dict[str, str]) -> set[str]:
    """The indicator codes a note names; a name inside a longer name also named there does not count."""
    folded = fold(text)
    taken: list[tuple[int, int]] = []
    codes = set()
    for name in sorted(names, key=len, reverse=True):
        start = folded.find(name)
        while start >= 0:
            end = start + len(name)
            if not any(a <= start and end <= b for a, b in taken):
                taken.append((start, end))
                codes.add(names[name])
            start = folded.find(name, start + 1)
    return codes


def explain(findings: pd.DataFrame, notes: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    """Mark each warning of an indicator that a note of the same file names as explained, with the note."""
    explained, explanation = [], []
    by_file = {sha: list(zip(g["text"], g["about"])) for sha, g in notes.groupby("sha256")} if not notes.empty else {}
    for f in findings.itertuples(index=False):
        texts = []
        if f.severity == "warning" and pd.notna(f.indicator_code) and f.sha256 in by_file:
            form = cat.forms[f.form_code]
            names = {fold(n): i.code for i in form.indicators for n in (i.name, *i.aliases)}
            texts = [t for t, about in by_file[f.sha256] if f.indicator_code in named_indicators(about, names)]
        explained.append(bool(texts))
        explanation.append("；".join(texts) or None)
    return findings.assign(explained=explained, explanation=explanation)
