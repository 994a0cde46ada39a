"""The worker pool's answer when a task fails: the item it was on is blamed and the rest is done; a task that fails
before its first item is given once more, and stops the command with its own error when it fails again; a map
left early leaves nothing behind for the next; maps from two threads each get their own results; a kind of pool
is one pool in a process."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from statreturns.intake.limits import DEFAULT_LIMITS
from statreturns.intake.workers import RAISED, READING, Pool, Reasons, TaskFailed, kept_pool

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
