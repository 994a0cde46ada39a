"""The form catalogue: forms, indicators, departments, organisations, units and rules, as frozen data."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml

from schemas.text import fold

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


@dataclass(frozen=True)
class FormRule:
    """A comparison between two indicators of one return, e.g. ``02.ytd <= 01.ytd``."""

    code: str
    left: tuple[str, str]
    op: str
    right: tuple[str, str]
    message: str
    severity: str = "error"


@dataclass(frozen=True)
class Form:
    code: str
    title: str
    department: str
    layout: str = "indicators"
    indicators: tuple[Indicator, ...] = ()
    rules: tuple[FormRule, ...] = ()
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
class Rule:
    code: str
    severity: str
    message: str


@dataclass(frozen=True)
class Catalogue:
    forms: dict[str, Form] = field(hash=False)
    orgs: tuple[Org, ...]
    departments: dict[str, str] = field(hash=False)  # folded name or alias -> department name
    rules: dict[str, Rule] = field(hash=False)
    units: dict[str, tuple[str, float]] = field(hash=False)  # unit -> (dimension, size)
    unit_aliases: dict[str, str] = field(hash=False)
    labels: dict[str, tuple[str, ...]] = field(hash=False)
    layouts: dict[str, dict[str, re.Pattern]] = field(hash=False)  # layout -> column field -> header words
    footer: tuple[str, ...] = ()
    no_figure: frozenset[str] = frozenset()

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


_CHECK = re.compile(r"^\s*(\w+)\.(month|ytd|prior_ytd)\s*(<=|>=|<|>|==)\s*(\w+)\.(month|ytd|prior_ytd)\s*$")


def parse_check(text: str) -> tuple[tuple[str, str], str, tuple[str, str]]:
    """Parse a rule's ``check`` such as ``02.ytd <= 01.ytd``."""
    m = _CHECK.match(text)
    if not m:
        raise ValueError(f"cannot parse rule check {text!r}")
    return (m[1], m[2]), m[3], (m[4], m[5])


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
    rules = []
    for r in doc.get("rules", ()):
        left, op, right = parse_check(r["check"])
        rules.append(FormRule(r["code"], left, op, right, r["message"], r.get("severity", "error")))
    return Form(
        code=code,
        title=doc["title"],
        department=doc["department"],
        layout=doc.get("layout", "indicators"),
        indicators=indicators,
        rules=tuple(rules),
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
    return resources.files("schemas").joinpath(name).read_text(encoding="utf-8")


@cache
def _builtin() -> Catalogue:
    forms_dir = resources.files("schemas").joinpath("forms")
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
    rules = {code: Rule(code, r["severity"], r["message"]) for code, r in yaml.safe_load(_data("rules.yaml")).items()}
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
    )


def load_catalogue(registry: str | None = None) -> Catalogue:
    """The built-in catalogue, with the org registry replaced by ``registry`` (CSV text) when given."""
    base = _builtin()
    if registry is None:
        return base
    return Catalogue(**{**base.__dict__, "orgs": read_orgs(registry)})
