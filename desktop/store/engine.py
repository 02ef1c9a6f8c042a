"""Opening the replica file: one SQLite engine with the PRAGMAs the sync design relies on."""

from __future__ import annotations

import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import QueuePool


class StoreError(Exception):
    """A problem with the local database file, worded for the person at the keyboard."""


class ReplicaBusy(StoreError):
    """The file could not be had alone (another program, or a long read, kept it open)."""


BUSY_TIMEOUT_MS = 5_000
# 64 MiB page cache: the default 2 MiB thrashes the customer-list indexes of a large replica
# (a first sync sets them aside and runs in `bulk_step_cache` instead).
PAGE_CACHE_KIB = 65_536


def _apply_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # First: the journal mode below may have to wait for another connection's lock too.
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # a note the user saw saved survives power loss
        cursor.execute("PRAGMA foreign_keys=ON")
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


class _CheckoutGate:
    """Holds other threads' connection checkouts while one thread has the file to itself."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._holder: int | None = None

    def wait_until_open(self, *_event_arguments: Any) -> None:
        with self._condition:
            while self._holder not in (None, threading.get_ident()):
                self._condition.wait()

    def close(self) -> None:
        with self._condition:
            self.wait_until_open()
            self._holder = threading.get_ident()

    def open(self) -> None:
        with self._condition:
            self._holder = None
            self._condition.notify_all()


_GATES: weakref.WeakKeyDictionary[Engine, _CheckoutGate] = weakref.WeakKeyDictionary()


def open_engine(path: Path) -> Engine:
    """An engine on `path` (created if missing). Raises StoreError with a plain message."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite+pysqlite:///{path}", future=True)
    # The gate first: a new connection's PRAGMAs already need the file.
    gate = _GATES[engine] = _CheckoutGate()
    event.listen(engine, "connect", gate.wait_until_open)
    event.listen(engine, "checkout", gate.wait_until_open)
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


def _checked_out(engine: Engine) -> int:
    return engine.pool.checkedout() if isinstance(engine.pool, QueuePool) else 0


# How long `file_to_ourselves` waits for other threads to hand their connections back.
CHECKED_OUT_WAIT_SECONDS = 10.0


@contextmanager
def file_to_ourselves(engine: Engine, path: Path) -> Iterator[sqlite3.Connection]:
    """A raw connection that has the replica file to itself: no other connection, in this
    process or any other, can read or write it until the block ends.

    For replacing the whole file's contents at once (adopting a snapshot). Other threads' use of
    `engine` waits at checkout, so no busy timeout runs out meanwhile; connections already
    checked out are waited for, then every pooled one is closed. Raises `ReplicaBusy` when a
    connection stays checked out or another program holds the file open: nothing has changed.
    """
    gate = _GATES.get(engine)
    if gate is None:
        raise StoreError("This engine was not opened by open_engine: cannot take the file.")
    gate.close()
    try:
        deadline = time.monotonic() + CHECKED_OUT_WAIT_SECONDS
        while _checked_out(engine):
            if time.monotonic() > deadline:
                raise ReplicaBusy("The data file stayed in use by another task.")
            time.sleep(0.01)
        engine.dispose()  # closes the idle pooled connections; new ones wait at the gate
        connection = sqlite3.connect(path, isolation_level=None, timeout=1.0)
        try:
            # Exclusive locking mode keeps the lock after the transaction, which succeeds only
            # when no other connection has the file open.
            connection.execute("PRAGMA locking_mode=EXCLUSIVE")
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("COMMIT")
        except sqlite3.OperationalError as error:
            connection.close()
            raise ReplicaBusy(f"Another program has the data file open ({error}).") from error
        try:
            yield connection
        finally:
            connection.close()
    finally:
        gate.open()


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
