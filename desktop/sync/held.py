"""Pulled changes held back while our own edit of the same record is pending.

A pulled change never overwrites a record with pending outbox entries (our edit would vanish from
the screen before the server has it). Usually the server's merged version comes back after our
push, and the held change is simply out of date. But when the server REFUSES our edit (a sync
error), nothing comes back: the held change is then the server's latest state of that record,
and applying it once nothing is pending any more keeps the replica equal to the server.

Held changes live in `sync_state` under `held:<entity>:<id>` (JSON of the change), newest only.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, delete, select

from desktop.store.schema import entity_tables, sync_state
from desktop.sync.apply import PageOutcome, apply_changes
from desktop.sync.state import write_value

PREFIX = "held:"


def _key(entity: str, record_id: str) -> str:
    return f"{PREFIX}{entity}:{record_id}"


# Built once: read for every pulled page.
_HELD_KEYS = select(sync_state.c.key).where(sync_state.c.key.startswith(PREFIX, autoescape=True))


def held_keys(connection: Connection) -> set[str]:
    return {row[0] for row in connection.execute(_HELD_KEYS)}


def remember(connection: Connection, outcome: PageOutcome, *, existing: set[str]) -> None:
    """Store the page's held changes and forget those the page made out of date."""
    stale = [_key(*record) for record in outcome.settled if _key(*record) in existing]
    if existing and stale:
        connection.execute(delete(sync_state).where(sync_state.c.key.in_(stale)))
    for (entity, record_id), change in outcome.held.items():
        write_value(connection, _key(entity, record_id), json.dumps(change, ensure_ascii=False))


def apply_settled(connection: Connection, *, pending: set[str], deferred_exits: set[str]) -> int:
    """Apply held changes whose record has nothing pending any more, unless the record already
    has that version or a newer one; returns how many were applied."""
    applied = 0
    for key in sorted(held_keys(connection)):
        entity, _, record_id = key.removeprefix(PREFIX).partition(":")
        if record_id in pending:
            continue
        text = connection.execute(
            select(sync_state.c.value).where(sync_state.c.key == key)
        ).scalar()
        connection.execute(delete(sync_state).where(sync_state.c.key == key))
        change: dict[str, Any] = json.loads(text) if text else {}
        if not change or entity not in entity_tables:
            continue
        table = entity_tables[entity]
        local_version = connection.execute(
            select(table.c.version).where(table.c.id == record_id)
        ).scalar()
        if local_version is not None and int(local_version) >= int(change.get("version") or 0):
            continue  # the server's answer to our push already came back
        apply_changes(connection, changes=[change], pending=pending, deferred_exits=deferred_exits)
        applied += 1
    return applied


def forget_all(connection: Connection) -> None:
    """After a reset: changes of the old epoch mean nothing any more."""
    connection.execute(
        delete(sync_state).where(sync_state.c.key.startswith(PREFIX, autoescape=True))
    )
