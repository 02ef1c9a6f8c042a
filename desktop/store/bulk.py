"""Applying records as the server sends them: executemany, no ORM objects, no outbox entries.

The sync engine calls these for every pulled page, inside the same transaction that stores the
new cursor, so a crash resumes at the next page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection

from desktop.store.schema import entity_tables
from protocol.entities import ENTITIES


def _upsert_sql(entity: str) -> tuple[str, tuple[str, ...]]:
    columns = ("id", *ENTITIES[entity].field_names, "version", "archived")
    placeholders = ", ".join("?" for _ in columns)
    return (
        f'INSERT OR REPLACE INTO "{entity}" ({", ".join(columns)}) VALUES ({placeholders})',
        columns,
    )


def upsert_rows(
    connection: Connection, *, entity: str, rows: Sequence[Mapping[str, Any]]
) -> int:
    """Insert or replace whole records (every field, `id`, `version`, `archived`)."""
    if not rows:
        return 0
    sql, columns = _upsert_sql(entity)
    field_columns = columns[:-1]
    values = [
        (*(row.get(column) for column in field_columns), 1 if row.get("archived") else 0)
        for row in rows
    ]
    connection.exec_driver_sql(sql, values)
    return len(values)


def delete_rows(connection: Connection, *, entity: str, ids: Iterable[str]) -> int:
    table = entity_tables[entity]
    id_list = list(ids)
    if not id_list:
        return 0
    connection.execute(table.delete().where(table.c.id.in_(id_list)))
    return len(id_list)
