"""说明: the notes a department writes in its return to explain a warning, and the warnings they explain."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import pandas as pd

from statreturns.schemas.catalogue import Catalogue, Rule
from statreturns.schemas.findings import finding
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


def _mentions_notes(grid: Grid, cat: Catalogue) -> bool:
    """Whether any text of the sheet holds a note word: most sheets carry no 说明 at all, and need no closer look."""
    texts = unicodedata.normalize("NFKC", "\n".join(v for row in grid.rows for v in row if isinstance(v, str)))
    texts = "".join(texts.split(" ")).replace("\u3000", "")
    return any(w in texts for w in cat.note_words["rows"])


def read_notes(files: list[Received], cat: Catalogue) -> pd.DataFrame:
    """Every 说明 the files carry, with where it is written."""
    notes = []
    for f in files:
        for grid in f.grids or ():
            whole = _is_notes_sheet(grid, cat)
            if not whole and not _mentions_notes(grid, cat):
                continue
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


BOILERPLATE = "explanation_boilerplate"
_NOT_CHINESE = re.compile(r"[^\u4e00-\u9fff]")


def gives_no_reason(text: str, names: Iterable[str], rule: Rule) -> bool:
    """Whether a 说明 says nothing a reader could check: once the indicator's names, figures, punctuation, stock
    phrases (核实无误 …) and words restating the warning (增幅较大 …) are taken out, too little is left."""
    rest = fold(text)
    words = {*map(fold, names), *map(fold, rule.params.get("phrases", ())), *map(fold, rule.params.get("restating", ()))}
    for word in sorted(words - {""}, key=len, reverse=True):
        rest = rest.replace(word, "")
    return len(_NOT_CHINESE.sub("", rest)) < int(rule.params.get("min_chars", 2))


def _indicator_names(form) -> dict[str, str]:
    """Folded name or alias -> indicator code, for one form."""
    return {fold(n): i.code for i in form.indicators for n in (i.name, *i.aliases)}


def explain(findings: pd.DataFrame, notes: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    """Mark each warning of an indicator that a note of the same file names as explained, with the note.

    A note that gives no reason (核实无误, 数据属实 …) explains nothing: the warning stays open, and a warning of rule
    ``explanation_boilerplate`` on the note's cell says why, so that the receipt asks for the reason.
    A warning of that rule is never explained by a note itself: only a note with a reason answers it, by explaining
    the warning it is about.
    """
    rule = cat.rules[BOILERPLATE]
    explained, explanation, empty = [], [], []
    by_file = {sha: list(g.itertuples(index=False)) for sha, g in notes.groupby("sha256")} if not notes.empty else {}
    for f in findings.itertuples(index=False):
        texts = []
        if f.severity == "warning" and f.rule != BOILERPLATE and pd.notna(f.indicator_code) and f.sha256 in by_file:
            names = _indicator_names(cat.forms[f.form_code])
            about = [n for n in by_file[f.sha256] if f.indicator_code in named_indicators(n.about, names)]
            texts = [n.text for n in about if not gives_no_reason(n.text, names, rule)]
            if not texts:
                empty += [(f, n) for n in about]
        explained.append(bool(texts))
        explanation.append("；".join(texts) or None)
    marked = findings.assign(explained=explained, explanation=explanation)
    said = _no_reason_findings(empty, cat)
    return pd.concat([marked, said], ignore_index=True) if not said.empty else marked


def _no_reason_findings(empty: list[tuple], cat: Catalogue) -> pd.DataFrame:
    """One ``explanation_boilerplate`` warning per note and warning it did not explain (a warning's rule is checked
    in one audit step only, so no two steps write the same one)."""
    rows, seen = [], set()
    for f, n in empty:
        key = (f.sha256, n.sheet, n.cell, f.form_code, f.indicator_code, f.rule)
        if key in seen:
            continue
        seen.add(key)
        rows.append({"sha256": f.sha256, "file_name": f.file_name, **finding(
            cat, BOILERPLATE, file_name=f.file_name, sheet=n.sheet, cell=n.cell,
            indicator=cat.forms[f.form_code].indicator(f.indicator_code), value=n.text, rules=f"“{cat.rule_name(f.rule)}”"),
            "explained": False, "explanation": None})
    return pd.DataFrame(rows)
