"""Staff leave, knowledge stays: scenarios 7 and 8 of docs/sync-protocol.md with real processes.

A real `fieldbook-server` process (SQLite, and PostgreSQL through the `postgres_url` fixture),
real `fieldbook` CLI processes writing to each installation's own `--data-dir`, and IT closing the
account with `fieldbook-server user deactivate LOGIN --handover-to LOGIN2`.

Scenario 8: the leaver logs notes offline; IT deactivates and hands the book over; the leaver's
laptop syncs once more: the notes are uploaded (drain), nothing new comes down, then its data
directory is emptied (replica, backups, keyring entry). The successor's copy shows the customers
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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from desktop.operations.inherited import inherited_customers
from desktop.store.backup import backup_directory, backup_replica
from desktop.store.schema import entity_tables, outbox
from desktop.sync.credentials import SERVICE, account_name
from server.db import open_engine
from tests.conftest import MemoryKeyring
from tests.e2e.live_server import (
    FAST_SETTINGS,
    REPOSITORY,
    DesktopClient,
    Firm,
    People,
    ServerProcess,
    server_process,
    sign_in,
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
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
    """One laptop: a data directory used by `fieldbook` CLI processes and by the sync engine."""

    login: str
    data_dir: Path
    client: DesktopClient
    environment: dict[str, str]

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

    def sync(self) -> Any:
        return self.client.sync.sync_once()

    def pending(self) -> int:
        return int(self.cli_json("status")["pending_changes"])

    def customers(self) -> dict[str, dict[str, Any]]:
        """The customers in this copy (read in-process: CLI processes cost seconds each)."""
        table = entity_tables["customer"]
        with self.client.engine.connect() as connection:
            return {row.id: dict(row._mapping) for row in connection.execute(select(table))}


def install(server: ServerProcess, login: str, folder: Path) -> Installation:
    data_dir = folder / f"data-{login}"
    environment = dict(os.environ)
    environment.update(
        FIELDBOOK_USER_SETTINGS=str(folder / f"user-{login}.json"),
        FIELDBOOK_MACHINE_SETTINGS=str(folder / "machine.json"),
        QT_QPA_PLATFORM="offscreen",
    )
    (folder / "machine.json").write_text("{}", encoding="utf-8")
    client = sign_in(server.url, login=login, data_dir=data_dir)
    installation = Installation(login, data_dir, client, environment)
    installation.sync()  # the first sync brings the user's own record and reference data
    return installation


def activities_of(installation: Installation, customer_id: str) -> dict[str, dict[str, Any]]:
    table = entity_tables["activity"]
    with installation.client.engine.connect() as connection:
        rows = connection.execute(select(table).where(table.c.customer_id == customer_id))
        return {row.id: dict(row._mapping) for row in rows}


def files_holding(folder: Path, needle: str) -> list[Path]:
    encoded = needle.encode("utf-8")
    return [path for path in folder.rglob("*") if path.is_file() and encoded in path.read_bytes()]


def test_a_leaver_with_unsynced_notes_is_drained_wiped_and_succeeded(
    live: tuple[ServerProcess, Firm], tmp_path: Path, memory_keyring: MemoryKeyring
):
    server, firm = live
    leaver = install(server, "li", tmp_path)
    customer = leaver.cli_json("customer", "add", "--name", "上海建工集团", "--tier", "gold")["id"]
    assert leaver.sync().pushed == 1

    # Offline: two notes only this laptop knows.
    for note in ("客户要求降价 5%", "下周一发新报价"):
        leaver.cli("activity", "log", "--customer", customer, "--kind", "note", "--notes", note)
    assert leaver.pending() == 2
    # A safety copy exists (as after a schema upgrade): the wipe must remove it too.
    backup_replica(leaver.client.replica_path, revision="test")
    account = account_name(server_url=server.url, login="li")
    assert memory_keyring.get_password(SERVICE, account)

    # IT closes the account and hands the book to the successor.
    closed = server.admin_command("user", "deactivate", "li", "--handover-to", "zhao")
    assert closed.returncode == 0, closed.stderr
    assert "li is deactivated" in closed.stdout

    # The leaver's laptop comes online once more: drain, then wipe.
    summary = leaver.sync()
    assert summary.account_state == "wipe"
    assert summary.pushed == 2 and summary.rejected == 0
    assert summary.pulled == 0  # no new data reached the laptop
    assert summary.wiped is not None and summary.wiped.keyring_entry_deleted
    assert not leaver.client.replica_path.exists()
    assert not backup_directory(leaver.client.replica_path).exists()
    assert memory_keyring.get_password(SERVICE, account) is None
    assert files_holding(leaver.data_dir, "上海建工集团") == []
    assert files_holding(leaver.data_dir, "客户要求降价") == []

    # The successor sees the customer with its whole history, the offline notes included.
    successor = install(server, "zhao", tmp_path)
    listed = successor.customers()
    assert [(row["name"], row["owner_id"]) for row in listed.values()] == [
        ("上海建工集团", firm.successor)
    ]
    history = activities_of(successor, customer)
    assert sorted(row["notes"] for row in history.values()) == ["下周一发新报价", "客户要求降价 5%"]
    assert {row["recorded_by"] for row in history.values()} == {firm.leaver}
    queue = inherited_customers(successor.client.engine, user_id=firm.successor, now="2026-12-01")
    assert [item.customer_id for item in queue] == [customer]
    assert queue[0].previous_owner == "李娜" and queue[0].activity_count == 2
    successor.client.close()


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
    assert owner.pending() == 2

    reassigned = server.admin_command("customer", "reassign", moved_id, "--to", "zhao")
    assert reassigned.returncode == 0, reassigned.stderr

    # Until the owner syncs, their copy still holds the customer and the pending changes.
    assert moved_id in owner.customers()
    summary = owner.sync()
    assert summary.pushed == 2 and summary.rejected == 1  # the note applied, the edit refused
    with owner.client.engine.connect() as connection:
        assert connection.execute(select(outbox).where(outbox.c.acked_at.is_(None))).all() == []
        errors = connection.execute(select(entity_tables["sync_error"])).mappings().all()
    assert [(e["entity"], e["entity_id"]) for e in errors] == [("customer", moved_id)]
    assert "+862155550101" in (errors[0]["rejected"] or "")  # kept, in E.164 form
    # After the push, the moved customer and its history left the owner's copy; the other stayed.
    assert set(owner.customers()) == {kept_id}
    assert activities_of(owner, moved_id) == {}

    successor = install(server, "zhao", tmp_path)
    listed = successor.customers()
    assert list(listed) == [moved_id]
    assert listed[moved_id]["owner_id"] == firm.successor
    assert listed[moved_id]["phone"] == moved_phone  # the refused edit did not apply
    history = activities_of(successor, moved_id)
    assert [row["notes"] for row in history.values()] == ["离线笔记"]
    with successor.client.engine.connect() as connection:
        # The refused edit is the owner's to review, not the successor's.
        assert connection.execute(select(entity_tables["sync_error"])).all() == []
    owner.client.close()
    successor.client.close()
