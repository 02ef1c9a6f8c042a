"""Calls from the desktop to the server's admin and audit endpoints (docs/wire.md, "Admin").

Two users: the hand-over and audit screens (administrators and team heads), and the audit upload
that carries queued export / print events (`desktop.operations.export`) to the server's audit log.
Answers are turned into frozen dataclasses here, so screens never see raw JSON and a server that
answers something unexpected produces one clear `ServerError` instead of a KeyError deep in a view.
Qt-free: the UI runs these on the network pool of the task runner.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from desktop.operations.export import forget_audit_events, pending_audit_events
from desktop.sync.api import ApiClient
from desktop.sync.errors import ServerError

AUDIT_UPLOAD_BATCH = 200


@dataclass(frozen=True)
class UserEntry:
    id: str
    login: str
    display_name: str
    role: str
    team_id: str | None
    state: str  # active | frozen | deactivated

    @property
    def label(self) -> str:
        return f"{self.display_name} ({self.login})"


@dataclass(frozen=True)
class HandoverCounts:
    """What a hand-over moves (or moved); contacts and history go along with the customers."""

    customers: int
    open_opportunities: int
    open_followups: int
    # Preview only: what the leaver's laptops said at their last hello they still hold unsent
    # (it reaches the firm with the drain).
    unsynced_changes: int = 0


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor_id: str | None
    client_id: str | None
    action: str
    entity: str | None
    entity_id: str | None
    customer_id: str | None
    detail: Any


def _malformed(what: str, body: Any) -> ServerError:
    return ServerError(f"The server's answer to {what} was not understood: {str(body)[:200]}")


def _count(body: Mapping[str, Any], key: str, what: str) -> int:
    value = body.get(key, 0)
    if not isinstance(value, int) or value < 0:
        raise _malformed(what, body)
    return value


def _counts(body: Any, what: str) -> HandoverCounts:
    if not isinstance(body, Mapping) or "customers" not in body:
        raise _malformed(what, body)
    return HandoverCounts(
        customers=_count(body, "customers", what),
        open_opportunities=_count(body, "open_opportunities", what),
        open_followups=_count(body, "open_followups", what),
        unsynced_changes=_count(body, "unsynced_changes", what),
    )


def _user(item: Any) -> UserEntry:
    if not isinstance(item, Mapping) or "id" not in item or "login" not in item:
        raise _malformed("the user list", item)
    active = item.get("active", True)
    state = str(item.get("state") or ("active" if active else "deactivated"))
    return UserEntry(
        id=str(item["id"]),
        login=str(item["login"]),
        display_name=str(item.get("display_name") or item["login"]),
        role=str(item.get("role") or ""),
        team_id=None if item.get("team_id") is None else str(item["team_id"]),
        state=state,
    )


def _audit(item: Any) -> AuditEntry:
    if not isinstance(item, Mapping) or "action" not in item:
        raise _malformed("the audit query", item)
    actor_id = item.get("actor_id")
    return AuditEntry(
        id=int(item.get("id") or 0),
        at=str(item.get("at") or ""),
        actor_id=None if actor_id is None else str(actor_id),
        client_id=item.get("client_id"),
        action=str(item["action"]),
        entity=item.get("entity"),
        entity_id=item.get("entity_id"),
        customer_id=item.get("customer_id"),
        detail=item.get("detail"),
    )


def _items(body: Any, key: str, what: str) -> list[Any]:
    items = body.get(key) if isinstance(body, Mapping) else body
    if not isinstance(items, list):
        raise _malformed(what, body)
    return items


class AdminClient:
    """The admin endpoints, over the signed-in `ApiClient` (same tokens, same refresh)."""

    def __init__(self, *, api: ApiClient) -> None:
        self.api = api

    def _call(self, method: str, path: str, **options: Any) -> Any:
        return self.api.call(method, path, **options)

    # --- users ------------------------------------------------------------------------------
    def users(self) -> list[UserEntry]:
        body = self._call("GET", "/admin/users")
        return [_user(item) for item in _items(body, "users", "the user list")]

    def deactivate(self, *, user_id: str, handover_to: str | None) -> HandoverCounts | None:
        """Close an account; with `handover_to`, its book moves to that user in the same step."""
        body = self._call(
            "POST", f"/admin/users/{user_id}/deactivate", json_body={"handover_to": handover_to}
        )
        moved = body.get("handed_over") if isinstance(body, Mapping) else None
        return _counts(moved, "the deactivation") if moved else None

    def freeze(self, *, user_id: str) -> None:
        self._call("POST", f"/admin/users/{user_id}/freeze", json_body={})

    # --- hand-over --------------------------------------------------------------------------
    def handover_preview(self, *, from_user: str, to_user: str) -> HandoverCounts:
        """Counts for handing over the whole book (the screen counts a partial selection)."""
        params = {"from": from_user, "to": to_user}
        body = self._call("GET", "/admin/handover/preview", params=params)
        return _counts(body, "the hand-over preview")

    def handover(
        self, *, from_user: str, to_user: str, customer_ids: Sequence[str] | None = None
    ) -> HandoverCounts:
        request: dict[str, Any] = {"from_user": from_user, "to_user": to_user}
        if customer_ids is not None:
            request["customer_ids"] = list(customer_ids)
        body = self._call("POST", "/admin/handover", json_body=request)
        return _counts(body, "the hand-over")

    # --- audit ------------------------------------------------------------------------------
    def audit(
        self,
        *,
        user: str | None = None,
        customer: str | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: int = 500,
    ) -> list[AuditEntry]:
        params: dict[str, Any] = {"limit": limit}
        for key, value in (("user", user), ("customer", customer), ("since", since)):
            if value:
                params[key] = value
        if until:
            params["until"] = until
        body = self._call("GET", "/admin/audit", params=params)
        return [_audit(item) for item in _items(body, "entries", "the audit query")]

    # --- the client's own audit events ------------------------------------------------------
    def upload_audit_events(self, *, engine: Engine) -> int:
        """Send queued export / print events; returns how many are still queued.

        Each event carries its own id, so a retry after a lost answer is recorded once. Only the
        ids the server confirms are dropped from the queue; a failure leaves them all queued.
        """
        remaining = len(pending_audit_events(engine))
        while True:
            events = pending_audit_events(engine)[:AUDIT_UPLOAD_BATCH]
            if not events:
                return 0
            body = self._call(
                "POST",
                "/audit/events",
                json_body={"client_id": self.api.client_id, "events": events},
            )
            recorded = _items(body, "recorded", "the audit upload")
            before = remaining
            remaining = forget_audit_events(engine, event_ids=[str(i) for i in recorded])
            if remaining >= before:
                raise ServerError(
                    f"The server recorded none of {len(events)} export events; will retry."
                )
