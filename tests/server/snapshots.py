"""Helpers for the snapshot tests: a small demo firm on a server, its users signed in, and a
replica filled the way a client fills it (pull pages over HTTP, the client's apply code)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine

from desktop.store.bulk import finish_initial_load, start_initial_load
from desktop.store.replica import open_replica
from desktop.store.schema import entity_tables as replica_tables
from desktop.sync.apply import apply_changes
from protocol.demo_firm import DEMO_PASSWORD, DemoFirm, generate_firm
from protocol.messages import PROTOCOL_VERSION, SCHEMA_VERSION
from server.app import create_app
from server.auth import account_by_login, principal_of
from server.demo import load_demo
from server.scope import Principal
from tests.server.harness import FAST_SETTINGS, TestClient

TODAY = date(2026, 11, 20)


def load_firm(engine: Engine) -> DemoFirm:
    firm = generate_firm(customers=30, activities=150, today=TODAY)
    load_demo(engine, firm=firm, settings=FAST_SETTINGS)
    return firm


def login_of(firm: DemoFirm, role: str) -> str:
    return next(user.login for user in firm.users if user.role == role)


def principal(engine: Engine, login: str) -> Principal:
    with engine.connect() as connection:
        account = account_by_login(connection, login)
    assert account is not None, login
    return principal_of(account, settings=FAST_SETTINGS, token_kind="access", client_id=None)


@contextmanager
def snapshot_client(engine: Engine, **settings: Any) -> Iterator[TestClient]:
    app = create_app(engine=engine, settings=replace(FAST_SETTINGS, **settings))
    with TestClient(app) as client:
        yield client


@dataclass
class Signed:
    login: str
    client_id: str
    headers: dict[str, str]
    refresh_token: str


def sign_in(client: httpx.Client, login: str) -> Signed:
    client_id = f"client-{uuid.uuid4().hex[:8]}"
    response = client.post(
        "/auth/login", json={"login": login, "password": DEMO_PASSWORD, "client_id": client_id}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    headers = {
        "Authorization": f"Bearer {body['access_token']}",
        "X-Fieldbook-Protocol": str(PROTOCOL_VERSION),
        "X-Fieldbook-Schema": str(SCHEMA_VERSION),
    }
    return Signed(login, client_id, headers, body["refresh_token"])


def pull_into_replica(client: TestClient, signed: Signed, path: Path, *, limit: int = 9) -> None:
    """Fill a new replica at `path` as a client's first sync does: pages over HTTP from the
    start, applied with the client's own code, indexes and search index built at the end."""
    replica = open_replica(path)
    try:
        with replica.begin() as connection:
            start_initial_load(connection)
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"client_id": signed.client_id, "limit": limit}
            if cursor:
                params["cursor"] = cursor
            response = client.get("/sync/pull", headers=signed.headers, params=params)
            assert response.status_code == 200, response.text
            page = response.json()
            with replica.begin() as connection:
                apply_changes(
                    connection, changes=page["changes"], pending=set(), deferred_exits=set()
                )
            cursor = page["next_cursor"]
            if not page["has_more"]:
                break
        finish_initial_load(replica)
    finally:
        replica.dispose()


def records(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every record of a replica file, per table, in id order."""
    with closing(sqlite3.connect(path)) as connection:
        return {
            table: connection.execute(f'SELECT * FROM "{table}" ORDER BY id').fetchall()
            for table in replica_tables
        }
