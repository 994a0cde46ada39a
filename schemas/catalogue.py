"""The form catalogue: forms, indicators, departments, organisations, units and rules, as frozen data."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml

from statreturns.schemas.rules import Check, Ref, parse
from statreturns.schemas.text import fold

KINDS = ("flow", "stock", "text")
MEASURES = ("month", "ytd", "prior_ytd", "yoy_pct", "text")
MEASURE_NAMES = {"month": "本月", "ytd": "本年累计", "prior_ytd": "上年同期累计", "yoy_pct": "同比增长(%)", "text": "内容"}
SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class Indicator:
    form_code: str
    code: str
    name: str
    unit: str | None
    kind: str
    yoy: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.form_code}_{self.code}"

    @property
    def required_measures(self) -> tuple[str, ...]:
        """The measures a return must fill for this indicator (spec §3)."""
        base = {"flow": ("month", "ytd"), "stock": ("ytd",), "text": ()}[self.kind]
        return base + (("prior_ytd",) if self.yoy else ())


STAGES = ("read", "audit")  # found while reading a file, or by the audit of what was read
SCOPE_KEYS = ("kind", "yoy", "month", "form")


@dataclass(frozen=True)
class Scope:
    """The indicators a per-indicator check applies to; an empty field means any."""

    kinds: tuple[str, ...] = ()
    yoy: bool | None = None
    months: tuple[int, ...] = ()  # months of the return's period
    forms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """One 审核 rule: its stable code, severity and the words a clerk reads; a check when it is a formula."""

    code: str
    severity: str
    message: str
    how_to_fix: str = ""
    when: str = ""  # when it fires, in words; a check's own formula says it when this is empty
    check: Check | None = None
    where: Scope = Scope()
    form: str | None = None  # the form whose indicators a comparison reads
    expected: str | None = None  # what the clerk should write instead, as a template
    stage: str = "audit"


class FormRule(Rule):
    """A comparison between indicators of one return, e.g. ``02.ytd <= 01.ytd``."""

    @property
    def left(self) -> tuple[str, str] | None:
        return _side(self.check.left)

    @property
    def op(self) -> str:
        return self.check.op

    @property
    def right(self) -> tuple[str, str] | None:
        return _side(self.check.right)


def _side(node: object) -> tuple[str, str] | None:
    """(indicator code, measure) when one side of a comparison is a single figure."""
    return (node.indicator, node.measure) if isinstance(node, Ref) else None


@dataclass(frozen=True)
class Form:
    code: str
    title: str
    department: str
    layout: str = "indicators"
    indicators: tuple[Indicator, ...] = ()
    rules: tuple[Rule, ...] = ()
    unit: str | None = None
    statuses: tuple[str, ...] = ()
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)

    def indicator(self, code: str) -> Indicator:
        return next(i for i in self.indicators if i.code == code)


@dataclass(frozen=True)
class Org:
    code: str
    name: str
    level: str


@dataclass(frozen=True)
class Catalogue:
    forms: dict[str, Form] = field(hash=False)
    orgs: tuple[Org, ...]
    departments: dict[str, str] = field(hash=False)  # folded name or alias -> department name
    rules: dict[str, Rule] = field(hash=False)  # every rule by code, form rules included
    units: dict[str, tuple[str, float]] = field(hash=False)  # unit -> (dimension, size)
    unit_aliases: dict[str, str] = field(hash=False)
    labels: dict[str, tuple[str, ...]] = field(hash=False)
    layouts: dict[str, dict[str, re.Pattern]] = field(hash=False)  # layout -> column field -> header words
    footer: tuple[str, ...] = ()
    no_figure: frozenset[str] = frozenset()
    note_words: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)  # explanations.yaml, folded

    def indicators(self) -> list[Indicator]:
        return [i for f in self.forms.values() for i in f.indicators]

    def unit(self, text: str) -> str:
        """The catalogue's name for a unit as written in a return."""
        return self.unit_aliases.get(fold(text), fold(text))

    def unit_factor(self, found: str | None, canonical: str | None) -> float | None:
        """What a figure in ``found`` units is multiplied by to be in ``canonical`` units; None if not convertible."""
        if not found or found == canonical or canonical is None:
            return 1.0
        a, b = self.units.get(found), self.units.get(canonical)
        if a and b and a[0] == b[0]:
            return a[1] / b[1]
        return None


def _scope(doc: dict) -> Scope:
    unknown = set(doc) - set(SCOPE_KEYS)
    if unknown:
        raise ValueError(f"unknown scope keys {sorted(unknown)}; allowed: {SCOPE_KEYS}")
    as_tuple = lambda v: tuple(v) if isinstance(v, list) else () if v is None else (v,)  # noqa: E731
    scope = Scope(as_tuple(doc.get("kind")), doc.get("yoy"), as_tuple(doc.get("month")), as_tuple(doc.get("form")))
    if not set(scope.kinds) <= set(KINDS) or not all(isinstance(m, int) and 1 <= m <= 12 for m in scope.months):
        raise ValueError(f"scope {doc}: kind is one of {KINDS}, month a number 1-12")
    return scope


def read_rule(code: str, doc: dict, form: str | None = None) -> Rule:
    """A rule from its catalogue entry; its check is parsed and its message tried, so a typo fails at load."""
    try:
        check = parse(doc["check"]) if "check" in doc else None
        if form and check is None:
            raise ValueError("a form's rule needs a check")
        if check is not None and (check.grain == "return") != (form is not None):
            raise ValueError("a comparison between indicators belongs in its form's file, a per-indicator check in rules.yaml")
        if check is not None and form and any(r.form not in (None, form) for r in check.refs()):
            raise ValueError(f"the check names another form than {form}")
        rule = (FormRule if form else Rule)(
            code=code, severity=doc.get("severity", "error"), message=doc["message"],
            how_to_fix=doc.get("how_to_fix", ""), when=doc.get("when", ""), check=check,
            where=_scope(doc.get("where", {})), form=form, expected=doc.get("expected"), stage=doc.get("stage", "audit"),
        )
        if rule.severity not in SEVERITIES or rule.stage not in STAGES:
            raise ValueError(f"severity must be one of {SEVERITIES}, stage one of {STAGES}")
        if check is not None:
            fields = {**{k: 0 for k in check.placeholders}, "value": 0}
            rule.message.format(**fields)
            (rule.expected or "").format(**fields)
    except (KeyError, ValueError, IndexError) as e:
        raise ValueError(f"rule {code}: {e}") from e
    return rule


def _form(doc: dict) -> Form:
    code = doc["code"]
    indicators = tuple(
        Indicator(
            form_code=code,
            code=str(i["code"]),
            name=i["name"],
            unit=i.get("unit"),
            kind=i["kind"],
            yoy=bool(i.get("yoy", False)),
            aliases=tuple(i.get("aliases", ())),
        )
        for i in doc.get("indicators", ())
    )
    rules = tuple(read_rule(r["code"], r, code) for r in doc.get("rules", ()))
    codes = {i.code for i in indicators}
    for rule in rules:
        if not {r.indicator for r in rule.check.refs()} <= codes:
            raise ValueError(f"rule {rule.code}: names an indicator that is not in form {code}")
    return Form(
        code=code,
        title=doc["title"],
        department=doc["department"],
        layout=doc.get("layout", "indicators"),
        indicators=indicators,
        rules=rules,
        unit=doc.get("unit"),
        statuses=tuple(doc.get("statuses", ())),
        columns={k: tuple(v) for k, v in doc.get("columns", {}).items()},
    )


def _words(patterns: list[str]) -> re.Pattern:
    return re.compile("^(?:" + "|".join(patterns) + ")$")


def _layouts(indicator_columns: dict, forms: dict[str, Form]) -> dict[str, dict[str, re.Pattern]]:
    """Column vocabularies: the indicator layout's, then each list form's own (keyed by form code)."""
    layouts = {"indicators": {k: _words(v) for k, v in indicator_columns.items()}}
    for f in forms.values():
        if f.layout != "indicators":
            layouts[f.code] = {k: _words([re.escape(fold(w)) for w in v]) for k, v in f.columns.items()}
    return layouts


def read_orgs(text: str) -> tuple[Org, ...]:
    """Parse an org registry CSV with columns org_code, org_name, level."""
    rows = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    return tuple(Org(r["org_code"].strip(), r["org_name"].strip(), r["level"].strip()) for r in rows)


def _data(name: str) -> str:
    return resources.files("statreturns.schemas").joinpath(name).read_text(encoding="utf-8")


@cache
def _builtin() -> Catalogue:
    forms_dir = resources.files("statreturns.schemas").joinpath("forms")
    forms = {}
    for entry in sorted(forms_dir.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".yaml"):
            form = _form(yaml.safe_load(entry.read_text(encoding="utf-8")))
            forms[form.code] = form
    layout = yaml.safe_load(_data("layout.yaml"))
    departments = {}
    for d in yaml.safe_load(_data("departments.yaml")):
        for n in (d["name"], *d.get("aliases", ())):
            departments[fold(n)] = d["name"]
    unit_doc = yaml.safe_load(_data("units.yaml"))
    unit_aliases = {fold(k): v for k, v in unit_doc.pop("same", {}).items()}
    units = {u: (dim, float(size)) for dim, members in unit_doc.items() for u, size in members.items()}
    rules = {code: read_rule(code, r) for code, r in yaml.safe_load(_data("rules.yaml")).items()}
    for form in forms.values():
        for rule in form.rules:
            if rule.code in rules:
                raise ValueError(f"rule code {rule.code} is used twice")
            rules[rule.code] = rule
    return Catalogue(
        forms=forms,
        orgs=read_orgs(_data("orgs.csv")),
        departments=departments,
        rules=rules,
        units=units,
        unit_aliases=unit_aliases,
        labels={k: tuple(fold(w) for w in v) for k, v in layout["labels"].items()},
        layouts=_layouts(layout["columns"], forms),
        footer=tuple(fold(w) for w in layout["footer"]),
        no_figure=frozenset(fold(w) for w in layout["no_figure"]) | {""},
        note_words={k: tuple(fold(w) for w in v) for k, v in yaml.safe_load(_data("explanations.yaml")).items()},
    )


def load_catalogue(registry: str | None = None) -> Catalogue:
    """The built-in catalogue, with the org registry replaced by ``registry`` (CSV text) when given."""
    base = _builtin()
    if registry is None:
        return base
    return Catalogue(**{**base.__dict__, "orgs": read_orgs(registry)})
