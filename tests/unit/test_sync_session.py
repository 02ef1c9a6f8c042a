"""Building the sync stack: one way (`connect`), with the audit upload and the CA bundle setting."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from desktop.sync import state
from desktop.sync.errors import NotSignedIn, SyncError
from desktop.sync.session import connect, transport_config

SERVER = "https://crm.example.com"


def test_the_stack_uploads_audit_events_after_sync_and_before_a_wipe(replica: Engine) -> None:
    stack = connect(engine=replica, replica_path=None, server_url=SERVER, login="li")
    try:
        assert stack.engine.after_sync is not None and stack.engine.before_wipe is not None
        assert stack.engine.after_sync.__qualname__ == "AuditUpload.after_sync"
        assert stack.engine.before_wipe.__qualname__ == "AuditUpload.before_wipe"
    finally:
        stack.close()


def test_ca_bundle_setting_reaches_the_transport(replica: Engine, tmp_path: Path) -> None:
    bundle = tmp_path / "firm-ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    config = transport_config(ca_bundle=str(bundle))
    stack = connect(engine=replica, replica_path=None, server_url=SERVER, login="li", config=config)
    try:
        assert stack.api.transport.config.ca_bundle == bundle
        assert stack.api.transport._verify() == str(bundle)
    finally:
        stack.close()
    assert transport_config(ca_bundle="").ca_bundle is None  # empty setting: the system's CAs


def test_missing_ca_bundle_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.pem"
    with pytest.raises(SyncError, match=r"sync\.ca_bundle was not found: .*nowhere\.pem"):
        transport_config(ca_bundle=str(missing))


def test_connect_without_a_sign_in_says_what_to_do(replica: Engine) -> None:
    with pytest.raises(NotSignedIn, match="fieldbook login"):
        connect(engine=replica, replica_path=None)
    state.put(replica, server_url="crm.example.com", login="li")
    with pytest.raises(SyncError, match="must start with https://"):
        connect(engine=replica, replica_path=None)
