"""Where the offline lease of a replica gets its inputs: the one place that reads them.

The lease itself is plain computation (`desktop.operations.lease`). Its inputs live in two
places: this machine's allowance (the setting `policy.max_offline_days`, which the caller passes
in as a function so this module does not depend on how settings are stored) and what the sync
engine recorded in the replica (the server's allowance and the last successful sync). The app,
the export command and the record commands all build their lease here, so they cannot disagree
about whether the copy is locked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from desktop.operations.lease import (
    LeaseStatus,
    OfflineLease,
    parse_sync_time,
    strictest_allowance,
    utc_clock,
)
from desktop.sync import state


class DamagedSyncState(ValueError):
    """The replica's stored lease inputs cannot be read; the message says which and why."""


def _server_allowance(engine: Engine) -> int | None:
    text = state.get(engine, state.MAX_OFFLINE_DAYS)
    if not text:
        return None
    try:
        return int(text)
    except ValueError as error:
        raise DamagedSyncState(
            f"This copy's sync state is damaged: the server's offline allowance {text!r} is not "
            "a whole number. Sync again to replace it."
        ) from error


def _last_sync_at(engine: Engine) -> datetime | None:
    try:
        return parse_sync_time(state.get(engine, state.LAST_SYNC_AT))
    except ValueError as error:
        raise DamagedSyncState(f"This copy's sync state is damaged: {error}") from error


def replica_lease(
    engine: Engine,
    *,
    machine_max_offline_days: Callable[[], int | None],
    clock: Callable[[], datetime] = utc_clock,
) -> OfflineLease:
    """The lease of the replica behind `engine`, re-read from it every time it is evaluated.

    The allowance is the stricter of this machine's and the one the server last reported, so
    neither IT's machine setting nor the firm's server policy can be loosened by the other.
    """

    def max_offline_days() -> int | None:
        machine = machine_max_offline_days()
        return strictest_allowance(
            None if machine is None else int(machine), _server_allowance(engine)
        )

    return OfflineLease(
        last_sync_at=lambda: _last_sync_at(engine),
        max_offline_days=max_offline_days,
        clock=clock,
    )


def replica_lease_status(
    engine: Engine,
    *,
    machine_max_offline_days: Callable[[], int | None],
    clock: Callable[[], datetime] = utc_clock,
) -> LeaseStatus:
    """The lease as it stands now (for one-shot callers such as the command line)."""
    return replica_lease(
        engine, machine_max_offline_days=machine_max_offline_days, clock=clock
    ).status()
