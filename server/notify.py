"""Wake-ups for long-polling pulls.

Writers in this process call `notify()` after they commit; waiting pulls wake at once. Several
processes may serve one database, so a waiting pull also re-checks the database every
`long_poll_check_seconds` (one indexed range probe of the change log): a change committed by
another process is seen within that interval, without a busy loop.
"""

from __future__ import annotations

import asyncio
import threading


class ChangeNotifier:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def notify(self) -> None:
        """Called from any thread after a commit that appended to the change log."""
        with self._lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:
                # The waiter's event loop has shut down; that request is gone, nothing to wake.
                with self._lock:
                    self._waiters.discard((loop, event))

    async def wait(self, timeout: float) -> bool:
        """Sleep until the next notification or `timeout` seconds; True if notified."""
        event = asyncio.Event()
        waiter = (asyncio.get_running_loop(), event)
        with self._lock:
            self._waiters.add(waiter)
        try:
            await asyncio.wait_for(event.wait(), timeout=max(timeout, 0.0))
            return True
        except TimeoutError:
            return False
        finally:
            with self._lock:
                self._waiters.discard(waiter)
