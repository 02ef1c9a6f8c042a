"""Copies of the replica taken before a schema upgrade, so a failed or faulty upgrade loses nothing.

The copy uses SQLite's online backup API: it is consistent even if another process has the file
open, and it includes what still sits in the WAL file. Only the last few copies are kept.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from desktop.store.engine import StoreError, describe_database_error

BACKUP_DIRECTORY = "backups"
KEEP_BACKUPS = 5


def backup_directory(replica_path: Path) -> Path:
    """`<data dir>/backups`, next to the replica file."""
    return replica_path.parent / BACKUP_DIRECTORY


def _read_only_uri(path: Path) -> str:
    return f"{path.resolve().as_uri()}?mode=ro"


def backup_replica(replica_path: Path, *, revision: str, keep: int = KEEP_BACKUPS) -> Path:
    """Copy the replica to `backups/replica-<revision>-<time>.sqlite3`; returns the copy's path.

    Raises StoreError (and leaves no partial copy) when the copy cannot be made: an upgrade must
    not start without it.
    """
    directory = backup_directory(replica_path)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = directory / f"replica-{revision}-{stamp}.sqlite3"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(_read_only_uri(replica_path), uri=True)
        try:
            destination = sqlite3.connect(target)
            try:
                source.backup(destination)
            finally:
                destination.close()
        finally:
            source.close()
    except (sqlite3.Error, OSError) as error:
        if target.is_file():  # a partial copy is no copy
            target.unlink()
        raise StoreError(
            "Could not take a safety copy before upgrading the data file: "
            + describe_database_error(target, error)
        ) from error
    prune_backups(directory, keep=keep)
    return target


def _stamp(path: Path) -> str:
    # replica-<revision>-<stamp>.sqlite3: the stamp is the part after the last dash.
    return path.stem.rsplit("-", 1)[-1]


def list_backups(directory: Path) -> list[Path]:
    """Backups in `directory`, oldest first."""
    return sorted(directory.glob("replica-*.sqlite3"), key=_stamp)


def prune_backups(directory: Path, *, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups; returns the deleted paths."""
    backups = list_backups(directory)
    doomed = backups[: max(len(backups) - keep, 0)]
    for path in doomed:
        path.unlink()
    return doomed
