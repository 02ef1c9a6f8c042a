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

from sqlalchemy import ColumnElement, and_, false, or_

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


def needs_customer_join(principal: Principal) -> bool:
    """Whether `visible_changes` reads the current owner and team of each entry's customer."""
    return not principal.sees_everything


def visible_changes(principal: Principal) -> ColumnElement[bool]:
    """The change-log entries this user pulls; unless `needs_customer_join` is False, the query
    must outer-join `customer` on the entry's `customer_id`."""
    customer = entity_tables["customer"]
    if principal.sees_everything:
        # Every bucket and all reference data; of the personal records only their own.
        return and_(
            change_log.c.op != "exit",
            or_(change_log.c.for_user_id.is_(None), change_log.c.for_user_id == principal.user_id),
        )
    reference = and_(change_log.c.customer_id.is_(None), change_log.c.for_user_id.is_(None))
    personal = change_log.c.for_user_id == principal.user_id
    not_exit = change_log.c.op != "exit"
    in_scope: ColumnElement[bool]
    exits: ColumnElement[bool]
    if principal.role is Role.TEAM_HEAD:
        if principal.team_id is None:
            in_scope, exits = false(), false()
        else:
            in_scope = customer.c.team_id == principal.team_id
            exits = change_log.c.exit_team_id == principal.team_id
    else:
        in_scope = customer.c.owner_id == principal.user_id
        exits = change_log.c.exit_owner_id == principal.user_id
    bucket = and_(change_log.c.customer_id.is_not(None), not_exit, in_scope)
    return or_(reference, personal, bucket, and_(change_log.c.op == "exit", exits))
