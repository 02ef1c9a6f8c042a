"""The append-only audit log: who did what, when, from which client; never updated or deleted."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, and_, insert, select

from server.db import utc_now_iso, write_transaction
from server.records import Actor
from server.schema import audit_log

MAX_AUDIT_ROWS = 1000


def record_audit(
    connection: Connection,
    *,
    actor: Actor,
    action: str,
    entity: str | None = None,
    entity_id: str | None = None,
    customer_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    connection.execute(
        insert(audit_log).values(
            at=utc_now_iso(),
            actor_id=actor.user_id,
            client_id=actor.client_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            customer_id=customer_id,
            detail=json.dumps(detail, ensure_ascii=False) if detail is not None else None,
        )
    )


def query_audit(
    connection: Connection,
    *,
    user_id: str | None = None,
    customer_id: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Newest first. `since`/`until` compare as ISO text, which orders like the times."""
    conditions = []
    if user_id:
        conditions.append(audit_log.c.actor_id == user_id)
    if customer_id:
        conditions.append(audit_log.c.customer_id == customer_id)
    if since:
        conditions.append(audit_log.c.at >= since)
    if until:
        conditions.append(audit_log.c.at <= until)
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(min(limit, MAX_AUDIT_ROWS))
    if conditions:
        query = query.where(and_(*conditions))
    rows = []
    for row in connection.execute(query).mappings():
        entry = dict(row)
        entry["detail"] = json.loads(entry["detail"]) if entry["detail"] else None
        rows.append(entry)
    return rows


def record_client_events(
    engine: Engine, *, actor: Actor, events: Sequence[Mapping[str, Any]]
) -> list[str]:
    """Record events a client queued (exports, prints), once per event id; returns every id
    now on record, including those a lost answer made the client send again."""
    ids = [str(event["id"]) for event in events]
    # Under the write lock: two copies of one upload arriving together still record once.
    with write_transaction(engine) as (connection, _allocator):
        known = set(
            connection.execute(
                select(audit_log.c.event_id).where(
                    and_(audit_log.c.actor_id == actor.user_id, audit_log.c.event_id.in_(ids))
                )
            ).scalars()
        )
        for event in events:
            event_id = str(event["id"])
            if event_id in known:
                continue
            known.add(event_id)
            detail = {**(event.get("detail") or {}), "client_at": event.get("at")}
            connection.execute(
                insert(audit_log).values(
                    at=utc_now_iso(),
                    actor_id=actor.user_id,
                    client_id=actor.client_id,
                    action=str(event["action"]),
                    detail=json.dumps(detail, ensure_ascii=False),
                    event_id=event_id,
                )
            )
    return ids
