"""Benchmark of the operations behind the customer table and the customer file, on a replica
holding a large demo firm (default 100,000 customers).

    .venv/bin/python bench/customer_list.py [--customers 100000] [--activities 300000]
                                            [--repeat 5] [--json FILE] [--keep REPLICA]

The replica is filled with the demo firm through the same bulk apply the sync engine uses; then
each operation runs `--repeat` times and the median and slowest times are printed as a table
(and written as JSON with `--json`). A lazy table model fetches one page per scroll step, so the
page figures are what a user feels. `--keep` keeps the filled replica at that path and reuses it
on the next run, since filling a large firm takes minutes. Nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make the repository importable
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine  # noqa: E402
from sqlalchemy.dialects.sqlite import insert as sqlite_insert  # noqa: E402

from desktop.operations.activities import log_activity  # noqa: E402
from desktop.operations.analyses import (  # noqa: E402
    abc_classes,
    churn_candidates,
    pipeline_forecast,
)
from desktop.operations.customer_file import customer_file  # noqa: E402
from desktop.operations.customers import (  # noqa: E402
    CustomerFilter,
    CustomerSort,
    add_customer,
    count_customers,
    list_customers,
)
from desktop.operations.followups import FollowUpScope, list_followups  # noqa: E402
from desktop.operations.status import pending_changes  # noqa: E402
from desktop.store.bulk import upsert_rows  # noqa: E402
from desktop.store.replica import open_replica  # noqa: E402
from desktop.store.schema import sync_state  # noqa: E402
from protocol.demo_firm import DemoFirm, generate_firm  # noqa: E402

BATCH = 5_000
PAGE = 100


def fill(engine: Engine, firm: DemoFirm) -> dict[str, int]:
    """Apply every demo row in batches, as a pull would; returns rows per entity."""
    applied: dict[str, int] = {}
    for entity, rows in firm.entities():
        total = 0
        while batch := list(itertools.islice(rows, BATCH)):
            with engine.begin() as connection:
                total += upsert_rows(connection, entity=entity, rows=batch)
        applied[entity] = total
    return applied


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median, slowest) in milliseconds."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def sign_in(engine: Engine, user_id: str) -> None:
    """What a first sync leaves behind: the replica knows whose it is."""
    with engine.begin() as connection:
        connection.execute(
            sqlite_insert(sync_state)
            .values(key="user_id", value=user_id)
            .on_conflict_do_update(index_elements=["key"], set_={"value": user_id})
        )


def cases(engine: Engine, firm: DemoFirm) -> list[tuple[str, Callable[[], object]]]:
    total = count_customers(engine)
    owner = firm.account_managers[0].id
    sign_in(engine, owner)
    busiest = firm.customer_id(0)
    tier = list_customers(engine, limit=1).rows[0].tier or "gold"
    tagged = CustomerFilter(tag="VIP")
    tagged_total = count_customers(engine, criteria=tagged)
    return [
        ("count (default view)", lambda: count_customers(engine)),
        ("first page, by name", lambda: list_customers(engine, limit=PAGE)),
        ("middle page, by name", lambda: list_customers(engine, offset=total // 2, limit=PAGE)),
        ("last page, by name", lambda: list_customers(engine, offset=total - PAGE, limit=PAGE)),
        (
            "middle page, by industry desc",
            lambda: list_customers(
                engine, sort=CustomerSort.INDUSTRY, descending=True, offset=total // 2, limit=PAGE
            ),
        ),
        (
            "first page, one owner",
            lambda: list_customers(engine, criteria=CustomerFilter(owner_id=owner), limit=PAGE),
        ),
        (
            f"first page, tier={tier}",
            lambda: list_customers(engine, criteria=CustomerFilter(tier=tier), limit=PAGE),
        ),
        ("first page, tag filter", lambda: list_customers(engine, criteria=tagged, limit=PAGE)),
        ("count, tag filter", lambda: count_customers(engine, criteria=tagged)),
        (
            "middle page, tag filter",
            lambda: list_customers(
                engine,
                criteria=tagged,
                offset=tagged_total // 2,
                limit=PAGE,
                known_total=tagged_total,
            ),
        ),
        (
            "first page, tag filter, one owner",
            lambda: list_customers(
                engine, criteria=CustomerFilter(tag="VIP", owner_id=owner), limit=PAGE
            ),
        ),
        ("customer file (50 activities)", lambda: customer_file(engine, customer_id=busiest)),
        ("follow-ups: mine", lambda: list_followups(engine, scope=FollowUpScope.MINE)),
        ("follow-ups: due today, mine", lambda: list_followups(engine, scope=FollowUpScope.TODAY)),
        (
            "follow-ups: everyone's open (500)",
            lambda: list_followups(engine, scope=FollowUpScope.ALL_OPEN),
        ),
        ("ABC classes (all customers)", lambda: abc_classes(engine)),
        (
            "churn candidates (mine, 60 days)",
            lambda: churn_candidates(
                engine, today=date(2026, 11, 23), threshold_days=60, owner_id=owner
            ),
        ),
        ("weighted forecast (all open deals)", lambda: pipeline_forecast(engine)),
        ("pending changes", lambda: pending_changes(engine)),
        ("add customer (write + outbox)", lambda: add_customer(engine, values={"name": "Bench"})),
        (
            "log activity with follow-up",
            lambda: log_activity(
                engine, customer_id=busiest, kind="call", next_step="Call back", due="2026-12-01"
            ),
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the filled replica here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="fieldbook-bench-") as directory:
        path = args.keep or Path(directory) / "replica.sqlite3"
        firm = generate_firm(
            customers=args.customers, activities=args.activities, today=date(2026, 11, 23)
        )
        reuse = path.exists()
        engine = open_replica(path)
        started = time.perf_counter()
        applied = (
            {"customer": count_customers(engine, criteria=CustomerFilter(archived=None))}
            if reuse
            else fill(engine, firm)
        )
        fill_seconds = time.perf_counter() - started
        engine.dispose()
        started = time.perf_counter()
        engine = open_replica(path)
        open_ms = (time.perf_counter() - started) * 1000
        results: list[dict[str, Any]] = [
            {
                "operation": "open replica (at newest schema)",
                "median_ms": open_ms,
                "max_ms": open_ms,
            }
        ]
        for name, action in cases(engine, firm):
            median, slowest = timed(action, args.repeat)
            results.append({"operation": name, "median_ms": median, "max_ms": slowest})
        engine.dispose()
        size_mb = path.stat().st_size / 1e6

    filled = "reused" if reuse else f"filled in {fill_seconds:,.1f} s"
    print(
        f"Replica: {applied.get('customer', 0):,} customers, {args.activities:,} "
        f"activities, {size_mb:,.0f} MB; {filled}; repeat {args.repeat}"
    )
    width = max(len(row["operation"]) for row in results)
    print(f"{'operation':<{width}}  {'median ms':>10}  {'max ms':>10}")
    for row in results:
        print(f"{row['operation']:<{width}}  {row['median_ms']:>10.1f}  {row['max_ms']:>10.1f}")
    if args.json:
        document = {
            "customers": applied.get("customer", 0),
            "activities": applied.get("activity", 0),
            "replica_mb": size_mb,
            "fill_seconds": fill_seconds,
            "repeat": args.repeat,
            "results": results,
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        print(f"Wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
