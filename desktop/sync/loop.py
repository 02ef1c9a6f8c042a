"""The background sync loop: push-then-pull cycles on a timer, plus a long-poll listener.

Two plain threads, no Qt:
- the *cycle* thread runs `SyncEngine.sync_once()` at start, when asked (`nudge`), every
  `interval_seconds`, and after a failure again with exponential backoff and jitter, even when
  nothing new was written locally (an upload queue must never stall); right after a local write
  (`local_write`) it pushes at once, only a push while the listener runs;
- the *listener* thread, while the last cycle succeeded, long-polls the server (`wait`) and applies
  each page at once, so a colleague's change appears within tens of milliseconds. A long-poll in
  flight never delays a push: pushes run on the cycle thread.
The UI reads `status()` (a frozen snapshot) and adapts the plain callbacks into signals.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

from desktop.sync.credentials import CredentialStorage
from desktop.sync.engine import PullProgress, SyncEngine, SyncSummary
from desktop.sync.errors import NotSignedIn, SyncError, Unauthorized, UpgradeRequired
from desktop.sync.inbox import SyncInbox

log = logging.getLogger(__name__)

LISTENER_JOIN_SECONDS = 0.2  # a long-poll in flight is not waited for (see `stop`)


@dataclass(frozen=True)
class SyncStatus:
    online: bool = False
    running: bool = False  # a cycle is under way
    pending_changes: int = 0
    last_sync_at: str | None = None
    last_error: str | None = None
    errors: int = 0  # sync errors not yet dismissed
    conflicts: int = 0  # conflicts not yet dismissed
    account_state: str = "active"
    stopped_reason: str | None = None  # upgrade_required, sign_in_required, wiped
    credential_storage: CredentialStorage = "keyring"
    consecutive_failures: int = 0
    pull_rows: int = 0  # progress of a long pull
    pull_estimated: int | None = None
    last_summary: SyncSummary | None = None


@dataclass(frozen=True)
class Backoff:
    base_seconds: float = 1.0
    max_seconds: float = 300.0

    def delay(self, failures: int, rng: random.Random) -> float:
        """Exponential, with jitter so a whole office coming back online does not retry in step."""
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** max(failures - 1, 0))
        return float(ceiling / 2 + rng.uniform(0, ceiling / 2))


class SyncLoop:
    def __init__(
        self,
        *,
        sync: SyncEngine,
        inbox: SyncInbox,
        on_status: Callable[[SyncStatus], None] | None = None,
        interval_seconds: float = 300.0,
        long_poll_seconds: float = 25.0,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.sync = sync
        self.inbox = inbox
        self.on_status = on_status
        self.interval_seconds = interval_seconds
        self.long_poll_seconds = long_poll_seconds
        self.backoff = backoff or Backoff()
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._status = SyncStatus(credential_storage=sync.api.credentials.storage)
        self._wake = threading.Event()
        self._push_soon = threading.Event()  # a local write: push only, the listener pulls
        self._listen = threading.Event()  # set while the last cycle succeeded
        self._stopping = threading.Event()
        self._cycles_done = threading.Condition()
        self._cycles = 0
        self._threads: list[threading.Thread] = []
        sync.on_progress = self._on_progress

    # --- control ----------------------------------------------------------------------------
    def start(self) -> None:
        if self._threads:
            return
        self._threads = [
            threading.Thread(target=self._run_cycles, name="sync-cycle", daemon=True),
            threading.Thread(target=self._run_listener, name="sync-listen", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop both threads. The cycle thread finishes its step (up to `timeout`); a long-poll
        in flight is abandoned at once: its thread is a daemon and drops whatever page it still
        brings, so closing the app never waits for the server's long-poll to end."""
        self._stopping.set()
        self._wake.set()
        self._listen.set()
        cycle, listener = self._threads or (None, None)
        if cycle is not None:
            cycle.join(timeout)
        if listener is not None:
            listener.join(min(timeout, LISTENER_JOIN_SECONDS))

    def nudge(self) -> None:
        """Sync now ("sync now" pressed, or the network came back): a full cycle at once."""
        self._push_soon.clear()
        self._wake.set()

    def local_write(self) -> None:
        """A local write happened: push it without waiting. While the long-poll listener runs a
        push alone is enough (the listener brings the server's changes), so the write reaches
        colleagues in one round trip; otherwise this is a full cycle like `nudge`."""
        if self._listen.is_set():
            self._push_soon.set()
        self._wake.set()

    def wait_for_cycles(self, count: int, timeout: float) -> bool:
        """Block until `count` cycles in total have finished (for tests and the CLI)."""
        with self._cycles_done:
            return self._cycles_done.wait_for(lambda: self._cycles >= count, timeout)

    @property
    def cycles(self) -> int:
        return self._cycles

    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    # --- the cycle thread -------------------------------------------------------------------
    def _run_cycles(self) -> None:
        delay: float | None = 0.0
        while not self._stopping.is_set():
            if delay is None or delay > 0:
                self._wake.wait(delay)
            self._wake.clear()
            if self._stopping.is_set():
                return
            push_only = self._push_soon.is_set() and self._listen.is_set()
            self._push_soon.clear()
            delay = self._one_cycle(push_only=push_only)
            with self._cycles_done:
                self._cycles += 1
                self._cycles_done.notify_all()
            if self.sync.wiped is not None:
                return

    def _one_cycle(self, *, push_only: bool = False) -> float | None:
        """Run one sync (or only a push); returns how long to wait before the next (None: until
        nudged)."""
        self._update(running=True)
        try:
            summary = self.sync.push_pending() if push_only else self.sync.sync_once()
        except UpgradeRequired as error:
            self._listen.clear()
            self._update(running=False, last_error=error.message, stopped_reason=error.code)
            return None  # nothing to retry until the app is updated
        except (Unauthorized, NotSignedIn) as error:
            self._listen.clear()
            self._update(running=False, last_error=error.message, stopped_reason="sign_in_required")
            return None  # waits for the person to sign in again (then nudge)
        except SyncError as error:
            self._listen.clear()
            failures = self.status().consecutive_failures + 1
            self._update(
                running=False,
                online=not error.retryable or error.code != "offline",
                last_error=error.message,
                consecutive_failures=failures,
            )
            wait = self.backoff.delay(failures, self._rng)
            log.info("sync failed (%s); retrying in %.1f s", error.code, wait)
            return wait
        except Exception as error:  # a bug must not kill the loop silently
            log.exception("unexpected sync failure")
            self._listen.clear()
            failures = self.status().consecutive_failures + 1
            self._update(
                running=False,
                last_error=f"Unexpected error: {error}",
                consecutive_failures=failures,
            )
            return self.backoff.delay(failures, self._rng)
        wiped = summary.wiped is not None
        self._update(
            running=False,
            online=not wiped,
            last_error=None,
            consecutive_failures=0,
            stopped_reason="wiped" if wiped else None,
            last_summary=summary,
            account_state=summary.account_state,
        )
        if wiped:
            self._listen.clear()
            self._stopping.set()
            self._listen.set()  # let the listener see the stop
            return None
        self._listen.set()
        return self.interval_seconds

    # --- the listener thread ----------------------------------------------------------------
    def _run_listener(self) -> None:
        while not self._stopping.is_set():
            self._listen.wait()
            if self._stopping.is_set():
                return
            try:
                changed = self.sync.listen_once(
                    wait=self.long_poll_seconds, still_wanted=lambda: not self._stopping.is_set()
                )
            except SyncError as error:
                log.info("long-poll stopped (%s); the cycle takes over", error.code)
                self._listen.clear()
                self.nudge()
                continue
            except Exception:
                log.exception("unexpected long-poll failure")
                self._listen.clear()
                self.nudge()
                continue
            if changed:
                self._update()

    # --- status -----------------------------------------------------------------------------
    def _on_progress(self, progress: PullProgress) -> None:
        self._update(
            refresh=False, pull_rows=progress.rows_so_far, pull_estimated=progress.estimated_total
        )

    def _update(self, *, refresh: bool = True, **changes: object) -> None:
        if refresh and self.sync.wiped is None:
            changes.update(self._read_counts())
        with self._lock:
            self._status = replace(self._status, **changes)  # type: ignore[arg-type]
            snapshot = self._status
        if self.on_status is not None:
            try:
                self.on_status(snapshot)
            except Exception:  # the UI's problem must not stop syncing
                log.exception("status callback failed")

    def _read_counts(self) -> dict[str, object]:
        last_sync = self.sync.last_sync_at()
        errors, conflicts = self.inbox.counts()
        return {
            "pending_changes": self.sync.pending_changes(),
            "last_sync_at": last_sync.isoformat() if last_sync else None,
            "errors": errors,
            "conflicts": conflicts,
            "credential_storage": self.sync.api.credentials.storage,
        }
