"""Adopting a replica snapshot: the server's ready copy of our scope becomes this replica.

An empty replica's first sync can download its whole scope as one SQLite file (records, list
indexes, search index; built by the server with this package, see docs/sync-protocol.md) and
then pull only what changed after the snapshot's cursor. Pulling 1.4 million rows page by page
spends most of its time in per-row Python and in building the search index; copying a file
spends it in SQLite's C code and the disk.

While no other connection has the replica open (`file_to_ourselves`), what this computer wrote
itself (`LOCAL_TABLES`: sign-in state, the outbox and its id counter) is copied into the snapshot,
durably, and then the snapshot takes the replica's place:
- on POSIX systems by renaming it over the replica: the file is written once (downloaded and
  synced as it arrives), and a rename is atomic, so a crash leaves the old file or the new one;
- elsewhere (Windows cannot rename over an open file), or if the rename fails, by copying its
  pages in with SQLite's backup API, which writes the 1.5 GB of a whole firm a second time (9 s
  of a 15 s first sync, measured) but is just as atomic.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Mapping
from contextlib import closing
from pathlib import Path

from sqlalchemy import Engine

from desktop.store.engine import StoreError, file_to_ourselves
from desktop.store.replica import HEAD_REVISION
from desktop.store.schema import entity_tables

log = logging.getLogger(__name__)

# Written over the start of a replica file that a snapshot replaced: a program that opened the
# old file while the swap held it gets "file is not a database" when its turn comes, instead of
# writing into a file nobody will read again.
REPLACED_FILE_MARK = b"Fieldbook: replaced by a snapshot\0"

# Tables holding what this computer wrote itself; every other table is the server's data, or is
# derived from it (indexes, search), and comes from the snapshot.
# `tests/unit/test_snapshot_adopt.py` fails when a new table is in neither kind.
LOCAL_TABLES: tuple[str, ...] = ("sync_state", "outbox", "sqlite_sequence")


class SnapshotRefused(StoreError):
    """The snapshot does not fit this replica; it was not used and nothing changed."""


def snapshot_revision(path: Path) -> str | None:
    """The replica schema revision a snapshot file was written with (None if unreadable)."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return str(row[0]) if row else None


def replica_is_empty(connection: sqlite3.Connection) -> bool:
    """No record and no unsent change: nothing a snapshot could overwrite."""
    for table in entity_tables:
        if connection.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")').fetchone()[0]:
            return False
    return not connection.execute(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE acked_at IS NULL)"
    ).fetchone()[0]


def adopt_snapshot(
    engine: Engine,
    *,
    replica_path: Path,
    snapshot_path: Path,
    sync_state_values: Mapping[str, str],
) -> None:
    """Make the replica at `replica_path` hold the snapshot's data, keeping `LOCAL_TABLES`,
    with `sync_state_values` (the snapshot's cursor and epoch) written into `sync_state`.

    The snapshot file is changed (it receives our local tables) and can be deleted afterwards.
    Raises `SnapshotRefused` when it is of another schema or the replica is not empty, and
    `ReplicaBusy` when the file cannot be had alone; the replica is unchanged then.
    """
    revision = snapshot_revision(snapshot_path)
    if revision != HEAD_REVISION:
        raise SnapshotRefused(
            f"The snapshot is of replica schema {revision!r}; "
            f"this Fieldbook uses {HEAD_REVISION!r}."
        )
    with file_to_ourselves(engine, replica_path) as replica:
        if not replica_is_empty(replica):
            raise SnapshotRefused("The replica already holds records or unsent changes.")
        _copy_local_tables(replica, snapshot_path=snapshot_path, values=sync_state_values)
        # Rollback-journal mode: no -wal or -shm file is left beside the file that takes its
        # place, and the backup below writes each page once instead of twice (WAL + checkpoint).
        replica.execute("PRAGMA journal_mode=DELETE")
        if not _rename_over(replica_path, snapshot_path=snapshot_path):
            _copy_pages(replica, snapshot_path=snapshot_path)


def _rename_over(replica_path: Path, *, snapshot_path: Path) -> bool:
    """Put the snapshot file in the replica's place; False (nothing changed) where that cannot
    be done. The caller holds the old file exclusively."""
    if os.name != "posix":
        return False
    old_file = os.open(replica_path, os.O_RDWR)
    try:
        try:
            os.replace(snapshot_path, replica_path)
        except OSError as error:
            log.warning("could not rename the snapshot over the replica (%s): copying it", error)
            return False
        directory = os.open(replica_path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself survives a power cut
        finally:
            os.close(directory)
        os.pwrite(old_file, REPLACED_FILE_MARK, 0)
        os.fsync(old_file)
        return True
    finally:
        # Closing a descriptor drops this process's POSIX locks on the old file; SQLite's own
        # connection to it is closed right after by the caller, and nothing uses it meanwhile.
        os.close(old_file)


def _copy_pages(replica: sqlite3.Connection, *, snapshot_path: Path) -> None:
    replica.execute("PRAGMA synchronous=NORMAL")  # one sync at commit; the journal keeps the old
    source = sqlite3.connect(snapshot_path)
    try:
        source.backup(replica)
    finally:
        source.close()
    replica.execute("PRAGMA journal_mode=WAL")


def _copy_local_tables(
    replica: sqlite3.Connection, *, snapshot_path: Path, values: Mapping[str, str]
) -> None:
    replica.execute("ATTACH DATABASE ? AS snapshot", (str(snapshot_path),))
    # Its commit syncs the whole file, download included: it must be on disk before it takes
    # the replica's place.
    replica.execute("PRAGMA snapshot.synchronous=FULL")
    try:
        missing = [t for t in LOCAL_TABLES if not _has_table(replica, "snapshot", t)]
        if missing:
            raise SnapshotRefused(f"The snapshot lacks the tables {', '.join(missing)}.")
        replica.execute("BEGIN")
        try:
            for table in LOCAL_TABLES:
                replica.execute(f'DELETE FROM snapshot."{table}"')
                if _has_table(replica, "main", table):
                    replica.execute(f'INSERT INTO snapshot."{table}" SELECT * FROM main."{table}"')
            replica.executemany(
                "INSERT OR REPLACE INTO snapshot.sync_state (key, value) VALUES (?, ?)",
                sorted(values.items()),
            )
            replica.execute("COMMIT")
        except BaseException:
            replica.execute("ROLLBACK")
            raise
    finally:
        replica.execute("DETACH DATABASE snapshot")


def _has_table(connection: sqlite3.Connection, schema: str, table: str) -> bool:
    return bool(
        connection.execute(
            f"SELECT EXISTS (SELECT 1 FROM {schema}.sqlite_master "
            "WHERE type = 'table' AND name = ?)",
            (table,),
        ).fetchone()[0]
    )
