"""Exports made on a laptop reach the server's audit log, or stay queued: never lost."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.operations.export import (
    ExportFormat,
    ExportPolicy,
    export_customers,
    pending_audit_events,
    record_print,
)
from desktop.sync.admin_client import AdminClient
from desktop.sync.errors import ServerError
from desktop.sync.faults import FaultKind, ScriptedFaults
from tests.e2e.book import OnlineFirm, online_firm


@pytest.fixture
def online(tmp_path: Path) -> Iterator[OnlineFirm]:
    with online_firm(tmp_path) as firm:
        yield firm


def _export(online: OnlineFirm, folder: Path) -> str:
    result = export_customers(
        online.admin.engine,
        fmt=ExportFormat.CSV,
        out=folder / "book.csv",
        policy=ExportPolicy(),
    )
    assert result.rows == 3  # the administrator's copy holds the whole firm
    return result.event_id


def test_queued_events_survive_a_failed_upload(online: OnlineFirm, tmp_path: Path):
    admin = online.admin
    event_id = _export(online, tmp_path)
    faults = ScriptedFaults()
    faults.add("/audit/events", FaultKind.UNAVAILABLE)
    admin.api.transport.faults = faults
    with pytest.raises(ServerError):
        AdminClient(api=admin.api).upload_audit_events(engine=admin.engine)
    assert [event["id"] for event in pending_audit_events(admin.engine)] == [event_id]


def test_exports_and_prints_reach_the_servers_audit_log(online: OnlineFirm, tmp_path: Path):
    admin = online.admin
    _export(online, tmp_path)
    record_print(admin.engine, what="customer", customer_ids=[online.book.gold[0]])
    client = AdminClient(api=admin.api)
    # The upload is sent twice (a retry after a lost answer): the server records it once.
    faults = ScriptedFaults()
    faults.add("/audit/events", FaultKind.DUPLICATE)
    admin.api.transport.faults = faults
    assert client.upload_audit_events(engine=admin.engine) == 0
    assert pending_audit_events(admin.engine) == []
    entries = client.audit(user=online.firm.admin)
    exports = [entry for entry in entries if entry.action == "export"]
    assert len(exports) == 1 and exports[0].detail["count"] == 3
    assert exports[0].client_id == admin.api.client_id
    assert [entry.action for entry in entries].count("print") == 1
