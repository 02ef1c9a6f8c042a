"""The replica's lease inputs are read in one place: the stricter allowance, clear damage."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from desktop.operations.lease import LeaseState, LockReason
from desktop.sync import state
from desktop.sync.lease_source import DamagedSyncState, replica_lease, replica_lease_status

SYNCED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _at(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def test_the_server_allowance_is_stricter_than_the_machine_one(replica: Engine) -> None:
    state.put(replica, last_sync_at="2026-11-01T09:00:00Z", max_offline_days=5)
    status = replica_lease_status(
        replica, machine_max_offline_days=lambda: 30, clock=_at(SYNCED + timedelta(days=6))
    )
    assert status.state is LeaseState.LOCKED and status.reason is LockReason.EXPIRED
    assert status.max_offline_days == 5 and "allows 5" in status.message


def test_the_machine_allowance_is_stricter_than_the_server_one(replica: Engine) -> None:
    state.put(replica, last_sync_at="2026-11-01T09:00:00Z", max_offline_days=30)
    status = replica_lease_status(
        replica, machine_max_offline_days=lambda: 3, clock=_at(SYNCED + timedelta(days=4))
    )
    assert status.locked and status.max_offline_days == 3


def test_no_limit_from_the_server_leaves_the_machine_limit(replica: Engine) -> None:
    state.put(replica, last_sync_at="2026-11-01T09:00:00Z", max_offline_days=0)
    lease = replica_lease(
        replica, machine_max_offline_days=lambda: 10, clock=_at(SYNCED + timedelta(days=4))
    )
    assert lease.status().state is LeaseState.OPEN
    assert lease.status().max_offline_days == 10


def test_the_lease_rereads_the_replica_so_a_sync_unlocks_it(replica: Engine) -> None:
    state.put(replica, last_sync_at="2026-11-01T09:00:00Z", max_offline_days=7)
    lease = replica_lease(
        replica, machine_max_offline_days=lambda: None, clock=_at(SYNCED + timedelta(days=8))
    )
    assert lease.status().locked
    state.put(replica, last_sync_at="2026-11-09T08:00:00Z")  # what a successful sync records
    assert lease.status().state is LeaseState.OPEN


def test_never_synced_is_open(replica: Engine) -> None:
    status = replica_lease_status(replica, machine_max_offline_days=lambda: 1)
    assert status.state is LeaseState.OPEN and status.last_sync_at is None


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"last_sync_at": "yesterday", "max_offline_days": 7}, "'yesterday' is not a valid time"),
        ({"last_sync_at": "2026-11-01T09:00:00Z", "max_offline_days": "a week"}, "'a week'"),
    ],
)
def test_damaged_sync_state_is_named(
    replica: Engine, values: dict[str, object], words: str
) -> None:
    state.put(replica, **values)
    with pytest.raises(DamagedSyncState, match=words):
        replica_lease_status(replica, machine_max_offline_days=lambda: 30)
