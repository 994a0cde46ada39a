"""审核公式 written as data: a comparison over figures, parsed once and evaluated on frames.

A check reads ``left op right`` with an optional tolerance, e.g. ``ytd == prev.ytd + month ± 0.01``.
A figure is named by its measure (``month``, ``ytd``, ``prior_ytd``, ``yoy_pct``), optionally after an
indicator code of the same return (``04.ytd``, or ``ZB10.04.ytd`` with the form) or an earlier period the
warehouse supplies (``prev.ytd``, ``last_year.ytd``). Numbers, ``+ - * /``, parentheses and the functions
of FUNCTIONS complete the grammar; nothing else is accepted and nothing is ever passed to ``eval``.
"""
from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

MEASURES = ("month", "ytd", "prior_ytd", "yoy_pct")


@dataclass(frozen=True)
class Earlier:
    """An earlier period a rule may read: how many months back, whether only within the same year, in words."""

    months: int
    same_year: bool
    words: str


# A January 本年累计 starts afresh, so it has no previous month to continue from.
EARLIER = {"prev": Earlier(1, True, "上月报表的"), "last_year": Earlier(12, False, "去年同月报表的")}
STORED = ("ytd",)  # what the audit is given of an earlier return (warehouse/sql/previous_ytd.sql)
EPS = 1e-9  # float noise, below any tolerance a rule states
SIGNS = {"<=": "≤", ">=": "≥", "<": "<", ">": ">", "==": "=", "!=": "≠"}
_ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


def growth(ytd: pd.Series, prior: pd.Series) -> pd.Series:
    """同比增长(%) from 本年累计 and 上年同期累计; undefined when last year's figure is not positive."""
    return ((ytd - prior) / prior * 100).where(prior > 0)


@dataclass(frozen=True)
class Function:
    """A function a check may call: how many arguments, what computes it, decimals shown in a message, in words."""

    arity: int
    compute: Callable
    decimals: int
    words: str


FUNCTIONS: dict[str, Function] = {
    "growth": Function(2, growth, 1, "同比增长"),
    "abs": Function(1, np.abs, 6, "绝对值"),
    "min": Function(2, np.fmin, 6, "较小值"),
    "max": Function(2, np.fmax, 6, "较大值"),
}

_TOKEN = re.compile(rf"""\s*(?:
    (?P<ref>(?:(?P<earlier>{"|".join(EARLIER)})\.)?(?:(?P<form>[A-Z]{{2}}\d{{2}})\.)?(?:(?P<indicator>[0-9A-Z]\w*)\.)?
            (?P<measure>{"|".join(MEASURES)})\b)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<function>[a-z_]+)(?=\s*\()
  | (?P<op><=|>=|==|!=|<|>)
  | (?P<tolerance>±)
  | (?P<punct>[-+*/(),])
)""", re.X)


@dataclass(frozen=True)
class Ref:
    """One figure a check reads."""

    measure: str
    indicator: str | None = None
    earlier: str | None = None
    form: str | None = None

    @property
    def column(self) -> str:
        """The frame column holding this figure."""
        if self.earlier:
            return f"{self.earlier}_{self.measure}"
        return f"value_{self.measure}" + (f"@{self.indicator}" if self.indicator else "")

    @property
    def placeholder(self) -> str | None:
        """Its name in a message template; figures of other indicators are named by side (left, right)."""
        if self.indicator:
            return None
        return self.column.removeprefix("value_")


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple


@dataclass(frozen=True)
class Binary:
    op: str
    left: object
    right: object


@dataclass(frozen=True)
class Negate:
    operand: object


@dataclass(frozen=True)
class Outcome:
    """A check applied to a frame: where it holds (or cannot be evaluated), and what it computed, for messages."""

    holds: pd.Series
    left: pd.Series
    right: pd.Series
    values: dict[str, tuple[pd.Series, int]]  # placeholder -> (values, decimals shown)


@dataclass(frozen=True)
class Check:
    """A parsed ``left op right [± tolerance]``."""

    text: str
    left: object
    op: str
    right: object
    tolerance: float = 0.0

    def refs(self) -> list[Ref]:
        return _refs(self.left) + _refs(self.right)

    @property
    def placeholders(self) -> tuple[str, ...]:
        """The names its message may use besides ``value``: sides, each figure of this indicator, each function."""
        named = [r.placeholder for r in self.refs() if r.placeholder]
        return ("left", "right", "expected", *dict.fromkeys(named), *dict.fromkeys(_calls(self.left) + _calls(self.right)))

    @property
    def grain(self) -> str:
        """``return`` when it compares indicators of one return, else ``indicator`` (each indicator on its own)."""
        return "return" if any(r.indicator for r in self.refs()) else "indicator"

    @property
    def cell_ref(self) -> Ref:
        """The figure a finding points at: the first one of this return, left side first."""
        return next(r for r in self.refs() if not r.earlier)

    def expected(self, right: str) -> str:
        """What should be there instead, given the right side's value as text."""
        return right if self.op == "==" else f"{SIGNS[self.op]} {right}"

    def evaluate(self, column: Callable[[Ref], pd.Series]) -> Outcome:
        """Where the check holds; a row lacking any figure it reads is not judged and so holds."""
        values: dict[str, tuple[pd.Series, int]] = {}
        index = column(self.cell_ref).index
        left, right = (pd.Series(_value(side, column, values), index=index, dtype=float)
                       for side in (self.left, self.right))
        present = np.isfinite(left) & np.isfinite(right)
        for ref in self.refs():
            present &= column(ref).notna()
        d = left - right
        tol = self.tolerance + EPS
        holds = {
            "==": d.abs() <= tol, "!=": d.abs() > tol, "<=": d <= tol, "<": d < self.tolerance,
            ">=": d >= -tol, ">": d > -self.tolerance,
        }[self.op]
        return Outcome(holds | ~present, left, right, values)


def _refs(node) -> list[Ref]:
    if isinstance(node, Ref):
        return [node]
    if isinstance(node, Call):
        return [r for a in node.args for r in _refs(a)]
    if isinstance(node, Binary):
        return _refs(node.left) + _refs(node.right)
    if isinstance(node, Negate):
        return _refs(node.operand)
    return []


def _calls(node) -> list[str]:
    if isinstance(node, Call):
        return [node.function] + [f for a in node.args for f in _calls(a)]
    if isinstance(node, Binary):
        return _calls(node.left) + _calls(node.right)
    if isinstance(node, Negate):
        return _calls(node.operand)
    return []


def _value(node, column: Callable[[Ref], pd.Series], values: dict) -> pd.Series | float:
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Ref):
        series = column(node).astype(float)
        if node.placeholder:
            values.setdefault(node.placeholder, (series, 6))
        return series
    if isinstance(node, Call):
        fn = FUNCTIONS[node.function]
        result = fn.compute(*(_value(a, column, values) for a in node.args))
        values.setdefault(node.function, (result, fn.decimals))
        return result
    if isinstance(node, Negate):
        return -_value(node.operand, column, values)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _ARITHMETIC[node.op](_value(node.left, column, values), _value(node.right, column, values))


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens: list[tuple[str, str, re.Match]] = []
        pos, end = 0, len(text.rstrip())
        while pos < end:
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise ValueError(f"审核公式 {text!r} 无法识别：{text[pos:].strip()!r}")
            kind = next(k for k in ("ref", "number", "function", "op", "tolerance", "punct") if m[k] is not None)
            self.tokens.append((kind, m[kind], m))
            pos = m.end()
        self.at = 0

    def peek(self, *values: str) -> bool:
        return self.at < len(self.tokens) and self.tokens[self.at][1] in values

    def take(self) -> tuple[str, str, re.Match]:
        if self.at >= len(self.tokens):
            raise ValueError(f"审核公式 {self.text!r} 不完整")
        self.at += 1
        return self.tokens[self.at - 1]

    def expect(self, value: str) -> None:
        if self.take()[1] != value:
            raise ValueError(f"审核公式 {self.text!r} 缺少 {value!r}")

    def check(self) -> Check:
        left = self.sum()
        kind, op, _ = self.take()
        if kind != "op":
            raise ValueError(f"审核公式 {self.text!r} 应为“左边 比较符 右边”，如 04.ytd <= 03.ytd")
        right = self.sum()
        tolerance = 0.0
        if self.peek("±"):
            self.take()
            kind, number, _ = self.take()
            if kind != "number":
                raise ValueError(f"审核公式 {self.text!r} 的容差应为数字")
            tolerance = float(number)
        if self.at != len(self.tokens):
            raise ValueError(f"审核公式 {self.text!r} 多余的内容：{self.tokens[self.at][1]!r}")
        return Check(self.text.strip(), left, op, right, tolerance)

    def sum(self):
        node = self.product()
        while self.peek("+", "-"):
            node = Binary(self.take()[1], node, self.product())
        return node

    def product(self):
        node = self.unary()
        while self.peek("*", "/"):
            node = Binary(self.take()[1], node, self.unary())
        return node

    def unary(self):
        if self.peek("-"):
            self.take()
            return Negate(self.unary())
        return self.atom()

    def atom(self):
        kind, value, m = self.take()
        if kind == "number":
            return Num(float(value))
        if kind == "ref":
            return Ref(m["measure"], m["indicator"], m["earlier"], m["form"])
        if kind == "function":
            if value not in FUNCTIONS:
                raise ValueError(f"审核公式 {self.text!r} 中的函数 {value} 不存在（可用：{'、'.join(FUNCTIONS)}）")
            self.expect("(")
            args = [self.sum()]
            while self.peek(","):
                self.take()
                args.append(self.sum())
            self.expect(")")
            if len(args) != FUNCTIONS[value].arity:
                raise ValueError(f"审核公式 {self.text!r} 中的 {value} 应有 {FUNCTIONS[value].arity} 个参数")
            return Call(value, tuple(args))
        if value == "(":
            node = self.sum()
            self.expect(")")
            return node
        raise ValueError(f"审核公式 {self.text!r} 在 {value!r} 处无法识别")


def parse(text: str) -> Check:
    """Parse and validate a check; a ValueError says what is wrong with it."""
    check = _Parser(text).check()
    refs = check.refs()
    if not refs:
        raise ValueError(f"审核公式 {text!r} 没有引用任何数字")
    if check.grain == "return":
        if not all(r.indicator and not r.earlier for r in refs):
            raise ValueError(f"审核公式 {text!r}：比较本表指标之间的公式，每个数字都要写明指标代码，且不能引用往期")
        if len({r.form for r in refs if r.form}) > 1:
            raise ValueError(f"审核公式 {text!r} 引用了不同报表的指标")
    if all(r.earlier for r in refs):
        raise ValueError(f"审核公式 {text!r} 没有引用本期报表的数字")
    for r in refs:
        if r.form and not r.indicator:
            raise ValueError(f"审核公式 {text!r}：{r.form} 之后应写指标代码，如 {r.form}.01.ytd")
        if r.earlier and r.measure not in STORED:
            raise ValueError(f"审核公式 {text!r}：往期只保存了 {'、'.join(STORED)}")
    return check
