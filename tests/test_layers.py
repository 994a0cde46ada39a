"""Imports point one way: web → flows → reports → warehouse → intake → schemas, each layer as statreturns.<layer>."""
from __future__ import annotations

import ast
import importlib.metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ORDER = ["schemas", "intake", "warehouse", "reports", "flows", "web"]
LAYERS = [*ORDER, "samples"]


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, by its full dotted name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def layers_imported(path: Path) -> set[str]:
    return {m.split(".")[1] for m in imported_modules(path) if m.startswith("statreturns.") and m.count(".") >= 1}


def sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", ORDER[:-1])
def test_a_layer_imports_nothing_above_it(package):
    above = set(ORDER[ORDER.index(package) + 1:]) | {"samples"}
    offenders = {str(p.relative_to(ROOT)): layers_imported(p) & above for p in sources(package)}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_samples_use_only_the_catalogue():
    offenders = {str(p.relative_to(ROOT)): layers_imported(p) - {"schemas", "samples"} for p in sources("samples")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_every_layer_is_imported_by_its_namespaced_name():
    bare = {str(p.relative_to(ROOT)): {m for m in imported_modules(p) if m.split(".")[0] in LAYERS}
            for package in [*LAYERS, "tests", "bench"] for p in sources(package)}
    assert {k: v for k, v in bare.items() if v} == {}


def test_the_installed_distribution_adds_one_import_name():
    dist = importlib.metadata.distribution("statreturns")
    assert (dist.read_text("top_level.txt") or "statreturns").split() == ["statreturns"]
    scripts = {e.name: e.value for e in dist.entry_points if e.group == "console_scripts"}
    assert all(v.startswith("statreturns.") for v in scripts.values())


def test_schemas_does_no_file_or_database_io():
    banned = {"duckdb", "python_calamine", "openpyxl", "xlsxwriter", "os", "shutil", "pathlib", "subprocess"}
    # openpyxl.utils is plain functions (column letters), not I/O
    offenders = {str(p.relative_to(ROOT)): {m for m in imported_modules(p)
                                            if m.split(".")[0] in banned and not m.startswith("openpyxl.utils")}
                 for p in sources("schemas")}
    assert {k: v for k, v in offenders.items() if v} == {}
