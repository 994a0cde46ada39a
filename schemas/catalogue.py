"""The form catalogue: forms, indicators, departments, organisations, units and rules, as frozen data.

The data files under ``schemas/`` are checked against the shapes of ``schemas/shapes.py`` when they load: a bad
entry is refused there, naming its file, its place in the file and what is wrong, not far away at first use.
"""
from __future__ import annotations

import csv
import io
import re
import weakref
from dataclasses import dataclass, field, fields, replace
from functools import cache, cached_property
from importlib import resources

import yaml

from statreturns.schemas import shapes
from statreturns.schemas.rules import Check, parse
from statreturns.schemas.text import fold

KINDS = shapes.KINDS
LAYOUTS = shapes.LAYOUTS
MEASURES = ("month", "ytd", "prior_ytd", "yoy_pct", "text")
MEASURE_NAMES = {"month": "本月", "ytd": "本年累计", "prior_ytd": "上年同期累计", "yoy_pct": "同比增长(%)", "text": "内容"}
SEVERITIES = shapes.SEVERITIES
SEVERITY_NAMES = {"error": "错误", "warning": "提醒"}
STAGES = shapes.STAGES


class CatalogueError(ValueError):
    """A catalogue data file that cannot be used, with the file, the entry and the reason."""


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
class Scope:
    """The figures a rule applies to; an empty field means any."""

    kinds: tuple[str, ...] = ()
    yoy: bool | None = None
    months: tuple[int, ...] = ()  # months of the return's period
    forms: tuple[str, ...] = ()
    layouts: tuple[str, ...] = ()

    def covers(self, *, kind: str | None, yoy: bool, month: int | None, form: str, layout: str) -> bool:
        """Whether a figure of this kind, form and month falls under the rule (a project row has no kind)."""
        return ((not self.kinds or kind in self.kinds) and (self.yoy is None or yoy == self.yoy)
                and (not self.months or month in self.months) and (not self.forms or form in self.forms)
                and (not self.layouts or layout in self.layouts))


@dataclass(frozen=True)
class Rule:
    """One 审核 rule: its stable code, name, severity and the words a clerk reads; a check when it is a formula."""

    code: str
    name: str
    severity: str
    message: str
    how_to_fix: str = ""
    when: str = ""  # when it fires, in words; a check's own formula says it when this is empty
    holds: str = ""  # what passing it means, as the lineage names it; empty: not named there
    check: Check | None = None
    where: Scope = Scope()
    form: str | None = None  # the form whose indicators a comparison reads
    expected: str | None = None  # what the clerk should write instead, as a template
    stage: str = "audit"
    params: dict = field(default_factory=dict, hash=False)  # thresholds and word lists a rule's code reads

    @property
    def indicators(self) -> frozenset[str]:
        """The indicator codes a comparison between indicators of one form reads."""
        return frozenset(r.indicator for r in self.check.refs() if r.indicator) if self.check else frozenset()


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
    decimals: dict[str, int] = field(hash=False)  # unit -> decimal places written; any other unit: 0
    unit_aliases: dict[str, str] = field(hash=False)
    labels: dict[str, tuple[str, ...]] = field(hash=False)
    layouts: dict[str, dict[str, re.Pattern]] = field(hash=False)  # layout -> column field -> header words
    footer: tuple[str, ...] = ()
    no_figure: frozenset[str] = frozenset()
    totals: frozenset[str] = frozenset()  # names of a row that totals the rows above it
    note_words: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)  # explanations.yaml, folded
    # answers computed from the catalogue's words and kept (a header word's column, …): the same for every copy
    memo: dict = field(default_factory=dict, hash=False, compare=False, repr=False)

    @cached_property
    def _hash(self) -> int:
        return hash(tuple(getattr(self, f.name) for f in fields(self) if (f.compare if f.hash is None else f.hash)))

    def __hash__(self) -> int:
        """Worked out once: the reports key their caches on the catalogue, whose thousand orgs take half a
        millisecond to hash, many times for each org's report."""
        return self._hash

    def __reduce__(self):
        # a worker process is handed the catalogue with every task: unpickled, each copy would be a new key to every
        # cache keyed on it, found equal only by comparing everything it holds, on every lookup
        return _unpickled, ({f.name: getattr(self, f.name) for f in fields(self) if f.compare},)

    def indicators(self) -> list[Indicator]:
        return [i for f in self.forms.values() for i in f.indicators]

    def org(self, code: str) -> Org | None:
        return next((o for o in self.orgs if o.code == code), None)

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

    def rules_applying(self, form_code: str, indicator_code: str | None, month: int | None) -> tuple[Rule, ...]:
        """The rules a figure falls under: an indicator's (or, with no code, a project row's) in a month's return."""
        form = self.forms[form_code]
        ind = form.indicator(indicator_code) if indicator_code else None
        found = []
        for rule in self.rules.values():
            if rule.form:
                applies = rule.form == form_code and indicator_code in rule.indicators
            else:
                applies = rule.where.covers(kind=ind.kind if ind else None, yoy=bool(ind and ind.yoy), month=month,
                                            form=form_code, layout=form.layout)
            if applies:
                found.append(rule)
        return tuple(found)

    def decimals_of(self, unit: str | None) -> int:
        """Decimal places a figure in ``unit`` is written with (a growth rate, unit %, with one)."""
        return self.decimals.get(unit or "", 0)

    def rule_name(self, code: str) -> str:
        """A rule's Chinese name; the code itself for one the catalogue no longer has."""
        rule = self.rules.get(code)
        return rule.name if rule else code


def _scope(doc: shapes.ScopeDoc) -> Scope:
    as_tuple = lambda v: tuple(v) if isinstance(v, list) else () if v is None else (v,)  # noqa: E731
    return Scope(as_tuple(doc.kind), doc.yoy, as_tuple(doc.month), as_tuple(doc.form), as_tuple(doc.layout))


def read_rule(code: str, doc: dict) -> Rule:
    """A rule from its catalogue entry; its shape, check and message are tried, so a typo fails at load."""
    entry = shapes.checked(shapes.RuleDoc, doc, f"rules.yaml: {code}", CatalogueError)
    try:
        check = parse(entry.check) if entry.check is not None else None
        if entry.form and check is None:
            raise ValueError("a comparison between a form's indicators needs a check")
        if check is not None and (check.grain == "return") != (entry.form is not None):
            raise ValueError("a comparison between indicators names its form (form: ZB05); a per-indicator check does not")
        if check is not None and entry.form and any(r.form not in (None, entry.form) for r in check.refs()):
            raise ValueError(f"the check names another form than {entry.form}")
        rule = Rule(
            code=code, name=entry.name, severity=entry.severity, message=entry.message, how_to_fix=entry.how_to_fix,
            when=entry.when, holds=entry.holds, check=check, where=_scope(entry.where), form=entry.form,
            expected=entry.expected, stage=entry.stage, params=dict(entry.params),
        )
        if check is not None:
            fields = {**{k: 0 for k in check.placeholders}, "value": 0}
            rule.message.format(**fields)
            (rule.expected or "").format(**fields)
    except (KeyError, ValueError, IndexError) as e:
        raise CatalogueError(f"rules.yaml: {code}: {e}") from e
    return rule


def _form(doc: dict, name: str, rules: tuple[Rule, ...]) -> Form:
    entry = shapes.checked(shapes.FormDoc, doc, f"forms/{name}", CatalogueError)
    code = entry.code
    indicators = tuple(
        Indicator(form_code=code, code=i.code, name=i.name, unit=i.unit, kind=i.kind, yoy=i.yoy, aliases=tuple(i.aliases))
        for i in entry.indicators
    )
    codes = {i.code for i in indicators}
    for rule in rules:
        if not rule.indicators <= codes:
            raise CatalogueError(f"rules.yaml: {rule.code}: names an indicator that is not in form {code}")
    return Form(
        code=code, title=entry.title, department=entry.department, layout=entry.layout, indicators=indicators,
        rules=rules, unit=entry.unit, statuses=tuple(entry.statuses),
        columns={k: tuple(v) for k, v in entry.columns.items()},
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
    missing = {"org_code", "org_name", "level"} - set(rows.fieldnames or ())
    if missing:
        raise CatalogueError(f"单位名册缺少列：{'、'.join(sorted(missing))}（应为 org_code,org_name,level）")
    return tuple(Org(r["org_code"].strip(), r["org_name"].strip(), (r["level"] or "").strip()) for r in rows)


def _data(name: str) -> str:
    return resources.files("statreturns.schemas").joinpath(name).read_text(encoding="utf-8")


def _yaml(name: str) -> object:
    try:
        return yaml.safe_load(_data(name))
    except yaml.YAMLError as e:
        raise CatalogueError(f"{name}: YAML 格式错误：{e}") from e


@cache
def _builtin() -> Catalogue:
    rule_docs = shapes.checked(shapes.RulesDoc, _yaml("rules.yaml"), "rules.yaml", CatalogueError).root
    rules = {code: read_rule(code, doc) for code, doc in rule_docs.items()}
    forms_dir = resources.files("statreturns.schemas").joinpath("forms")
    forms = {}
    for entry in sorted(forms_dir.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".yaml"):
            doc = _yaml(f"forms/{entry.name}")
            code = doc.get("code") if isinstance(doc, dict) else None
            form = _form(doc, entry.name, tuple(r for r in rules.values() if r.form == code))
            forms[form.code] = form
    unknown = {r.form for r in rules.values() if r.form} - set(forms)
    if unknown:
        raise CatalogueError(f"rules.yaml: rules name forms the catalogue does not have: {sorted(unknown)}")
    layout = shapes.checked(shapes.LayoutDoc, _yaml("layout.yaml"), "layout.yaml", CatalogueError)
    departments = {}
    for d in shapes.checked(shapes.DepartmentsDoc, _yaml("departments.yaml"), "departments.yaml", CatalogueError).root:
        for n in (d.name, *d.aliases):
            departments[fold(n)] = d.name
    unit_doc = shapes.checked(shapes.UnitsDoc, _yaml("units.yaml"), "units.yaml", CatalogueError).root
    unit_aliases = {fold(k): v for k, v in unit_doc.pop("same", {}).items()}
    decimals = {u: int(n) for u, n in unit_doc.pop("decimals", {}).items()}
    units = {u: (dim, float(size)) for dim, members in unit_doc.items() for u, size in members.items()}
    notes = shapes.checked(shapes.NoteWordsDoc, _yaml("explanations.yaml"), "explanations.yaml", CatalogueError)
    return Catalogue(
        forms=forms,
        orgs=read_orgs(_data("orgs.csv")),
        departments=departments,
        rules=rules,
        units=units,
        decimals=decimals,
        unit_aliases=unit_aliases,
        labels={k: tuple(fold(w) for w in v) for k, v in layout.labels.items()},
        layouts=_layouts(layout.columns, forms),
        footer=tuple(fold(w) for w in layout.footer),
        no_figure=frozenset(fold(w) for w in layout.no_figure) | {""},
        totals=frozenset(fold(w) for w in layout.totals),
        note_words={k: tuple(fold(w) for w in v) for k, v in notes.model_dump().items()},
    )


def load_catalogue(registry: str | None = None) -> Catalogue:
    """The built-in catalogue, with the org registry replaced by ``registry`` (CSV text) when given."""
    base = _builtin()
    if registry is None:
        return base
    return replace(base, orgs=read_orgs(registry))


_received: weakref.WeakValueDictionary[int, Catalogue] = weakref.WeakValueDictionary()


def _unpickled(state: dict) -> Catalogue:
    """A catalogue received from another process: the same object as the one received before when it is equal to it,
    so that what this process worked out from that one (its ``memo``, the caches keyed on it) is found at once."""
    cat = Catalogue(**state)
    known = _received.get(hash(cat))
    if known is not None and known == cat:
        return known
    _received[hash(cat)] = cat
    return cat
