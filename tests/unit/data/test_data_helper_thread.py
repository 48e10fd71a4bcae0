"""The ingest's helper thread: tasks in submission order, errors raised by ``result``, fork-safe."""

from __future__ import annotations

import multiprocessing
import threading

import pytest

from vyapari.data.helper_thread import run_soon, stop_helper


def _thread_name() -> str:
    return threading.current_thread().name


def test_tasks_run_off_the_calling_thread_in_submission_order() -> None:
    seen: list[int] = []
    futures = [run_soon(seen.append, i) for i in range(50)]
    for f in futures:
        f.result()
    assert seen == list(range(50))
    assert run_soon(_thread_name).result() != threading.current_thread().name


def test_a_task_error_is_raised_by_result_and_the_helper_keeps_working() -> None:
    failed = run_soon(int, "not a number")
    with pytest.raises(ValueError, match="not a number"):
        failed.result()
    assert run_soon(int, "7").result() == 7


def test_stopped_helper_finishes_its_tasks_and_starts_again_on_use() -> None:
    seen: list[int] = []
    pending = [run_soon(seen.append, i) for i in range(5)]
    stop_helper()
    assert all(f.done() for f in pending) and seen == list(range(5))
    assert run_soon(sum, [1, 2]).result() == 3


def _in_child(queue: multiprocessing.Queue) -> None:
    queue.put(run_soon(sum, [2, 3]).result(timeout=10))


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_a_forked_child_starts_its_own_helper() -> None:
    assert run_soon(sum, [1]).result() == 1  # the parent's helper exists when the child is forked
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_in_child, args=(queue,))
    child.start()
    child.join(timeout=30)
    assert child.exitcode == 0 and queue.get(timeout=5) == 5


def _inline_child(queue: multiprocessing.Queue) -> None:
    from vyapari.data.helper_thread import run_inline

    run_inline()
    seen: list[int] = []
    done = run_soon(seen.append, 1)
    failed = run_soon(int, "not a number")
    try:
        failed.result()
        error = ""
    except ValueError as exc:
        error = str(exc)
    queue.put((done.done() and seen == [1], run_soon(_thread_name).result(),
               threading.current_thread().name, "not a number" in error))


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_after_run_inline_a_process_runs_its_tasks_at_once_on_the_calling_thread() -> None:
    ctx = multiprocessing.get_context("fork")  # (in a child: this test process keeps its helper)
    queue = ctx.Queue()
    child = ctx.Process(target=_inline_child, args=(queue,))
    child.start()
    child.join(timeout=30)
    assert child.exitcode == 0
    ran_at_once, task_thread, caller_thread, error_kept = queue.get(timeout=5)
    assert ran_at_once and task_thread == caller_thread and error_kept
    assert run_soon(_thread_name).result() != threading.current_thread().name  # the parent: unchanged
