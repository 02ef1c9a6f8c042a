"""The background task runner: work off the UI thread, callbacks back on it, nothing swallowed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial

import pytest
from PySide6.QtCore import QObject

from desktop.ui.task_runner import ProgressReport, TaskFailure, TaskProgress, TaskRunner


@pytest.fixture
def tasks(qapp) -> Iterator[TaskRunner]:
    runner = TaskRunner(network_workers=2)
    yield runner
    runner.shutdown()


def test_db_work_runs_off_the_ui_thread_and_the_result_arrives_on_it(qtbot, tasks):
    ui_thread = threading.get_ident()
    seen: dict[str, int] = {}

    def work() -> int:
        seen["worker"] = threading.get_ident()
        seen["is_db"] = int(tasks.is_db_thread())
        return 42

    results: list[int] = []

    def done(value: int) -> None:
        seen["callback"] = threading.get_ident()
        results.append(value)

    with qtbot.waitSignal(tasks.busy_changed, check_params_cb=lambda busy: not busy, timeout=5000):
        tasks.run_db(work, on_done=done)
    assert results == [42]
    assert seen["worker"] != ui_thread
    assert seen["is_db"] == 1
    assert seen["callback"] == ui_thread
    assert not tasks.is_db_thread()


def test_all_db_work_shares_one_thread_in_submission_order(qtbot, tasks):
    threads: list[int] = []
    order: list[int] = []

    def work(number: int) -> int:
        threads.append(threading.get_ident())
        return number

    for number in range(5):
        tasks.run_db(partial(work, number), on_done=order.append)
    qtbot.waitUntil(lambda: len(order) == 5, timeout=5000)
    assert order == [0, 1, 2, 3, 4]
    assert len(set(threads)) == 1


def test_network_work_does_not_wait_for_a_busy_database_thread(qtbot, tasks):
    release = threading.Event()
    finished: list[str] = []
    tasks.run_db(lambda: release.wait(5), on_done=lambda _: finished.append("db"))
    tasks.run_net(lambda: "net", on_done=finished.append)
    qtbot.waitUntil(lambda: finished == ["net"], timeout=5000)
    release.set()
    qtbot.waitUntil(lambda: finished == ["net", "db"], timeout=5000)


def test_an_error_reaches_on_error_on_the_ui_thread(qtbot, tasks):
    errors: list[BaseException] = []
    callback_threads: list[int] = []

    def fail() -> None:
        raise ValueError("no such customer")

    def on_error(error: BaseException) -> None:
        callback_threads.append(threading.get_ident())
        errors.append(error)

    tasks.run_db(fail, on_done=lambda _: None, on_error=on_error)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], ValueError)
    assert str(errors[0]) == "no such customer"
    assert callback_threads == [threading.get_ident()]


def test_an_error_without_a_handler_is_announced_not_swallowed(qtbot, tasks):
    def fail() -> None:
        raise RuntimeError("disk full")

    with qtbot.waitSignal(tasks.task_failed, timeout=5000) as blocker:
        tasks.run_db(fail, on_done=lambda _: None, description="save visit")
    failure = blocker.args[0]
    assert isinstance(failure, TaskFailure)
    assert failure.description == "save visit"
    assert str(failure.error) == "disk full"


def test_a_failing_on_done_callback_is_announced(qtbot, tasks):
    def broken(_: object) -> None:
        raise KeyError("bug in a slot")

    with qtbot.waitSignal(tasks.task_failed, timeout=5000) as blocker:
        tasks.run_db(lambda: 1, on_done=broken)
    assert isinstance(blocker.args[0].error, KeyError)


def test_progress_reports_arrive_in_order_on_the_ui_thread(qtbot, tasks):
    reports: list[TaskProgress] = []
    threads: set[int] = set()

    def work(report: ProgressReport) -> str:
        for step in range(1, 4):
            report(step, 3, f"page {step}")
        return "ok"

    def on_progress(progress: TaskProgress) -> None:
        threads.add(threading.get_ident())
        reports.append(progress)

    done: list[str] = []
    tasks.run_db(work, on_done=done.append, progress=on_progress)
    qtbot.waitUntil(lambda: done == ["ok"], timeout=5000)
    assert [r.done for r in reports] == [1, 2, 3]
    assert reports[-1].fraction == 1.0
    assert reports[0].message == "page 1"
    assert threads == {threading.get_ident()}
    assert TaskProgress(1, 0, "").fraction is None


def test_callbacks_of_a_deleted_owner_are_dropped(qtbot, tasks):
    owner = QObject()
    release = threading.Event()
    called: list[object] = []
    tasks.run_db(lambda: release.wait(5), on_done=called.append, owner=owner)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _alive(owner), timeout=5000)
    with qtbot.waitSignal(tasks.busy_changed, timeout=5000):
        release.set()
    assert called == []


def test_a_cancelled_task_does_not_call_back(qtbot, tasks):
    release = threading.Event()
    called: list[object] = []
    tasks.run_db(lambda: release.wait(5), on_done=lambda _: None)
    handle = tasks.run_db(lambda: "late", on_done=called.append)
    handle.cancel()
    assert handle.cancelled
    release.set()
    done: list[str] = []
    tasks.run_db(lambda: "after", on_done=done.append)
    qtbot.waitUntil(lambda: done == ["after"], timeout=5000)
    assert called == []


def test_shutdown_finishes_queued_writes_and_refuses_new_work(qapp):
    runner = TaskRunner(network_workers=1)
    written: list[int] = []

    def write(number: int) -> int:
        written.append(number)
        return number

    def ignore(_: int) -> None:
        pass

    for number in range(3):
        runner.run_db(partial(write, number), on_done=ignore)
    runner.shutdown(wait=True)
    assert written == [0, 1, 2]
    with pytest.raises(RuntimeError, match="shut down"):
        runner.run_db(lambda: None, on_done=lambda _: None)


def _alive(obj: QObject) -> bool:
    import shiboken6

    return bool(shiboken6.isValid(obj))
