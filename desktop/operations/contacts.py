"""Contacts (联系人): people at a customer, each employed by exactly one customer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine

from desktop.operations.base import check_references, require_active, validated, writing
from desktop.store.changes import create_record, set_archived, update_record


def add_contact(engine: Engine, *, customer_id: str, values: Mapping[str, object]) -> str:
    cleaned = validated("contact", {**values, "customer_id": customer_id})
    with writing(engine) as connection:
        require_active(connection, entity="customer", record_id=customer_id)
        return create_record(connection, entity="contact", fields=cleaned)


def edit_contact(
    engine: Engine, *, contact_id: str, changes: Mapping[str, object]
) -> dict[str, Any]:
    """Returns the fields that really changed. Moving a contact to another customer is allowed
    (people change employer); the new customer must exist."""
    cleaned = validated("contact", changes, partial=True)
    with writing(engine) as connection:
        check_references(connection, "contact", cleaned)
        return update_record(connection, entity="contact", record_id=contact_id, changes=cleaned)


def archive_contact(engine: Engine, *, contact_id: str) -> bool:
    with writing(engine) as connection:
        return set_archived(connection, entity="contact", record_id=contact_id, archived=True)
