"""A hostile inbox for June 2023: files built to stop a run or reach outside the inbox, mixed with good returns.

``build()`` gives the entries (regular files, a directory, links, a FIFO), what each must become (rejected;
accepted with its figures; or either, for a return under a name no program would give it), the figures
and projects the good returns must load, and the injection texts they carry. ``HostileInbox.write``
lays it out under ``inbox/2023-06/`` with a return outside the inbox that one link points at.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import random
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from statreturns.schemas.catalogue import load_catalogue
from tests.corpus.books import Page, package, sheet_xml, write, _Strings
from tests.corpus.unseen import ORGS, STYLES, Figure, Project, Style, _truth, indicator_page, project_page

JUNE = 6
FOLDER = "2023-06"
# Text that a spreadsheet or a browser would run if an output wrote it as it came.
INJECTIONS = ('=HYPERLINK("http://x","点击")', "=cmd|' /C calc'!A0", "@SUM(1)", "+1")
SCRIPT = '<script>alert("x")</script>'
CONTROL = "滨河\x01小区"
SHEET = "=9+9"  # a sheet name a spreadsheet would take for a formula
# Parts of those texts no output may carry inside a live formula or field.
SIGNS = ('HYPERLINK("http://x"', "cmd|", "SUM(1)", "http://x", "<script", "9+9")


@dataclass
class Entry:
    name: str
    kind: str  # file | dir | symlink | fifo
    expect: str  # rejected | accepted | either
    what: str  # what it is, for messages
    data: bytes | None = None
    target: str | None = None  # a link's target: an absolute path, or "outside" for the return beside the inbox
    rule: str | None = None  # for a rejected good-looking return: the rule that must refuse it


@dataclass
class HostileInbox:
    entries: list[Entry]
    figures: dict[tuple[str, str, str], Figure]  # (org, form, indicator) at 2023-06, per accepted return
    sources: dict[tuple[str, str], str]  # (org, form) -> the entry name its figures come from
    projects: dict[str, list[Project]]  # org -> projects of its accepted ZB03
    outside: bytes  # a valid return kept beside the inbox, reached only through a link
    outside_key: tuple[str, str] = ("110199001", "ZB10")
    notes: dict[str, str] = field(default_factory=dict)

    def write(self, inbox: Path, outside_dir: Path) -> Path:
        """Lay the entries out in ``inbox/2023-06``; the folder."""
        folder = inbox / FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        outside_dir.mkdir(parents=True, exist_ok=True)
        outside = outside_dir / "东关街道综治中心6月报表.xlsx"
        outside.write_bytes(self.outside)
        saved = dt.datetime(2023, 7, 4, 10, 0).timestamp()
        for e in self.entries:
            path = folder / e.name
            if e.kind == "file":
                path.write_bytes(e.data)
                os.utime(path, (saved, saved))
            elif e.kind == "dir":
                path.mkdir()
            elif e.kind == "symlink":
                os.symlink(str(outside) if e.target == "outside" else e.target, path)
            elif e.kind == "fifo":
                os.mkfifo(path)
        return folder


# ---------------------------------------------------------------- bombs and broken files

def _zip_raw(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip of (name, stored bytes, method, crc32, uncompressed size) members, written field by field."""
    out = io.BytesIO()
    central = []
    for name, body, method, crc, size in members:
        offset = out.tell()
        raw = name.encode("utf-8")
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, method, 0, 0x21, crc, len(body), size, len(raw), 0))
        out.write(raw)
        out.write(body)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x800, method, 0, 0x21, crc, len(body),
                                   size, len(raw), 0, 0, 0, 0, 0, offset) + raw)
    start = out.tell()
    for c in central:
        out.write(c)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


def _deflated(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _parts(page: Page) -> dict[str, bytes]:
    """The parts of a small package holding ``page``."""
    z = zipfile.ZipFile(io.BytesIO(write([page], "raw")))
    return {n: z.read(n) for n in z.namelist()}


def _note_page(name: str = "Sheet1") -> Page:
    p = Page(name)
    p.set(0, 0, "六月份报表（待补充）")
    p.set(1, 0, "请各单位核对后报送")
    return p


def zip_bomb(gib: int = 1) -> bytes:
    """An .xlsx whose one sheet inflates to ``gib`` GiB of blanks from about 1 MB (sizes declared truthfully)."""
    parts = _parts(_note_page())
    prefix = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/' \
             b'spreadsheetml/2006/main"><sheetData>'
    suffix = b"</sheetData></worksheet>"
    chunk = b" " * (1 << 20)
    # each piece is a fresh deflate stream cut by a full flush: no back-reference crosses it, so they chain
    head = zlib.compressobj(9, zlib.DEFLATED, -15)
    head_bytes = head.compress(prefix) + head.flush(zlib.Z_FULL_FLUSH)
    body = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = body.compress(chunk) + body.flush(zlib.Z_FULL_FLUSH)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    tail_bytes = tail.compress(suffix) + tail.flush(zlib.Z_FINISH)
    n = gib * 1024
    crc = zlib.crc32(prefix)
    for _ in range(n):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(suffix, crc)
    bomb = head_bytes + block * n + tail_bytes
    members = []
    for name, body_bytes in parts.items():
        if name == "xl/worksheets/sheet1.xml":
            members.append((name, bomb, 8, crc & 0xFFFFFFFF, len(prefix) + n * len(chunk) + len(suffix)))
        else:
            members.append((name, _deflated(body_bytes), 8, zlib.crc32(body_bytes), len(body_bytes)))
    return _zip_raw(members)


def entity_bomb() -> bytes:
    """An .xlsx whose shared strings expand nine levels of entities to a billion characters."""
    entities = ['<!ENTITY a0 "哈哈哈哈哈哈哈哈哈哈">'] + [
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)]
    strings = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE sst [' + "".join(entities) + ']>\n'
               '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
               '<si><t>&a9;</t></si></sst>')
    page = Page("Sheet1")
    page.set(0, 0, "报表")
    sheet = sheet_xml(page, _Strings())
    return package([("Sheet1", sheet, False)], strings)


def huge_dimension(target_kb: int = 20) -> bytes:
    """A ~20 KB .xlsx whose <dimension> claims every cell of a sheet (A1:XFD1048576) while holding a few."""
    page = _note_page()
    page.dimension = "A1:XFD1048576"
    for r in range(3, 60):
        page.set(r, 0, f"第{r - 2}行备用")
    strings = _Strings()
    xml = sheet_xml(page, strings)
    pad = random.Random(7).randbytes(max(0, target_kb * 1024 - 6000))
    return package([("Sheet1", xml, False)], strings.part(), extra={"xl/media/image1.jpeg": pad})


def last_cell_only() -> bytes:
    """An .xlsx whose only cell is XFD1048576, the last cell a sheet can have."""
    page = Page("Sheet1")
    page.set(1048575, 16383, "x")
    strings = _Strings()
    return package([("Sheet1", sheet_xml(page, strings), False)], strings.part())


def fifty_megabytes() -> bytes:
    """A 50 MB .xlsx: a note sheet and 50 MB of incompressible media."""
    strings = _Strings()
    xml = sheet_xml(_note_page(), strings)
    return package([("Sheet1", xml, False)], strings.part(),
                   extra={"xl/media/image1.png": random.Random(50).randbytes(50 * 2**20)},
                   compression=zipfile.ZIP_STORED)


def encrypted_ole() -> bytes:
    """A compound file as Office writes a password-protected workbook: EncryptionInfo and EncryptedPackage."""
    end, free, fat_sect, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    info = (struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
            b'<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption"><keyData saltSize="16" '
            b'blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" '
            b'hashAlgorithm="SHA512" saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/></encryption>')
    info = info.ljust(4096, b"\0")
    payload = struct.pack("<Q", 7000) + random.Random(3).randbytes(8192 - 8)
    n_info, n_pkg = len(info) // 512, len(payload) // 512
    fat = [fat_sect, end] + list(range(3, 2 + n_info)) + [end]
    fat += list(range(3 + n_info, 2 + n_info + n_pkg)) + [end]
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
        raw = (name.encode("utf-16-le") + b"\0\0") if name else b""
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1) + struct.pack("<III", left, right, child)
                + b"\0" * 16 + b"\0" * 4 + b"\0" * 16 + struct.pack("<IQ", start, size))

    directory = (entry("Root Entry", 5, nostream, nostream, 1, end, 0)
                 + entry("EncryptionInfo", 2, nostream, 2, nostream, 2, len(info))
                 + entry("EncryptedPackage", 2, nostream, nostream, nostream, 2 + n_info, len(payload))
                 + entry("", 0, nostream, nostream, nostream, 0, 0))
    header = (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<I", 0) + struct.pack("<I", free) * 108)
    return header + struct.pack("<128I", *fat) + directory + info + payload


# ---------------------------------------------------------------- good returns (some carrying hostile text)

def _names() -> tuple[str, str]:
    """A legal 250-byte name, and a 205-byte one whose "extension" is 200 characters."""
    stem = "东关街道网格化管理服务中心二〇二三年六月份12345热线办理情况月报表（第二次修改稿）"
    stem = (stem * 3)[:80]
    while len((stem + ".xlsx").encode()) > 250:
        stem = stem[:-1]
    long_name = stem + "_" * (250 - len((stem + ".xlsx").encode())) + ".xlsx"
    odd = "zb07." + "xlsx" + "_" * 196
    assert len(long_name.encode()) == 250 and len(odd.encode()) == 205 and len(odd.split(".", 1)[1]) == 200
    return long_name, odd


def build(seed: int = 20230706) -> HostileInbox:
    cat = load_catalogue()
    truth = _truth(cat, random.Random(seed))
    org_name = dict(ORGS)
    figures: dict[tuple[str, str, str], Figure] = {}
    sources: dict[tuple[str, str], str] = {}
    entries: list[Entry] = []
    tags: set[str] = set()

    def indicator(name: str, org: str, code: str, st: Style, expect: str = "accepted", what: str = "正常报表",
                  texts: dict[str, str] | None = None, rule: str | None = None, **kw) -> Entry:
        figs = dict(truth[(org, code, JUNE)])
        for c, t in (texts or {}).items():
            figs[c] = Figure(text=t)
        page, _, written = indicator_page(cat.forms[code], org_name[org], JUNE, figs, st, tags, **kw)
        data = write([page], st.writer)
        e = Entry(name, "file", expect, what, data, rule=rule)
        entries.append(e)
        if expect != "rejected":
            sources[(org, code)] = name
            figures.update({(org, code, c): f for c, f in written.items()})
        return e

    template, raw, xls = STYLES["template"], Style(writer="raw"), Style(writer="xlwt", sheet="Sheet1")
    long_name, odd_name = _names()
    # good returns under names built to break paths, archives and receipts
    indicator("zb01\x01.xlsx", "110199001", "ZB01", template, what="文件名含控制字符")
    indicator("zb01\n六月.xlsx", "110199002", "ZB01", template, what="文件名含换行")
    indicator("-zb01.xlsx", "110199101", "ZB01", template, what="文件名以减号开头")
    indicator(long_name, "110199001", "ZB05", template, what="250字节的文件名")
    indicator(odd_name, "110199002", "ZB07", template, expect="either", what="200个字符的“扩展名”")
    # good returns carrying text that must never run in an output
    indicator("东关街道农业农村办公室6月报表.xls", "110199002", "ZB04", xls, what="文字项为公式注入",
              texts={"T1": INJECTIONS[0]})
    indicator("西城镇城乡建设办公室6月报表.xls", "110199101", "ZB06", xls, what="文字项含脚本和控制字符",
              texts={"T1": SCRIPT, "T2": CONTROL, "T3": INJECTIONS[2], "T4": INJECTIONS[1]})
    indicator("示例街道退役军人服务站6月报表.xlsx", "110199001", "ZB09", raw, what="工作表名像公式", sheet=SHEET)
    indicator("东关街道社会事务办公室6月报表.xls", "110199002", "ZB08", xls, expect="rejected", what="数字格里有控制字符",
              rule="not_number", override={("01", "month"): "12\x01"})
    plain = {"110199101": ("ZB02", Style(writer="xlsxwriter")), "110199001": ("ZB11", template),
             "110199002": ("ZB12", raw)}
    for org, (code, st) in plain.items():
        indicator(f"{org_name[org]}{cat.forms[code].department}6月报表{'.xlsx'}", org, code, st)
    # ZB03: project names that are formulas, and a list with a project whose status is blank
    zb03 = cat.forms["ZB03"]
    injected = [Project(t, s, inv, "滨河路", "制造业", "示例街道经济发展办公室") for t, s, inv in zip(
        INJECTIONS, ("新开工", "续建", "签约", "储备"), (1200.5, 800.0, 3050.25, 660.0))]
    injected.append(Project("示例街道智能制造产业园项目", "续建", 45000.0))
    page, listed = project_page(zb03, org_name["110199001"], JUNE, injected, raw, tags)
    entries.append(Entry("示例街道经济发展办公室重点项目6月.xlsx", "file", "accepted", "项目名称为公式注入",
                         write([page], "raw")))
    no_status = [Project("东关街道物流园项目", "新开工", 5200.0), Project("东关街道老街改造项目", "", 3100.0)]
    page, _ = project_page(zb03, org_name["110199002"], JUNE, no_status, template, tags)
    entries.append(Entry("东关街道经济发展办公室重点项目6月.xlsx", "file", "rejected", "项目状态空白",
                         write([page], "openpyxl"), rule="project_status"))
    # files built to stop the run
    good = write([indicator_page(cat.forms["ZB09"], org_name["110199101"], JUNE, truth[("110199101", "ZB09", JUNE)],
                                 template, tags)[0]], "openpyxl")
    entries += [
        Entry("压缩炸弹.xlsx", "file", "rejected", "压缩炸弹（解压后1 GiB）", zip_bomb()),
        Entry("实体炸弹.xlsx", "file", "rejected", "XML实体炸弹", entity_bomb()),
        Entry("整表范围.xlsx", "file", "rejected", "声明范围A1:XFD1048576", huge_dimension()),
        Entry("末格.xlsx", "file", "rejected", "唯一的单元格在XFD1048576", last_cell_only()),
        Entry("大文件.xlsx", "file", "rejected", "50 MB的文件", fifty_megabytes()),
        Entry("截断.xlsx", "file", "rejected", "截断的文件", good[: len(good) // 2]),
        Entry("加密.xlsx", "file", "rejected", "加密的工作簿（OLE）", encrypted_ole()),
        Entry("目录.xlsx", "dir", "rejected", "名为.xlsx的文件夹"),
        Entry("链接.xlsx", "symlink", "rejected", "指向/etc/passwd的链接", target="/etc/passwd"),
        Entry("外部.xlsx", "symlink", "rejected", "指向收件箱外报表的链接", target="outside"),
        Entry("管道.xlsx", "fifo", "rejected", "命名管道"),
    ]
    outside = write([indicator_page(cat.forms["ZB10"], org_name["110199001"], JUNE,
                                    truth[("110199001", "ZB10", JUNE)], template, tags)[0]], "openpyxl")
    return HostileInbox(entries, figures, sources, {"110199001": listed}, outside)
