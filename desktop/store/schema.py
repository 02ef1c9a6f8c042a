"""Tables of the local replica.

Every synced entity gets the fields declared in `protocol.entities` plus `version` (the server's
version this replica last saw; 0 for a record the server has not acknowledged yet) and, where the
entity is archivable, `archived`. Local bookkeeping lives in `outbox` and `sync_state`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text

from protocol.entities import ENTITIES, EntitySpec
from protocol.tables import synced_columns

metadata = MetaData()


def _entity_table(spec: EntitySpec) -> Table:
    columns: list[Column[Any]] = [
        Column("id", String(40), primary_key=True),
        *synced_columns(spec),
        Column("version", Integer, nullable=False, server_default="0"),
        Column("archived", Integer, nullable=False, server_default="0"),
    ]
    return Table(spec.name, metadata, *columns)


entity_tables: dict[str, Table] = {name: _entity_table(spec) for name, spec in ENTITIES.items()}

# Indexes that the lists, filters and sync lookups use.
for _name in ("contact", "activity", "followup", "opportunity", "conflict"):
    Index(f"ix_{_name}_customer", entity_tables[_name].c.customer_id)
Index("ix_customer_owner", entity_tables["customer"].c.owner_id)
Index("ix_customer_team", entity_tables["customer"].c.team_id)
Index("ix_customer_name", entity_tables["customer"].c.name)
# The customer list pages by (name, id) within a filter. These indexes hold every column such a
# page needs to skip rows (filter, archived, name, id), so a page deep in 100,000 customers and
# the list's count read one index and never the table.
_customer = entity_tables["customer"]
Index("ix_customer_list", _customer.c.archived, _customer.c.name, _customer.c.id)
for _filter in ("owner_id", "team_id", "tier", "lifecycle"):
    Index(
        f"ix_customer_list_{_filter}",
        _customer.c[_filter],
        _customer.c.archived,
        _customer.c.name,
        _customer.c.id,
    )
# Sorting the whole list by another column (a click on its header) pages through these.
for _sort in ("industry", "tier", "lifecycle", "created_at"):
    Index(f"ix_customer_sort_{_sort}", _customer.c.archived, _customer.c[_sort], _customer.c.id)
# "My follow-ups": one user's open follow-ups by due time.
Index(
    "ix_followup_assignee_due",
    entity_tables["followup"].c.assignee_id,
    entity_tables["followup"].c.due_at,
)
Index(
    "ix_activity_customer_time",
    entity_tables["activity"].c.customer_id,
    entity_tables["activity"].c.occurred_at,
)
Index("ix_followup_due", entity_tables["followup"].c.done, entity_tables["followup"].c.due_at)
Index("ix_opportunity_stage", entity_tables["opportunity"].c.stage_id)

# Local only: one row per tag of each customer, so the list's tag filter reads an index instead
# of every customer's "a,b,c" text. The customer's archived flag and name are copied in, so the
# filter's count and pages by name read one index range (like ix_customer_list_* above). SQL
# triggers on `customer` keep it current for every writer (migration 0005 creates them and fills
# the table for the rows already there).
customer_tag = Table(
    "customer_tag",
    metadata,
    Column("customer_id", String(40), primary_key=True),
    Column("tag", Text, primary_key=True),
    Column("archived", Integer, nullable=False),
    Column("name", _customer.c.name.type),
    sqlite_with_rowid=False,
)
Index(
    "ix_customer_tag_list",
    customer_tag.c.tag,
    customer_tag.c.archived,
    customer_tag.c.name,
    customer_tag.c.customer_id,
)

outbox = Table(
    "outbox",
    metadata,
    # AUTOINCREMENT: ids are never reused, so the server's "skip id <= last" rule stays exact.
    Column("mutation_id", Integer, primary_key=True, autoincrement=True),
    Column("entity", String(40), nullable=False),
    Column("entity_id", String(40), nullable=False),
    Column("op", String(20), nullable=False),
    Column("changed_fields", Text, nullable=False),  # JSON object of field -> new value
    Column("base_version", Integer, nullable=False),
    Column("created_at", String(40), nullable=False),
    # Acknowledged entries are kept for a while so a server restored from a backup can be
    # given back what it lost (sync-protocol: "Versions and resets").
    Column("acked_at", String(40), nullable=True),
    sqlite_autoincrement=True,
)
Index("ix_outbox_entity", outbox.c.entity_id, outbox.c.acked_at)

sync_state = Table(
    "sync_state",
    metadata,
    Column("key", String(60), primary_key=True),
    Column("value", Text, nullable=True),
)
