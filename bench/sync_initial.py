"""Initial sync: an empty client pulls a whole firm from a PostgreSQL-backed server.

The firm (default 100,000 customers with their contacts and 1,000,000 activities, from
`protocol.demo_firm`) is loaded into a throwaway PostgreSQL cluster; the server runs in its own
uvicorn process; the client runs in its own process too, so its peak RSS is the client's alone.
Beside it, in the same run, the same rows are written with raw `sqlite3.executemany` into an
empty file with the same tables and PRAGMAs: the baseline the sync is measured against.

By default the server first builds the administrator's replica snapshot (timed and reported on
its own line: a server does this ahead of time, see docs/sync-protocol.md), and the client's
first sync downloads and adopts it, then pulls what is newer. `--paged` measures the page-by-page
pull from the start instead (what a client gets when the server has no snapshot for it).

    .venv/bin/python bench/sync_initial.py [--customers N] [--activities N] [--paged]
        [--json [FILE]]

Goals: >= 150,000 rows/s, within 3.5x of raw executemany, client peak RSS < 200 MB. Figures are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make the repository importable
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    add_json_option,
    emit,
    format_table,
    peak_rss_mb,
    progress,
)

GOAL_ROWS_PER_S = 150_000
GOAL_RATIO = 3.5
GOAL_RSS_MB = 200
BASELINE_BATCH = 10_000


def client_worker(arguments: argparse.Namespace) -> dict[str, Any]:
    """The client side, in its own process: sign in, pull everything, report."""
    from desktop.store.replica import open_replica
    from desktop.sync.engine import SyncOptions
    from desktop.sync.session import connect, sign_in

    path = Path(arguments.replica)
    engine = open_replica(path)
    stack = connect(
        engine=engine,
        replica_path=path,
        server_url=arguments.server,
        login=arguments.login,
        options=SyncOptions(pull_limit=arguments.pull_limit, use_snapshots=not arguments.paged),
    )
    sign_in(stack, engine=engine, login=arguments.login, password=arguments.password)
    pages = 0
    timings = {"wait_for_server": 0.0, "apply": 0.0}
    real_pull, real_apply = stack.api.pull, stack.engine.apply_page

    def timed_pull(**kwargs: Any) -> dict[str, Any]:
        begun = time.perf_counter()
        try:
            return real_pull(**kwargs)
        finally:
            timings["wait_for_server"] += time.perf_counter() - begun

    def timed_apply(page: dict[str, Any], *, from_cursor: str | None) -> int | None:
        nonlocal pages
        pages += 1
        begun = time.perf_counter()
        try:
            return real_apply(page, from_cursor=from_cursor)
        finally:
            timings["apply"] += time.perf_counter() - begun

    # Where applying goes, step by step (store layer, same transaction as the page): the upsert
    # per entity (its executemany fires the search-queue and tag triggers), the search indexing
    # parts, and the engine's own bookkeeping (outbox check, held rows, cursor) plus the commit.
    from desktop.store import bulk
    from desktop.sync import apply
    from desktop.sync import engine as sync_engine

    upsert_by_entity: dict[str, float] = {}
    real_upsert = getattr(apply, "upsert_rows")  # noqa: B009 (imported there, not exported)

    def timed_upsert(connection: Any, *, entity: str, rows: Any) -> Any:
        begun = time.perf_counter()
        try:
            return real_upsert(connection, entity=entity, rows=rows)
        finally:
            spent = time.perf_counter() - begun
            upsert_by_entity[entity] = upsert_by_entity.get(entity, 0.0) + spent

    setattr(apply, "upsert_rows", timed_upsert)  # noqa: B010
    for step, module, name in (
        ("snapshot_adopt", sync_engine, "adopt_snapshot"),
        ("search_index", bulk, "index_rows"),
        ("search_catch_up", bulk, "bring_index_up_to_date"),
        ("apply_changes", sync_engine, "apply_changes"),
        ("search_index_after_load", sync_engine, "build_deferred_index_in_steps"),
        ("indexes_after_load", sync_engine, "restore_indexes_in_steps"),
    ):
        _time_calls(module, name, timings, step)
    # The peak RSS when each step after the last page begins, to tell the pages' peak from the
    # end's (sorting for CREATE INDEX, building the search index).
    peak_rss_at: dict[str, float] = {}
    for step in ("restore_indexes_in_steps", "build_deferred_index_in_steps"):
        _note_peak_rss_first(sync_engine, step, peak_rss_at)
    real_download = stack.api.download_snapshot

    def timed_download(**kwargs: Any) -> Any:
        begun = time.perf_counter()
        try:
            return real_download(**kwargs)
        finally:
            timings["snapshot_download"] = time.perf_counter() - begun

    timings["snapshot_download"] = 0.0
    stack.api.pull = timed_pull  # type: ignore[method-assign]
    stack.api.download_snapshot = timed_download  # type: ignore[method-assign]
    stack.engine.apply_page = timed_apply  # type: ignore[method-assign]
    started = time.perf_counter()
    cpu_started = time.process_time()
    if arguments.profile:
        # cProfile slows Python-heavy steps more than SQLite's C code: use for shares, not speed.
        profiler = cProfile.Profile()
        summary = profiler.runcall(stack.engine.sync_once)
        profiler.dump_stats(arguments.profile)
    else:
        summary = stack.engine.sync_once()
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    transport = stack.api.transport
    stack.close()
    engine.dispose()
    return {
        "rows": summary.pulled,
        "seconds": seconds,
        "snapshot_download_seconds": timings["snapshot_download"],
        "snapshot_adopt_seconds": timings["snapshot_adopt"],
        "pages": pages,
        "pull_seconds": timings["wait_for_server"],
        "apply_seconds": timings["apply"],
        "search_index_seconds": timings["search_index"],
        "search_catch_up_seconds": timings["search_catch_up"],
        # After the last page: the indexes set aside during the load are created again, then
        # the deferred search index is built.
        "indexes_after_load_seconds": timings["indexes_after_load"],
        "search_index_after_load_seconds": timings["search_index_after_load"],
        "cpu_seconds": cpu_seconds,
        "peak_rss_before_finish_mb": peak_rss_at.get("restore_indexes_in_steps", 0.0),
        "peak_rss_before_search_index_mb": peak_rss_at.get("build_deferred_index_in_steps", 0.0),
        "apply_changes_seconds": timings["apply_changes"],
        "upsert_seconds_by_entity": upsert_by_entity,
        "bytes_on_wire": transport.bytes_received,
        "peak_rss_mb": peak_rss_mb(),
    }


def _note_peak_rss_first(module: Any, name: str, peaks: dict[str, float]) -> None:
    """Replace `module.name` by a wrapper that notes the process's peak RSS so far, in MB."""
    real = getattr(module, name)

    def noting(*args: Any, **kwargs: Any) -> Any:
        peaks[name] = peak_rss_mb()
        return real(*args, **kwargs)

    setattr(module, name, noting)


def _time_calls(module: Any, name: str, timings: dict[str, float], step: str) -> None:
    """Replace `module.name` by a wrapper adding its wall time to `timings[step]`."""
    real = getattr(module, name, None)
    timings[step] = 0.0
    if real is None:  # a store without this step has nothing to time
        return

    def timed(*args: Any, **kwargs: Any) -> Any:
        begun = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            timings[step] += time.perf_counter() - begun

    setattr(module, name, timed)


def raw_baseline(
    source: Path, target: Path, *, real_replica: bool = False, without_indexes: bool = False
) -> tuple[int, float]:
    """Copy every synced row with plain executemany into empty tables (same schema and PRAGMAs,
    one transaction per batch like the sync's pages); only the writes are timed.

    `real_replica`: into a replica made by `open_replica` instead (its migrations add the
    search-queue and tag triggers), so the difference between the two is what the triggers cost.
    `without_indexes`: into tables with no secondary index (only the primary keys): the ceiling
    of writing these rows on this machine, whatever the client does.
    """
    from sqlalchemy import create_engine

    from desktop.store.bulk import upsert_columns, upsert_sql
    from desktop.store.schema import metadata
    from protocol.entities import ENTITY_ORDER

    if real_replica:
        from desktop.store.replica import open_replica

        open_replica(target).dispose()
    else:
        schema_engine = create_engine(f"sqlite+pysqlite:///{target}")
        metadata.create_all(schema_engine)
        schema_engine.dispose()
        if without_indexes:
            with sqlite3.connect(target) as schema:
                names = schema.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                ).fetchall()
                for (name,) in names:
                    schema.execute(f'DROP INDEX "{name}"')
    reader = sqlite3.connect(source)
    writer = sqlite3.connect(target, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA synchronous=FULL")
    rows = 0
    seconds = 0.0
    try:
        for entity in ENTITY_ORDER:
            columns = ", ".join(upsert_columns(entity))
            cursor = reader.execute(f'SELECT {columns} FROM "{entity}"')
            while batch := cursor.fetchmany(BASELINE_BATCH):
                started = time.perf_counter()
                writer.execute("BEGIN")
                writer.executemany(upsert_sql(entity), batch)
                writer.execute("COMMIT")
                seconds += time.perf_counter() - started
                rows += len(batch)
    finally:
        reader.close()
        writer.close()
    return rows, seconds


def _build_snapshot(database_url: str, *, directory: Path) -> dict[str, Any]:
    """The administrator's snapshot, built the way `fieldbook-server snapshot` builds it."""
    from server.db import open_engine
    from server.snapshot import build_snapshot_for_login

    directory.mkdir(parents=True, exist_ok=True)
    engine = open_engine(database_url)
    started = time.perf_counter()
    try:
        info = build_snapshot_for_login(engine, login="admin", directory=directory)
    finally:
        engine.dispose()
    return {
        "seconds": time.perf_counter() - started,
        "rows": info.rows,
        "bytes": info.bytes,
    }


def run(arguments: argparse.Namespace) -> dict[str, Any]:
    from protocol.demo_firm import DEMO_PASSWORD, generate_firm
    from server.config import ServerSettings
    from server.db import init_database, open_engine
    from server.demo import load_demo
    from tests.postgres import start_cluster
    from tests.server_contract.server_process import free_port, start_server_process

    quiet = arguments.json == "-"
    work = Path(tempfile.mkdtemp(prefix="fieldbook-bench-sync-"))
    cluster = start_cluster(work)
    try:
        with cluster.fresh_database() as url:
            progress(
                f"loading {arguments.customers:,} customers and {arguments.activities:,} "
                "activities into PostgreSQL ...",
                quiet=quiet,
            )
            engine = open_engine(url)
            init_database(engine)
            firm = generate_firm(
                customers=arguments.customers,
                activities=arguments.activities,
                today=date(2026, 11, 23),
            )
            started = time.perf_counter()
            loaded = load_demo(engine, firm=firm, settings=ServerSettings())
            load_seconds = time.perf_counter() - started
            engine.dispose()
            progress(f"loaded {sum(loaded.values()):,} rows in {load_seconds:.0f} s", quiet=quiet)
            snapshots = work / "snapshots"
            snapshot = None
            if not arguments.paged:
                progress("the server builds the administrator's snapshot ...", quiet=quiet)
                snapshot = _build_snapshot(url, directory=snapshots)
            server = start_server_process(
                database_url=url,
                port=free_port(),
                log_path=work / "server.log",
                snapshot_dir=None if arguments.paged else snapshots,
            )
            try:
                replica = work / "client" / "replica.sqlite3"
                progress("initial sync into an empty client ...", quiet=quiet)
                answer = subprocess.run(
                    [
                        sys.executable,
                        str(Path(__file__).resolve()),
                        "--client-worker",
                        "--server",
                        server.base_url,
                        "--login",
                        "admin",
                        "--password",
                        DEMO_PASSWORD,
                        "--replica",
                        str(replica),
                        "--pull-limit",
                        str(arguments.pull_limit),
                        *(["--paged"] if arguments.paged else []),
                        *(["--profile", str(arguments.profile)] if arguments.profile else []),
                    ],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if answer.returncode != 0:
                    raise RuntimeError(f"the client failed:\n{answer.stderr[-4000:]}")
                client = json.loads(answer.stdout)
            finally:
                server.stop()
            progress("raw executemany of the same rows ...", quiet=quiet)
            baseline_rows, baseline_seconds = raw_baseline(replica, work / "raw.sqlite3")
            progress("raw executemany into a real replica (triggers on) ...", quiet=quiet)
            _, triggered_seconds = raw_baseline(
                replica, work / "raw-triggers.sqlite3", real_replica=True
            )
            progress("raw executemany into tables without secondary indexes ...", quiet=quiet)
            _, unindexed_seconds = raw_baseline(
                replica, work / "raw-unindexed.sqlite3", without_indexes=True
            )
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    rows_per_s = client["rows"] / client["seconds"]
    baseline_rows_per_s = baseline_rows / baseline_seconds if baseline_seconds else 0.0
    return {
        "customers": arguments.customers,
        "activities": arguments.activities,
        "rows": client["rows"],
        "seconds": round(client["seconds"], 3),
        "mode": "paged" if arguments.paged else "snapshot",
        "snapshot_build_seconds": round(snapshot["seconds"], 1) if snapshot else None,
        "snapshot_bytes": snapshot["bytes"] if snapshot else None,
        "client_snapshot_download_seconds": round(client["snapshot_download_seconds"], 3),
        "client_snapshot_adopt_seconds": round(client["snapshot_adopt_seconds"], 3),
        "client_cpu_seconds": round(client["cpu_seconds"], 3),
        "rows_per_s": round(rows_per_s),
        "baseline_rows": baseline_rows,
        "baseline_rows_per_s": round(baseline_rows_per_s),
        "ratio_to_baseline": round(baseline_rows_per_s / rows_per_s, 2) if rows_per_s else None,
        "peak_rss_mb": round(client["peak_rss_mb"], 1),
        "peak_rss_before_finish_mb": round(client["peak_rss_before_finish_mb"], 1),
        "peak_rss_before_search_index_mb": round(client["peak_rss_before_search_index_mb"], 1),
        "bytes_on_wire": client["bytes_on_wire"],
        "pages": client["pages"],
        "client_waiting_for_server_seconds": round(client["pull_seconds"], 3),
        "client_applying_seconds": round(client["apply_seconds"], 3),
        "client_search_indexing_seconds": round(client["search_index_seconds"], 3),
        "client_search_catch_up_seconds": round(client["search_catch_up_seconds"], 3),
        "client_indexes_after_load_seconds": round(client["indexes_after_load_seconds"], 3),
        "client_search_index_after_load_seconds": round(
            client["search_index_after_load_seconds"], 3
        ),
        "client_apply_changes_seconds": round(client["apply_changes_seconds"], 3),
        "client_upsert_seconds_by_entity": {
            entity: round(seconds, 3)
            for entity, seconds in sorted(
                client["upsert_seconds_by_entity"].items(), key=lambda item: -item[1]
            )
        },
        "baseline_seconds": round(baseline_seconds, 3),
        "baseline_with_triggers_seconds": round(triggered_seconds, 3),
        "baseline_without_indexes_seconds": round(unindexed_seconds, 3),
        "baseline_without_indexes_rows_per_s": round(baseline_rows / unindexed_seconds)
        if unindexed_seconds
        else 0,
        "pull_limit": arguments.pull_limit,
        "server_load_seconds": round(load_seconds, 1),
        "goals": {
            "rows_per_s": GOAL_ROWS_PER_S,
            "ratio_to_baseline": GOAL_RATIO,
            "peak_rss_mb": GOAL_RSS_MB,
        },
    }


def table(report: dict[str, Any]) -> str:
    rows = [
        ("mode (snapshot, or paged from the start)", report["mode"], ""),
        ("server: snapshot built beforehand (s)", report["snapshot_build_seconds"] or "-", ""),
        ("server: snapshot file (bytes)", report["snapshot_bytes"] or "-", ""),
        ("rows pulled", report["rows"], ""),
        ("seconds", report["seconds"], ""),
        ("client CPU seconds (all threads)", report["client_cpu_seconds"], ""),
        ("rows/s (sync)", report["rows_per_s"], f">= {GOAL_ROWS_PER_S:,}"),
        ("rows/s (raw executemany)", report["baseline_rows_per_s"], ""),
        ("raw / sync", report["ratio_to_baseline"], f"<= {GOAL_RATIO}"),
        ("client peak RSS (MB)", report["peak_rss_mb"], f"< {GOAL_RSS_MB}"),
        ("  peak RSS by the last page (MB)", report["peak_rss_before_finish_mb"], ""),
        ("  peak RSS by the indexes' return (MB)", report["peak_rss_before_search_index_mb"], ""),
        ("bytes on the wire", report["bytes_on_wire"], ""),
        ("pages", report["pages"], ""),
        ("  downloading the snapshot (s)", report["client_snapshot_download_seconds"], ""),
        ("  adopting the snapshot (s)", report["client_snapshot_adopt_seconds"], ""),
        ("  waiting for the server (s)", report["client_waiting_for_server_seconds"], ""),
        ("  applying pages (s)", report["client_applying_seconds"], ""),
        ("    records and search (apply_changes)", report["client_apply_changes_seconds"], ""),
        *(
            (f"      upsert {entity} (incl. indexing)", seconds, "")
            for entity, seconds in report["client_upsert_seconds_by_entity"].items()
        ),
        ("      search indexing per page (FTS rows)", report["client_search_indexing_seconds"], ""),
        ("      search catch-up before upsert", report["client_search_catch_up_seconds"], ""),
        (
            "    bookkeeping + commit (rest)",
            round(report["client_applying_seconds"] - report["client_apply_changes_seconds"], 3),
            "",
        ),
        ("  indexes created after the last page", report["client_indexes_after_load_seconds"], ""),
        (
            "  search index built after the last page",
            report["client_search_index_after_load_seconds"],
            "",
        ),
        ("raw executemany, plain tables (s)", report["baseline_seconds"], ""),
        ("raw executemany, replica triggers (s)", report["baseline_with_triggers_seconds"], ""),
        ("raw executemany, no secondary index (s)", report["baseline_without_indexes_seconds"], ""),
        (
            "rows/s raw, no secondary index (ceiling)",
            report["baseline_without_indexes_rows_per_s"],
            "",
        ),
    ]
    return format_table(("initial sync", "value", "goal"), rows)


def profile_table(path: Path, *, top: int = 20) -> str:
    """The functions the client spent most of its own time in (C calls such as SQLite's
    executemany and commit show up as themselves)."""
    stats = pstats.Stats(str(path))
    entries = sorted(
        stats.stats.items(),  # type: ignore[attr-defined]
        key=lambda item: -item[1][2],
    )[:top]
    rows = [
        (f"{Path(where[0]).name}:{where[1]} {where[2]}"[:70], round(own, 3), round(cumulative, 3))
        for where, (_calls, _primitive, own, cumulative, _callers) in entries
    ]
    return format_table(("client profile (top by own time)", "own s", "cumulative s"), rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=None, help="default: 10 per customer")
    parser.add_argument("--pull-limit", type=int, default=5_000, help="changes per page")
    parser.add_argument(
        "--paged",
        action="store_true",
        help="no snapshot: measure the page-by-page pull from the start",
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="profile the client's sync with cProfile into FILE (pstats); prints the top steps",
    )
    add_json_option(parser)
    # The client process's own options (internal).
    parser.add_argument("--client-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--server", help=argparse.SUPPRESS)
    parser.add_argument("--login", help=argparse.SUPPRESS)
    parser.add_argument("--password", help=argparse.SUPPRESS)
    parser.add_argument("--replica", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.client_worker:
        print(json.dumps(client_worker(arguments)))
        return 0
    if arguments.activities is None:
        arguments.activities = arguments.customers * 10
    report = run(arguments)
    tables = [table(report)]
    if arguments.profile:
        tables.append(profile_table(Path(arguments.profile)))
    emit(arguments.json, report, tables)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
