"""Benchmark of the leaver features on a local replica: export control and the successor's queue.

    .venv/bin/python bench/leaver.py [--size small|medium|large] [--json [FILE]]

1. Export: every customer of the demo firm to CSV and to XLSX, every contact to vCard, through
   `desktop.operations.export` (policy check, audit event queued, staged file renamed into place).
   Figures: rows, seconds, rows per second, file size.
2. Hand-over queue: the book of the account manager with the most customers is handed to a
   colleague inside the replica (as a pulled hand-over would leave it), then the colleague's
   "inherited customers" queue with its per-customer summaries is built. Figures: customers in
   the queue, seconds, milliseconds per customer.

Nothing here asserts on time: the figures are printed (and written as JSON with `--json`).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make the repository importable
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, select, update  # noqa: E402

from bench.common import add_json_option, emit, format_table, progress  # noqa: E402
from desktop.operations.export import (  # noqa: E402
    ExportFormat,
    ExportPolicy,
    export_contacts,
    export_customers,
)
from desktop.operations.inherited import inherited_customers  # noqa: E402
from desktop.store.bulk import load_demo_firm  # noqa: E402
from desktop.store.replica import open_replica  # noqa: E402
from desktop.store.schema import entity_tables  # noqa: E402
from protocol.demo_firm import SIZES, generate_firm  # noqa: E402


def bench_exports(engine: Engine, folder: Path) -> list[dict[str, Any]]:
    policy = ExportPolicy()  # no cap: measure the whole firm
    runs = (
        ("customers", ExportFormat.CSV, "customers.csv"),
        ("customers", ExportFormat.XLSX, "customers.xlsx"),
        ("contacts", ExportFormat.VCARD, "contacts.vcf"),
    )
    figures = []
    for what, fmt, name in runs:
        out = folder / name
        started = time.perf_counter()
        if what == "customers":
            result = export_customers(engine, fmt=fmt, out=out, policy=policy)
        else:
            result = export_contacts(engine, fmt=fmt, out=out, policy=policy)
        seconds = time.perf_counter() - started
        figures.append(
            {
                "export": f"{what} {fmt.value}",
                "rows": result.rows,
                "seconds": seconds,
                "rows_per_second": result.rows / seconds if seconds else 0.0,
                "megabytes": out.stat().st_size / 1e6,
            }
        )
    return figures


def bench_inherited_queue(engine: Engine) -> dict[str, Any]:
    customer = entity_tables["customer"]
    activity = entity_tables["activity"]
    with engine.begin() as connection:
        owners = Counter(
            row.owner_id for row in connection.execute(select(customer.c.owner_id))
        ).most_common(2)
        (leaver, book), (successor, _other) = owners
        # The successor must not count as having worked these customers yet.
        connection.execute(
            update(activity)
            .where(activity.c.done_by == successor)
            .values(done_by=leaver, recorded_by=leaver)
        )
        connection.execute(
            update(customer).where(customer.c.owner_id == leaver).values(owner_id=successor)
        )
    started = time.perf_counter()
    queue = inherited_customers(engine, user_id=successor, now="2026-11-23T00:00:00Z")
    seconds = time.perf_counter() - started
    return {
        "book": book,
        "queue": len(queue),
        "seconds": seconds,
        "ms_per_customer": 1000 * seconds / max(1, len(queue)),
        "activities_summarised": sum(item.activity_count for item in queue),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    add_json_option(parser)
    args = parser.parse_args(argv)
    quiet = args.json == "-"
    with tempfile.TemporaryDirectory(prefix="fieldbook-bench-leaver-") as directory:
        folder = Path(directory)
        engine = open_replica(folder / "replica.sqlite3")
        try:
            progress(f"loading the {args.size} demo firm ...", quiet=quiet)
            counts = load_demo_firm(engine, generate_firm(size=args.size))
            progress("exporting ...", quiet=quiet)
            exports = bench_exports(engine, folder)
            progress("building the successor's queue ...", quiet=quiet)
            queue = bench_inherited_queue(engine)
        finally:
            engine.dispose()
    document = {"size": args.size, "rows": counts, "exports": exports, "inherited_queue": queue}
    tables = [
        f"leaver features on the {args.size} demo firm "
        f"({counts.get('customer', 0):,} customers, {counts.get('contact', 0):,} contacts)",
        format_table(
            ["export", "rows", "seconds", "rows/s", "MB"],
            [
                [f["export"], f["rows"], f["seconds"], f["rows_per_second"], f["megabytes"]]
                for f in exports
            ],
        ),
        format_table(
            ["inherited queue", "customers", "activities", "seconds", "ms/customer"],
            [
                [
                    "build with summaries",
                    queue["queue"],
                    queue["activities_summarised"],
                    queue["seconds"],
                    queue["ms_per_customer"],
                ]
            ],
        ),
    ]
    emit(args.json, document, tables)
    return 0


if __name__ == "__main__":
    sys.exit(main())
