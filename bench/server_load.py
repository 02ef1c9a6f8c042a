"""Load benchmark of the sync server: N concurrent clients pushing and pulling against a
PostgreSQL-backed server running under uvicorn with several worker processes.

    .venv/bin/python bench/server_load.py [--clients 50] [--seconds 30] [--workers 2] [--json F]

Each client is one account manager with its own installation: it creates customers and
activities, edits its customers, and pulls its scope in small pages, over and over. The figures:
pushed mutations/s, pulled rows/s, p50/p99 latency per call type. While the load runs, PostgreSQL's
`pg_stat_activity` is sampled, and the CPU of the server processes, PostgreSQL and this load
generator is measured, so the table says where the time goes. Nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import json
import os
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make the repository importable
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psutil  # noqa: E402
import psycopg  # noqa: E402
from sqlalchemy import event  # noqa: E402

from server.config import ServerSettings  # noqa: E402
from tests.postgres import PostgresCluster, start_cluster  # noqa: E402
from tests.server_contract.harness import (  # noqa: E402
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
from tests.server_contract.server_process import (  # noqa: E402
    ServerProcess,
    bootstrap_admin,
    free_port,
    start_server_process,
)


@dataclass(frozen=True)
class Accounts:
    team_id: str
    managers: list[str]


def seed_accounts(http: httpx.Client, *, database_url: str, managers: int) -> Accounts:
    """An administrator, one team and one account manager per simulated client."""
    bootstrap_admin(database_url, login="admin", password=PASSWORD)
    admin = sign_in(http, login="admin")
    team_id = add_team(admin, "Load")
    logins = [f"load{number:03d}" for number in range(managers)]
    for login in logins:
        add_user(admin, login=login, role="account_manager", team_id=team_id)
    return Accounts(team_id=team_id, managers=logins)


@dataclass
class Figures:
    """What one client thread measured."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: collections.defaultdict(list))
    mutations_applied: int = 0
    mutations_rejected: int = 0
    rows_pulled: int = 0
    errors: list[str] = field(default_factory=list)


def _timed(figures: Figures, kind: str, call: Any, **arguments: Any) -> httpx.Response:
    started = time.perf_counter()
    response: httpx.Response = call(**arguments)
    figures.latencies[kind].append(time.perf_counter() - started)
    return response


def next_batch(
    session: Session,
    *,
    rng: random.Random,
    customers: dict[str, int],
    team_id: str | None,
    batch: int,
    round_number: int,
) -> list[dict[str, Any]]:
    """What an account manager's outbox holds after a while in the field: now and then a new
    customer with its contacts and deal, otherwise call notes and edits of known customers."""
    mutations: list[dict[str, Any]] = []
    if not customers or rng.random() < 0.2:
        book, created = book_mutations(
            owner_id=session.user_id, team_id=team_id, name=f"{session.login} 客户 {round_number}"
        )
        customers[book.customer_id] = 1
        mutations.extend(created)
    while len(mutations) < batch:
        customer_id = rng.choice(list(customers))
        if rng.random() < 0.5:
            note = {
                "customer_id": customer_id,
                "kind": "call",
                "occurred_at": "2026-11-23T10:00:00Z",
                "subject": f"电话 {round_number}",
                "notes": "x" * rng.randint(20, 400),
            }
            mutations.append(create("activity", note))
        else:
            phone = {"phone": f"+86 21 {rng.randint(1000_0000, 9999_9999)}"}
            mutations.append(update("customer", customer_id, phone, customers[customer_id]))
    return mutations[:batch]


def run_client(
    session: Session,
    *,
    team_id: str | None,
    deadline: float,
    batch: int,
    page: int,
    start: threading.Barrier,
) -> Figures:
    """One account manager's loop: push a batch of creates and edits, then pull to the end."""
    figures = Figures()
    rng = random.Random(session.client_id)
    customers: dict[str, int] = {}  # id -> version the client last saw
    start.wait()
    round_number = 0
    while time.monotonic() < deadline:
        round_number += 1
        mutations = next_batch(
            session,
            rng=rng,
            customers=customers,
            team_id=team_id,
            batch=batch,
            round_number=round_number,
        )
        try:
            response = _timed(figures, "push", session.push_raw, mutations=mutations)
            answer = expect(response, 200, "push")
            for result in answer["results"]:
                if result["status"] == "applied":
                    figures.mutations_applied += 1
                else:
                    figures.mutations_rejected += 1
            while True:
                response = _timed(
                    figures, "pull", session.pull_page, cursor=session.cursor, limit=page
                )
                body = expect(response, 200, "pull")
                figures.rows_pulled += len(body["changes"])
                for change in body["changes"]:
                    if change["entity"] == "customer" and change["id"] in customers:
                        customers[change["id"]] = int(change["version"])
                session.cursor = body["next_cursor"]
                if not body["has_more"]:
                    break
        except (AssertionError, httpx.HTTPError) as error:
            figures.errors.append(str(error)[:300])
            if len(figures.errors) > 20:
                break
    return figures


def sample_postgres(dsn: str, stop: threading.Event, into: collections.Counter[str]) -> None:
    """Every 100 ms: what each server connection is doing (running, idle, waiting on a lock)."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        while not stop.wait(0.1):
            rows = connection.execute(
                "SELECT state, wait_event_type, wait_event, left(query, 60) FROM pg_stat_activity "
                "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
            ).fetchall()
            into["samples"] += 1
            for state, wait_type, wait_event, query in rows:
                if state == "idle":
                    into["idle"] += 1
                    continue
                key = f"{state} | {wait_type or 'cpu'}:{wait_event or '-'} | {query}"
                into[key] += 1


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def cpu_by_process(processes: list[psutil.Process]) -> dict[int, float]:
    """CPU seconds (user + system) used so far by each process that still exists."""
    used: dict[int, float] = {}
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        used[process.pid] = times.user + times.system
    return used


def cpu_used_between(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two snapshots; a process born in between counts in full."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def postgres_processes(cluster: PostgresCluster) -> list[psutil.Process]:
    """This cluster's postmaster and its backends (not another cluster on the same machine)."""
    postmaster_pid = int((cluster.directory / "postmaster.pid").read_text().split()[0])
    postmaster = psutil.Process(postmaster_pid)
    return [postmaster, *postmaster.children(recursive=True)]


def cpu_snapshot(server: ServerProcess, cluster: PostgresCluster) -> dict[str, dict[int, float]]:
    return {
        "server_workers": cpu_by_process(server.processes()),
        "postgres": cpu_by_process(postgres_processes(cluster)),
        "load_generator": cpu_by_process([psutil.Process()]),
    }


def run(arguments: argparse.Namespace) -> dict[str, Any]:
    parent = Path(tempfile.mkdtemp(prefix="fieldbook-bench-pg-"))
    cluster = start_cluster(parent)
    server: ServerProcess | None = None
    try:
        with cluster.fresh_database() as database_url:
            server = start_server_process(
                database_url=database_url, port=free_port(), workers=arguments.workers
            )
            with httpx.Client(base_url=server.base_url, timeout=60) as admin_http:
                accounts = seed_accounts(
                    admin_http, database_url=database_url, managers=arguments.clients
                )
            clients = [
                httpx.Client(base_url=server.base_url, timeout=60) for _ in accounts.managers
            ]
            sessions = [
                sign_in(http, login=login)
                for http, login in zip(clients, accounts.managers, strict=True)
            ]
            deadline = time.monotonic() + arguments.seconds
            barrier = threading.Barrier(len(sessions) + 1)
            results: list[Figures] = [Figures() for _ in sessions]

            def client_thread(index: int) -> None:
                results[index] = run_client(
                    sessions[index],
                    team_id=accounts.team_id,
                    deadline=deadline,
                    batch=arguments.batch,
                    page=arguments.page,
                    start=barrier,
                )

            threads = [
                threading.Thread(target=client_thread, args=(i,), daemon=True)
                for i in range(len(sessions))
            ]
            for thread in threads:
                thread.start()
            waits: collections.Counter[str] = collections.Counter()
            stop_sampling = threading.Event()
            dsn = f"host=127.0.0.1 port={cluster.port} user=postgres dbname=postgres"
            sampler = threading.Thread(
                target=sample_postgres, args=(dsn, stop_sampling, waits), daemon=True
            )
            cpu_before = cpu_snapshot(server, cluster)
            barrier.wait()
            started = time.monotonic()
            sampler.start()
            for thread in threads:
                thread.join(arguments.seconds + 120)
            elapsed = time.monotonic() - started
            stop_sampling.set()
            sampler.join(5)
            cpu_after = cpu_snapshot(server, cluster)
            profile = profile_pushes(
                database_url,
                sign_in(clients[0], login=accounts.managers[0]),
                team_id=accounts.team_id,
                batch=arguments.batch,
            )
            for http in clients:
                http.close()
    finally:
        if server is not None:
            server.stop()
        cluster.stop()
        shutil.rmtree(parent, ignore_errors=True)
    report = summarize(arguments, results, elapsed, waits, cpu_before, cpu_after)
    report["push_critical_section"] = profile
    return report


def summarize(
    arguments: argparse.Namespace,
    results: list[Figures],
    elapsed: float,
    waits: collections.Counter[str],
    cpu_before: dict[str, dict[int, float]],
    cpu_after: dict[str, dict[int, float]],
) -> dict[str, Any]:
    latencies: dict[str, list[float]] = collections.defaultdict(list)
    for figures in results:
        for kind, values in figures.latencies.items():
            latencies[kind].extend(values)
    samples = max(1, waits.pop("samples", 1))
    idle = waits.pop("idle", 0)
    busy = sum(waits.values())
    cpu = {
        group: round(cpu_used_between(cpu_before[group], cpu_after[group]) / elapsed, 2)
        for group in cpu_after
    }
    return {
        "clients": arguments.clients,
        "workers": arguments.workers,
        "batch": arguments.batch,
        "page": arguments.page,
        "seconds": round(elapsed, 2),
        "cores": os.cpu_count(),
        "pushed_mutations_per_s": round(sum(r.mutations_applied for r in results) / elapsed, 1),
        "rejected_mutations": sum(r.mutations_rejected for r in results),
        "pulled_rows_per_s": round(sum(r.rows_pulled for r in results) / elapsed, 1),
        "calls": {
            kind: {
                "count": len(values),
                "per_s": round(len(values) / elapsed, 1),
                "p50_ms": round(statistics.median(values) * 1000, 1),
                "p99_ms": round(percentile(values, 0.99) * 1000, 1),
            }
            for kind, values in sorted(latencies.items())
        },
        "cpu_cores_busy": cpu,
        "postgres_active_connections_avg": round(busy / samples, 2),
        "postgres_idle_connections_avg": round(idle / samples, 2),
        "postgres_top_waits": [
            {"avg_connections": round(count / samples, 2), "what": what}
            for what, count in waits.most_common(8)
        ],
        "client_errors": [error for r in results for error in r.errors][:10],
    }


def profile_pushes(
    database_url: str, session: Session, *, team_id: str, batch: int, timed: int = 15
) -> dict[str, Any]:
    """The push critical section alone: pushes of the same mix run in this process one after
    another (no lock waits), timed with SQL statements counted, then as many again under
    cProfile (which slows Python, so those are not timed). While one push runs, no other push can
    (the change-log counter row is locked), so `batch / seconds per push` is the ceiling of
    pushed mutations/s however many workers serve."""
    from protocol.messages import PushRequest
    from server.auth import authenticate
    from server.db import open_engine
    from server.push import push
    from server.scope import Principal

    engine = open_engine(database_url)
    statements = 0

    def count_statement(*_arguments: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine, "before_cursor_execute", count_statement)
    profiler = cProfile.Profile()
    rng = random.Random(7)
    customers: dict[str, int] = {}
    wall = cpu = 0.0
    try:
        principal: Principal = authenticate(
            engine, authorization=f"Bearer {session.access_token}", settings=ServerSettings()
        )
        for round_number in range(1 + 2 * timed):
            body = session.push_body(
                next_batch(
                    session,
                    rng=rng,
                    customers=customers,
                    team_id=team_id,
                    batch=batch,
                    round_number=round_number,
                )
            )
            request = PushRequest.model_validate(body)
            if round_number == 0:  # the first push warms caches and prepares statements
                answer = push(engine, principal=principal, request=request)
                statements = 0
            elif round_number <= timed:
                started, started_cpu = time.perf_counter(), time.process_time()
                answer = push(engine, principal=principal, request=request)
                wall += time.perf_counter() - started
                cpu += time.process_time() - started_cpu
            else:
                profiler.enable()
                answer = push(engine, principal=principal, request=request)
                profiler.disable()
            for result, mutation in zip(answer.results, request.mutations, strict=False):
                if mutation.entity == "customer" and result.version is not None:
                    customers[str(mutation.entity_id)] = result.version
    finally:
        engine.dispose()
    statements_timed = statements / 2  # the profiled half ran the same statements again
    stats = pstats.Stats(profiler)
    top = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:10]  # type: ignore[attr-defined]
    return {
        "pushes": timed,
        "ms_per_push": round(wall / timed * 1000, 1),
        "cpu_ms_per_push": round(cpu / timed * 1000, 1),
        "sql_statements_per_mutation": round(statements_timed / (timed * batch), 1),
        "ceiling_mutations_per_s": round(timed * batch / wall, 1),
        "top_functions_by_own_time": [
            {
                "function": f"{Path(file).name}:{line} {name}",
                "calls": calls,
                "own_ms_per_push": round(own / timed * 1000, 2),  # under the profiler
            }
            for (file, line, name), (_primitive, calls, own, _cumulative, _callers) in top
        ],
    }


def print_table(report: dict[str, Any]) -> None:
    print(
        f"server load: {report['clients']} clients, {report['workers']} uvicorn workers, "
        f"{report['seconds']} s, {report['cores']} cores, push batch {report['batch']}, "
        f"pull page {report['page']}"
    )
    print(f"  pushed mutations/s   {report['pushed_mutations_per_s']:>10}")
    print(f"  pulled rows/s        {report['pulled_rows_per_s']:>10}")
    print(f"  rejected mutations   {report['rejected_mutations']:>10}")
    print(f"  {'call':<8}{'count':>8}{'per s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    for kind, call in report["calls"].items():
        print(
            f"  {kind:<8}{call['count']:>8}{call['per_s']:>9}{call['p50_ms']:>9}{call['p99_ms']:>9}"
        )
    share = report["cpu_cores_busy"]
    print(
        f"  CPU cores busy: server {share['server_workers']}, PostgreSQL {share['postgres']}, "
        f"load generator {share['load_generator']}"
    )
    print(
        f"  PostgreSQL connections: active {report['postgres_active_connections_avg']}, "
        f"idle {report['postgres_idle_connections_avg']} (average over samples)"
    )
    for wait in report["postgres_top_waits"]:
        print(f"    {wait['avg_connections']:>6}  {wait['what']}")
    section = report["push_critical_section"]
    print(
        f"  one push alone (the counter row locked throughout): {section['ms_per_push']} ms "
        f"({section['cpu_ms_per_push']} ms CPU), {section['sql_statements_per_mutation']} SQL "
        f"statements per mutation, ceiling {section['ceiling_mutations_per_s']} mutations/s"
    )
    for entry in section["top_functions_by_own_time"]:
        print(
            f"    {entry['own_ms_per_push']:>7} ms  {entry['calls']:>6} calls  {entry['function']}"
        )
    if report["client_errors"]:
        print("  client errors (first ones):")
        for error in report["client_errors"]:
            print(f"    {error}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--batch", type=int, default=20, help="mutations per push")
    parser.add_argument("--page", type=int, default=200, help="pull page size (limit)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    arguments = parser.parse_args(argv)
    report = run(arguments)
    print_table(report)
    if arguments.json:
        arguments.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
