"""The UI thread during an initial sync of a large firm: the real window, the real server.

A server (its own uvicorn process, SQLite file or PostgreSQL with `--postgres`) is loaded with a
demo firm of `--customers N` (default 100,000, with 10 activities per customer). In this process,
on the offscreen Qt platform, the desktop window is built as the application builds it
(`MainWindow` on a `UiContext` with a `TaskRunner` and a `SyncController`), signed in as the
administrator (who sees every record); a 10 ms heartbeat timer runs on the UI thread while the
sync loop is attached and pulls the whole firm. The gaps between heartbeats say how long the UI
thread was ever kept from its events; the progress reports say whether the bar showed and moved.

    .venv/bin/python bench/ui_sync.py [--customers N] [--postgres] [--json [FILE]]

Goal: no UI gap over 100 ms, and the progress bar visible and moving. Figures are printed, never
asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make the repository importable
    sys.path.insert(0, str(ROOT))
# Before Qt is imported anywhere: a benchmark opens no window on a real screen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench.common import add_json_option, emit, format_table, percentile, progress  # noqa: E402
from bench.stack_sampler import StackSampler  # noqa: E402
from bench.sync_latency import database  # noqa: E402

GOAL_MAX_GAP_MS = 100
HEARTBEAT_MS = 10
SETTLE_BEATS = 5  # the window's first loads happen before these; the sync is measured after
LOGIN = "admin"
LONG_GAPS_LISTED = 10  # in the table; the JSON lists every long gap


@dataclass
class UiMeasurement:
    """What the UI thread saw while the sync ran."""

    beats: list[float] = field(default_factory=list)
    # One per progress report: (rows so far, the bar's value, whether the bar was visible).
    reports: list[tuple[int, int, bool]] = field(default_factory=list)
    report_times: list[float] = field(default_factory=list)  # perf_counter of each report
    sync_started: float = 0.0  # perf_counter when the loop was attached
    # Python's garbage collector holds the GIL for a whole collection, in whichever thread set
    # it off: (generation, started, ended) of every collection while the sync ran.
    collections: list[tuple[int, float, float]] = field(default_factory=list)
    _collecting_since: float = 0.0
    sampler: StackSampler | None = None  # with --trace-gaps: what the threads did in long gaps

    def on_collection(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._collecting_since = time.perf_counter()
        else:
            self.collections.append(
                (int(info["generation"]), self._collecting_since, time.perf_counter())
            )

    def collection_ms(self, *, generation: int) -> list[float]:
        return [(end - start) * 1000 for gen, start, end in self.collections if gen == generation]

    def gaps_overlapping_collections(self, *, over_ms: float, collection_over_ms: float) -> int:
        """Long UI gaps during which a collection of at least `collection_over_ms` ran."""
        long_collections = [
            (start, end)
            for _gen, start, end in self.collections
            if (end - start) * 1000 >= collection_over_ms
        ]
        return sum(
            1
            for earlier, later in pairwise(self.beats)
            if (later - earlier) * 1000 > over_ms
            and any(start < later and end > earlier for start, end in long_collections)
        )

    def report(self, *, rows: int, bar_value: int, bar_visible: bool) -> None:
        self.reports.append((rows, bar_value, bar_visible))
        self.report_times.append(time.perf_counter())

    def rows_reported_by(self, moment: float) -> int:
        """Rows the last progress report before `moment` announced (0 before the first page)."""
        return max(
            (rows for (rows, *_rest), at in zip(self.reports, self.report_times, strict=True)
             if at <= moment),
            default=0,
        )  # fmt: skip

    def gaps_ms(self) -> list[float]:
        return [(later - earlier) * 1000 for earlier, later in pairwise(self.beats)]

    def long_gaps(self, *, over_ms: float) -> list[dict[str, Any]]:
        """When each long gap ended (seconds after the sync started) and how long it was: early
        ones point at the window's first loads, the last one at the work after the last page; the
        rows reported by then say which page was being pulled or applied."""
        gaps: list[dict[str, Any]] = []
        for (earlier, later), gap in zip(pairwise(self.beats), self.gaps_ms(), strict=True):
            if gap <= over_ms:
                continue
            described: dict[str, Any] = {
                "ended_at_s": round(later - self.sync_started, 2),
                "ms": round(gap, 1),
                "rows_reported_before": self.rows_reported_by(later),
            }
            if self.sampler is not None:
                described["threads"] = self.sampler.during(earlier, later)
            gaps.append(described)
        return gaps


@contextlib.contextmanager
def loaded_server(
    work: Path,
    *,
    customers: int,
    activities: int,
    postgres: bool,
    quiet: bool,
    reuse: Path | None = None,
) -> Iterator[tuple[str, float]]:
    """A server process on a database holding the demo firm; yields (its URL, load seconds).

    `reuse` (SQLite only): a copy of the loaded server file, made on the first run and copied
    back on later ones, so repeated runs skip the minutes of loading a large firm."""
    from protocol.demo_firm import generate_firm
    from server.db import init_database, open_engine
    from server.demo import load_demo
    from tests.server_contract.server_process import contract_settings

    with database(work, postgres=postgres) as url:
        if reuse is not None and reuse.exists():
            progress(f"server database copied from {reuse}", quiet=quiet)
            shutil.copyfile(reuse, work / "server.sqlite3")
            with _server_process(work, url) as base_url:
                yield base_url, 0.0
            return
        progress(
            f"loading {customers:,} customers and {activities:,} activities into "
            f"{'PostgreSQL' if postgres else 'SQLite'} ...",
            quiet=quiet,
        )
        started = time.perf_counter()
        engine = open_engine(url)
        try:
            init_database(engine)
            firm = generate_firm(
                customers=customers, activities=activities, today=date(2026, 11, 23)
            )
            loaded = load_demo(engine, firm=firm, settings=contract_settings())
        finally:
            engine.dispose()
        load_seconds = time.perf_counter() - started
        progress(f"loaded {sum(loaded.values()):,} rows in {load_seconds:.0f} s", quiet=quiet)
        if reuse is not None:
            with contextlib.closing(sqlite3.connect(work / "server.sqlite3")) as connection:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            shutil.copyfile(work / "server.sqlite3", reuse)
        with _server_process(work, url) as base_url:
            yield base_url, load_seconds


@contextlib.contextmanager
def _server_process(work: Path, url: str) -> Iterator[str]:
    from tests.server_contract.server_process import free_port, start_server_process

    server = start_server_process(database_url=url, port=free_port(), log_path=work / "server.log")
    try:
        yield server.base_url
    except Exception:
        progress(f"server log (tail):\n{server.log_tail()}", quiet=False)
        raise
    finally:
        server.stop()


def measure_window_sync(
    work: Path,
    *,
    server_url: str,
    password: str,
    pull_limit: int,
    timeout_s: float,
    trace_gaps: bool = False,
) -> dict[str, Any]:
    """Build the window, sign in, run the heartbeat and wait for the first sync to finish."""
    import keyring
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.settings import Settings
    from desktop.store.replica import open_replica
    from desktop.sync.engine import SyncOptions
    from desktop.ui.context import UiContext
    from desktop.ui.main_window import MainWindow, QuitChoice
    from desktop.ui.qt_compat import guard_signal_emit_refcount
    from desktop.ui.sync_controller import SyncController
    from desktop.ui.sync_session import sign_in
    from desktop.ui.task_runner import TaskRunner
    from tests.conftest import MemoryKeyring

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    guard_signal_emit_refcount()  # before the first signal is emitted (see qt_compat)
    # This machine's keyring is left alone: the token lives in memory for the run.
    keyring.set_keyring(MemoryKeyring())
    path = work / "client" / "replica.sqlite3"
    replica = open_replica(path)
    tasks = TaskRunner(network_workers=2)
    controller = SyncController()
    try:
        signed = sign_in(
            replica=replica,
            replica_path=path,
            server_url=server_url,
            login=LOGIN,
            password=password,
            interval_seconds=3600,  # one cycle: the initial sync, nothing after it
            options=SyncOptions(pull_limit=pull_limit),
            remember=False,
        )
        context = UiContext(
            engine=replica,
            tasks=tasks,
            settings=Settings(machine_path=None, user_path=work / "settings" / "settings.json"),
            sync=controller,
            user_id=signed.user_id,
        )
        window = MainWindow(context=context, ask_quit=lambda *_: QuitChoice.QUIT)
        window.show()  # painted (offscreen) like a window on a desk: repaints cost UI time too
        measured = UiMeasurement()
        bar = window.sync_status.progress
        controller.progress.connect(
            lambda rows, _total: measured.report(
                rows=rows, bar_value=bar.value(), bar_visible=bar.isVisibleTo(window)
            )
        )
        heartbeat = QTimer()
        heartbeat.setInterval(HEARTBEAT_MS)
        heartbeat.timeout.connect(lambda: measured.beats.append(time.perf_counter()))
        heartbeat.start()
        _wait(app, until=lambda: len(measured.beats) >= SETTLE_BEATS, timeout_s=30)
        del measured.beats[:-1]  # measured from the last beat before the sync starts

        finished: list[Any] = []
        waiting = QEventLoop()

        def on_finished(status: Any) -> None:
            finished.append(status)
            waiting.quit()

        controller.sync_finished.connect(on_finished)
        QTimer.singleShot(int(timeout_s * 1000), waiting.quit)
        started = measured.sync_started = time.perf_counter()
        gc.callbacks.append(measured.on_collection)
        if trace_gaps:
            measured.sampler = StackSampler()
            measured.sampler.start()
        try:
            controller.attach(signed.session.loop)
            waiting.exec()
        finally:
            gc.callbacks.remove(measured.on_collection)
            if measured.sampler is not None:
                measured.sampler.stop()
        seconds = time.perf_counter() - started
        heartbeat.stop()
        measured.beats.append(time.perf_counter())
        if not finished:
            raise RuntimeError(f"the sync did not finish within {timeout_s:.0f} s")
        status = finished[0]
        if status.last_error is not None:
            raise RuntimeError(f"the sync failed: {status.last_error}")
        window.close()
    finally:
        controller.stop(timeout=5.0)
        tasks.shutdown()
        replica.dispose()
    rows = status.last_summary.pulled if status.last_summary is not None else status.pull_rows
    return {"rows": rows, "seconds": seconds, "measured": measured}


def _wait(app: Any, *, until: Any, timeout_s: float) -> None:
    """Run the event loop until `until()` holds (the settling beats before the measurement)."""
    deadline = time.monotonic() + timeout_s
    while not until():
        if time.monotonic() > deadline:
            raise RuntimeError("the UI heartbeat never started")
        app.processEvents()
        time.sleep(0.001)


def run(arguments: argparse.Namespace) -> dict[str, Any]:
    from protocol.demo_firm import DEMO_PASSWORD

    quiet = arguments.json == "-"
    work = Path(tempfile.mkdtemp(prefix="fieldbook-bench-ui-sync-"))
    try:
        with loaded_server(
            work,
            customers=arguments.customers,
            activities=arguments.activities,
            postgres=arguments.postgres,
            quiet=quiet,
            reuse=arguments.server_db,
        ) as (server_url, load_seconds):
            progress("initial sync into an empty client, window open ...", quiet=quiet)
            result = measure_window_sync(
                work,
                server_url=server_url,
                password=DEMO_PASSWORD,
                pull_limit=arguments.pull_limit,
                timeout_s=arguments.timeout,
                trace_gaps=arguments.trace_gaps,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    measured: UiMeasurement = result["measured"]
    gaps = measured.gaps_ms()
    bar_values = [value for _rows, value, _visible in measured.reports]
    rows_reported = [rows for rows, _value, _visible in measured.reports]
    return {
        "customers": arguments.customers,
        "activities": arguments.activities,
        "database": "postgresql" if arguments.postgres else "sqlite",
        "pull_limit": arguments.pull_limit,
        "rows": result["rows"],
        "seconds": round(result["seconds"], 3),
        "rows_per_s": round(result["rows"] / result["seconds"]) if result["seconds"] else None,
        "heartbeats": len(measured.beats),
        "max_ui_gap_ms": round(max(gaps), 1) if gaps else None,
        "p99_ui_gap_ms": round(percentile(gaps, 0.99), 1) if gaps else None,
        "p50_ui_gap_ms": round(percentile(gaps, 0.50), 1) if gaps else None,
        "gaps_over_100_ms": sum(1 for gap in gaps if gap > GOAL_MAX_GAP_MS),
        "long_gaps": measured.long_gaps(over_ms=GOAL_MAX_GAP_MS),
        "collections_gen2": len(measured.collection_ms(generation=2)),
        "max_collection_ms_gen2": round(max(measured.collection_ms(generation=2), default=0), 1),
        "max_collection_ms_gen1": round(max(measured.collection_ms(generation=1), default=0), 1),
        "collections_over_20_ms": [
            {
                "generation": gen,
                "at_s": round(start - measured.sync_started, 2),
                "ms": round((end - start) * 1000, 1),
            }
            for gen, start, end in measured.collections
            if (end - start) * 1000 > 20
        ],
        "long_gaps_during_a_collection_over_50_ms": measured.gaps_overlapping_collections(
            over_ms=GOAL_MAX_GAP_MS, collection_over_ms=50
        ),
        "progress_reports": len(measured.reports),
        "bar_visible_at_every_report": bool(measured.reports)
        and all(visible for *_rest, visible in measured.reports),
        "bar_moved": len(set(bar_values)) > 1,
        "reported_rows_only_grew": rows_reported == sorted(rows_reported),
        "bar_values_first_last": [bar_values[0], bar_values[-1]] if bar_values else None,
        "server_load_seconds": round(load_seconds, 1),
        "goals": {"max_ui_gap_ms": GOAL_MAX_GAP_MS},
    }


def table(report: dict[str, Any]) -> str:
    rows = [
        ("database", report["database"], ""),
        ("rows synced", report["rows"], ""),
        ("seconds", report["seconds"], ""),
        ("rows/s", report["rows_per_s"], ""),
        ("heartbeats (every 10 ms)", report["heartbeats"], ""),
        ("max UI gap (ms)", report["max_ui_gap_ms"], f"< {GOAL_MAX_GAP_MS}"),
        ("p99 UI gap (ms)", report["p99_ui_gap_ms"], ""),
        ("p50 UI gap (ms)", report["p50_ui_gap_ms"], ""),
        ("gaps over 100 ms", report["gaps_over_100_ms"], "0"),
        *(
            (
                f"  gap of {gap['ms']:.0f} ms at (s; rows reported by then)",
                f"{gap['ended_at_s']:.2f}; {gap['rows_reported_before']:,}",
                "",
            )
            for gap in report["long_gaps"][:LONG_GAPS_LISTED]
        ),
        ("full garbage collections (gen 2)", report["collections_gen2"], ""),
        (
            "  longest gen 2 / gen 1 collection (ms)",
            f"{report['max_collection_ms_gen2']} / {report['max_collection_ms_gen1']}",
            "",
        ),
        (
            "  long gaps during a collection >= 50 ms",
            report["long_gaps_during_a_collection_over_50_ms"],
            "",
        ),
        ("progress reports", report["progress_reports"], ""),
        ("bar visible at every report", _yes_no(report["bar_visible_at_every_report"]), "yes"),
        ("bar moved", _yes_no(report["bar_moved"]), "yes"),
        ("reported rows only grew", _yes_no(report["reported_rows_only_grew"]), "yes"),
        ("server load (s, not measured)", report["server_load_seconds"], ""),
    ]
    title = f"UI thread during initial sync ({report['customers']:,} customers)"
    text = format_table((title, "value", "goal"), rows)
    for gap in report["long_gaps"][:LONG_GAPS_LISTED]:
        if "threads" in gap:
            text += f"\n\ngap of {gap['ms']:.0f} ms at {gap['ended_at_s']:.2f} s:\n  "
            text += "\n  ".join(gap["threads"])
    return text


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"  # the table would print a bool as the integer 1 or 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=None, help="default: 10 per customer")
    parser.add_argument("--pull-limit", type=int, default=5_000, help="changes per page")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument(
        "--timeout", type=float, default=3_600.0, help="seconds to wait for the sync to finish"
    )
    parser.add_argument(
        "--trace-gaps",
        action="store_true",
        help="sample every thread's stack every 5 ms and show what they did in each long gap",
    )
    parser.add_argument(
        "--server-db",
        type=Path,
        default=None,
        help="SQLite only: keep the loaded server file here and reuse it on later runs "
        "(the firm's size must match)",
    )
    add_json_option(parser)
    arguments = parser.parse_args(argv)
    if arguments.customers < 1:
        parser.error("--customers must be at least 1")
    if arguments.server_db is not None and arguments.postgres:
        parser.error("--server-db works with the SQLite server only")
    if arguments.activities is None:
        arguments.activities = arguments.customers * 10
    report = run(arguments)
    emit(arguments.json, report, [table(report)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
