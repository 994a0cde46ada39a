"""Findings: one audit result, worded for the clerk who has to act on it."""
from __future__ import annotations

from statreturns.schemas.catalogue import Catalogue, Indicator, MEASURE_NAMES
from statreturns.schemas.text import cell_text

BLANK = "空白"  # how a message names a cell or a figure left empty
FINDING_COLUMNS = ("sheet", "cell", "form_code", "indicator_code", "severity", "rule", "value_found", "message")
# added by the audit: what should be there instead, and whether a warning is explained (说明) and how
AUDIT_COLUMNS = ("expected", "explained", "explanation")


def where(file_name: str, sheet: str | None, cell: str | None, indicator: Indicator | None) -> str:
    """The place a finding points at, as a clerk would look for it."""
    parts = [f"《{file_name}》"]
    if sheet is not None:
        parts.append(f"工作表“{sheet}”")
    if cell is not None:
        parts.append(f"{cell}单元格")
    text = "".join(parts)
    if indicator is not None:
        text += f"，{indicator.form_code}表指标“{indicator.code} {indicator.name}”"
    return text


def finding(
    cat: Catalogue,
    rule: str,
    *,
    file_name: str,
    sheet: str | None = None,
    cell: str | None = None,
    form_code: str | None = None,
    indicator: Indicator | None = None,
    value: object = None,
    **fields: object,
) -> dict:
    """A finding of ``rule`` with its Chinese message; ``fields`` fill the rule's message and expected templates."""
    spec = cat.rules[rule]
    shown = cell_text(value)
    if "measure" in fields:
        fields["measure"] = MEASURE_NAMES.get(str(fields["measure"]), fields["measure"])
    texts = {k: cell_text(v) or BLANK for k, v in fields.items()}
    detail = spec.message.format(value=shown or BLANK, **texts)
    expected = spec.expected.format(value=shown, **texts) if spec.expected else texts.get("expected")
    return {
        "sheet": sheet,
        "cell": cell,
        "form_code": form_code or (indicator.form_code if indicator else None),
        "indicator_code": indicator.code if indicator else None,
        "severity": spec.severity,
        "rule": rule,
        "value_found": shown or None,
        "message": f"{where(file_name, sheet, cell, indicator)}：{detail}",
        "expected": expected or None,
    }
