"""An empty replica's first sync starts from the server's snapshot when there is one.

The snapshot served here is what the server builds: the replica of another client that pulled
the same scope, written compact with `VACUUM INTO`, with the cursor that client stopped at.
Whatever goes wrong with it (a damaged download, another schema, a replica that already holds
something), the sync ends with the same data as a pull from the start.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from desktop.store.schema import entity_tables
from desktop.sync import state
from desktop.sync.engine import PullProgress
from desktop.sync.errors import Offline
from desktop.sync.faults import FaultKind
from protocol.messages import SNAPSHOT_CURSOR_HEADER, SNAPSHOT_ROWS_HEADER, SNAPSHOT_SHA256_HEADER
from tests.unit.test_sync_engine import Client, make_client
from tests.unit.test_sync_fakes import FakeWire


def _customers(client: Client) -> set[str]:
    table = entity_tables["customer"]
    with client.engine.connect() as connection:
        return set(connection.execute(select(table.c.id)).scalars())


def _count(client: Client) -> int:
    table = entity_tables["customer"]
    with client.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def serve_snapshot_of(builder: Client, wire: FakeWire, *, rows: int) -> bytes:
    """Serve the builder's replica (after a full pull) as the scope's snapshot."""
    builder.sync.sync_once()
    cursor = state.get(builder.engine, state.CURSOR)
    assert cursor is not None
    builder.engine.dispose()
    target = builder.path.with_name("snapshot.sqlite3")
    with closing(sqlite3.connect(builder.path)) as connection:
        connection.execute("VACUUM INTO ?", (str(target),))
    content = target.read_bytes()
    wire.served_snapshot = (
        content,
        {
            SNAPSHOT_CURSOR_HEADER: cursor,
            SNAPSHOT_SHA256_HEADER: hashlib.sha256(content).hexdigest(),
            SNAPSHOT_ROWS_HEADER: str(rows),
        },
    )
    return content


@pytest.fixture
def wire() -> FakeWire:
    wire = FakeWire()
    for number in range(30):
        wire.server_write("customer", f"c{number:03}", {"name": f"建筑客户 {number}"})
    return wire


def test_a_first_sync_adopts_the_snapshot_then_pulls_only_what_is_newer(
    tmp_path: Path, wire: FakeWire
) -> None:
    serve_snapshot_of(make_client(tmp_path / "builder", wire), wire, rows=30)
    wire.server_write("customer", "c-after", {"name": "快照之后的客户"})
    client = make_client(tmp_path / "new", wire)
    progress: list[PullProgress] = []
    client.sync.on_progress = progress.append
    wire.pull_cursors.clear()
    summary = client.sync.sync_once()
    assert wire.pull_cursors[0] == "epoch-1:30"  # on from the snapshot, not from the start
    assert _customers(client) == {f"c{n:03}" for n in range(30)} | {"c-after"}
    assert summary.pulled == 31
    rows = [report.rows_so_far for report in progress]
    assert rows == sorted(rows) and rows[-1] == 31
    assert not client.path.with_name("replica.sqlite3.snapshot").exists()
    # What this computer wrote itself is kept; the builder's own state is not taken over.
    assert state.get(client.engine, state.CLIENT_ID) == client.sync.api.client_id
    client.write("customer", {"name": "新客户"})
    assert client.sync.sync_once().pushed == 1


def test_without_a_snapshot_the_first_sync_pulls_from_the_start(
    tmp_path: Path, wire: FakeWire
) -> None:
    client = make_client(tmp_path / "new", wire)
    client.sync.sync_once()
    assert "/sync/snapshot" in wire.calls
    assert wire.pull_cursors[0] is None
    assert _count(client) == 30


def test_a_damaged_download_is_dropped_and_the_sync_pulls_from_the_start(
    tmp_path: Path, wire: FakeWire, caplog: pytest.LogCaptureFixture
) -> None:
    content = serve_snapshot_of(make_client(tmp_path / "builder", wire), wire, rows=30)
    assert wire.served_snapshot is not None
    damaged = content[:4096] + b"\0" * 64 + content[4096 + 64 :]
    wire.served_snapshot = (damaged, wire.served_snapshot[1])
    client = make_client(tmp_path / "new", wire)
    wire.pull_cursors.clear()
    with caplog.at_level(logging.WARNING):
        client.sync.sync_once()
    assert "damaged" in caplog.text
    assert wire.pull_cursors[0] is None
    assert _count(client) == 30
    assert not client.path.with_name("replica.sqlite3.snapshot").exists()


def test_a_snapshot_of_another_schema_is_not_adopted(
    tmp_path: Path, wire: FakeWire, caplog: pytest.LogCaptureFixture
) -> None:
    builder = make_client(tmp_path / "builder", wire)
    serve_snapshot_of(builder, wire, rows=30)
    with closing(sqlite3.connect(builder.path.with_name("snapshot.sqlite3"))) as connection:
        with connection:
            connection.execute("UPDATE alembic_version SET version_num = '0001'")
        connection.execute("VACUUM")
    content = builder.path.with_name("snapshot.sqlite3").read_bytes()
    assert wire.served_snapshot is not None
    headers = dict(wire.served_snapshot[1])
    headers[SNAPSHOT_SHA256_HEADER] = hashlib.sha256(content).hexdigest()
    wire.served_snapshot = (content, headers)
    client = make_client(tmp_path / "new", wire)
    with caplog.at_level(logging.WARNING):
        client.sync.sync_once()
    assert "schema" in caplog.text
    assert _count(client) == 30


def test_a_replica_holding_an_offline_record_never_asks_for_a_snapshot(
    tmp_path: Path, wire: FakeWire
) -> None:
    serve_snapshot_of(make_client(tmp_path / "builder", wire), wire, rows=30)
    client = make_client(tmp_path / "new", wire)
    mine = client.write("customer", {"name": "离线时记下的客户"})
    wire.calls.clear()
    client.sync.sync_once()
    assert "/sync/snapshot" not in wire.calls
    assert mine in _customers(client) and _count(client) == 31


def test_a_connection_lost_during_the_download_fails_the_sync_and_the_next_one_adopts(
    tmp_path: Path, wire: FakeWire
) -> None:
    serve_snapshot_of(make_client(tmp_path / "builder", wire), wire, rows=30)
    client = make_client(tmp_path / "new", wire)
    client.faults.add("/sync/snapshot", FaultKind.DROP_RESPONSE)
    with pytest.raises(Offline):
        client.sync.sync_once()
    assert _count(client) == 0
    assert state.get(client.engine, state.CURSOR) is None
    wire.pull_cursors.clear()
    client.sync.sync_once()
    assert wire.pull_cursors[0] == "epoch-1:30"
    assert _count(client) == 30


def test_a_full_disk_during_the_download_falls_back_to_pulling(
    tmp_path: Path,
    wire: FakeWire,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    serve_snapshot_of(make_client(tmp_path / "builder", wire), wire, rows=30)
    client = make_client(tmp_path / "new", wire)
    real_open = Path.open

    def open_on_a_full_disk(path: Path, *args: Any, **kwargs: Any) -> Any:
        if path.name.endswith(".snapshot"):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_on_a_full_disk)
    with caplog.at_level(logging.WARNING):
        client.sync.sync_once()
    assert "No space left on device" in caplog.text
    assert _count(client) == 30
