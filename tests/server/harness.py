"""Helpers for server tests: a TestClient wrapper, logged-in sessions and a small firm."""

from __future__ import annotations

import uuid
import warnings
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

with warnings.catch_warnings():
    # Starlette asks for its `httpx2` fork, which is not packaged here; plain httpx still works.
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient as TestClient

from protocol.messages import PROTOCOL_VERSION, SCHEMA_VERSION
from server.config import ServerSettings
from server.people import add_team, add_user
from server.records import SYSTEM

PASSWORD = "correct horse battery"
# argon2 at its cheapest: the tests log in often and check behaviour, not hashing cost.
FAST_SETTINGS = ServerSettings(
    argon2_time_cost=1, argon2_memory_kib=1024, long_poll_check_seconds=0.2
)


@dataclass
class Session:
    """A logged-in installation: its headers, client id and the next outbox id it will use."""

    user_id: str
    login: str
    client_id: str
    access_token: str
    refresh_token: str
    next_mutation: int = 1
    cursor: str | None = None
    replica: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.access_token}",
            "X-Fieldbook-Protocol": str(PROTOCOL_VERSION),
            "X-Fieldbook-Schema": str(SCHEMA_VERSION),
        }

    def mutation(
        self,
        entity: str,
        entity_id: str,
        op: str,
        fields: dict[str, Any] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """The next outbox entry of this installation."""
        mutation = {
            "id": self.next_mutation,
            "entity": entity,
            "entity_id": entity_id,
            "op": op,
            "fields": fields or {},
            **extra,
        }
        self.next_mutation += 1
        return mutation


class ServerHarness:
    def __init__(self, engine: Engine, client: TestClient, settings: ServerSettings) -> None:
        self.engine = engine
        self.client = client
        self.settings = settings

    def add_team(self, name: str) -> str:
        return str(add_team(self.engine, name=name, head_id=None, actor=SYSTEM)["id"])

    def add_user(
        self, login: str, role: str = "account_manager", team_id: str | None = None
    ) -> str:
        created = add_user(
            self.engine,
            login=login,
            display_name=login.title(),
            role=role,
            team_id=team_id,
            password=PASSWORD,
            settings=self.settings,
            actor=SYSTEM,
        )
        return str(created["id"])

    def login(self, login: str, client_id: str | None = None) -> Session:
        client_id = client_id or f"client-{uuid.uuid4().hex[:8]}"
        response = self.client.post(
            "/auth/login", json={"login": login, "password": PASSWORD, "client_id": client_id}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        return Session(
            user_id=body["user_id"],
            login=login,
            client_id=client_id,
            access_token=body["access_token"],
            refresh_token=body["refresh_token"],
        )

    def push_raw(self, session: Session, mutations: list[dict[str, Any]]) -> Any:
        return self.client.post(
            "/sync/push", headers=session.headers, json=push_body(session.client_id, mutations)
        )

    def push(self, session: Session, *mutations: dict[str, Any]) -> dict[str, Any]:
        response = self.push_raw(session, list(mutations))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def pull_page(self, session: Session, *, limit: int = 1000, wait: float = 0) -> Any:
        params: dict[str, Any] = {"client_id": session.client_id, "limit": limit, "wait": wait}
        if session.cursor:
            params["cursor"] = session.cursor
        return self.client.get("/sync/pull", headers=session.headers, params=params)

    def sync_down(self, session: Session, *, limit: int = 1000) -> list[dict[str, Any]]:
        """Pull until has_more is false, applying to the session's dict replica like a client."""
        seen: list[dict[str, Any]] = []
        while True:
            response = self.pull_page(session, limit=limit)
            assert response.status_code == 200, response.text
            page = response.json()
            for change in page["changes"]:
                seen.append(change)
                key = (change["entity"], change["id"])
                if change["op"] == "upsert":
                    session.replica[key] = change["data"]
                elif change["op"] == "delete":
                    session.replica.pop(key, None)
                else:  # exit: the customer and its bucket leave this replica
                    session.replica = {
                        k: v
                        for k, v in session.replica.items()
                        if k != ("customer", change["id"]) and v.get("customer_id") != change["id"]
                    }
            session.cursor = page["next_cursor"]
            if not page["has_more"]:
                return seen

    def records(self, session: Session, entity: str) -> dict[str, dict[str, Any]]:
        return {key[1]: data for key, data in session.replica.items() if key[0] == entity}


@dataclass
class Firm:
    """Two teams: north (head Hana, managers Ann and Bob), south (manager Sam); an admin."""

    north: str
    south: str
    admin: str
    hana: str
    ann: str
    bob: str
    sam: str
    executive: str


def make_firm(server: ServerHarness) -> Firm:
    north, south = server.add_team("North"), server.add_team("South")
    return Firm(
        north=north,
        south=south,
        admin=server.add_user("admin", "admin"),
        hana=server.add_user("hana", "team_head", north),
        ann=server.add_user("ann", "account_manager", north),
        bob=server.add_user("bob", "account_manager", north),
        sam=server.add_user("sam", "account_manager", south),
        executive=server.add_user("eve", "executive"),
    )


def new_id() -> str:
    return str(uuid.uuid4())


def push_body(client_id: str, mutations: list[dict[str, Any]]) -> dict[str, Any]:
    """A `POST /sync/push` body of this client's mutations, at the current protocol."""
    return {
        "client_id": client_id,
        "protocol_version": PROTOCOL_VERSION,
        "schema_version": SCHEMA_VERSION,
        "mutations": mutations,
    }
