"""The lease gate hides customer data once the lease expires and shows it again after a sync."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from desktop.operations.lease import OfflineLease
from desktop.ui.lease_lock import LeaseGate

SYNCED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


class Scenario:
    """The gate's inputs, changed by the test: clock, last successful sync, policy."""

    def __init__(self) -> None:
        self.now = SYNCED + timedelta(days=1)
        self.last_sync: datetime | None = SYNCED
        self.max_days: int | None = 3

    def lease(self) -> OfflineLease:
        return OfflineLease(
            last_sync_at=lambda: self.last_sync,
            max_offline_days=lambda: self.max_days,
            clock=lambda: self.now,
        )


def _gate(qtbot, scenario: Scenario) -> tuple[LeaseGate, QLabel]:
    content = QLabel("客户: 上海建工")
    gate = LeaseGate(lease=scenario.lease(), content=content)
    qtbot.addWidget(gate)
    return gate, content


def test_gate_locks_when_the_lease_runs_out_and_unlocks_after_a_sync(qtbot):
    scenario = Scenario()
    gate, content = _gate(qtbot, scenario)
    assert not gate.is_locked
    assert content.isVisibleTo(gate)

    scenario.now = SYNCED + timedelta(days=4)
    with qtbot.waitSignal(gate.locked) as locked:
        gate.refresh()
    assert gate.is_locked
    assert not content.isVisibleTo(gate)  # swapped out, not covered
    assert not content.isEnabled()
    assert "locked" in locked.args[0]
    assert "allows 3" in gate.lock_screen.message.text()
    assert gate.lock_screen.isVisibleTo(gate)

    scenario.last_sync = scenario.now  # the sync succeeded
    with qtbot.waitSignal(gate.unlocked):
        gate.refresh()
    assert not gate.is_locked
    assert content.isVisibleTo(gate) and content.isEnabled()


def test_a_failed_sync_leaves_the_gate_locked(qtbot):
    scenario = Scenario()
    scenario.now = SYNCED + timedelta(days=10)
    gate, content = _gate(qtbot, scenario)
    assert gate.is_locked
    with qtbot.assertNotEmitted(gate.unlocked):
        gate.refresh()  # nothing changed: the last successful sync is still old
    assert gate.is_locked and not content.isVisibleTo(gate)


def test_lock_screen_buttons_ask_for_sign_in_and_sync(qtbot):
    scenario = Scenario()
    scenario.now = SYNCED + timedelta(days=10)
    gate, _content = _gate(qtbot, scenario)
    with qtbot.waitSignal(gate.lock_screen.sync_requested):
        qtbot.mouseClick(gate.lock_screen.sync_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(gate.lock_screen.sign_in_requested):
        qtbot.mouseClick(gate.lock_screen.sign_in_button, Qt.MouseButton.LeftButton)
    gate.set_sync_running(True)
    assert not gate.lock_screen.sync_button.isEnabled()
    gate.set_sync_running(False)
    assert gate.lock_screen.sync_button.isEnabled()


def test_gate_warns_before_the_lock(qtbot):
    scenario = Scenario()
    gate, _content = _gate(qtbot, scenario)
    scenario.now = SYNCED + timedelta(days=2, hours=12)
    with qtbot.waitSignal(gate.expiring) as warning:
        gate.refresh()
    assert "Sync soon" in warning.args[0]
    assert not gate.is_locked


def test_timer_rechecks_the_lease_without_any_sync(qtbot):
    scenario = Scenario()
    content = QLabel("data")
    gate = LeaseGate(lease=scenario.lease(), content=content, recheck_interval_ms=20)
    qtbot.addWidget(gate)
    scenario.now = SYNCED + timedelta(days=30)
    with qtbot.waitSignal(gate.locked, timeout=2000):
        pass
    assert gate.is_locked


def test_a_finished_sync_signal_can_drive_the_gate(qtbot, tmp_path):
    from desktop.ui.sync_controller import SyncController

    scenario = Scenario()
    scenario.now = SYNCED + timedelta(days=10)
    gate, _content = _gate(qtbot, scenario)
    controller = SyncController()
    try:
        controller.sync_finished.connect(gate.refresh)
        scenario.last_sync = scenario.now
        with qtbot.waitSignal(gate.unlocked):
            controller.sync_finished.emit(None)
    finally:
        controller.stop()
    assert not gate.is_locked
