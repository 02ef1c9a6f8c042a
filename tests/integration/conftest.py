"""The real server (uvicorn on 127.0.0.1) and desktop clients that each have their own replica.

Each `Desk` is the client stack the app builds (replica file, `Transport` with a fault seam,
`ApiClient`, `SyncEngine`), signed in as one user. The firm's people are made over the admin
endpoints; only the first administrator comes from the server's own start-up function, since
nobody could sign in to create it. Scenarios that need a fresh server (restore from a backup)
start their own with `start_server`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from desktop.store.changes import create_record, set_archived, update_record
from desktop.store.replica import open_replica
from desktop.store.schema import entity_tables
from desktop.sync import state
from desktop.sync.api import ApiClient
from desktop.sync.credentials import CredentialStore
from desktop.sync.engine import SyncEngine, SyncOptions, SyncSummary
from desktop.sync.faults import FaultInjector, ScriptedFaults
from desktop.sync.transport import Transport, TransportConfig
from protocol.entities import ENTITIES
from tests.postgres import PostgresCluster
from tests.server_contract.harness import PASSWORD, Session, expect, sign_in
from tests.server_contract.server_process import ThreadedServer, bootstrap_admin, build_app

_numbers = itertools.count(1)


@dataclass
class Firm:
    """A running server with an administrator; adds people and acts as the admin."""

    base_url: str
    database_url: str
    http: httpx.Client
    admin: Session
    team_id: str
    user_ids: dict[str, str] = field(default_factory=dict)

    def add_user(self, prefix: str, *, role: str = "account_manager") -> str:
        """A new user with a unique login; returns the login."""
        login = f"{prefix}{next(_numbers)}"
        answer = expect(
            self.admin.post(
                "/admin/users",
                {
                    "login": login,
                    "display_name": login.title(),
                    "password": PASSWORD,
                    "role": role,
                    "team_id": self.team_id,
                },
            ),
            201,
            f"adding {login}",
        )
        self.user_ids[login] = str(answer["id"])
        return login

    def reassign(self, customer_ids: list[str], *, to_login: str) -> None:
        expect(
            self.admin.post(
                "/admin/customers/reassign",
                {"customer_ids": customer_ids, "to_user": self.user_ids[to_login]},
            ),
            200,
            "reassigning",
        )

    def deactivate(self, login: str, *, handover_to: str | None) -> None:
        body = {"handover_to": self.user_ids[handover_to] if handover_to else None}
        expect(
            self.admin.post(f"/admin/users/{self.user_ids[login]}/deactivate", body),
            200,
            f"deactivating {login}",
        )

    def server_view(self, login: str) -> dict[tuple[str, str], dict[str, Any]]:
        """What the server lets `login` see: every live record of its scope, by (entity, id)."""
        session = sign_in(self.http, login=login)
        view: dict[tuple[str, str], dict[str, Any]] = {}
        for change in session.pull_all(limit=5000):
            key = (change["entity"], change["id"])
            if change["op"] == "upsert":
                view[key] = {**change["data"], "version": change["version"]}
            elif change["op"] == "delete":
                view.pop(key, None)
            else:  # exit: the customer and its bucket
                view = {
                    k: v
                    for k, v in view.items()
                    if k != ("customer", change["id"]) and v.get("customer_id") != change["id"]
                }
        return view


class Desk:
    """One installation of the desktop app: its own replica file, signed in as one user."""

    def __init__(
        self,
        *,
        folder: Path,
        base_url: str,
        login: str,
        user_id: str,
        faults: FaultInjector | None = None,
        options: SyncOptions | None = None,
        sign_in_now: bool = True,
    ) -> None:
        self.folder = folder
        self.path = folder / "replica.sqlite3"
        self.login = login
        self.user_id = user_id
        self.engine: Engine = open_replica(self.path)
        self.faults: FaultInjector = faults or ScriptedFaults()
        client_id = state.ensure_client_id(self.engine)
        state.put(self.engine, server_url=base_url, login=login)
        self.transport = Transport(
            base_url=base_url,
            config=TransportConfig(connect_timeout=5, read_timeout=60),
            faults=self.faults,
        )
        self.credentials = CredentialStore(server_url=base_url, login=login)
        self.api = ApiClient(
            transport=self.transport, credentials=self.credentials, client_id=client_id
        )
        if sign_in_now:
            self.api.login(login=login, password=PASSWORD)
        self.sync_engine = SyncEngine(
            engine=self.engine, api=self.api, replica_path=self.path, options=options
        )

    # --- local work -------------------------------------------------------------------------
    def add_customer(self, name: str, **fields: Any) -> str:
        values = {"name": name, "kind": "company", "owner_id": self.user_id, **fields}
        with self.engine.begin() as connection:
            return create_record(connection, entity="customer", fields=values)

    def add_activity(self, customer_id: str, subject: str) -> str:
        fields = {
            "customer_id": customer_id,
            "kind": "visit",
            "occurred_at": "2026-11-23T09:30:00Z",
            "subject": subject,
            "done_by": self.user_id,
            "recorded_by": self.user_id,
        }
        with self.engine.begin() as connection:
            return create_record(connection, entity="activity", fields=fields)

    def edit(self, entity: str, record_id: str, **changes: Any) -> None:
        with self.engine.begin() as connection:
            update_record(connection, entity=entity, record_id=record_id, changes=changes)

    def archive(self, entity: str, record_id: str) -> None:
        with self.engine.begin() as connection:
            set_archived(connection, entity=entity, record_id=record_id, archived=True)

    # --- reading ----------------------------------------------------------------------------
    def sync(self) -> SyncSummary:
        return self.sync_engine.sync_once()

    def row(self, entity: str, record_id: str) -> dict[str, Any] | None:
        table = entity_tables[entity]
        with self.engine.connect() as connection:
            found = connection.execute(select(table).where(table.c.id == record_id)).mappings()
            first = found.first()
        return None if first is None else dict(first)

    def count(self, entity: str) -> int:
        table = entity_tables[entity]
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(table)).scalar_one())

    def pending(self) -> int:
        return self.sync_engine.pending_changes()

    def view(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Every record of this replica by (entity, id), in the shape of `Firm.server_view`."""
        found: dict[tuple[str, str], dict[str, Any]] = {}
        with self.engine.connect() as connection:
            for name, table in entity_tables.items():
                for row in connection.execute(select(table)).mappings():
                    record = dict(row)
                    record_id = str(record.pop("id"))
                    found[(name, record_id)] = record
        return found

    def close(self) -> None:
        self.transport.close()
        self.engine.dispose()


def comparable(
    view: dict[tuple[str, str], dict[str, Any]],
) -> dict[tuple[str, str], tuple[Any, ...]]:
    """Records reduced to their synced fields, archive flag and version, for replica == server."""
    out: dict[tuple[str, str], tuple[Any, ...]] = {}
    for (entity, record_id), record in view.items():
        fields = ENTITIES[entity].field_names
        out[(entity, record_id)] = (
            *(_normal(record.get(name)) for name in fields),
            bool(record.get("archived")),
            int(record.get("version") or 0),
        )
    return out


def _normal(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@contextmanager
def start_server(database_url: str, *, snapshot_dir: Path | None = None) -> Iterator[Firm]:
    """A server on `database_url` (uvicorn in a thread, 127.0.0.1, free port) with one team;
    with `snapshot_dir`, it serves the replica snapshots built there."""
    app = build_app(database_url, snapshot_dir=snapshot_dir)
    try:
        with (
            ThreadedServer(app) as server,
            httpx.Client(base_url=server.base_url, timeout=60) as http,
        ):
            admin_login = f"admin{next(_numbers)}"
            bootstrap_admin(database_url, login=admin_login, password=PASSWORD)
            admin = sign_in(http, login=admin_login)
            team = expect(
                admin.post("/admin/teams", {"name": f"Team {next(_numbers)}"}), 201, "team"
            )
            yield Firm(
                base_url=server.base_url,
                database_url=database_url,
                http=http,
                admin=admin,
                team_id=str(team["id"]),
            )
    finally:
        app.state.services.engine.dispose()


def sqlite_url(folder: Path) -> str:
    return f"sqlite+pysqlite:///{folder / 'server.sqlite3'}"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def firm(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Firm]:
    """One server per module and database kind; tests add their own people so none interfere."""
    if request.param == "sqlite":
        with start_server(sqlite_url(tmp_path_factory.mktemp("server"))) as running:
            yield running
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    with cluster.fresh_database() as url, start_server(url) as running:
        yield running


@contextmanager
def sqlite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Firm]:
    with start_server(sqlite_url(tmp_path_factory.mktemp("server"))) as running:
        yield running


@pytest.fixture
def desks(firm: Firm, tmp_path: Path) -> Iterator[DeskFactory]:
    factory = DeskFactory(firm, tmp_path)
    yield factory
    factory.close_all()


class DeskFactory:
    def __init__(self, firm: Firm, folder: Path) -> None:
        self.firm = firm
        self.folder = folder
        self.opened: list[Desk] = []

    def __call__(
        self,
        login: str,
        *,
        faults: FaultInjector | None = None,
        options: SyncOptions | None = None,
        name: str | None = None,
    ) -> Desk:
        desk = Desk(
            folder=self.folder / (name or f"{login}-{len(self.opened)}"),
            base_url=self.firm.base_url,
            login=login,
            user_id=self.firm.user_ids[login],
            faults=faults,
            options=options,
        )
        self.opened.append(desk)
        return desk

    def close_all(self) -> None:
        for desk in self.opened:
            desk.close()
