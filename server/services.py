"""What every request handler needs, built once by `create_app` and reached through `Request`."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy import Engine

from protocol.messages import ErrorCode
from server.auth import authenticate
from server.config import ServerSettings
from server.errors import ApiError
from server.notify import ChangeNotifier
from server.records import Actor
from server.scope import Principal
from server.snapshot_builds import SnapshotBuilds


@dataclass(frozen=True)
class Services:
    engine: Engine
    settings: ServerSettings
    notifier: ChangeNotifier
    push_slots: threading.BoundedSemaphore  # `settings.max_concurrent_pushes` of them
    snapshot_builds: SnapshotBuilds


async def get_services(request: Request) -> Services:
    # async: no I/O here, so no hop to the thread pool on every request.
    services = request.app.state.services
    assert isinstance(services, Services)
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def any_token_principal(
    services: ServicesDep, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    """The caller, with a full or a drain-only token (hello, push and drained accept both)."""
    return authenticate(services.engine, authorization=authorization, settings=services.settings)


DrainPrincipalDep = Annotated[Principal, Depends(any_token_principal)]


def full_principal(principal: DrainPrincipalDep) -> Principal:
    """The caller with a full access token; a drain token or a closed account gets 403."""
    if principal.token_kind != "access" or principal.account_state in ("deactivated", "wipe"):
        raise ApiError(
            403, ErrorCode.DEACTIVATED, "This account is deactivated: only uploads are accepted."
        )
    return principal


PrincipalDep = Annotated[Principal, Depends(full_principal)]


def actor_of(principal: Principal) -> Actor:
    return Actor(user_id=principal.user_id, client_id=principal.client_id)
