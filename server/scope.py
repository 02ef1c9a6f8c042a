"""Who may see and change which customers: computed from the authenticated user only.

- account manager: customers they own;
- team head: customers of their team;
- executive and administrator: every customer;
- everyone: reference data and their own sync errors.
Records in a customer's bucket (contacts, activities, ...) travel with their customer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, FromClause, String, and_, bindparam, func

from server.schema import change_log, entity_tables


class Role(StrEnum):
    ACCOUNT_MANAGER = "account_manager"
    TEAM_HEAD = "team_head"
    EXECUTIVE = "executive"
    ADMIN = "admin"


ROLE_VALUES: tuple[str, ...] = tuple(role.value for role in Role)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request."""

    user_id: str
    login: str
    display_name: str
    role: Role
    team_id: str | None
    account_state: str  # active | frozen | deactivated
    token_kind: str  # access | drain
    client_id: str | None

    @property
    def sees_everything(self) -> bool:
        return self.role in (Role.EXECUTIVE, Role.ADMIN)


def owns_customer(principal: Principal, customer: Mapping[str, Any]) -> bool:
    """May this user see (and so edit) the customer as it is now?"""
    if principal.sees_everything:
        return True
    if principal.role is Role.TEAM_HEAD:
        return principal.team_id is not None and customer.get("team_id") == principal.team_id
    return customer.get("owner_id") == principal.user_id


class ScopeShape(StrEnum):
    """What kind of scope a caller has: each shape pulls with one statement, built once."""

    EVERYTHING = "everything"  # executives and administrators
    TEAM = "team"  # a team head with a team
    OWNER = "owner"  # an account manager
    SHARED_ONLY = "shared_only"  # a team head without a team: reference data and their own


def scope_shape(principal: Principal) -> ScopeShape:
    if principal.sees_everything:
        return ScopeShape.EVERYTHING
    if principal.role is Role.TEAM_HEAD:
        return ScopeShape.TEAM if principal.team_id is not None else ScopeShape.SHARED_ONLY
    return ScopeShape.OWNER


# Bound parameters of the statements `visible_parts` builds, filled by `scope_parameters`.
SCOPE_USER = bindparam("scope_user_id", type_=String)
SCOPE_TEAM = bindparam("scope_team_id", type_=String)


def scope_parameters(principal: Principal) -> dict[str, Any]:
    return {"scope_user_id": principal.user_id, "scope_team_id": principal.team_id}


def visible_parts(shape: ScopeShape) -> list[tuple[FromClause, ColumnElement[bool]]]:
    """What a user of this shape pulls, as (source, condition) parts whose union is their scope;
    the user is `SCOPE_USER` (and `SCOPE_TEAM`), bound at execution (`scope_parameters`).

    Separate parts rather than one OR, so each part can walk its own index in seq order
    (a customer's entries, reference data, one user's records, one owner's exits): an account
    manager's pull then reads their few customers' entries instead of the firm's whole log."""
    if shape is ScopeShape.EVERYTHING:
        # Every bucket and all reference data; of the personal records only their own. Written
        # with coalesce so no index on for_user_id tempts the planner away from seq order.
        mine_or_shared = func.coalesce(change_log.c.for_user_id, SCOPE_USER) == SCOPE_USER
        return [(change_log, and_(change_log.c.op != "exit", mine_or_shared))]
    customer = entity_tables["customer"]
    parts: list[tuple[FromClause, ColumnElement[bool]]] = [
        (change_log, and_(change_log.c.customer_id.is_(None), change_log.c.for_user_id.is_(None))),
        (change_log, change_log.c.for_user_id == SCOPE_USER),
    ]
    in_scope: ColumnElement[bool]
    exits: ColumnElement[bool]
    if shape is ScopeShape.SHARED_ONLY:
        return parts
    if shape is ScopeShape.TEAM:
        in_scope = customer.c.team_id == SCOPE_TEAM
        exits = change_log.c.exit_team_id == SCOPE_TEAM
    else:
        in_scope = customer.c.owner_id == SCOPE_USER
        exits = change_log.c.exit_owner_id == SCOPE_USER
    bucket = change_log.join(customer, customer.c.id == change_log.c.customer_id)
    parts.append((bucket, and_(change_log.c.op != "exit", in_scope)))
    parts.append((change_log, and_(change_log.c.op == "exit", exits)))
    return parts
