"""The 审核 rules as Excel formulas, so that a template checks while the clerk types exactly what the audit checks.

A parsed check (schemas/rules.py) is translated node by node into an Excel formula over the cells of a row; the
formula is TRUE where the check fails. Like ``Check.evaluate`` it judges only where every figure it reads is a
number and every growth or division it computes is defined; Excel's IF evaluates lazily, so nothing undefined is
ever computed. Only functions of Excel 2007 that WPS and LibreOffice share are used (IF, AND, ISNUMBER, ABS, MIN,
MAX, ROUND), and no macro.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from statreturns.schemas.rules import EPS, Binary, Call, Check, Negate, Num, Ref

Cells = Callable[[Ref], str | None]  # the (absolute) cell holding a figure a check reads, None when there is none


class Untranslatable(ValueError):
    """A check reads a figure the template has no cell for, or computes what Excel is not given a translation of."""


def _number(value: float) -> str:
    return f"{value:.15g}"


@dataclass
class _Translation:
    cells: Cells
    used: list[str] = field(default_factory=list)  # every cell read, in order
    guards: list[str] = field(default_factory=list)  # conditions under which the expression is defined, inner first

    def expr(self, node) -> str:
        if isinstance(node, Num):
            return _number(node.value)
        if isinstance(node, Ref):
            cell = self.cells(node)
            if cell is None:
                raise Untranslatable(f"no cell for {node}")
            self.used.append(cell)
            return cell
        if isinstance(node, Negate):
            return f"(-{self.expr(node.operand)})"
        if isinstance(node, Binary):
            left, right = self.expr(node.left), self.expr(node.right)
            if node.op == "/":
                self.guards.append(f"{right}<>0")
            return f"({left}{node.op}{right})"
        if isinstance(node, Call):
            if node.function not in CALLS:
                raise Untranslatable(f"no Excel translation of {node.function}")
            return CALLS[node.function](self, [self.expr(a) for a in node.args])
        raise Untranslatable(type(node).__name__)

    def judged(self, formula: str, otherwise: str) -> str:
        """``formula`` where every figure read is a number and everything computed is defined, else ``otherwise``."""
        for guard in reversed(self.guards):
            formula = f"IF({guard},{formula},{otherwise})"
        present = ",".join(f"ISNUMBER({c})" for c in dict.fromkeys(self.used))
        return f"IF(AND({present}),{formula},{otherwise})"


def _growth(t: _Translation, args: list[str]) -> str:
    ytd, prior = args
    t.guards.append(f"{prior}>0")  # schemas.rules.growth: undefined when last year's figure is not positive
    return f"(({ytd}-{prior})/{prior}*100)"


# one translation per function a check may call (schemas.rules.FUNCTIONS)
CALLS: dict[str, Callable[[_Translation, list[str]], str]] = {
    "growth": _growth,
    "abs": lambda t, a: f"ABS({a[0]})",
    "min": lambda t, a: f"MIN({a[0]},{a[1]})",
    "max": lambda t, a: f"MAX({a[0]},{a[1]})",
}


def failure_formula(check: Check, cells: Cells) -> str:
    """An Excel formula (without ``=``) that is TRUE where ``check`` fails, as ``Check.evaluate`` decides it."""
    t = _Translation(cells)
    d = f"({t.expr(check.left)}-{t.expr(check.right)})"
    tol, exact = _number(check.tolerance + EPS), _number(check.tolerance)
    fails = {
        "==": f"ABS{d}>{tol}", "!=": f"ABS{d}<={tol}", "<=": f"{d}>{tol}", ">=": f"{d}<-{tol}",
        "<": f"{d}>={exact}", ">": f"{d}<=-{exact}",
    }[check.op]
    return t.judged(fails, "FALSE")


def value_formula(node, cells: Cells, decimals: int) -> str:
    """An Excel formula (with ``=``) computing ``node`` as the audit does, rounded; blank where it is undefined."""
    t = _Translation(cells)
    expr = t.expr(node)
    return "=" + t.judged(f"ROUND({expr},{decimals})", '""')


def growth_node() -> Call:
    """同比增长(%) of a row, as the audit computes it: growth(本年累计, 上年同期累计)."""
    return Call("growth", (Ref("ytd"), Ref("prior_ytd")))


def reads_growth(check: Check) -> bool:
    """Whether a check computes a growth rate, which the row's 同比 cell shows."""
    def calls(node) -> bool:
        if isinstance(node, Call):
            return node.function == "growth" or any(calls(a) for a in node.args)
        if isinstance(node, Binary):
            return calls(node.left) or calls(node.right)
        return isinstance(node, Negate) and calls(node.operand)
    return calls(check.left) or calls(check.right)
