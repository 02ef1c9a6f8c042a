"""The activity log (跟踪记录): append-only entries, corrections as new entries, follow-ups.

Entries are never edited in place, so two people logging against one customer offline never
conflict. An amendment copies the entry, applies the corrections and references the original.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from desktop.domain.messages import Problem, ValidationError
from desktop.domain.models import ActivityEntry
from desktop.operations.base import (
    check_references,
    current_user_id,
    reading,
    require_active,
    validated,
    writing,
)
from desktop.operations.read_models import activity_entry
from desktop.store.changes import create_record, read_record, utc_now
from desktop.store.schema import entity_tables
from protocol.entities import ACTIVITY as ACTIVITY_SPEC

ACTIVITY = entity_tables["activity"]


@dataclass(frozen=True)
class LoggedActivity:
    activity_id: str
    followup_id: str | None  # set when a next step with a due date was given


def log_activity(
    engine: Engine,
    *,
    customer_id: str,
    kind: str,
    notes: str | None = None,
    occurred_at: str | datetime | None = None,
    subject: str | None = None,
    place: str | None = None,
    duration_min: int | str | None = None,
    outcome: str | None = None,
    next_step: str | None = None,
    due: str | datetime | None = None,
    priority: str | None = None,
    done_by: str | None = None,
) -> LoggedActivity:
    """Record a contact with the customer. `done_by` defaults to the signed-in user, who is
    always `recorded_by` (a manager may record a visit someone else made). With `next_step`
    and `due` a follow-up for the person who did it is created in the same transaction."""
    values: dict[str, object] = {
        "customer_id": customer_id,
        "kind": kind,
        "occurred_at": occurred_at if occurred_at is not None else utc_now(),
        "notes": notes,
        "subject": subject,
        "place": place,
        "duration_min": duration_min,
        "outcome": outcome,
        "next_step": next_step,
        "done_by": done_by,
    }
    problems: list[Problem] = []
    try:
        cleaned = validated("activity", values)
    except ValidationError as error:
        problems.extend(error.problems)
        cleaned = {}
    followup_values: dict[str, Any] | None = None
    if due is not None and str(due).strip():
        if not (next_step or "").strip():
            problems.append(Problem("next_step", "due_needs_next_step"))
        try:
            followup_values = validated(
                "followup",
                {
                    "customer_id": customer_id,
                    "title": next_step or "-",
                    "due_at": due,
                    "priority": priority or "normal",
                },
            )
        except ValidationError as error:
            problems.extend(error.problems)
    if problems:
        raise ValidationError(problems)
    with writing(engine) as connection:
        require_active(connection, entity="customer", record_id=customer_id)
        user_id = current_user_id(connection)
        cleaned["recorded_by"] = user_id
        if cleaned.get("done_by") is None:
            cleaned["done_by"] = user_id
        check_references(connection, "activity", cleaned)
        activity_id = create_record(connection, entity="activity", fields=cleaned)
        followup_id = None
        if followup_values is not None:
            followup_values.update(
                activity_id=activity_id, assignee_id=cleaned["done_by"], done=False
            )
            followup_id = create_record(connection, entity="followup", fields=followup_values)
    return LoggedActivity(activity_id=activity_id, followup_id=followup_id)


def amend_activity(engine: Engine, *, activity_id: str, corrections: Mapping[str, object]) -> str:
    """A new entry that replaces `activity_id` in the timeline; the original stays as it was.
    Returns the new entry's id."""
    fixed = [name for name in ("customer_id", "amends_id", "recorded_by") if name in corrections]
    if fixed:
        raise ValidationError([Problem(name, "not_amendable") for name in fixed])
    with writing(engine) as connection:
        original = read_record(connection, entity="activity", record_id=activity_id)
        merged = {name: original[name] for name in ACTIVITY_SPEC.field_names}
        merged.update(corrections)
        cleaned = validated("activity", merged)
        cleaned["amends_id"] = activity_id
        cleaned["recorded_by"] = current_user_id(connection)
        check_references(connection, "activity", cleaned)
        return create_record(connection, entity="activity", fields=cleaned)


def _timeline_query(customer_id: str) -> Any:
    amendment = ACTIVITY.alias("amendment")
    newest_amendment = (
        select(amendment.c.id)
        # Same customer first: that is indexed, and amends_id is not (an amendment never moves
        # to another customer).
        .where(
            amendment.c.customer_id == ACTIVITY.c.customer_id,
            amendment.c.amends_id == ACTIVITY.c.id,
        )
        .order_by(amendment.c.occurred_at.desc(), amendment.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(ACTIVITY, newest_amendment.label("amended_by_id"))
        .where(ACTIVITY.c.customer_id == customer_id)
        .order_by(ACTIVITY.c.occurred_at.desc(), ACTIVITY.c.id.desc())
    )


def activity_page(
    connection: Connection, *, customer_id: str, offset: int = 0, limit: int = 50
) -> tuple[tuple[ActivityEntry, ...], int]:
    """One page of a customer's timeline, newest first, and the number of entries in all."""
    total = connection.execute(
        select(func.count()).select_from(ACTIVITY).where(ACTIVITY.c.customer_id == customer_id)
    ).scalar_one()
    rows = connection.execute(_timeline_query(customer_id).offset(offset).limit(limit))
    return tuple(activity_entry(row) for row in rows.mappings()), int(total)


def list_activities(
    engine: Engine, *, customer_id: str, offset: int = 0, limit: int = 50
) -> tuple[tuple[ActivityEntry, ...], int]:
    with reading(engine) as connection:
        read_record(connection, entity="customer", record_id=customer_id)
        return activity_page(connection, customer_id=customer_id, offset=offset, limit=limit)
