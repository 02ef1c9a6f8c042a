"""The "My day" read model: today's and overdue follow-ups, planned visits, due reminders.

Times in the replica are ISO 8601 UTC text ("2026-11-23T09:30:00Z"), which sorts and compares
correctly as text, so every filter runs in indexed SQL. "Today" is the user's local calendar day:
callers pass its bounds in UTC (see `local_day_bounds`), so the query never guesses a time zone.
Qt-free; callers run these on the database thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Connection, and_, or_, select

from desktop.store.changes import read_record, update_record
from desktop.store.schema import entity_tables

VISIT_KINDS = ("visit", "return_visit")


class DayItemKind(StrEnum):
    FOLLOWUP = "followup"
    VISIT = "visit"


@dataclass(frozen=True)
class DayItem:
    """One line of "My day": a follow-up to do or a visit planned for today."""

    kind: DayItemKind
    record_id: str
    customer_id: str
    customer_name: str
    title: str
    due_at: str  # ISO UTC: the follow-up's due time or the visit's planned time
    priority: str  # high, normal, low ("" for visits)
    overdue: bool
    done: bool


@dataclass(frozen=True)
class MyDay:
    overdue: tuple[DayItem, ...]
    today: tuple[DayItem, ...]
    visits: tuple[DayItem, ...]

    @property
    def all_items(self) -> tuple[DayItem, ...]:
        return self.overdue + self.today + self.visits


def iso_utc(moment: datetime) -> str:
    """The replica's text form of a moment (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def local_day_bounds(now: datetime) -> tuple[str, str]:
    """Start and end (exclusive) of the calendar day containing `now`, in `now`'s own time zone,
    as ISO UTC text. Pass an aware local time (`datetime.now().astimezone()`)."""
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return iso_utc(start), iso_utc(start + timedelta(days=1))


_PRIORITY_ORDER = {"high": 0, "normal": 1, "": 1, "low": 2}


def _sort_key(item: DayItem) -> tuple[str, int, str]:
    return (item.due_at, _PRIORITY_ORDER.get(item.priority, 1), item.title)


def load_my_day(
    connection: Connection, *, user_id: str | None, day_start: str, day_end: str
) -> MyDay:
    """Open follow-ups due before `day_end` (split into overdue and today) and visits planned
    within the day. `user_id` None shows everyone's (a manager's view or a replica with no
    signed-in user yet); otherwise only what is assigned to or done by that user."""
    followups = _open_followups(
        connection, user_id=user_id, overdue_before=day_start, due_before=day_end
    )
    return MyDay(
        overdue=tuple(sorted((i for i in followups if i.overdue), key=_sort_key)),
        today=tuple(sorted((i for i in followups if not i.overdue), key=_sort_key)),
        visits=tuple(
            _planned_visits(connection, user_id=user_id, day_start=day_start, day_end=day_end)
        ),
    )


def _open_followups(
    connection: Connection, *, user_id: str | None, overdue_before: str, due_before: str
) -> list[DayItem]:
    """Open, non-archived follow-ups due before `due_before` (assigned to `user_id` unless None),
    marked overdue when due before `overdue_before`."""
    followup = entity_tables["followup"]
    customer = entity_tables["customer"]
    query = (
        select(
            followup.c.id,
            followup.c.customer_id,
            customer.c.name.label("customer_name"),
            followup.c.title,
            followup.c.due_at,
            followup.c.priority,
            followup.c.done,
        )
        .join(customer, customer.c.id == followup.c.customer_id, isouter=True)
        .where(
            followup.c.archived == 0,
            or_(followup.c.done.is_(None), followup.c.done == False),  # noqa: E712 (SQL)
            followup.c.due_at < due_before,
        )
    )
    if user_id is not None:
        query = query.where(followup.c.assignee_id == user_id)
    return [
        DayItem(
            kind=DayItemKind.FOLLOWUP,
            record_id=row.id,
            customer_id=row.customer_id,
            customer_name=row.customer_name or "",
            title=row.title or "",
            due_at=row.due_at or "",
            priority=row.priority or "normal",
            overdue=(row.due_at or "") < overdue_before,
            done=bool(row.done),
        )
        for row in connection.execute(query)
    ]


def _planned_visits(
    connection: Connection, *, user_id: str | None, day_start: str, day_end: str
) -> list[DayItem]:
    activity = entity_tables["activity"]
    customer = entity_tables["customer"]
    query = (
        select(
            activity.c.id,
            activity.c.customer_id,
            customer.c.name.label("customer_name"),
            activity.c.subject,
            activity.c.place,
            activity.c.occurred_at,
        )
        .join(customer, customer.c.id == activity.c.customer_id, isouter=True)
        .where(
            activity.c.kind.in_(VISIT_KINDS),
            and_(activity.c.occurred_at >= day_start, activity.c.occurred_at < day_end),
        )
        .order_by(activity.c.occurred_at)
    )
    if user_id is not None:
        query = query.where(activity.c.done_by == user_id)
    return [
        DayItem(
            kind=DayItemKind.VISIT,
            record_id=row.id,
            customer_id=row.customer_id,
            customer_name=row.customer_name or "",
            title=" · ".join(part for part in (row.subject, row.place) if part),
            due_at=row.occurred_at or "",
            priority="",
            overdue=False,
            done=False,
        )
        for row in connection.execute(query)
    ]


def due_reminders(
    connection: Connection, *, user_id: str | None, now: str, lead_minutes: int = 0
) -> list[DayItem]:
    """Open follow-ups that are due by `now` plus `lead_minutes`: what a reminder should announce.
    The caller remembers which it already announced; this stays a pure read."""
    moment = datetime.fromisoformat(now.replace("Z", "+00:00"))
    # The query's bound is exclusive; one second more makes "due at exactly the horizon" count.
    horizon = iso_utc(moment + timedelta(minutes=lead_minutes, seconds=1))
    # Follow-ups only: this runs every minute, and planned visits are not reminders.
    due = _open_followups(connection, user_id=user_id, overdue_before=now, due_before=horizon)
    return sorted(due, key=_sort_key)


def mark_followup_done(connection: Connection, *, followup_id: str, done_at: str) -> bool:
    """Mark a follow-up done (row and outbox entry in the caller's transaction).
    Returns False when it already was done, so a double click writes nothing."""
    if read_record(connection, entity="followup", record_id=followup_id)["done"]:
        return False
    update_record(
        connection,
        entity="followup",
        record_id=followup_id,
        changes={"done": True, "done_at": done_at},
    )
    return True
