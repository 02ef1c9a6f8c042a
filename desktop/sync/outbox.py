"""Reading and acknowledging the outbox. Each function runs inside the caller's transaction.

Acknowledged entries are kept (with `acked_at`) for a retention window: if the server is restored
from a backup and asks again for mutations it already acknowledged, they can be sent again.
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Integer, String, Update, and_, bindparam, func, select, update

from desktop.store.changes import utc_now
from desktop.store.schema import entity_tables, outbox
from protocol.entities import ENTITIES

# The statements of every push, built once: building one cost more than running it, and a push
# after each local write is latency the user waits for (and Python time the UI thread shares).
_PENDING_BATCH = (
    select(outbox)
    .where(outbox.c.acked_at.is_(None))
    .order_by(outbox.c.mutation_id)
    .limit(bindparam("batch_size", type_=Integer))
)
_PENDING_COUNT = select(func.count()).select_from(outbox).where(outbox.c.acked_at.is_(None))
_ACKNOWLEDGE = (
    update(outbox)
    .where(
        and_(
            outbox.c.mutation_id <= bindparam("last_mutation_id", type_=Integer),
            outbox.c.acked_at.is_(None),
        )
    )
    .values(acked_at=bindparam("acked_at", type_=String))
)
_OLDEST_KEPT = select(func.min(outbox.c.mutation_id))
_NEWEST = select(func.max(outbox.c.mutation_id))
_NEWEST_ACKED = select(func.max(outbox.c.mutation_id)).where(outbox.c.acked_at.is_not(None))


@functools.cache
def _raise_version(entity: str) -> Update:
    table = entity_tables[entity]
    new_version = bindparam("new_version", type_=Integer)
    return (
        update(table)
        .where(
            and_(table.c.id == bindparam("record_id", type_=String), table.c.version < new_version)
        )
        .values(version=new_version)
    )


def pending_batch(connection: Connection, *, limit: int) -> list[dict[str, Any]]:
    """The oldest unacknowledged entries as wire mutations, in mutation id order."""
    rows = connection.execute(_PENDING_BATCH, {"batch_size": limit}).mappings()
    return [
        {
            "id": int(row["mutation_id"]),
            "entity": row["entity"],
            "entity_id": row["entity_id"],
            "op": row["op"],
            "fields": json.loads(row["changed_fields"]),
            "base_version": int(row["base_version"]),
            "created_at": row["created_at"],
        }
        for row in rows
    ]


def pending_count(connection: Connection) -> int:
    return int(connection.execute(_PENDING_COUNT).scalar_one())


def pending_entity_ids(connection: Connection) -> set[str]:
    rows = connection.exec_driver_sql(
        "SELECT DISTINCT entity_id FROM outbox WHERE acked_at IS NULL"
    )
    return {row[0] for row in rows}


def acknowledge_through(connection: Connection, *, last_mutation_id: int) -> int:
    """Mark every entry up to the server's `last_mutation_id` as acknowledged."""
    result = connection.execute(
        _ACKNOWLEDGE, {"last_mutation_id": last_mutation_id, "acked_at": utc_now()}
    )
    return int(result.rowcount or 0)


def reopen_after(connection: Connection, *, last_mutation_id: int) -> int:
    """The server lost what came after `last_mutation_id` (restored from a backup): send it again.

    Returns how many acknowledged entries were reopened.
    """
    result = connection.execute(
        update(outbox)
        .where(and_(outbox.c.mutation_id > last_mutation_id, outbox.c.acked_at.is_not(None)))
        .values(acked_at=None)
    )
    return int(result.rowcount or 0)


def oldest_kept_id(connection: Connection) -> int | None:
    value = connection.execute(_OLDEST_KEPT).scalar_one()
    return None if value is None else int(value)


def newest_id(connection: Connection) -> int | None:
    value = connection.execute(_NEWEST).scalar_one()
    return None if value is None else int(value)


def newest_acked_id(connection: Connection) -> int | None:
    value = connection.execute(_NEWEST_ACKED).scalar_one()
    return None if value is None else int(value)


def record_versions(
    connection: Connection, *, sent: list[dict[str, Any]], results: list[dict[str, Any]]
) -> None:
    """Take the version the server gave each applied mutation, so the next local edit of that
    record names the right base version (else the server could see our own write as a rival)."""
    by_id = {mutation["id"]: mutation for mutation in sent}
    for result in results:
        mutation = by_id.get(result.get("id"))
        version = result.get("version")
        if mutation is None or result.get("status") != "applied" or version is None:
            continue
        if mutation["entity"] not in ENTITIES:
            continue
        connection.execute(
            _raise_version(mutation["entity"]),
            {"record_id": mutation["entity_id"], "new_version": int(version)},
        )


def drop_refused_creations(
    connection: Connection, *, sent: list[dict[str, Any]], results: list[dict[str, Any]]
) -> int:
    """Remove local records whose creation the server refused, once nothing else of theirs is
    pending: the server never had them, so keeping them would leave this replica different from
    the server for good. Nothing is lost: the refused values are kept in the sync error record
    the server sends, where the person sees them."""
    by_id = {mutation["id"]: mutation for mutation in sent}
    refused = [
        by_id[result["id"]]
        for result in results
        if result.get("status") == "rejected"
        and result.get("id") in by_id
        and by_id[result["id"]]["op"] == "create"
    ]
    if not refused:
        return 0
    still_pending = pending_entity_ids(connection)
    removed = 0
    for mutation in refused:
        if mutation["entity_id"] in still_pending or mutation["entity"] not in entity_tables:
            continue
        table = entity_tables[mutation["entity"]]
        result = connection.execute(table.delete().where(table.c.id == mutation["entity_id"]))
        removed += int(result.rowcount or 0)
    return removed


def prune_acknowledged(connection: Connection, *, retention_days: int) -> int:
    cutoff = (datetime.now(UTC) - timedelta(days=retention_days)).isoformat(timespec="seconds")
    cutoff = cutoff.replace("+00:00", "Z")
    result = connection.execute(
        outbox.delete().where(and_(outbox.c.acked_at.is_not(None), outbox.c.acked_at < cutoff))
    )
    return int(result.rowcount or 0)
