"""Engines, schema upgrades and the write transaction that allocates change-log sequence numbers.

Every write goes through `write_transaction`. Change-log seqs are handed out under the lock of
the counter row in `server_meta`, held until commit, so writers commit in `seq` order and a
reader never sees seq 12 committed while seq 11 is still in flight (a BIGSERIAL would allow that
on PostgreSQL). Most writes take that lock at their first statement; a push on PostgreSQL takes
it only at its end, so pushes do their work side by side (see `write_transaction`).
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs
from alembic import command
from alembic.config import Config
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Engine,
    Insert,
    Table,
    and_,
    bindparam,
    create_engine,
    delete,
    event,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from server.schema import change_log, server_meta

SQLITE_BUSY_TIMEOUT_MS = 30_000
WAL_SWITCH_RETRY_SECONDS = 0.02
# A plain directory path: also right when `server` is imported as a namespace package (an
# editable install made before it had an __init__.py), where "server:migrations" fails.
MIGRATIONS_DIRECTORY = Path(__file__).resolve().parent / "migrations"


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def default_database_url() -> str:
    """A SQLite file in the platform's data directory (created on first use)."""
    directory = Path(platformdirs.user_data_dir("fieldbook-server", appauthor=False))
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite+pysqlite:///{directory / 'fieldbook-server.sqlite3'}"


def _switch_to_wal(cursor: sqlite3.Cursor) -> None:
    """Put the file in WAL mode, waiting for other connections if need be.

    Switching a new file to WAL needs an exclusive lock. When another process opens the same new
    file at that moment, SQLite answers "database is locked" at once, without the busy timeout
    (seen in 2 of 40 three-way starts), so the wait is ours: retry until the timeout."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(WAL_SWITCH_RETRY_SECONDS)


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable at checkpoints, fast
    finally:
        cursor.close()


def open_engine(database_url: str) -> Engine:
    """An engine for SQLite (`sqlite+pysqlite:///path`) or PostgreSQL (`postgresql+psycopg://`)."""
    if database_url.startswith("sqlite"):
        engine = create_engine(database_url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling is off so BEGIN is issued exactly when we begin.
        event.listen(engine, "connect", lambda conn, _r: setattr(conn, "isolation_level", None))
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
        return engine
    if database_url.startswith("postgres"):
        # No pre-ping: it costs a round trip per checkout, on every request. A connection found
        # dead (the database restarted) fails its request, and SQLAlchemy then discards every
        # older pooled connection, so clients see one failed call, which they retry anyway.
        return create_engine(database_url, pool_size=10, max_overflow=30)
    raise ValueError(
        f"Unsupported database URL {database_url!r}: use sqlite+pysqlite:///PATH or "
        "postgresql+psycopg://USER@HOST/DB"
    )


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for reads on the hot paths (authentication, pulls). On PostgreSQL it runs
    in autocommit: each statement sees what was committed when it started, as it would under
    READ COMMITTED, without the BEGIN and ROLLBACK round trips of a transaction."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection


def alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIRECTORY))
    config.attributes["connection"] = connection
    return config


# Any constant will do: it names the lock that serialises schema upgrades on PostgreSQL.
MIGRATION_LOCK_ID = 7_202_611


def init_database(engine: Engine) -> str:
    """Bring the schema to the newest revision and make sure an epoch exists; returns it.

    Several server processes may start at once on one database: the first to take the lock
    migrates and creates the epoch, the others wait and then find nothing left to do."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})")
        else:
            # A write as the first statement takes SQLite's write lock before Alembic reads
            # the current revision.
            connection.exec_driver_sql("PRAGMA user_version = 1")
        command.upgrade(alembic_config(connection), "head")
        epoch = connection.execute(select(server_meta.c.epoch)).scalar()
        if epoch is None:
            epoch = new_epoch()
            connection.execute(
                insert(server_meta).values(
                    id=1, epoch=epoch, last_seq=0, tombstone_floor=0, created_at=utc_now_iso()
                )
            )
    return str(epoch)


def new_epoch() -> str:
    return secrets.token_hex(8)


def mark_restored(engine: Engine) -> str:
    """After restoring a backup: a new epoch, so every client resets and pushes again."""
    epoch = new_epoch()
    with engine.begin() as connection:
        connection.execute(update(server_meta).where(server_meta.c.id == 1).values(epoch=epoch))
    return epoch


# Any constant will do: it names the lock that keeps pushes (shared) and every other write
# (exclusive) apart on PostgreSQL; see `write_transaction`.
WRITERS_LOCK_ID = 7_202_612


# Built once: every push runs it.
_ADVANCE_COUNTER = (
    update(server_meta)
    .where(server_meta.c.id == 1)
    .values(last_seq=server_meta.c.last_seq + bindparam("count", type_=BigInteger))
    .returning(server_meta.c.last_seq, server_meta.c.epoch)
)


class SeqAllocator:
    """Collects one write transaction's change-log rows and writes them with their seqs.

    Seqs are handed out under the counter row's lock, held until commit, so a reader never sees
    seq N+1 committed while seq N is in flight. `locked` says whether the transaction took that
    lock at its start; if not (a push on PostgreSQL), `flush` takes it, as the last step before
    commit, so concurrent pushes queue only for the few statements that write the log."""

    def __init__(self, connection: Connection, *, last_seq: int | None) -> None:
        self.connection = connection
        self.last_seq = last_seq  # None until the counter is locked
        self.epoch: str | None = None
        self._pending: list[dict[str, Any]] = []  # change-log rows without their seq
        self._replaced: list[ColumnElement[bool]] = []  # committed rows they replace
        self._records: set[tuple[str, str]] = set()  # (entity, id) whose entries they replace
        self._bumped = False
        self.queued = 0  # rows queued so far, including any replaced since: grows only

    def next(self) -> int:
        """A seq for a row the caller writes itself (bulk loads): needs the counter's lock."""
        if self.last_seq is None:
            raise RuntimeError("seqs are handed out directly only under the counter's lock")
        self.last_seq += 1
        self._bumped = True
        return self.last_seq

    def append(
        self,
        values: dict[str, Any],
        *,
        replaces: ColumnElement[bool],
        supersedes: Callable[[dict[str, Any]], bool],
    ) -> None:
        """Queue a change-log row (without `seq`); it replaces the committed rows matching
        `replaces` and the rows queued earlier in this transaction matching `supersedes`."""
        self._pending = [row for row in self._pending if not supersedes(row)]
        self._pending.append(values)
        self._replaced.append(replaces)
        self.queued += 1

    def append_record_state(self, values: dict[str, Any]) -> None:
        """Queue a record's upsert or delete entry, replacing its other entries (its exits
        aside). The common case, gathered into one IN list at the flush: the statement is then
        the same whatever the number of records, so SQLAlchemy reuses it instead of building a
        longer OR for every push while the counter is locked."""
        entity, entity_id = values["entity"], values["entity_id"]
        self._pending = [
            row
            for row in self._pending
            if not (
                row["entity"] == entity and row["entity_id"] == entity_id and row["op"] != "exit"
            )
        ]
        self._pending.append(values)
        self._records.add((entity, entity_id))
        self.queued += 1

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A savepoint that, when it rolls back, also forgets the rows queued inside it."""
        pending, replaced, records = list(self._pending), list(self._replaced), set(self._records)
        try:
            with self.connection.begin_nested():
                yield
        except BaseException:
            self._pending, self._replaced, self._records = pending, replaced, records
            raise

    def flush(self) -> None:
        """Write the queued rows with the next seqs and advance the counter."""
        if not self._pending and not self._bumped:
            return
        count = len(self._pending)
        if self.last_seq is None:
            # Lock and advance the counter in one statement; a separate statement after it, so
            # the deletes below see every commit made while we waited for the lock.
            row = self.connection.execute(_ADVANCE_COUNTER, {"count": count}).one()
            end, self.epoch = int(row.last_seq), str(row.epoch)
            first = end - count + 1
        else:
            first = self.last_seq + 1
            end = self.last_seq + count
            self.connection.execute(
                update(server_meta).where(server_meta.c.id == 1).values(last_seq=end)
            )
        self.last_seq = end
        self._bumped = False
        rows, self._pending = self._pending, []
        replaced, self._replaced = self._replaced, []
        if self._records:
            records, self._records = sorted(self._records), set()
            replaced.append(
                and_(
                    change_log.c.op != "exit",
                    tuple_(change_log.c.entity, change_log.c.entity_id).in_(records),
                )
            )
        if replaced:
            self.connection.execute(delete(change_log).where(or_(*replaced)))
        if rows:
            self.connection.execute(
                insert(change_log), [{**row, "seq": first + n} for n, row in enumerate(rows)]
            )


@contextmanager
def write_transaction(
    engine: Engine, *, push: bool = False
) -> Iterator[tuple[Connection, SeqAllocator]]:
    """One write transaction whose change-log rows get their seqs in commit order.

    Any write but a push locks the seq counter at its first statement and holds it to commit,
    so it runs alone. On SQLite a push does the same: that first write takes the database's write
    lock up front, which avoids the "database is locked" failure of a read transaction that
    tries to upgrade to a write later. On PostgreSQL pushes run side by side and lock the counter
    only in `SeqAllocator.flush`, just before commit. Two rules keep that safe:
    - pushes take a shared advisory lock, every other write the same lock exclusively, so a
      reassignment or hand-over never interleaves with a push (it sees no push half done, and
      no push checks ownership against a customer it is moving);
    - a push locks (`FOR UPDATE`) every record it writes or logs before reading it, and after
      taking the counter it writes only the change log, so no two writers wait on each other
      in a cycle through the counter.
    """
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            function = "pg_advisory_xact_lock_shared" if push else "pg_advisory_xact_lock"
            connection.exec_driver_sql(f"SELECT {function}({WRITERS_LOCK_ID})")
            if push:
                allocator = SeqAllocator(connection, last_seq=None)
                yield connection, allocator
                allocator.flush()
                return
        # A no-op write: takes the row lock (PostgreSQL) or the write lock (SQLite) right away.
        row = connection.execute(
            update(server_meta)
            .where(server_meta.c.id == 1)
            .values(last_seq=server_meta.c.last_seq)
            .returning(server_meta.c.last_seq, server_meta.c.epoch)
        ).one()
        allocator = SeqAllocator(connection, last_seq=int(row.last_seq))
        allocator.epoch = str(row.epoch)
        yield connection, allocator
        allocator.flush()


def insert_ignoring_duplicates(connection: Connection, table: Table) -> Insert:
    """INSERT ... ON CONFLICT DO NOTHING in the connection's dialect."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def read_meta(connection: Connection) -> tuple[str, int, int]:
    """(epoch, high-water seq, tombstone floor)."""
    row = connection.execute(
        select(server_meta.c.epoch, server_meta.c.last_seq, server_meta.c.tombstone_floor)
    ).one()
    return str(row.epoch), int(row.last_seq), int(row.tombstone_floor)
