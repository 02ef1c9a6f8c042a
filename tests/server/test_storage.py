"""Storage: migrations, the epoch, a gap-safe change log under concurrent writers, restores."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, update

from server.db import init_database, open_engine, read_meta
from server.schema import clients, metadata
from tests.server.harness import Firm, ServerHarness, Session, new_id


def test_init_is_idempotent_and_keeps_the_epoch(database_url: str) -> None:
    engine = open_engine(database_url)
    try:
        first = init_database(engine)
        assert init_database(engine) == first
        tables = set(inspect(engine).get_table_names())
        assert {"alembic_version", "change_log", "customer", "audit_log", "tokens"} <= tables
        with engine.connect() as connection:
            version = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            assert version.scalar() == "0004"
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database nobody has initialised yet."""
    if request.param == "sqlite":
        return f"sqlite+pysqlite:///{tmp_path / 'fresh.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))


def test_processes_starting_together_initialise_once(fresh_database_url: str) -> None:
    engines = [open_engine(fresh_database_url) for _ in range(3)]
    epochs: list[str] = []
    failures: list[BaseException] = []

    def start(engine: Engine) -> None:
        try:
            epochs.append(init_database(engine))
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            failures.append(exc)

    threads = [threading.Thread(target=start, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for engine in engines:
        engine.dispose()
    assert failures == []
    assert len(epochs) == 3
    assert len(set(epochs)) == 1


def test_migrations_build_exactly_the_declared_schema(database_url: str) -> None:
    """The revisions, applied in order, give what `server.schema` declares: no drift."""
    engine = open_engine(database_url)
    try:
        init_database(engine)
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_readers_never_skip_entries_of_concurrent_writers(
    server: ServerHarness, firm: Firm
) -> None:
    """Seqs are handed out under the counter's lock, so an incremental reader that pulls while
    four clients push sees every record exactly once (a BIGSERIAL would let it skip some)."""
    writers = [server.login(login) for login in ("ann", "bob", "ann", "bob")]
    admin = server.login("admin")
    per_writer = 15
    created: list[str] = []
    created_lock = threading.Lock()
    failures: list[BaseException] = []

    def write(session: Session) -> None:
        try:
            for _ in range(per_writer):
                customer_id = new_id()
                server.push(
                    session, session.mutation("customer", customer_id, "create", {"name": "并发"})
                )
                with created_lock:
                    created.append(customer_id)
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(s,)) for s in writers]
    for thread in threads:
        thread.start()
    seen: list[str] = []
    while any(thread.is_alive() for thread in threads):
        seen += [c["id"] for c in server.sync_down(admin, limit=7) if c["entity"] == "customer"]
    for thread in threads:
        thread.join()
    seen += [c["id"] for c in server.sync_down(admin) if c["entity"] == "customer"]
    assert failures == []
    assert len(created) == per_writer * len(writers)
    assert sorted(seen) == sorted(created)


def test_restored_server_asks_for_lost_mutations_again(server: ServerHarness, firm: Firm) -> None:
    """Scenario 9: the backup knew only mutation 1 of this client; the client still keeps 2..3
    and, told the server's last id, resends them: everything exists once."""
    ann = server.login("ann")
    ids = [new_id() for _ in range(3)]
    sent = [ann.mutation("customer", i, "create", {"name": f"C{n}"}) for n, i in enumerate(ids)]
    assert server.push(ann, *sent)["last_mutation_id"] == 3
    with server.engine.begin() as connection:  # what the restored backup remembers
        connection.execute(
            update(clients).where(clients.c.client_id == ann.client_id).values(last_mutation_id=1)
        )
    newer = ann.mutation("customer", new_id(), "create", {"name": "C3"})
    gap = server.push(ann, newer)
    assert gap["last_mutation_id"] == 1
    resent = server.push(ann, *sent[1:], newer)
    assert [r["status"] for r in resent["results"]] == ["applied"] * 3
    server.sync_down(ann)
    assert len(server.records(ann, "customer")) == 4
    with server.engine.connect() as connection:
        epoch, high_water, _floor = read_meta(connection)
        assert high_water > 0
        assert connection.execute(select(clients.c.last_mutation_id)).scalar() == 4
    assert epoch
