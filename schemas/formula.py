"""A small, safe evaluator for the formulas returns carry: arithmetic over cells of the same sheet.

Supports numbers, cell references (``E7``, ``$E$7``), ranges inside SUM, + − × ÷, unary minus,
parentheses, SUM and ROUND. Anything else (another sheet, a name, another function) is not
evaluated: the caller asks the department to open and save the file in Excel/WPS.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from openpyxl.utils.cell import column_index_from_string

from statreturns.schemas.grid import Grid
from statreturns.schemas.text import NotANumber, parse_number

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)|\$?([A-Z]{1,3})\$?(\d+)|([A-Za-z_][\w.]*)\s*\(|(.))")
Lookup = Callable[[int, int], float]


class Unsupported(ValueError):
    """The formula uses something this evaluator does not do."""


def tokens(text: str) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    pos = 0
    text = text.strip().lstrip("=")
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise Unsupported(text[pos:])
        pos = m.end()
        if m[1]:
            out.append(("num", float(m[1])))
        elif m[2]:
            out.append(("ref", (int(m[3]) - 1, column_index_from_string(m[2]) - 1)))
        elif m[4]:
            out.append(("fn", m[4].upper()))
        elif m[5].strip():
            out.append(("op", m[5]))
    return out


class _Parser:
    def __init__(self, toks: list[tuple[str, object]], lookup: Lookup) -> None:
        self.toks, self.i, self.lookup = toks, 0, lookup

    def peek(self) -> tuple[str, object] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, op: str | None = None) -> tuple[str, object]:
        tok = self.peek()
        if tok is None or (op is not None and tok != ("op", op)):
            raise Unsupported(f"expected {op}")
        self.i += 1
        return tok

    def expr(self) -> float:
        value = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            value = value + self.term() if self.take()[1] == "+" else value - self.term()
        return value

    def term(self) -> float:
        value = self.unary()
        while self.peek() in (("op", "*"), ("op", "/")):
            if self.take()[1] == "*":
                value *= self.unary()
            else:
                divisor = self.unary()
                if divisor == 0:
                    raise Unsupported("division by zero")
                value /= divisor
        return value

    def unary(self) -> float:
        if self.peek() in (("op", "-"), ("op", "+")):
            sign = -1.0 if self.take()[1] == "-" else 1.0
            return sign * self.unary()
        return self.atom()

    def atom(self) -> float:
        kind, value = self.take()
        if kind == "num":
            return value
        if kind == "ref":
            return self.lookup(*value)
        if kind == "fn":
            return self.call(value)
        if (kind, value) == ("op", "("):
            inner = self.expr()
            self.take(")")
            return inner
        raise Unsupported(str(value))

    def args(self) -> list[float]:
        """Arguments up to the closing bracket; a range ``A1:B3`` expands to its cells."""
        values: list[float] = []
        while self.peek() != ("op", ")"):
            if self.peek() is not None and self.peek()[0] == "ref" and self.toks[self.i + 1:self.i + 2] == [("op", ":")]:
                (_, (r0, c0)), _, (kind, end) = self.take(), self.take(":"), self.take()
                if kind != "ref":
                    raise Unsupported("range")
                r1, c1 = end
                values += [self.lookup(r, c) for r in range(min(r0, r1), max(r0, r1) + 1)
                           for c in range(min(c0, c1), max(c0, c1) + 1)]
            else:
                values.append(self.expr())
            if self.peek() == ("op", ","):
                self.take(",")
            elif self.peek() != ("op", ")"):
                raise Unsupported("argument list")
        self.take(")")
        return values

    def call(self, name: str) -> float:
        args = self.args()
        if name == "SUM":
            return sum(args)
        if name == "ROUND" and len(args) in (1, 2):
            digits = int(args[1]) if len(args) == 2 else 0
            return _round_half_up(args[0], digits)
        raise Unsupported(name)


def _round_half_up(value: float, digits: int) -> float:
    """Excel's ROUND: halves away from zero, not to even."""
    factor = 10.0**digits
    shifted = abs(value) * factor + 1e-9
    return (int(shifted + 0.5) / factor) * (1 if value >= 0 else -1)


def evaluate(text: str, lookup: Lookup) -> float:
    """The value of a formula; ``Unsupported`` when it is more than plain arithmetic over cells."""
    parser = _Parser(tokens(text), lookup)
    value = parser.expr()
    if parser.peek() is not None:
        raise Unsupported(str(parser.peek()[1]))
    return value


def cell_value(grid: Grid, r: int, c: int, no_figure: frozenset[str], _seen: frozenset = frozenset()) -> float:
    """A cell's value for arithmetic: its formula evaluated, else its number (blank counts as 0)."""
    if (r, c) in _seen:
        raise Unsupported("circular reference")
    formula = grid.formulas.get((r, c))
    if formula is not None:
        seen = _seen | {(r, c)}
        return evaluate(formula, lambda rr, cc: cell_value(grid, rr, cc, no_figure, seen))
    try:
        value = parse_number(grid.raw(r, c), no_figure)
    except NotANumber:
        raise Unsupported("text in arithmetic") from None
    return 0.0 if value is None else value
