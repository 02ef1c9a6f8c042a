"""Sync latency: how soon a change made on one online client appears on another (long-poll).

The server runs in its own uvicorn process (SQLite file, or PostgreSQL with `--postgres`). Two
clients of the same user, each in its own process as on two laptops: the *watcher* runs the
background `SyncLoop` (long-poll while online, its timer set to an hour so only the long-poll can
explain a quick arrival); the *writer* edits a customer and pushes at once, as its loop does after
a local write (`local_write`: push only, since its own listener brings the server's changes).
Measured:
- write -> visible: from the writer's commit to the row being readable in the watcher's replica;
- acknowledged -> visible: from the writer's push being acknowledged (answer received and
  recorded) to the same moment; negative when the watcher had it before the writer's answer.

    .venv/bin/python bench/sync_latency.py [--changes N] [--postgres] [--json [FILE]]

Goals on loopback: p50 25 ms, p95 60 ms. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make the repository importable
    sys.path.insert(0, str(ROOT))

from bench.common import add_json_option, emit, format_table, percentile, progress  # noqa: E402

GOAL_P50_MS = 25
GOAL_P95_MS = 60
PASSWORD = "latency bench password"


@contextlib.contextmanager
def database(work: Path, *, postgres: bool) -> Iterator[str]:
    if not postgres:
        yield f"sqlite+pysqlite:///{work / 'server.sqlite3'}"
        return
    from tests.postgres import start_cluster

    cluster = start_cluster(work)
    try:
        with cluster.fresh_database() as url:
            yield url
    finally:
        cluster.stop()


def make_user(base_url: str, database_url: str) -> tuple[str, str]:
    """An account manager made over the admin endpoints; returns (login, user id)."""
    import httpx

    from tests.server_contract.harness import expect, sign_in
    from tests.server_contract.server_process import bootstrap_admin

    bootstrap_admin(database_url, login="admin", password=PASSWORD)
    with httpx.Client(base_url=base_url, timeout=30) as http:
        admin = sign_in(http, login="admin", password=PASSWORD)
        body = {
            "login": "writer",
            "display_name": "Writer",
            "password": PASSWORD,
            "role": "account_manager",
        }
        answer = expect(admin.post("/admin/users", body), 201, "adding the user")
    return "writer", str(answer["id"])


def _wait_for(engine: Any, query: Any, value: str, seen: list[float]) -> None:
    """Poll the replica every half millisecond until `query` reads `value`; record when."""
    deadline = time.perf_counter() + 10
    with engine.connect() as reader:
        while time.perf_counter() < deadline:
            if reader.execute(query).scalar() == value:
                seen.append(time.perf_counter())
                return
            reader.rollback()  # a fresh read snapshot each time
            time.sleep(0.0005)


def _client(work: Path, name: str, base_url: str, login: str) -> tuple[Any, Any]:
    from desktop.store.replica import open_replica
    from desktop.sync.session import connect, sign_in

    path = work / name / "replica.sqlite3"
    engine = open_replica(path)
    stack = connect(engine=engine, replica_path=path, server_url=base_url, login=login)
    sign_in(stack, engine=engine, login=login, password=PASSWORD)
    return engine, stack


def _writer_process(
    connection: Connection, work: Path, base_url: str, login: str, user_id: str
) -> None:
    """The writing client, in its own process as on its own laptop: two clients in one process
    would share one GIL, and each would wait for the other's Python work.

    Creates the customer, then for each phone number it is sent: saves it, pushes at once (what
    the writer's loop does after a local write) and answers (written, acknowledged) times."""
    from desktop.store.changes import create_record, update_record

    engine, stack = _client(work, "writer", base_url, login)
    try:
        with engine.begin() as transaction:
            customer_id = create_record(
                transaction, entity="customer", fields={"name": "延迟测试", "owner_id": user_id}
            )
        stack.engine.sync_once()
        connection.send(customer_id)
        while (phone := connection.recv()) is not None:
            with engine.begin() as transaction:
                update_record(
                    transaction, entity="customer", record_id=customer_id, changes={"phone": phone}
                )
            written = time.perf_counter()
            stack.engine.push_pending()
            connection.send((written, time.perf_counter()))
    finally:
        stack.close()
        engine.dispose()


def measure(
    arguments: argparse.Namespace, work: Path, base_url: str, login: str, user_id: str
) -> dict[str, list[float]]:
    from sqlalchemy import select

    from desktop.store.schema import entity_tables
    from desktop.sync.loop import SyncLoop

    # Spawned, not forked: a fork copies a process that already runs threads. perf_counter is
    # the system's monotonic clock, so times from both processes compare.
    context = multiprocessing.get_context("spawn")
    to_writer, writer_end = context.Pipe()
    writer = context.Process(
        target=_writer_process, args=(writer_end, work, base_url, login, user_id), daemon=True
    )
    writer.start()
    watcher_db, watcher = _client(work, "watcher", base_url, login)
    loop = SyncLoop(
        sync=watcher.engine,
        inbox=watcher.inbox,
        interval_seconds=3600,
        long_poll_seconds=25,
    )
    write_to_visible: list[float] = []
    ack_to_visible: list[float] = []
    try:
        if not to_writer.poll(60):
            raise RuntimeError("the writer did not start")
        customer_id = to_writer.recv()
        loop.start()
        if not loop.wait_for_cycles(1, timeout=30):
            raise RuntimeError("the watcher's first sync did not finish")
        time.sleep(0.2)
        table = entity_tables["customer"]
        query = select(table.c.phone).where(table.c.id == customer_id)
        for number in range(arguments.warmup + arguments.changes):
            phone = f"138{number:08}"
            seen: list[float] = []
            # The watcher's replica is read on its own thread, so the moment the row appears is
            # taken independently of how long the writer takes to finish its push.
            poller = threading.Thread(
                target=_wait_for, args=(watcher_db, query, phone, seen), daemon=True
            )
            poller.start()
            to_writer.send(phone)
            if not to_writer.poll(15):
                raise RuntimeError(f"the writer did not answer for change {number}")
            written, acknowledged = to_writer.recv()
            poller.join(15)
            if not seen:
                raise RuntimeError(f"change {number} never reached the watcher")
            if number >= arguments.warmup:
                write_to_visible.append((seen[0] - written) * 1000)
                ack_to_visible.append((seen[0] - acknowledged) * 1000)
            time.sleep(arguments.pause)
    finally:
        to_writer.send(None)
        writer.join(10)
        loop.stop()
        watcher.close()
        watcher_db.dispose()
    return {"write_to_visible": write_to_visible, "ack_to_visible": ack_to_visible}


def run(arguments: argparse.Namespace) -> dict[str, Any]:
    from tests.server_contract.server_process import free_port, start_server_process

    quiet = arguments.json == "-"
    work = Path(tempfile.mkdtemp(prefix="fieldbook-bench-latency-"))
    try:
        with database(work, postgres=arguments.postgres) as url:
            server = start_server_process(
                database_url=url, port=free_port(), log_path=work / "server.log"
            )
            try:
                login, user_id = make_user(server.base_url, url)
                progress(f"{arguments.changes} changes, one at a time ...", quiet=quiet)
                samples = measure(arguments, work, server.base_url, login, user_id)
            finally:
                server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report: dict[str, Any] = {
        "changes": arguments.changes,
        "database": "postgresql" if arguments.postgres else "sqlite",
        "goals_ms": {"p50": GOAL_P50_MS, "p95": GOAL_P95_MS},
    }
    for name, values in samples.items():
        report[name] = {
            "p50_ms": round(percentile(values, 0.5), 2),
            "p95_ms": round(percentile(values, 0.95), 2),
            "max_ms": round(max(values), 2),
        }
    return report


def table(report: dict[str, Any]) -> str:
    rows = [
        (
            name.replace("_", " "),
            report[name]["p50_ms"],
            report[name]["p95_ms"],
            report[name]["max_ms"],
        )
        for name in ("write_to_visible", "ack_to_visible")
    ]
    rows.append(("goal", GOAL_P50_MS, GOAL_P95_MS, "-"))
    return format_table((f"latency ({report['database']})", "p50 ms", "p95 ms", "max ms"), rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--pause", type=float, default=0.02, help="seconds between changes")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    add_json_option(parser)
    arguments = parser.parse_args(argv)
    report = run(arguments)
    emit(arguments.json, report, [table(report)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
