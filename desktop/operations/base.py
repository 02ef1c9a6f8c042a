"""What every operation shares: transactions that report database trouble in plain words,
validation against the declared entities, reference checks and the acting user."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, exists, select
from sqlalchemy.exc import SQLAlchemyError

from desktop.domain.messages import Problem, ValidationError
from desktop.domain.records import validate_record
from desktop.store.changes import RecordNotFound, read_record
from desktop.store.engine import StoreError, describe_database_error
from desktop.store.schema import entity_tables, sync_state
from protocol.entities import ENTITIES, FieldType

picklist = entity_tables["picklist"]

__all__ = ["RecordNotFound", "StoreError", "ValidationError"]

# The sync engine keeps the signed-in user's id under this sync_state key (desktop.sync.state
# owns the key list, but operations may not import the sync layer).
USER_ID_KEY = "user_id"

# Reference data arrives with the first sync; before that a replica has no users or teams, and
# refusing every owner id would make offline work impossible.
CHECKED_ONLY_WHEN_LOADED = frozenset({"user", "team"})


def _database_path(engine: Engine) -> Path:
    return Path(engine.url.database or "replica")


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """One write transaction; a database failure (full disk, read-only or damaged file) rolls
    everything back and surfaces as StoreError with a plain message."""
    try:
        with engine.begin() as connection:
            yield connection
    except SQLAlchemyError as error:
        raise StoreError(describe_database_error(_database_path(engine), error)) from error


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    try:
        with engine.connect() as connection:
            yield connection
    except SQLAlchemyError as error:
        raise StoreError(describe_database_error(_database_path(engine), error)) from error


def current_user_id(connection: Connection) -> str | None:
    """The signed-in user, or None on a replica that has never signed in."""
    row = connection.execute(
        select(sync_state.c.value).where(sync_state.c.key == USER_ID_KEY)
    ).first()
    return row[0] if row and row[0] else None


def validated(
    entity: str, values: Mapping[str, object], *, partial: bool = False
) -> dict[str, Any]:
    """Domain rules plus the structure declared in protocol.entities (fields, required, length)."""
    spec = ENTITIES[entity]
    unknown = [name for name in values if name not in spec.field_names]
    if unknown:
        raise ValidationError([Problem(name, "unknown_field", {"value": name}) for name in unknown])
    return validate_record(
        entity,
        values,
        required={f.name for f in spec.fields if f.required},
        max_lengths={f.name: f.max_length for f in spec.fields if f.max_length is not None},
        partial=partial,
    )


def check_references(connection: Connection, entity: str, values: Mapping[str, Any]) -> None:
    """Every id in `values` must name a record of the right kind that this replica holds."""
    problems: list[Problem] = []
    for spec in ENTITIES[entity].fields:
        value = values.get(spec.name)
        if spec.type is not FieldType.REF or spec.ref is None or value is None:
            continue
        table = entity_tables[spec.ref]
        found = connection.execute(select(table.c.id).where(table.c.id == value)).first()
        if found:
            continue
        if (
            spec.ref in CHECKED_ONLY_WHEN_LOADED
            and not connection.execute(select(exists().select_from(table))).scalar()
        ):
            continue
        problems.append(
            Problem(spec.name, "unknown_reference", {"entity": spec.ref, "value": value})
        )
    if problems:
        raise ValidationError(problems)


# Fields whose values the firm configures (server-managed picklists): field -> picklist kind.
PICKLIST_FIELDS: dict[str, dict[str, str]] = {
    "customer": {
        "industry": "industry",
        "source": "source",
        "tier": "tier",
        "lifecycle": "lifecycle",
        "value_label": "value_label",
    },
}


def apply_picklists(
    connection: Connection, entity: str, values: Mapping[str, Any]
) -> dict[str, Any]:
    """`values` with picklist fields mapped to the firm's stored value: the value itself or a
    label in English or Chinese ("建筑" -> "construction"). A kind the replica has no entries for
    yet (before the first sync) accepts any text."""
    result = dict(values)
    problems: list[Problem] = []
    for field_name, kind in PICKLIST_FIELDS.get(entity, {}).items():
        typed = result.get(field_name)
        if typed is None:
            continue
        entries = connection.execute(
            select(picklist.c.value, picklist.c.label_en, picklist.c.label_zh)
            .where(picklist.c.kind == kind, picklist.c.archived == 0)
            .order_by(picklist.c.position)
        ).all()
        if not entries:
            continue
        wanted = str(typed).strip().casefold()
        match = next(
            (
                entry.value
                for entry in entries
                if wanted in {str(text).casefold() for text in entry if text}
            ),
            None,
        )
        if match is None:
            choices = ", ".join(str(entry.value) for entry in entries)
            problems.append(
                Problem(field_name, "not_in_picklist", {"value": str(typed), "choices": choices})
            )
        else:
            result[field_name] = match
    if problems:
        raise ValidationError(problems)
    return result


def require_active(connection: Connection, *, entity: str, record_id: str) -> dict[str, Any]:
    """The record, refused when unknown (RecordNotFound) or archived (ValidationError)."""
    record = read_record(connection, entity=entity, record_id=record_id)
    if record.get("archived"):
        raise ValidationError(
            [Problem(f"{entity}_id", "archived_reference", {"entity": entity, "value": record_id})]
        )
    return record
