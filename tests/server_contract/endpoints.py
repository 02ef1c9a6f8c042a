"""Who may call which endpoint, transcribed from `docs/wire.md`.

`ENDPOINTS` classifies every (method, path template) the server may publish in `/openapi.json`.
The authorization matrix iterates the server's own spec and looks each endpoint up here, so an
endpoint added to the server without a row here fails the matrix instead of going unchecked.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Caller(StrEnum):
    """The kinds of caller the matrix tries on every endpoint."""

    ACCOUNT_MANAGER = "account_manager"
    TEAM_HEAD = "team_head"
    EXECUTIVE = "executive"
    ADMIN = "admin"
    DEACTIVATED = "deactivated"  # holds a drain-only token (docs/wire.md, "Accounts that close")
    ANONYMOUS = "anonymous"  # no Authorization header at all


class Access(StrEnum):
    PUBLIC = "public"  # no token needed (the body proves who you are)
    SIGNED_IN = "signed_in"  # any active user
    SIGNED_IN_OR_DRAIN = "signed_in_or_drain"  # any active user, and drain-only tokens
    CLOSED_ACCOUNT = "closed_account"  # drain-only tokens; an active account is told 409
    ADMIN = "admin"  # administrators only
    ADMIN_OR_OWN_TEAM_HEAD = "admin_or_own_team_head"  # team heads for their own team only
    ADMIN_OR_TEAM_HEAD_LIST = "admin_or_team_head_list"  # team heads see their own team's rows


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    access: Access

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.path

    def allows(self, caller: Caller) -> bool:
        """May this kind of caller use the endpoint at all (for team heads: within their team)?"""
        if self.access is Access.PUBLIC:
            return True
        if caller is Caller.ANONYMOUS:
            return False
        if caller is Caller.DEACTIVATED:
            return self.access in (Access.SIGNED_IN_OR_DRAIN, Access.CLOSED_ACCOUNT)
        if self.access in (Access.SIGNED_IN, Access.SIGNED_IN_OR_DRAIN, Access.CLOSED_ACCOUNT):
            return True
        if self.access in (Access.ADMIN_OR_OWN_TEAM_HEAD, Access.ADMIN_OR_TEAM_HEAD_LIST):
            return caller in (Caller.ADMIN, Caller.TEAM_HEAD)
        return caller is Caller.ADMIN


ENDPOINTS: dict[tuple[str, str], Endpoint] = {
    endpoint.key: endpoint
    for endpoint in (
        Endpoint("GET", "/health", Access.PUBLIC),
        Endpoint("POST", "/auth/login", Access.PUBLIC),
        Endpoint("POST", "/auth/refresh", Access.PUBLIC),
        # docs/wire.md lists hello, push and drained for drain tokens; signing out (revoking
        # one's own tokens) with one is harmless and lets a closed account's client clean up.
        Endpoint("POST", "/auth/logout", Access.SIGNED_IN_OR_DRAIN),
        Endpoint("GET", "/sync/hello", Access.SIGNED_IN_OR_DRAIN),
        Endpoint("POST", "/sync/push", Access.SIGNED_IN_OR_DRAIN),
        Endpoint("GET", "/sync/pull", Access.SIGNED_IN),
        Endpoint("GET", "/sync/snapshot", Access.SIGNED_IN),
        Endpoint("POST", "/sync/drained", Access.CLOSED_ACCOUNT),
        # Not in docs/wire.md (admin only there): the server lets team heads list their own
        # team's users and the teams; both are reference data every replica holds anyway.
        Endpoint("GET", "/admin/users", Access.ADMIN_OR_TEAM_HEAD_LIST),
        Endpoint("POST", "/admin/users", Access.ADMIN),
        Endpoint("PATCH", "/admin/users/{user_id}", Access.ADMIN),
        Endpoint("POST", "/admin/users/{user_id}/freeze", Access.ADMIN),
        Endpoint("POST", "/admin/users/{user_id}/deactivate", Access.ADMIN),
        Endpoint("GET", "/admin/handover/preview", Access.ADMIN_OR_OWN_TEAM_HEAD),
        Endpoint("POST", "/admin/handover", Access.ADMIN_OR_OWN_TEAM_HEAD),
        Endpoint("GET", "/admin/teams", Access.ADMIN_OR_TEAM_HEAD_LIST),
        Endpoint("POST", "/admin/teams", Access.ADMIN),
        Endpoint("POST", "/admin/customers/reassign", Access.ADMIN_OR_OWN_TEAM_HEAD),
        Endpoint("GET", "/admin/audit", Access.ADMIN),
        Endpoint("POST", "/audit/events", Access.SIGNED_IN_OR_DRAIN),
    )
}

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def normalized_path(path: str) -> str:
    """`/admin/users/{id}` and `/admin/users/{user_id}` are the same endpoint."""
    parts = ["{param}" if p.startswith("{") and p.endswith("}") else p for p in path.split("/")]
    return "/".join(parts)


def spec_endpoints(openapi: dict[str, object]) -> list[tuple[str, str]]:
    """Every (METHOD, path) the server publishes."""
    paths = openapi.get("paths")
    assert isinstance(paths, dict), "openapi.json has no paths"
    found = []
    for path, operations in paths.items():
        assert isinstance(operations, dict)
        for method in operations:
            if method in HTTP_METHODS:
                found.append((method.upper(), str(path)))
    return sorted(found)


def classify(method: str, path: str) -> Endpoint:
    """The matrix row for a published endpoint; a clear failure for one nobody classified."""
    wanted = (method, normalized_path(path))
    for endpoint in ENDPOINTS.values():
        if (endpoint.method, normalized_path(endpoint.path)) == wanted:
            return endpoint
    raise AssertionError(
        f"{method} {path} is published by the server but not classified in "
        "tests/server_contract/endpoints.py: decide who may call it (docs/wire.md) and add a row"
    )
