"""The offline lease at the command line: the same lock as the app's, worded for a terminal.

A copy that has not synced for longer than the firm allows must not show customer data in a
terminal either, or the lock screen would be one `fieldbook customer list` away from useless.
Writes stay allowed (a note typed offline is never lost); only commands that show data ask here.
"""

from __future__ import annotations

from sqlalchemy import Engine

from desktop.cli.errors import CliError
from desktop.operations.lease import LeaseStatus
from desktop.settings import Settings
from desktop.sync.lease_source import DamagedSyncState, replica_lease_status


def offline_lease(engine: Engine, *, settings: Settings) -> LeaseStatus:
    """The lease of this copy as the app computes it (see `desktop.sync.lease_source`)."""
    try:
        return replica_lease_status(
            engine, machine_max_offline_days=lambda: settings.get("policy.max_offline_days")
        )
    except DamagedSyncState as error:
        raise CliError(str(error)) from error


def refuse_while_locked(engine: Engine, *, settings: Settings) -> None:
    """Raise CliError with the lock's own explanation when the copy is locked."""
    lease = offline_lease(engine, settings=settings)
    if lease.locked:
        raise CliError(
            f"{lease.message} Run `fieldbook sync` (after `fieldbook login` if asked). "
            "Recording activities still works while the data is locked."
        )
