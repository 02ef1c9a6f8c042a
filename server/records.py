"""Writing synced records: the row, its per-field versions and its change-log entry together.

Every server-side change of a synced record (a pushed mutation, an admin action, the demo loader)
goes through here, so a record can never change without the entry that carries it to clients.
The change log stays compact: appending an entry for a record deletes that record's older entry.
Entries are queued in the transaction's `SeqAllocator` and written, with their seqs, at its end.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, String, Table, and_, bindparam, insert, select, update

from protocol.entities import ENTITIES, ENTITY_ORDER, Ownership
from server.db import SeqAllocator, utc_now_iso
from server.schema import change_log, entity_tables


@dataclass(frozen=True)
class Actor:
    """Who makes a change, and from which installation (None: the server itself, the CLI)."""

    user_id: str | None
    client_id: str | None = None


SYSTEM = Actor(user_id=None, client_id=None)


FIELD_NAMES: dict[str, tuple[str, ...]] = {
    name: spec.field_names for name, spec in ENTITIES.items()
}


def payload_json(entity: str, row: Mapping[str, Any]) -> str:
    """The `data` of an upsert: every synced field plus `archived`, as compact JSON text."""
    data = {name: row.get(name) for name in FIELD_NAMES[entity]}
    data["archived"] = bool(row.get("archived"))
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def bucket_of(entity: str, record_id: str, row: Mapping[str, Any]) -> str | None:
    """The customer whose replica bucket carries this record (None: reference or personal)."""
    if entity == "customer":
        return record_id
    if ENTITIES[entity].ownership is Ownership.CUSTOMER:
        customer_id = row.get("customer_id")
        return str(customer_id) if customer_id else None
    return None


def personal_owner_of(entity: str, row: Mapping[str, Any]) -> str | None:
    if ENTITIES[entity].ownership is Ownership.PERSONAL:
        user_id = row.get("user_id")
        return str(user_id) if user_id else None
    return None


def load_record(
    connection: Connection, *, entity: str, record_id: str, for_update: bool = False
) -> dict[str, Any] | None:
    """The record's row; `for_update` locks it until commit (PostgreSQL; SQLite has one writer
    anyway), for a push that will write or log it: see `server.db.write_transaction`."""
    row = connection.execute(_record_query(entity, for_update), {"record_id": record_id})
    found = row.mappings().first()
    return dict(found) if found is not None else None


@functools.cache
def _record_query(entity: str, for_update: bool) -> Select[Any]:
    """Built once per record type: a push loads several records, and building the statement
    cost more than running it."""
    table = entity_tables[entity]
    query = select(table).where(table.c.id == bindparam("record_id", type_=String))
    return query.with_for_update() if for_update else query


def field_versions_of(row: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{"field": [version, user_id, client_id]} of the last write of each field."""
    loaded = json.loads(row.get("field_versions") or "{}")
    return loaded if isinstance(loaded, dict) else {}


def _log_row(**values: Any) -> dict[str, Any]:
    """A change-log row with every column named, so the rows of one flush insert together."""
    row: dict[str, Any] = dict.fromkeys(LOG_COLUMNS)
    row.update(values)
    return row


LOG_COLUMNS = tuple(column.name for column in change_log.columns if column.name != "seq")


def append_change(
    connection: Connection,
    allocator: SeqAllocator,
    *,
    entity: str,
    record_id: str,
    row: Mapping[str, Any],
) -> None:
    """Log the record's current state (upsert, or delete when `deleted`), replacing its older
    entry; the row is written, with its seq, when the transaction's log is flushed."""
    deleted = bool(row.get("deleted"))
    allocator.append_record_state(
        _log_row(
            entity=entity,
            entity_id=record_id,
            customer_id=bucket_of(entity, record_id, row),
            op="delete" if deleted else "upsert",
            version=int(row["version"]),
            payload=None if deleted else payload_json(entity, row),
            for_user_id=personal_owner_of(entity, row),
        )
    )


def append_personal_tombstone(
    allocator: SeqAllocator, *, entity: str, record_id: str, user_id: str
) -> None:
    """Tell one user's replicas to drop a record the server never accepted (a refused create).
    Should the record be created later, `append_change` replaces this entry like any other."""
    allocator.append(
        _log_row(
            entity=entity,
            entity_id=record_id,
            op="delete",
            version=0,
            for_user_id=user_id,
        ),
        replaces=and_(
            change_log.c.entity == entity,
            change_log.c.entity_id == record_id,
            change_log.c.op == "delete",
            change_log.c.for_user_id == user_id,
        ),
        supersedes=lambda queued: (
            queued["entity"] == entity
            and queued["entity_id"] == record_id
            and queued["op"] == "delete"
            and queued["for_user_id"] == user_id
        ),
    )


def append_exit(
    allocator: SeqAllocator,
    *,
    customer_id: str,
    version: int,
    owner_id: str | None,
    team_id: str | None,
) -> None:
    """Tell the former owner (and former team) that this customer's bucket left their scope."""
    # Exit entries are keyed like the customer's own entries (entity, entity_id): indexed.
    allocator.append(
        _log_row(
            entity="customer",
            entity_id=customer_id,
            customer_id=customer_id,
            op="exit",
            version=version,
            exit_owner_id=owner_id,
            exit_team_id=team_id,
        ),
        replaces=and_(
            change_log.c.entity == "customer",
            change_log.c.entity_id == customer_id,
            change_log.c.op == "exit",
            change_log.c.exit_owner_id.is_(None)
            if owner_id is None
            else change_log.c.exit_owner_id == owner_id,
            change_log.c.exit_team_id.is_(None)
            if team_id is None
            else change_log.c.exit_team_id == team_id,
        ),
        supersedes=lambda queued: (
            queued["entity_id"] == customer_id
            and queued["op"] == "exit"
            and queued["exit_owner_id"] == owner_id
            and queued["exit_team_id"] == team_id
        ),
    )


# `save_record(current=...)` when the caller has not read the record: it is read here.
UNREAD: Any = object()


def save_record(
    connection: Connection,
    allocator: SeqAllocator,
    *,
    entity: str,
    record_id: str,
    values: Mapping[str, Any],
    actor: Actor,
    archived: bool | None = None,
    current: Mapping[str, Any] | None = UNREAD,
) -> dict[str, Any]:
    """Create the record or change the given fields; bump its version; log it. Returns the row.
    `current`: the row as the caller just read it (locked, in a push), None for a new record."""
    table = entity_tables[entity]
    if current is UNREAD:
        current = load_record(connection, entity=entity, record_id=record_id)
    version = (int(current["version"]) if current else 0) + 1
    versions = field_versions_of(current) if current else {}
    for name in values:
        versions[name] = [version, actor.user_id, actor.client_id]
    if archived is not None:
        # Versioned like a field, so an edit based on an older version sees it was archived since.
        versions["archived"] = [version, actor.user_id, actor.client_id]
    bookkeeping: dict[str, Any] = {
        "version": version,
        "field_versions": json.dumps(versions, separators=(",", ":")),
        "updated_at": utc_now_iso(),
        "updated_by": actor.user_id,
    }
    if archived is not None:
        bookkeeping["archived"] = archived
    if current is None:
        row: dict[str, Any] = {name: None for name in ENTITIES[entity].field_names}
        row.update(values)
        row.update(bookkeeping, id=record_id, deleted=False)
        row.setdefault("archived", False)
        connection.execute(insert(table).values(**row))
    else:
        connection.execute(
            update(table).where(table.c.id == record_id).values(**dict(values), **bookkeeping)
        )
        row = {**current, **dict(values), **bookkeeping}
    append_change(connection, allocator, entity=entity, record_id=record_id, row=row)
    return row


def bucket_records(
    connection: Connection, *, customer_id: str
) -> Iterable[tuple[str, dict[str, Any]]]:
    """The customer and every record in its bucket, referenced records first."""
    for entity in ENTITY_ORDER:
        spec = ENTITIES[entity]
        table = entity_tables[entity]
        if entity == "customer":
            query = select(table).where(table.c.id == customer_id)
        elif spec.ownership is Ownership.CUSTOMER:
            query = select(table).where(table.c.customer_id == customer_id)
        else:
            continue
        for row in connection.execute(query).mappings():
            yield entity, dict(row)


def reappend_bucket(connection: Connection, allocator: SeqAllocator, *, customer_id: str) -> int:
    """Append the whole bucket again so whoever just gained the customer pulls its full history."""
    count = 0
    for entity, row in list(bucket_records(connection, customer_id=customer_id)):
        append_change(connection, allocator, entity=entity, record_id=str(row["id"]), row=row)
        count += 1
    return count


def _executemany(connection: Connection, table: Table, rows: list[tuple[Any, ...]]) -> None:
    """INSERT through the driver's executemany: no per-row parameter processing in SQLAlchemy,
    which costs more than the insert itself for the hundreds of thousands of demo rows."""
    columns = [column.name for column in table.columns]
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    quoted = ", ".join(f'"{name}"' for name in columns)
    statement = (
        f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join([marker] * len(columns))})'
    )
    connection.exec_driver_sql(statement, rows)


def bulk_insert(
    connection: Connection,
    allocator: SeqAllocator,
    *,
    entity: str,
    rows: list[dict[str, Any]],
    actor: Actor,
) -> int:
    """Insert many new records (and their change-log entries) at once: the demo loader."""
    if not rows:
        return 0
    names = FIELD_NAMES[entity]
    table = entity_tables[entity]
    record_columns = [column.name for column in table.columns]
    log_columns = [column.name for column in change_log.columns]
    now = utc_now_iso()
    # Every field of a new record was set by `actor` at version 1.
    version_mark = json.dumps([1, actor.user_id, None], separators=(",", ":"))
    records: list[tuple[Any, ...]] = []
    entries: list[tuple[Any, ...]] = []
    for source in rows:
        record = {name: source.get(name) for name in names}
        record_id = str(source["id"])
        versions = ",".join(f'"{n}":{version_mark}' for n in names if record[n] is not None)
        record.update(
            id=record_id,
            version=1,
            field_versions="{" + versions + "}",
            archived=bool(source.get("archived", False)),
            deleted=False,
            updated_at=now,
            updated_by=actor.user_id,
        )
        records.append(tuple(record[name] for name in record_columns))
        entry = {
            "seq": allocator.next(),
            "entity": entity,
            "entity_id": record_id,
            "customer_id": bucket_of(entity, record_id, record),
            "op": "upsert",
            "version": 1,
            "payload": payload_json(entity, record),
            "exit_owner_id": None,
            "exit_team_id": None,
            "for_user_id": personal_owner_of(entity, record),
        }
        entries.append(tuple(entry[name] for name in log_columns))
    _executemany(connection, table, records)
    _executemany(connection, change_log, entries)
    return len(records)
