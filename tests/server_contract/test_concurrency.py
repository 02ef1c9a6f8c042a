"""20 clients pushing at once while others pull in small pages, on a real server and PostgreSQL.

The property under test is the one `docs/sync-protocol.md` warns about: a reader must never pass a
change that commits later with a lower `seq` (a BIGSERIAL would allow it). Each puller's sequence
of seqs must be strictly increasing (nothing seen twice), and after a final catch-up every puller
holds every record's final version, cross-checked against the server's `change_log`. Activities
are written once and never again, so a change a puller skipped can never be repaired by a later
one: it shows up as a missing record.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.server_contract.harness import (
    PASSWORD,
    Session,
    add_team,
    add_user,
    book_mutations,
    create,
    expect,
    sign_in,
    update,
)
from tests.server_contract.server_process import (
    ServerProcess,
    bootstrap_admin,
    free_port,
    start_server_process,
)

PUSHERS = 20
ROUNDS = 5  # pushes per pusher after its first (which creates its customer)
PAGE = 5  # small pages: many page boundaries for a concurrent commit to fall between
PULLERS = ("exec", "head_a", "exec")  # two see everything, one only team A
TIME_LIMIT_SECONDS = 120.0

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(300)]


@dataclass
class Pulled:
    """Everything one puller saw, in the order it saw it."""

    login: str
    changes: list[dict[str, Any]] = field(default_factory=list)
    pages: int = 0
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def server(postgres_url: str, tmp_path: Any) -> Iterator[ServerProcess]:
    process = start_server_process(
        database_url=postgres_url, port=free_port(), workers=2, log_path=tmp_path / "server.log"
    )
    yield process
    process.stop()


def pull_once(session: Session, into: Pulled) -> bool:
    """One page; True when the server said there is nothing more."""
    page = expect(session.pull_page(cursor=session.cursor, limit=PAGE), 200, "pull")
    into.changes.extend(page["changes"])
    into.pages += 1
    session.cursor = page["next_cursor"]
    return not page["has_more"]


def push_loop(
    session: Session,
    team_id: str,
    written: dict[tuple[str, str], int],
    errors: list[str],
    start: threading.Barrier,
) -> None:
    """Create a customer with its bucket, then edit it and log activities, round after round."""
    try:
        book, mutations = book_mutations(
            owner_id=session.user_id, team_id=team_id, name=f"{session.login} 公司"
        )
        start.wait()
        pending = mutations
        for round_number in range(ROUNDS + 1):
            results = session.push(pending)
            for mutation, result in zip(pending, results, strict=True):
                if result["status"] != "applied":
                    errors.append(f"{session.login}: {mutation['entity']} {result}")
                    continue
                written[(mutation["entity"], mutation["entity_id"])] = int(result["version"])
            version = written.get(("customer", book.customer_id), 1)
            pending = [
                update(
                    "customer", book.customer_id, {"phone": f"+86 21 {round_number:08d}"}, version
                ),
                create(
                    "activity",
                    {
                        "customer_id": book.customer_id,
                        "kind": "call",
                        "occurred_at": "2026-11-23T10:00:00Z",
                        "subject": f"第 {round_number} 次电话",
                    },
                ),
                update(
                    "opportunity",
                    book.opportunity_id,
                    {"amount": 1000.0 * round_number},
                    written.get(("opportunity", book.opportunity_id), 1),
                ),
            ]
    except Exception as error:  # reported by the test, never swallowed
        errors.append(f"{session.login}: {error!r}")


def pull_loop(
    session: Session, into: Pulled, stop: threading.Event, start: threading.Barrier
) -> None:
    try:
        start.wait()
        while not stop.is_set():
            pull_once(session, into)
        while not pull_once(session, into):  # the final catch-up
            pass
    except Exception as error:
        into.errors.append(repr(error))


def test_concurrent_pushers_and_pullers(server: ServerProcess, postgres_url: str) -> None:
    bootstrap_admin(postgres_url, login="admin", password=PASSWORD)
    with httpx.Client(base_url=server.base_url, timeout=60) as admin_http:
        admin = sign_in(admin_http, login="admin")
        teams = {name: add_team(admin, f"Team {name}") for name in "AB"}
        add_user(admin, login="exec", role="executive", team_id=None)
        add_user(admin, login="head_a", role="team_head", team_id=teams["A"])
        pusher_teams = {f"am{n:02d}": teams["A" if n % 2 else "B"] for n in range(PUSHERS)}
        for login, team_id in pusher_teams.items():
            add_user(admin, login=login, role="account_manager", team_id=team_id)

    clients = [
        httpx.Client(base_url=server.base_url, timeout=60) for _ in range(PUSHERS + len(PULLERS))
    ]
    try:
        pushers = [
            sign_in(http, login=login) for http, login in zip(clients, pusher_teams, strict=False)
        ]
        pullers = [
            sign_in(http, login=login)
            for http, login in zip(clients[PUSHERS:], PULLERS, strict=True)
        ]
        written: dict[tuple[str, str], int] = {}
        push_errors: list[str] = []
        pulled = [Pulled(session.login) for session in pullers]
        start = threading.Barrier(PUSHERS + len(PULLERS))
        stop = threading.Event()
        push_threads = [
            threading.Thread(
                target=push_loop, args=(s, pusher_teams[s.login], written, push_errors, start)
            )
            for s in pushers
        ]
        pull_threads = [
            threading.Thread(target=pull_loop, args=(s, p, stop, start))
            for s, p in zip(pullers, pulled, strict=True)
        ]
        deadline = time.monotonic() + TIME_LIMIT_SECONDS
        for thread in push_threads + pull_threads:
            thread.start()
        for thread in push_threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        stop.set()
        for thread in pull_threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        assert not any(t.is_alive() for t in push_threads + pull_threads), (
            f"clients still running after {TIME_LIMIT_SECONDS} s:\n{server.log_tail()}"
        )
    finally:
        for http in clients:
            http.close()

    assert not push_errors, push_errors
    assert len(written) == PUSHERS * (5 + ROUNDS)  # 5 records per book, one activity per round
    truth = server_change_log(postgres_url)
    for pull in pulled:
        assert not pull.errors, f"{pull.login}: {pull.errors}"
        assert pull.pages > PUSHERS, f"{pull.login} pulled only {pull.pages} pages: no overlap"
        seqs = [int(change["seq"]) for change in pull.changes]
        backwards = [(a, b) for a, b in itertools.pairwise(seqs) if b <= a]
        assert not backwards, f"{pull.login}: seq not strictly increasing at {backwards[:5]}"
        last_seen: dict[tuple[str, str], tuple[int, int]] = {}
        for change in pull.changes:
            last_seen[(change["entity"], change["id"])] = (
                int(change["seq"]),
                int(change["version"]),
            )
        team_a_customers = {
            entity_id
            for (entity, entity_id), row in truth.items()
            if entity == "customer" and row["team_id"] == teams["A"]
        }
        expected = {
            key: (row["seq"], row["version"])
            for key, row in truth.items()
            if row["customer_id"] is not None
            and (pull.login == "exec" or row["customer_id"] in team_a_customers)
        }
        seen_in_buckets = {
            key: value
            for key, value in last_seen.items()
            if key in truth and truth[key]["customer_id"] is not None
        }
        missing = sorted(set(expected) - set(seen_in_buckets))
        assert not missing, f"{pull.login} never saw {len(missing)} final changes: {missing[:5]}"
        wrong = {
            key: (seen_in_buckets[key], expected[key])
            for key in expected
            if seen_in_buckets[key] != expected[key]
        }
        assert not wrong, f"{pull.login} holds stale (seq, version): {list(wrong.items())[:5]}"
        extra = set(seen_in_buckets) - set(expected)
        assert not extra, f"{pull.login} saw records outside its scope: {sorted(extra)[:5]}"
    # The versions the pushers were told are the versions that were logged last.
    for key, version in written.items():
        assert truth[key]["version"] == version, (key, truth[key], version)


def server_change_log(database_url: str) -> dict[tuple[str, str], dict[str, Any]]:
    """The live change-log entry of every record, and each customer's team, read directly."""
    from server.db import open_engine
    from server.schema import change_log, entity_tables

    customers = entity_tables["customer"]
    engine = open_engine(database_url)
    try:
        with engine.connect() as connection:
            teams = dict(connection.execute(select(customers.c.id, customers.c.team_id)).all())
            rows = (
                connection.execute(
                    select(
                        change_log.c.entity,
                        change_log.c.entity_id,
                        change_log.c.seq,
                        change_log.c.version,
                        change_log.c.customer_id,
                    ).where(change_log.c.op != "exit")
                )
                .mappings()
                .all()
            )
    finally:
        engine.dispose()
    truth: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        key = (str(row["entity"]), str(row["entity_id"]))
        assert key not in truth, f"two live change-log entries for {key}"
        truth[key] = {
            "seq": int(row["seq"]),
            "version": int(row["version"]),
            "customer_id": row["customer_id"],
            "team_id": teams.get(row["customer_id"]) if row["customer_id"] else None,
        }
    return truth
