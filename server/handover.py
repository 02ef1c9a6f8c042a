"""Moving customers between account managers: reassignment and the hand-over of a leaver's book.

A customer changing owner must leave the old owner's replica and arrive, with its full history,
in the new owner's. So a reassignment appends an `exit` entry for whoever lost sight of it (the
old owner, and the old team if the team changed) and appends the whole bucket again for whoever
gained it, all in the transaction that changes the owner.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, or_, select

from protocol.messages import ErrorCode
from server.audit import record_audit
from server.client_reports import unsynced_of
from server.db import SeqAllocator, utc_now_iso, write_transaction
from server.errors import ApiError
from server.people import mark_deactivated, not_found
from server.records import Actor, append_exit, load_record, reappend_bucket, save_record
from server.schema import entity_tables, former_owners

customers = entity_tables["customer"]
opportunities = entity_tables["opportunity"]
followups = entity_tables["followup"]
users = entity_tables["user"]


def _user(connection: Connection, user_id: str) -> dict[str, Any]:
    user = load_record(connection, entity="user", record_id=user_id)
    if user is None:
        raise not_found(f"User {user_id}")
    return user


def _check_team_limit(
    connection: Connection,
    *,
    limit_team: str | None,
    customer_ids: Sequence[str],
    to_user: dict[str, Any],
) -> None:
    """Team heads move customers only within their own team."""
    if limit_team is None:
        return
    if to_user.get("team_id") != limit_team:
        raise ApiError(403, ErrorCode.FORBIDDEN, "The successor is not in your team.")
    outside = connection.execute(
        select(func.count())
        .select_from(customers)
        .where(
            and_(
                customers.c.id.in_(list(customer_ids)),
                or_(customers.c.team_id.is_(None), customers.c.team_id != limit_team),
            )
        )
    ).scalar_one()
    if outside:
        raise ApiError(
            403, ErrorCode.FORBIDDEN, f"{outside} of these customers are not your team's."
        )


def move_customer(
    connection: Connection,
    allocator: SeqAllocator,
    *,
    customer: dict[str, Any],
    to_user: dict[str, Any],
    actor: Actor,
) -> bool:
    """Give one customer to `to_user`; False if it already was theirs."""
    old_owner, old_team = customer.get("owner_id"), customer.get("team_id")
    new_owner, new_team = str(to_user["id"]), to_user.get("team_id")
    if old_owner == new_owner and old_team == new_team:
        return False
    customer_id = str(customer["id"])
    row = save_record(
        connection,
        allocator,
        entity="customer",
        record_id=customer_id,
        values={"owner_id": new_owner, "team_id": new_team},
        actor=actor,
    )
    append_exit(
        allocator,
        customer_id=customer_id,
        version=int(row["version"]),
        owner_id=old_owner if old_owner != new_owner else None,
        team_id=old_team if old_team != new_team else None,
    )
    reappend_bucket(connection, allocator, customer_id=customer_id)
    if old_owner and old_owner != new_owner:
        exists = connection.execute(
            select(former_owners.c.user_id).where(
                and_(
                    former_owners.c.customer_id == customer_id, former_owners.c.user_id == old_owner
                )
            )
        ).first()
        if exists is None:
            connection.execute(
                insert(former_owners).values(
                    customer_id=customer_id, user_id=old_owner, until=utc_now_iso()
                )
            )
    record_audit(
        connection,
        actor=actor,
        action="customer.reassign",
        entity="customer",
        entity_id=customer_id,
        customer_id=customer_id,
        detail={
            "from_owner": old_owner,
            "to_owner": new_owner,
            "from_team": old_team,
            "to_team": new_team,
        },
    )
    return True


def _load_customers(connection: Connection, customer_ids: Sequence[str]) -> list[dict[str, Any]]:
    found = []
    for customer_id in customer_ids:
        customer = load_record(connection, entity="customer", record_id=customer_id)
        if customer is None or customer["deleted"]:
            raise not_found(f"Customer {customer_id}")
        found.append(customer)
    return found


def reassign_customers(
    engine: Engine,
    *,
    customer_ids: Sequence[str],
    to_user_id: str,
    actor: Actor,
    limit_team: str | None = None,
) -> int:
    """Reassign customers to a user in one transaction; returns how many changed owner."""
    if not customer_ids:
        raise ApiError(422, ErrorCode.VALIDATION, "Name at least one customer.")
    with write_transaction(engine) as (connection, allocator):
        to_user = _user(connection, to_user_id)
        found = _load_customers(connection, customer_ids)
        _check_team_limit(
            connection, limit_team=limit_team, customer_ids=customer_ids, to_user=to_user
        )
        moved = sum(
            move_customer(connection, allocator, customer=c, to_user=to_user, actor=actor)
            for c in found
        )
    return moved


def _open_opportunities(
    connection: Connection, *, from_user: str, customer_ids: Sequence[str] | None
) -> list[str]:
    conditions = [
        opportunities.c.owner_id == from_user,
        or_(opportunities.c.status.is_(None), opportunities.c.status.in_(("", "open"))),
        opportunities.c.deleted.is_(False),
    ]
    if customer_ids is not None:
        conditions.append(opportunities.c.customer_id.in_(list(customer_ids)))
    return [
        str(i)
        for i in connection.execute(select(opportunities.c.id).where(and_(*conditions))).scalars()
    ]


def _open_followups(
    connection: Connection, *, from_user: str, customer_ids: Sequence[str] | None
) -> list[str]:
    conditions = [
        followups.c.assignee_id == from_user,
        or_(followups.c.done.is_(None), followups.c.done.is_(False)),
        followups.c.deleted.is_(False),
    ]
    if customer_ids is not None:
        conditions.append(followups.c.customer_id.in_(list(customer_ids)))
    return [
        str(i)
        for i in connection.execute(select(followups.c.id).where(and_(*conditions))).scalars()
    ]


def _owned_customers(connection: Connection, *, from_user: str) -> list[str]:
    query = select(customers.c.id).where(
        and_(customers.c.owner_id == from_user, customers.c.deleted.is_(False))
    )
    return [str(i) for i in connection.execute(query).scalars()]


def handover_preview(
    engine: Engine, *, from_user_id: str, to_user_id: str, limit_team: str | None = None
) -> dict[str, Any]:
    with engine.connect() as connection:
        from_user, to_user = _user(connection, from_user_id), _user(connection, to_user_id)
        customer_ids = _owned_customers(connection, from_user=from_user_id)
        if limit_team is not None and from_user.get("team_id") != limit_team:
            raise ApiError(403, ErrorCode.FORBIDDEN, "That user is not in your team.")
        _check_team_limit(
            connection, limit_team=limit_team, customer_ids=customer_ids, to_user=to_user
        )
        return {
            "from_user": from_user_id,
            "to_user": to_user_id,
            "customers": len(customer_ids),
            "open_opportunities": len(
                _open_opportunities(connection, from_user=from_user_id, customer_ids=None)
            ),
            "open_followups": len(
                _open_followups(connection, from_user=from_user_id, customer_ids=None)
            ),
            **unsynced_of(connection, user_id=from_user_id),
        }


def _handover_in(
    connection: Connection,
    allocator: SeqAllocator,
    *,
    from_user_id: str,
    to_user: dict[str, Any],
    customer_ids: Sequence[str] | None,
    actor: Actor,
    limit_team: str | None,
) -> dict[str, int]:
    owned = _owned_customers(connection, from_user=from_user_id)
    chosen = list(customer_ids) if customer_ids is not None else owned
    foreign = sorted(set(chosen) - set(owned))
    if foreign:
        raise ApiError(
            422,
            ErrorCode.VALIDATION,
            f"{len(foreign)} of these customers are not the leaver's (first: {foreign[0]}).",
        )
    _check_team_limit(connection, limit_team=limit_team, customer_ids=chosen, to_user=to_user)
    to_user_id = str(to_user["id"])
    # Opportunities and follow-ups first, so the bucket re-appended for the successor already
    # carries the new owner and assignee.
    opportunity_ids = _open_opportunities(
        connection, from_user=from_user_id, customer_ids=customer_ids
    )
    for record_id in opportunity_ids:
        save_record(
            connection,
            allocator,
            entity="opportunity",
            record_id=record_id,
            values={"owner_id": to_user_id},
            actor=actor,
        )
    followup_ids = _open_followups(connection, from_user=from_user_id, customer_ids=customer_ids)
    for record_id in followup_ids:
        save_record(
            connection,
            allocator,
            entity="followup",
            record_id=record_id,
            values={"assignee_id": to_user_id},
            actor=actor,
        )
    moved = sum(
        move_customer(connection, allocator, customer=c, to_user=to_user, actor=actor)
        for c in _load_customers(connection, chosen)
    )
    summary = {
        "customers": moved,
        "open_opportunities": len(opportunity_ids),
        "open_followups": len(followup_ids),
    }
    record_audit(
        connection,
        actor=actor,
        action="handover",
        entity="user",
        entity_id=from_user_id,
        detail={"to_user": to_user_id, **summary},
    )
    return summary


def handover(
    engine: Engine,
    *,
    from_user_id: str,
    to_user_id: str,
    customer_ids: Sequence[str] | None,
    actor: Actor,
    limit_team: str | None = None,
) -> dict[str, int]:
    """Customers, open opportunities and open follow-ups move to the successor in one step."""
    if from_user_id == to_user_id:
        raise ApiError(422, ErrorCode.VALIDATION, "Hand over to somebody else.")
    with write_transaction(engine) as (connection, allocator):
        from_user, to_user = _user(connection, from_user_id), _user(connection, to_user_id)
        if limit_team is not None and from_user.get("team_id") != limit_team:
            raise ApiError(403, ErrorCode.FORBIDDEN, "That user is not in your team.")
        return _handover_in(
            connection,
            allocator,
            from_user_id=from_user_id,
            to_user=to_user,
            customer_ids=customer_ids,
            actor=actor,
            limit_team=limit_team,
        )


def deactivate_user(
    engine: Engine, *, user_id: str, handover_to: str | None, actor: Actor
) -> dict[str, int]:
    """Close the account (drain window opens) and, if named, hand its book to a successor."""
    with write_transaction(engine) as (connection, allocator):
        _user(connection, user_id)
        summary: dict[str, int] = {}
        if handover_to is not None:
            if handover_to == user_id:
                raise ApiError(422, ErrorCode.VALIDATION, "Hand over to somebody else.")
            summary = _handover_in(
                connection,
                allocator,
                from_user_id=user_id,
                to_user=_user(connection, handover_to),
                customer_ids=None,
                actor=actor,
                limit_team=None,
            )
        mark_deactivated(connection, allocator, user_id=user_id, actor=actor)
    return summary
