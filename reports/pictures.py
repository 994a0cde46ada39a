"""Outputs as they print: headless LibreOffice renders a workbook or document to PDF; poppler reads its pages.

``python -m statreturns.reports.pictures <report folder> <feedback folder> <docs/img>`` draws the README's pictures
(``make pictures``): the first page of a receipt with findings, of 汇总表.xlsx and of the draft.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import openpyxl

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
POPPLER = ("pdfinfo", "pdftotext", "pdftoppm")
# what LibreOffice needs to open each kind of file (Debian splits it into libreoffice-calc/-writer packages)
COMPONENTS = {"xlsx": "libsclo.so", "docx": "libswlo.so"}
TIMEOUT_S = 600
# file name in docs/img -> (the copy's stem, the share of the first page's height shown from the top)
PICTURES = {"receipt.png": ("回执", 0.4), "tables.png": ("汇总表", 1.0), "draft.png": ("总结初稿", 1.0)}
DPI = 80
_SIZE = re.compile(r"^Page\s+(\d+) size:\s+([\d.]+) x ([\d.]+) pts", re.M)
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def missing_tools(*kinds: str) -> str | None:
    """Why these kinds of files (xlsx, docx) cannot be rendered here, or None when they can."""
    if SOFFICE is None:
        return "LibreOffice（soffice）未安装：.ci/run 安装 libreoffice-calc-nogui 和 libreoffice-writer-nogui"
    program = Path(SOFFICE).resolve().parent
    for kind in kinds:
        if not (program / COMPONENTS[kind]).exists():
            return f"LibreOffice 缺少打开 {kind} 的组件（{COMPONENTS[kind]}）"
    absent = [tool for tool in POPPLER if shutil.which(tool) is None]
    return f"poppler-utils 未安装（缺 {'、'.join(absent)}）" if absent else None


def to_pdf(paths: list[Path], folder: Path) -> list[Path]:
    """Each file as LibreOffice prints it, ``folder/<stem>.pdf``, in one LibreOffice run with its own profile."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([SOFFICE, "--headless", "--norestore", f"-env:UserInstallation={Path(profile).as_uri()}",
                        "--convert-to", "pdf", "--outdir", str(folder), *map(str, paths)],
                       check=True, capture_output=True, timeout=TIMEOUT_S)
    pdfs = [folder / f"{p.stem}.pdf" for p in paths]
    absent = [p.name for p in pdfs if not p.exists()]
    if absent:
        raise RuntimeError(f"LibreOffice 未能生成：{'、'.join(absent)}")
    return pdfs


@dataclass(frozen=True)
class Page:
    """A printed page: its size in points and its text in the order it was drawn."""

    number: int
    width: float
    height: float
    text: str

    @property
    def landscape(self) -> bool:
        return self.width > self.height


def pages(pdf: Path) -> list[Page]:
    """Every page of ``pdf``."""
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "100000", str(pdf)], check=True, capture_output=True, text=True)
    sizes = [(int(n), float(w), float(h)) for n, w, h in _SIZE.findall(info.stdout)]
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    texts = text.split("\f")
    return [Page(n, w, h, texts[n - 1] if n <= len(texts) else "") for n, w, h in sizes]


def words(pdf: Path, page: int) -> list[tuple[float, float, float, float, str]]:
    """The words of one page with their boxes (xMin, yMin, xMax, yMax in points from the top left)."""
    html = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          check=True, capture_output=True, text=True).stdout
    return [(float(a), float(b), float(c), float(d), unescape(w)) for a, b, c, d, w in _WORD.findall(html)]


def png(pdf: Path, page: int, target: Path, dpi: int = DPI, share: float = 1.0) -> Path:
    """One page drawn as ``target`` (.png); ``share`` < 1 keeps only that part of it from the top."""
    crop = []
    if share < 1:
        sheet = next(p for p in pages(pdf) if p.number == page)
        crop = ["-x", "0", "-y", "0", "-W", str(round(sheet.width / 72 * dpi)),
                "-H", str(round(sheet.height / 72 * dpi * share))]
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), *crop, "-singlefile",
                    str(pdf), str(target.with_suffix(""))], check=True, capture_output=True, timeout=TIMEOUT_S)
    return target


def busiest_receipt(folder: Path) -> Path:
    """The receipt with the most rows on its 审核结果 sheet (the most findings)."""
    def rows(path: Path) -> int:
        return openpyxl.load_workbook(path, read_only=True).worksheets[0].max_row

    return max(sorted(folder.glob("*.xlsx")), key=rows)


def draw(report: Path, feedback: Path, target: Path) -> list[Path]:
    """The README's pictures: the first page of a receipt, of 汇总表.xlsx and of the draft, as PNG in ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    sources = [busiest_receipt(feedback), report / "汇总表.xlsx", report / "总结初稿.docx"]
    with tempfile.TemporaryDirectory() as tmp:
        copies = []
        for source, (stem, _) in zip(sources, PICTURES.values()):
            copies.append(Path(tmp) / f"{stem}{source.suffix}")
            shutil.copy(source, copies[-1])
        pdfs = to_pdf(copies, Path(tmp) / "pdf")
        return [png(pdf, 1, target / name, share=share) for pdf, (name, (_, share)) in zip(pdfs, PICTURES.items())]


if __name__ == "__main__":
    reason = missing_tools("xlsx", "docx")
    if reason:
        sys.exit(reason)
    for path in draw(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])):
        print(path)
