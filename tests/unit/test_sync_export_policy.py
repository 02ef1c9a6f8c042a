"""The server's export policy from hello is kept; the stricter of it and the machine's applies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from desktop.operations.export import ExportPolicy
from desktop.sync import state
from desktop.sync.errors import ServerError
from desktop.sync.export_policy import (
    DamagedExportPolicy,
    effective_export_policy,
    server_export_policy,
)
from tests.unit.test_sync_engine import make_client
from tests.unit.test_sync_fakes import FakeWire


def machine(allowed: bool = True, max_rows: int = 0) -> Any:
    values = {"policy.export_allowed": allowed, "policy.export_max_rows": max_rows}
    return values.__getitem__


def test_hello_policy_is_remembered_and_applies(tmp_path: Path) -> None:
    wire = FakeWire()
    wire.policies.update(export_allowed=True, export_max_rows=2000)
    client = make_client(tmp_path, wire)
    try:
        client.sync.sync_once()
        assert server_export_policy(client.engine) == ExportPolicy(allowed=True, max_rows=2000)
        # The machine's cap is looser: the server's wins; a tighter machine cap wins over it.
        assert effective_export_policy(client.engine, setting=machine(max_rows=5000)).max_rows == (
            2000
        )
        assert effective_export_policy(client.engine, setting=machine(max_rows=100)).max_rows == 100
        wire.policies.update(export_allowed=False)
        client.sync.sync_once()
        refused = effective_export_policy(client.engine, setting=machine())
        assert refused == ExportPolicy(allowed=False, max_rows=2000)
        # A server that stops sending the policy (older version) leaves the last one known.
        del wire.policies["export_allowed"], wire.policies["export_max_rows"]
        client.sync.sync_once()
        assert server_export_policy(client.engine) == refused
    finally:
        client.engine.dispose()


def test_machine_refusal_is_not_loosened_by_the_server(replica: Engine) -> None:
    state.put(replica, **{state.EXPORT_ALLOWED: "true", state.EXPORT_MAX_ROWS: "0"})
    assert effective_export_policy(replica, setting=machine(allowed=False)).allowed is False


def test_never_synced_copy_has_only_the_machine_policy(replica: Engine) -> None:
    assert server_export_policy(replica) == ExportPolicy()
    assert effective_export_policy(replica, setting=machine(max_rows=50)) == ExportPolicy(
        allowed=True, max_rows=50
    )


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        (state.EXPORT_ALLOWED, "maybe", "export permission 'maybe'"),
        (state.EXPORT_MAX_ROWS, "lots", "row limit 'lots'"),
        (state.EXPORT_MAX_ROWS, "-5", "row limit '-5'"),
    ],
)
def test_damaged_stored_policy_is_named(replica: Engine, key: str, value: str, says: str) -> None:
    state.put(replica, **{key: value})
    with pytest.raises(DamagedExportPolicy, match=says):
        effective_export_policy(replica, setting=machine())


@pytest.mark.parametrize("policies", [{"export_allowed": "no"}, {"export_max_rows": -1}])
def test_malformed_policy_in_hello_is_refused(tmp_path: Path, policies: dict[str, Any]) -> None:
    wire = FakeWire()
    wire.policies.update(policies)
    client = make_client(tmp_path, wire)
    try:
        with pytest.raises(ServerError, match="export"):
            client.sync.sync_once()
        assert server_export_policy(client.engine) == ExportPolicy()  # nothing half-stored
    finally:
        client.engine.dispose()
