"""`/admin`: users, teams, account closing, reassignment, hand-over and the audit log.

Administrators may do everything here; team heads may preview and perform hand-overs and
reassignments within their own team and list their team's users. Everyone else gets 403.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from protocol.messages import ErrorCode
from server import handover, people
from server.api.responses import ERRORS
from server.audit import query_audit
from server.errors import ApiError
from server.scope import Principal, Role
from server.services import PrincipalDep, ServicesDep, actor_of

router = APIRouter(prefix="/admin", tags=["admin"], responses=ERRORS)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewUser(Body):
    login: str = Field(min_length=1, max_length=100)
    display_name: str = Field(default="", max_length=200)
    role: str = Field(min_length=1, max_length=40)
    team_id: UUID | None = None
    password: str = Field(min_length=8, max_length=1000)


class UserChanges(Body):
    role: str | None = Field(default=None, max_length=40)
    team_id: UUID | None = None
    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    active: bool | None = None


class NewTeam(Body):
    name: str = Field(min_length=1, max_length=200)
    head_id: UUID | None = None


class Deactivation(Body):
    handover_to: UUID | None = None


class Handover(Body):
    from_user: UUID
    to_user: UUID
    customer_ids: list[UUID] | None = Field(default=None, max_length=100_000)


class Reassignment(Body):
    customer_ids: list[UUID] = Field(min_length=1, max_length=100_000)
    to_user: UUID


def require_admin(principal: Principal) -> None:
    if principal.role is not Role.ADMIN:
        raise ApiError(403, ErrorCode.FORBIDDEN, "Only an administrator may do this.")


def manager_team_limit(principal: Principal) -> str | None:
    """None for an administrator (no limit); a team head's own team; 403 for anyone else."""
    if principal.role is Role.ADMIN:
        return None
    if principal.role is Role.TEAM_HEAD and principal.team_id:
        return principal.team_id
    raise ApiError(403, ErrorCode.FORBIDDEN, "Only an administrator or a team head may do this.")


def iso_bound(name: str, value: str | None) -> str | None:
    """A date or UTC time, normalised to the audit log's `...Z` text so it compares correctly."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ApiError(
            422, ErrorCode.VALIDATION, f"{name}: {value!r} is not an ISO date or time"
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def _text(value: UUID | None) -> str | None:
    return str(value) if value is not None else None


@router.get("/users")
def list_users(principal: PrincipalDep, services: ServicesDep) -> list[dict[str, Any]]:
    limit = manager_team_limit(principal)
    with services.engine.connect() as connection:
        rows = people.list_users(connection)
    return [row for row in rows if limit is None or row["team_id"] == limit]


@router.post("/users", status_code=201)
def add_user(body: NewUser, principal: PrincipalDep, services: ServicesDep) -> dict[str, Any]:
    require_admin(principal)
    created = people.add_user(
        services.engine,
        login=body.login,
        display_name=body.display_name,
        role=body.role,
        team_id=_text(body.team_id),
        password=body.password,
        settings=services.settings,
        actor=actor_of(principal),
    )
    services.notifier.notify()
    return created


@router.patch("/users/{user_id}")
def change_user(
    user_id: UUID, body: UserChanges, principal: PrincipalDep, services: ServicesDep
) -> dict[str, Any]:
    require_admin(principal)
    changes = body.model_dump(exclude_unset=True)
    active = changes.pop("active", None)
    if "team_id" in changes:
        changes["team_id"] = _text(changes["team_id"])
    actor = actor_of(principal)
    result: dict[str, Any] = {"id": str(user_id)}
    if changes:
        result = people.update_user(
            services.engine, user_id=str(user_id), changes=changes, actor=actor
        )
    if active is False:
        handover.deactivate_user(
            services.engine, user_id=str(user_id), handover_to=None, actor=actor
        )
    elif active is True:
        people.reactivate_user(services.engine, user_id=str(user_id), actor=actor)
    services.notifier.notify()
    return result


@router.post("/users/{user_id}/freeze")
def freeze_user(user_id: UUID, principal: PrincipalDep, services: ServicesDep) -> dict[str, str]:
    require_admin(principal)
    people.freeze_user(services.engine, user_id=str(user_id), actor=actor_of(principal))
    return {"state": "frozen"}


@router.post("/users/{user_id}/deactivate")
def deactivate_user(
    user_id: UUID, principal: PrincipalDep, services: ServicesDep, body: Deactivation | None = None
) -> dict[str, Any]:
    require_admin(principal)
    moved = handover.deactivate_user(
        services.engine,
        user_id=str(user_id),
        handover_to=_text(body.handover_to) if body else None,
        actor=actor_of(principal),
    )
    services.notifier.notify()
    return {"state": "deactivated", "handed_over": moved}


@router.get("/handover/preview")
def handover_preview(
    principal: PrincipalDep,
    services: ServicesDep,
    from_user: Annotated[UUID, Query(alias="from")],
    to_user: Annotated[UUID, Query(alias="to")],
) -> dict[str, Any]:
    return handover.handover_preview(
        services.engine,
        from_user_id=str(from_user),
        to_user_id=str(to_user),
        limit_team=manager_team_limit(principal),
    )


@router.post("/handover")
def do_handover(body: Handover, principal: PrincipalDep, services: ServicesDep) -> dict[str, int]:
    moved = handover.handover(
        services.engine,
        from_user_id=str(body.from_user),
        to_user_id=str(body.to_user),
        customer_ids=[str(i) for i in body.customer_ids] if body.customer_ids is not None else None,
        actor=actor_of(principal),
        limit_team=manager_team_limit(principal),
    )
    services.notifier.notify()
    return moved


@router.get("/teams")
def list_teams(principal: PrincipalDep, services: ServicesDep) -> list[dict[str, Any]]:
    manager_team_limit(principal)
    with services.engine.connect() as connection:
        return people.list_teams(connection)


@router.post("/teams", status_code=201)
def add_team(body: NewTeam, principal: PrincipalDep, services: ServicesDep) -> dict[str, Any]:
    require_admin(principal)
    created = people.add_team(
        services.engine, name=body.name, head_id=_text(body.head_id), actor=actor_of(principal)
    )
    services.notifier.notify()
    return created


@router.post("/customers/reassign")
def reassign(body: Reassignment, principal: PrincipalDep, services: ServicesDep) -> dict[str, int]:
    moved = handover.reassign_customers(
        services.engine,
        customer_ids=[str(i) for i in body.customer_ids],
        to_user_id=str(body.to_user),
        actor=actor_of(principal),
        limit_team=manager_team_limit(principal),
    )
    services.notifier.notify()
    return {"reassigned": moved}


@router.get("/audit")
def audit(
    principal: PrincipalDep,
    services: ServicesDep,
    user: UUID | None = None,
    customer: UUID | None = None,
    since: Annotated[str | None, Query(max_length=40)] = None,
    until: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    require_admin(principal)
    since, until = iso_bound("since", since), iso_bound("until", until)
    with services.engine.connect() as connection:
        return query_audit(
            connection,
            user_id=_text(user),
            customer_id=_text(customer),
            since=since,
            until=until,
            limit=limit,
        )
