"""Follow-ups (待办): add, mark done, and the lists "mine", "today" and "overdue"."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, false, or_, select, union_all

from desktop.domain.models import FollowUp
from desktop.operations.base import (
    check_references,
    current_user_id,
    reading,
    require_active,
    validated,
    writing,
)
from desktop.operations.day_queries import local_day_bounds, mark_followup_done
from desktop.operations.read_models import followup
from desktop.store.changes import create_record, update_record, utc_now
from desktop.store.schema import entity_tables

FOLLOWUP = entity_tables["followup"]
CUSTOMER = entity_tables["customer"]


class FollowUpScope(StrEnum):
    MINE = "mine"  # all my open follow-ups, whatever their due date
    TODAY = "today"  # my open follow-ups due today or earlier
    OVERDUE = "overdue"  # my open follow-ups due before today
    ALL_OPEN = "all"  # everyone's open follow-ups in this replica


def add_followup(
    engine: Engine,
    *,
    customer_id: str,
    title: str,
    due: str | datetime,
    priority: str = "normal",
    assignee_id: str | None = None,
) -> str:
    """A follow-up for `assignee_id` (default: the signed-in user); its id."""
    cleaned = validated(
        "followup",
        {"customer_id": customer_id, "title": title, "due_at": due, "priority": priority},
    )
    with writing(engine) as connection:
        require_active(connection, entity="customer", record_id=customer_id)
        cleaned["assignee_id"] = assignee_id or current_user_id(connection)
        cleaned["done"] = False
        check_references(connection, "followup", cleaned)
        return create_record(connection, entity="followup", fields=cleaned)


def complete_followup(engine: Engine, *, followup_id: str) -> bool:
    """Mark done; False when it already was (a double click writes nothing)."""
    with writing(engine) as connection:
        return mark_followup_done(connection, followup_id=followup_id, done_at=utc_now())


def _scope_conditions(
    scope: FollowUpScope, *, user_id: str | None, now: datetime
) -> list[ColumnElement[bool]]:
    """What narrows the open follow-ups down to `scope` (open-ness itself is in `_open_ids`).
    Without a user (before the first sign-in) everything in the replica is the user's own."""
    conditions: list[ColumnElement[bool]] = [FOLLOWUP.c.archived == 0]
    if user_id is not None:
        conditions.append(FOLLOWUP.c.assignee_id == user_id)
    day_start, day_end = local_day_bounds(now)
    if scope is FollowUpScope.TODAY:
        conditions.append(FOLLOWUP.c.due_at < day_end)
    elif scope is FollowUpScope.OVERDUE:
        conditions.append(FOLLOWUP.c.due_at < day_start)
    return conditions


def _open_ids(conditions: list[ColumnElement[bool]], *, per_user: bool, limit: int) -> Any:
    """The ids of the first `limit` open follow-ups by due time. "Open" is done = false or done
    unset (as the server may send it). For one user the (assignee_id, due_at) index already
    narrows enough; for everyone's, one OR would rule out the (done, due_at) index and sort every
    open follow-up of the firm, so each case reads that index in due order and the two merge."""
    if per_user:
        done_cases = [or_(FOLLOWUP.c.done == false(), FOLLOWUP.c.done.is_(None))]
    else:
        done_cases = [FOLLOWUP.c.done == false(), FOLLOWUP.c.done.is_(None)]
    branches = [
        select(FOLLOWUP.c.id, FOLLOWUP.c.due_at)
        .where(done_case, *conditions)
        .order_by(FOLLOWUP.c.due_at, FOLLOWUP.c.id)
        .limit(limit)
        .subquery()
        for done_case in done_cases
    ]
    return union_all(*(select(branch.c.id, branch.c.due_at) for branch in branches)).subquery(
        "open_ids"
    )


def list_followups(
    engine: Engine,
    *,
    scope: FollowUpScope = FollowUpScope.MINE,
    now: datetime | None = None,
    limit: int = 500,
) -> list[FollowUp]:
    """Open follow-ups in `scope`, earliest due first. `now` (aware, local) fixes "today"."""
    moment = now or datetime.now().astimezone()
    with reading(engine) as connection:
        user_id = None if scope is FollowUpScope.ALL_OPEN else current_user_id(connection)
        open_ids = _open_ids(
            _scope_conditions(scope, user_id=user_id, now=moment),
            per_user=user_id is not None,
            limit=limit,
        )
        query = (
            select(FOLLOWUP, CUSTOMER.c.name.label("customer_name"))
            .join_from(open_ids, FOLLOWUP, FOLLOWUP.c.id == open_ids.c.id)
            .join(CUSTOMER, CUSTOMER.c.id == FOLLOWUP.c.customer_id, isouter=True)
            .order_by(FOLLOWUP.c.due_at, FOLLOWUP.c.id)
            .limit(limit)
        )
        return [followup(row) for row in connection.execute(query).mappings()]


def customer_followups(connection: Connection, *, customer_id: str) -> tuple[FollowUp, ...]:
    """A customer's follow-ups that are not archived: open ones first, then by due time."""
    query = (
        select(FOLLOWUP, CUSTOMER.c.name.label("customer_name"))
        .join(CUSTOMER, CUSTOMER.c.id == FOLLOWUP.c.customer_id)
        .where(FOLLOWUP.c.customer_id == customer_id, FOLLOWUP.c.archived == 0)
        .order_by(FOLLOWUP.c.done, FOLLOWUP.c.due_at, FOLLOWUP.c.id)
    )
    return tuple(followup(row) for row in connection.execute(query).mappings())


def edit_followup(
    engine: Engine, *, followup_id: str, changes: Mapping[str, object]
) -> dict[str, Any]:
    cleaned = validated("followup", changes, partial=True)
    with writing(engine) as connection:
        check_references(connection, "followup", cleaned)
        return update_record(connection, entity="followup", record_id=followup_id, changes=cleaned)
