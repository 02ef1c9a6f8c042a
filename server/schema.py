"""The server's tables: every synced entity (from `protocol.entities`) plus server bookkeeping.

Each synced table carries the record's `version`, per-field versions for the per-field merge,
`archived`, `deleted` and who changed it when. `change_log` is what clients pull: one live entry
per record (older ones are deleted when a newer one is appended), its `seq` allocated from the
counter in `server_meta` inside the writing transaction so readers never pass a gap.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from protocol.entities import ENTITIES, Ownership
from protocol.tables import synced_columns

metadata = MetaData()

ID_LENGTH = 36


def _entity_table(name: str) -> Table:
    spec = ENTITIES[name]
    table = Table(
        name,
        metadata,
        Column("id", String(ID_LENGTH), primary_key=True),
        *synced_columns(spec),
        Column("version", Integer, nullable=False, default=0),
        # {"field": [version, user_id, client_id]}: who last set each field, for per-field merge.
        Column("field_versions", Text, nullable=False, default="{}"),
        Column("archived", Boolean, nullable=False, default=False),
        Column("deleted", Boolean, nullable=False, default=False),
        Column("updated_at", String(40)),
        Column("updated_by", String(ID_LENGTH)),
    )
    if spec.ownership is Ownership.CUSTOMER and "customer_id" in spec.field_names:
        Index(f"ix_{name}_customer_id", table.c.customer_id)
    return table


entity_tables: dict[str, Table] = {name: _entity_table(name) for name in ENTITIES}
Index("ix_customer_owner_id", entity_tables["customer"].c.owner_id)
Index("ix_customer_team_id", entity_tables["customer"].c.team_id)

change_log = Table(
    "change_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("entity", String(40), nullable=False),
    Column("entity_id", String(ID_LENGTH), nullable=False),
    Column("customer_id", String(ID_LENGTH)),  # the bucket: visible with this customer
    Column("op", String(10), nullable=False),  # upsert | delete | exit
    Column("version", Integer, nullable=False),
    Column("payload", Text),  # the `data` object as JSON text, served without re-encoding
    Column("exit_owner_id", String(ID_LENGTH)),  # exit entries: who lost sight of the customer
    Column("exit_team_id", String(ID_LENGTH)),
    Column("for_user_id", String(ID_LENGTH)),  # personal records (sync errors)
)
Index("ix_change_log_record", change_log.c.entity, change_log.c.entity_id)
# One per part of a scoped pull (`server.scope.visible_parts`), each in seq order: a customer's
# entries (and reference data, customer_id NULL), one user's records, one owner's or team's exits.
# A full pull (administrators, executives) walks the primary key and is written so these never
# tempt the planner into sorting the whole log.
Index("ix_change_log_customer_seq", change_log.c.customer_id, change_log.c.seq)
Index("ix_change_log_for_user_seq", change_log.c.for_user_id, change_log.c.seq)
Index("ix_change_log_exit_owner_seq", change_log.c.exit_owner_id, change_log.c.seq)
Index("ix_change_log_exit_team_seq", change_log.c.exit_team_id, change_log.c.seq)

server_meta = Table(
    "server_meta",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("epoch", String(64), nullable=False),  # changes when the database is restored
    Column("last_seq", BigInteger, nullable=False, default=0),  # the seq counter (high-water)
    Column("tombstone_floor", BigInteger, nullable=False, default=0),  # cursors below: reset
    Column("created_at", String(40), nullable=False),
)

clients = Table(
    "clients",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("user_id", String(ID_LENGTH)),
    Column("last_mutation_id", BigInteger, nullable=False, default=0),
    Column("last_seen", String(40)),
    # Cursors below this seq must reset (the user's scope changed under them).
    Column("reset_below_seq", BigInteger, nullable=False, default=0),
    # What the client last said it still holds unsent (its hello), for the hand-over preview.
    Column("pending_changes", Integer),
    Column("pending_reported_at", String(40)),
)

accounts = Table(
    "accounts",
    metadata,
    Column("user_id", String(ID_LENGTH), primary_key=True),
    Column("password_hash", String(200), nullable=False),
    Column("state", String(20), nullable=False, default="active"),  # active|frozen|deactivated
    Column("deactivated_at", Float),
    Column("drained_at", Float),
    Column("handover_to", String(ID_LENGTH)),
)

tokens = Table(
    "tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # SHA-256 hex, never the token
    Column("kind", String(10), nullable=False),  # access | drain | refresh
    Column("user_id", String(ID_LENGTH), nullable=False),
    Column("client_id", String(64)),
    Column("expires_at", Float, nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("created_at", Float, nullable=False),
)
Index("ix_tokens_user", tokens.c.user_id)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("login", String(100), nullable=False),
    Column("address", String(64), nullable=False),
    Column("at", Float, nullable=False),
)
Index("ix_login_failures_login", login_failures.c.login)
Index("ix_login_failures_address", login_failures.c.address)

# Who owned a customer before a reassignment: their offline notes are still accepted afterwards.
former_owners = Table(
    "former_owners",
    metadata,
    Column("customer_id", String(ID_LENGTH), primary_key=True),
    Column("user_id", String(ID_LENGTH), primary_key=True),
    Column("until", String(40), nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("actor_id", String(ID_LENGTH)),
    Column("client_id", String(64)),
    Column("action", String(60), nullable=False),
    Column("entity", String(40)),
    Column("entity_id", String(ID_LENGTH)),
    Column("customer_id", String(ID_LENGTH)),
    Column("detail", Text),
    # The client's own id of an event it reported (exports made offline): retries record once.
    Column("event_id", String(64)),
)
Index("ix_audit_actor", audit_log.c.actor_id)
Index("ix_audit_event", audit_log.c.event_id)
Index("ix_audit_customer", audit_log.c.customer_id)
