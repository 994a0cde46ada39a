"""docs/rules.md: every 审核 rule, when it fires and how a clerk fixes it, generated from the catalogue."""
from __future__ import annotations

import sys

from statreturns.schemas.catalogue import MEASURE_NAMES, SEVERITY_NAMES, Catalogue, Form, Rule, Scope, load_catalogue
from statreturns.schemas.rules import EARLIER, FUNCTIONS, SIGNS, Binary, Call, Check, Negate, Num, Ref

SEVERITY = {k: f"{v}（{'退回' if k == 'error' else '核实'}）" for k, v in SEVERITY_NAMES.items()}
KINDS = {"flow": "流量指标", "stock": "存量指标", "text": "文字指标"}
LAYOUTS = {"indicators": "指标型报表", "projects": "项目清单"}
INTRO = """# 审核规则一览

由 `make docs`（`python -m statreturns.reports.rules_doc > docs/rules.md`）按规则目录 `schemas/rules.yaml`
生成，请勿手改；改规则请改目录，再重新生成。

- **错误**：报表退回，不入库；按“如何修改”改好后重新报送。
- **提醒**：报表受理入库，请核实；数字无误的，在报表中加一行“说明：指标名称＋原因”（或在标题为“说明”的列中
  该指标那一行写明原因，或加一个名为“说明”的工作表），
  也可以由统计局登记说明（`statreturns explain --file 文件名 --rule 规则代码 --reason "原因"`）。已说明的提醒不再列为待核实。
- 每条审核结果都写明文件、工作表、单元格、指标、规则代码和填报值；回执（`审核结果.xlsx`）把有问题的单元格标红（错误）或标黄（提醒）。

## 审核公式的写法

| 写法 | 含义 |
|---|---|
| `month` `ytd` `prior_ytd` `yoy_pct` | 本指标的本月、本年累计、上年同期累计、同比增长(%) |
| `prev.ytd` | 上月报表（已入库）中该指标的本年累计；1月份没有上月 |
| `last_year.ytd` | 去年同月报表（已入库）中该指标的本年累计 |
| `04.ytd` | 本表代码为 04 的指标的本年累计 |
| `± 0.01` | 允许的误差（按制度规定的计量单位） |
| `growth(a, b)` | 同比增长：(a − b) ÷ b × 100，b 不大于 0 时不计算 |
| `abs` `min` `max` | 绝对值、较小值、较大值 |

公式只在它用到的数字都已填写（往期的数字已在库中）时审核；标记的单元格是公式中本期报表的第一个数字所在的单元格。
"""


def _node(node: object, form: Form | None) -> str:
    if isinstance(node, Num):
        return f"{node.value:g}"
    if isinstance(node, Ref):
        name = MEASURE_NAMES[node.measure]
        if node.indicator and form is not None:
            return f"{form.indicator(node.indicator).name}{name}"
        return f"{EARLIER[node.earlier].words if node.earlier else ''}{name}"
    if isinstance(node, Call):
        return f"{FUNCTIONS[node.function].words}({', '.join(_node(a, form) for a in node.args)})"
    if isinstance(node, Negate):
        return f"-{_node(node.operand, form)}"
    if isinstance(node, Binary):
        return f"({_node(node.left, form)} {node.op.replace('*', '×').replace('/', '÷')} {_node(node.right, form)})"
    raise TypeError(node)


def in_words(check: Check, form: Form | None = None) -> str:
    """A check as a clerk reads it, e.g. ``本年累计 ≥ 本月``."""
    text = f"{_node(check.left, form)} {SIGNS[check.op]} {_node(check.right, form)}"
    return text + (f"（误差不超过 {check.tolerance:g}）" if check.tolerance else "")


def _scope(scope: Scope) -> str:
    parts = [*(LAYOUTS[x] for x in scope.layouts), *(KINDS[k] for k in scope.kinds), *(f"{f}表" for f in scope.forms)]
    if scope.yoy is not None:
        parts.append("有同比的指标" if scope.yoy else "无同比的指标")
    if scope.months:
        parts.append("、".join(f"{m}月" for m in scope.months) + "的报表")
    return "，".join(parts)


def when(rule: Rule, form: Form | None = None) -> str:
    """When a rule fires: its own words, else its check's."""
    if rule.when:
        return rule.when
    scope = _scope(rule.where)
    return f"{scope + '：' if scope else ''}不满足 {in_words(rule.check, form)}"


def _cell(text: str) -> str:
    return text.replace("|", "／").replace("\n", " ")


def _table(rules: list[Rule], cat: Catalogue, formula: bool) -> list[str]:
    head = ["规则代码", "规则", "类别", "何时触发", *(["审核公式"] if formula else []), "如何修改"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rules:
        form = cat.forms.get(r.form) if r.form else None
        check = [f"`{r.check.text}`" if r.check else "（程序判定）"] if formula else []
        lines.append("| " + " | ".join(_cell(x) for x in [f"`{r.code}`", r.name, SEVERITY[r.severity], when(r, form), *check,
                                                           r.how_to_fix]) + " |")
    return lines + [""]


def render(cat: Catalogue) -> str:
    """The whole rule reference."""
    rules = [r for r in cat.rules.values() if r.form is None]
    lines = [INTRO, "## 读取报表时检查", "", "找到报表、读出每个数字时发现的问题。", ""]
    lines += _table([r for r in rules if r.stage == "read"], cat, formula=False)
    lines += ["## 审核", "", "对读出的数字按报表制度审核；跨期的公式用到库中上月或去年同月的报表。", ""]
    lines += _table([r for r in rules if r.stage == "audit"], cat, formula=True)
    lines += ["## 各表的表内审核", ""]
    for form in cat.forms.values():
        if form.rules:
            lines += [f"### {form.code}表 {form.title}（{form.department}）", ""]
            lines += _table(list(form.rules), cat, formula=True)
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(render(load_catalogue()))
