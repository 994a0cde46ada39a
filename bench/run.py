"""``make bench``: the issue's targets measured in one run, each beside its baseline.

For each N (default 50, 300 and 1,000 orgs) a district is cloned from the demo (bench/district.py) and measured:

- ``ingest`` of its half-year (every file new): wall, CPU, peak RSS of the largest process, each stage's share,
  returns/s; beside it the floor, a bare python-calamine read of the same files over as many processes as the
  ingest's readers;
- the June monthly ``run`` with every output, on a warehouse holding January to May: wall, each stage, and
  Prefect's share (the run's start-up and wind-down past what the plain ``ingest`` command needs). The runs use a
  Prefect server the bench starts for them, as the office's scheduled runs do (``statreturns serve`` needs one),
  and stops before anything else is measured (a served Prefect takes a seventh of a core of its own); what a run
  without a server pays for the throwaway server it then starts is measured once, on an empty inbox, beside it;
- at the largest N, the district's report (``report --org all``) built in process, median of three, and the
  ``backfill`` of a whole year into an empty warehouse (every file new, every 回执, every month's district report
  and December's report of every org, as ``backfill`` writes by default), on a district of the same N orgs built
  the same way from a year of sample returns (January to December: 145 files an org), measured, not extrapolated.

Once per run, the naive script (``pandas.read_excel`` per sheet, one ``INSERT`` per figure) on 500 of the files,
per file.

Writes ``bench/results.json`` and ``bench/results.md`` (the table the README shows). Times are ratios against
baselines measured in the same run, or wall times on the machine the run is on; nothing here is a test.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the bench's own modules, run as a script

import district  # noqa: E402
from measure import Measured, run  # noqa: E402

HERE = Path(__file__).resolve().parent
CLI = [sys.executable, "-m", "statreturns.flows.cli"]
SIZES = (50, 300, 1000)
NAIVE_FILES = 500
JUNE = "2023-06"
REPORT_ROUNDS = 3
YEAR_MONTHS = tuple(range(1, 13))  # the backfilled year
SERVER_START_S = 120  # a first start migrates Prefect's database
TARGETS = {"returns_per_s": 1000, "ratio_vs_naive": 10, "ratio_vs_floor": 3.0, "peak_rss_mb": 512,
           "monthly_run_s_300_orgs": 30, "monthly_run_s_1000_orgs": 90, "report_s_1000_orgs": 2.0,
           "backfill_year_s_1000_orgs": 300}


# ---------------------------------------------------------------- the commands, timed


def timed(args: list[str], timings: Path, env: dict[str, str]) -> tuple[Measured, dict[str, float]]:
    """Run a statreturns command with its stages noted; returns the measure and each stage's seconds."""
    timings.unlink(missing_ok=True)
    start = time.time()
    measured = run([*CLI, *args], env={**env, "STATRETURNS_TIMINGS": str(timings)})
    if measured.returncode:
        raise SystemExit(f"{' '.join(args)} 失败（退出码 {measured.returncode}）：\n{measured.output[-3000:]}")
    noted = timings.read_text(encoding="utf-8") if timings.exists() else ""
    return measured, stages(noted, start, start + measured.wall) if noted else {}


def stages(log: str, start: float, end: float) -> dict[str, float]:
    """Seconds spent in each stage, from the process's start (``启动``: imports, Prefect) to its exit (``退出``)."""
    marks = [(float(t), name) for t, name in (line.split("\t", 1) for line in log.splitlines())]
    marks = [(start, "启动"), *marks[1:-1], (marks[-1][0], "退出"), (end, "")]
    spent: dict[str, float] = {}
    for (t, name), (following, _) in zip(marks, marks[1:]):
        spent[name] = spent.get(name, 0.0) + max(0.0, following - t)
    return spent


def returns_in(warehouse: Path) -> int:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select count(*) from submissions where status <> 'duplicate'").fetchone()[0]


# ---------------------------------------------------------------- the floor and the naive script


def _bare(path: str) -> None:
    import python_calamine as pc

    try:
        book = pc.CalamineWorkbook.from_path(path)
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception:  # a file the demo makes unreadable on purpose: the floor reads what can be read
        pass


def floor_seconds(files: list[Path], processes: int) -> float:
    """A bare python-calamine read of every file, over ``processes`` processes: no locating, auditing or loading."""
    with mp.get_context("fork").Pool(processes) as pool:
        start = time.perf_counter()
        pool.map(_bare, [str(f) for f in files], chunksize=64)
        return time.perf_counter() - start


def naive_seconds_per_file(files: list[Path]) -> float:
    """What a first script does: every sheet through pandas.read_excel(openpyxl), one INSERT per number."""
    import duckdb
    import pandas as pd

    with tempfile.TemporaryDirectory() as tmp, duckdb.connect(str(Path(tmp) / "naive.duckdb")) as con:
        con.execute("create table figures (file varchar, sheet varchar, r integer, c integer, value double)")
        start = time.perf_counter()
        for path in files:
            try:
                sheets = pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl")
            except Exception:
                continue
            for sheet, frame in sheets.items():
                for (r, c), value in frame.stack().items():
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        con.execute("insert into figures values (?, ?, ?, ?, ?)", [path.name, sheet, r, c, value])
        return (time.perf_counter() - start) / len(files)


# ---------------------------------------------------------------- one district


def link_months(source: Path, target: Path, months: list[str]) -> None:
    """Hard links of the inbox's month folders: the same files, received again by another warehouse."""
    for m in months:
        for f in (source / m).iterdir():
            (target / m).mkdir(parents=True, exist_ok=True)
            os.link(f, target / m / f.name)


def measure_district(n: int, root: Path, env: dict[str, str], processes: int) -> dict:
    shutil.rmtree(root, ignore_errors=True)
    made = time.perf_counter()
    inbox, registry, files = district.build(n, root)
    built_s = time.perf_counter() - made
    every = sorted(p for p in inbox.rglob("*") if p.is_file())
    where = ["--registry", str(registry)]
    print(f"N={n}: {files} 个文件（生成 {built_s:.0f} 秒）", flush=True)

    full = root / "full"
    ingest, ingest_stages = timed(["ingest", str(inbox), "--warehouse", str(full / "w.duckdb"), "--archive",
                                   str(full / "archive"), *where], root / "ingest.timings", env)
    returns = returns_in(full / "w.duckdb")
    floor = floor_seconds(every, processes)
    print(f"  ingest {ingest.wall:.1f} s，{returns / ingest.wall:.0f} 份/秒，峰值内存 {ingest.peak_rss_mb:.0f} MB；"
          f"calamine 直读 {floor:.1f} s", flush=True)

    month = root / "month"
    months = sorted(p.name for p in inbox.iterdir())
    link_months(inbox, month / "inbox", [m for m in months if m < JUNE])
    base = ["--warehouse", str(month / "w.duckdb"), *where]
    preload, _ = timed(["ingest", str(month / "inbox"), "--period", "2023-05", "--archive", str(month / "archive"),
                        *base], root / "preload.timings", env)
    for m in months[:-1]:  # as the months before were run: their 回执 written, none owed to June's run
        timed(["feedback", "--period", m, "--out", str(month / "out"), *base], root / "preload.timings", env)
    link_months(inbox, month / "inbox", [JUNE])
    with prefect_server(root, env) as served:  # only while a run needs it: a served Prefect takes CPU of its own
        monthly, monthly_stages = timed(["run", "--period", JUNE, "--inbox", str(month / "inbox"), "--out",
                                         str(month / "out"), "--warehouse", str(month / "w.duckdb"), "--archive",
                                         str(month / "archive"), *where], root / "run.timings", served)
    june_files = sum(1 for _ in (inbox / JUNE).iterdir())
    prefect = max(0.0, monthly_stages.get("启动", 0) - ingest_stages.get("启动", 0)) + monthly_stages.get("退出", 0)
    print(f"  6月月度运行 {monthly.wall:.1f} s（{june_files} 个文件，Prefect 约 {prefect:.1f} s），"
          f"峰值内存 {monthly.peak_rss_mb:.0f} MB", flush=True)
    return {
        "orgs": n, "files": files, "returns": returns,
        "ingest": {"wall_s": ingest.wall, "cpu_s": ingest.cpu, "peak_rss_mb": ingest.peak_rss_mb,
                   "returns_per_s": returns / ingest.wall, "stages_s": ingest_stages},
        "floor_s": floor, "ratio_vs_floor": ingest.wall / floor,
        "monthly_run": {"files": june_files, "wall_s": monthly.wall, "cpu_s": monthly.cpu,
                        "peak_rss_mb": monthly.peak_rss_mb, "stages_s": monthly_stages, "prefect_s": prefect,
                        "preload_s": preload.wall},
        "naive_sample": [str(p) for p in every[:: max(1, len(every) // NAIVE_FILES)][:NAIVE_FILES]],
    }


def empty_run_seconds(work: Path, env: dict[str, str], name: str) -> float:
    """The June run of an empty inbox: what a run costs before it has anything to read."""
    shutil.rmtree(work / name, ignore_errors=True)
    (work / name / "inbox").mkdir(parents=True)
    measured, _ = timed(["run", "--period", JUNE, "--inbox", str(work / name / "inbox"), "--out",
                         str(work / name / "out"), "--warehouse", str(work / name / "w.duckdb")],
                        work / name / "timings", env)
    return measured.wall


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


@contextmanager
def prefect_server(work: Path, env: dict[str, str]):
    """A Prefect server on a free local port for the bench's runs; yields the environment that points at it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api"
    with open(work / "prefect-server.log", "w", encoding="utf-8") as log:
        server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                   "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + SERVER_START_S
            while not _healthy(url):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"Prefect 服务器未能启动，见 {work / 'prefect-server.log'}")
                time.sleep(0.5)
            yield {**env, "PREFECT_API_URL": url}
        finally:
            server.terminate()
            server.wait(timeout=60)


def report_all_seconds(root: Path, registry: Path) -> float:
    """The district's report (``report --org all``) built in process from the monthly warehouse, median of rounds."""
    from statreturns.reports.build import build_reports
    from statreturns.schemas.catalogue import load_catalogue
    from statreturns.warehouse.store import Warehouse

    cat = load_catalogue(registry.read_text(encoding="utf-8"))
    wh = Warehouse.at(root / "month" / "w.duckdb", archive=root / "month" / "archive")
    runs = []
    for _ in range(REPORT_ROUNDS):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            build_reports(wh, cat, dt.date(2023, 6, 1), ["all"], Path(out))
            runs.append(time.perf_counter() - start)
    return statistics.median(runs)


# ---------------------------------------------------------------- results


def backfill_year(n: int, work: Path, env: dict[str, str]) -> dict:
    """``backfill`` of a year of n orgs into an empty warehouse, as an office starting with the system would run it:
    every file received, each month scored, every file's 回执, every month's district report and December's of every
    org. The year's district is built for it and removed after."""
    root = work / f"d{n}-year"
    shutil.rmtree(root, ignore_errors=True)
    inbox, registry, files = district.build(n, root, YEAR_MONTHS)
    months = sorted(p.name for p in inbox.iterdir())
    with prefect_server(root, env) as served:
        measured, stages_s = timed(["backfill", "--start", months[0], "--end", months[-1], "--inbox", str(inbox),
                                    "--out", str(root / "out"), "--warehouse", str(root / "w.duckdb"), "--archive",
                                    str(root / "archive"), "--registry", str(registry)], root / "backfill.timings",
                                   served)
    returns = returns_in(root / "w.duckdb")
    shutil.rmtree(root, ignore_errors=True)
    print(f"  {months[0]} 至 {months[-1]} 补跑 {measured.wall:.1f} s（{files} 个文件，{returns} 份报表），"
          f"峰值内存 {measured.peak_rss_mb:.0f} MB", flush=True)
    return {"orgs": n, "months": len(months), "files": files, "returns": returns, "wall_s": measured.wall,
            "cpu_s": measured.cpu, "peak_rss_mb": measured.peak_rss_mb, "stages_s": stages_s}


def summary(sizes: list[dict], naive_s: float, report_s: float | None, startup: dict[str, float],
            backfill: dict | None = None) -> dict:
    big = sizes[-1]
    ours_per_file = big["ingest"]["wall_s"] / big["files"]
    by_n = {d["orgs"]: d for d in sizes}
    out = {
        "returns_per_s": big["ingest"]["returns_per_s"],
        "ratio_vs_naive": naive_s / ours_per_file,
        "ratio_vs_floor": big["ratio_vs_floor"],
        "peak_rss_mb": max([*(d[run]["peak_rss_mb"] for d in sizes for run in ("ingest", "monthly_run")),
                            *([backfill["peak_rss_mb"]] if backfill else [])]),
        "report_s_1000_orgs": report_s,
        "monthly_run_s_300_orgs": by_n[300]["monthly_run"]["wall_s"] if 300 in by_n else None,
        "monthly_run_s_1000_orgs": by_n[1000]["monthly_run"]["wall_s"] if 1000 in by_n else None,
        "backfill_year_s_1000_orgs": backfill["wall_s"] if backfill and backfill["orgs"] == 1000 else None,
        "backfill_year_is": "measured: a year (January to December) of the same N orgs, built like the half-year, "
                            "backfilled into an empty warehouse",
        "backfill_year": backfill,
        "empty_run_s": startup,
        "runs_use": "a Prefect server started by the bench (PREFECT_API_URL), as scheduled runs do",
        "naive_s_per_file": naive_s,
        "largest_n": big["orgs"],
        "measured_on": {"cpus": os.cpu_count(), "when": dt.datetime.now().isoformat(timespec="seconds")},
        "targets": TARGETS,
        "sizes": [{k: v for k, v in d.items() if k != "naive_sample"} for d in sizes],
    }
    return out


def table(r: dict) -> str:
    """The Markdown table of the README: per N, then the headline figures against their targets."""
    lines = ["| 单位数 N | 文件 | 报表 | 收表入库 | 份/秒 | calamine 直读 | 倍数 | 峰值内存 | 6月月度运行（含全部输出） | 其中 Prefect |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for d in r["sizes"]:
        i, m = d["ingest"], d["monthly_run"]
        lines.append(f"| {d['orgs']:,} | {d['files']:,} | {d['returns']:,} | {i['wall_s']:.1f} s | "
                     f"{i['returns_per_s']:,.0f} | {d['floor_s']:.1f} s | {d['ratio_vs_floor']:.2f}× | "
                     f"{max(i['peak_rss_mb'], m['peak_rss_mb']):.0f} MB | {m['wall_s']:.1f} s | {m['prefect_s']:.1f} s |")

    def shown(key: str, fmt: str, unit: str = "") -> str:
        value = r.get(key)
        return "未测" if value is None else format(value, fmt) + unit

    lines += ["", "| 指标 | 结果 | 目标 |", "|---|---:|---:|",
              f"| 收表速度（N = {r['largest_n']:,}） | {shown('returns_per_s', ',.0f', ' 份/秒')} | ≥ 1,000 份/秒 |",
              f"| 相对直读 calamine 的用时 | {shown('ratio_vs_floor', '.2f', '×')} | ≤ 3× |",
              f"| 相对朴素脚本（read_excel + 逐条 INSERT）的速度 | {shown('ratio_vs_naive', '.0f', '×')} | ≥ 10× |",
              f"| 峰值内存（任一进程） | {shown('peak_rss_mb', '.0f', ' MB')} | ≤ 512 MB |",
              f"| 300 个单位 6 月月度运行 | {shown('monthly_run_s_300_orgs', '.1f', ' s')} | < 30 s |",
              f"| 1,000 个单位 6 月月度运行 | {shown('monthly_run_s_1000_orgs', '.1f', ' s')} | < 90 s |",
              f"| 1,000 个单位的全区汇总表（report --org all） | {shown('report_s_1000_orgs', '.2f', ' s')} | < 2 s |",
              f"| 1,000 个单位一年补跑（实测，1—12 月） | {shown('backfill_year_s_1000_orgs', '.0f', ' s')} | < 300 s |"]
    empty = r["empty_run_s"]
    lines += ["", f"月度运行连接基准测试启动的 Prefect 服务器（定时运行同样需要服务器，见 statreturns serve）。"
                  f"未配置服务器时，每次运行先自行启动临时服务器：空收件箱的月度运行用时 {empty['without_server_s']:.1f} s，"
                  f"连接服务器时 {empty['with_server_s']:.1f} s。"]
    return "\n".join(lines) + "\n"


def write_results(results: dict, path: Path) -> str:
    """results.json and its Markdown table (results.md) beside it; returns the table."""
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    text = table(results)
    path.with_suffix(".md").write_text(text, encoding="utf-8")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="性能基准：按 N 个单位的模拟辖区测量收表、月度运行和汇总表")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="单位数，逗号分隔（默认 50,300,1000）")
    parser.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "statreturns-bench"), help="工作文件夹")
    parser.add_argument("--results", default=str(HERE / "results.json"))
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    work = Path(args.work)
    env = {**os.environ, "PREFECT_HOME": str(work / "prefect"), "CI": "true"}
    from statreturns.intake.workers import default_processes

    processes = default_processes()
    work.mkdir(parents=True, exist_ok=True)
    empty_run_seconds(work, env, "warm-up")  # Prefect's first-run set-up is not measured
    startup = {"without_server_s": empty_run_seconds(work, env, "empty")}
    with prefect_server(work, env) as served:
        startup["with_server_s"] = empty_run_seconds(work, served, "empty")
    print(f"空收件箱的月度运行：无 Prefect 服务器 {startup['without_server_s']:.1f} s，"
          f"有服务器 {startup['with_server_s']:.1f} s", flush=True)
    measured, naive = [], None
    for n in sizes:
        measured.append(measure_district(n, work / f"d{n}", env, processes))
        if naive is None:
            naive = naive_seconds_per_file([Path(p) for p in measured[0]["naive_sample"]])
            print(f"朴素脚本：每个文件 {naive * 1000:.0f} ms", flush=True)
        write_results(summary(measured, naive, None, startup), Path(args.results))  # kept if a larger N fails
    big = work / f"d{sizes[-1]}"
    report_s = report_all_seconds(big, big / "orgs.csv") if sizes[-1] == 1000 else None
    write_results(summary(measured, naive, report_s, startup), Path(args.results))
    backfill = backfill_year(sizes[-1], work, env)
    print(write_results(summary(measured, naive, report_s, startup, backfill), Path(args.results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
