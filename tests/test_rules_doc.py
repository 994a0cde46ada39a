"""The rule reference (docs/rules.md) is generated from the catalogue, and every rule is explained and tested."""
from __future__ import annotations

import re
from pathlib import Path

from statreturns.reports.rules_doc import in_words, render, when
from statreturns.schemas.rules import parse

ROOT = Path(__file__).resolve().parents[1]


def test_the_committed_rule_reference_is_the_generated_one(cat):
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == render(cat), "run `make docs`"


def test_every_rule_says_when_it_fires_and_how_to_fix_it(cat):
    for code, rule in cat.rules.items():
        assert re.search(r"[\u4e00-\u9fff]", rule.how_to_fix), code
        assert rule.check is not None or rule.when, code
        assert re.search(r"[\u4e00-\u9fff]", when(rule, cat.forms.get(rule.form))), code
        assert f"`{code}`" in render(cat), code


def test_every_rule_has_a_test_that_fires_it(cat):
    tests = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("test_*.py") if p.name != Path(__file__).name)
    assert [code for code in cat.rules if f'"{code}"' not in tests] == []


def test_a_check_in_words(cat):
    assert in_words(parse("ytd == prev.ytd + month ± 0.01")) == "本年累计 = (上月报表的本年累计 + 本月)（误差不超过 0.01）"
    assert in_words(parse("04.ytd <= 03.ytd"), cat.forms["ZB10"]) == "化解矛盾纠纷本年累计 ≤ 排查矛盾纠纷本年累计"
