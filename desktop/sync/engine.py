"""One sync: hello -> push -> pull, with resets, drain and wipe. Qt-free; the loop drives it.

A database transaction is never held across a network call: every step reads (db), talks to the
server (net), then writes the result (db) in a transaction of its own. Each pulled page is applied
together with its cursor, so a crash at any point resumes where it stopped.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from desktop.operations.lease import parse_sync_time
from desktop.store.backup import backup_directory
from desktop.store.bulk import (
    initial_load_in_progress,
    restore_indexes_in_steps,
    start_initial_load,
)
from desktop.store.changes import utc_now
from desktop.store.engine import StoreError, bulk_step_cache, write_locked
from desktop.store.replica import HEAD_REVISION
from desktop.store.schema import entity_tables
from desktop.store.search_index import build_deferred_index_in_steps
from desktop.store.snapshot import adopt_snapshot, replica_is_empty
from desktop.sync import held, outbox, state
from desktop.sync.api import ApiClient, Hello
from desktop.sync.apply import apply_changes, remove_bucket_if_settled
from desktop.sync.errors import (
    Deactivated,
    RequestRejected,
    ResetRequired,
    ServerError,
    ServerLostChanges,
    SyncError,
    UpgradeRequired,
    Wipe,
)
from protocol.messages import MAX_MUTATIONS_PER_PUSH, parse_cursor

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncOptions:
    push_batch: int = MAX_MUTATIONS_PER_PUSH
    # Changes per pulled page: large enough that per-page costs vanish in an initial sync, small
    # enough that two pages in memory (one applied, one prefetched) keep the client lean.
    pull_limit: int = 5_000
    outbox_retention_days: int = 30  # acknowledged entries kept for a server restored from backup
    # An empty replica first asks for the server's snapshot of its scope (one file instead of
    # every row page by page); off, or when the server has none, it pulls from the start.
    use_snapshots: bool = True


@dataclass(frozen=True)
class PullProgress:
    rows_so_far: int
    estimated_total: int | None  # None while the server gives no estimate


@dataclass(frozen=True)
class WipeReport:
    deleted_paths: tuple[str, ...]
    keyring_entry_deleted: bool


@dataclass(frozen=True)
class SyncSummary:
    pushed: int = 0  # mutations the server acknowledged in this sync
    rejected: int = 0  # of those, refused by a business rule (now in sync errors)
    pulled: int = 0  # changes received
    kept_pending: int = 0  # pulled changes held back because our own edit is still pending
    resets: int = 0
    account_state: str = "active"
    wiped: WipeReport | None = None


@dataclass
class _Tally:
    pushed: int = 0
    rejected: int = 0
    pulled: int = 0
    kept_pending: int = 0
    resets: int = 0


class SyncEngine:
    def __init__(
        self,
        *,
        engine: Engine,
        api: ApiClient,
        replica_path: Path | None,
        options: SyncOptions | None = None,
        on_progress: Callable[[PullProgress], None] | None = None,
        before_wipe: Callable[[], None] | None = None,
        after_sync: Callable[[], None] | None = None,
    ) -> None:
        self.engine = engine
        self.api = api
        self.replica_path = replica_path
        self.options = options or SyncOptions()
        self.on_progress = on_progress
        # Last uploads while the drain token still works (e.g. queued audit events of exports),
        # run after the outbox is drained and before the local copy is deleted.
        self.before_wipe = before_wipe
        # Uploads that follow every successful cycle (the queued audit events of exports).
        self.after_sync = after_sync
        # One sync at a time; the long-poll listener only applies pages and checks the cursor.
        self._sync_lock = threading.Lock()
        # Held while a deferred search index is built in steps: a page the listener applied
        # meanwhile would land behind the build's position and never be indexed.
        self._index_build_lock = threading.Lock()
        self.wiped: WipeReport | None = None

    # --- the whole cycle --------------------------------------------------------------------
    def sync_once(self) -> SyncSummary:
        with self._sync_lock:
            if self.wiped is not None:
                return SyncSummary(account_state="wipe", wiped=self.wiped)
            tally = _Tally()
            try:
                return self._cycle(tally)
            except UpgradeRequired as error:
                state.put(self.engine, stopped_reason="upgrade_required")
                raise UpgradeRequired(
                    f"This version of Fieldbook is too old for the server: please update it. "
                    f"Your unsynced changes are kept and will be sent after the update. ({error})"
                ) from error

    def _cycle(self, tally: _Tally) -> SyncSummary:
        try:
            with self.engine.connect() as connection:
                unsent = outbox.pending_count(connection)
            hello = self.api.hello(pending_changes=unsent)
        except Wipe:
            return self._finish_wipe()
        state.put(self.engine, stopped_reason=None)
        self._remember_hello(hello)
        if hello.account_state == "wipe":
            return self._finish_wipe()
        if hello.account_state == "deactivated":
            return self._drain_then_wipe(tally)
        if self._epoch_changed(hello.epoch):
            self._reset(tally, epoch=hello.epoch)
        try:
            self._push_all(tally, probe=tally.resets > 0)
            self._settle_deferred_exits()
            if self._pull_all(tally):  # the server lost acknowledged pushes: send them again
                self._push_all(tally, probe=False)
                self._pull_all(tally)
        except ResetRequired:
            self._reset(tally, epoch=None)
            self._push_all(tally, probe=True)
            self._pull_all(tally)
        except Deactivated:
            return self._drain_then_wipe(tally)
        self._settle_deferred_exits()
        with self.engine.begin() as connection:
            state.write_value(connection, state.LAST_SYNC_AT, utc_now())
            outbox.prune_acknowledged(connection, retention_days=self.options.outbox_retention_days)
        if self.after_sync is not None:
            self.after_sync()
        return self._summary(tally, hello.account_state)

    def push_pending(self) -> SyncSummary:
        """Send what is pending now, without hello or pull: the fast path after a local write
        while the long-poll listener is bringing the server's changes anyway. Anything unusual
        (reset, closed account) surfaces as an error, and the caller runs a full `sync_once`."""
        with self._sync_lock:
            if self.wiped is not None:
                return SyncSummary(account_state="wipe", wiped=self.wiped)
            tally = _Tally()
            self._push_all(tally, probe=False)
            self._settle_deferred_exits()
            return self._summary(tally, state.get(self.engine, state.ACCOUNT_STATE) or "active")

    def _summary(self, tally: _Tally, account_state: str) -> SyncSummary:
        return SyncSummary(
            pushed=tally.pushed,
            rejected=tally.rejected,
            pulled=tally.pulled,
            kept_pending=tally.kept_pending,
            resets=tally.resets,
            account_state=account_state,
        )

    def _remember_hello(self, hello: Hello) -> None:
        values: dict[str, Any] = {"account_state": hello.account_state}
        if hello.max_offline_days is not None:
            values["max_offline_days"] = hello.max_offline_days
        if hello.user_id is not None:
            values["user_id"] = hello.user_id
        # The firm's export policy; a server that does not send it leaves the last one known.
        if hello.export_allowed is not None:
            values[state.EXPORT_ALLOWED] = "true" if hello.export_allowed else "false"
        if hello.export_max_rows is not None:
            values[state.EXPORT_MAX_ROWS] = hello.export_max_rows
        state.put(self.engine, **values)

    def _epoch_changed(self, epoch: str) -> bool:
        known = state.get(self.engine, state.EPOCH)
        return known is not None and known != epoch

    # --- push -------------------------------------------------------------------------------
    def _push_all(self, tally: _Tally, *, probe: bool) -> None:
        """Send every pending entry in batches. `probe` sends one (possibly empty) push even with
        nothing pending, to learn the server's `last_mutation_id` after a reset."""
        rounds = 0
        while True:
            with self.engine.connect() as connection:
                batch = outbox.pending_batch(connection, limit=self.options.push_batch)
            if not batch and not probe:
                return
            probe = False
            rounds += 1
            if rounds > 10_000:
                raise ServerError("The server keeps asking for the same changes; will retry.")
            answer = self.api.push(batch)
            self._check_answer_epoch(str(answer.get("epoch") or ""))
            last = int(answer["last_mutation_id"])
            results: list[dict[str, Any]] = list(answer.get("results") or [])
            with write_locked(self.engine) as connection:
                outbox.record_versions(connection, sent=batch, results=results)
                acked = outbox.acknowledge_through(connection, last_mutation_id=last)
                reopened = self._reopen_if_server_lost(connection, last)
                outbox.drop_refused_creations(connection, sent=batch, results=results)
            tally.pushed += acked
            tally.rejected += sum(1 for r in results if r.get("status") == "rejected")
            if batch and not acked and not reopened:
                raise ServerError(
                    f"The server acknowledged none of the {len(batch)} changes sent; will retry."
                )

    def _reopen_if_server_lost(self, connection: Any, last: int) -> int:
        acked_newest = outbox.newest_acked_id(connection)
        oldest = outbox.oldest_kept_id(connection)
        if oldest is not None and oldest > last + 1:
            # Neither pending nor kept: the server can never be given what it lost.
            raise ServerLostChanges(
                f"The server was restored from a backup and lost changes {last + 1}..{oldest - 1} "
                f"of this computer, which are older than the {self.options.outbox_retention_days} "
                f"days kept here. Tell your administrator."
            )
        if acked_newest is None or acked_newest <= last:
            return 0
        reopened = outbox.reopen_after(connection, last_mutation_id=last)
        log.warning("server holds our mutations only up to %s: resending %s", last, reopened)
        return reopened

    def _check_answer_epoch(self, epoch: str) -> None:
        if epoch and self._epoch_changed(epoch):
            raise ResetRequired("The server's data was restored from a backup.")

    # --- pull -------------------------------------------------------------------------------
    def _pull_all(self, tally: _Tally) -> bool:
        """Pull pages until the server has nothing newer. True when the server turned out to
        have lost pushes it had acknowledged (so they must be sent again).

        While a page is being applied, the next one is already being fetched on another thread
        (network and disk overlap during a long initial sync). No transaction spans the fetch:
        the page is applied afterwards, in its own transaction, only if the cursor it continues
        from is still the stored one.
        """
        lost = False
        if state.get(self.engine, state.CURSOR) is None:
            self._start_from_snapshot(tally)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-prefetch") as prefetch:
            cursor = state.get(self.engine, state.CURSOR)
            start_seq = parse_cursor(cursor)[1] if cursor else 0
            upcoming: Future[dict[str, Any]] | None = None
            while True:
                if upcoming is not None:
                    page = upcoming.result()
                else:
                    page = self.api.pull(cursor=cursor, limit=self.options.pull_limit)
                upcoming = None
                if page.get("has_more"):
                    upcoming = prefetch.submit(
                        self.api.pull,
                        cursor=str(page["next_cursor"]),
                        limit=self.options.pull_limit,
                    )
                outcome = self.apply_page(page, from_cursor=cursor)
                if outcome is None:
                    # The listener applied a page meanwhile: start again from the stored cursor.
                    if upcoming is not None:
                        upcoming.cancel()  # if already under way, its page is simply not used
                    upcoming = None
                    cursor = state.get(self.engine, state.CURSOR)
                    continue
                cursor = str(page["next_cursor"])
                tally.pulled += len(page["changes"])
                tally.kept_pending += outcome
                lost = self._check_server_last_mutation(page) or lost
                if self.on_progress is not None:
                    estimate = _estimate(page, tally.pulled, start_seq=start_seq)
                    self.on_progress(PullProgress(tally.pulled, estimate))
                if upcoming is None:
                    # An initial pull into an empty replica sets its indexes aside and defers
                    # search indexing to one pass (much faster than page by page): build them
                    # now, in steps that let the user's saves in between. Nothing to do
                    # otherwise.
                    with self._index_build_lock:
                        restore_indexes_in_steps(self.engine)
                        build_deferred_index_in_steps(self.engine)
                    return lost

    def _start_from_snapshot(self, tally: _Tally) -> None:
        """Into an empty replica: download the server's snapshot of our scope and adopt it, so
        the pull goes on from the snapshot's cursor. Without one, or when it cannot be used, the
        pull starts from the beginning: that only costs time. A closed account or a lost
        connection is not a reason to try otherwise: those errors reach the cycle."""
        if self.replica_path is None or not self.options.use_snapshots:
            return
        raw = self.engine.raw_connection()
        try:
            empty = replica_is_empty(raw.driver_connection)  # type: ignore[arg-type]
        finally:
            raw.close()
        if not empty:
            return
        target = self.replica_path.with_name(self.replica_path.name + ".snapshot")
        try:
            download = self.api.download_snapshot(
                schema=HEAD_REVISION, into=target, on_progress=self._report_snapshot_progress
            )
            if download is None:
                log.info("the server has no snapshot for this replica: pulling from the start")
                return
            epoch = parse_cursor(download.cursor)[0]
            adopt_snapshot(
                self.engine,
                replica_path=self.replica_path,
                snapshot_path=target,
                sync_state_values={state.CURSOR: download.cursor, state.EPOCH: epoch},
            )
            tally.pulled += download.rows
            self._report_snapshot_progress(download.rows, download.rows)
            log.info("adopted the server's snapshot: %s records", f"{download.rows:,}")
        except (ServerError, RequestRejected, StoreError, OSError, sqlite3.Error) as error:
            log.warning("the server's snapshot was not used, pulling from the start: %s", error)
        finally:
            target.unlink(missing_ok=True)

    def _report_snapshot_progress(self, rows: int, total: int) -> None:
        if self.on_progress is not None:
            self.on_progress(PullProgress(rows, total))

    def apply_page(self, page: dict[str, Any], *, from_cursor: str | None) -> int | None:
        """Apply a page and its cursor in one transaction. None when the stored cursor moved
        since the page was requested (another thread applied it): the page is dropped."""
        epoch = str(page.get("epoch") or "")
        next_cursor = str(page["next_cursor"])
        parse_cursor(next_cursor)  # a malformed cursor must not be stored
        with self.engine.begin() as connection:
            # Writing first takes SQLite's write lock now, so the checks below stay true until
            # commit (a deferred read-then-write could fail on a concurrent writer).
            state.write_value(connection, "last_pull_at", utc_now())
            stored_cursor = state.read_value(connection, state.CURSOR)
            if stored_cursor != from_cursor:
                return None
            known_epoch = state.read_value(connection, state.EPOCH)
            if known_epoch is not None and epoch and epoch != known_epoch:
                raise ResetRequired("The server's data was restored from a backup.")
            if from_cursor is None:
                # The first page into an empty replica: its indexes wait for the last page.
                loading = start_initial_load(connection)
            else:
                loading = initial_load_in_progress(connection)
            deferred = state.read_json_set(connection, state.DEFERRED_EXITS)
            already_held = held.held_keys(connection)
            # An initial load writes no secondary index, so it needs no large cache; kept small,
            # the cache leaves room for the pinyin tables and the index builds after the last
            # page (with 64 MiB a first sync of 100,000 customers ended at 225 MB).
            with bulk_step_cache(connection) if loading else contextlib.nullcontext():
                outcome = apply_changes(
                    connection,
                    changes=page["changes"],
                    pending=outbox.pending_entity_ids(connection),
                    deferred_exits=deferred,
                )
            held.remember(connection, outcome, existing=already_held)
            state.write_json_set(connection, state.DEFERRED_EXITS, deferred)
            state.write_value(connection, state.CURSOR, next_cursor)
            if epoch:
                state.write_value(connection, state.EPOCH, epoch)
        if outcome.unknown_entities:
            log.info("skipped records of unknown types: %s", sorted(outcome.unknown_entities))
        return outcome.kept_pending

    def listen_once(self, *, wait: float, still_wanted: Callable[[], bool] = lambda: True) -> bool:
        """Long-poll for the next page and apply it; True when changes arrived.

        Runs beside `sync_once` on another thread without its lock: the page is applied only if
        the stored cursor is still the one it was requested with (`apply_page`), so a page that
        the cycle already applied meanwhile is simply dropped. A page that arrives after the
        caller stopped wanting it (`still_wanted`, e.g. the app is closing) is dropped too.
        """
        if self.wiped is not None:
            return False
        cursor = state.get(self.engine, state.CURSOR)
        if cursor is None:
            return False  # nothing pulled yet: the first full pull belongs to the cycle
        page = self.api.pull(cursor=cursor, limit=self.options.pull_limit, wait=wait)
        if self.wiped is not None or not page["changes"] or not still_wanted():
            return False
        with self._index_build_lock:
            return self.apply_page(page, from_cursor=cursor) is not None

    def pending_changes(self) -> int:
        with self.engine.connect() as connection:
            return outbox.pending_count(connection)

    def _check_server_last_mutation(self, page: dict[str, Any]) -> bool:
        server_last = page.get("last_mutation_id")
        if server_last is None:
            return False
        with write_locked(self.engine) as connection:
            acked = outbox.newest_acked_id(connection)
            if acked is None or int(server_last) >= acked:
                return False
            return self._reopen_if_server_lost(connection, int(server_last)) > 0

    def _settle_deferred_exits(self) -> None:
        """After a push: apply pulled changes held back for records now settled, and remove
        customers that left our scope while something of theirs was pending."""
        with write_locked(self.engine) as connection:
            deferred = state.read_json_set(connection, state.DEFERRED_EXITS)
            stored = set(deferred)
            pending = outbox.pending_entity_ids(connection)
            held.apply_settled(connection, pending=pending, deferred_exits=deferred)
            settled = {
                customer_id
                for customer_id in deferred
                if remove_bucket_if_settled(connection, customer_id=customer_id, pending=pending)
            }
            if deferred - settled != stored:
                # Written only when changed: after most pushes nothing is, and a transaction that
                # wrote nothing commits without a disk flush.
                state.write_json_set(connection, state.DEFERRED_EXITS, deferred - settled)

    # --- reset ------------------------------------------------------------------------------
    def _reset(self, tally: _Tally, *, epoch: str | None) -> None:
        """Start the replica over from the server, keeping the outbox and the rows it edits."""
        log.warning("server epoch changed or cursor refused: rebuilding the replica")
        tally.resets += 1
        with write_locked(self.engine) as connection:
            pending = outbox.pending_entity_ids(connection)
            for table in entity_tables.values():
                rows = connection.execute(table.select().with_only_columns(table.c.id))
                stale = [row[0] for row in rows if row[0] not in pending]
                for start in range(0, len(stale), 500):
                    chunk = stale[start : start + 500]
                    connection.execute(table.delete().where(table.c.id.in_(chunk)))
            state.write_value(connection, state.CURSOR, None)
            state.write_value(connection, state.EPOCH, epoch)
            state.write_json_set(connection, state.DEFERRED_EXITS, ())
            held.forget_all(connection)

    # --- leaving the firm -------------------------------------------------------------------
    def _drain_then_wipe(self, tally: _Tally) -> SyncSummary:
        """A deactivated account: upload everything still pending, then delete the local copy."""
        self._push_all(tally, probe=False)
        with self.engine.connect() as connection:
            left = outbox.pending_count(connection)
        if left:
            raise ServerError(f"{left} changes are still waiting to be uploaded; will retry.")
        if self.before_wipe is not None:
            self.before_wipe()  # a failure raises: the wipe waits for the next attempt
        if not self.api.drained():
            state.put(self.engine, account_state="deactivated")
            return self._summary(tally, "deactivated")
        summary = self._finish_wipe()
        return SyncSummary(
            pushed=tally.pushed, rejected=tally.rejected, account_state="wipe", wiped=summary.wiped
        )

    def _finish_wipe(self) -> SyncSummary:
        self.wiped = self.wipe()
        return SyncSummary(account_state="wipe", wiped=self.wiped)

    def wipe(self) -> WipeReport:
        """Delete the replica file, its WAL/SHM, the backups folder and the keyring entry."""
        self.engine.dispose()
        deleted: list[str] = []
        if self.replica_path is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                path = Path(f"{self.replica_path}{suffix}")
                if path.exists():
                    path.unlink()
                    deleted.append(str(path))
            backups = backup_directory(self.replica_path)
            if backups.exists():
                shutil.rmtree(backups)
                deleted.append(str(backups))
        keyring_deleted = self.api.credentials.delete()
        log.warning("account closed: local copy wiped (%s)", ", ".join(deleted) or "nothing")
        return WipeReport(deleted_paths=tuple(deleted), keyring_entry_deleted=keyring_deleted)

    # --- offline lease inputs (the rule itself: desktop.operations.lease) -------------------
    def last_sync_at(self) -> datetime | None:
        return parse_sync_time(state.get(self.engine, state.LAST_SYNC_AT))


def _estimate(page: dict[str, Any], rows_so_far: int, *, start_seq: int) -> int | None:
    """The total a long pull will reach, for a progress bar; None when the server gives no hint.

    A page may say `remaining` (changes still to come for us), or the server's `high_water` (its
    newest change-log seq): then what is left is extrapolated from the share of the change log
    that was ours so far (our scope is only part of the firm's changes).
    """
    remaining = page.get("remaining")
    if isinstance(remaining, int):
        return rows_so_far + remaining
    high_water = page.get("high_water")
    if not isinstance(high_water, int) or not page.get("has_more"):
        return rows_so_far if not page.get("has_more") else None
    _epoch, seq = parse_cursor(str(page["next_cursor"]))
    covered = seq - start_seq
    if covered <= 0:
        return None
    return rows_so_far + round((high_water - seq) * rows_so_far / covered)


__all__ = [
    "PullProgress",
    "SyncEngine",
    "SyncError",
    "SyncOptions",
    "SyncSummary",
    "WipeReport",
]
