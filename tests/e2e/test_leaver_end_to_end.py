"""Staff leave, knowledge stays: scenarios 7 and 8 of docs/sync-protocol.md with real processes.

A real `fieldbook-server` process (SQLite, and PostgreSQL through the `postgres_url` fixture),
real `fieldbook` CLI processes writing to each installation's own `--data-dir`, and IT closing the
account with `fieldbook-server user deactivate LOGIN --handover-to LOGIN2`.

Scenario 8: the leaver logs notes offline; IT deactivates and hands the book over; the leaver's
laptop syncs once more: the notes are uploaded (drain), so is the record of an export made offline
(the server's audit log), nothing new comes down, then its data directory is emptied (replica,
backups, keyring entry). The successor's copy shows the customers
with their whole history, the offline notes included.

Scenario 7: a customer is reassigned while its owner is offline with a pending note and a pending
field edit: the note reaches the server, the edit lands in the owner's sync errors, and the owner's
copy of the customer disappears only after the push.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, func, select

from desktop.operations.inherited import inherited_customers
from desktop.store.backup import backup_directory, backup_replica
from desktop.store.replica import open_replica
from desktop.store.schema import entity_tables, outbox
from desktop.sync.credentials import SERVICE, account_name
from server.audit import query_audit
from server.db import open_engine
from tests.e2e.file_keyring import BACKEND as KEYRING_BACKEND
from tests.e2e.file_keyring import stored
from tests.e2e.live_server import (
    FAST_SETTINGS,
    PASSWORD,
    REPOSITORY,
    Firm,
    People,
    ServerProcess,
    server_process,
)

T = TypeVar("T")


# Every step is a process of its own (about a second of CPU each), so the suite runs scenario 8
# on both databases and scenario 7, which exercises the same server paths, on SQLite only.
pytestmark = pytest.mark.slow
BOTH_DATABASES = pytest.mark.parametrize(
    "live", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
SQLITE_ONLY = pytest.mark.parametrize("live", ["sqlite"], indirect=True)


@pytest.fixture
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[ServerProcess, Firm]]:
    if request.param == "sqlite":
        database_url = f"sqlite+pysqlite:///{tmp_path / 'server.sqlite3'}"
    else:
        database_url = request.getfixturevalue("postgres_url")
    with server_process(database_url, tmp_path) as server:
        engine = open_engine(database_url)
        try:
            firm = People(engine, FAST_SETTINGS).firm()
        finally:
            engine.dispose()
        yield server, firm


@dataclass
class Installation:
    """One laptop: a data directory that only `fieldbook` CLI processes write to."""

    login: str
    data_dir: Path
    environment: dict[str, str]
    keyring_file: Path

    def cli(self, *argv: str) -> str:
        completed = subprocess.run(
            [sys.executable, "-m", "desktop", "--data-dir", str(self.data_dir), *argv],
            cwd=REPOSITORY,
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert completed.returncode == 0, f"fieldbook {' '.join(argv)}: {completed.stderr}"
        return completed.stdout

    def cli_json(self, *argv: str) -> Any:
        return json.loads(self.cli(*argv, "--json"))

    def sync(self) -> dict[str, Any]:
        report: dict[str, Any] = self.cli_json("sync")
        return report

    @property
    def replica_path(self) -> Path:
        return self.data_dir / "replica.sqlite3"

    def read(self, query: Callable[[Engine], T]) -> T:
        """Read this copy in the test process (faster than one more CLI process)."""
        assert self.replica_path.exists(), f"{self.login}'s copy is gone"
        engine = open_replica(self.replica_path)
        try:
            return query(engine)
        finally:
            engine.dispose()

    def customers(self) -> dict[str, dict[str, Any]]:
        return self.read(lambda engine: _rows(engine, "customer"))

    def activities_of(self, customer_id: str) -> dict[str, dict[str, Any]]:
        return self.read(lambda engine: _rows(engine, "activity", customer_id=customer_id))


def _rows(engine: Engine, entity: str, **where: str) -> dict[str, dict[str, Any]]:
    table = entity_tables[entity]
    query = select(table).where(*(table.c[name] == value for name, value in where.items()))
    with engine.connect() as connection:
        return {row.id: dict(row._mapping) for row in connection.execute(query)}


def install(server: ServerProcess, login: str, folder: Path) -> Installation:
    """`fieldbook login` in a fresh data directory (the first `fieldbook sync` is the test's)."""
    keyring_file = folder / f"keyring-{login}.json"
    environment = dict(os.environ)
    environment.update(
        FIELDBOOK_USER_SETTINGS=str(folder / f"user-{login}.json"),
        FIELDBOOK_MACHINE_SETTINGS=str(folder / "machine.json"),
        FIELDBOOK_PASSWORD=PASSWORD,
        PYTHON_KEYRING_BACKEND=KEYRING_BACKEND,
        FIELDBOOK_TEST_KEYRING=str(keyring_file),
        QT_QPA_PLATFORM="offscreen",
    )
    (folder / "machine.json").write_text("{}", encoding="utf-8")
    installation = Installation(login, folder / f"data-{login}", environment, keyring_file)
    signed_in = installation.cli_json("login", "--server", server.url, "--user", login)
    assert signed_in["credential_storage"] == "keyring"
    return installation


def files_holding(folder: Path, needle: str) -> list[Path]:
    encoded = needle.encode("utf-8")
    return [path for path in folder.rglob("*") if path.is_file() and encoded in path.read_bytes()]


@BOTH_DATABASES
def test_a_leaver_with_unsynced_notes_is_drained_wiped_and_succeeded(
    live: tuple[ServerProcess, Firm], tmp_path: Path
):
    server, firm = live
    leaver = install(server, "li", tmp_path)
    customer = leaver.cli_json("customer", "add", "--name", "上海建工集团", "--tier", "gold")["id"]
    leaver.cli(
        "activity", "log", "--customer", customer, "--kind", "visit", "--subject", "首次拜访"
    )
    assert leaver.sync()["pushed"] == 2

    # Offline: two notes only this laptop knows.
    for note in ("客户要求降价 5%", "下周一发新报价"):
        leaver.cli("activity", "log", "--customer", customer, "--kind", "note", "--notes", note)
    assert leaver.cli_json("status")["pending_changes"] == 2
    # Offline too: the whole book exported to a spreadsheet (queued for the audit log).
    exported = leaver.cli(
        "export", "customers", "--format", "csv", "--out", str(tmp_path / "li.csv")
    )
    assert "Exported 1 records" in exported
    # A safety copy exists (as after a schema upgrade): the wipe must remove it too.
    backup_replica(leaver.replica_path, revision="test")
    account = account_name(server_url=server.url, login="li")
    assert stored(leaver.keyring_file, SERVICE, account)

    # IT closes the account and hands the book to the successor.
    closed = server.admin_command("user", "deactivate", "li", "--handover-to", "zhao")
    assert closed.returncode == 0, closed.stderr
    assert "li is deactivated" in closed.stdout

    # The leaver's laptop comes online once more: drain, then wipe.
    report = leaver.sync()
    assert report["account_state"] == "wipe"
    assert (report["pushed"], report["rejected"]) == (2, 0)
    assert report["pulled"] == 0  # no new data reached the laptop
    assert report["wiped"]["keyring_entry_deleted"] is True
    assert not leaver.replica_path.exists()
    assert not backup_directory(leaver.replica_path).exists()
    assert stored(leaver.keyring_file, SERVICE, account) is None
    assert files_holding(leaver.data_dir, "上海建工集团") == []
    assert files_holding(leaver.data_dir, "客户要求降价") == []
    # The offline export reached the server's audit log before the wipe, under the leaver's name.
    exports = [entry for entry in _audit_of(server, firm.leaver) if entry["action"] == "export"]
    assert [(entry["detail"]["count"], entry["detail"]["ids"]) for entry in exports] == [
        (1, [customer])
    ]

    # The successor sees the customer with its whole history, the offline notes included.
    successor = install(server, "zhao", tmp_path)
    assert successor.sync()["account_state"] == "active"
    listed = successor.customers()
    assert [(row["name"], row["owner_id"]) for row in listed.values()] == [
        ("上海建工集团", firm.successor)
    ]
    history = successor.activities_of(customer)
    notes = sorted(row["notes"] for row in history.values() if row["kind"] == "note")
    assert notes == ["下周一发新报价", "客户要求降价 5%"]
    assert [row["subject"] for row in history.values() if row["kind"] == "visit"] == ["首次拜访"]
    assert {row["recorded_by"] for row in history.values()} == {firm.leaver}
    queue = successor.read(
        lambda engine: inherited_customers(engine, user_id=firm.successor, now="2026-12-01")
    )
    assert [item.customer_id for item in queue] == [customer]
    assert queue[0].previous_owner == "李娜" and queue[0].activity_count == 3


@SQLITE_ONLY
def test_reassigned_while_offline_notes_arrive_edits_go_to_sync_errors(
    live: tuple[ServerProcess, Firm], tmp_path: Path
):
    server, firm = live
    owner = install(server, "li", tmp_path)
    kept_id = owner.cli_json("customer", "add", "--name", "Acme Trading")["id"]
    moved_id = owner.cli_json("customer", "add", "--name", "华夏证券", "--phone", "010-6552 9988")[
        "id"
    ]
    owner.sync()
    moved_phone = owner.customers()[moved_id]["phone"]  # as the CLI normalised it

    # Offline: a note and a field edit on the customer that is about to move.
    owner.cli("activity", "log", "--customer", moved_id, "--kind", "note", "--notes", "离线笔记")
    owner.cli("customer", "edit", moved_id, "--phone", "021-5555 0101")

    reassigned = server.admin_command("customer", "reassign", moved_id, "--to", "zhao")
    assert reassigned.returncode == 0, reassigned.stderr

    # Until the owner syncs, their copy still holds the customer and the pending changes.
    assert moved_id in owner.customers()
    assert owner.read(_pending) == 2
    report = owner.sync()
    assert (report["pushed"], report["rejected"]) == (2, 1)  # the note applied, the edit refused
    assert report["errors"] == 1
    assert owner.read(_pending) == 0
    errors = owner.read(lambda engine: _rows(engine, "sync_error"))
    assert [(e["entity"], e["entity_id"]) for e in errors.values()] == [("customer", moved_id)]
    assert "+862155550101" in next(iter(errors.values()))["rejected"]  # kept, in E.164 form
    # After the push, the moved customer and its history left the owner's copy; the other stayed.
    assert set(owner.customers()) == {kept_id}
    assert owner.activities_of(moved_id) == {}

    successor = install(server, "zhao", tmp_path)
    successor.sync()
    listed = successor.customers()
    assert list(listed) == [moved_id]
    assert listed[moved_id]["owner_id"] == firm.successor
    assert listed[moved_id]["phone"] == moved_phone  # the refused edit did not apply
    history = successor.activities_of(moved_id)
    assert [row["notes"] for row in history.values()] == ["离线笔记"]
    # The refused edit is the owner's to review, not the successor's.
    assert successor.read(lambda engine: _rows(engine, "sync_error")) == {}


def _audit_of(server: ServerProcess, user_id: str) -> list[dict[str, Any]]:
    engine = open_engine(server.database_url)
    try:
        with engine.connect() as connection:
            return query_audit(connection, user_id=user_id)
    finally:
        engine.dispose()


def _pending(engine: Engine) -> int:
    with engine.connect() as connection:
        query = select(func.count()).select_from(outbox).where(outbox.c.acked_at.is_(None))
        return int(connection.execute(query).scalar_one())
