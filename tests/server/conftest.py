"""Server fixtures: the app on SQLite and on a real PostgreSQL, and a small firm to talk to it.

`database_url` runs each test that uses it twice: on a SQLite file and on a fresh PostgreSQL
database (marked `postgres`). `ServerHarness` wraps FastAPI's TestClient with the few calls the
tests repeat (add a user, log in, push, pull), so other suites can reuse it as is.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from protocol.demo_firm import DemoFirm
from server.app import create_app
from server.db import init_database, open_engine
from server.schema import metadata
from tests.postgres import PostgresCluster
from tests.server.harness import FAST_SETTINGS, Firm, ServerHarness, TestClient, make_firm
from tests.server.snapshots import load_firm


@pytest.fixture(scope="session")
def shared_postgres_url(postgres_cluster: PostgresCluster) -> Iterator[str]:
    """One migrated PostgreSQL database for the session: emptying it is ~10x faster than
    creating and migrating a new one per test (tests that start processes use `postgres_url`)."""
    with postgres_cluster.fresh_database() as url:
        engine = open_engine(url)
        init_database(engine)
        engine.dispose()
        yield url


def empty_database(url: str) -> None:
    """Every table emptied and a new epoch, as after `init` on a new database."""
    engine = open_engine(url)
    try:
        with engine.begin() as connection:
            names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
            connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY")
        init_database(engine)
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+pysqlite:///{tmp_path / 'server.sqlite3'}"
    else:
        url = request.getfixturevalue("shared_postgres_url")
        empty_database(url)
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """For tests whose subject does not depend on the database."""
    return f"sqlite+pysqlite:///{tmp_path / 'server.sqlite3'}"


@pytest.fixture
def server(database_url: str) -> Iterator[ServerHarness]:
    engine = open_engine(database_url)
    app = create_app(engine=engine, settings=FAST_SETTINGS)
    with TestClient(app) as client:
        yield ServerHarness(engine, client, FAST_SETTINGS)
    engine.dispose()


@pytest.fixture
def sqlite_server(sqlite_url: str) -> Iterator[ServerHarness]:
    engine = open_engine(sqlite_url)
    app = create_app(engine=engine, settings=FAST_SETTINGS)
    with TestClient(app) as client:
        yield ServerHarness(engine, client, FAST_SETTINGS)
    engine.dispose()


@pytest.fixture
def postgres_server(shared_postgres_url: str) -> Iterator[ServerHarness]:
    """For tests of what only PostgreSQL does (row locks, refusing out-of-range values)."""
    empty_database(shared_postgres_url)
    engine = open_engine(shared_postgres_url)
    app = create_app(engine=engine, settings=FAST_SETTINGS)
    with TestClient(app) as client:
        yield ServerHarness(engine, client, FAST_SETTINGS)
    engine.dispose()


@pytest.fixture
def firm(server: ServerHarness) -> Firm:
    return make_firm(server)


@pytest.fixture
def demo_engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test's database, schema in place, for tests that call the server's
    functions directly."""
    engine = open_engine(database_url)
    init_database(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def demo_firm(demo_engine: Engine) -> DemoFirm:
    """A small demo firm (30 customers, 150 activities) loaded into `demo_engine`."""
    return load_firm(demo_engine)


@pytest.fixture
def snapshot_folder(tmp_path: Path) -> Path:
    """Where snapshots go: a folder of their own (a SQLite database lives in tmp_path)."""
    return tmp_path / "snapshots"
