"""Benchmark of the read models behind "My day" and the pipeline board, and of a stage move, on a
replica holding a demo firm (default 20,000 customers).

    .venv/bin/python bench/my_day_pipeline.py [--customers 20000] [--activities 200000]
                                              [--repeat 5] [--json [FILE]] [--keep REPLICA]

Each operation runs `--repeat` times on the database connection the screens use; the median and
slowest times are printed as a table (and as JSON with `--json`). "My day" is timed for the
busiest account manager and for a manager who sees everyone; the board for the pipeline with the
most deals, for one owner and for all. `--keep` keeps the filled replica and reuses it next time.
Nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make the repository importable
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, func, select  # noqa: E402

from bench.common import add_json_option, emit, format_table, progress  # noqa: E402
from desktop.operations.day_queries import (  # noqa: E402
    due_reminders,
    iso_utc,
    load_my_day,
    local_day_bounds,
)
from desktop.operations.pipeline_queries import (  # noqa: E402
    list_pipelines,
    load_board,
    move_opportunity_stage,
    undo_stage_move,
    weighted_forecast_by_month,
)
from desktop.store.bulk import load_demo_firm  # noqa: E402
from desktop.store.replica import open_replica  # noqa: E402
from desktop.store.schema import entity_tables  # noqa: E402
from protocol.demo_firm import generate_firm  # noqa: E402


def timed(repeat: int, operation: Callable[[], Any]) -> tuple[list[float], Any]:
    samples, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = operation()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, result


def busiest(engine: Engine) -> str:
    followup = entity_tables["followup"]
    with engine.connect() as connection:
        return str(
            connection.execute(
                select(followup.c.assignee_id)
                .group_by(followup.c.assignee_id)
                .order_by(func.count().desc())
                .limit(1)
            ).scalar_one()
        )


def fullest_pipeline(engine: Engine) -> str:
    opportunity = entity_tables["opportunity"]
    with engine.connect() as connection:
        return str(
            connection.execute(
                select(opportunity.c.pipeline_id)
                .group_by(opportunity.c.pipeline_id)
                .order_by(func.count().desc())
                .limit(1)
            ).scalar_one()
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--activities", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the filled replica here")
    add_json_option(parser)
    args = parser.parse_args(argv)
    quiet = args.json == "-"
    today = date.today()

    with tempfile.TemporaryDirectory(prefix="fieldbook-bench-") as scratch:
        path = args.keep or Path(scratch) / "replica.sqlite3"
        reuse = path.exists()
        engine = open_replica(path)
        fill_seconds = 0.0
        if not reuse:
            progress(f"Filling {args.customers:,} customers into {path} ...", quiet=quiet)
            firm = generate_firm(customers=args.customers, activities=args.activities, today=today)
            started = time.perf_counter()
            load_demo_firm(engine, firm)
            fill_seconds = time.perf_counter() - started
        user_id, pipeline_id = busiest(engine), fullest_pipeline(engine)
        day_start, day_end = local_day_bounds(datetime.now().astimezone())
        now = iso_utc(datetime.now().astimezone())

        rows: list[list[Any]] = []
        document: dict[str, Any] = {
            "customers": args.customers,
            "activities": args.activities,
            "repeat": args.repeat,
            "reused_replica": reuse,
            "fill_seconds": round(fill_seconds, 2),
            "operations": {},
        }

        def measure(name: str, operation: Callable[[Any], Any], size: Callable[[Any], int]) -> Any:
            with engine.connect() as connection:
                samples, result = timed(args.repeat, lambda: operation(connection))
            median, slowest = statistics.median(samples), max(samples)
            rows.append([name, size(result), median, slowest])
            document["operations"][name] = {
                "rows": size(result),
                "median_ms": round(median, 3),
                "max_ms": round(slowest, 3),
            }
            return result

        measure(
            "my day (one account manager)",
            lambda c: load_my_day(c, user_id=user_id, day_start=day_start, day_end=day_end),
            lambda day: len(day.all_items),
        )
        measure(
            "my day (everyone)",
            lambda c: load_my_day(c, user_id=None, day_start=day_start, day_end=day_end),
            lambda day: len(day.all_items),
        )
        measure(
            "due reminders (one account manager)",
            lambda c: due_reminders(c, user_id=user_id, now=now, lead_minutes=5),
            len,
        )
        measure("list pipelines", list_pipelines, len)
        measure(
            "pipeline board (one owner)",
            lambda c: load_board(c, pipeline_id=pipeline_id, today=today, owner_id=user_id),
            lambda board: sum(len(column.cards) for column in board.columns),
        )
        board = measure(
            "pipeline board (all owners)",
            lambda c: load_board(c, pipeline_id=pipeline_id, today=today),
            lambda board: sum(len(column.cards) for column in board.columns),
        )
        measure("weighted forecast by month", lambda _c: weighted_forecast_by_month(board), len)

        # One write: a drag to the next stage and its undo, each a row plus an outbox entry.
        first = next(column for column in board.columns if column.cards)
        target = next(column for column in board.columns if column.stage_id != first.stage_id)
        card = first.cards[0]
        samples = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            with engine.begin() as connection:
                move = move_opportunity_stage(
                    connection, opportunity_id=card.opportunity_id, stage_id=target.stage_id
                )
            with engine.begin() as connection:
                assert move is not None
                undo_stage_move(connection, move=move)
            samples.append((time.perf_counter() - started) * 1000)
        rows.append(
            ["stage move + undo (2 transactions)", 2, statistics.median(samples), max(samples)]
        )
        document["operations"]["stage move + undo"] = {
            "rows": 2,
            "median_ms": round(statistics.median(samples), 3),
            "max_ms": round(max(samples), 3),
        }
        engine.dispose()

    title = (
        f"My day and pipeline board on {args.customers:,} customers / {args.activities:,} "
        f"activities (median and slowest of {args.repeat})"
    )
    table = format_table(["operation", "rows", "median ms", "max ms"], rows)
    emit(args.json, document, [f"{title}\n{table}"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
