"""The catalogue equals the contract: spec §1, §3, §4, §5 and §7, parsed from the spec itself."""
from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest

from statreturns.schemas.catalogue import load_catalogue
from statreturns.schemas.rules import parse
from statreturns.schemas.locate import _header_words
from statreturns.schemas.text import fold

# the contract as bundled with the project; where the office's shared copy sits beside the checkout, they must agree
SPEC = Path(__file__).parents[1] / "docs" / "spec" / "reporting-system.md"
SHARED_SPEC = Path(__file__).parents[1] / ".." / "shared" / "spec" / "reporting-system.md"
LE = "<="


@pytest.fixture(scope="module")
def spec() -> str:
    return SPEC.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


def section(text: str, number: int) -> str:
    """The text of spec section ``number`` (from its ``## N.`` heading to the next)."""
    m = re.search(rf"^## {number}\..*?(?=^## \d+\.|\Z)", text, re.S | re.M)
    assert m, f"spec section {number} not found"
    return m[0]


def table(text: str) -> list[list[str]]:
    """The body rows of every markdown table in ``text``, cells stripped."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not re.match(r"^\|[-| ]+\|$", line):
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return [r for r in rows if r]


def spec_forms(text: str) -> dict[str, dict]:
    """§4 as code -> {title, department, indicators: [(code, name, unit, kind, yoy)]}."""
    forms = {}
    for block in re.split(r"^### ", section(text, 4), flags=re.M)[1:]:
        head, _, body = block.partition("\n")
        m = re.match(r"(ZB\d\d)表 (\S+) — (\S+)", head)
        assert m, head
        indicators = []
        for code, name, unit, kind in table(body)[1:]:
            kinds = [k.strip() for k in kind.split(",")]
            indicators.append((code, name, None if unit == "—" else unit, kinds[0], "yoy" in kinds))
        forms[m[1]] = {"title": m[2], "department": m[3], "indicators": indicators}
    return forms


@pytest.mark.skipif(not SHARED_SPEC.exists(), reason="no shared copy of the spec beside this checkout")
def test_bundled_spec_is_the_shared_one(spec):
    assert spec == SHARED_SPEC.read_text(encoding="utf-8"), "docs/spec/reporting-system.md differs from ../shared: copy it"


def test_spec_is_found(spec):
    assert len(spec_forms(spec)) == 12


def test_forms_equal_spec(spec, cat):
    expected = spec_forms(spec)
    assert sorted(cat.forms) == sorted(expected)
    for code, form in cat.forms.items():
        assert (form.title, form.department) == (expected[code]["title"], expected[code]["department"]), code


def test_indicators_equal_spec(spec, cat):
    expected = spec_forms(spec)
    for code, form in cat.forms.items():
        found = [(i.code, i.name, i.unit, i.kind, i.yoy) for i in form.indicators]
        assert found == expected[code]["indicators"], code
        assert all(i.form_code == code for i in form.indicators)


def test_departments_equal_spec(spec, cat):
    expected = {f["department"] for f in spec_forms(spec).values()}
    assert set(cat.departments.values()) == expected
    for name in expected:
        assert cat.departments[fold(name)] == name


def test_registry_equals_spec(spec, cat):
    rows = table(section(spec, 1))[1:]
    assert [(o.code, o.name, o.level) for o in cat.orgs] == [tuple(r) for r in rows]


def test_registry_is_replaced_by_the_users():
    cat = load_catalogue("\ufefforg_code,org_name,level\n110199201, 南山乡 ,乡\n")
    assert [(o.code, o.name, o.level) for o in cat.orgs] == [("110199201", "南山乡", "乡")]
    assert cat.forms == load_catalogue().forms


def test_a_catalogue_handed_to_a_worker_again_is_the_one_it_already_has():
    """Every task of a worker process brings its catalogue pickled: the copy must be the object the worker already
    holds, so that the caches keyed on it (and what its memo worked out) are found without comparing it whole."""
    sent = load_catalogue("org_code,org_name,level\n110199201,南山乡,乡\n")
    first, again = pickle.loads(pickle.dumps(sent)), pickle.loads(pickle.dumps(sent))
    assert first == sent and again is first
    other = pickle.loads(pickle.dumps(load_catalogue("org_code,org_name,level\n110199202,北山乡,乡\n")))
    assert other is not first and [o.name for o in other.orgs] == ["北山乡"]


def test_list_form_equals_spec(spec, cat):
    text = section(spec, 5)
    rows = {r[0]: r[1] for r in table(text)[1:]}
    statuses = re.search(r"one of (.+)", rows["项目状态"])[1]
    form = cat.forms["ZB03"]
    assert form.layout == "projects" and form.unit == "万元" and not form.indicators
    assert form.statuses == tuple(s.strip() for s in statuses.split(","))
    fields = cat.layouts["ZB03"]
    for column in rows:
        assert any(p.match(fold(column)) for p in fields.values()), column


COLUMN_FIELDS = {"指标名称": "name", "代码": "code", "计量单位": "unit", "本月": "month", "本年累计": "ytd",
                 "上年同期累计": "prior_ytd", "同比增长(%)": "yoy_pct"}


def test_header_words_of_spec_match_their_column(spec, cat):
    fields = cat.layouts["indicators"]
    rows = table(section(spec, 3))
    words = {r[0]: [r[0], *(w.strip() for w in r[2].split(","))] for r in rows if r[0] in COLUMN_FIELDS}
    assert set(words) == set(COLUMN_FIELDS)
    for column, synonyms in words.items():
        for word in synonyms:
            text, _ = _header_words(fold(word.replace("N", "6")))
            matched = [f for f, p in fields.items() if p.match(text)]
            assert matched == [COLUMN_FIELDS[column]], word


def shortest_match(form, short: str):
    """The indicator a rule's short name means: the shortest name holding its characters in order."""
    def holds(name: str) -> bool:
        it = iter(name)
        return all(ch in it for ch in short)
    hits = [i for i in form.indicators if any(holds(n) for n in (i.name, *i.aliases))]
    assert hits, short
    return min(hits, key=lambda i: len(i.name))


def test_every_form_rule_of_spec_is_present(spec, cat):
    expected: dict[str, set] = {code: set() for code in cat.forms}
    for rule, severity in table(section(spec, 7))[1:]:
        m = re.match(r"(ZB\d\d): (.*)", rule)
        if not m or cat.forms[m[1]].layout != "indicators":
            continue
        form = cat.forms[m[1]]
        for clause in m[2].replace("(本年累计)", "").split(";"):
            left, right = (s.strip() for s in clause.split("≤"))
            expected[m[1]].add(((shortest_match(form, left).code, "ytd"), LE,
                                (shortest_match(form, right).code, "ytd"), severity))
    assert sum(map(len, expected.values())) == 7
    for code, form in cat.forms.items():
        assert {sides(r) for r in form.rules} == expected[code], code


def sides(rule):
    """(left figure, comparison, right figure, severity) of a comparison between two single figures."""
    left, right = rule.check.left, rule.check.right
    return (left.indicator, left.measure), rule.check.op, (right.indicator, right.measure), rule.severity


GENERAL_RULES = {
    "a required indicator is missing or has no figure": ("missing_indicator", "missing_figure"),
    "a figure is not a number, or negative": ("not_number", "negative"),
    "flow: 本年累计 ≥ 本月": ("ytd_lt_month",),
    "flow: 本年累计 = previous month's": ("ytd_continuity", "january_ytd"),
    "ZB03: status outside the list": ("project_status", "project_duplicate", "project_investment", "project_no_name"),
    "a filled 同比增长(%) cell differs": ("yoy_cell_mismatch",),
    "a yoy indicator's growth is beyond": ("yoy_beyond_50",),
    "the return's period is later": ("period_after_run", "period_folder_mismatch"),
}


def test_rule_severities_equal_spec(spec, cat):
    seen = set()
    for rule, severity in table(section(spec, 7))[1:]:
        m = re.match(r"(ZB\d\d): ", rule)
        if m and cat.forms[m[1]].layout == "indicators":
            continue
        prefix = next(p for p in GENERAL_RULES if rule.startswith(p))
        seen.add(prefix)
        for code in GENERAL_RULES[prefix]:
            assert cat.rules[code].severity == severity, code
    assert seen == set(GENERAL_RULES)


def test_rules_are_worded_for_a_clerk(cat):
    for code, rule in cat.rules.items():
        assert rule.severity in ("error", "warning"), code
        assert re.search(r"[\u4e00-\u9fff]", rule.message), code


def test_footer_and_no_figure_words_are_plain_words(cat):
    assert {"注:", "说明:", "备注:", "单位负责人"} <= set(cat.footer)
    assert {"—", "-", "/", "无", ""} <= cat.no_figure
    assert all(isinstance(w, str) and "{" not in w for w in (*cat.footer, *cat.no_figure))


@pytest.mark.parametrize("kind, yoy, measures", [
    ("flow", False, ("month", "ytd")),
    ("flow", True, ("month", "ytd", "prior_ytd")),
    ("stock", False, ("ytd",)),
    ("text", False, ()),
])
def test_required_measures(cat, kind, yoy, measures):
    ind = next(i for i in cat.indicators() if i.kind == kind and i.yoy == yoy)
    assert ind.required_measures == measures


def test_parse_check():
    check = parse(" 02.ytd <= 01.ytd ")
    assert (check.left.indicator, check.left.measure, check.op, check.right.indicator, check.right.measure) == (
        "02", "ytd", "<=", "01", "ytd")
    assert parse("T1.month>=01.prior_ytd").right.measure == "prior_ytd"
    for bad in ("02.ytd => 01.ytd", "02 <= 01", "02.year <= 01.ytd", ""):
        with pytest.raises(ValueError):
            parse(bad)


def test_form_rules_name_indicators_of_their_form(cat):
    for form in cat.forms.values():
        codes = {i.code for i in form.indicators}
        for rule in form.rules:
            assert rule.form == form.code
            assert rule.indicators <= codes, rule.code


@pytest.mark.parametrize("found, canonical, factor", [
    ("元", "万元", 0.0001), ("亿元", "万元", 10000.0), ("千元", "元", 1000.0), ("万元", "万元", 1.0),
    (None, "万元", 1.0), ("公顷", "亩", None), ("户", "个", None), ("万元", "亩", None),
])
def test_unit_factor(cat, found, canonical, factor):
    assert cat.unit_factor(found, canonical) == factor


def test_unit_spellings(cat):
    assert cat.unit(" 平米 ") == "平方米"
    assert cat.unit("ｍ２") == "平方米"
    assert cat.unit("万 元") == "万元"
