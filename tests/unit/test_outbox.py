"""Every local change writes its row and its outbox entry together, or neither."""

import json

import pytest
from sqlalchemy import Engine, func, select

from desktop.store.changes import create_record, set_archived, update_record
from desktop.store.schema import entity_tables, outbox


def _count(engine: Engine, table) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_create_writes_row_and_outbox_entry(replica: Engine) -> None:
    with replica.begin() as connection:
        customer_id = create_record(connection, entity="customer", fields={"name": "中国建筑"})
    with replica.connect() as connection:
        entry = connection.execute(select(outbox)).mappings().one()
    assert entry["entity_id"] == customer_id and entry["op"] == "create"
    assert json.loads(entry["changed_fields"]) == {"name": "中国建筑"}


def test_update_sends_only_changed_fields_with_base_version(replica: Engine) -> None:
    with replica.begin() as connection:
        customer_id = create_record(
            connection, entity="customer", fields={"name": "Acme", "industry": "retail"}
        )
        changed = update_record(
            connection,
            entity="customer",
            record_id=customer_id,
            changes={"name": "Acme", "industry": "logistics"},
        )
    assert changed == {"industry": "logistics"}
    with replica.connect() as connection:
        last = connection.execute(select(outbox).order_by(outbox.c.mutation_id.desc())).first()
    assert last is not None and json.loads(last.changed_fields) == {"industry": "logistics"}


def test_error_mid_change_leaves_neither_row_nor_outbox_entry(replica: Engine) -> None:
    with pytest.raises(RuntimeError), replica.begin() as connection:
        create_record(connection, entity="customer", fields={"name": "Half written"})
        raise RuntimeError("power cut")
    assert _count(replica, entity_tables["customer"]) == 0
    assert _count(replica, outbox) == 0


def test_archive_instead_of_delete(replica: Engine) -> None:
    with replica.begin() as connection:
        customer_id = create_record(connection, entity="customer", fields={"name": "Old"})
        assert set_archived(connection, entity="customer", record_id=customer_id, archived=True)
        assert not set_archived(connection, entity="customer", record_id=customer_id, archived=True)
    assert _count(replica, entity_tables["customer"]) == 1
    with replica.connect() as connection:
        ops = [row.op for row in connection.execute(select(outbox.c.op))]
    assert ops == ["create", "archive"]


def test_activities_are_append_only(replica: Engine) -> None:
    with replica.begin() as connection:
        customer_id = create_record(connection, entity="customer", fields={"name": "X"})
        activity_id = create_record(
            connection,
            entity="activity",
            fields={"customer_id": customer_id, "kind": "visit", "occurred_at": "2026-11-23"},
        )
        with pytest.raises(ValueError, match="never edited"):
            update_record(
                connection, entity="activity", record_id=activity_id, changes={"notes": "x"}
            )
