"""Log-in, token rotation, log-out and the lookup of the caller behind a bearer token.

Tokens are random strings; only their SHA-256 is stored, so a copy of the database does not hand
out sessions. Access tokens live an hour, refresh tokens 90 days and rotate on every refresh.
A deactivated user's refresh token only ever yields a *drain* token (upload the outbox, nothing
more) so notes taken offline still reach the firm while no new data reaches the laptop.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    Connection,
    Engine,
    String,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from protocol.messages import ErrorCode, LoginRequest, TokenPair
from server.audit import record_audit
from server.config import ServerSettings
from server.db import read_connection, utc_now_iso
from server.errors import ApiError
from server.records import Actor
from server.schema import accounts, clients, entity_tables, login_failures, tokens
from server.scope import Principal, Role

users = entity_tables["user"]

ACCESS, DRAIN, REFRESH = "access", "drain", "refresh"
DAY_SECONDS = 86_400


def password_hasher(settings: ServerSettings) -> PasswordHasher:
    return PasswordHasher(
        time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def unauthorized(
    message: str = "Log in again: the token is missing, expired or revoked.",
) -> ApiError:
    return ApiError(401, ErrorCode.UNAUTHORIZED, message, {"WWW-Authenticate": "Bearer"})


@dataclass(frozen=True)
class AccountRow:
    user_id: str
    login: str
    display_name: str
    role: str
    team_id: str | None
    password_hash: str
    state: str
    deactivated_at: float | None
    drained_at: float | None


def _account_query() -> Any:
    return select(
        users.c.id,
        users.c.login,
        users.c.display_name,
        users.c.role,
        users.c.team_id,
        accounts.c.password_hash,
        accounts.c.state,
        accounts.c.deactivated_at,
        accounts.c.drained_at,
    ).join(accounts, accounts.c.user_id == users.c.id)


def _to_account(row: Any) -> AccountRow:
    return AccountRow(
        user_id=str(row.id),
        login=str(row.login),
        display_name=str(row.display_name),
        role=str(row.role),
        team_id=row.team_id,
        password_hash=str(row.password_hash),
        state=str(row.state),
        deactivated_at=row.deactivated_at,
        drained_at=row.drained_at,
    )


def account_by_login(connection: Connection, login: str) -> AccountRow | None:
    row = connection.execute(_account_query().where(users.c.login == login)).first()
    return _to_account(row) if row is not None else None


def account_by_id(connection: Connection, user_id: str) -> AccountRow | None:
    row = connection.execute(_account_query().where(users.c.id == user_id)).first()
    return _to_account(row) if row is not None else None


def drain_window_over(account: AccountRow, settings: ServerSettings, now: float) -> bool:
    if account.drained_at is not None:
        return True
    started = account.deactivated_at or now
    return now > started + settings.drain_days * DAY_SECONDS


def account_state(account: AccountRow, settings: ServerSettings) -> str:
    """active | frozen | deactivated | wipe (the drain is over: delete the local copy)."""
    if account.state == "deactivated" and drain_window_over(account, settings, time.time()):
        return "wipe"
    return account.state


def _issue(
    connection: Connection,
    *,
    account: AccountRow,
    client_id: str,
    settings: ServerSettings,
) -> TokenPair:
    now = time.time()
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    access_kind = DRAIN if account.state == "deactivated" else ACCESS
    connection.execute(
        insert(tokens),
        [
            {
                "token_hash": token_hash(access),
                "kind": access_kind,
                "user_id": account.user_id,
                "client_id": client_id,
                "expires_at": now + settings.access_token_seconds,
                "revoked": False,
                "created_at": now,
            },
            {
                "token_hash": token_hash(refresh),
                "kind": REFRESH,
                "user_id": account.user_id,
                "client_id": client_id,
                "expires_at": now + settings.refresh_token_days * DAY_SECONDS,
                "revoked": False,
                "created_at": now,
            },
        ],
    )
    return TokenPair(
        access_token=access,
        refresh_token=refresh,
        expires_in=settings.access_token_seconds,
        user_id=account.user_id,  # type: ignore[arg-type]  # pydantic parses the UUID text
        role=account.role,
        display_name=account.display_name,
    )


def touch_client(connection: Connection, *, client_id: str, user_id: str) -> None:
    """Remember the installation and who uses it; a new client starts at mutation id 0."""
    now = utc_now_iso()
    updated = connection.execute(
        update(clients)
        .where(clients.c.client_id == client_id)
        .values(user_id=user_id, last_seen=now)
    )
    if updated.rowcount == 0:
        connection.execute(
            insert(clients).values(
                client_id=client_id,
                user_id=user_id,
                last_mutation_id=0,
                last_seen=now,
                reset_below_seq=0,
            )
        )


def _check_throttle(
    connection: Connection, *, login: str, address: str, settings: ServerSettings
) -> None:
    since = time.time() - settings.login_failure_window_seconds
    # Failures older than the window no longer count: forget them so the table stays small.
    connection.execute(delete(login_failures).where(login_failures.c.at < since))
    for column, value in ((login_failures.c.login, login), (login_failures.c.address, address)):
        failures = connection.execute(
            select(func.count()).where(and_(column == value, login_failures.c.at > since))
        ).scalar_one()
        if failures >= settings.login_failure_limit:
            raise ApiError(
                429,
                ErrorCode.THROTTLED,
                "Too many failed log-ins; wait a few minutes and try again.",
                {"Retry-After": str(settings.login_failure_window_seconds)},
            )


def login(
    engine: Engine, *, request: LoginRequest, address: str, settings: ServerSettings
) -> TokenPair:
    with engine.begin() as connection:
        _check_throttle(connection, login=request.login, address=address, settings=settings)
        account = account_by_login(connection, request.login)
        if account is None or not _password_matches(account, request.password, settings):
            connection.execute(
                insert(login_failures).values(login=request.login, address=address, at=time.time())
            )
            failed = True
        else:
            failed = False
    # The failure row must be committed even though we refuse: hence outside the block above.
    if failed or account is None:
        raise ApiError(401, ErrorCode.BAD_CREDENTIALS, "Wrong login or password.")
    if account.state == "deactivated":
        raise ApiError(403, ErrorCode.DEACTIVATED, "This account has been deactivated.")
    with engine.begin() as connection:
        connection.execute(delete(login_failures).where(login_failures.c.login == request.login))
        # Housekeeping on a path that is rare and already slow (argon2): spent tokens go.
        connection.execute(
            delete(tokens).where(
                and_(tokens.c.user_id == account.user_id, tokens.c.expires_at < time.time())
            )
        )
        touch_client(connection, client_id=request.client_id, user_id=account.user_id)
        pair = _issue(connection, account=account, client_id=request.client_id, settings=settings)
        record_audit(
            connection,
            actor=Actor(user_id=account.user_id, client_id=request.client_id),
            action="login",
            detail={"address": address},
        )
    return pair


def _password_matches(account: AccountRow, password: str, settings: ServerSettings) -> bool:
    try:
        return password_hasher(settings).verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def refresh(engine: Engine, *, refresh_token: str, settings: ServerSettings) -> TokenPair:
    now = time.time()
    with engine.begin() as connection:
        row = connection.execute(
            select(tokens).where(
                and_(tokens.c.token_hash == token_hash(refresh_token), tokens.c.kind == REFRESH)
            )
        ).first()
        if row is None or row.revoked or row.expires_at < now:
            raise unauthorized()
        account = account_by_id(connection, row.user_id)
        if account is None:
            raise unauthorized()
        # Rotation: the old refresh token is spent whatever happens next.
        connection.execute(
            update(tokens).where(tokens.c.token_hash == row.token_hash).values(revoked=True)
        )
        return _issue(connection, account=account, client_id=row.client_id or "", settings=settings)


def logout(engine: Engine, *, principal: Principal, access_token: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(tokens)
            .where(
                or_(
                    tokens.c.token_hash == token_hash(access_token),
                    and_(
                        tokens.c.user_id == principal.user_id,
                        tokens.c.client_id == principal.client_id,
                        tokens.c.kind == REFRESH,
                    ),
                )
            )
            .values(revoked=True)
        )


def revoke_all(connection: Connection, *, user_id: str, keep_refresh: bool) -> None:
    """Revoke a user's tokens; a deactivation keeps refresh tokens, which now yield drain tokens."""
    condition = tokens.c.user_id == user_id
    if keep_refresh:
        condition = and_(condition, tokens.c.kind != REFRESH)
    connection.execute(update(tokens).where(condition).values(revoked=True))


# The token and its account in one round trip, built once: this runs before every request, and
# building the statement cost more than running it.
_TOKEN_QUERY = (
    _account_query()
    .add_columns(tokens.c.kind, tokens.c.revoked, tokens.c.expires_at, tokens.c.client_id)
    .join(tokens, tokens.c.user_id == users.c.id)
    .where(tokens.c.token_hash == bindparam("token_hash", type_=String))
)


def authenticate(
    engine: Engine, *, authorization: str | None, settings: ServerSettings
) -> Principal:
    """The caller behind `Authorization: Bearer <token>`, or 401."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise unauthorized("Missing bearer token: log in first.")
    token = authorization[7:].strip()
    with read_connection(engine) as connection:
        row = connection.execute(_TOKEN_QUERY, {"token_hash": token_hash(token)}).first()
    if row is None or row.kind == REFRESH or row.revoked or row.expires_at < time.time():
        raise unauthorized()
    return principal_of(
        _to_account(row), settings=settings, token_kind=str(row.kind), client_id=row.client_id
    )


def principal_of(
    account: AccountRow, *, settings: ServerSettings, token_kind: str, client_id: str | None
) -> Principal:
    """The caller an account is, as a request with a token of `token_kind` sees it."""
    try:
        role = Role(account.role)
    except ValueError as exc:
        raise ApiError(
            403, ErrorCode.FORBIDDEN, f"Account has an unknown role {account.role!r}."
        ) from exc
    return Principal(
        user_id=account.user_id,
        login=account.login,
        display_name=account.display_name,
        role=role,
        team_id=account.team_id,
        account_state=account_state(account, settings),
        token_kind=token_kind,
        client_id=client_id,
    )
