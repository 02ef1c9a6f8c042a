"""The Qt adapter over the sync loop: snapshots from worker threads arrive on the UI thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

import pytest

from desktop.sync.errors import SyncError
from desktop.sync.loop import SyncStatus
from desktop.ui.sync_controller import SyncController
from desktop.ui.sync_session import build_session


class FakeLoop:
    """Reports statuses from a worker thread, as the real loop's threads do."""

    def __init__(self) -> None:
        self.on_status: Callable[[SyncStatus], None] | None = None
        self.started = False
        self.stopped = False
        self.nudges = 0
        self.local_writes = 0
        self._status = SyncStatus(pending_changes=3)

    def start(self) -> None:
        self.started = True

    def stop(self, timeout: float = 5.0) -> None:
        self.stopped = True

    def nudge(self) -> None:
        self.nudges += 1

    def local_write(self) -> None:
        self.local_writes += 1

    def status(self) -> SyncStatus:
        return self._status

    def report_from_thread(self, *statuses: SyncStatus) -> None:
        def run() -> None:
            for status in statuses:
                assert self.on_status is not None
                self.on_status(status)

        thread = threading.Thread(target=run)
        thread.start()
        thread.join()


def test_without_a_loop_the_controller_is_offline_and_sync_now_says_so(qapp):
    controller = SyncController()
    assert not controller.attached
    assert controller.status() is None
    assert controller.sync_now() is False


def test_statuses_from_the_loop_thread_become_signals_on_the_ui_thread(qtbot):
    loop = FakeLoop()
    controller = SyncController(loop=loop)
    assert loop.started and controller.pending_changes == 3
    seen_threads: set[int] = set()
    progress: list[tuple[int, int]] = []
    finished: list[SyncStatus] = []
    controller.state_changed.connect(lambda _s: seen_threads.add(threading.get_ident()))
    controller.progress.connect(lambda rows, total: progress.append((rows, total)))
    controller.sync_finished.connect(finished.append)

    running = SyncStatus(online=True, running=True, pending_changes=3)
    loop.report_from_thread(
        running,
        replace(running, pull_rows=500, pull_estimated=2000),
        replace(running, pull_rows=1000, pull_estimated=None),
        SyncStatus(online=True, running=False, pending_changes=0, last_sync_at="2026-11-23"),
    )
    qtbot.waitUntil(lambda: bool(finished), timeout=5000)
    assert seen_threads == {threading.get_ident()}
    assert progress == [(500, 2000), (1000, 0)]
    assert finished[0].pending_changes == 0
    status = controller.status()
    assert status is not None and status.last_sync_at == "2026-11-23"


def test_a_local_write_shows_the_new_count_and_asks_the_loop_to_push(qtbot):
    loop = FakeLoop()
    controller = SyncController(loop=loop)
    with qtbot.waitSignal(controller.state_changed) as blocker:
        controller.note_local_write(pending_changes=4)
    assert blocker.args[0].pending_changes == 4
    # A push only (one round trip), not the full cycle that "sync now" asks for.
    assert (loop.local_writes, loop.nudges) == (1, 0)
    assert controller.sync_now() is True
    assert (loop.local_writes, loop.nudges) == (1, 1)
    controller.stop()
    assert loop.stopped and not controller.attached


def test_a_local_write_before_sign_in_only_updates_the_count(qtbot):
    controller = SyncController()
    with qtbot.waitSignal(controller.pending_changed) as blocker:
        controller.note_local_write(pending_changes=2)
    assert blocker.args == [2] and controller.pending_changes == 2


def test_the_windows_session_is_the_one_sync_stack_with_the_ca_bundle(replica, tmp_path):
    bundle = tmp_path / "firm-ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    session = build_session(
        replica=replica,
        replica_path=None,
        server_url="https://crm.example.com",
        login="li",
        ca_bundle=str(bundle),
    )
    try:
        assert session.api.transport.config.ca_bundle == bundle
        assert session.loop.sync is session.engine
        hooks = (session.engine.after_sync, session.engine.before_wipe)
        assert [hook.__qualname__ for hook in hooks if hook is not None] == [
            "AuditUpload.after_sync",
            "AuditUpload.before_wipe",
        ]
    finally:
        session.api.transport.close()
    with pytest.raises(SyncError, match=r"sync\.ca_bundle"):
        build_session(
            replica=replica,
            replica_path=None,
            server_url="https://crm.example.com",
            login="li",
            ca_bundle=str(tmp_path / "missing.pem"),
        )
