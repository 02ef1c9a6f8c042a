"""`/auth`: log in, rotate tokens, log out (see docs/wire.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool

from protocol.messages import LoginRequest, RefreshRequest, TokenPair
from server import auth
from server.api.responses import ERRORS
from server.services import DrainPrincipalDep, ServicesDep

router = APIRouter(prefix="/auth", tags=["auth"], responses=ERRORS)


@router.post("/login", response_model=TokenPair)
async def login(body: LoginRequest, request: Request, services: ServicesDep) -> TokenPair:
    address = request.client.host if request.client else "unknown"
    # argon2 takes ~0.1 s of CPU: off the event loop so other requests keep flowing.
    return await run_in_threadpool(
        auth.login, services.engine, request=body, address=address, settings=services.settings
    )


@router.post("/refresh", response_model=TokenPair)
def refresh(body: RefreshRequest, services: ServicesDep) -> TokenPair:
    return auth.refresh(
        services.engine, refresh_token=body.refresh_token, settings=services.settings
    )


@router.post("/logout")
def logout(
    principal: DrainPrincipalDep,
    services: ServicesDep,
    authorization: Annotated[str | None, Header()] = None,
) -> dict[str, bool]:
    token = (authorization or "")[7:].strip()
    auth.logout(services.engine, principal=principal, access_token=token)
    return {"ok": True}
