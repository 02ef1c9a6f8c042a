"""Adopting a replica snapshot: the data comes from the file, what this computer wrote stays.

The snapshot here is made the way the server makes one (a replica filled by the demo firm's
loader, then `VACUUM INTO`), so the adoption is tested against a real replica file.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from desktop.store import engine as engine_module
from desktop.store import snapshot as snapshot_module
from desktop.store.bulk import load_demo_firm
from desktop.store.changes import create_record
from desktop.store.engine import ReplicaBusy, file_to_ourselves
from desktop.store.replica import open_replica
from desktop.store.schema import entity_tables
from desktop.store.search import search
from desktop.store.snapshot import LOCAL_TABLES, SnapshotRefused, adopt_snapshot
from desktop.sync import state
from protocol.demo_firm import generate_firm

CURSOR = {"cursor": "epoch-1:4242", "epoch": "epoch-1"}


def _tables(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as connection:
        return {
            str(name)
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }


def _count(path: Path, table: str) -> int:
    with closing(sqlite3.connect(path)) as connection:
        return int(connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])


@pytest.fixture(scope="module")
def snapshot_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished replica of a small firm, written compact as the server writes snapshots."""
    folder = tmp_path_factory.mktemp("snapshot")
    engine = open_replica(folder / "built.sqlite3")
    load_demo_firm(engine, generate_firm(customers=40, activities=200, today=date(2026, 11, 23)))
    state.put(engine, client_id="the-builder", login="builder")  # must not reach the client
    engine.dispose()
    with closing(sqlite3.connect(folder / "built.sqlite3")) as connection:
        connection.execute("VACUUM INTO ?", (str(folder / "snapshot.sqlite3"),))
    return folder / "snapshot.sqlite3"


@pytest.fixture
def snapshot(snapshot_source: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "download.sqlite3"
    copy.write_bytes(snapshot_source.read_bytes())
    return copy


@pytest.fixture
def replica_path(tmp_path: Path) -> Path:
    return tmp_path / "replica.sqlite3"


@pytest.fixture
def replica(replica_path: Path) -> Engine:
    engine = open_replica(replica_path)
    state.put(engine, server_url="https://crm.example", login="li.na")
    state.ensure_client_id(engine)
    return engine


def test_every_table_is_either_local_or_the_servers(
    replica: Engine, replica_path: Path, snapshot_source: Path
) -> None:
    """A new table must be placed: kept through an adoption (local) or taken from the snapshot."""
    derived = {
        "alembic_version",
        "customer_tag",
        "initial_load_index",
        "search_bulk_mode",
        "search_deferred",
        "search_doc",
        "search_pending",
        *(
            f"search_{kind}{part}"
            for kind in ("party", "note")
            for part in ("", "_data", "_idx", "_content", "_docsize", "_config")
        ),
    }
    # A new replica's tables, and those made on first use (a finished load has them all).
    tables = _tables(replica_path) | _tables(snapshot_source)
    assert tables - set(LOCAL_TABLES) - set(entity_tables) == derived


@pytest.fixture(params=["renamed", "copied"])
def adoption_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways a snapshot takes the replica's place: renamed over it (POSIX), or its pages
    copied in (Windows, or when the rename fails)."""
    if request.param == "copied":
        monkeypatch.setattr(snapshot_module, "_rename_over", lambda *_a, **_k: False)
    return str(request.param)


def test_adopting_brings_the_data_and_keeps_what_this_computer_wrote(
    replica: Engine, replica_path: Path, snapshot: Path, snapshot_source: Path, adoption_path: str
) -> None:
    client_id = state.get(replica, state.CLIENT_ID)
    with replica.begin() as connection:  # an acknowledged entry: its id must never be reused
        connection.exec_driver_sql(
            "INSERT INTO outbox (mutation_id, entity, entity_id, op, changed_fields, "
            "base_version, created_at, acked_at) VALUES (77, 'customer', 'x', 'create', '{}', "
            "0, '2026-11-20', '2026-11-20')"
        )
    adopt_snapshot(
        replica, replica_path=replica_path, snapshot_path=snapshot, sync_state_values=CURSOR
    )
    assert state.get(replica, state.CLIENT_ID) == client_id != "the-builder"
    assert state.get(replica, state.LOGIN) == "li.na"
    assert state.get(replica, state.CURSOR) == CURSOR["cursor"]
    assert state.get(replica, state.EPOCH) == CURSOR["epoch"]
    for table in ("customer", "contact", "activity"):
        assert _count(replica_path, table) == _count(snapshot_source, table) > 0
    with replica.connect() as connection:
        name = connection.exec_driver_sql("SELECT name FROM customer LIMIT 1").scalar_one()
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
    assert any(hit.title == name for hit in search(replica, query=name))
    # The next local record gets an id after the kept entry's.
    with replica.begin() as connection:
        create_record(connection, entity="customer", fields={"name": "新客户"})
        newest = connection.exec_driver_sql("SELECT max(mutation_id) FROM outbox").scalar_one()
    assert newest == 78


def test_a_replica_with_records_is_never_overwritten(
    replica: Engine, replica_path: Path, snapshot: Path
) -> None:
    with replica.begin() as connection:
        create_record(connection, entity="customer", fields={"name": "离线新客户"})
    with pytest.raises(SnapshotRefused):
        adopt_snapshot(
            replica, replica_path=replica_path, snapshot_path=snapshot, sync_state_values=CURSOR
        )
    assert _count(replica_path, "customer") == 1
    assert state.get(replica, state.CURSOR) is None


def test_a_snapshot_of_another_schema_is_refused(
    replica: Engine, replica_path: Path, snapshot: Path
) -> None:
    with closing(sqlite3.connect(snapshot)) as connection, connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(SnapshotRefused, match="9999"):
        adopt_snapshot(
            replica, replica_path=replica_path, snapshot_path=snapshot, sync_state_values=CURSOR
        )
    assert _count(replica_path, "customer") == 0


def test_a_damaged_download_is_refused(replica: Engine, replica_path: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(SnapshotRefused):
        adopt_snapshot(
            replica, replica_path=replica_path, snapshot_path=junk, sync_state_values=CURSOR
        )
    assert state.get(replica, state.LOGIN) == "li.na"


def test_another_program_holding_the_file_open_stops_the_adoption(
    replica: Engine, replica_path: Path, snapshot: Path
) -> None:
    other = sqlite3.connect(replica_path)
    other.execute("SELECT count(*) FROM customer").fetchone()
    try:
        with pytest.raises(ReplicaBusy):
            adopt_snapshot(
                replica,
                replica_path=replica_path,
                snapshot_path=snapshot,
                sync_state_values=CURSOR,
            )
    finally:
        other.close()
    assert _count(replica_path, "customer") == 0
    # Nothing is left locked: the next attempt goes through.
    adopt_snapshot(
        replica, replica_path=replica_path, snapshot_path=snapshot, sync_state_values=CURSOR
    )
    assert _count(replica_path, "customer") > 0


def test_other_threads_wait_for_the_file_instead_of_failing(
    replica: Engine, replica_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Held far longer than SQLite's busy timeout: a reader that waited on the file lock alone
    # would fail with "database is locked"; one held at checkout just waits.
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 20)
    seen: list[str | None] = []
    with file_to_ourselves(replica, replica_path) as connection:
        reader = threading.Thread(target=lambda: seen.append(state.get(replica, state.LOGIN)))
        reader.start()
        reader.join(timeout=0.5)
        assert reader.is_alive() and not seen  # waiting at checkout, not failing
        connection.execute("UPDATE sync_state SET value = 'wang.wei' WHERE key = 'login'")
    reader.join(timeout=5)
    assert seen == ["wang.wei"]


def test_a_program_that_opened_the_old_file_meanwhile_cannot_write_into_it(
    replica: Engine, replica_path: Path, snapshot: Path
) -> None:
    """It waited for the lock on the file the snapshot replaced: it gets an error, and the
    record it tried to write is not silently kept in a file nobody reads again."""
    if os.name != "posix":
        pytest.skip("the snapshot is renamed over the replica on POSIX systems only")
    outcome: list[BaseException | None] = []
    opened = threading.Event()

    def late_writer() -> None:
        connection = sqlite3.connect(replica_path, timeout=10)
        opened.set()
        try:
            connection.execute("INSERT INTO sync_state (key, value) VALUES ('late', 'x')")
            connection.commit()
            outcome.append(None)
        except sqlite3.DatabaseError as error:
            outcome.append(error)
        finally:
            connection.close()

    with file_to_ourselves(replica, replica_path) as connection:
        writer = threading.Thread(target=late_writer)
        writer.start()
        assert opened.wait(5)
        time.sleep(0.2)  # it now waits for our lock, on the old file
        connection.execute("PRAGMA journal_mode=DELETE")
        assert snapshot_module._rename_over(replica_path, snapshot_path=snapshot)
    writer.join(timeout=15)
    assert len(outcome) == 1 and isinstance(outcome[0], sqlite3.DatabaseError)
    assert "not a database" in str(outcome[0])
    assert _count(replica_path, "customer") > 0  # the path now holds the snapshot
