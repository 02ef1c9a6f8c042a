"""Snapshot builds that requests start: one at a time per server process, in a daemon thread.

A build does a whole initial sync's work (reading the caller's scope, filling a replica,
building its search index): two at once would only slow each other and the requests served
meanwhile, so a request that finds one running starts none and its client pulls as usual.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from sqlalchemy import Engine

from server.config import ServerSettings
from server.pull import count_visible_entries
from server.scope import Principal
from server.snapshot import SNAPSHOT_SCHEMA, build_snapshot

log = logging.getLogger(__name__)


class SnapshotBuilds:
    def __init__(self) -> None:
        self._running = threading.Lock()  # held by the build under way, released when it ends
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._running.locked()

    def start_if_worthwhile(
        self, engine: Engine, *, principal: Principal, schema: str, settings: ServerSettings
    ) -> bool:
        """Start building the caller's snapshot if the settings allow, none is under way, their
        client could adopt it (its replica schema is ours) and their scope holds at least
        `snapshot_min_changes` entries; True if one started."""
        directory = settings.snapshot_directory
        if directory is None or not settings.snapshot_build_on_request or self.running:
            return False
        if schema != SNAPSHOT_SCHEMA:
            return False
        wanted = settings.snapshot_min_changes
        if count_visible_entries(engine, principal=principal, at_most=wanted) < wanted:
            return False  # a small scope pulls from the start about as fast as it downloads
        if not self._running.acquire(blocking=False):
            return False
        try:
            self._thread = threading.Thread(
                target=self._build,
                kwargs={"engine": engine, "principal": principal, "directory": directory},
                name=f"snapshot-{principal.login}",
                daemon=True,
            )
            self._thread.start()
        except BaseException:
            self._running.release()
            raise
        return True

    def join(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for the build under way, if any, to end."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _build(self, *, engine: Engine, principal: Principal, directory: Path) -> None:
        try:
            info = build_snapshot(engine, principal=principal, directory=directory)
            log.info(
                "Built the snapshot of %s: %d records, %d bytes in %.1f s",
                principal.login,
                info.rows,
                info.bytes,
                info.build_seconds,
            )
        except Exception:
            log.exception("The snapshot of %s could not be built", principal.login)
        finally:
            self._running.release()
