"""Applying one pulled page to the replica, inside the transaction that also stores its cursor.

Rows go in with `desktop.store.bulk` (executemany, no ORM objects). A record that still has
pending outbox entries is never overwritten: our own write reaches the server later and its merged
result comes back then. A customer that left our scope (`exit`) is removed with its whole bucket,
unless something in that bucket is still pending: then it is remembered and removed after the push.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from desktop.store.bulk import delete_rows, restore_indexes, upsert_rows
from desktop.store.schema import entity_tables
from protocol.entities import ENTITIES, ENTITY_ORDER, Ownership

# Records that travel with their customer (everything customer-owned except the customer itself).
BUCKET_ENTITIES: tuple[str, ...] = tuple(
    name
    for name in ENTITY_ORDER
    if ENTITIES[name].ownership is Ownership.CUSTOMER and name != "customer"
)


@dataclass
class PageOutcome:
    upserted: int = 0
    deleted: int = 0
    kept_pending: int = 0  # changes not applied because our own edit is still on its way
    # The newest of those per record, applied later if our edit is refused (see `held.py`).
    held: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    settled: set[tuple[str, str]] = field(default_factory=set)  # held changes now out of date
    exited: int = 0  # customers removed with their bucket
    deferred_exits: set[str] = field(default_factory=set)
    unknown_entities: set[str] = field(default_factory=set)


class _Batch:
    """Upserts and deletes collected per entity, flushed in one executemany each."""

    def __init__(self) -> None:
        self.upserts: dict[str, dict[str, dict[str, Any]]] = {}
        self.deletes: dict[str, set[str]] = {}

    def upsert(self, entity: str, row: dict[str, Any]) -> None:
        self.deletes.get(entity, set()).discard(row["id"])
        self.upserts.setdefault(entity, {})[row["id"]] = row  # a later change of a record wins

    def delete(self, entity: str, record_id: str) -> None:
        self.upserts.get(entity, {}).pop(record_id, None)
        self.deletes.setdefault(entity, set()).add(record_id)

    def flush(self, connection: Connection, outcome: PageOutcome) -> None:
        for entity in ENTITY_ORDER:
            rows = self.upserts.pop(entity, None)
            if rows:
                outcome.upserted += upsert_rows(connection, entity=entity, rows=list(rows.values()))
            ids = self.deletes.pop(entity, None)
            if ids:
                outcome.deleted += delete_rows(connection, entity=entity, ids=ids)


def bucket_ids(connection: Connection, customer_id: str) -> dict[str, list[str]]:
    # Without the customer_id indexes (set aside by an initial load) every lookup below would read
    # a whole table, for each customer leaving our scope: put them back first.
    restore_indexes(connection)
    found: dict[str, list[str]] = {"customer": [customer_id]}
    for entity in BUCKET_ENTITIES:
        table = entity_tables[entity]
        found[entity] = list(
            connection.execute(
                select(table.c.id).where(table.c.customer_id == customer_id)
            ).scalars()
        )
    return found


def remove_bucket_if_settled(
    connection: Connection, *, customer_id: str, pending: set[str]
) -> bool:
    """Remove a customer and everything travelling with it, unless any of it is pending."""
    ids = bucket_ids(connection, customer_id)
    if any(record_id in pending for group in ids.values() for record_id in group):
        return False
    for entity in (*BUCKET_ENTITIES, "customer"):
        delete_rows(connection, entity=entity, ids=ids[entity])
    return True


def apply_changes(
    connection: Connection,
    *,
    changes: Iterable[dict[str, Any]],
    pending: set[str],
    deferred_exits: set[str],
) -> PageOutcome:
    """Apply a page's changes in order. `deferred_exits` is updated in place."""
    outcome = PageOutcome()
    batch = _Batch()
    for change in changes:
        entity = change["entity"]
        record_id = str(change["id"])
        op = change["op"]
        if entity not in ENTITIES:
            # A record type newer than this client: skipping it is safe (additive wire changes).
            outcome.unknown_entities.add(entity)
            continue
        if op == "exit":
            batch.flush(connection, outcome)  # everything before the exit lands first
            if entity != "customer":
                if record_id in pending:
                    outcome.kept_pending += 1
                else:
                    outcome.deleted += delete_rows(connection, entity=entity, ids=[record_id])
            elif remove_bucket_if_settled(connection, customer_id=record_id, pending=pending):
                outcome.exited += 1
                deferred_exits.discard(record_id)
            else:
                deferred_exits.add(record_id)
                outcome.deferred_exits.add(record_id)
            continue
        if record_id in pending:
            outcome.kept_pending += 1
            outcome.held[(entity, record_id)] = change
            continue
        outcome.settled.add((entity, record_id))
        if op == "delete":
            batch.delete(entity, record_id)
        elif op == "upsert":
            # The page's own dict becomes the row (no copy: pages are large and short-lived).
            row = change.get("data") or {}
            row["id"] = record_id
            row["version"] = int(change.get("version") or 0)
            batch.upsert(entity, row)
            if entity == "customer":
                deferred_exits.discard(record_id)  # back in scope: nothing to remove any more
        else:
            raise ValueError(f"unknown change op {op!r} for {entity} {record_id}")
    batch.flush(connection, outcome)
    return outcome
