"""Writing text people open: every text from a return or a user is written so that it can never run.

One helper per format, used by every output: a CSV field that a spreadsheet would take for a formula is
prefixed with ``'``; an xlsx cell holds text as a string cell, never through a writer path that guesses formulas
(``write_text`` for xlsxwriter, ``set_text`` for openpyxl); control characters no XML document may hold are shown as
``\\xNN``; Markdown is escaped (``md_text``); a Word document's text goes through ``xml_safe``.
"""
from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
import zipfile
from collections import namedtuple
from functools import lru_cache
from pathlib import Path
from typing import TextIO

import duckdb
import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

# what Excel, WPS and LibreOffice read as the start of a formula (or of a DDE payload) in a cell they are given as text
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# characters XML 1.0 forbids (every xlsx and docx part is XML): C0 controls but tab, newline and carriage return
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# both as patterns that Python's re and Arrow's RE2 read alike (a pandas string column may use either); U+FFFE and
# U+FFFF are written as the characters themselves, which both take literally
_XML_ILLEGAL_COLUMN = r"[\x00-\x08\x0b\x0c\x0e-\x1f]" + "|\ufffe|\uffff"
_FORMULA_START_COLUMN = r"[=+\-@\t\r]"
COLUMN_WISE_ROWS = 2000
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


@lru_cache(maxsize=64)
def _row_type(columns: tuple[str, ...]) -> type:
    return namedtuple("Row", columns, rename=True)


def rows(frame: pd.DataFrame) -> list[tuple]:
    """The frame's rows as named tuples, as ``itertuples(index=False)`` gives them: pandas builds a tuple class and
    reads each column by position on every call, a millisecond or more on a report's many small frames."""
    make = _row_type(tuple(map(str, frame.columns)))._make
    # one object array, rows as lists: Python's own values (int, float, str, Timestamp), as tolist() gives them,
    # without building a Series per column
    return list(map(make, frame.to_numpy(dtype=object).tolist()))


def inert(text: str) -> str:
    """A text a spreadsheet shows as written: ``'=1+2`` rather than 3."""
    return "'" + text if text.startswith(FORMULA_START) else text


def xml_safe(text: str) -> str:
    """A text any XML document can hold: a forbidden control character is shown as ``\\x01``, visibly."""
    if not _XML_ILLEGAL.search(text):  # nearly every text: a search is quicker than a substitution that finds none
        return text
    return _XML_ILLEGAL.sub(lambda m: f"\\x{ord(m[0]):02x}", text)


# xlsxwriter's options for every workbook written: a string is a string cell, never a formula, link or number
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                "nan_inf_to_errors": True, "in_memory": True}  # in memory: no temporary file per sheet


def write_text(ws, row: int, col: int, text: object, fmt=None) -> None:
    """An xlsxwriter cell holding ``text`` as a string cell, control characters shown."""
    ws.write_string(row, col, xml_safe(str(text)), fmt)


def set_text(cell, text: object) -> None:
    """An openpyxl cell holding ``text`` as a string cell: openpyxl would take ``=…`` for a formula."""
    cell.value = xml_safe(str(text))
    cell.data_type = "s"


def _field(value: object) -> object:
    """A CSV field: a text inert and XML-safe, a number (in a column that also holds text) as written."""
    return _inert_text(value) if isinstance(value, str) else str(value)


@lru_cache(maxsize=1 << 14)
def _inert_text(text: str) -> str:
    # a report's texts repeat down its columns and from org to org (units, periods, rules passed, file names)
    return inert(xml_safe(text))


def _inert_column(series: pd.Series) -> pd.Series:
    """A long column of texts made XML-safe and inert by Arrow's string kernels, which match a column in C++, not
    cell by cell (a district's lineage has a million cells)."""
    series = series.astype("string[pyarrow]")
    illegal = series.str.contains(_XML_ILLEGAL_COLUMN, regex=True, na=False)
    if illegal.any():
        series = series.where(~illegal, series[illegal].map(xml_safe))
    live = series.str.match(_FORMULA_START_COLUMN, na=False)
    return series.where(~live, "'" + series) if live.any() else series


def _texts(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell inert; a column mixing numbers and text is written as text."""
    out = {}
    for col in frame.columns:
        series = frame[col]
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            kind = infer_dtype(series, skipna=True)
            if kind == "string":
                out[col] = _inert_column(series)
            elif kind != "empty":
                out[col] = series.map(_field, na_action="ignore")
    return frame.assign(**out) if out else frame


def _fields(column: pd.Series) -> list[str]:
    """A short column's CSV fields as pandas writes them, texts inert, true/false as DuckDB writes them."""
    if column.dtype == bool:
        return ["true" if v else "false" for v in column.tolist()]
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iuf":
        values = column.to_numpy()
        fields = values.astype(str)  # pandas' own conversion, so a float reads the same
        if column.dtype.kind == "f":
            fields[np.isnan(values)] = ""
        return fields.tolist()
    if column.dtype == object or pd.api.types.is_string_dtype(column):  # categories of texts too
        values = column.to_numpy(dtype=object)
        return ["" if gap else _field(v) for v, gap in zip(values.tolist(), pd.isna(values).tolist())]
    # dates, categories, nullable numbers: as pandas writes them, read back
    written = column.to_frame().to_csv(index=False, header=False, lineterminator="\n", date_format=DATE_FORMAT)
    return [field for (field,) in csv.reader(io.StringIO(written, newline=""))]


def write_csv(frame: pd.DataFrame, target: Path | TextIO, labels: dict[str, str] | None = None) -> Path | None:
    """``frame`` (its ``labels`` columns under their Chinese headers) as CSV: a file in UTF-8 with a BOM, so that
    Excel and WPS open it, or a stream as it is."""
    if isinstance(target, Path):
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "w", encoding="utf-8-sig", newline="") as out:
            _write_rows(frame, labels, out)
        return target
    _write_rows(frame, labels, target)
    return None


def _write_rows(frame: pd.DataFrame, labels: dict[str, str] | None, out: TextIO) -> None:
    if len(frame) < COLUMN_WISE_ROWS:  # the csv module over each column's fields: no set-up cost
        columns = [(labels[c], frame[c]) for c in labels] if labels else list(frame.items())
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([name for name, _ in columns])
        fields = [_fields(column) for _, column in columns]
        writer.writerows(zip(*fields) if fields else [()] * len(frame))
        return
    # DuckDB's CSV writer: several times faster than pandas' or the csv module on a large district's lineage
    table = _texts(frame[list(labels)].rename(columns=labels) if labels else frame)
    with tempfile.TemporaryDirectory() as tmp, duckdb.connect() as con:
        part = Path(tmp) / "part.csv"
        con.register("csv_rows", table)
        con.execute("copy csv_rows to ? (header)", [str(part)])
        with open(part, encoding="utf-8", newline="") as body:
            shutil.copyfileobj(body, out)


def add_parts(package: bytes, parts: list[tuple[str, bytes | str, int]]) -> bytes:
    """A copy of the zip ``package`` with ``parts`` (name, content, zipfile's compression) added after its own: what
    every copy shares is deflated once, where the package is made; the added parts deflate at the fastest level and
    carry a fixed date, so the same content gives the same bytes."""
    buffer = io.BytesIO(package)
    with zipfile.ZipFile(buffer, "a", compresslevel=1) as out:
        for name, data, compression in parts:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = compression
            out.writestr(info, data)
    return buffer.getvalue()


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")
# what md_text changes: Markdown's specials, XML's forbidden characters and line breaks; most texts hold none
_MD_CHANGED = re.compile(r"[\\`*_\[\]<>|\n\r]|" + _XML_ILLEGAL.pattern)


def md_text(text: str) -> str:
    """A text as Markdown shows it literally: no markup, no link, no image, no HTML; one line."""
    if not _MD_CHANGED.search(text):
        return text
    return _MD_SPECIAL.sub(r"\\\1", xml_safe(text)).replace("\n", " ").replace("\r", " ")
