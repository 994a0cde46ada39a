"""The shape of each catalogue data file, declared once: a bad entry is refused at load with its place and reason."""
from __future__ import annotations

from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError, field_validator

KINDS = ("flow", "stock", "text")
LAYOUTS = ("indicators", "projects")
SEVERITIES = ("error", "warning")
STAGES = ("read", "audit")  # found while reading a file, or by the audit of what was read

Kind = Literal["flow", "stock", "text"]
Layout = Literal["indicators", "projects"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScopeDoc(_Strict):
    """``where:`` of a rule: the figures it applies to."""

    kind: Kind | list[Kind] | None = None
    yoy: bool | None = None
    month: int | list[int] | None = None
    form: str | list[str] | None = None
    layout: Layout | list[Layout] | None = None

    @field_validator("month")
    @classmethod
    def _months(cls, v):
        for m in v if isinstance(v, list) else [] if v is None else [v]:
            if not 1 <= m <= 12:
                raise ValueError("month is a number from 1 to 12")
        return v


class RuleDoc(_Strict):
    """One entry of rules.yaml."""

    name: str = Field(min_length=1)
    severity: Literal["error", "warning"] = "error"
    stage: Literal["read", "audit"] = "audit"
    message: str = Field(min_length=1)
    how_to_fix: str = ""
    when: str = ""
    holds: str = ""
    check: str | None = None
    where: ScopeDoc = ScopeDoc()
    form: str | None = Field(default=None, pattern=r"^[A-Z]{2}\d{2}$")
    expected: str | None = None
    # data some rules read besides their words (thresholds, word lists), by name
    params: dict[str, float | int | str | list[str]] = Field(default_factory=dict)


class RulesDoc(RootModel[dict[str, RuleDoc]]):
    """rules.yaml: rule code -> rule."""

    @field_validator("root")
    @classmethod
    def _codes(cls, v):
        bad = [code for code in v if not code.replace("_", "").isalnum() or not code.isascii()]
        if bad:
            raise ValueError(f"rule codes are ASCII letters, digits and _: {bad}")
        return v


class IndicatorDoc(_Strict):
    code: str = Field(pattern=r"^(\d{2}|T\d+)$")
    name: str = Field(min_length=1)
    unit: str | None = None
    kind: Kind
    yoy: bool = False
    aliases: list[str] = Field(default_factory=list)


class FormDoc(_Strict):
    """One file of forms/."""

    code: str = Field(pattern=r"^[A-Z]{2}\d{2}$")
    title: str = Field(min_length=1)
    department: str = Field(min_length=1)
    layout: Layout = "indicators"
    indicators: list[IndicatorDoc] = Field(default_factory=list)
    unit: str | None = None
    statuses: list[str] = Field(default_factory=list)
    columns: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("indicators")
    @classmethod
    def _unique(cls, v):
        codes = [i.code for i in v]
        if len(set(codes)) != len(codes):
            raise ValueError(f"indicator codes repeat: {codes}")
        return v


class LayoutDoc(_Strict):
    labels: dict[Literal["form_code", "reporter", "period", "unit", "authority", "document"], list[str]]
    columns: dict[str, list[str]]
    footer: list[str]
    no_figure: list[str]
    totals: list[str]


class DepartmentDoc(_Strict):
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)


class DepartmentsDoc(RootModel[list[DepartmentDoc]]):
    pass


class UnitsDoc(RootModel[dict[str, dict[str, float | str]]]):
    """units.yaml: dimension -> unit -> size, and ``same``: spelling -> unit."""


class NoteWordsDoc(_Strict):
    rows: list[str]
    sheets: list[str]
    instructions: list[str]


M = TypeVar("M", bound=BaseModel)


def checked(model: type[M], data: object, where: str, error: type[Exception]) -> M:
    """``data`` as ``model``, or ``error`` naming the file, the place in it and each reason."""
    try:
        return model.model_validate(data)
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}" for err in e.errors())
        raise error(f"{where}: {problems}") from None
