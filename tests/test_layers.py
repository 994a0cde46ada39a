"""Imports point one way: flows → reports → warehouse → schemas."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ORDER = ["schemas", "warehouse", "reports", "flows"]


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", ORDER[:-1])
def test_a_layer_imports_nothing_above_it(package):
    above = set(ORDER[ORDER.index(package) + 1:])
    offenders = {str(p.relative_to(ROOT)): imported_packages(p) & above for p in (ROOT / package).rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_schemas_does_no_file_or_database_io():
    banned = {"duckdb", "python_calamine", "openpyxl", "xlsxwriter", "os", "shutil", "pathlib"}
    offenders = {str(p.relative_to(ROOT)): imported_packages(p) & banned for p in (ROOT / "schemas").rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}
