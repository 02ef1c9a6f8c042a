"""Carrying queued export / print events (`desktop.operations.export`) to the server's audit log.

Two moments: after every successful sync cycle, and during a leaver's drain just before the local
copy is deleted (the last chance: after the wipe the events are gone with the replica).

After a cycle, a failed upload does not fail the sync: the customer data is already in step, the
events stay queued in the replica, and the next cycle tries again. It is logged, not hidden.

Before the wipe:
- a *retryable* failure (server unreachable, 5xx) raises, so the wipe waits for the next attempt.
  This cannot block the wipe for ever: the drain itself needs the same server (`/sync/drained`),
  and once the firm's drain window (`drain_days`) is over the server answers `wipe` to hello, and
  the engine wipes without another upload.
- a *permanent* refusal (4xx: the server will never accept these events) lets the wipe go ahead,
  logged as an error with the number of events lost: retrying could never succeed, and keeping a
  closed account's customer file on the laptop would be the worse outcome.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from desktop.operations.export import pending_audit_events
from desktop.sync.admin_client import AdminClient
from desktop.sync.api import ApiClient
from desktop.sync.errors import SyncError

log = logging.getLogger(__name__)


class AuditUpload:
    """The two hooks `SyncEngine` calls (`after_sync`, `before_wipe`) for one replica."""

    def __init__(self, *, api: ApiClient, engine: Engine) -> None:
        self._client = AdminClient(api=api)
        self._engine = engine

    def after_sync(self) -> None:
        if not pending_audit_events(self._engine):
            return  # the usual case: no extra round trip
        try:
            self._client.upload_audit_events(engine=self._engine)
        except SyncError as error:
            log.warning(
                "%d export/print events not uploaded yet (%s); the next sync retries",
                len(pending_audit_events(self._engine)),
                error.message,
            )

    def before_wipe(self) -> None:
        if not pending_audit_events(self._engine):
            return
        try:
            self._client.upload_audit_events(engine=self._engine)
        except SyncError as error:
            if error.retryable:
                raise  # the wipe waits; see the module docstring for why this ends
            log.error(
                "the server refused %d export/print events for good (%s); the local copy is "
                "deleted anyway",
                len(pending_audit_events(self._engine)),
                error.message,
            )
