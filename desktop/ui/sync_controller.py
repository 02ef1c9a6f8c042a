"""Qt signals over the Qt-free sync loop (`desktop.sync.loop.SyncLoop`).

The loop calls `on_status(snapshot)` from its own threads. This adapter re-emits every snapshot
through a queued connection so screens only ever see it on the UI thread, and derives two easier
signals from consecutive snapshots: `progress` while a pull runs and `sync_finished` when a cycle
ends. Before sign-in (or in a replica without a server) there is no loop: the controller still
answers `pending_changes` (and `status()` is None), so the status bar shows "not signed in" with
the outbox count.

`desktop.sync.loop` is imported for type checking only: it pulls in the whole sync stack (HTTP
client, bulk apply, the pinyin tables of the search index), about a second of start-up that the
window does not need before the first sync begins.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Qt, Signal, Slot

if TYPE_CHECKING:
    from desktop.sync.loop import SyncStatus

log = logging.getLogger(__name__)


class SyncLoopLike(Protocol):
    """What the controller needs of `SyncLoop` (tests pass a small fake)."""

    on_status: Callable[[SyncStatus], None] | None

    def start(self) -> None: ...

    def stop(self, timeout: float = 5.0) -> None: ...

    def nudge(self) -> None: ...

    def local_write(self) -> None: ...

    def status(self) -> SyncStatus: ...


class SyncController(QObject):
    """The UI's handle on background sync; one per window, built at the composition root."""

    state_changed = Signal(object)  # SyncStatus, on the UI thread
    progress = Signal(int, int)  # rows pulled so far, estimated total (0 while unknown)
    sync_finished = Signal(object)  # SyncStatus at the end of a cycle (last_error set if failed)
    pending_changed = Signal(int)  # changes the server has not acknowledged yet
    _status_from_worker = Signal(object)

    def __init__(self, *, loop: SyncLoopLike | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._loop: SyncLoopLike | None = None
        self._status: SyncStatus | None = None  # None until a loop reports (not signed in)
        self._pending = 0
        self._status_from_worker.connect(self._on_loop_status, Qt.ConnectionType.QueuedConnection)
        if loop is not None:
            self.attach(loop)

    # --- control ----------------------------------------------------------------------------
    def attach(self, loop: SyncLoopLike) -> None:
        """Adopt a loop (after sign-in) and start it; the first cycle begins at once."""
        if self._loop is not None:
            self._loop.stop()
        self._loop = loop
        # Called on the loop's threads: only emit, the queued connection does the hand-over.
        loop.on_status = self._status_from_worker.emit
        self._adopt(loop.status())
        loop.start()

    @property
    def attached(self) -> bool:
        return self._loop is not None

    def sync_now(self) -> bool:
        """Ask for a cycle now; False when there is no server to sync with (not signed in)."""
        if self._loop is None:
            return False
        self._loop.nudge()
        return True

    def stop(self, *, timeout: float = 2.0) -> None:
        """Stop the loop. A cycle still running after `timeout` is left to finish on its own
        (its writes are transactions, so nothing is half-applied); a long-poll is abandoned."""
        if self._loop is not None:
            loop, self._loop = self._loop, None
            loop.on_status = None
            loop.stop(timeout)

    def note_local_write(self, *, pending_changes: int) -> None:
        """A screen saved something: show the new outbox count now and push without waiting.
        `local_write` (not `nudge`): while the long-poll listener runs, a push alone reaches
        colleagues in one round trip; a full cycle would add a hello and a pull."""
        if self._status is None:
            self._pending = pending_changes
            self.pending_changed.emit(pending_changes)
        else:
            self._adopt(replace(self._status, pending_changes=pending_changes))
        if self._loop is not None:
            self._loop.local_write()

    # --- state ------------------------------------------------------------------------------
    def status(self) -> SyncStatus | None:
        """The loop's last snapshot; None before sign-in (no loop has reported yet)."""
        return self._status

    @property
    def pending_changes(self) -> int:
        return self._pending if self._status is None else self._status.pending_changes

    @Slot(object)
    def _on_loop_status(self, status: SyncStatus) -> None:
        if self._loop is None:
            return  # a late report from a loop we already stopped
        self._adopt(status)

    def _adopt(self, status: SyncStatus) -> None:
        previous, self._status = self._status, status
        self.state_changed.emit(status)
        if previous is None or previous.pending_changes != status.pending_changes:
            self.pending_changed.emit(status.pending_changes)
        was_running = previous is not None and previous.running
        previous_rows = previous.pull_rows if previous is not None else 0
        if status.running and status.pull_rows != previous_rows:
            self.progress.emit(status.pull_rows, status.pull_estimated or 0)
        if was_running and not status.running:
            self.sync_finished.emit(status)
