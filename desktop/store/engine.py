"""Opening the replica file: one SQLite engine with the PRAGMAs the sync design relies on."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event


class StoreError(Exception):
    """A problem with the local database file, worded for the person at the keyboard."""


BUSY_TIMEOUT_MS = 5_000
# 64 MiB page cache: the default 2 MiB thrashes the customer-list indexes of a large replica
# (a first sync sets them aside and runs in `bulk_step_cache` instead).
PAGE_CACHE_KIB = 65_536


def _apply_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # a note the user saw saved survives power loss
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
    finally:
        cursor.close()


# Page cache of a connection during a bulk step (creating a set-aside index, a step of a search
# index build). SQLite sorts for CREATE INDEX in memory up to the cache size before it spills to
# a temporary file, and each pooled connection keeps a cache of its own: with the usual 64 MiB a
# first sync of 100,000 customers took the client past 220 MB.
BULK_STEP_CACHE_KIB = 8_192


@contextmanager
def bulk_step_cache(connection: Connection) -> Iterator[None]:
    """Bound the connection's page cache (and sort memory) for one bulk step, then restore it."""
    connection.exec_driver_sql(f"PRAGMA cache_size=-{BULK_STEP_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")


def open_engine(path: Path) -> Engine:
    """An engine on `path` (created if missing). Raises StoreError with a plain message."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite+pysqlite:///{path}", future=True)
    event.listen(engine, "connect", _apply_pragmas)
    # pysqlite's own transaction handling is off so BEGIN is issued exactly when SQLAlchemy begins.
    event.listen(engine, "connect", lambda conn, _r: setattr(conn, "isolation_level", None))
    event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
    except Exception as error:  # sqlite3.DatabaseError and friends, wrapped by SQLAlchemy
        engine.dispose()
        raise StoreError(describe_database_error(path, error)) from error
    return engine


@contextmanager
def write_locked(engine: Engine) -> Iterator[Connection]:
    """A transaction that takes SQLite's write lock before it reads anything.

    A deferred transaction that reads first and writes later fails at once with "database is
    locked" (no busy wait) when another connection committed in between, e.g. the long-poll
    listener applying a page while the cycle pushes. A no-op write first makes it wait its turn
    (up to the busy timeout) instead, and what it reads stays true until commit."""
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE sync_state SET value = value WHERE 0")
        yield connection


def is_database_busy(error: BaseException) -> bool:
    """The file's write lock stayed taken for the whole busy timeout: another writer (a long sync
    step, such as building the search index after a first sync) held it. Trying again works."""
    text = str(getattr(error, "orig", error))
    return "database is locked" in text or "database is busy" in text


def describe_database_error(path: Path, error: BaseException) -> str:
    text = str(getattr(error, "orig", error))
    if "file is not a database" in text or "malformed" in text:
        return f"The data file {path} is damaged or is not a Fieldbook database ({text})."
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return f"The data file {path} cannot be written: check its permissions ({text})."
    if "disk is full" in text or "database or disk is full" in text:
        return f"The disk holding {path} is full: free some space; nothing was changed ({text})."
    return f"The data file {path} could not be used: {text}"
