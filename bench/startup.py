"""Cold start of the desktop app on a large replica: a new process, up to an interactive window.

    .venv/bin/python bench/startup.py [--size large] [--runs 3] [--replica-dir DIR] [--json F]

The replica (by default the "large" demo firm: 100,000 customers and 1,000,000 activities) is
built once with the demo generator and `desktop.store.bulk`, signed in as one account manager,
and kept in `--replica-dir` for later runs. Each run starts `python -c "...run_gui..."` offscreen
and reads the milestones the app prints: the window shown (event loop running), My day's data on
screen, and the customer list's first page after switching to Customers. Figures are measured
from just before the process is started, so interpreter start-up and imports count. The goal is
an interactive window in under 1.5 s. Nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make the repository importable
    sys.path.insert(0, str(ROOT))

import platformdirs  # noqa: E402

from desktop import paths  # noqa: E402
from desktop.operations.customers import CustomerSort, list_customers  # noqa: E402
from desktop.store.bulk import load_demo_firm  # noqa: E402
from desktop.store.replica import open_replica  # noqa: E402
from desktop.sync import state  # noqa: E402
from protocol.demo_firm import SIZES, generate_firm  # noqa: E402

GOAL_SECONDS = 1.5
READY_KEY = "bench_replica_ready"  # sync_state marker: the replica was built completely
CHILD = (
    "import argparse, sys; from pathlib import Path; from desktop.app import run_gui; "
    "sys.exit(run_gui(argparse.Namespace(data_dir=Path(sys.argv[1]), demo=False, "
    "smoke_test=False, startup_report=True)))"
)


def build_replica(directory: Path, *, size: str, seed: int) -> dict[str, Any]:
    """Build (or reuse) the replica; returns what was done and how long it took."""
    path = paths.replica_path(directory)
    if path.exists():
        engine = open_replica(path)
        try:
            if state.get(engine, READY_KEY) == f"{size}:{seed}":
                return {"built": False, "seconds": 0.0}
        finally:
            engine.dispose()
        path.unlink()  # a half-built or different replica: start over
    directory.mkdir(parents=True, exist_ok=True)
    firm = generate_firm(size=size, seed=seed)
    started = time.perf_counter()
    engine = open_replica(path)
    try:
        counts = load_demo_firm(engine, firm)
        state.put(engine, user_id=firm.account_managers[0].id)
        state.put(engine, **{READY_KEY: f"{size}:{seed}"})
    finally:
        engine.dispose()
    return {"built": True, "seconds": round(time.perf_counter() - started, 1), "rows": counts}


def one_run(directory: Path, *, settings_dir: Path) -> dict[str, float]:
    environment = {
        **os.environ,
        "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        "FIELDBOOK_USER_SETTINGS": str(settings_dir / "settings.json"),
        "FIELDBOOK_MACHINE_SETTINGS": str(settings_dir / "no-machine-settings.json"),
    }
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.time()
    finished = subprocess.run(
        [sys.executable, "-c", CHILD, str(directory)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    ended = time.time()
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU seconds of the app process, start to exit: unlike wall time, not inflated when other
    # work shares the machine's cores.
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    if finished.returncode != 0:
        raise RuntimeError(
            f"the app failed (exit {finished.returncode}): {finished.stderr[-2000:]}"
        )
    milestones = json.loads(finished.stdout.strip().splitlines()[-1])
    return {
        "window_shown_s": milestones["window_shown"] - started,
        "first_screen_loaded_s": milestones["first_screen_loaded"] - started,
        "customer_list_loaded_s": milestones["customer_list_loaded"] - started,
        "process_total_s": ended - started,
        "process_cpu_s": cpu,
        "customers": milestones["customers"],
    }


def page_timings(directory: Path, *, page_size: int = 200) -> list[dict[str, Any]]:
    """How long one page of the customer table takes at the top, middle and end of the list
    (what scrolling the lazy model costs), per sort order, on a warm file."""
    engine = open_replica(paths.replica_path(directory))
    figures: list[dict[str, Any]] = []
    try:
        total = list_customers(engine, limit=1).total
        for sort in (CustomerSort.NAME, CustomerSort.TIER, CustomerSort.CREATED):
            for offset in (0, total // 2, max(total - page_size, 0)):
                started = time.perf_counter()
                list_customers(engine, sort=sort, offset=offset, limit=page_size)
                figures.append(
                    {
                        "sort": sort.value,
                        "offset": offset,
                        "ms": round((time.perf_counter() - started) * 1000, 1),
                    }
                )
    finally:
        engine.dispose()
    return figures


def run(arguments: argparse.Namespace) -> dict[str, Any]:
    directory: Path = arguments.replica_dir or Path(
        platformdirs.user_cache_dir("fieldbook-bench"), f"startup-{arguments.size}"
    )
    build = build_replica(directory, size=arguments.size, seed=arguments.seed)
    settings_dir = directory / "settings"
    runs = [one_run(directory, settings_dir=settings_dir) for _ in range(arguments.runs)]
    pages = page_timings(directory)
    keys = (
        "window_shown_s",
        "first_screen_loaded_s",
        "customer_list_loaded_s",
        "process_total_s",
        "process_cpu_s",
    )
    customers, activities = SIZES[arguments.size]
    return {
        "size": arguments.size,
        "customers": customers,
        "activities": activities,
        "replica_mb": round(paths.replica_path(directory).stat().st_size / 1e6, 1),
        "build": build,
        "runs": runs,
        "median": {key: round(statistics.median(r[key] for r in runs), 3) for key in keys},
        "goal_s": GOAL_SECONDS,
        "customer_pages": pages,
        # Wall times mean little on a busy machine: the load says how busy it was.
        "load_average": [round(value, 1) for value in os.getloadavg()],
    }


def print_table(result: dict[str, Any]) -> None:
    print(
        f"Cold start on a {result['size']} replica: {result['customers']:,} customers, "
        f"{result['activities']:,} activities, {result['replica_mb']} MB"
    )
    build = result["build"]
    print(f"replica {'built in ' + str(build['seconds']) + ' s' if build['built'] else 'reused'}")
    print(f"{'run':>4} {'window':>9} {'My day':>9} {'customers':>10} {'exit':>9} {'cpu':>8}")
    for number, figures in enumerate(result["runs"], start=1):
        shown, day = figures["window_shown_s"], figures["first_screen_loaded_s"]
        listed, total = figures["customer_list_loaded_s"], figures["process_total_s"]
        cpu = figures["process_cpu_s"]
        print(
            f"{number:>4} {shown:>8.3f}s {day:>8.3f}s {listed:>9.3f}s {total:>8.3f}s {cpu:>7.3f}s"
        )
    median = result["median"]
    print(
        f"median: window {median['window_shown_s']:.3f} s, My day on screen "
        f"{median['first_screen_loaded_s']:.3f} s, customer list "
        f"{median['customer_list_loaded_s']:.3f} s (goal < {result['goal_s']} s); "
        f"CPU of the whole process {median['process_cpu_s']:.3f} s"
    )
    print(f"load average while measuring: {result['load_average']}")
    print("customer table, one page of 200 rows:")
    print(f"{'sort':>12} {'offset':>8} {'ms':>8}")
    for page in result["customer_pages"]:
        print(f"{page['sort']:>12} {page['offset']:>8} {page['ms']:>8.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=tuple(SIZES), default="large")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--replica-dir", type=Path, help="where the replica is built and kept")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    arguments = parser.parse_args(argv)
    result = run(arguments)
    print_table(result)
    if arguments.json:
        arguments.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
