"""The background loop against the real server: a colleague's change arrives by long-poll (the
timer alone would take an hour here), a local write is pushed at once after a nudge, and the
status snapshot tells the UI what it needs."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from desktop.sync.inbox import SyncInbox
from desktop.sync.loop import Backoff, SyncLoop, SyncStatus
from tests.integration.conftest import Desk, DeskFactory, Firm, sqlite_server


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Firm]:
    with sqlite_server(tmp_path_factory) as running:
        yield running


def _loop(desk: Desk, statuses: list[SyncStatus] | None = None) -> SyncLoop:
    return SyncLoop(
        sync=desk.sync_engine,
        inbox=SyncInbox(engine=desk.engine),
        on_status=statuses.append if statuses is not None else None,
        interval_seconds=3600,  # only the long-poll and nudges can explain a quick arrival
        long_poll_seconds=2,
        backoff=Backoff(base_seconds=0.05, max_seconds=0.5),
    )


def _wait_until(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.01)
    return False


def test_long_poll_brings_a_colleagues_change_and_a_local_write_is_pushed_at_once(
    firm: Firm, desks: DeskFactory
) -> None:
    login = firm.add_user("loop")
    watcher, colleague = desks(login, name="watcher"), desks(login, name="colleague")
    statuses: list[SyncStatus] = []
    loop = _loop(watcher, statuses)
    loop.start()
    try:
        assert loop.wait_for_cycles(1, timeout=20)
        time.sleep(0.2)  # the listener is now waiting on the server
        customer_id = colleague.add_customer("长轮询公司")
        colleague.sync()
        assert _wait_until(lambda: watcher.row("customer", customer_id) is not None, 10)
        assert loop.cycles == 1  # the listener brought it, not another cycle

        note = watcher.add_activity(customer_id, "pushed right away")
        loop.local_write()
        assert loop.wait_for_cycles(2, timeout=20)
        colleague.sync()
        assert colleague.row("activity", note) is not None
        status = loop.status()
        assert status.online and status.pending_changes == 0 and status.last_error is None
        assert status.last_sync_at is not None and status.account_state == "active"
        assert status.credential_storage == "keyring"
        assert any(s.running for s in statuses) and not status.running
    finally:
        loop.stop()


def test_offline_then_back_online_without_local_writes(firm: Firm, desks: DeskFactory) -> None:
    """The retry timer keeps going after network errors; the snapshot says offline meanwhile."""
    login = firm.add_user("flaky")
    desk = desks(login)
    desk.add_customer("Waiting to go up")
    faults = desk.faults
    assert hasattr(faults, "add")
    from desktop.sync.faults import FaultKind

    faults.add("/sync/hello", FaultKind.DROP_REQUEST, times=4)
    seen_offline = threading.Event()
    loop = _loop(desk)
    loop.on_status = lambda status: (
        seen_offline.set() if status.last_error and not status.online else None
    )
    loop.start()
    try:
        assert seen_offline.wait(10)
        assert _wait_until(lambda: desk.pending() == 0, 15)
        assert _wait_until(lambda: loop.status().online, 5)
        assert loop.status().consecutive_failures == 0
    finally:
        loop.stop()
