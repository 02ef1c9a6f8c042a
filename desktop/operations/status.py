"""Local status figures: what the replica holds that the server has not acknowledged yet."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from desktop.operations.base import current_user_id, reading
from desktop.store.schema import outbox


def pending_changes(engine: Engine) -> int:
    """Outbox entries not yet acknowledged by the server (`acked_at IS NULL`)."""
    with reading(engine) as connection:
        query = select(func.count()).select_from(outbox).where(outbox.c.acked_at.is_(None))
        return int(connection.execute(query).scalar_one())


def signed_in_user_id(engine: Engine) -> str | None:
    with reading(engine) as connection:
        return current_user_id(connection)
