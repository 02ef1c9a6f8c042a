"""The offline lease: a laptop that has not synced for too long locks its local copy.

The firm (IT, through the machine-wide setting `policy.max_offline_days`) decides how long a copy
of its customer file may live on a laptop without checking in. Past that, counted from the last
*successful* sync, the app hides customer data behind a lock screen until a sync succeeds again.
That is what makes deactivation effective for a laptop that never comes back online: its copy
stops being readable after the allowance, even if it is never wiped.

Everything here is plain computation over values the caller supplies (the last successful sync
time, the policy, the clock), so the lock can be tested with an injected clock and the decision is
made in exactly one place. Qt-free.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

# The clock may drift (or be corrected by NTP) a little without locking anybody out.
CLOCK_TOLERANCE = timedelta(hours=24)
# From this many days before the lock, the app warns so the person can sync in time.
WARN_BEFORE = timedelta(days=2)


class LeaseState(StrEnum):
    OPEN = "open"  # no allowance set, or well within it
    EXPIRING = "expiring"  # still open, but the lock comes within WARN_BEFORE
    LOCKED = "locked"


class LockReason(StrEnum):
    EXPIRED = "expired"  # no successful sync for longer than the allowance
    CLOCK_BEHIND = "clock_behind"  # the clock reads earlier than the last sync: set back?


@dataclass(frozen=True)
class LeaseStatus:
    state: LeaseState
    reason: LockReason | None
    last_sync_at: datetime | None
    max_offline_days: int | None
    locks_at: datetime | None  # None when no allowance applies
    message: str

    @property
    def locked(self) -> bool:
        return self.state is LeaseState.LOCKED


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _days(delta: timedelta) -> int:
    return max(0, delta.days)


def evaluate_lease(
    *, last_sync_at: datetime | None, max_offline_days: int | None, now: datetime
) -> LeaseStatus:
    """Decide whether the local copy is open, about to lock, or locked.

    - No allowance (None or 0 days means the firm set none): always open.
    - Never synced: open. A replica is created by signing in online, and one that has never
      synced holds only what was typed on this laptop, which the person may keep working on.
    - A clock that reads more than CLOCK_TOLERANCE before the last sync locks too: otherwise
      setting the clock back would extend the lease for ever.
    """
    if max_offline_days is not None and max_offline_days < 0:
        raise ValueError(f"policy.max_offline_days must be 0 or more, not {max_offline_days}.")
    if not max_offline_days or last_sync_at is None:
        return LeaseStatus(
            LeaseState.OPEN, None, last_sync_at, max_offline_days, None, "No offline limit applies."
        )
    now = _aware(now)
    last = _aware(last_sync_at)
    locks_at = last + timedelta(days=max_offline_days)

    def status(state: LeaseState, reason: LockReason | None, message: str) -> LeaseStatus:
        return LeaseStatus(state, reason, last, max_offline_days, locks_at, message)

    if now < last - CLOCK_TOLERANCE:
        return status(
            LeaseState.LOCKED,
            LockReason.CLOCK_BEHIND,
            f"This computer's clock reads {now:%Y-%m-%d}, before the last sync on "
            f"{last:%Y-%m-%d}. Correct the clock, then sign in and sync to unlock.",
        )
    if now >= locks_at:
        return status(
            LeaseState.LOCKED,
            LockReason.EXPIRED,
            f"Customer data is locked: this computer has not synced for {_days(now - last)} "
            f"days (your firm allows {max_offline_days}). Connect to the network and sync "
            "to unlock it; nothing you recorded is lost.",
        )
    if locks_at - now <= WARN_BEFORE:
        hours = int((locks_at - now).total_seconds() // 3600)
        return status(
            LeaseState.EXPIRING,
            None,
            f"Sync soon: customer data locks in {hours} hours (on {locks_at:%Y-%m-%d %H:%M} "
            f"UTC) unless this computer syncs.",
        )
    return status(
        LeaseState.OPEN,
        None,
        f"Last synced {last:%Y-%m-%d %H:%M} UTC; locks after {max_offline_days} days offline.",
    )


def parse_sync_time(text: str | None) -> datetime | None:
    """The replica's ISO UTC text ("2026-11-23T09:30:00Z") as an aware datetime."""
    if not text:
        return None
    try:
        return _aware(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError as error:
        raise ValueError(f"The stored last sync time {text!r} is not a valid time.") from error


def strictest_allowance(*days: int | None) -> int | None:
    """The shortest of several allowances (this machine's setting, the server's policy);
    None or 0 means "no limit" and never wins over a real limit."""
    limits = [value for value in days if value]
    return min(limits) if limits else None


def utc_clock() -> datetime:
    return datetime.now(UTC)


class OfflineLease:
    """The lease of one replica, re-evaluated on demand (after every sync, and on a timer).

    Built at the composition root with the sources of its three inputs, e.g.
    `OfflineLease(last_sync_at=sync_engine.last_sync_at,
                  max_offline_days=lambda: settings.value("policy.max_offline_days"))`.
    """

    def __init__(
        self,
        *,
        last_sync_at: Callable[[], datetime | None],
        max_offline_days: Callable[[], int | None],
        clock: Callable[[], datetime] = utc_clock,
    ) -> None:
        self._last_sync_at = last_sync_at
        self._max_offline_days = max_offline_days
        self._clock = clock

    def status(self) -> LeaseStatus:
        return evaluate_lease(
            last_sync_at=self._last_sync_at(),
            max_offline_days=self._max_offline_days(),
            now=self._clock(),
        )
