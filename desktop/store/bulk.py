"""Applying records as the server sends them: executemany, no ORM objects, no outbox entries.

The sync engine calls these for every pulled page, inside the same transaction that stores the
new cursor, so a crash resumes at the next page. The search index follows in the same
transaction: pulled customers, contacts and activities are indexed straight from the rows in
memory (reading them back would double the cost of an initial sync), with the search queue's
per-row triggers paused (they doubled the cost of the executemany).

Into an empty index (an initial sync) nothing is indexed per page: the index is deferred and
built in one pass by `finish_initial_load` after the last page, or else before the next search.

An initial load into a replica without records also sets the record tables' secondary indexes
aside (`start_initial_load`): keeping 13 indexes of `customer` and two of `activity` current row
by row cost more than writing the rows themselves, where one CREATE INDEX per index at the end
sorts once. Their definitions wait in `initial_load_index`, committed with the first page, so a
crash between pages keeps them, and `finish_initial_load` puts them back. Lookups by
`customer_id` (a scope exit removing a customer's bucket) put them back at once instead of
scanning whole tables. Only speed depends on these indexes, never a result.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine

from desktop.store.engine import bulk_step_cache, write_locked
from desktop.store.schema import entity_tables
from desktop.store.search_index import (
    INDEXED_ENTITIES,
    bring_index_up_to_date,
    defer_index_if_empty,
    ensure_search_index,
    finish_deferred_index,
    index_build_started,
    index_is_deferred,
    index_rows,
    queue_triggers_paused,
    unindex_ids,
)
from protocol.entities import ENTITIES

if TYPE_CHECKING:
    from protocol.demo_firm import DemoFirm

# Rows per executemany and per transaction when loading a demo firm: big enough that per-call
# overhead vanishes, small enough that the rows of one batch are a few MB at most.
DEMO_BATCH_ROWS = 5_000
DEMO_ROWS_PER_TRANSACTION = 100_000


def upsert_columns(entity: str) -> tuple[str, ...]:
    return ("id", *ENTITIES[entity].field_names, "version", "archived")


def upsert_sql(entity: str) -> str:
    columns = upsert_columns(entity)
    placeholders = ", ".join("?" for _ in columns)
    return f'INSERT OR REPLACE INTO "{entity}" ({", ".join(columns)}) VALUES ({placeholders})'


def upsert_rows(connection: Connection, *, entity: str, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert or replace whole records (every field, `id`, `version`, `archived`)."""
    if not rows:
        return 0
    field_columns = upsert_columns(entity)[:-1]
    values = [
        (*(row.get(column) for column in field_columns), 1 if row.get("archived") else 0)
        for row in rows
    ]
    if entity not in INDEXED_ENTITIES:
        connection.exec_driver_sql(upsert_sql(entity), values)
        return len(values)
    ensure_search_index(connection)
    deferred = defer_index_if_empty(connection)
    if deferred and index_build_started(connection):
        # Behind a stepped build's position these rows would be missed: the triggers queue
        # them for its last step.
        connection.exec_driver_sql(upsert_sql(entity), values)
        return len(values)
    if not deferred:
        # Earlier local writes still queued are indexed first: they are older than these rows.
        bring_index_up_to_date(connection)
    with queue_triggers_paused(connection):
        connection.exec_driver_sql(upsert_sql(entity), values)
    if not deferred:
        index_rows(connection, entity=entity, rows=rows)
    return len(values)


def delete_rows(connection: Connection, *, entity: str, ids: Iterable[str]) -> int:
    table = entity_tables[entity]
    id_list = list(ids)
    if not id_list:
        return 0
    if entity not in INDEXED_ENTITIES:
        connection.execute(table.delete().where(table.c.id.in_(id_list)))
        return len(id_list)
    ensure_search_index(connection)
    if index_build_started(connection):  # queued by the triggers, as in `upsert_rows`
        connection.execute(table.delete().where(table.c.id.in_(id_list)))
        return len(id_list)
    with queue_triggers_paused(connection):
        connection.execute(table.delete().where(table.c.id.in_(id_list)))
    if not index_is_deferred(connection):  # a deferred index is rebuilt from what is left
        unindex_ids(connection, entity=entity, record_ids=id_list)
    return len(id_list)


# The tables whose secondary indexes an initial load sets aside: the records and the local tag
# index that the customer triggers fill. Unique indexes stay: INSERT OR REPLACE relies on them.
_SET_ASIDE_TABLES: tuple[str, ...] = (*entity_tables, "customer_tag")
_SET_ASIDE_DDL = (
    "CREATE TABLE IF NOT EXISTS initial_load_index (name TEXT PRIMARY KEY, sql TEXT NOT NULL)"
)


def _set_aside_table_exists(connection: Connection) -> bool:
    return bool(
        connection.exec_driver_sql(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master "
            "WHERE type = 'table' AND name = 'initial_load_index')"
        ).scalar()
    )


def initial_load_in_progress(connection: Connection) -> bool:
    """Secondary indexes are set aside by an initial load that has not finished yet."""
    return _set_aside_table_exists(connection) and bool(
        connection.exec_driver_sql("SELECT EXISTS (SELECT 1 FROM initial_load_index)").scalar()
    )


def start_initial_load(connection: Connection) -> bool:
    """Before the first page of a load: if the replica holds no records at all, set the secondary
    indexes of the record tables aside until `finish_initial_load`. True while they are aside.

    Commits with the caller's transaction; nothing happens to a replica that holds any record
    (a reset keeps the records with pending edits, and then the indexes stay).
    """
    if initial_load_in_progress(connection):
        return True
    for table in entity_tables:
        if connection.exec_driver_sql(f'SELECT EXISTS (SELECT 1 FROM "{table}")').scalar():
            return False
    marks = ", ".join("?" for _ in _SET_ASIDE_TABLES)
    indexes = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND sql NOT LIKE 'CREATE UNIQUE %' AND tbl_name IN ({marks}) ORDER BY name",
        tuple(_SET_ASIDE_TABLES),
    ).all()
    if not indexes:
        return False
    connection.exec_driver_sql(_SET_ASIDE_DDL)
    connection.exec_driver_sql(
        "INSERT INTO initial_load_index (name, sql) VALUES (?, ?)",
        [(str(name), str(sql)) for name, sql in indexes],
    )
    for name, _sql in indexes:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    return True


def restore_indexes(connection: Connection) -> int:
    """Create the indexes an initial load set aside (each in one sorted pass); how many."""
    if not _set_aside_table_exists(connection):
        return 0
    indexes = connection.exec_driver_sql("SELECT name, sql FROM initial_load_index").all()
    for name, sql in indexes:
        _create_set_aside_index(connection, name=str(name), sql=str(sql))
    return len(indexes)


def _create_set_aside_index(connection: Connection, *, name: str, sql: str) -> None:
    with bulk_step_cache(connection):
        connection.exec_driver_sql(sql)
    connection.exec_driver_sql("DELETE FROM initial_load_index WHERE name = ?", (name,))


def restore_indexes_in_steps(engine: Engine) -> int:
    """`restore_indexes`, one index per transaction, so the user's saves go in between (the
    customer indexes of 100,000 records take seconds each); returns how many were created."""
    with engine.connect() as connection:
        if not initial_load_in_progress(connection):
            return 0
    created = 0
    while True:
        with write_locked(engine) as connection:
            row = connection.exec_driver_sql(
                "SELECT name, sql FROM initial_load_index ORDER BY name LIMIT 1"
            ).first()
            if row is None:
                return created
            _create_set_aside_index(connection, name=str(row.name), sql=str(row.sql))
            created += 1


def finish_initial_load(engine_or_connection: Engine | Connection) -> int:
    """Put back the indexes set aside and build the search index deferred during an initial
    load; returns the records indexed for search (0 if none).

    For a loader to call once after the last page, in one transaction (the sync engine works in
    steps instead, see `restore_indexes_in_steps` and `build_deferred_index_in_steps`): until then
    lists read whole tables and a search scans names and phone numbers only, and says so.
    """
    if isinstance(engine_or_connection, Engine):
        with engine_or_connection.begin() as connection:
            return finish_initial_load(connection)
    restore_indexes(engine_or_connection)
    return finish_deferred_index(engine_or_connection)


def _batches(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    while batch := list(islice(rows, size)):
        yield batch


def load_demo_firm(engine: Engine, firm: DemoFirm, *, version: int = 1) -> dict[str, int]:
    """Load a generated firm as if pulled from a server (no outbox entries); rows per entity.

    Streams: at most one batch of rows is in memory, whatever the firm's size.
    """
    counts: dict[str, int] = {}
    with engine.begin() as connection:
        start_initial_load(connection)
    for entity, rows in firm.entities():
        counts[entity] = 0
        batches = _batches(rows, DEMO_BATCH_ROWS)
        while True:
            with engine.begin() as connection:
                loaded_in_transaction = 0
                for batch in batches:
                    for row in batch:
                        row["version"] = version
                    counts[entity] += upsert_rows(connection, entity=entity, rows=batch)
                    loaded_in_transaction += len(batch)
                    if loaded_in_transaction >= DEMO_ROWS_PER_TRANSACTION:
                        break
            if loaded_in_transaction < DEMO_ROWS_PER_TRANSACTION:
                break
    finish_initial_load(engine)
    return counts
