"""The one background task runner (after Anki's CollectionOp / QueryOp).

Database work runs on ONE worker thread, because SQLite has a single writer and ordering writes
through one queue means a screen never reads a half-finished change of another screen. Network
calls run on a small separate pool so a slow server never holds up local reads and writes.

Results come back to the UI thread through a queued signal: the worker thread emits, Qt delivers
the emission in the UI thread's event loop, and only there are `on_done` / `on_error` / `progress`
called. Functions given to the runner must never touch widgets and must return plain values
(frozen dataclasses, tuples), never ORM objects, because those would cross threads.

No `processEvents()` loops and no `QThread` subclasses: a `ThreadPoolExecutor` does the work.

Usage::

    tasks.run_db(
        lambda: operations.log_activity(engine, customer_id=cid, kind="visit", ...),
        on_done=self._on_activity_saved,
        on_error=self._on_save_failed,
        owner=self,  # when this widget is gone, the callbacks are dropped
    )

With `progress`, the function receives one positional argument: a `report(done, total, message)`
callable it may call from the worker thread; each report reaches `progress` on the UI thread.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar, overload

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)

T = TypeVar("T")

ProgressReport = Callable[[int, int, str], None]
"""Called by a task (on its worker thread) as `report(done, total, message)`."""


@dataclass(frozen=True)
class TaskProgress:
    """One progress report as the UI thread receives it."""

    done: int
    total: int  # 0 when the total is not known yet
    message: str

    @property
    def fraction(self) -> float | None:
        return None if self.total <= 0 else min(1.0, self.done / self.total)


@dataclass(frozen=True)
class TaskFailure:
    """What the default error handler announces: which task failed and why."""

    description: str
    error: BaseException


@dataclass
class _Callbacks:
    on_done: Callable[[Any], None]
    on_error: Callable[[BaseException], None] | None
    progress: Callable[[TaskProgress], None] | None
    owner: QObject | None
    description: str


class TaskHandle:
    """Returned by `run_db` / `run_net`; lets a caller drop callbacks it no longer wants."""

    def __init__(self, task_id: int, future: Future[Any]) -> None:
        self.task_id = task_id
        self._future = future
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        """Never call back for this task; also skips it if it has not started yet."""
        self._cancelled.set()
        self._future.cancel()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def done(self) -> bool:
        return self._future.done()


class TaskRunner(QObject):
    """Runs functions off the UI thread and calls back on the UI thread."""

    # Emitted from worker threads; connected with QueuedConnection so slots run on the UI thread.
    _completed = Signal(int, object, object)  # task id, result, error (exactly one is meaningful)
    _progressed = Signal(int, object)  # task id, TaskProgress

    # Public: a task without its own `on_error` failed. The main window shows these.
    task_failed = Signal(object)  # TaskFailure
    busy_changed = Signal(bool)  # True while any task is queued or running
    # After `shutdown`: no new work is accepted, so periodic work (timers) must stop here.
    stopped = Signal()

    def __init__(self, *, network_workers: int = 4, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fieldbook-db")
        self._net = ThreadPoolExecutor(
            max_workers=network_workers, thread_name_prefix="fieldbook-net"
        )
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[_Callbacks, TaskHandle]] = {}
        self._closed = False
        self._db_thread_ident: int | None = None
        self._completed.connect(self._on_worker_completed, Qt.ConnectionType.QueuedConnection)
        self._progressed.connect(self._on_worker_progressed, Qt.ConnectionType.QueuedConnection)

    # ----------------------------------------------------------------------------- public API
    @overload
    def run_db(
        self,
        fn: Callable[[], T],
        *,
        on_done: Callable[[T], None],
        on_error: Callable[[BaseException], None] | None = None,
        progress: None = None,
        owner: QObject | None = None,
        description: str = "",
    ) -> TaskHandle: ...

    @overload
    def run_db(
        self,
        fn: Callable[[ProgressReport], T],
        *,
        on_done: Callable[[T], None],
        on_error: Callable[[BaseException], None] | None = None,
        progress: Callable[[TaskProgress], None],
        owner: QObject | None = None,
        description: str = "",
    ) -> TaskHandle: ...

    def run_db(
        self,
        fn: Callable[..., T],
        *,
        on_done: Callable[[T], None],
        on_error: Callable[[BaseException], None] | None = None,
        progress: Callable[[TaskProgress], None] | None = None,
        owner: QObject | None = None,
        description: str = "",
    ) -> TaskHandle:
        """Queue `fn` on the single database thread (reads and writes of the replica)."""
        return self._submit(
            self._db,
            fn,
            _Callbacks(on_done, on_error, progress, owner, description or _describe(fn)),
        )

    @overload
    def run_net(
        self,
        fn: Callable[[], T],
        *,
        on_done: Callable[[T], None],
        on_error: Callable[[BaseException], None] | None = None,
        progress: None = None,
        owner: QObject | None = None,
        description: str = "",
    ) -> TaskHandle: ...

    @overload
    def run_net(
        self,
        fn: Callable[[ProgressReport], T],
        *,
        on_done: Callable[[T], None],
        on_error: Callable[[BaseException], None] | None = None,
        progress: Callable[[TaskProgress], None],
        owner: QObject | None = None,
        description: str = "",
    ) -> TaskHandle: ...

    def run_net(
        self,
        fn: Callable[..., T],
        *,
        on_done: Callable[[T], None],
        on_error: Callable[[BaseException], None] | None = None,
        progress: Callable[[TaskProgress], None] | None = None,
        owner: QObject | None = None,
        description: str = "",
    ) -> TaskHandle:
        """Queue `fn` on the network pool (HTTP only: never hold a database transaction here)."""
        return self._submit(
            self._net,
            fn,
            _Callbacks(on_done, on_error, progress, owner, description or _describe(fn)),
        )

    def is_db_thread(self) -> bool:
        """True when called from the database worker thread (for assertions in operations)."""
        return self._db_thread_ident == threading.get_ident()

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop accepting work; with `wait`, let queued database writes finish (nothing is lost)."""
        if self._closed:
            return
        self._closed = True
        # Writes already queued are finished: the user saw "saved" for them. Network calls that
        # have not started are dropped; the sync engine retries them on the next start.
        self._net.shutdown(wait=False, cancel_futures=True)
        self._db.shutdown(wait=wait)
        self._pending.clear()
        self.stopped.emit()

    # ------------------------------------------------------------------------------ internals
    def _submit(
        self, executor: ThreadPoolExecutor, fn: Callable[..., Any], callbacks: _Callbacks
    ) -> TaskHandle:
        if self._closed:
            raise RuntimeError("The task runner has been shut down; no new work is accepted.")
        task_id = next(self._ids)
        wants_progress = callbacks.progress is not None
        future = executor.submit(self._run_in_worker, task_id, fn, wants_progress)
        handle = TaskHandle(task_id, future)
        was_idle = not self._pending
        self._pending[task_id] = (callbacks, handle)
        if was_idle:
            self.busy_changed.emit(True)
        return handle

    def _run_in_worker(self, task_id: int, fn: Callable[..., Any], wants_progress: bool) -> None:
        if threading.current_thread().name.startswith("fieldbook-db"):
            self._db_thread_ident = threading.get_ident()
        try:
            if wants_progress:

                def report(done: int, total: int, message: str = "") -> None:
                    self._progressed.emit(task_id, TaskProgress(done, total, message))

                result = fn(report)
            else:
                result = fn()
        except BaseException as error:
            self._emit_completed(task_id, None, error)
            return
        self._emit_completed(task_id, result, None)

    def _emit_completed(self, task_id: int, result: Any, error: BaseException | None) -> None:
        # After shutdown the QObject may already be gone; there is nobody left to call back.
        if shiboken6.isValid(self):
            self._completed.emit(task_id, result, error)

    @Slot(int, object)
    def _on_worker_progressed(self, task_id: int, report: TaskProgress) -> None:
        entry = self._pending.get(task_id)
        if entry is None:
            return
        callbacks, handle = entry
        if handle.cancelled or not _owner_alive(callbacks.owner) or callbacks.progress is None:
            return
        callbacks.progress(report)

    @Slot(int, object, object)
    def _on_worker_completed(self, task_id: int, result: Any, error: BaseException | None) -> None:
        entry = self._pending.pop(task_id, None)
        if not self._pending:
            self.busy_changed.emit(False)
        if entry is None:
            return
        callbacks, handle = entry
        if error is not None:
            self._deliver_error(callbacks, handle, error)
            return
        if handle.cancelled or not _owner_alive(callbacks.owner):
            return
        try:
            callbacks.on_done(result)
        except Exception as callback_error:  # a bug in a slot: report it, do not lose it
            log.exception("on_done of %s failed", callbacks.description)
            self.task_failed.emit(TaskFailure(callbacks.description, callback_error))

    def _deliver_error(
        self, callbacks: _Callbacks, handle: TaskHandle, error: BaseException
    ) -> None:
        log.error(
            "background task %s failed", callbacks.description, exc_info=(type(error), error, None)
        )
        # A cancelled task or a closed screen still must not hide a failed write: announce it.
        wanted = not handle.cancelled and _owner_alive(callbacks.owner)
        if callbacks.on_error is not None and wanted:
            callbacks.on_error(error)
        else:
            self.task_failed.emit(TaskFailure(callbacks.description, error))


def _owner_alive(owner: QObject | None) -> bool:
    return owner is None or shiboken6.isValid(owner)


def _describe(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)
