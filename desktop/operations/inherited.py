"""The successor's queue: customers handed over to me, each with a short hand-over summary.

"Inherited" is read from the replica itself, so it needs nothing from the server and works
offline: a customer I own whose history was written by someone else, and on which I have not
logged anything myself yet. The first activity I log takes it off the queue (I have taken the
customer over), and so does "mark as reviewed", kept in the replica's `sync_state`.

The summary is what a successor needs for the first call: the last contacts (who, when, what was
said and the next step agreed), the open deals, the open follow-ups and the key contacts. Every
piece comes from synced records, so it is as complete as the history the hand-over brought.
Qt-free; callers run these on the database thread.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Select, Table, and_, exists, func, or_, select

from desktop.store.schema import entity_tables, sync_state

REVIEWED_KEY = "reviewed_inherited"  # sync_state: JSON list of customer ids taken off the queue
RECENT_CONTACTS = 3
KEY_CONTACTS = 3

CUSTOMER = entity_tables["customer"]
ACTIVITY = entity_tables["activity"]
OPPORTUNITY = entity_tables["opportunity"]
FOLLOWUP = entity_tables["followup"]
CONTACT = entity_tables["contact"]
USER = entity_tables["user"]
STAGE = entity_tables["stage"]

# Who did an activity: the person it was done by, else whoever recorded it.
activity_actor = func.coalesce(ACTIVITY.c.done_by, ACTIVITY.c.recorded_by)


@dataclass(frozen=True)
class RecentContact:
    occurred_at: str
    kind: str
    subject: str
    by: str
    outcome: str
    next_step: str


@dataclass(frozen=True)
class OpenDeal:
    opportunity_id: str
    name: str
    amount: float | None
    currency: str
    stage: str
    expected_close: str


@dataclass(frozen=True)
class NextStep:
    followup_id: str
    title: str
    due_at: str
    overdue: bool


@dataclass(frozen=True)
class InheritedCustomer:
    customer_id: str
    name: str
    tier: str
    previous_owner: str  # display name of whoever last worked the customer
    activity_count: int
    last_contact_at: str
    recent: tuple[RecentContact, ...]
    open_deals: tuple[OpenDeal, ...]
    next_steps: tuple[NextStep, ...]
    key_contacts: tuple[str, ...]  # "name, title"
    reviewed: bool

    def summary_text(self) -> str:
        """A few plain lines for a list tooltip or a printout."""
        lines = [
            f"{self.name}: {self.activity_count} recorded contacts, from {self.previous_owner}"
        ]
        if self.recent:
            last = self.recent[0]
            lines.append(f"Last contact {last.occurred_at[:10]} ({last.kind}): {last.subject}")
            if last.next_step:
                lines.append(f"Agreed next step: {last.next_step}")
        for deal in self.open_deals:
            amount = "" if deal.amount is None else f" {deal.currency} {deal.amount:,.0f}"
            lines.append(f"Open deal: {deal.name}{amount} ({deal.stage or 'no stage'})")
        for step in self.next_steps:
            lines.append(f"{'Overdue' if step.overdue else 'Due'} {step.due_at[:10]}: {step.title}")
        if self.key_contacts:
            lines.append("Contacts: " + "; ".join(self.key_contacts))
        return "\n".join(lines)


def _reviewed(connection: Connection) -> set[str]:
    row = connection.execute(
        select(sync_state.c.value).where(sync_state.c.key == REVIEWED_KEY)
    ).first()
    return set(json.loads(row[0])) if row is not None and row[0] else set()


def mark_reviewed(engine: Engine, *, customer_ids: Iterable[str], reviewed: bool = True) -> int:
    """Take customers off the queue (or put them back); returns how many are marked now."""
    with engine.begin() as connection:
        marked = _reviewed(connection)
        marked = marked | set(customer_ids) if reviewed else marked - set(customer_ids)
        text = json.dumps(sorted(marked))
        done = connection.execute(
            sync_state.update().where(sync_state.c.key == REVIEWED_KEY).values(value=text)
        )
        if done.rowcount == 0:
            connection.execute(sync_state.insert().values(key=REVIEWED_KEY, value=text))
        return len(marked)


def _user_names(connection: Connection) -> dict[str, str]:
    rows = connection.execute(select(USER.c.id, USER.c.display_name, USER.c.login))
    return {row.id: row.display_name or row.login or row.id for row in rows}


def _inherited_ids(connection: Connection, user_id: str) -> list[tuple[str, str, str]]:
    by_others = exists().where(ACTIVITY.c.customer_id == CUSTOMER.c.id, activity_actor != user_id)
    by_me = exists().where(ACTIVITY.c.customer_id == CUSTOMER.c.id, activity_actor == user_id)
    query = (
        select(CUSTOMER.c.id, CUSTOMER.c.name, CUSTOMER.c.tier)
        .where(CUSTOMER.c.owner_id == user_id, CUSTOMER.c.archived == 0, by_others, ~by_me)
        .order_by(CUSTOMER.c.name, CUSTOMER.c.id)
    )
    return [(row.id, row.name or "", row.tier or "") for row in connection.execute(query)]


# Per-customer pieces are read for a chunk of customers at once (set-based, not one query per
# customer): a leaver's book of hundreds of customers builds in a handful of queries.
CHUNK = 500


def _ranked(table: Table, order: tuple[Any, ...], ids: list[str], limit: int) -> Select[Any]:
    """The first `limit` rows per customer of `table` (SQLite window function)."""
    rank = func.row_number().over(partition_by=table.c.customer_id, order_by=order).label("rank")
    inner = (
        select(table, activity_actor.label("actor"), rank)
        if table is ACTIVITY
        else select(table, rank)
    ).where(table.c.customer_id.in_(ids))
    if "archived" in table.c and table is not ACTIVITY:
        inner = inner.where(table.c.archived == 0)
    ranked = inner.subquery()
    return select(ranked).where(ranked.c.rank <= limit).order_by(ranked.c.rank)


def _recent(
    connection: Connection, ids: list[str], names: dict[str, str]
) -> tuple[dict[str, list[RecentContact]], dict[str, int], dict[str, str]]:
    totals = {
        row.customer_id: int(row.total)
        for row in connection.execute(
            select(ACTIVITY.c.customer_id, func.count().label("total"))
            .where(ACTIVITY.c.customer_id.in_(ids))
            .group_by(ACTIVITY.c.customer_id)
        )
    }
    recent: dict[str, list[RecentContact]] = {}
    previous: dict[str, str] = {}  # who worked the customer last
    order = (ACTIVITY.c.occurred_at.desc(), ACTIVITY.c.id)
    for row in connection.execute(_ranked(ACTIVITY, order, ids, RECENT_CONTACTS)).mappings():
        actor = row["actor"]
        previous.setdefault(row["customer_id"], actor or "")
        recent.setdefault(row["customer_id"], []).append(
            RecentContact(
                occurred_at=row["occurred_at"] or "",
                kind=row["kind"] or "",
                subject=row["subject"] or "",
                by=names.get(actor, actor or ""),
                outcome=row["outcome"] or "",
                next_step=row["next_step"] or "",
            )
        )
    return recent, totals, previous


def _open_deals(connection: Connection, ids: list[str]) -> dict[str, list[OpenDeal]]:
    rows = connection.execute(
        select(OPPORTUNITY, STAGE.c.name.label("stage_name"))
        .outerjoin(STAGE, STAGE.c.id == OPPORTUNITY.c.stage_id)
        .where(
            OPPORTUNITY.c.customer_id.in_(ids),
            OPPORTUNITY.c.archived == 0,
            or_(OPPORTUNITY.c.status.is_(None), OPPORTUNITY.c.status.in_(("", "open"))),
        )
        .order_by(OPPORTUNITY.c.expected_close, OPPORTUNITY.c.id)
    ).mappings()
    deals: dict[str, list[OpenDeal]] = {}
    for row in rows:
        deals.setdefault(row["customer_id"], []).append(
            OpenDeal(
                opportunity_id=row["id"],
                name=row["name"] or "",
                amount=row["amount"],
                currency=row["currency"] or "",
                stage=row["stage_name"] or "",
                expected_close=row["expected_close"] or "",
            )
        )
    return deals


def _next_steps(connection: Connection, ids: list[str], now: str) -> dict[str, list[NextStep]]:
    not_done = or_(FOLLOWUP.c.done.is_(None), FOLLOWUP.c.done.is_(False))
    rows = connection.execute(
        select(FOLLOWUP.c.id, FOLLOWUP.c.customer_id, FOLLOWUP.c.title, FOLLOWUP.c.due_at)
        .where(and_(FOLLOWUP.c.customer_id.in_(ids), FOLLOWUP.c.archived == 0, not_done))
        .order_by(FOLLOWUP.c.due_at, FOLLOWUP.c.id)
    )
    steps: dict[str, list[NextStep]] = {}
    for row in rows:
        overdue = bool(row.due_at and row.due_at < now)
        steps.setdefault(row.customer_id, []).append(
            NextStep(row.id, row.title or "", row.due_at or "", overdue)
        )
    return steps


def _key_contacts(connection: Connection, ids: list[str]) -> dict[str, list[str]]:
    order = (CONTACT.c.name, CONTACT.c.id)
    contacts: dict[str, list[str]] = {}
    for row in connection.execute(_ranked(CONTACT, order, ids, KEY_CONTACTS)).mappings():
        label = f"{row['name']}, {row['title']}" if row["title"] else str(row["name"])
        contacts.setdefault(row["customer_id"], []).append(label)
    return contacts


def inherited_customers(
    engine: Engine, *, user_id: str, now: str, include_reviewed: bool = False
) -> list[InheritedCustomer]:
    """The queue for `user_id`, by customer name. `now` is ISO UTC text (overdue follow-ups)."""
    with engine.connect() as connection, connection.begin():
        # One read transaction: a sync applying a page meanwhile cannot show half a hand-over.
        reviewed = _reviewed(connection)
        names = _user_names(connection)
        wanted = [
            (customer_id, name, tier)
            for customer_id, name, tier in _inherited_ids(connection, user_id)
            if include_reviewed or customer_id not in reviewed
        ]
        queue: list[InheritedCustomer] = []
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            ids = [customer_id for customer_id, _name, _tier in chunk]
            recent, totals, previous = _recent(connection, ids, names)
            deals = _open_deals(connection, ids)
            steps = _next_steps(connection, ids, now)
            contacts = _key_contacts(connection, ids)
            for customer_id, name, tier in chunk:
                last = recent.get(customer_id, [])
                before = previous.get(customer_id, "")
                queue.append(
                    InheritedCustomer(
                        customer_id=customer_id,
                        name=name,
                        tier=tier,
                        previous_owner=names.get(before, before),
                        activity_count=totals.get(customer_id, 0),
                        last_contact_at=last[0].occurred_at if last else "",
                        recent=tuple(last),
                        open_deals=tuple(deals.get(customer_id, ())),
                        next_steps=tuple(steps.get(customer_id, ())),
                        key_contacts=tuple(contacts.get(customer_id, ())),
                        reviewed=customer_id in reviewed,
                    )
                )
        return queue


@dataclass(frozen=True)
class BookCustomer:
    """One customer of an account manager's book, for choosing what to hand over."""

    customer_id: str
    name: str
    tier: str
    team_id: str
    team_name: str


def customers_of(
    engine: Engine,
    *,
    owner_id: str,
    team_id: str | None = None,
    tiers: Sequence[str] | None = None,
) -> list[BookCustomer]:
    """An owner's live customers, optionally narrowed by team and tier: the hand-over
    screen's "by customer / team / tier" selection, read from an administrator's replica."""
    team = entity_tables["team"]
    query = (
        select(CUSTOMER.c.id, CUSTOMER.c.name, CUSTOMER.c.tier, CUSTOMER.c.team_id, team.c.name)
        .outerjoin(team, team.c.id == CUSTOMER.c.team_id)
        .where(CUSTOMER.c.owner_id == owner_id, CUSTOMER.c.archived == 0)
    )
    if team_id is not None:
        query = query.where(CUSTOMER.c.team_id == team_id)
    if tiers:
        query = query.where(CUSTOMER.c.tier.in_(list(tiers)))
    with engine.connect() as connection:
        rows: list[Any] = list(connection.execute(query.order_by(CUSTOMER.c.name, CUSTOMER.c.id)))
    return [
        BookCustomer(row[0], row[1] or "", row[2] or "", row[3] or "", row[4] or "") for row in rows
    ]


def customer_names(engine: Engine, *, customer_ids: Iterable[str]) -> dict[str, str]:
    """Names of the customers this replica holds among `customer_ids` (hand-over and audit
    screens show names; a customer outside this replica's scope keeps its id)."""
    wanted = sorted(set(customer_ids))
    names: dict[str, str] = {}
    with engine.connect() as connection:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            query = select(CUSTOMER.c.id, CUSTOMER.c.name).where(CUSTOMER.c.id.in_(chunk))
            names.update({row.id: row.name or "" for row in connection.execute(query)})
    return names
