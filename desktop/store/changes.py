"""The unit of work: every local change writes its row and its outbox entry in one transaction.

A crash (or any exception) inside `engine.begin()` rolls back both, so the replica never holds a
change the sync engine does not know about, nor an outbox entry for a change that never happened.
Records are archived, never deleted.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from desktop.store.schema import entity_tables, outbox
from protocol.entities import ENTITIES


class RecordNotFound(LookupError):
    def __init__(self, entity: str, record_id: str) -> None:
        super().__init__(f"No {entity} with id {record_id} in this replica.")
        self.entity = entity
        self.record_id = record_id


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def new_id() -> str:
    return str(uuid.uuid4())


def _write_outbox(
    connection: Connection,
    *,
    entity: str,
    entity_id: str,
    op: str,
    fields: Mapping[str, Any],
    base_version: int,
) -> int:
    result = connection.execute(
        insert(outbox).values(
            entity=entity,
            entity_id=entity_id,
            op=op,
            changed_fields=json.dumps(dict(fields), ensure_ascii=False, sort_keys=True),
            base_version=base_version,
            created_at=utc_now(),
        )
    )
    mutation_id = result.inserted_primary_key[0] if result.inserted_primary_key else None
    assert mutation_id is not None
    return int(mutation_id)


def _check_fields(entity: str, fields: Mapping[str, Any]) -> None:
    known = set(ENTITIES[entity].field_names)
    unknown = sorted(set(fields) - known)
    if unknown:
        raise ValueError(f"{entity} has no field(s): {', '.join(unknown)}")


def create_record(
    connection: Connection, *, entity: str, fields: Mapping[str, Any], record_id: str | None = None
) -> str:
    """Insert a new record and its `create` mutation; returns the new id."""
    _check_fields(entity, fields)
    record_id = record_id or new_id()
    connection.execute(insert(entity_tables[entity]).values(id=record_id, version=0, **fields))
    _write_outbox(
        connection, entity=entity, entity_id=record_id, op="create", fields=fields, base_version=0
    )
    return record_id


def read_record(connection: Connection, *, entity: str, record_id: str) -> dict[str, Any]:
    table = entity_tables[entity]
    row = connection.execute(select(table).where(table.c.id == record_id)).mappings().first()
    if row is None:
        raise RecordNotFound(entity, record_id)
    return dict(row)


def update_record(
    connection: Connection, *, entity: str, record_id: str, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """Apply only the fields that really change; returns them (empty: nothing was written)."""
    if ENTITIES[entity].append_only:
        raise ValueError(f"{entity} records are never edited; record an amendment instead.")
    _check_fields(entity, changes)
    current = read_record(connection, entity=entity, record_id=record_id)
    changed = {name: value for name, value in changes.items() if current.get(name) != value}
    if not changed:
        return {}
    table = entity_tables[entity]
    connection.execute(update(table).where(table.c.id == record_id).values(**changed))
    _write_outbox(
        connection,
        entity=entity,
        entity_id=record_id,
        op="update",
        fields=changed,
        base_version=int(current["version"]),
    )
    return changed


def set_archived(connection: Connection, *, entity: str, record_id: str, archived: bool) -> bool:
    """Archive (or restore) a record; returns False when it already was in that state."""
    if not ENTITIES[entity].archivable:
        raise ValueError(f"{entity} records cannot be archived.")
    current = read_record(connection, entity=entity, record_id=record_id)
    if bool(current["archived"]) == archived:
        return False
    table = entity_tables[entity]
    connection.execute(
        update(table).where(table.c.id == record_id).values(archived=1 if archived else 0)
    )
    _write_outbox(
        connection,
        entity=entity,
        entity_id=record_id,
        op="archive" if archived else "unarchive",
        fields={},
        base_version=int(current["version"]),
    )
    return True
