"""Loading the demo firm (`protocol.demo_firm`) into an empty server database.

Rows stream in batches through `server.records.bulk_insert`, so even the large firm (100,000
customers, 1,000,000 activities) loads without holding it in memory, each batch with its
change-log entries in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

from sqlalchemy import Engine, func, insert, select

from protocol.demo_firm import DEMO_PASSWORD, DemoFirm
from protocol.messages import ErrorCode
from server.auth import password_hasher
from server.config import ServerSettings
from server.db import write_transaction
from server.errors import ApiError
from server.records import SYSTEM, bulk_insert
from server.schema import accounts, entity_tables

BATCH_ROWS = 5_000


def demo_logins(firm: DemoFirm) -> list[dict[str, Any]]:
    """What `demo --json` prints: every demo user with the password that opens it."""
    team_names = {row["id"]: row["name"] for row in firm.rows("team")}
    return [
        {
            "login": user.login,
            "password": DEMO_PASSWORD,
            "role": user.role,
            "team": team_names.get(user.team_id) if user.team_id else None,
        }
        for user in firm.users
    ]


def has_users(engine: Engine) -> bool:
    with engine.connect() as connection:
        count = connection.execute(
            select(func.count()).select_from(entity_tables["user"])
        ).scalar_one()
    return bool(count)


def _batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    while batch := list(islice(rows, BATCH_ROWS)):
        yield batch


def load_demo(engine: Engine, *, firm: DemoFirm, settings: ServerSettings) -> dict[str, int]:
    """Load every demo row; refuses a database that already has users. Returns rows per entity."""
    if has_users(engine):
        raise ApiError(
            409,
            ErrorCode.CONFLICT,
            "This database already has users: load the demo into a new one.",
        )
    # Every demo user shares the demo password, so one (slow) hash serves them all.
    password_hash = password_hasher(settings).hash(DEMO_PASSWORD)
    counts: dict[str, int] = {}
    for entity, rows in firm.entities():
        for batch in _batches(rows):
            with write_transaction(engine) as (connection, allocator):
                counts[entity] = counts.get(entity, 0) + bulk_insert(
                    connection, allocator, entity=entity, rows=batch, actor=SYSTEM
                )
                if entity == "user":
                    connection.execute(
                        insert(accounts),
                        [
                            {
                                "user_id": row["id"],
                                "password_hash": password_hash,
                                "state": "active",
                            }
                            for row in batch
                        ],
                    )
    # Fresh statistics: without them PostgreSQL's planner guesses a tiny change log and sorts
    # whole pages on disk instead of walking the primary key in seq order.
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    return counts
