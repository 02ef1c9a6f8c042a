"""Queued export / print events reach the server after each sync and before a leaver's wipe."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.operations.export import pending_audit_events, record_print
from desktop.sync.audit_upload import AuditUpload
from desktop.sync.errors import ServerError
from tests.unit.test_sync_engine import Client, make_client
from tests.unit.test_sync_fakes import FakeWire


@pytest.fixture
def wire() -> FakeWire:
    return FakeWire()


@pytest.fixture
def client(tmp_path: Path, wire: FakeWire) -> Iterator[Client]:
    made = make_client(tmp_path, wire)
    audit = AuditUpload(api=made.sync.api, engine=made.engine)
    made.sync.after_sync = audit.after_sync
    made.sync.before_wipe = audit.before_wipe
    yield made
    made.engine.dispose()


def _queue_print(client: Client) -> str:
    customer_id = client.write("customer", {"name": "上海建工集团"})
    return record_print(client.engine, what="customer", customer_ids=[customer_id]).id


def test_events_are_uploaded_after_a_sync(client: Client, wire: FakeWire) -> None:
    event_id = _queue_print(client)
    client.sync.sync_once()
    assert list(wire.audit_events) == [event_id]
    assert pending_audit_events(client.engine) == []
    calls = len(wire.calls)
    client.sync.sync_once()
    assert "/audit/events" not in wire.calls[calls:]  # nothing queued: no extra round trip


def test_a_failed_upload_keeps_the_events_and_the_sync_succeeds(
    client: Client, wire: FakeWire
) -> None:
    event_id = _queue_print(client)
    wire.answer_next("/audit/events", 503, {"code": "unavailable", "message": "busy"})
    summary = client.sync.sync_once()
    assert summary.pushed == 1  # the customer went up all the same
    assert [event["id"] for event in pending_audit_events(client.engine)] == [event_id]
    client.sync.sync_once()
    assert list(wire.audit_events) == [event_id]
    assert pending_audit_events(client.engine) == []


def test_the_drain_uploads_events_before_the_wipe(client: Client, wire: FakeWire) -> None:
    event_id = _queue_print(client)
    wire.account_state = "deactivated"
    summary = client.sync.sync_once()
    assert summary.wiped is not None
    assert list(wire.audit_events) == [event_id]
    assert wire.calls.index("/audit/events") < wire.calls.index("/sync/drained")


def test_an_unreachable_audit_endpoint_delays_the_wipe(client: Client, wire: FakeWire) -> None:
    event_id = _queue_print(client)
    wire.account_state = "deactivated"
    wire.answer_next("/audit/events", 503, {"code": "unavailable", "message": "busy"})
    with pytest.raises(ServerError):
        client.sync.sync_once()
    assert client.path.exists() and client.sync.wiped is None
    assert [event["id"] for event in pending_audit_events(client.engine)] == [event_id]
    assert client.sync.sync_once().wiped is not None  # the next attempt uploads, then wipes
    assert list(wire.audit_events) == [event_id]


def test_events_the_server_refuses_for_good_do_not_block_the_wipe(
    client: Client, wire: FakeWire
) -> None:
    _queue_print(client)
    wire.account_state = "deactivated"
    wire.answer_next("/audit/events", 422, {"code": "invalid", "message": "bad event"})
    summary = client.sync.sync_once()
    assert summary.wiped is not None and not client.path.exists()
    assert wire.audit_events == {}
