"""Benchmark of a hand-over end to end: server call, the successor's pull, the leaver's exits.

    .venv/bin/python bench/handover.py [--size small|medium|large] [--json [FILE]]

A live server (uvicorn on 127.0.0.1, SQLite) holds the demo firm. The account manager with the
most customers leaves: both the leaver's and the successor's desktop replicas are synced first,
then the administrator hands the whole book over (`POST /admin/handover`), and each replica
syncs once more. Figures: customers and open records moved, seconds for the hand-over call, for
the successor's incremental pull (scope-enter of the book with its full history) and for the
leaver's (scope-exit), and the rows each pull carried.

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

import keyring  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.common import add_json_option, emit, format_table, progress  # noqa: E402
from desktop.store.replica import open_replica  # noqa: E402
from desktop.store.schema import entity_tables  # noqa: E402
from desktop.sync.admin_client import AdminClient  # noqa: E402
from desktop.sync.api import ApiClient  # noqa: E402
from desktop.sync.credentials import CredentialStore  # noqa: E402
from desktop.sync.engine import SyncEngine  # noqa: E402
from desktop.sync.state import ensure_client_id, put  # noqa: E402
from desktop.sync.transport import Transport  # noqa: E402
from protocol.demo_firm import DEMO_PASSWORD, SIZES, generate_firm  # noqa: E402
from server.demo import load_demo  # noqa: E402
from tests.conftest import MemoryKeyring  # noqa: E402  # never the real keyring
from tests.e2e.live_server import FAST_SETTINGS, threaded_server  # noqa: E402


class Replica:
    def __init__(self, url: str, login: str, folder: Path) -> None:
        path = folder / login / "replica.sqlite3"
        self.engine = open_replica(path)
        self.api = ApiClient(
            transport=Transport(base_url=url),
            credentials=CredentialStore(server_url=url, login=login),
            client_id=ensure_client_id(self.engine),
        )
        self.api.login(login=login, password=DEMO_PASSWORD)
        put(self.engine, server_url=url, login=login)
        self.sync = SyncEngine(engine=self.engine, api=self.api, replica_path=path)

    def timed_sync(self) -> tuple[float, int]:
        started = time.perf_counter()
        summary = self.sync.sync_once()
        return time.perf_counter() - started, summary.pulled

    def customers(self) -> int:
        with self.engine.connect() as connection:
            table = entity_tables["customer"]
            return int(connection.execute(select(func.count()).select_from(table)).scalar_one())

    def close(self) -> None:
        self.api.transport.close()
        self.engine.dispose()


def run(size: str, folder: Path, *, quiet: bool) -> dict[str, Any]:
    firm = generate_firm(size=size)
    with threaded_server(f"sqlite+pysqlite:///{folder / 'server.sqlite3'}") as server:
        progress(f"loading the {size} demo firm into the server ...", quiet=quiet)
        load_demo(server.engine, firm=firm, settings=FAST_SETTINGS)
        owners = Counter(row["owner_id"] for row in firm.rows("customer"))
        (leaver_id, _book), (successor_id, _other) = owners.most_common(2)
        logins = {user.id: user.login for user in firm.users}
        admin_login = next(user.login for user in firm.users if user.role == "admin")
        progress("first sync of the leaver's and the successor's replicas ...", quiet=quiet)
        leaver = Replica(server.url, logins[leaver_id], folder)
        successor = Replica(server.url, logins[successor_id], folder)
        admin = Replica(server.url, admin_login, folder)
        try:
            leaver.timed_sync()
            successor.timed_sync()
            before = (leaver.customers(), successor.customers())
            progress("handing the book over ...", quiet=quiet)
            started = time.perf_counter()
            moved = AdminClient(api=admin.api).handover(from_user=leaver_id, to_user=successor_id)
            handover_seconds = time.perf_counter() - started
            successor_seconds, successor_rows = successor.timed_sync()
            leaver_seconds, leaver_rows = leaver.timed_sync()
            after = (leaver.customers(), successor.customers())
        finally:
            for replica in (leaver, successor, admin):
                replica.close()
    return {
        "size": size,
        "customers_moved": moved.customers,
        "open_opportunities_moved": moved.open_opportunities,
        "open_followups_moved": moved.open_followups,
        "handover_seconds": handover_seconds,
        "successor_pull_seconds": successor_seconds,
        "successor_rows": successor_rows,
        "leaver_pull_seconds": leaver_seconds,
        "leaver_rows": leaver_rows,
        "leaver_customers_before_after": before[0:1] + after[0:1],
        "successor_customers_before_after": before[1:2] + after[1:2],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    add_json_option(parser)
    args = parser.parse_args(argv)
    keyring.set_keyring(MemoryKeyring())
    with tempfile.TemporaryDirectory(prefix="fieldbook-bench-handover-") as directory:
        report = run(args.size, Path(directory), quiet=args.json == "-")
    table = format_table(
        ["step", "seconds", "rows", "detail"],
        [
            [
                "hand-over call",
                report["handover_seconds"],
                report["customers_moved"],
                f"{report['open_opportunities_moved']} open deals, "
                f"{report['open_followups_moved']} follow-ups",
            ],
            [
                "successor's pull",
                report["successor_pull_seconds"],
                report["successor_rows"],
                "customers {} -> {}".format(*report["successor_customers_before_after"]),
            ],
            [
                "leaver's pull",
                report["leaver_pull_seconds"],
                report["leaver_rows"],
                "customers {} -> {}".format(*report["leaver_customers_before_after"]),
            ],
        ],
    )
    emit(args.json, report, [f"hand-over of the largest book, {args.size} demo firm", table])
    return 0


if __name__ == "__main__":
    sys.exit(main())
