"""Failure scenarios 7, 8, 9 and 10 of docs/sync-protocol.md against the real server: reassignment
under an offline owner, a leaver's drain and wipe, a server restored from a backup, version skew.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from desktop.store.schema import outbox
from desktop.sync import api as sync_api
from desktop.sync import state
from desktop.sync import transport as sync_transport
from desktop.sync.credentials import SERVICE
from desktop.sync.errors import UpgradeRequired
from desktop.sync.faults import Fault
from desktop.sync.inbox import SyncInbox
from tests.conftest import MemoryKeyring
from tests.integration.conftest import (
    Desk,
    DeskFactory,
    Firm,
    comparable,
    sqlite_server,
    sqlite_url,
    start_server,
)


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Firm]:
    """SQLite only: the client side is what these scenarios exercise (PostgreSQL runs in
    test_scenarios_core), and one server per module keeps the suite quick."""
    with sqlite_server(tmp_path_factory) as running:
        yield running


class RecordingFaults:
    """No faults; remembers every path the client asked for."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def fault_for(self, method: str, path: str) -> Fault | None:
        self.paths.append(path)
        return None


def test_7_reassignment_while_the_old_owner_is_offline(firm: Firm, desks: DeskFactory) -> None:
    old_login, new_login = firm.add_user("old"), firm.add_user("new")
    old = desks(old_login)
    customer_id = old.add_customer("易主公司", phone="010-1")
    first_note = old.add_activity(customer_id, "before the move")
    old.sync()
    # Offline: a note and a field edit, while the admin moves the customer.
    late_note = old.add_activity(customer_id, "taken offline")
    old.edit("customer", customer_id, phone="010-2")
    firm.reassign([customer_id], to_login=new_login)
    old.sync()
    assert old.pending() == 0
    assert old.row("customer", customer_id) is None  # removed, but only after the push
    assert old.row("activity", late_note) is None
    new_view = firm.server_view(new_login)
    assert ("activity", late_note) in new_view and ("activity", first_note) in new_view
    assert new_view[("customer", customer_id)]["phone"] == "010-1"  # the edit was refused ...
    errors = SyncInbox(engine=old.engine).sync_errors()
    assert [(e.entity_id, e.code) for e in errors] == [(customer_id, "forbidden")]
    assert errors[0].rejected.get("phone") == "010-2"  # ... and kept for review
    new = desks(new_login)
    new.sync()
    assert new.row("activity", first_note) is not None  # the full history moved with it
    assert comparable(new.view()) == comparable(new_view)


def test_8_leaver_drains_then_wipes(
    firm: Firm, desks: DeskFactory, memory_keyring: MemoryKeyring
) -> None:
    leaver_login, successor_login = firm.add_user("leaver"), firm.add_user("successor")
    recorder = RecordingFaults()
    leaver = desks(leaver_login, faults=recorder)
    (leaver.folder / "backups").mkdir()
    (leaver.folder / "backups" / "replica-before-upgrade.sqlite3").write_bytes(b"old copy")
    customer_id = leaver.add_customer("离职交接公司")
    leaver.sync()
    unsynced = [leaver.add_activity(customer_id, f"last visit {n}") for n in range(3)]
    firm.deactivate(leaver_login, handover_to=successor_login)
    other = desks(successor_login)
    other.add_customer("Not for the leaver")
    other.sync()
    recorder.paths.clear()
    summary = leaver.sync()
    assert summary.wiped is not None and summary.account_state == "wipe"
    assert "/sync/pull" not in recorder.paths  # no new data reached the laptop
    assert recorder.paths.index("/sync/push") < recorder.paths.index("/sync/drained")
    assert not leaver.path.exists() and not Path(f"{leaver.path}-wal").exists()
    assert not (leaver.folder / "backups").exists()
    assert summary.wiped.keyring_entry_deleted
    assert (SERVICE, f"{firm.base_url}|{leaver_login}") not in memory_keyring.secrets
    successor_view = firm.server_view(successor_login)
    assert ("customer", customer_id) in successor_view
    assert all(("activity", note) in successor_view for note in unsynced)


def _copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (what a nightly backup does)."""
    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.backup(copy)


def test_9_server_restored_from_an_older_backup(tmp_path: Path) -> None:
    from server.db import mark_restored

    database = tmp_path / "server" / "server.sqlite3"
    database.parent.mkdir()
    backup = tmp_path / "backup.sqlite3"
    with start_server(sqlite_url(database.parent)) as firm:
        logins = [firm.add_user("restore") for _ in range(2)]
        desks = [
            Desk(
                folder=tmp_path / login,
                base_url=firm.base_url,
                login=login,
                user_id=firm.user_ids[login],
            )
            for login in logins
        ]
        try:
            early = {desk.login: desk.add_customer(f"{desk.login} early") for desk in desks}
            for desk in desks:
                desk.sync()
            _copy_database(database, backup)
            lost = {
                desk.login: desk.add_customer(f"{desk.login} acked then lost") for desk in desks
            }
            for desk in desks:
                desk.sync()
            pending = {desk.login: desk.add_customer(f"{desk.login} pending") for desk in desks}
            _copy_database(backup, database)  # the restore ...
            engine = firm_engine(firm)
            mark_restored(engine)  # ... and the new epoch the restore procedure sets
            engine.dispose()
            for desk in desks:
                summary = desk.sync()
                assert summary.resets == 1
                assert desk.pending() == 0
            for desk in desks:
                desk.sync()
                view = firm.server_view(desk.login)
                for records in (early, lost, pending):
                    assert ("customer", records[desk.login]) in view
                assert comparable(desk.view()) == comparable(view)
                with desk.engine.connect() as connection:
                    assert state.read_value(connection, state.EPOCH) == firm_epoch(firm)
        finally:
            for desk in desks:
                desk.close()


def firm_engine(firm: Firm) -> Engine:
    return create_engine(firm.database_url)


def firm_epoch(firm: Firm) -> str:
    hello = firm.admin.get("/sync/hello").json()
    return str(hello["epoch"])


def test_10_version_skew(firm: Firm, desks: DeskFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    login = firm.add_user("skew")
    current = desks(login, name="current")
    customer_id = current.add_customer("新旧版本公司", phone="1", fax="021-fax", credit_notes="ok")
    current.sync()
    # An older client only knows some columns; it sends only the fields it changed, so the
    # columns it does not know are never blanked on the server.
    older = desks(login, name="older")
    older.sync()
    older.edit("customer", customer_id, phone="2")
    with older.engine.connect() as connection:
        sent = connection.execute(outbox.select().order_by(outbox.c.mutation_id.desc())).first()
    assert sent is not None and sent.changed_fields == '{"phone": "2"}'
    older.sync()
    record = firm.server_view(login)[("customer", customer_id)]
    assert (record["phone"], record["fax"], record["credit_notes"]) == ("2", "021-fax", "ok")
    # A page carrying a field this client has never heard of is applied without it.
    page_cursor = state.get(older.engine, state.CURSOR)
    page = {
        "changes": [
            {
                "seq": 1,
                "entity": "customer",
                "id": customer_id,
                "op": "upsert",
                "version": 99,
                "data": {**record, "loyalty_tier": "platinum"},
            },
            {"seq": 2, "entity": "hologram", "id": "h1", "op": "upsert", "version": 1, "data": {}},
        ],
        "next_cursor": page_cursor,
        "has_more": False,
        "epoch": state.get(older.engine, state.EPOCH),
    }
    older.sync_engine.apply_page(page, from_cursor=page_cursor)
    row = older.row("customer", customer_id)
    assert row is not None and row["version"] == 99 and row["fax"] == "021-fax"

    # A client below the server's minimum protocol: "upgrade required", outbox kept.
    monkeypatch.setattr(sync_transport, "PROTOCOL_VERSION", 0)
    monkeypatch.setattr(sync_api, "PROTOCOL_VERSION", 0)
    ancient = desks(login, name="ancient")
    note = ancient.add_activity(customer_id, "written on an old version")
    with pytest.raises(UpgradeRequired, match="update"):
        ancient.sync()
    assert ancient.pending() == 1
    assert state.get(ancient.engine, state.STOPPED_REASON) == "upgrade_required"
    monkeypatch.undo()  # the person installs the update
    ancient.transport.close()  # a new session carries the new protocol header
    ancient.sync()
    assert ancient.pending() == 0
    assert ("activity", note) in firm.server_view(login)
