"""Engines, schema upgrades and the write transaction that allocates change-log sequence numbers.

Every write goes through `write_transaction`: its first statement locks the counter row in
`server_meta`, so writers commit one after another in `seq` order and a reader never sees seq 12
committed while seq 11 is still in flight (a BIGSERIAL would allow that on PostgreSQL). On SQLite
the same statement takes the database's write lock up front, which avoids the "database is locked"
failure of a read transaction that tries to upgrade to a write later.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, insert, select, update

from server.schema import server_meta

SQLITE_BUSY_TIMEOUT_MS = 30_000
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


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # The timeout first: switching a new file to WAL needs a lock that another process
        # starting at the same moment may hold, and without it that switch fails at once.
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
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
        return create_engine(database_url, pool_size=10, max_overflow=30, pool_pre_ping=True)
    raise ValueError(
        f"Unsupported database URL {database_url!r}: use sqlite+pysqlite:///PATH or "
        "postgresql+psycopg://USER@HOST/DB"
    )


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


class SeqAllocator:
    """Hands out change-log sequence numbers inside one write transaction."""

    def __init__(self, connection: Connection, last_seq: int) -> None:
        self.connection = connection
        self.last_seq = last_seq
        self.start_seq = last_seq

    def next(self) -> int:
        self.last_seq += 1
        return self.last_seq

    def flush(self) -> None:
        if self.last_seq != self.start_seq:
            self.connection.execute(
                update(server_meta).where(server_meta.c.id == 1).values(last_seq=self.last_seq)
            )
            self.start_seq = self.last_seq


@contextmanager
def write_transaction(engine: Engine) -> Iterator[tuple[Connection, SeqAllocator]]:
    """One transaction that holds the seq counter's lock from its first statement to commit."""
    with engine.begin() as connection:
        # A no-op write: takes the row lock (PostgreSQL) or the write lock (SQLite) right away.
        connection.execute(
            update(server_meta).where(server_meta.c.id == 1).values(last_seq=server_meta.c.last_seq)
        )
        last_seq = connection.execute(select(server_meta.c.last_seq)).scalar_one()
        allocator = SeqAllocator(connection, int(last_seq))
        yield connection, allocator
        allocator.flush()


def read_meta(connection: Connection) -> tuple[str, int, int]:
    """(epoch, high-water seq, tombstone floor)."""
    row = connection.execute(
        select(server_meta.c.epoch, server_meta.c.last_seq, server_meta.c.tombstone_floor)
    ).one()
    return str(row.epoch), int(row.last_seq), int(row.tombstone_floor)
