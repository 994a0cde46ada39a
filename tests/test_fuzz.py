"""Fuzzing: grids no department would send, and the bytes of real returns mangled, through locate, audit and the reader.

Whatever comes in, the answer is a result or a finding, never an unhandled exception. ``make test`` runs a few
examples of each (seconds); ``make fuzz`` runs many (STATRETURNS_FUZZ_EXAMPLES).
"""
from __future__ import annotations

import datetime as dt
import os
import random
import zipfile
import io

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statreturns.intake.limits import UnreadableFile
from statreturns.intake.readers import read_grids
from statreturns.schemas.audit import PREVIOUS_COLUMNS, audit
from statreturns.schemas.catalogue import load_catalogue
from statreturns.schemas.grid import Grid
from statreturns.schemas.notes import read_notes
from statreturns.schemas.records import Received, read_batch
from tests.workbooks import indicator_return, project_return

CAT = load_catalogue()
EXAMPLES = int(os.environ.get("STATRETURNS_FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
NONE = pd.DataFrame(columns=list(PREVIOUS_COLUMNS))
JUNE = dt.date(2023, 6, 1)

# words a return is made of, so that random grids often look like one: labels, header words, names, codes, values
WORDS = [
    "表号：ZB01表", "表号：", "ZB05表", "ZB03表", "填报单位：示例街道财政所", "填报单位：", "示例街道", "东关街道 网格化管理服务中心",
    "报告期：2023年6月", "报告期：", "2023年1-6月", "202306", "计量单位：万元", "元", "亿元", "公顷", "指标名称", "代码",
    "计量单位", "本月", "本年累计", "上年同期累计", "同比增长(%)", "本期数", "同期比较", "项目名称", "项目状态", "总投资",
    "序号", "合计", "小计", "一般公共预算收入", "全口径财政收入", "受理案件", "办结案件", "01", "02", "T1", "—", "无", "/",
    "说明：一般公共预算收入增幅较大", "单位负责人：张三", "=1+2", "=SUM(A1:A3)", "1,234.5", "１２３", " 56 ", "12.5%", "nan",
    "新开工", "续建", "\x01", "<script>", "",
]
CELL = st.one_of(st.none(), st.sampled_from(WORDS), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
                 st.text(max_size=12), st.dates(dt.date(1899, 12, 30), dt.date(2100, 1, 1)), st.booleans())


@st.composite
def grids(draw) -> Grid:
    rows = draw(st.integers(0, 14))
    cols = draw(st.integers(0, 9))
    cells = tuple(tuple(draw(CELL) for _ in range(cols)) for _ in range(rows))
    merges = draw(st.lists(st.tuples(st.integers(0, max(rows - 1, 0)), st.integers(0, max(cols - 1, 0)),
                                     st.integers(0, 2), st.integers(0, 3)), max_size=4))
    merged = tuple((r, c, min(r + dr, max(rows - 1, 0)), min(c + dc, max(cols - 1, 0))) for r, c, dr, dc in merges)
    formulas = draw(st.dictionaries(st.tuples(st.integers(0, max(rows - 1, 0)), st.integers(0, max(cols - 1, 0))),
                                    st.sampled_from(["A1+B2", "SUM(A1:C3)", "E5/0", "A1*", "VLOOKUP(1,A:B,2)", "ROUND(D4,1)",
                                                     "{=A1:A2*2}", "A1+A1", "ZZZ99999+1"]), max_size=3))
    return Grid(draw(st.sampled_from(["Sheet1", "ZB01表", "说明", "填表说明", "=1+2", "\x01"])), cells, merged,
                hidden=draw(st.booleans()), formulas=formulas)


@FUZZ
@given(st.lists(grids(), min_size=1, max_size=3))
def test_any_grid_reads_and_audits_to_results_or_findings(sheets):
    files = [Received("sha", "随机.xlsx", tuple(sheets))]
    batch = read_batch(files, CAT)
    found = audit(batch, NONE, CAT, JUNE, read_notes(files, CAT))
    assert set(batch.returns["sha256"]) == {"sha"}
    assert found["message"].map(lambda m: isinstance(m, str) and "nan" not in m.lower().split("“")[0]).all()


def _returns() -> list[bytes]:
    rows = [["一般公共预算收入", "01", "万元", 10, 100, 90, None], ["全口径财政收入", "02", "万元", 20, 200, 180, None]]
    return [
        indicator_return("ZB01", "示例街道财政所", "2023年6月", rows),
        indicator_return("ZB01", "示例街道财政所", "2023年6月", rows, engine="xlsxwriter"),
        project_return("示例街道经济发展办公室", "2023年6月", [[1, "冷链物流中心项目", "新开工", 1000, "东关村", "仓储业", "经发办"]]),
    ]


def _mutated(data: bytes, seed: int, how: str) -> bytes:
    rng = random.Random(seed)
    if how == "flip":
        out = bytearray(data)
        for _ in range(rng.randint(1, 40)):
            out[rng.randrange(len(out))] = rng.randrange(256)
        return bytes(out)
    if how == "cut":
        return data[:rng.randrange(len(data))]
    # inside the zip: change bytes of one member's XML, the way a broken program or a hostile hand would
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    victim = rng.choice(names)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in names:
            body = src.read(name)
            if name == victim and body:
                b = bytearray(body)
                for _ in range(rng.randint(1, 12)):
                    b[rng.randrange(len(b))] = rng.choice(b'<>"&=/ 0123456789ABCxf')
                body = bytes(b)
            z.writestr(name, body)
    return buf.getvalue()


@FUZZ
@given(st.integers(0, 2), st.integers(0, 2**32), st.sampled_from(["flip", "cut", "xml"]))
def test_mangled_bytes_of_real_returns_are_read_or_refused_with_a_reason(which, seed, how):
    data = _mutated(_returns()[which], seed, how)
    try:
        grids, error = tuple(read_grids(data)), None
    except UnreadableFile as e:
        grids, error = None, str(e)
    files = [Received("sha", "损坏.xlsx", grids, error)]
    batch = read_batch(files, CAT)
    found = audit(batch, NONE, CAT, JUNE, read_notes(files, CAT))
    assert error is None or (error and found["rule"].eq("file_unreadable").any())
