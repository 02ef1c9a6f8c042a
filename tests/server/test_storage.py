"""Storage: migrations, the epoch, a gap-safe change log under concurrent writers, restores."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, event, inspect, select, update

from protocol.messages import PROTOCOL_VERSION, SCHEMA_VERSION, Mutation, PushRequest
from server.auth import authenticate
from server.db import init_database, open_engine, read_meta, write_transaction
from server.push import push
from server.records import append_personal_tombstone
from server.schema import change_log, clients, metadata
from tests.server.harness import Firm, ServerHarness, Session, make_firm, new_id


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


@pytest.mark.postgres
def test_pushes_overlap_but_commit_in_seq_order(postgres_server: ServerHarness) -> None:
    """On PostgreSQL a push locks the seq counter only at its end: a second push does its work
    while the first sits between taking seqs and committing, then waits for the counter, so its
    seqs are higher and no reader sees them before the first push's entries are committed."""
    server = postgres_server
    make_firm(server)
    ann, bob = server.login("ann"), server.login("bob")
    customers = {ann.login: new_id(), bob.login: new_id()}
    for session in (ann, bob):
        created = session.mutation("customer", customers[session.login], "create", {"name": "甲"})
        assert server.push(session, created)["results"][0]["status"] == "applied"
    engine = server.engine
    principals = {
        session.login: authenticate(
            engine, authorization=f"Bearer {session.access_token}", settings=server.settings
        )
        for session in (ann, bob)
    }
    first_at_commit, release_first, second_at_counter = (threading.Event() for _ in range(3))
    statements: list[tuple[str, str]] = []  # (thread, SQL) in the order they were sent
    logged: set[str] = set()  # threads that wrote change-log rows

    def before_commit(_connection: Any) -> None:
        # Ann's push's own commit: the one after it wrote its change-log rows.
        if threading.current_thread().name == "ann" and "ann" in logged:
            first_at_commit.set()
            release_first.wait(30)

    def before_statement(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        name = threading.current_thread().name
        statements.append((name, statement))
        if statement.startswith("INSERT INTO change_log"):
            logged.add(name)
        if name == "bob" and statement.startswith("UPDATE server_meta"):
            second_at_counter.set()

    event.listen(engine, "commit", before_commit)
    event.listen(engine, "before_cursor_execute", before_statement)
    failures: list[BaseException] = []

    def edit(session: Session) -> None:
        mutation = session.mutation(
            "customer", customers[session.login], "update", {"phone": session.login}
        )
        request = PushRequest(
            client_id=session.client_id,
            protocol_version=PROTOCOL_VERSION,
            schema_version=SCHEMA_VERSION,
            mutations=[Mutation.model_validate(mutation)],
        )
        try:
            answer = push(engine, principal=principals[session.login], request=request)
            assert answer.results[0].status == "applied", answer
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            failures.append(exc)

    with engine.connect() as reader:
        high_water_before = read_meta(reader)[1]
    first = threading.Thread(target=edit, args=(ann,), name="ann")
    second = threading.Thread(target=edit, args=(bob,), name="bob")
    try:
        first.start()
        assert first_at_commit.wait(30), "the first push never reached its commit"
        second.start()
        assert second_at_counter.wait(30), "the second push never reached the counter"
        time.sleep(0.3)
        # The second push did its record work, and now waits for the first one's counter lock.
        assert any(
            name == "bob" and statement.startswith("UPDATE customer")
            for name, statement in statements
        )
        assert second.is_alive(), "the second push took seqs while the first held them"
        with engine.connect() as reader:
            assert read_meta(reader)[1] == high_water_before
    finally:
        release_first.set()
        first.join(30)
        second.join(30)
        event.remove(engine, "commit", before_commit)
        event.remove(engine, "before_cursor_execute", before_statement)
    assert failures == []
    with engine.connect() as connection:
        seqs = dict(
            connection.execute(
                select(change_log.c.entity_id, change_log.c.seq).where(
                    change_log.c.entity_id.in_(customers.values())
                )
            ).all()
        )
    assert seqs[customers["ann"]] < seqs[customers["bob"]]


def test_a_rolled_back_savepoint_forgets_its_change_log_rows(database_url: str) -> None:
    """Rows are queued until the flush: a mutation refused inside its savepoint must take its
    queued rows along, or the log would carry a record that was never written."""
    engine = open_engine(database_url)
    try:
        init_database(engine)
        kept, dropped = new_id(), new_id()
        with write_transaction(engine, push=True) as (connection, allocator):
            append_personal_tombstone(allocator, entity="customer", record_id=kept, user_id="u")
            with pytest.raises(ValueError), allocator.savepoint():
                append_personal_tombstone(
                    allocator, entity="customer", record_id=dropped, user_id="u"
                )
                raise ValueError("refused")
        with engine.connect() as connection:
            logged = connection.execute(select(change_log.c.entity_id, change_log.c.seq)).all()
            high_water = read_meta(connection)[1]
        assert [entity_id for entity_id, _seq in logged] == [kept]
        assert logged[0][1] == high_water
    finally:
        engine.dispose()


def test_a_push_waits_for_a_free_slot(server: ServerHarness) -> None:
    """`max_concurrent_pushes` bounds the pushes one process runs at once: with every slot
    taken a push waits, and it goes ahead as soon as one is given back."""
    make_firm(server)
    ann = server.login("ann")
    principal = authenticate(
        server.engine, authorization=f"Bearer {ann.access_token}", settings=server.settings
    )
    created = ann.mutation("customer", new_id(), "create", {"name": "甲"})
    request = PushRequest(
        client_id=ann.client_id,
        protocol_version=PROTOCOL_VERSION,
        schema_version=SCHEMA_VERSION,
        mutations=[Mutation.model_validate(created)],
    )
    slots = threading.BoundedSemaphore(1)
    slots.acquire()  # another push holds the only slot
    answers: list[Any] = []
    worker = threading.Thread(
        target=lambda: answers.append(
            push(server.engine, principal=principal, request=request, slots=slots)
        )
    )
    worker.start()
    worker.join(0.5)
    assert worker.is_alive() and answers == []
    slots.release()
    worker.join(30)
    assert answers[0].results[0].status == "applied"
