"""The sync inbox: conflicts (a value of ours that lost) and sync errors (a change the server
refused). Both arrive as synced records; this module lists them, re-applies a lost value as a new
local edit (through `desktop.store.changes`, so it is pushed like any other), and dismisses them.

Conflict and sync-error records are written by the server only, so dismissing is kept locally in
`sync_state`; the records themselves stay until the server resolves them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping, Select, select

from desktop.operations.read_models import read_model
from desktop.store.changes import update_record
from desktop.store.schema import entity_tables
from desktop.sync import state
from protocol.entities import ENTITIES, FieldType


@dataclass(frozen=True)
class ConflictItem:
    id: str
    customer_id: str | None
    entity: str
    entity_id: str
    field: str
    kept_value: str | None
    lost_value: str | None
    lost_by: str | None
    won_by: str | None
    created_at: str | None


@dataclass(frozen=True)
class SyncErrorItem:
    id: str
    entity: str | None
    entity_id: str | None
    code: str | None
    message: str | None
    rejected: dict[str, Any]  # the refused field values, kept so nothing is lost
    created_at: str | None
    rejected_op: str | None = None  # create, update, archive ... when the server says


class InboxError(ValueError):
    """A conflict or sync error that cannot be acted on, with the reason in plain words."""


def decode_value(entity: str, field_name: str, text: str | None) -> Any:
    """A stored conflict value back in its field's type. Values may arrive as JSON text or as
    plain text; a text field keeps plain text exactly as it was."""
    if text is None:
        return None
    kind = ENTITIES[entity].field(field_name).type
    try:
        decoded = json.loads(text)
    except ValueError:
        return text
    expected: dict[FieldType, tuple[type, ...]] = {
        FieldType.INT: (int,),
        FieldType.NUMBER: (int, float),
        FieldType.BOOL: (bool,),
    }
    if kind in expected:
        return decoded if isinstance(decoded, expected[kind]) else text
    return decoded if isinstance(decoded, str) else text


def _listed_rows(
    connection: Connection,
    query: Select[Any],
    *,
    dismissed_key: str,
    include_dismissed: bool,
) -> list[RowMapping]:
    """The rows of `query`, leaving out those the user dismissed (a set kept in `sync_state`,
    since these server-written records cannot be deleted locally)."""
    dismissed = state.read_json_set(connection, dismissed_key)
    return [
        row
        for row in connection.execute(query).mappings()
        if include_dismissed or row["id"] not in dismissed
    ]


class SyncInbox:
    def __init__(self, *, engine: Engine) -> None:
        self.engine = engine

    def conflicts(self, *, include_dismissed: bool = False) -> list[ConflictItem]:
        table = entity_tables["conflict"]
        with self.engine.connect() as connection:
            rows = _listed_rows(
                connection,
                select(table)
                .where(table.c.resolved.is_not(True))
                .order_by(table.c.created_at.desc(), table.c.id),
                dismissed_key=state.DISMISSED_CONFLICTS,
                include_dismissed=include_dismissed,
            )
            return [read_model(ConflictItem, row) for row in rows]

    def sync_errors(self, *, include_dismissed: bool = False) -> list[SyncErrorItem]:
        table = entity_tables["sync_error"]
        with self.engine.connect() as connection:
            rows = _listed_rows(
                connection,
                select(table).order_by(table.c.created_at.desc(), table.c.id),
                dismissed_key=state.DISMISSED_SYNC_ERRORS,
                include_dismissed=include_dismissed,
            )
            return [
                read_model(
                    SyncErrorItem,
                    row,
                    rejected=_rejected_values(row["rejected"]),
                    rejected_op=_rejected_op(row["rejected"]),
                )
                for row in rows
            ]

    def reapply_lost_value(self, *, conflict_id: str) -> dict[str, Any]:
        """Write the losing value again as a new local edit (pushed like any other) and dismiss
        the conflict. Returns the fields changed (empty when the record already has it)."""
        table = entity_tables["conflict"]
        with self.engine.begin() as connection:
            row = connection.execute(select(table).where(table.c.id == conflict_id)).mappings()
            conflict = row.first()
            if conflict is None:
                raise InboxError(f"There is no conflict {conflict_id} in this replica.")
            entity, field_name = conflict["entity"], conflict["field"]
            if entity not in ENTITIES or not ENTITIES[entity].client_writable:
                raise InboxError(f"A {entity} value cannot be changed from this computer.")
            if field_name not in ENTITIES[entity].field_names:
                raise InboxError(f"This version of Fieldbook does not know {entity}.{field_name}.")
            value = decode_value(entity, field_name, conflict["lost_value"])
            changed = update_record(
                connection,
                entity=entity,
                record_id=conflict["entity_id"],
                changes={field_name: value},
            )
            dismissed = state.read_json_set(connection, state.DISMISSED_CONFLICTS)
            state.write_json_set(connection, state.DISMISSED_CONFLICTS, dismissed | {conflict_id})
            return changed

    def dismiss_conflict(self, *, conflict_id: str) -> None:
        self._dismiss(state.DISMISSED_CONFLICTS, conflict_id)

    def dismiss_sync_error(self, *, sync_error_id: str) -> None:
        self._dismiss(state.DISMISSED_SYNC_ERRORS, sync_error_id)

    def _dismiss(self, key: str, record_id: str) -> None:
        with self.engine.begin() as connection:
            dismissed = state.read_json_set(connection, key)
            state.write_json_set(connection, key, dismissed | {record_id})

    def counts(self) -> tuple[int, int]:
        """(sync errors, conflicts) not yet dismissed: what the status bar shows."""
        return len(self.sync_errors()), len(self.conflicts())


def _decoded(text: str | None) -> Any:
    if not text:
        return {}
    try:
        return json.loads(text)
    except ValueError:
        return {"value": text}  # keep whatever the server stored, never drop it


def _rejected_values(text: str | None) -> dict[str, Any]:
    """The refused fields. The server stores `{"op": ..., "fields": {...}}`; a bare mapping of
    fields (or any other JSON) is accepted too, so nothing it kept is hidden."""
    value = _decoded(text)
    if isinstance(value, dict) and isinstance(value.get("fields"), dict) and "op" in value:
        return dict(value["fields"])
    return value if isinstance(value, dict) else {"value": value}


def _rejected_op(text: str | None) -> str | None:
    value = _decoded(text)
    op = value.get("op") if isinstance(value, dict) else None
    return op if isinstance(op, str) else None
