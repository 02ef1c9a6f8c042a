"""Benchmark of the local replica: bulk load, local writes with their outbox entry, search.

    .venv/bin/python bench/store.py [--customers 100000] [--activities 1000000] [--writes 300]
                                    [--repeat 15] [--keep DIR] [--replica FILE] [--json [FILE]]

1. Load: the demo firm goes into a fresh replica through `desktop.store.bulk.upsert_rows` (what
   the sync engine uses for pulled pages), then `finish_initial_load` builds the deferred search
   index (its own line, and part of the total), and, in the same run, the very same rows into a
   second replica of the same tables, its triggers dropped, with plain `sqlite3` `executemany`
   (no index maintenance at all). Only database time counts: each batch is generated before
   either clock starts. Goal: within 3x of raw.
2. Local writes: an activity logged and a customer edited, each in its own transaction with its
   outbox entry (`desktop.store.changes`), p50/p99. Goal: p99 < 5 ms.
3. Search: typical queries in English, Chinese (1, 2, 4+ characters) and pinyin, each repeated;
   p50/p95 per query and p95 per group. Goal: p95 < 20 ms.

Nothing here asserts on time: the figures are printed (and written as JSON with `--json`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make the repository importable
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Connection, Engine  # noqa: E402

from bench.common import (  # noqa: E402
    add_json_option,
    emit,
    format_table,
    percentile,
    progress,
)
from desktop.store.bulk import (  # noqa: E402
    finish_initial_load,
    upsert_columns,
    upsert_rows,
    upsert_sql,
)
from desktop.store.changes import create_record, update_record  # noqa: E402
from desktop.store.replica import open_replica  # noqa: E402
from desktop.store.search import search  # noqa: E402
from protocol.demo_firm import generate_firm  # noqa: E402

BATCH = 5_000
ROWS_PER_TRANSACTION = 100_000
QUERIES: dict[str, tuple[str, ...]] = {
    "english": ("harbor", "har", "logistics", "summit cap", "renewal", "andrew"),
    "chinese 1 char": ("建", "银", "王"),
    "chinese 2 chars": ("建筑", "发票", "证券"),
    "chinese 4+ chars": ("浦东发展", "第八工程局", "中国建筑工程", "新办公楼施工项目"),
    "pinyin": ("zhongguo", "jianzhu", "zgjz", "pudongfazhan", "wangwei", "shpd"),
    "phone": ("13800", "1380013", "+8613800138000"),
}


def _batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    while batch := list(islice(rows, BATCH)):
        yield batch


def _raw_connection(path: Path) -> sqlite3.Connection:
    """The replica's PRAGMAs (see desktop.store.engine), on a bare sqlite3 connection, and its
    tables without their triggers: the baseline maintains no index at all."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA foreign_keys=ON")
    triggers = connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    for (name,) in triggers.fetchall():
        connection.execute(f'DROP TRIGGER "{name}"')
    return connection


def load(
    engine: Engine, raw_path: Path, *, customers: int, activities: int, seed: int, quiet: bool
) -> dict[str, Any]:
    firm = generate_firm(customers=customers, activities=activities, seed=seed, today=date.today())
    raw = _raw_connection(raw_path)
    per_entity: dict[str, dict[str, float]] = {}
    ours_total = raw_total = 0.0
    rows_total = 0
    with engine.connect() as connection:
        for entity, rows in firm.entities():
            columns = upsert_columns(entity)
            sql = upsert_sql(entity)
            ours = raw_seconds = 0.0
            count = in_transaction = 0
            transaction = connection.begin()
            raw.execute("BEGIN")
            for batch in _batches(rows):
                for row in batch:
                    row["version"] = 1
                values = [
                    tuple(1 if c == "archived" and row[c] else row[c] for c in columns)
                    for row in batch
                ]
                started = time.perf_counter()
                raw.executemany(sql, values)
                raw_seconds += time.perf_counter() - started
                started = time.perf_counter()
                upsert_rows(connection, entity=entity, rows=batch)
                ours += time.perf_counter() - started
                count += len(batch)
                in_transaction += len(batch)
                if in_transaction >= ROWS_PER_TRANSACTION:
                    ours += _timed(transaction.commit)
                    raw_seconds += _timed(lambda: raw.execute("COMMIT"))
                    transaction = connection.begin()
                    raw.execute("BEGIN")
                    in_transaction = 0
                    progress(f"  {entity}: {count:,} rows", quiet=quiet)
            ours += _timed(transaction.commit)
            raw_seconds += _timed(lambda: raw.execute("COMMIT"))
            if count:
                per_entity[entity] = {"rows": count, "ours_s": ours, "raw_s": raw_seconds}
                progress(f"loaded {entity}: {count:,} rows", quiet=quiet)
            ours_total += ours
            raw_total += raw_seconds
            rows_total += count
        # Into an empty replica the search index is deferred to one pass after the last page
        # (what the sync engine does after an initial pull): part of the load's cost.
        started = time.perf_counter()
        with connection.begin():
            indexed = finish_initial_load(connection)
        index_seconds = time.perf_counter() - started
        ours_total += index_seconds
    raw.close()
    return {
        "rows": rows_total,
        "ours_seconds": ours_total,
        "raw_seconds": raw_total,
        "ours_rows_per_s": rows_total / ours_total,
        "raw_rows_per_s": rows_total / raw_total,
        "ratio": ours_total / raw_total,
        "per_entity": per_entity,
        "deferred_index": {"records": indexed, "seconds": index_seconds},
    }


def _timed(action: Any) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def local_writes(engine: Engine, *, customer_id: str, writes: int) -> dict[str, dict[str, float]]:
    def log_note(connection: Connection, number: int) -> None:
        create_record(
            connection,
            entity="activity",
            fields={
                "customer_id": customer_id,
                "kind": "call",
                "occurred_at": "2026-11-23T09:30:00Z",
                "subject": "电话回访",
                "notes": f"第{number}次回访:客户确认下周签署年度框架协议。",
            },
        )

    def edit_customer(connection: Connection, number: int) -> None:
        update_record(
            connection,
            entity="customer",
            record_id=customer_id,
            changes={"tags": f"重点客户,round {number}"},
        )

    figures: dict[str, dict[str, float]] = {}
    for name, write in (("log activity", log_note), ("edit customer", edit_customer)):
        wall, cpu = [], []
        for number in range(writes):
            started, started_cpu = time.perf_counter(), time.process_time()
            with engine.begin() as connection:
                write(connection, number)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        figures[name] = {
            "p50_ms": percentile(wall, 0.5),
            "p99_ms": percentile(wall, 0.99),
            "max_ms": max(wall),
            "cpu_p50_ms": percentile(cpu, 0.5),
            "cpu_p99_ms": percentile(cpu, 0.99),
        }
    return figures


def searches(engine: Engine, *, repeat: int) -> dict[str, Any]:
    """Wall-clock and CPU time of each query: on a busy machine the wall clock mostly measures
    waiting for a core, the CPU time what the search itself costs."""
    search(engine, query="warm up")  # indexes what the local writes queued: not a search cost
    per_query: dict[str, dict[str, Any]] = {}
    per_group: dict[str, dict[str, float]] = {}
    every_wall: list[float] = []
    every_cpu: list[float] = []
    for group, queries in QUERIES.items():
        group_wall: list[float] = []
        group_cpu: list[float] = []
        for query in queries:
            wall, cpu = [], []
            hits = []
            for _ in range(repeat):
                started, started_cpu = time.perf_counter(), time.process_time()
                hits = search(engine, query=query)
                wall.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
            per_query[query] = {
                "group": group,
                "hits": len(hits),
                "p50_ms": percentile(wall, 0.5),
                "p95_ms": percentile(wall, 0.95),
                "cpu_p95_ms": percentile(cpu, 0.95),
                "first": hits[0].title if hits else "",
            }
            group_wall += wall
            group_cpu += cpu
        per_group[group] = {
            "p95_ms": percentile(group_wall, 0.95),
            "cpu_p95_ms": percentile(group_cpu, 0.95),
        }
        every_wall += group_wall
        every_cpu += group_cpu
    per_group["all queries"] = {
        "p95_ms": percentile(every_wall, 0.95),
        "cpu_p95_ms": percentile(every_cpu, 0.95),
    }
    return {"per_query": per_query, "p95_by_group": per_group}


def _load_table(loaded: dict[str, Any]) -> str:
    rows = [
        (
            entity,
            int(f["rows"]),
            f["rows"] / f["ours_s"],
            f["rows"] / f["raw_s"],
            f["ours_s"] / f["raw_s"],
        )
        for entity, f in loaded["per_entity"].items()
    ]
    deferred = loaded["deferred_index"]
    if deferred["records"]:
        rows.append(
            (
                "search index, one pass",
                int(deferred["records"]),
                deferred["records"] / deferred["seconds"],
                "",
                "",
            )
        )
    rows.append(
        (
            "all",
            loaded["rows"],
            loaded["ours_rows_per_s"],
            loaded["raw_rows_per_s"],
            loaded["ratio"],
        )
    )
    return format_table(("entity", "rows", "bulk rows/s", "raw rows/s", "x raw"), rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--writes", type=int, default=300, help="local writes of each kind")
    parser.add_argument("--repeat", type=int, default=15, help="runs of each search query")
    parser.add_argument("--keep", type=Path, help="keep the loaded replica in this folder")
    parser.add_argument(
        "--replica",
        type=Path,
        help="skip the load: write to and search this replica (one kept with --keep)",
    )
    add_json_option(parser)
    args = parser.parse_args()
    quiet = args.json == "-"
    load_before = os.getloadavg()[0]

    folder = Path(tempfile.mkdtemp(prefix="fieldbook-bench-store-"))
    loaded: dict[str, Any] | None = None
    try:
        path = args.replica or folder / "replica.sqlite3"
        engine = open_replica(path)
        if args.replica is None:
            open_replica(folder / "raw.sqlite3").dispose()  # same schema, filled with raw sqlite3
            progress(
                f"Loading {args.customers:,} customers, {args.activities:,} activities",
                quiet=quiet,
            )
            loaded = load(
                engine,
                folder / "raw.sqlite3",
                customers=args.customers,
                activities=args.activities,
                seed=args.seed,
                quiet=quiet,
            )
            (folder / "raw.sqlite3").unlink()
        with engine.connect() as connection:
            customer_id = connection.exec_driver_sql("SELECT min(id) FROM customer").scalar()
            customers = connection.exec_driver_sql("SELECT count(*) FROM customer").scalar()
            activities = connection.exec_driver_sql("SELECT count(*) FROM activity").scalar()
        progress("Local writes", quiet=quiet)
        writes = local_writes(engine, customer_id=str(customer_id), writes=args.writes)
        progress("Searching", quiet=quiet)
        found = searches(engine, repeat=args.repeat)
        engine.dispose()
        size_mb = path.stat().st_size / 1e6
        if args.keep and args.replica is None:
            args.keep.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, args.keep / "replica.sqlite3")
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    load_average = (load_before, os.getloadavg()[0])
    document = {
        "customers": customers,
        "activities": activities,
        "replica_mb": round(size_mb, 1),
        "cores": os.cpu_count(),
        "load_average_start_end": load_average,
        "load": loaded,
        "local_writes": writes,
        "search": found,
    }
    machine = (
        f"{os.cpu_count()} cores, load average {load_average[0]:.1f} at the start and "
        f"{load_average[1]:.1f} at the end: wall-clock times include waiting for a core"
    )
    tables = [
        f"Replica: {customers:,} customers, {activities:,} activities, {size_mb:,.0f} MB; {machine}"
    ]
    if loaded is not None:
        tables.append("Load (goal: within 3x of raw)\n" + _load_table(loaded))
    tables.append(
        "Local write with its outbox entry, one transaction each (goal: p99 < 5 ms)\n"
        + format_table(
            ("write", "p50 ms", "p99 ms", "max ms", "CPU p50 ms", "CPU p99 ms"),
            [
                (name, f["p50_ms"], f["p99_ms"], f["max_ms"], f["cpu_p50_ms"], f["cpu_p99_ms"])
                for name, f in writes.items()
            ],
        )
    )
    tables.append(
        f"Search, {args.repeat} runs per query (goal: p95 < 20 ms)\n"
        + format_table(
            ("query", "group", "hits", "p50 ms", "p95 ms", "CPU p95 ms", "first hit"),
            [
                (
                    q,
                    f["group"],
                    f["hits"],
                    f["p50_ms"],
                    f["p95_ms"],
                    f["cpu_p95_ms"],
                    f["first"][:36],
                )
                for q, f in found["per_query"].items()
            ],
        )
        + "\n\n"
        + format_table(
            ("group", "p95 ms", "CPU p95 ms"),
            [(g, f["p95_ms"], f["cpu_p95_ms"]) for g, f in found["p95_by_group"].items()],
        )
    )
    emit(args.json, document, tables)


if __name__ == "__main__":
    main()
