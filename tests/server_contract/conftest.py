"""A server per test module (SQLite, and PostgreSQL where marked) with a small demo firm in it.

The firm is built over the wire as an administrator would build it (teams and users through the
admin endpoints, customers pushed by their owners); only the very first administrator is created
with the server's own function, since nobody could sign in to create it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.postgres import PostgresCluster
from tests.server_contract.harness import (
    PASSWORD,
    Firm,
    add_team,
    add_user,
    book_mutations,
    expect,
    sign_in,
)

# Logins of the demo firm: (login, role, team name or None).
PEOPLE: tuple[tuple[str, str, str | None], ...] = (
    ("exec", "executive", None),
    ("head_a", "team_head", "A"),
    ("head_b", "team_head", "B"),
    ("am_a1", "account_manager", "A"),
    ("am_a2", "account_manager", "A"),
    ("am_b1", "account_manager", "B"),
    ("leaver", "account_manager", "A"),
    # Targets of the admin actions the matrix performs, so they disturb nobody else's book.
    ("spare_a1", "account_manager", "A"),
    ("spare_a2", "account_manager", "A"),
    ("spare_b1", "account_manager", "B"),
)
BOOK_OWNERS = ("am_a1", "am_a2", "am_b1", "leaver", "spare_a1", "spare_b1")


def sqlite_url(directory: Path) -> str:
    return f"sqlite+pysqlite:///{directory / 'server.sqlite3'}"


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The server's database: a SQLite file, or a fresh database on the session's PostgreSQL."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path_factory.mktemp("server"))
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    with cluster.fresh_database() as url:
        yield url


@pytest.fixture(scope="module")
def http(database_url: str) -> Iterator[httpx.Client]:
    """A client of a real server (uvicorn in a thread) on this module's database."""
    from tests.server_contract.server_process import ThreadedServer, build_app

    app = build_app(database_url)
    with (
        ThreadedServer(app) as server,
        httpx.Client(base_url=server.base_url, timeout=60) as client,
    ):
        yield client
    app.state.services.engine.dispose()


def build_firm(http: httpx.Client, database_url: str) -> Firm:
    from tests.server_contract.server_process import bootstrap_admin

    bootstrap_admin(database_url, login="admin", password=PASSWORD)
    admin = sign_in(http, login="admin")
    team_ids = {name: add_team(admin, f"Team {name} {uuid.uuid4().hex[:4]}") for name in "AB"}
    user_ids = {"admin": admin.user_id}
    for login, role, team in PEOPLE:
        user_ids[login] = add_user(
            admin, login=login, role=role, team_id=team_ids[team] if team else None
        )
    sessions = {"admin": admin}
    sessions.update({login: sign_in(http, login=login) for login, _role, _team in PEOPLE})
    firm = Firm(sessions=sessions, team_ids=team_ids, user_ids=user_ids)
    teams_of = {login: team for login, _role, team in PEOPLE}
    for owner in BOOK_OWNERS:
        team = teams_of[owner]
        book, mutations = book_mutations(
            owner_id=user_ids[owner],
            team_id=team_ids[team] if team else None,
            name=f"{owner} 公司",
        )
        results = sessions[owner].push(mutations)
        assert [r["status"] for r in results] == ["applied"] * len(mutations), results
        firm.books[owner] = book
    hello = expect(admin.get("/sync/hello"), 200, "hello")
    firm.epoch = str(hello["epoch"])
    # The leaver keeps a refresh token from before the deactivation: its client drains with it.
    leaver = sessions["leaver"]
    expect(
        admin.post(
            f"/admin/users/{user_ids['leaver']}/deactivate", {"handover_to": user_ids["am_a2"]}
        ),
        200,
        "deactivating the leaver",
    )
    drain = expect(
        http.post("/auth/refresh", json={"refresh_token": leaver.refresh_token}),
        200,
        "drain token for the leaver",
    )
    leaver.access_token = drain["access_token"]
    leaver.refresh_token = drain["refresh_token"]
    return firm


@pytest.fixture(scope="module")
def firm(http: httpx.Client, database_url: str) -> Firm:
    return build_firm(http, database_url)
