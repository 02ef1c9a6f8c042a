"""Talking to the server exactly as `docs/wire.md` describes it, for the contract tests and the
load benchmark.

Everything here speaks HTTP only (through any `httpx.Client`: FastAPI's in-process `TestClient`
or a real socket to uvicorn), so the tests prove the wire contract, not the server's internals.
The one exception is `bootstrap_admin`: the very first administrator cannot be created over the
wire, so it goes through the server's own start-up function.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from protocol.messages import PROTOCOL_VERSION, SCHEMA_VERSION

PASSWORD = "correct horse battery staple"
SYNC_HEADERS = {
    "X-Fieldbook-Protocol": str(PROTOCOL_VERSION),
    "X-Fieldbook-Schema": str(SCHEMA_VERSION),
}

_client_numbers = itertools.count(1)


def new_client_id(prefix: str) -> str:
    return f"{prefix}-{next(_client_numbers)}-{uuid.uuid4().hex[:8]}"


class UnexpectedAnswer(AssertionError):
    """The server answered something the contract does not allow: show the whole answer."""

    def __init__(self, what: str, response: httpx.Response) -> None:
        super().__init__(
            f"{what}: {response.request.method} {response.request.url} answered "
            f"{response.status_code} {response.text[:2000]}"
        )
        self.response = response


def expect(response: httpx.Response, status: int, what: str) -> Any:
    if response.status_code != status:
        raise UnexpectedAnswer(what, response)
    return response.json() if response.content else None


@dataclass
class Session:
    """One signed-in installation (client_id) of one user."""

    http: httpx.Client
    login: str
    client_id: str
    access_token: str
    refresh_token: str
    user_id: str
    role: str
    next_mutation_id: int = 1
    cursor: str | None = None

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params, headers={**SYNC_HEADERS, **self.auth_headers})

    def post(self, path: str, body: Any) -> httpx.Response:
        return self.http.post(path, json=body, headers={**SYNC_HEADERS, **self.auth_headers})

    def patch(self, path: str, body: Any) -> httpx.Response:
        return self.http.patch(path, json=body, headers={**SYNC_HEADERS, **self.auth_headers})

    def push_body(self, mutations: list[dict[str, Any]]) -> dict[str, Any]:
        """Number the mutations as the client's outbox would, and wrap them in a push body."""
        numbered = []
        for mutation in mutations:
            numbered.append({"id": self.next_mutation_id, **mutation})
            self.next_mutation_id += 1
        return {
            "client_id": self.client_id,
            "protocol_version": PROTOCOL_VERSION,
            "schema_version": SCHEMA_VERSION,
            "mutations": numbered,
        }

    def push_raw(self, mutations: list[dict[str, Any]]) -> httpx.Response:
        return self.post("/sync/push", self.push_body(mutations))

    def push(self, mutations: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Push and return the per-mutation results (the call itself must succeed)."""
        answer = expect(self.push_raw(mutations), 200, f"push by {self.login}")
        results: list[dict[str, Any]] = answer["results"]
        return results

    def pull_page(self, *, cursor: str | None, limit: int) -> httpx.Response:
        params: dict[str, Any] = {"client_id": self.client_id, "limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        return self.get("/sync/pull", **params)

    def pull_all(self, *, limit: int = 1000, max_pages: int = 10_000) -> list[dict[str, Any]]:
        """Pull from this session's cursor until nothing more; returns the changes in order."""
        changes: list[dict[str, Any]] = []
        for _ in range(max_pages):
            page = expect(
                self.pull_page(cursor=self.cursor, limit=limit), 200, f"pull by {self.login}"
            )
            changes.extend(page["changes"])
            self.cursor = page["next_cursor"]
            if not page["has_more"]:
                return changes
        raise AssertionError(f"pull by {self.login} did not finish within {max_pages} pages")


def sign_in(http: httpx.Client, *, login: str, password: str = PASSWORD) -> Session:
    client_id = new_client_id(login)
    pair = expect(
        http.post(
            "/auth/login",
            json={"login": login, "password": password, "client_id": client_id},
        ),
        200,
        f"log-in of {login}",
    )
    return Session(
        http=http,
        login=login,
        client_id=client_id,
        access_token=pair["access_token"],
        refresh_token=pair["refresh_token"],
        user_id=str(pair["user_id"]),
        role=pair["role"],
    )


def add_team(admin: Session, name: str) -> str:
    answer = expect(admin.post("/admin/teams", {"name": name}), 201, f"adding team {name}")
    return str(answer["id"])


def add_user(admin: Session, *, login: str, role: str, team_id: str | None) -> str:
    answer = expect(
        admin.post(
            "/admin/users",
            {
                "login": login,
                "display_name": login.replace("_", " ").title(),
                "password": PASSWORD,
                "role": role,
                "team_id": team_id,
            },
        ),
        201,
        f"adding user {login}",
    )
    return str(answer["id"])


# --- mutations --------------------------------------------------------------------------------
def create(entity: str, fields: dict[str, Any], record_id: str | None = None) -> dict[str, Any]:
    return {
        "entity": entity,
        "entity_id": record_id or str(uuid.uuid4()),
        "op": "create",
        "fields": fields,
        "base_version": 0,
    }


def update(
    entity: str, record_id: str, fields: dict[str, Any], base_version: int
) -> dict[str, Any]:
    return {
        "entity": entity,
        "entity_id": record_id,
        "op": "update",
        "fields": fields,
        "base_version": base_version,
    }


# --- what a client holds --------------------------------------------------------------------------
BUCKET_ENTITIES = ("customer", "contact", "activity", "followup", "opportunity", "conflict")


def held_changes(changes: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The change behind each record a client holds after applying `changes` in order
    (an exit drops the customer and every record of its bucket)."""
    held: dict[tuple[str, str], dict[str, Any]] = {}
    for change in changes:
        key = (change["entity"], change["id"])
        if change["op"] == "upsert":
            held[key] = change
        elif change["op"] == "delete":
            held.pop(key, None)
        elif change["op"] == "exit":
            held = {
                k: v
                for k, v in held.items()
                if k != ("customer", change["id"])
                and (v.get("data") or {}).get("customer_id") != change["id"]
            }
    return held


def replica_after(changes: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The records (their `data`) a client holds after applying `changes` in order."""
    return {key: change["data"] for key, change in held_changes(changes).items()}


@dataclass
class Book:
    """One customer and one record of each kind in its bucket."""

    customer_id: str
    contact_id: str
    activity_id: str
    followup_id: str
    opportunity_id: str

    @property
    def record_ids(self) -> set[str]:
        return {
            self.customer_id,
            self.contact_id,
            self.activity_id,
            self.followup_id,
            self.opportunity_id,
        }


def book_mutations(
    *, owner_id: str, team_id: str | None, name: str
) -> tuple[Book, list[dict[str, Any]]]:
    """The mutations that create a customer owned by `owner_id` with a full bucket."""
    book = Book(*(str(uuid.uuid4()) for _ in range(5)))
    mutations = [
        create(
            "customer",
            {"name": name, "kind": "company", "owner_id": owner_id, "team_id": team_id},
            book.customer_id,
        ),
        create(
            "contact", {"customer_id": book.customer_id, "name": f"{name} 联系人"}, book.contact_id
        ),
        create(
            "activity",
            {
                "customer_id": book.customer_id,
                "kind": "visit",
                "occurred_at": "2026-11-20T09:30:00Z",
                "subject": f"拜访 {name}",
                "done_by": owner_id,
                "recorded_by": owner_id,
            },
            book.activity_id,
        ),
        create(
            "followup",
            {
                "customer_id": book.customer_id,
                "title": "回访",
                "due_at": "2026-11-30T09:00:00Z",
                "assignee_id": owner_id,
            },
            book.followup_id,
        ),
        create(
            "opportunity",
            {
                "customer_id": book.customer_id,
                "name": f"{name} 项目",
                "amount": 120000.0,
                "currency": "CNY",
                "owner_id": owner_id,
                "status": "open",
            },
            book.opportunity_id,
        ),
    ]
    return book, mutations


@dataclass(repr=False)
class Firm:
    """Two teams, every role, one deactivated user, and one customer book per account manager."""

    def __repr__(self) -> str:  # short: it appears in every failing test's report
        return f"Firm(logins={sorted(self.sessions)}, epoch={self.epoch!r})"

    sessions: dict[str, Session]  # by login
    team_ids: dict[str, str]  # by team name
    user_ids: dict[str, str]  # by login
    books: dict[str, Book] = field(default_factory=dict)  # by owner login
    epoch: str = ""
    deactivated_login: str = "leaver"
    deactivated_refresh_token: str = ""
