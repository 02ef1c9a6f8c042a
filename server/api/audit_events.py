"""`/audit/events`: exports and prints a client made, possibly offline, reach the audit log."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from server.api.responses import ERRORS
from server.audit import record_client_events
from server.records import Actor
from server.services import DrainPrincipalDep, ServicesDep

router = APIRouter(prefix="/audit", tags=["audit"], responses=ERRORS)

MAX_EVENTS_PER_CALL = 500


class ClientEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=64)
    at: str | None = Field(default=None, max_length=40)  # the client's clock: display only
    action: Literal["export", "print", "export_refused"]
    detail: dict[str, Any] | None = None


class ClientEvents(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_id: str = Field(min_length=1, max_length=64)
    events: list[ClientEvent] = Field(max_length=MAX_EVENTS_PER_CALL)


@router.post("/events")
def report_events(
    body: ClientEvents, principal: DrainPrincipalDep, services: ServicesDep
) -> dict[str, list[str]]:
    """Any signed-in user, drain-only tokens included, so a leaver's last exports are known."""
    recorded = record_client_events(
        services.engine,
        actor=Actor(user_id=principal.user_id, client_id=body.client_id),
        events=[event.model_dump() for event in body.events],
    )
    return {"recorded": recorded}
