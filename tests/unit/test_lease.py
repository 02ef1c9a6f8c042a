"""The offline lease locks past the firm's allowance and unlocks after a successful sync."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from desktop.operations.lease import (
    LeaseState,
    LockReason,
    OfflineLease,
    evaluate_lease,
    parse_sync_time,
    strictest_allowance,
)

SYNCED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_within_the_allowance_the_copy_is_open():
    status = evaluate_lease(last_sync_at=SYNCED, max_offline_days=7, now=SYNCED + timedelta(days=3))
    assert status.state is LeaseState.OPEN
    assert not status.locked
    assert status.locks_at == SYNCED + timedelta(days=7)


def test_the_last_two_days_warn_before_locking():
    status = evaluate_lease(last_sync_at=SYNCED, max_offline_days=7, now=SYNCED + timedelta(days=6))
    assert status.state is LeaseState.EXPIRING
    assert "24 hours" in status.message


def test_past_the_allowance_the_copy_locks_with_a_clear_message():
    status = evaluate_lease(
        last_sync_at=SYNCED, max_offline_days=7, now=SYNCED + timedelta(days=7, seconds=1)
    )
    assert status.locked
    assert status.reason is LockReason.EXPIRED
    assert "7 days" in status.message and "allows 7" in status.message
    assert "sync" in status.message


def test_no_policy_or_never_synced_never_locks():
    far = SYNCED + timedelta(days=400)
    assert not evaluate_lease(last_sync_at=SYNCED, max_offline_days=None, now=far).locked
    assert not evaluate_lease(last_sync_at=SYNCED, max_offline_days=0, now=far).locked
    assert not evaluate_lease(last_sync_at=None, max_offline_days=7, now=far).locked


def test_setting_the_clock_back_does_not_extend_the_lease():
    status = evaluate_lease(last_sync_at=SYNCED, max_offline_days=7, now=SYNCED - timedelta(days=3))
    assert status.locked
    assert status.reason is LockReason.CLOCK_BEHIND
    # A small drift (an NTP correction) is tolerated.
    assert not evaluate_lease(
        last_sync_at=SYNCED, max_offline_days=7, now=SYNCED - timedelta(hours=2)
    ).locked


def test_a_negative_allowance_is_refused():
    with pytest.raises(ValueError, match="max_offline_days"):
        evaluate_lease(last_sync_at=SYNCED, max_offline_days=-1, now=SYNCED)


def test_lease_locks_as_time_passes_and_unlocks_after_a_sync():
    clock = FakeClock(SYNCED)
    last_sync: list[datetime | None] = [SYNCED]
    policy: list[int | None] = [5]
    lease = OfflineLease(
        last_sync_at=lambda: last_sync[0], max_offline_days=lambda: policy[0], clock=clock
    )
    assert lease.status().state is LeaseState.OPEN
    clock.now = SYNCED + timedelta(days=5, minutes=1)
    assert lease.status().locked
    # IT relaxes the policy: the same copy opens again without a sync.
    policy[0] = 30
    assert not lease.status().locked
    policy[0] = 5
    assert lease.status().locked
    # A successful sync moves the last sync time: unlocked.
    last_sync[0] = clock.now
    assert lease.status().state is LeaseState.OPEN


def test_sync_times_are_read_from_the_replica_text_form():
    assert parse_sync_time("2026-11-01T09:00:00Z") == SYNCED
    assert parse_sync_time(None) is None
    with pytest.raises(ValueError, match="not a valid time"):
        parse_sync_time("yesterday")


def test_the_shortest_real_allowance_wins():
    assert strictest_allowance(30, 7) == 7
    assert strictest_allowance(0, 14) == 14
    assert strictest_allowance(None, 0) is None
