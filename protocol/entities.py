"""The synced records and their fields: one declaration that client and server tables derive from.

Both replicas store exactly these fields (plus their own bookkeeping columns), so the wire format,
the client's SQLite tables and the server's tables can never drift apart. Adding a field here is an
additive wire change: old clients simply never send it, and the server never blanks what it is not
sent (see `sync-protocol.md`, "Versions and resets").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FieldType(StrEnum):
    TEXT = "text"  # short text (names, codes)
    LONG_TEXT = "long_text"  # notes, addresses
    INT = "int"
    NUMBER = "number"  # amounts and probabilities: forecasts, not accounting
    BOOL = "bool"
    DATE = "date"  # ISO 8601 date, "2026-11-23"
    DATETIME = "datetime"  # ISO 8601 UTC, "2026-11-23T09:30:00Z"; display only, never decides
    REF = "ref"  # UUID of another record (string form)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: FieldType
    required: bool = False
    ref: str | None = None  # the entity a REF points to
    max_length: int | None = None


class Ownership(StrEnum):
    """Who may write a record and whose replica carries it."""

    REFERENCE = "reference"  # server-managed (users, teams, stages); clients only read it
    CUSTOMER = "customer"  # lives in a customer's bucket: visible with that customer
    PERSONAL = "personal"  # addressed to one user (sync errors)


@dataclass(frozen=True)
class EntitySpec:
    name: str
    fields: tuple[FieldSpec, ...]
    ownership: Ownership
    append_only: bool = False  # activities: never edited in place, so never in conflict
    archivable: bool = False  # has an `archived` flag instead of deletes
    client_writable: bool = True

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(f"{self.name} has no field {name!r}")

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.fields)


def _f(name: str, kind: FieldType = FieldType.TEXT, **options: object) -> FieldSpec:
    return FieldSpec(name, kind, **options)  # type: ignore[arg-type]


T, LT, INT, NUM, BOOL, DATE, DT, REF = (
    FieldType.TEXT,
    FieldType.LONG_TEXT,
    FieldType.INT,
    FieldType.NUMBER,
    FieldType.BOOL,
    FieldType.DATE,
    FieldType.DATETIME,
    FieldType.REF,
)

TEAM = EntitySpec(
    "team",
    (_f("name", required=True, max_length=200), _f("head_id", REF, ref="user")),
    Ownership.REFERENCE,
    client_writable=False,
)

USER = EntitySpec(
    "user",
    (
        _f("login", required=True, max_length=100),
        _f("display_name", required=True, max_length=200),
        _f("role", required=True, max_length=40),
        _f("team_id", REF, ref="team"),
        _f("active", BOOL),
    ),
    Ownership.REFERENCE,
    client_writable=False,
)

PIPELINE = EntitySpec(
    "pipeline",
    (_f("name", required=True, max_length=200), _f("position", INT)),
    Ownership.REFERENCE,
    client_writable=False,
)

STAGE = EntitySpec(
    "stage",
    (
        _f("pipeline_id", REF, required=True, ref="pipeline"),
        _f("name", required=True, max_length=200),
        _f("position", INT),
        _f("probability", NUM),
        _f("outcome", max_length=10),  # "" open, "won", "lost"
    ),
    Ownership.REFERENCE,
    client_writable=False,
)

PICKLIST = EntitySpec(
    "picklist",
    (
        _f("kind", required=True, max_length=40),  # industry, source, tier, lifecycle, ...
        _f("value", required=True, max_length=100),
        _f("label_en", max_length=200),
        _f("label_zh", max_length=200),
        _f("position", INT),
    ),
    Ownership.REFERENCE,
    client_writable=False,
)

CUSTOMER = EntitySpec(
    "customer",
    (
        _f("name", required=True, max_length=300),
        _f("kind", max_length=20),  # company | person
        _f("account_type", max_length=20),  # customer | partner | competitor
        _f("industry", max_length=100),
        _f("address", LT),
        _f("phone", max_length=40),
        _f("email", max_length=254),
        _f("website", max_length=300),
        _f("fax", max_length=40),
        _f("source", max_length=40),  # advert, visit, website, mail, referral ...
        _f("owner_id", REF, ref="user"),
        _f("team_id", REF, ref="team"),
        _f("lifecycle", max_length=40),  # prospect, target, active, lost ...
        _f("tier", max_length=40),  # gold, silver, bronze ...
        _f("value_label", max_length=40),
        _f("tags", max_length=500),  # comma separated
        _f("credit_notes", LT),
        _f("created_at", DT),
    ),
    Ownership.CUSTOMER,
    archivable=True,
)

CONTACT = EntitySpec(
    "contact",
    (
        _f("customer_id", REF, required=True, ref="customer"),
        _f("name", required=True, max_length=200),
        _f("title", max_length=200),
        _f("phone", max_length=40),
        _f("mobile", max_length=40),
        _f("email", max_length=254),
        _f("address", LT),
        _f("birthday", DATE),
        _f("buying_role", max_length=40),  # decision_maker, influencer, user, buyer
        _f("notes", LT),
    ),
    Ownership.CUSTOMER,
    archivable=True,
)

ACTIVITY = EntitySpec(
    "activity",
    (
        _f("customer_id", REF, required=True, ref="customer"),
        _f("kind", required=True, max_length=20),  # visit, call, meeting, email, note, return_visit
        _f("occurred_at", DT, required=True),
        _f("duration_min", INT),
        _f("place", max_length=300),
        _f("subject", max_length=300),
        _f("notes", LT),
        _f("outcome", LT),
        _f("next_step", LT),
        _f("done_by", REF, ref="user"),
        _f("recorded_by", REF, ref="user"),
        _f("amends_id", REF, ref="activity"),  # a correction references the original
    ),
    Ownership.CUSTOMER,
    append_only=True,
)

FOLLOWUP = EntitySpec(
    "followup",
    (
        _f("customer_id", REF, required=True, ref="customer"),
        _f("activity_id", REF, ref="activity"),
        _f("title", required=True, max_length=300),
        _f("due_at", DT, required=True),
        _f("assignee_id", REF, ref="user"),
        _f("priority", max_length=10),  # high, normal, low
        _f("done", BOOL),
        _f("done_at", DT),
    ),
    Ownership.CUSTOMER,
    archivable=True,
)

OPPORTUNITY = EntitySpec(
    "opportunity",
    (
        _f("customer_id", REF, required=True, ref="customer"),
        _f("name", required=True, max_length=300),
        _f("amount", NUM),
        _f("currency", max_length=3),
        _f("probability", NUM),
        _f("pipeline_id", REF, ref="pipeline"),
        _f("stage_id", REF, ref="stage"),
        _f("expected_close", DATE),
        _f("owner_id", REF, ref="user"),
        _f("how_to_win", LT),
        _f("competitors", max_length=500),
        _f("lost_reason", LT),
        _f("status", max_length=10),  # open, won, lost
        _f("created_at", DT),
    ),
    Ownership.CUSTOMER,
    archivable=True,
)

CONFLICT = EntitySpec(
    "conflict",
    (
        _f("customer_id", REF, ref="customer"),
        _f("entity", required=True, max_length=40),
        _f("entity_id", REF, required=True),
        _f("field", required=True, max_length=100),
        _f("kept_value", LT),  # the value that won (arrived last)
        _f("lost_value", LT),  # the value that was overwritten, kept for review
        _f("lost_by", REF, ref="user"),
        _f("won_by", REF, ref="user"),
        _f("created_at", DT),
        _f("resolved", BOOL),
    ),
    Ownership.CUSTOMER,
    client_writable=False,
)

SYNC_ERROR = EntitySpec(
    "sync_error",
    (
        _f("user_id", REF, ref="user"),
        _f("client_id", max_length=64),
        _f("mutation_id", INT),
        _f("entity", max_length=40),
        _f("entity_id", REF),
        _f("code", max_length=60),
        _f("message", LT),
        _f("rejected", LT),  # JSON of the refused values, kept so nothing is lost
        _f("created_at", DT),
    ),
    Ownership.PERSONAL,
    client_writable=False,
)

ENTITIES: dict[str, EntitySpec] = {
    spec.name: spec
    for spec in (
        TEAM,
        USER,
        PIPELINE,
        STAGE,
        PICKLIST,
        CUSTOMER,
        CONTACT,
        ACTIVITY,
        FOLLOWUP,
        OPPORTUNITY,
        CONFLICT,
        SYNC_ERROR,
    )
}

# Order in which a replica applies and creates tables: referenced records first.
ENTITY_ORDER: tuple[str, ...] = tuple(ENTITIES)

CLIENT_WRITABLE: frozenset[str] = frozenset(n for n, s in ENTITIES.items() if s.client_writable)
