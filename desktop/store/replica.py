"""Open the local replica file and bring its schema up to date (Alembic, run on every start).

`open_replica` is the one entry point. Before it touches an existing file it reads the schema
revision through a read-only connection, so that a file written by a newer Fieldbook is refused
without being modified, and a file that needs an upgrade is copied first (`backup.py`).

Alembic is imported only when the file is not already at `HEAD_REVISION`: importing it (and the
dialect modules it pulls in) cost 0.4-0.8 s of every start, while a file needs upgrading only
once per release. `tests/unit/test_migrations.py` fails when the constant and the Alembic head
differ, so a new revision cannot ship without it.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from desktop.store.backup import backup_replica
from desktop.store.engine import StoreError, describe_database_error, open_engine

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

# The newest revision under migrations/versions: a file stamped with it opens without Alembic.
HEAD_REVISION = "0005"
MIGRATIONS_LOCATION = "desktop.store:migrations"
# Replicas made before migrations existed carry this schema without a version table.
BASELINE_REVISION = "0001"
LEGACY_MARKER_TABLE = "outbox"


def alembic_config(connection: Connection | None = None) -> Config:
    """A Config without any alembic.ini: the scripts ship inside the package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", MIGRATIONS_LOCATION)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = script_directory().get_current_head()
    if head is None:  # pragma: no cover - the package always ships the initial revision
        raise RuntimeError("No replica migrations found in this build.")
    return head


@dataclass(frozen=True)
class StoredSchema:
    """What an existing file says about its schema, read without modifying it."""

    revisions: tuple[str, ...]  # empty: a new or empty file, or a pre-migration replica
    legacy: bool  # tables made before migrations existed (no alembic_version table)

    @property
    def label(self) -> str:
        return "+".join(self.revisions) or ("legacy" if self.legacy else "empty")


def read_stored_schema(path: Path) -> StoredSchema:
    """The revision(s) recorded in `path`, read through a read-only connection."""
    if not path.exists() or path.stat().st_size == 0:
        return StoredSchema(revisions=(), legacy=False)
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            listing = connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            tables = {name for (name,) in listing}
            if "alembic_version" not in tables:
                return StoredSchema(revisions=(), legacy=LEGACY_MARKER_TABLE in tables)
            rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise StoreError(describe_database_error(path, error)) from error
    return StoredSchema(revisions=tuple(sorted(row[0] for row in rows)), legacy=False)


def _is_known(script: ScriptDirectory, revision: str) -> bool:
    from alembic.util import CommandError

    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def _check_writable(path: Path) -> None:
    """Refuse up front what SQLite would only refuse at the first save, after the user typed."""
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"The data folder {folder} is a file, not a folder: choose another.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # e.g. --data-dir names a file, or a folder we may not create
        raise StoreError(
            f"The data folder {folder} cannot be used: {error.strerror or error}."
        ) from error
    if path.exists() and not os.access(path, os.W_OK):
        raise StoreError(
            f"The data file {path} cannot be written: check its permissions (it is read-only)."
        )
    if not os.access(folder, os.W_OK):
        # SQLite keeps its journal (-wal, -shm) next to the file.
        raise StoreError(f"The folder {folder} cannot be written: check its permissions.")


class _UpgradeContended(Exception):
    """Another process upgraded (or is upgrading) the same file while we tried."""


# Alembic keeps its running environment in module globals, so two upgrades in one process must
# not overlap (another process is a separate interpreter and is handled by SQLite's locks).
_ALEMBIC_LOCK = threading.Lock()
UPGRADE_ATTEMPTS = 3


def open_replica(path: Path) -> Engine:
    """An engine on the replica at `path`, created or upgraded to this build's schema.

    Raises StoreError with a plain message for a file from a newer version (left untouched), a
    damaged or unwritable file, or a full disk. When another Fieldbook process upgrades the same
    file at the same moment, the loser re-reads the file and finds the work done.
    """
    _check_writable(path)
    with _ALEMBIC_LOCK:
        for _attempt in range(UPGRADE_ATTEMPTS):
            try:
                return _open_and_upgrade(path)
            except _UpgradeContended:
                continue
    raise StoreError(
        f"The data file {path} is being upgraded by another Fieldbook window or command; "
        "try again in a moment."
    )


def _open_and_upgrade(path: Path) -> Engine:
    stored = read_stored_schema(path)
    if stored.revisions == (HEAD_REVISION,):
        return open_engine(path)  # the usual start: up to date, no Alembic needed
    return _upgrade(path, stored)


def _upgrade(path: Path, stored: StoredSchema) -> Engine:
    """Create, stamp or upgrade the file with Alembic (imported only here, see the docstring)."""
    from alembic import command

    script = script_directory()
    head = head_revision()
    unknown = [revision for revision in stored.revisions if not _is_known(script, revision)]
    if unknown:
        raise StoreError(
            f"The data file {path} was written by a newer version of Fieldbook (schema "
            f"{', '.join(unknown)}; this version knows up to {head}). Install the newer version "
            "to use it. The file was not changed."
        )
    if stored.revisions == (head,):
        return open_engine(path)
    if stored.revisions or stored.legacy:
        backup_replica(path, revision=stored.label)
    engine = open_engine(path)
    try:
        # One transaction: SQLite DDL is transactional, so a failed upgrade leaves the file as is.
        with engine.begin() as connection:
            # Indexes set aside by an unfinished initial load come back first: a revision may
            # drop, rename or rebuild them, and must find the schema it was written against.
            from desktop.store.bulk import restore_indexes

            restore_indexes(connection)
            config = alembic_config(connection)
            if stored.legacy:
                command.stamp(config, BASELINE_REVISION)
            command.upgrade(config, "head")
    except (SQLAlchemyError, sqlite3.Error, OSError) as error:
        engine.dispose()
        if "database is locked" in str(error):
            raise _UpgradeContended from error
        raise StoreError(describe_database_error(path, error)) from error
    return engine
