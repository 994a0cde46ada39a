"""A synthetic district of N orgs built from the demo inbox: 示例街道's files (a half-year, or a year) cloned to each org.

Each clone's 填报单位 (and every other mention of the org: project names, file names) is rewritten to the new org's
name, inside the workbook's XML, so every file is unique and reads as its own org, with the demo's everyday drift
mix. The registry lists the N orgs. ``python bench/district.py N DIR [MONTHS]`` writes ``DIR/inbox`` and
``DIR/orgs.csv``.
"""
from __future__ import annotations

import io
import os
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from statreturns.samples import MONTHS, plan, write_sample_inbox

SOURCE_ORG = "示例街道"
FIRST_CODE = 1101990000


@dataclass(frozen=True)
class Template:
    """One of the source org's files: where it goes, its mtime, and its zip members (name, bytes, compressed?)."""

    path: str  # relative to the inbox
    mtime: float
    members: tuple[tuple[zipfile.ZipInfo, bytes], ...] | None  # None: not a zip; the raw bytes are in ``raw``
    raw: bytes


def org_name(n: int) -> str:
    """The n-th org's name: fixed width, so that no name is part of another."""
    return f"第{n:04d}街道"


def templates(source: Path, months: tuple[int, ...]) -> list[Template]:
    """The source org's files of the demo inbox (its good returns, its correction and its duplicate)."""
    mine = [s.path for s in plan(months) if s.org.name == SOURCE_ORG]
    out = []
    for rel in mine:
        path = source / rel
        data = path.read_bytes()
        members = None
        if data.startswith(b"PK"):
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                members = tuple((info, z.read(info.filename)) for info in z.infolist())
        out.append(Template(rel, path.stat().st_mtime, members, data))
    return out


def _refs(text: str) -> bytes:
    """``text`` as XML character references, as openpyxl writes non-ASCII inline strings."""
    return "".join(f"&#{ord(ch)};" for ch in text).encode()


def clone(t: Template, name: str) -> bytes:
    """The template's bytes with every mention of the source org now naming ``name`` (plain or as references)."""
    swaps = ((SOURCE_ORG.encode(), name.encode()), (_refs(SOURCE_ORG), _refs(name)))

    def swapped(body: bytes) -> bytes:
        for old, new in swaps:
            body = body.replace(old, new)
        return body

    if t.members is None:
        return swapped(t.raw)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for info, body in t.members:
            z.writestr(info, swapped(body) if info.filename.endswith(".xml") else body)
    return buf.getvalue()


def build(n: int, root: Path, months: tuple[int, ...] = MONTHS) -> tuple[Path, Path, int]:
    """``root/inbox`` with n orgs' returns of ``months`` (the half-year) and ``root/orgs.csv``; returns (inbox,
    registry, files)."""
    source = root / "source"
    write_sample_inbox(source, months=months)
    inbox = root / "inbox"
    files = 0
    for t in templates(source, months):
        folder = (inbox / t.path).parent
        folder.mkdir(parents=True, exist_ok=True)
        for k in range(1, n + 1):
            name = org_name(k)
            target = folder / Path(t.path).name.replace(SOURCE_ORG, name)
            if SOURCE_ORG not in Path(t.path).name:
                target = folder / f"{name}-{Path(t.path).name}"
            target.write_bytes(clone(t, name))
            os.utime(target, (t.mtime, t.mtime))
            files += 1
    registry = root / "orgs.csv"
    registry.write_text("org_code,org_name,level\n" + "".join(
        f"{FIRST_CODE + k},{org_name(k)},街道\n" for k in range(1, n + 1)), encoding="utf-8")
    return inbox, registry, files


if __name__ == "__main__":
    last = int(sys.argv[3]) if len(sys.argv) > 3 else MONTHS[-1]
    inbox, registry, count = build(int(sys.argv[1]), Path(sys.argv[2]), tuple(range(1, last + 1)))
    print(f"{count} files in {inbox}; registry {registry}")
