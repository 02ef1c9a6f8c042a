"""Users, teams and account states: shared by the admin endpoints and the `fieldbook-server` CLI.

Users and teams are synced reference records (every replica shows names and teams), so they are
written through `server.records` like any other record; the password hash and account state live
in `accounts`, which never leaves the server.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from protocol.messages import ErrorCode
from server.audit import record_audit
from server.auth import password_hasher, revoke_all
from server.config import ServerSettings
from server.db import write_transaction
from server.errors import ApiError
from server.records import Actor, load_record, save_record
from server.schema import accounts, clients, entity_tables, server_meta
from server.scope import ROLE_VALUES

users = entity_tables["user"]
teams = entity_tables["team"]


def not_found(what: str) -> ApiError:
    return ApiError(404, ErrorCode.NOT_FOUND, f"{what} does not exist.")


def check_role(role: str) -> None:
    if role not in ROLE_VALUES:
        raise ApiError(
            422,
            ErrorCode.VALIDATION,
            f"Unknown role {role[:40]!r}; use one of {', '.join(ROLE_VALUES)}.",
        )


def user_id_by_login(connection: Connection, login: str) -> str:
    found = connection.execute(select(users.c.id).where(users.c.login == login)).scalar()
    if found is None:
        raise not_found(f"User {login!r}")
    return str(found)


def require_team(connection: Connection, team_id: str | None) -> None:
    if team_id is not None and load_record(connection, entity="team", record_id=team_id) is None:
        raise not_found(f"Team {team_id}")


def list_users(connection: Connection) -> list[dict[str, Any]]:
    query = (
        select(
            users.c.id,
            users.c.login,
            users.c.display_name,
            users.c.role,
            users.c.team_id,
            users.c.active,
            accounts.c.state,
        )
        .join(accounts, accounts.c.user_id == users.c.id)
        .order_by(users.c.login)
    )
    return [dict(row) for row in connection.execute(query).mappings()]


def list_teams(connection: Connection) -> list[dict[str, Any]]:
    query = select(teams.c.id, teams.c.name, teams.c.head_id).order_by(teams.c.name)
    return [dict(row) for row in connection.execute(query).mappings()]


def add_team(engine: Engine, *, name: str, head_id: str | None, actor: Actor) -> dict[str, Any]:
    name = name.strip()
    if not name:
        raise ApiError(422, ErrorCode.VALIDATION, "A team needs a name.")
    with write_transaction(engine) as (connection, allocator):
        if connection.execute(select(teams.c.id).where(teams.c.name == name)).first():
            raise ApiError(409, ErrorCode.CONFLICT, f"Team {name!r} already exists.")
        team_id = str(uuid.uuid4())
        save_record(
            connection,
            allocator,
            entity="team",
            record_id=team_id,
            values={"name": name, "head_id": head_id},
            actor=actor,
            archived=False,
        )
        record_audit(connection, actor=actor, action="team.add", entity="team", entity_id=team_id)
    return {"id": team_id, "name": name, "head_id": head_id}


def add_user(
    engine: Engine,
    *,
    login: str,
    display_name: str,
    role: str,
    team_id: str | None,
    password: str,
    settings: ServerSettings,
    actor: Actor,
    user_id: str | None = None,
) -> dict[str, Any]:
    login = login.strip()
    if not login or len(login) > 100:
        raise ApiError(422, ErrorCode.VALIDATION, "A login is 1 to 100 characters.")
    if len(password) < 8:
        raise ApiError(422, ErrorCode.VALIDATION, "A password needs at least 8 characters.")
    check_role(role)
    password_hash = password_hasher(settings).hash(password)  # slow: outside the write lock
    new_id = user_id or str(uuid.uuid4())
    with write_transaction(engine) as (connection, allocator):
        if connection.execute(select(users.c.id).where(users.c.login == login)).first():
            raise ApiError(409, ErrorCode.CONFLICT, f"Login {login!r} is taken.")
        require_team(connection, team_id)
        save_record(
            connection,
            allocator,
            entity="user",
            record_id=new_id,
            values={
                "login": login,
                "display_name": display_name.strip() or login,
                "role": role,
                "team_id": team_id,
                "active": True,
            },
            actor=actor,
            archived=False,
        )
        connection.execute(
            insert(accounts).values(user_id=new_id, password_hash=password_hash, state="active")
        )
        record_audit(
            connection,
            actor=actor,
            action="user.add",
            entity="user",
            entity_id=new_id,
            detail={"login": login, "role": role, "team_id": team_id},
        )
    return {"id": new_id, "login": login, "role": role, "team_id": team_id}


def update_user(
    engine: Engine,
    *,
    user_id: str,
    changes: dict[str, Any],
    actor: Actor,
) -> dict[str, Any]:
    """Change role, team, display name or `active`. A new role or team changes what the user may
    see, so their clients must rebuild their replicas: cursors older than now answer 410."""
    allowed = {"role", "team_id", "display_name", "active"}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise ApiError(422, ErrorCode.VALIDATION, f"Cannot change {', '.join(unknown)}.")
    if "role" in changes:
        check_role(str(changes["role"]))
    with write_transaction(engine) as (connection, allocator):
        current = load_record(connection, entity="user", record_id=user_id)
        if current is None:
            raise not_found(f"User {user_id}")
        if "team_id" in changes:
            require_team(connection, changes["team_id"])
        row = save_record(
            connection, allocator, entity="user", record_id=user_id, values=changes, actor=actor
        )
        if any(changes.get(k, current[k]) != current[k] for k in ("role", "team_id")):
            allocator.flush()
            high_water = connection.execute(select(server_meta.c.last_seq)).scalar_one()
            connection.execute(
                update(clients)
                .where(clients.c.user_id == user_id)
                .values(reset_below_seq=int(high_water) + 1)
            )
        record_audit(
            connection,
            actor=actor,
            action="user.update",
            entity="user",
            entity_id=user_id,
            detail=changes,
        )
    return {k: row[k] for k in ("id", "login", "display_name", "role", "team_id", "active")}


def _update_account(connection: Connection, *, user_id: str, values: dict[str, Any]) -> None:
    """Change the user's account row; an unknown user is a 404, not a silent no-op."""
    done = connection.execute(
        update(accounts).where(accounts.c.user_id == user_id).values(**values)
    )
    if done.rowcount == 0:
        raise not_found(f"User {user_id}")


def _sync_user_active(
    connection: Connection, allocator: Any, *, user_id: str, active: bool, action: str, actor: Actor
) -> None:
    """Mirror the account state into the synced user record (clients show who is still active)
    and audit the change as `action`."""
    save_record(
        connection,
        allocator,
        entity="user",
        record_id=user_id,
        values={"active": active},
        actor=actor,
    )
    record_audit(connection, actor=actor, action=action, entity="user", entity_id=user_id)


def set_password(
    engine: Engine, *, user_id: str, password: str, settings: ServerSettings, actor: Actor
) -> None:
    if len(password) < 8:
        raise ApiError(422, ErrorCode.VALIDATION, "A password needs at least 8 characters.")
    password_hash = password_hasher(settings).hash(password)
    with engine.begin() as connection:
        _update_account(connection, user_id=user_id, values={"password_hash": password_hash})
        record_audit(
            connection, actor=actor, action="user.password", entity="user", entity_id=user_id
        )


def freeze_user(engine: Engine, *, user_id: str, actor: Actor) -> None:
    """Read-only ahead of leaving: field edits are refused into sync errors, notes still land."""
    with engine.begin() as connection:
        done = connection.execute(
            update(accounts)
            .where(accounts.c.user_id == user_id)
            .where(accounts.c.state == "active")
            .values(state="frozen")
        )
        if done.rowcount == 0:
            state = connection.execute(
                select(accounts.c.state).where(accounts.c.user_id == user_id)
            ).scalar()
            if state is None:
                raise not_found(f"User {user_id}")
            if state != "frozen":
                raise ApiError(409, ErrorCode.CONFLICT, f"The account is already {state}.")
        record_audit(
            connection, actor=actor, action="user.freeze", entity="user", entity_id=user_id
        )


def mark_deactivated(connection: Connection, allocator: Any, *, user_id: str, actor: Actor) -> None:
    """Close the account inside the caller's transaction: revoke access, open the drain window."""
    _update_account(
        connection,
        user_id=user_id,
        values={"state": "deactivated", "deactivated_at": time.time(), "drained_at": None},
    )
    # Refresh tokens stay: from now on they only yield drain tokens (upload, no download).
    revoke_all(connection, user_id=user_id, keep_refresh=True)
    _sync_user_active(
        connection, allocator, user_id=user_id, active=False, action="user.deactivate", actor=actor
    )


def mark_drained(engine: Engine, *, user_id: str, client_id: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(accounts).where(accounts.c.user_id == user_id).values(drained_at=time.time())
        )
        # Tokens stay valid for `hello`, which now answers "wipe" to each of the user's clients.
        record_audit(
            connection,
            actor=Actor(user_id=user_id, client_id=client_id),
            action="user.drained",
            entity="user",
            entity_id=user_id,
        )


def reactivate_user(engine: Engine, *, user_id: str, actor: Actor) -> None:
    """Undo a freeze or deactivation (someone returns): the account is active again."""
    with write_transaction(engine) as (connection, allocator):
        _update_account(
            connection,
            user_id=user_id,
            values={"state": "active", "deactivated_at": None, "drained_at": None},
        )
        _sync_user_active(
            connection,
            allocator,
            user_id=user_id,
            active=True,
            action="user.reactivate",
            actor=actor,
        )
