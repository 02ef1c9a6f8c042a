"""Revision 0005 adds the local tag index: a file upgraded from 0004 has every existing
customer's tags indexed, and the triggers keep it right for writers after the upgrade."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from sqlalchemy import Engine

from desktop.domain.records import split_tags
from desktop.operations.customers import CustomerFilter, list_customers
from desktop.store.engine import open_engine
from desktop.store.replica import alembic_config, open_replica
from tests.unit.test_migrations import migrate_to

CUSTOMERS = {
    "c-1": ("Acme", "VIP,华东"),
    "c-2": ("Bolt", "华东"),
    "c-3": ("Core", None),
    "c-4": ("Dyna", ",VIP,,VIP2,"),
}


def _file_at_0004_with_customers(path: Path) -> None:
    migrate_to(path, "0004")
    with sqlite3.connect(path) as raw:
        raw.executemany(
            "INSERT INTO customer (id, name, tags) VALUES (?, ?, ?)",
            [(customer_id, name, tags) for customer_id, (name, tags) in CUSTOMERS.items()],
        )
    raw.close()


def _names(engine: Engine, tag: str) -> list[str]:
    page = list_customers(engine, criteria=CustomerFilter(tag=tag))
    return [row.name for row in page.rows]


def test_upgrade_from_0004_indexes_the_existing_tags(tmp_path: Path) -> None:
    path = tmp_path / "replica.sqlite3"
    _file_at_0004_with_customers(path)
    engine = open_replica(path)
    try:
        with engine.connect() as connection:
            indexed = set(
                connection.exec_driver_sql("SELECT customer_id, tag FROM customer_tag").all()
            )
        expected = {
            (customer_id, tag)
            for customer_id, (_name, tags) in CUSTOMERS.items()
            for tag in split_tags(tags)
        }
        assert indexed == expected
        assert _names(engine, "VIP") == ["Acme", "Dyna"]
        assert _names(engine, "华东") == ["Acme", "Bolt"]
    finally:
        engine.dispose()


def test_downgrade_to_0004_removes_the_index_and_its_triggers(tmp_path: Path) -> None:
    path = tmp_path / "replica.sqlite3"
    _file_at_0004_with_customers(path)
    open_replica(path).dispose()
    engine = open_engine(path)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0004")
    engine.dispose()
    with sqlite3.connect(path) as raw:
        leftovers = raw.execute(
            "SELECT name FROM sqlite_master WHERE name LIKE 'customer_tag%'"
        ).fetchall()
        # Writes after the downgrade must still work (no trigger naming a missing table).
        raw.execute("UPDATE customer SET tags = 'x' WHERE id = 'c-1'")
    raw.close()
    assert leftovers == []
