"""A worksheet as plain cells: what readers produce and what locating reads."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from statreturns.schemas.text import fold


@dataclass(frozen=True)
class Grid:
    """One sheet. Rows and columns are zero-based and line up with A1 references."""

    sheet: str
    rows: tuple[tuple[object, ...], ...]
    merged: tuple[tuple[int, int, int, int], ...] = ()  # (first row, first col, last row, last col)
    hidden: bool = False
    # formula text of cells whose stored value cannot be trusted: none stored, or the 0 that
    # programs writing a formula without computing it store
    formulas: dict[tuple[int, int], str] = field(default_factory=dict, hash=False)
    _anchor: dict = field(default_factory=dict, compare=False, repr=False)
    _words: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for r0, c0, r1, c1 in self.merged:
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    self._anchor[(r, c)] = (r0, c0)

    @property
    def height(self) -> int:
        return len(self.rows)

    @cached_property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def raw(self, r: int, c: int) -> object:
        """The value stored in the cell itself; ``None`` when blank."""
        if r >= len(self.rows) or c >= len(self.rows[r]):
            return None
        v = self.rows[r][c]
        return None if v == "" else v

    def shown(self, r: int, c: int) -> object:
        """The value a person sees at the cell: a merged range shows its top-left value everywhere."""
        return self.raw(*self._anchor.get((r, c), (r, c)))

    def word(self, r: int, c: int) -> str:
        """What a cell shows, folded for matching words (full-width to half-width, no spaces); computed once."""
        key = (r, c)
        if key not in self._words:
            self._words[key] = fold(self.shown(r, c))
        return self._words[key]

    def is_anchor_or_single(self, r: int, c: int) -> bool:
        return self._anchor.get((r, c), (r, c)) == (r, c)
