"""Scenario 2 of docs/sync-protocol.md: kill -9 of the client process during a local edit, mid-push
and mid-pull page; restarted on the same file, nothing is half-applied, lost or duplicated.

The client is a real process (`crash_worker`) writing and syncing in a loop with tiny pages, killed
with SIGKILL at random moments while a colleague keeps adding records it has to pull.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import Desk, DeskFactory, Firm, comparable, sqlite_server
from tests.server_contract.harness import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
KILLS = int(os.environ.get("FIELDBOOK_CRASH_KILLS", "1"))  # random kills after the exact ones


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Firm]:
    """SQLite only: the client side is what these scenarios exercise (PostgreSQL runs in
    test_scenarios_core), and one server per module keeps the suite quick."""
    with sqlite_server(tmp_path_factory) as running:
        yield running


def _run_until_killed(
    command: list[str], delay: float | None, promised: list[str], lost: list[str], log: Path
) -> None:
    """Run the worker; SIGKILL it after `delay` seconds, or (None) wait until it kills itself."""
    with (
        log.open("a") as errors,
        subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=errors, text=True
        ) as process,
    ):
        ready = threading.Event()

        def read() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                if line.startswith("ready"):
                    ready.set()
                elif line.startswith("wrote "):
                    promised.append(line.split()[1])
                elif line.startswith("dying-in-write "):
                    lost.append(line.split()[1])

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        if not ready.wait(60):
            process.kill()
            raise AssertionError(f"the worker did not start: {log.read_text()[-2000:]}")
        if delay is not None:
            time.sleep(delay)
            assert process.poll() is None, log.read_text()[-2000:]
            os.kill(process.pid, signal.SIGKILL)
        process.wait(60)
        reader.join(10)
        assert process.returncode == -signal.SIGKILL, log.read_text()[-2000:]


def test_2_kill_minus_9_at_random_points(firm: Firm, desks: DeskFactory, tmp_path: Path) -> None:
    login = firm.add_user("crash")
    colleague = desks(login, name="colleague")
    replica = tmp_path / "crashing" / "replica.sqlite3"
    command = [
        sys.executable,
        "-m",
        "tests.integration.crash_worker",
        "--replica",
        str(replica),
        "--server",
        firm.base_url,
        "--login",
        login,
        "--password",
        PASSWORD,
        "--user-id",
        firm.user_ids[login],
    ]
    rng = random.Random(int(os.environ.get("FIELDBOOK_CRASH_SEED", "2")))
    promised: list[str] = []
    died_writing: list[str] = []
    # The three exact points first, then kills at random moments.
    rounds: list[str | None] = ["write", "push-answered", "pull-page", *([None] * KILLS)]
    for round_number, die_at in enumerate(rounds):
        for number in range(8):  # something to pull, in many tiny pages
            customer_id = colleague.add_customer(f"同事 {round_number}-{number}")
            colleague.add_activity(customer_id, "visit")
        colleague.sync()
        _run_until_killed(
            [*command, "--die-at", die_at] if die_at else command,
            None if die_at else rng.uniform(0.05, 0.8),
            promised,
            died_writing,
            tmp_path / "worker.log",
        )
        with sqlite3.connect(replica) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            for customer_id in died_writing:  # the interrupted write left nothing behind
                found = raw.execute("SELECT count(*) FROM customer WHERE id = ?", (customer_id,))
                assert found.fetchone() == (0,)
    assert promised, "the worker never got to write before being killed"
    assert len(died_writing) == 1

    survivor = Desk(
        folder=replica.parent, base_url=firm.base_url, login=login, user_id=firm.user_ids[login]
    )
    try:
        survivor.sync()
        assert survivor.pending() == 0
        view = firm.server_view(login)
        for customer_id in promised:  # nothing lost ...
            assert ("customer", customer_id) in view
            assert view[("customer", customer_id)]["version"] == 1  # ... or applied twice
        visits: dict[str, int] = {}
        for (entity, _), record in view.items():
            if entity == "activity":
                visits[record["customer_id"]] = visits.get(record["customer_id"], 0) + 1
        customers = [record_id for entity, record_id in view if entity == "customer"]
        assert all(visits.get(customer_id) == 1 for customer_id in customers)  # nothing half
        assert comparable(survivor.view()) == comparable(view)
    finally:
        survivor.close()
