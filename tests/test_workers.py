"""The worker pool's answer when a task fails: the item it was on is blamed and the rest is done; a task that fails
before its first item is given once more, and stops the command with its own error when it fails again; a map
left early leaves nothing behind for the next; maps from two threads each get their own results; a kind of pool
is one pool in a process, and its readers start with their first validation done. Work run apart answers as a call
would, carries none of its caller's imports, is not run again when it dies, and does not outlive its caller."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from statreturns.intake.limits import DEFAULT_LIMITS
from statreturns.intake.workers import RAISED, READING, Died, Pool, Reasons, TaskFailed, apart, kept_pool
from statreturns.warehouse.verify import AccountingBroken

THIS = "tests.test_workers"


def doubled_unless_seven(items: list[int], *, failed: dict[int, str], started) -> list:
    """Each item doubled; 7 raises while it is being worked on; items answered for already come back as their reason."""
    out = []
    for i, item in enumerate(items):
        if i in failed:
            out.append(failed[i])
            continue
        started(i)
        if item == 7:
            raise ValueError("七不能翻倍")
        out.append(item * 2)
    return out


def broken_before_any_item(items: list[int], *, failed: dict[int, str], started) -> list:
    """A task whose own set-up fails, whatever its items."""
    raise OSError("仓库文件打不开")


def broken_the_first_time(items: list[int], marker: str, *, failed: dict[int, str], started) -> list:
    """A task whose set-up fails once (the marker file is not there yet), then works."""
    if not Path(marker).exists():
        Path(marker).touch()
        raise OSError("仓库文件暂时打不开")
    return doubled_unless_seven(items, failed=failed, started=started)


def validation_ready(items: list, *, failed: dict[int, str], started) -> list[bool]:
    """Whether pandera's pandas backends are loaded in this worker before it has validated anything."""
    from pandera.backends.pandas.register import register_pandas_backends

    return [register_pandas_backends.cache_info().currsize > 0 for _ in items]


def counted(steps: int, *, watcher) -> dict:
    """Tells its watcher of each of its steps, and answers with what its own process is and carries."""
    watcher.files(steps)
    for _ in range(steps):
        watcher.advance(1)
    watcher.stage("数完了")
    return {"pid": os.getpid(), "prefect": "prefect" in sys.modules, "argv": sys.argv}


def accounts_broken(*, watcher):
    raise AccountingBroken(["文件 甲.xlsx 已收到，却没有任何状态"])


def raises_its_own_kind(*, watcher):
    class OnlyHere(Exception):
        """An exception no other process can make again."""

    raise OnlyHere("只在本进程里有的错误")


def dies(marker: str, *, watcher):
    with open(marker, "a", encoding="utf-8") as f:
        f.write("到此一次\n")
    os.kill(os.getpid(), signal.SIGKILL)


def waits(pid_file: str, *, watcher):
    """Writes where it runs, tells its watcher it waits, then waits for ever."""
    Path(pid_file).write_text(str(os.getpid()), encoding="utf-8")
    watcher.stage("等待")
    threading.Event().wait()


class Watcher:
    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        return lambda *args: self.calls.append((name, *args))


def gone(pid: int) -> bool:
    return not Path(f"/proc/{pid}").exists() or " Z " in Path(f"/proc/{pid}/stat").read_text()


@pytest.fixture(scope="module")
def pool():
    with Pool(processes=1) as p:
        yield p


def test_the_item_that_raised_is_answered_with_its_reason_and_the_others_are_done(pool, caplog):
    results = list(pool.map(f"{THIS}:doubled_unless_seven", [[1, 7, 3], [4]]))
    assert results == [[2, RAISED.format(error="ValueError: 七不能翻倍"), 6], [8]]
    [logged] = [r for r in caplog.records if r.name == "statreturns.intake.workers"]
    assert logged.levelname == "WARNING" and "Traceback" in logged.getMessage() and "七不能翻倍" in logged.getMessage()


def test_a_task_failing_before_its_first_item_is_given_once_more(pool, tmp_path, caplog):
    assert list(pool.map(f"{THIS}:broken_the_first_time", [[1, 2], [3]], str(tmp_path / "marker"))) == [[2, 4], [6]]
    assert caplog.text.count("OSError: 仓库文件暂时打不开") == 1


def test_a_task_failing_before_its_first_item_twice_stops_with_its_own_error(pool, caplog):
    with pytest.raises(TaskFailed, match="仓库文件打不开"):
        list(pool.map(f"{THIS}:broken_before_any_item", [[1, 2, 3]]))
    # given once more, not once for each of its items; and the pool still works after it
    assert caplog.text.count("OSError: 仓库文件打不开") == 2
    assert list(pool.map(f"{THIS}:doubled_unless_seven", [[5]])) == [[10]]


def test_a_map_left_early_leaves_nothing_behind_for_the_next(pool):
    first = pool.map(f"{THIS}:doubled_unless_seven", [[1], [2], [3]])
    assert next(first) == [2]
    first.close()  # its reader stops while the worker is on the next task
    assert list(pool.map(f"{THIS}:doubled_unless_seven", [[10], [20]])) == [[20], [40]]


def test_maps_from_two_threads_each_get_their_own_results(pool):
    got = {}

    def mapped(base: int) -> None:
        got[base] = list(pool.map(f"{THIS}:doubled_unless_seven", [[base + i] for i in range(5)]))

    threads = [threading.Thread(target=mapped, args=(base,), daemon=True) for base in (100, 1000)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)  # a bound, should the two ever wait on each other
    assert got == {base: [[2 * (base + i)] for i in range(5)] for base in (100, 1000)}


def test_a_kind_of_pool_is_one_pool_however_it_is_asked_for():
    """The file readers' pool is one (one lock serialises the portal's and a run's maps), whether its arguments are left
    out, named or given in full."""
    readers = kept_pool()
    assert kept_pool(limits=DEFAULT_LIMITS) is readers
    assert kept_pool(DEFAULT_LIMITS, list(READING), Reasons()) is readers
    assert list(readers.map(f"{THIS}:doubled_unless_seven", [[1, 2]])) == [[2, 4]]


def test_a_reader_starts_with_pandera_ready_to_validate():
    # in a process of its own: the forkserver this one runs may have been started for another kind of worker
    script = ("from statreturns.intake.workers import kept_pool\n"
              "print(list(kept_pool().map('tests.test_workers:validation_ready', [[1], [2]])))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.stdout.strip() == "[[True], [True]]", done.stderr


def test_work_run_apart_answers_here_tells_its_watcher_here_and_carries_none_of_this_process_s_imports():
    import prefect  # noqa: F401 - what a flow's process carries, and the work apart must not

    watcher = Watcher()
    answer = apart(f"{THIS}:counted", 3, watcher=watcher)
    assert watcher.calls == [("files", 3), ("advance", 1), ("advance", 1), ("advance", 1), ("stage", "数完了")]
    assert answer["pid"] != os.getpid() and answer["prefect"] is False
    assert answer["argv"] == sys.argv  # named as the command it works for


def test_an_error_apart_is_raised_here_as_itself_with_where_it_happened():
    with pytest.raises(AccountingBroken) as raised:
        apart(f"{THIS}:accounts_broken")
    assert raised.value.problems == ["文件 甲.xlsx 已收到，却没有任何状态"]
    assert str(raised.value) == "数据库账目不符：\n文件 甲.xlsx 已收到，却没有任何状态"
    assert "in accounts_broken" in "".join(raised.value.__notes__)
    with pytest.raises(RuntimeError, match="OnlyHere: 只在本进程里有的错误") as raised:
        apart(f"{THIS}:raises_its_own_kind")
    assert "in raises_its_own_kind" in "".join(raised.value.__notes__)


def test_work_apart_that_dies_is_named_in_the_caller_s_words_and_not_run_again(tmp_path):
    marker = tmp_path / "runs.txt"
    with pytest.raises(Died, match=r"^清点的进程中途终止（退出码 -9）$"):
        apart(f"{THIS}:dies", str(marker), died="清点的进程中途终止（退出码 {code}）")
    assert marker.read_text(encoding="utf-8") == "到此一次\n"


def test_work_apart_ends_when_its_caller_stops_waiting(tmp_path):
    pid_file = tmp_path / "pid"

    class Stop(Exception):
        pass

    class Impatient:
        def stage(self, text):
            raise Stop(text)

    with pytest.raises(Stop, match="等待"):
        apart(f"{THIS}:waits", str(pid_file), watcher=Impatient())
    assert gone(int(pid_file.read_text(encoding="utf-8")))


def test_work_apart_ends_when_its_caller_is_killed(tmp_path):
    pid_file = tmp_path / "pid"
    caller = subprocess.Popen([sys.executable, "-c", "import sys; from statreturns.intake.workers import apart; "
                               f"apart('{THIS}:waits', sys.argv[1])", str(pid_file)],
                              cwd=Path(__file__).resolve().parent.parent)
    deadline = time.monotonic() + 60
    while not (pid_file.exists() and pid_file.read_text(encoding="utf-8")) and time.monotonic() < deadline:
        time.sleep(0.1)  # the caller's start and the work's
    pid = int(pid_file.read_text(encoding="utf-8"))
    caller.kill()
    caller.wait()
    deadline = time.monotonic() + 30  # its pipe reads end-of-file at once; the bound is for a loaded machine
    while not gone(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert gone(pid)
