"""Returns saved again by LibreOffice as .xls (BIFF8) and .ods read exactly as the originals."""
from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import pytest

from statreturns.samples import write_sample_inbox
from statreturns.schemas.records import Received, read_batch
from statreturns.intake.readers import read_grids

SOFFICE = shutil.which("soffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (.ci/run installs it)")


def figures(path: Path, cat) -> tuple:
    """What the pipeline reads from a file: every figure with its cell, the projects, the error rules."""
    batch = read_batch([Received("sha", path.name, tuple(read_grids(path.read_bytes())))], cat)
    values = {(r.form_code, r.indicator_code, r.measure): (None if math.isnan(r.value) else round(r.value, 6), r.text_value, r.cell)
              for r in batch.records.itertuples()}
    projects = sorted((p.project_name, p.status, p.total_investment) for p in batch.projects.itertuples())
    return values, projects, sorted(batch.findings["rule"])


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """Six June returns with different drifts, and LibreOffice's .xls and .ods of each."""
    root = tmp_path_factory.mktemp("lo")
    june = sorted(p for p in write_sample_inbox(root / "inbox") if p.parent.name == "2023-06" and p.suffix == ".xlsx")
    picked = june[::7][:6]
    for kind in ("xls", "ods"):
        subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{root}/profile", "--convert-to", kind,
                        "--outdir", str(root / kind), *map(str, picked)], check=True, capture_output=True, timeout=180)
    return root, picked


@pytest.mark.parametrize("kind", ["xls", "ods"])
def test_a_return_saved_by_libreoffice_reads_the_same(converted, cat, kind):
    root, picked = converted
    for original in picked:
        again = root / kind / f"{original.stem}.{kind}"
        assert figures(again, cat) == figures(original, cat), again.name
