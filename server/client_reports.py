"""What clients report about themselves in `hello`: how many changes they still hold unsent.

The server cannot see a laptop's outbox; the client says its size at every hello, and the
hand-over preview adds up the leaver's clients so an administrator knows that notes are still on
a laptop (they arrive with the drain). A report from a client registered to another user is
ignored rather than refused: hello must keep working for the right user of that laptop.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from server.db import utc_now_iso
from server.schema import clients


def record_pending(engine: Engine, *, client_id: str, user_id: str, pending: int) -> None:
    now = utc_now_iso()
    with engine.begin() as connection:
        owner = connection.execute(
            select(clients.c.user_id).where(clients.c.client_id == client_id)
        ).first()
        if owner is None:
            connection.execute(
                clients.insert().values(
                    client_id=client_id,
                    user_id=user_id,
                    last_mutation_id=0,
                    last_seen=now,
                    reset_below_seq=0,
                    pending_changes=pending,
                    pending_reported_at=now,
                )
            )
        elif owner.user_id in (None, user_id):
            connection.execute(
                update(clients)
                .where(clients.c.client_id == client_id)
                .values(
                    user_id=user_id, last_seen=now, pending_changes=pending, pending_reported_at=now
                )
            )


def unsynced_of(connection: Connection, *, user_id: str) -> dict[str, Any]:
    """{unsynced_changes, unsynced_reported_at}: the sum over the user's clients of what each
    last reported, and when the latest report came (None: no client ever reported)."""
    row = connection.execute(
        select(
            func.coalesce(func.sum(clients.c.pending_changes), 0),
            func.max(clients.c.pending_reported_at),
        ).where(clients.c.user_id == user_id)
    ).one()
    return {"unsynced_changes": int(row[0]), "unsynced_reported_at": row[1]}
