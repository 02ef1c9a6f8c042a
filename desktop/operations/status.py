"""Local status figures: what the replica holds that the server has not acknowledged yet."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from desktop.operations.base import current_user_id, reading
from desktop.store.schema import entity_tables, outbox


def pending_changes(engine: Engine) -> int:
    """Outbox entries not yet acknowledged by the server (`acked_at IS NULL`)."""
    with reading(engine) as connection:
        query = select(func.count()).select_from(outbox).where(outbox.c.acked_at.is_(None))
        return int(connection.execute(query).scalar_one())


def signed_in_user_id(engine: Engine) -> str | None:
    with reading(engine) as connection:
        return current_user_id(connection)


def signed_in_role(engine: Engine) -> str | None:
    """The role of the signed-in user as the server last sent their user record, or None before
    the first sign-in (or before the first sync brought the record). Lets the app offer the
    screens of that role at start, offline too; the server still checks every call."""
    users = entity_tables["user"]
    with reading(engine) as connection:
        user_id = current_user_id(connection)
        if user_id is None:
            return None
        role = connection.execute(select(users.c.role).where(users.c.id == user_id)).scalar()
        return str(role) if role else None
