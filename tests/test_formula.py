"""Formulas a file stores without a value: computed when they are plain arithmetic, refused otherwise."""
from __future__ import annotations

import pytest

from statreturns.schemas.formula import Unsupported, evaluate

CELLS = {(4, 3): 10.0, (4, 4): 100.0, (4, 5): 80.0, (0, 0): 1.0, (1, 0): 2.0, (2, 0): 3.0}


def lookup(r, c):
    return CELLS.get((r, c), 0.0)


@pytest.mark.parametrize("formula, value", [
    ("=D5+5", 15.0),
    ("=(E5-F5)/F5*100", 25.0),
    ("=ROUND((E5-F5)/F5*100,1)", 25.0),
    ("=ROUND(2.45,1)", 2.5),
    ("=SUM(A1:A3)", 6.0),
    ("=SUM(A1:A3,10)*2", 32.0),
    ("=-A1+A2", 1.0),
    ("=$E$5*2", 200.0),
    ("=sum(A1,A2)", 3.0),
])
def test_plain_arithmetic_over_cells_is_computed(formula, value):
    assert evaluate(formula, lookup) == pytest.approx(value)


@pytest.mark.parametrize("formula", ["=E5/0", "=Sheet2!A1", "=D5+上月", "=IF(A1>0,1,2)", "=SUM(A1:A3", "=A1&\"x\"", "=__import__('os')"])
def test_anything_else_is_not_evaluated(formula):
    with pytest.raises(Unsupported):
        evaluate(formula, lookup)
