"""The customer file (客户档案, the 360° view): facts, contacts, the activity timeline (paged,
newest first), opportunities and follow-ups, read in one consistent snapshot."""

from __future__ import annotations

from sqlalchemy import Engine, select

from desktop.domain.models import CustomerFile
from desktop.operations.activities import activity_page
from desktop.operations.base import reading
from desktop.operations.followups import customer_followups
from desktop.operations.opportunities import customer_opportunities
from desktop.operations.read_models import contact, customer_details
from desktop.store.changes import read_record
from desktop.store.schema import entity_tables

CONTACT = entity_tables["contact"]


def customer_file(
    engine: Engine, *, customer_id: str, activity_offset: int = 0, activity_limit: int = 50
) -> CustomerFile:
    """Everything about one customer; archived customers can still be read (and restored)."""
    with reading(engine) as connection, connection.begin():
        # One read transaction: a sync applying a page meanwhile cannot show half of it.
        details = customer_details(
            read_record(connection, entity="customer", record_id=customer_id)
        )
        contacts = tuple(
            contact(row)
            for row in connection.execute(
                select(CONTACT)
                .where(CONTACT.c.customer_id == customer_id, CONTACT.c.archived == 0)
                .order_by(CONTACT.c.name, CONTACT.c.id)
            ).mappings()
        )
        activities, activity_total = activity_page(
            connection, customer_id=customer_id, offset=activity_offset, limit=activity_limit
        )
        return CustomerFile(
            customer=details,
            contacts=contacts,
            activities=activities,
            activity_total=activity_total,
            opportunities=customer_opportunities(connection, customer_id=customer_id),
            followups=customer_followups(connection, customer_id=customer_id),
        )
