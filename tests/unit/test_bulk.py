"""Bulk apply of pulled rows and demo firms: whole records, no outbox, search index in step."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, func, select

from desktop.store.bulk import delete_rows, load_demo_firm, upsert_rows
from desktop.store.changes import read_record
from desktop.store.engine import open_engine
from desktop.store.replica import alembic_config, open_replica
from desktop.store.schema import entity_tables, outbox
from desktop.store.search import search
from protocol.demo_firm import generate_firm

TODAY = date(2026, 11, 23)


def _count(engine: Engine, entity: str) -> int:
    table = entity_tables.get(entity, outbox)
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_upsert_inserts_then_replaces_whole_records_without_outbox(replica: Engine) -> None:
    row = {"id": "c-1", "name": "华信贸易", "tier": "gold", "version": 3, "archived": False}
    with replica.begin() as connection:
        assert upsert_rows(connection, entity="customer", rows=[row]) == 1
        # A later version from the server replaces the record as a whole (tier is gone).
        newer = {"id": "c-1", "name": "华信贸易有限公司", "version": 4, "archived": True}
        upsert_rows(connection, entity="customer", rows=[newer])
        stored = read_record(connection, entity="customer", record_id="c-1")
    assert stored["name"] == "华信贸易有限公司" and stored["tier"] is None
    assert stored["version"] == 4 and stored["archived"] == 1
    assert _count(replica, "outbox") == 0
    assert upsert_rows(replica.connect(), entity="customer", rows=[]) == 0


def test_upsert_of_entities_outside_the_index_and_delete(replica: Engine) -> None:
    with replica.begin() as connection:
        upsert_rows(
            connection,
            entity="team",
            rows=[{"id": "t-1", "name": "华东区", "version": 1}, {"id": "t-2", "name": "North"}],
        )
        assert delete_rows(connection, entity="team", ids=["t-1"]) == 1
        assert delete_rows(connection, entity="team", ids=[]) == 0
    with replica.connect() as connection:
        assert [row.id for row in connection.execute(select(entity_tables["team"].c.id))] == ["t-2"]


def test_pulled_rows_are_searchable_in_the_same_transaction(replica: Engine) -> None:
    rows = [
        {"id": "c-1", "name": "浦发银行", "version": 1},
        {"id": "c-2", "name": "Granite Capital", "version": 1},
    ]
    with replica.begin() as connection:
        upsert_rows(connection, entity="customer", rows=rows)
        assert [hit.id for hit in search(connection, query="浦发")] == ["c-1"]
    with replica.begin() as connection:
        delete_rows(connection, entity="customer", ids=["c-1"])
    assert search(replica, query="浦发") == []
    assert [hit.id for hit in search(replica, query="granite")] == ["c-2"]


def test_a_failed_page_leaves_neither_rows_nor_index_entries(replica: Engine) -> None:
    page = [{"id": "c-1", "name": "Evergreen Supply", "version": 1}]
    with pytest.raises(RuntimeError), replica.begin() as connection:
        upsert_rows(connection, entity="customer", rows=page)
        raise RuntimeError("connection lost before the cursor was stored")
    assert _count(replica, "customer") == 0
    assert search(replica, query="evergreen") == []


def test_load_demo_firm_matches_the_generator(replica: Engine) -> None:
    firm = generate_firm(size="tiny", today=TODAY)
    counts = load_demo_firm(replica, firm)
    for entity, rows in firm.entities():
        expected = sum(1 for _ in rows)
        assert counts[entity] == expected == _count(replica, entity), entity
    assert _count(replica, "outbox") == 0
    # Loading again replaces, never duplicates.
    assert load_demo_firm(replica, firm) == counts
    assert _count(replica, "activity") == firm.activity_count
    first_customer = next(firm.rows("customer"))
    hits = search(replica, query=first_customer["name"], kinds=("customer",))
    assert first_customer["id"] in [hit.id for hit in hits]


def test_upgrade_to_the_search_revision_indexes_existing_records(tmp_path: Path) -> None:
    path = tmp_path / "before-search.sqlite3"
    engine = open_engine(path)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0001")
        connection.exec_driver_sql(
            "INSERT INTO customer (id, name, version, archived) VALUES ('c-1', '中国建筑', 1, 0)"
        )
    engine.dispose()
    upgraded = open_replica(path)
    try:
        assert [hit.id for hit in search(upgraded, query="zgjz")] == ["c-1"]
    finally:
        upgraded.dispose()
