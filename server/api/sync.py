"""`/sync`: hello, push, pull (with long-poll), snapshot and drained (see docs/wire.md)."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from protocol.messages import (
    DEFAULT_PULL_LIMIT,
    MAX_LONG_POLL_SECONDS,
    MAX_PULL_LIMIT,
    MIN_PROTOCOL_VERSION,
    PROTOCOL_VERSION,
    SNAPSHOT_CURSOR_HEADER,
    SNAPSHOT_MEDIA_TYPE,
    SNAPSHOT_ROWS_HEADER,
    SNAPSHOT_SHA256_HEADER,
    ErrorCode,
    PullPage,
    PushRequest,
    PushResponse,
)
from server.api.responses import ERRORS, OpenFileResponse
from server.client_reports import record_pending
from server.db import read_meta
from server.errors import ApiError
from server.people import mark_drained
from server.pull import forget_scope_change, read_page, refuse_closed_account
from server.push import check_protocol, push
from server.scope import Principal
from server.services import DrainPrincipalDep, Services, ServicesDep
from server.snapshot import open_snapshot, usable_snapshot
from server.version import SERVER_VERSION

router = APIRouter(prefix="/sync", tags=["sync"], responses=ERRORS)

ProtocolHeader = Annotated[int | None, Header(alias="X-Fieldbook-Protocol")]
CLIENT_ID = Query(min_length=1, max_length=64)


class DrainedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_id: str = Field(min_length=1, max_length=64)


def check_protocol_header(value: int | None) -> None:
    # A client that sends no header predates nothing we know of: treat it as the current one.
    check_protocol(PROTOCOL_VERSION if value is None else value)


@router.get("/hello")
def hello(
    principal: DrainPrincipalDep,
    services: ServicesDep,
    protocol: ProtocolHeader = None,
    client_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    pending: Annotated[int | None, Query(ge=0, le=1_000_000_000)] = None,
) -> dict[str, Any]:
    check_protocol_header(protocol)
    if client_id is not None and pending is not None:
        record_pending(
            services.engine, client_id=client_id, user_id=principal.user_id, pending=pending
        )
    with services.engine.connect() as connection:
        epoch = read_meta(connection)[0]
    return {
        "epoch": epoch,
        "server_version": SERVER_VERSION,
        "protocol_version": PROTOCOL_VERSION,
        "min_protocol_version": MIN_PROTOCOL_VERSION,
        "user": {
            "id": principal.user_id,
            "login": principal.login,
            "display_name": principal.display_name,
            "role": principal.role.value,
            "team_id": principal.team_id,
        },
        "account_state": principal.account_state,
        "policies": services.settings.policies,
    }


@router.post("/push", response_model=PushResponse)
def push_mutations(
    body: PushRequest, principal: DrainPrincipalDep, services: ServicesDep
) -> PushResponse:
    response = push(services.engine, principal=principal, request=body, slots=services.push_slots)
    services.notifier.notify()
    return response


@router.get(
    "/pull",
    response_model=PullPage,
    responses={410: {"description": "Reset required"}, 426: {"description": "Upgrade required"}},
)
async def pull(
    principal: DrainPrincipalDep,
    services: ServicesDep,
    client_id: Annotated[str, CLIENT_ID],
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = DEFAULT_PULL_LIMIT,
    wait: Annotated[float, Query(ge=0, le=MAX_LONG_POLL_SECONDS)] = 0,
    protocol: ProtocolHeader = None,
) -> Response:
    check_protocol_header(protocol)
    refuse_closed_account(principal)
    deadline = time.monotonic() + wait
    while True:
        page = await run_in_threadpool(
            read_page,
            services.engine,
            principal=principal,
            client_id=client_id,
            cursor=cursor,
            limit=limit,
        )
        remaining = deadline - time.monotonic()
        if page.count or remaining <= 0:
            return Response(content=page.body, media_type="application/json")
        # Nothing visible yet: move past what we may not see, then sleep until a local commit
        # wakes us or it is time to look again for commits made by another server process.
        cursor = page.next_cursor
        await services.notifier.wait(min(remaining, services.settings.long_poll_check_seconds))


@router.get(
    "/snapshot",
    response_class=Response,
    responses={
        200: {
            "content": {SNAPSHOT_MEDIA_TYPE: {}},
            "description": "The caller's replica file; pull on from the cursor header",
        },
        404: {"description": "No snapshot fits: pull from the start"},
        426: {"description": "Upgrade required"},
    },
)
async def snapshot(
    principal: DrainPrincipalDep,
    services: ServicesDep,
    client_id: Annotated[str, CLIENT_ID],
    schema: Annotated[str, Query(min_length=1, max_length=40)],
    protocol: ProtocolHeader = None,
) -> Response:
    """The caller's whole scope as a ready replica file of schema revision `schema`."""
    check_protocol_header(protocol)
    refuse_closed_account(principal)
    response = await run_in_threadpool(
        _open_snapshot, services, principal=principal, client_id=client_id, schema=schema
    )
    if response is not None:
        return response
    started = await run_in_threadpool(
        services.snapshot_builds.start_if_worthwhile,
        services.engine,
        principal=principal,
        schema=schema,
        settings=services.settings,
    )
    message = "No snapshot of your data is ready: pulling from the start."
    if started:
        message += " One is being prepared."
    raise ApiError(404, ErrorCode.SNAPSHOT_UNAVAILABLE, message)


def _open_snapshot(
    services: Services, *, principal: Principal, client_id: str, schema: str
) -> OpenFileResponse | None:
    directory = services.settings.snapshot_directory
    if directory is None:
        return None
    info = usable_snapshot(
        services.engine,
        principal=principal,
        directory=directory,
        schema=schema,
        max_lag=services.settings.snapshot_max_lag,
    )
    file = open_snapshot(directory, info) if info is not None else None
    if info is None or file is None:
        return None
    try:
        # The client starts over from this file, as on a pull from the start: its scope-change
        # mark must not refuse the cursors that follow.
        forget_scope_change(services.engine, principal=principal, client_id=client_id)
    except BaseException:
        file.close()
        raise
    return OpenFileResponse(
        file,
        size=info.bytes,
        media_type=SNAPSHOT_MEDIA_TYPE,
        headers={
            SNAPSHOT_CURSOR_HEADER: info.cursor,
            SNAPSHOT_SHA256_HEADER: info.sha256,
            SNAPSHOT_ROWS_HEADER: str(info.rows),
        },
    )


@router.post("/drained")
def drained(
    body: DrainedRequest, principal: DrainPrincipalDep, services: ServicesDep
) -> dict[str, bool]:
    if principal.account_state not in ("deactivated", "wipe"):
        raise ApiError(
            409, ErrorCode.CONFLICT, "This account is active: there is nothing to drain."
        )
    mark_drained(services.engine, user_id=principal.user_id, client_id=body.client_id)
    return {"wipe": True}
