"""Adopting a replica snapshot: the server's ready copy of our scope becomes this replica.

An empty replica's first sync can download its whole scope as one SQLite file (records, list
indexes, search index; built by the server with this package, see docs/sync-protocol.md) and
then pull only what changed after the snapshot's cursor. Pulling 1.4 million rows page by page
spends most of its time in per-row Python and in building the search index; copying a file
spends it in SQLite's C code and the disk.

The file is copied in with SQLite's backup API while no other connection has the replica open
(`file_to_ourselves`), so readers never see half of it and a crash leaves the old contents. What
this computer wrote itself (`LOCAL_TABLES`: sign-in state, the outbox and its id counter) is
first copied from the replica into the snapshot, so it survives the swap.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from contextlib import closing
from pathlib import Path

from sqlalchemy import Engine

from desktop.store.engine import StoreError, file_to_ourselves
from desktop.store.replica import HEAD_REVISION
from desktop.store.schema import entity_tables

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
        # In rollback-journal mode the pages are written once, straight into the file (through
        # the WAL they would be written twice: the backup, then the checkpoint). Safe while the
        # file is ours alone; the journal keeps the old pages until the copy is committed.
        replica.execute("PRAGMA journal_mode=DELETE")
        replica.execute("PRAGMA synchronous=NORMAL")
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
