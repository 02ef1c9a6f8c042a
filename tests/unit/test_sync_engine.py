"""The sync engine against an in-memory server that speaks the wire: push, pull, resets, wipe."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from desktop.operations.lease import LeaseState
from desktop.store.changes import create_record, read_record, update_record
from desktop.store.replica import open_replica
from desktop.store.schema import entity_tables, outbox, sync_state
from desktop.store.search_index import index_is_deferred
from desktop.sync import state
from desktop.sync.api import ApiClient
from desktop.sync.credentials import SERVICE, CredentialStore
from desktop.sync.engine import PullProgress, SyncEngine, SyncOptions
from desktop.sync.errors import Offline, ServerLostChanges, UpgradeRequired
from desktop.sync.faults import FaultKind, ScriptedFaults
from desktop.sync.inbox import SyncInbox
from desktop.sync.lease_source import replica_lease
from desktop.sync.transport import Transport
from tests.conftest import MemoryKeyring
from tests.unit.test_sync_fakes import BASE_URL, FakeWire


@dataclass
class Client:
    engine: Engine
    sync: SyncEngine
    faults: ScriptedFaults
    path: Path

    def write(self, entity: str, fields: dict[str, object]) -> str:
        with self.engine.begin() as connection:
            return create_record(connection, entity=entity, fields=fields)

    def edit(self, entity: str, record_id: str, changes: dict[str, object]) -> None:
        with self.engine.begin() as connection:
            update_record(connection, entity=entity, record_id=record_id, changes=changes)

    def row(self, entity: str, record_id: str) -> dict[str, object] | None:
        table = entity_tables[entity]
        with self.engine.connect() as connection:
            found = connection.execute(select(table).where(table.c.id == record_id)).mappings()
            first = found.first()
            return None if first is None else dict(first)

    def pending(self) -> int:
        return self.sync.pending_changes()


def make_client(folder: Path, wire: FakeWire, *, options: SyncOptions | None = None) -> Client:
    path = folder / "replica.sqlite3"
    engine = open_replica(path)
    client_id = state.ensure_client_id(engine)
    faults = ScriptedFaults()
    transport = Transport(base_url=BASE_URL, adapter=wire, faults=faults)
    credentials = CredentialStore(server_url=BASE_URL, login="wang")
    api = ApiClient(transport=transport, credentials=credentials, client_id=client_id)
    api.login(login="wang", password=wire.password)
    sync = SyncEngine(engine=engine, api=api, replica_path=path, options=options)
    return Client(engine, sync, faults, path)


@pytest.fixture
def wire() -> FakeWire:
    return FakeWire()


@pytest.fixture
def clients(tmp_path: Path, wire: FakeWire) -> Iterator[tuple[Client, Client]]:
    first = make_client(tmp_path / "a", wire)
    second = make_client(tmp_path / "b", wire)
    yield first, second
    first.engine.dispose()
    second.engine.dispose()


def _count(engine: Engine, entity: str) -> int:
    with engine.connect() as connection:
        table = entity_tables[entity]
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_change_on_one_client_reaches_the_other(clients: tuple[Client, Client]) -> None:
    alice, bob = clients
    customer_id = alice.write("customer", {"name": "上海华联", "phone": "021-555"})
    summary = alice.sync.sync_once()
    assert summary.pushed == 1 and alice.pending() == 0
    bob.sync.sync_once()
    row = bob.row("customer", customer_id)
    assert row is not None and row["name"] == "上海华联" and row["version"] == 1
    # The server's version of our own write came back, so the next edit names the right base.
    own = alice.row("customer", customer_id)
    assert own is not None and own["version"] == 1


def test_lost_acknowledgement_is_retried_without_duplicates(
    clients: tuple[Client, Client], wire: FakeWire
) -> None:
    alice, _ = clients
    alice.write("customer", {"name": "Acme"})
    alice.write("activity", {"customer_id": None, "kind": "call", "occurred_at": "2026-11-23"})
    alice.faults.add("/sync/push", FaultKind.DROP_RESPONSE, times=2)
    for _ in range(2):
        with pytest.raises(Offline):
            alice.sync.sync_once()
    alice.sync.sync_once()
    assert alice.pending() == 0
    upserts = [entry for entry in wire.state.log if entry.op == "upsert"]
    assert len(upserts) == 2  # each record exactly once
    assert wire.state.last_mutation[alice.sync.api.client_id] == 2


def test_a_pulled_change_never_overwrites_a_pending_local_edit(
    clients: tuple[Client, Client], wire: FakeWire
) -> None:
    alice, _ = clients
    customer_id = alice.write("customer", {"name": "Acme", "phone": "1"})
    alice.sync.sync_once()
    alice.edit("customer", customer_id, {"phone": "2"})
    wire.server_write("customer", customer_id, {"name": "Acme Ltd"})
    # Pull only (push is blocked by a dropped request), so the local edit is still pending.
    alice.faults.add("/sync/push", FaultKind.DROP_REQUEST)
    with pytest.raises(Offline):
        alice.sync.sync_once()
    cursor_before = state.get(alice.engine, state.CURSOR)
    page = alice.sync.api.pull(cursor=cursor_before, limit=100)
    assert alice.sync.apply_page(page, from_cursor=cursor_before) == 1  # held back
    row = alice.row("customer", customer_id)
    assert row is not None and row["phone"] == "2" and row["name"] == "Acme"
    alice.sync.sync_once()  # now the edit goes up and the merged record comes back
    row = alice.row("customer", customer_id)
    assert row is not None and row["phone"] == "2" and row["name"] == "Acme Ltd"


def test_exit_waits_for_pending_changes_of_the_bucket(
    clients: tuple[Client, Client], wire: FakeWire
) -> None:
    alice, _ = clients
    customer_id = alice.write("customer", {"name": "Leaving Co"})
    alice.sync.sync_once()
    note_id = alice.write(
        "activity",
        {"customer_id": customer_id, "kind": "visit", "occurred_at": "2026-11-23T09:00:00Z"},
    )
    wire.exit_customer(customer_id)
    cursor = state.get(alice.engine, state.CURSOR)
    page = alice.sync.api.pull(cursor=cursor, limit=100)
    alice.sync.apply_page(page, from_cursor=cursor)
    assert alice.row("customer", customer_id) is not None  # the note is still pending
    assert state.get(alice.engine, state.DEFERRED_EXITS) == json.dumps([customer_id])
    alice.sync.sync_once()
    assert wire.record("activity", note_id) is not None  # the note reached the server first
    assert alice.row("customer", customer_id) is None
    assert alice.row("activity", note_id) is None


def client_of_25_customers_in_pages_of_10(folder: Path, wire: FakeWire) -> Client:
    """A new client of a server holding 25 customers, which it pulls in three pages."""
    for number in range(25):
        wire.server_write("customer", f"c{number:03}", {"name": f"客户 {number}"})
    return make_client(folder, wire, options=SyncOptions(pull_limit=10))


def test_long_pull_is_paged_with_progress_and_resumes_after_a_cut(
    tmp_path: Path, wire: FakeWire
) -> None:
    client = client_of_25_customers_in_pages_of_10(tmp_path / "cut", wire)
    seen: list[int] = []
    estimates: list[int | None] = []

    def on_progress(progress: PullProgress) -> None:
        seen.append(progress.rows_so_far)
        estimates.append(progress.estimated_total)

    client.sync.on_progress = on_progress
    page = client.sync.api.pull(cursor=None, limit=10)
    client.sync.apply_page(page, from_cursor=None)  # page 1 lands with its cursor ...
    client.faults.add("/sync/pull", FaultKind.DROP_RESPONSE)  # ... page 2's answer is lost
    with pytest.raises(Offline):
        client.sync.sync_once()
    assert _count(client.engine, "customer") == 10
    summary = client.sync.sync_once()
    assert summary.pulled == 15  # resumed at page 2: nothing fetched twice
    assert seen == [10, 15]
    assert estimates == [15, 15]  # extrapolated from the server high-water seq, then exact
    uncut = make_client(tmp_path / "uncut", wire, options=SyncOptions(pull_limit=10))
    uncut.sync.sync_once()
    table = entity_tables["customer"]
    with client.engine.connect() as cut_db, uncut.engine.connect() as uncut_db:
        assert cut_db.execute(select(table).order_by(table.c.id)).all() == (
            uncut_db.execute(select(table).order_by(table.c.id)).all()
        )
    client.engine.dispose()
    uncut.engine.dispose()


def test_rejected_mutation_does_not_block_the_queue_and_lands_in_the_inbox(
    clients: tuple[Client, Client], wire: FakeWire
) -> None:
    alice, _ = clients
    ids = [alice.write("customer", {"name": f"Customer {n}"}) for n in range(10)]
    wire.reject_ids.add(ids[4])
    summary = alice.sync.sync_once()
    assert summary.pushed == 10 and summary.rejected == 1 and alice.pending() == 0
    assert sum(1 for record_id in ids if wire.record("customer", record_id)) == 9
    errors = SyncInbox(engine=alice.engine).sync_errors()
    assert len(errors) == 1 and errors[0].entity_id == ids[4]
    assert errors[0].rejected == {"name": "Customer 4"} and errors[0].rejected_op == "create"
    SyncInbox(engine=alice.engine).dismiss_sync_error(sync_error_id=errors[0].id)
    assert SyncInbox(engine=alice.engine).counts() == (0, 0)


def test_epoch_change_rebuilds_the_replica_and_pushes_the_outbox_again(
    clients: tuple[Client, Client], wire: FakeWire
) -> None:
    alice, _ = clients
    old_id = alice.write("customer", {"name": "Before backup"})
    alice.sync.sync_once()
    backup = wire.snapshot()
    lost_id = alice.write("customer", {"name": "After backup"})
    alice.sync.sync_once()  # acknowledged, then the server loses it in the restore
    pending_id = alice.write("customer", {"name": "Still pending"})
    wire.restore_backup(backup)
    summary = alice.sync.sync_once()
    assert summary.resets == 1
    assert wire.record("customer", lost_id) is not None  # given back from the kept outbox
    assert wire.record("customer", pending_id) is not None
    assert alice.pending() == 0
    for record_id in (old_id, lost_id, pending_id):
        assert alice.row("customer", record_id) is not None
    assert state.get(alice.engine, state.EPOCH) == wire.state.epoch


def test_server_that_lost_acknowledged_pushes_gets_them_again(
    clients: tuple[Client, Client], wire: FakeWire
) -> None:
    alice, _ = clients
    alice.write("customer", {"name": "One"})
    alice.sync.sync_once()
    backup = wire.snapshot()
    second = alice.write("customer", {"name": "Two"})
    alice.sync.sync_once()
    # Same epoch but the server forgot mutation 2 (restored without bumping its epoch).
    epoch = wire.state.epoch
    wire.restore_backup(backup)
    wire.state.epoch = epoch
    alice.write("customer", {"name": "Three"})
    alice.sync.sync_once()
    assert wire.record("customer", second) is not None
    assert wire.state.last_mutation[alice.sync.api.client_id] == 3


def test_changes_older_than_the_kept_outbox_are_reported_not_ignored(
    clients: tuple[Client, Client], wire: FakeWire
) -> None:
    alice, _ = clients
    alice.write("customer", {"name": "One"})
    alice.sync.sync_once()
    with alice.engine.begin() as connection:
        connection.execute(outbox.delete())  # retention window passed
    alice.write("customer", {"name": "Two"})
    wire.state.last_mutation.clear()  # the server forgot everything of ours
    with pytest.raises(ServerLostChanges, match="Tell your administrator"):
        alice.sync.sync_once()
    assert alice.pending() == 1  # still kept


def test_upgrade_required_stops_and_keeps_the_outbox(
    clients: tuple[Client, Client], wire: FakeWire
) -> None:
    alice, _ = clients
    alice.write("customer", {"name": "Kept"})
    wire.min_protocol = 99
    with pytest.raises(UpgradeRequired, match="please update it"):
        alice.sync.sync_once()
    assert alice.pending() == 1
    assert state.get(alice.engine, state.STOPPED_REASON) == "upgrade_required"
    wire.min_protocol = 1
    alice.sync.sync_once()
    assert alice.pending() == 0
    assert state.get(alice.engine, state.STOPPED_REASON) is None


def test_expired_access_token_is_refreshed_and_rotated(
    clients: tuple[Client, Client], wire: FakeWire, memory_keyring: MemoryKeyring
) -> None:
    alice, _ = clients
    alice.write("customer", {"name": "Acme"})
    old_refresh = wire.refresh_token
    wire.expire_access_tokens()
    alice.sync.sync_once()
    assert alice.pending() == 0
    assert wire.refresh_token != old_refresh
    stored = memory_keyring.get_password(SERVICE, f"{BASE_URL}|wang")
    assert stored == wire.refresh_token
    with alice.engine.connect() as connection:
        values = " ".join(str(v) for (v,) in connection.execute(select(sync_state.c.value)))
    assert str(wire.refresh_token) not in values  # never in the database


def test_deactivated_account_drains_then_wipes_everything(
    tmp_path: Path, wire: FakeWire, memory_keyring: MemoryKeyring
) -> None:
    client = make_client(tmp_path, wire)
    (tmp_path / "backups").mkdir()
    (tmp_path / "backups" / "replica-0001.sqlite3").write_bytes(b"old copy")
    customer_id = client.write("customer", {"name": "Last visit"})
    wire.account_state = "deactivated"
    client.sync.before_wipe = lambda: wire.calls.append("before wipe")
    summary = client.sync.sync_once()
    assert wire.calls.index("/sync/push") < wire.calls.index("before wipe")
    assert wire.calls.index("before wipe") < wire.calls.index("/sync/drained")
    assert wire.record("customer", customer_id) is not None  # the drain captured it
    assert summary.wiped is not None and summary.account_state == "wipe"
    assert summary.wiped.keyring_entry_deleted
    assert not client.path.exists() and not (tmp_path / "backups").exists()
    assert not Path(f"{client.path}-wal").exists()
    assert memory_keyring.secrets == {}
    assert "/sync/pull" not in wire.calls  # no new data reached the laptop
    assert client.sync.sync_once().account_state == "wipe"  # stays wiped, no more calls


def test_offline_lease_inputs_feed_the_one_lease_rule(clients: tuple[Client, Client]) -> None:
    """The engine records the last sync and the server's allowance; `desktop.operations.lease`
    alone decides (through `replica_lease`, as the app and the command line do)."""
    alice, _ = clients
    now = datetime.now(UTC)
    no_machine_limit = lambda: None  # noqa: E731
    lease = replica_lease(alice.engine, machine_max_offline_days=no_machine_limit)
    assert lease.status().state is LeaseState.OPEN  # never synced: the sign-in itself was online
    alice.sync.sync_once()
    last = alice.sync.last_sync_at()
    assert last is not None and abs(now - last) < timedelta(minutes=1)
    assert state.get(alice.engine, state.MAX_OFFLINE_DAYS) == "14"  # from the server's hello

    def at(moment: datetime) -> LeaseState:
        return (
            replica_lease(
                alice.engine, machine_max_offline_days=no_machine_limit, clock=lambda: moment
            )
            .status()
            .state
        )

    assert at(last + timedelta(days=10)) is LeaseState.OPEN
    assert at(last + timedelta(days=15)) is LeaseState.LOCKED


def test_reapplying_a_lost_value_is_a_new_local_edit(clients: tuple[Client, Client]) -> None:
    alice, _ = clients
    customer_id = alice.write("customer", {"name": "Acme", "phone": "mine"})
    alice.sync.sync_once()
    conflict_id = "k1"
    with alice.engine.begin() as connection:
        connection.execute(
            entity_tables["conflict"]
            .insert()
            .values(
                id=conflict_id,
                customer_id=customer_id,
                entity="customer",
                entity_id=customer_id,
                field="phone",
                kept_value="theirs",
                lost_value="mine again",
                version=1,
            )
        )
    inbox = SyncInbox(engine=alice.engine)
    assert [item.id for item in inbox.conflicts()] == [conflict_id]
    changed = inbox.reapply_lost_value(conflict_id=conflict_id)
    assert changed == {"phone": "mine again"}
    assert alice.pending() == 1 and inbox.conflicts() == []
    with alice.engine.connect() as connection:
        assert read_record(connection, entity="customer", record_id=customer_id)["phone"] == (
            "mine again"
        )


def test_refused_edit_gives_way_to_the_change_held_back_meanwhile(
    clients: tuple[Client, Client], wire: FakeWire
) -> None:
    alice, _ = clients
    customer_id = alice.write("customer", {"name": "Acme", "phone": "1"})
    alice.sync.sync_once()
    alice.edit("customer", customer_id, {"phone": "mine"})
    wire.server_write("customer", customer_id, {"phone": "colleague"})
    cursor = state.get(alice.engine, state.CURSOR)
    page = alice.sync.api.pull(cursor=cursor, limit=100)
    assert alice.sync.apply_page(page, from_cursor=cursor) == 1  # held back behind our edit
    wire.reject_ids.add(customer_id)
    alice.sync.sync_once()  # our edit is refused: nothing of ours comes back
    row = alice.row("customer", customer_id)
    assert row is not None and row["phone"] == "colleague" and row["version"] == 2
    assert SyncInbox(engine=alice.engine).sync_errors()[0].rejected == {"phone": "mine"}


def test_held_change_is_dropped_when_our_accepted_edit_comes_back(
    clients: tuple[Client, Client], wire: FakeWire
) -> None:
    alice, _ = clients
    customer_id = alice.write("customer", {"name": "Acme", "phone": "1"})
    alice.sync.sync_once()
    alice.edit("customer", customer_id, {"phone": "mine"})
    wire.server_write("customer", customer_id, {"phone": "colleague"})
    cursor = state.get(alice.engine, state.CURSOR)
    alice.sync.apply_page(alice.sync.api.pull(cursor=cursor, limit=100), from_cursor=cursor)
    alice.sync.sync_once()
    row = alice.row("customer", customer_id)
    assert row is not None and row["phone"] == "mine" and row["version"] == 3  # arrival order
    with alice.engine.connect() as connection:
        keys = [key for (key,) in connection.execute(select(sync_state.c.key))]
    assert not [key for key in keys if key.startswith("held:")]


def test_refused_creation_leaves_the_replica_but_not_the_inbox(
    clients: tuple[Client, Client], wire: FakeWire
) -> None:
    alice, _ = clients
    refused = alice.write("customer", {"name": "Not allowed"})
    wire.reject_ids.add(refused)
    alice.sync.sync_once()
    assert alice.row("customer", refused) is None  # the server never had it
    errors = SyncInbox(engine=alice.engine).sync_errors()
    assert errors[0].rejected == {"name": "Not allowed"}  # nothing is lost


def test_initial_pull_leaves_the_search_index_built(clients: tuple[Client, Client], wire: FakeWire):
    alice, _ = clients
    for number in range(3):
        wire.server_write("customer", f"c{number}", {"name": f"上海建工 {number}"})
    assert alice.sync.sync_once().pulled == 3
    with alice.engine.connect() as connection:
        assert not index_is_deferred(connection)  # built once after the last page, not later
        indexed = connection.exec_driver_sql("SELECT count(*) FROM search_doc").scalar()
    assert indexed == 3
