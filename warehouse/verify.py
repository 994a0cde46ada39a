"""The accounting invariant: every file received is in exactly one state, its bytes are kept as received, and every
current figure stands on one accepted return. ``statreturns verify`` checks it all; each run checks its own files."""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import duckdb

from statreturns.warehouse.db import query, rows


class AccountingBroken(Exception):
    """After a load, the warehouse does not account for every file as it must; each line names what is wrong."""

    def __init__(self, problems: list[str]):
        super().__init__("数据库账目不符：\n" + "\n".join(problems))
        self.problems = problems

    def __reduce__(self):  # made again from its problems when it crosses from another process
        return AccountingBroken, (self.problems,), self.__dict__


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def problems(con: duckdb.DuckDBPyConnection, loaded_at: dt.datetime | None = None, contents: bool = True) -> list[str]:
    """What is wrong, one line each in Chinese naming the file, its fingerprint and the fault; empty when all holds.

    ``loaded_at`` checks only the archived files of that load; ``contents=False`` checks they exist without hashing
    them again (a run hashed their bytes as it kept them).
    """
    out = []
    for r in query(con, "verify_states").itertuples(index=False):
        out.append(f"《{r.file_name}》（{r.sha256}）工作表“{r.sheet}”在 submissions 中有 {r.n} 行（{r.statuses}），应只有一个状态")
    for r in query(con, "verify_current").itertuples(index=False):
        out.append(f"单位 {r.org_code} 的 {r.form_code} 表 {r.period:%Y-%m} 有 {r.n} 份现行报表（{r.files}），应只有一份")
    for r in query(con, "verify_orphans").itertuples(index=False):
        out.append(f"{r.tbl} 中有 {r.n} 行（文件指纹 {r.sha256}，工作表“{r.sheet}”）找不到对应的报表记录")
    for sha256, archive_path, file_name in rows(con, "verify_archive", loaded_at=loaded_at):
        path = Path(archive_path)
        if not path.is_file():
            out.append(f"《{file_name}》（{sha256}）的归档文件不存在：{path}")
        elif contents and _sha256(path) != sha256:
            out.append(f"《{file_name}》（{sha256}）的归档文件已被改动，内容指纹不符：{path}")
    return out
