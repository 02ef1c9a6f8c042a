"""The composition root in this process: a first start on an empty data folder opens the window
and asks to sign in; nothing is synced before that."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from desktop.app import DesktopApp, Timings

# Opening windows on the offscreen platform makes Qt say it cannot pass window size hints.
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def first_start(qtbot, qapp, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("FIELDBOOK_USER_SETTINGS", str(tmp_path / "settings.json"))
    monkeypatch.setenv("FIELDBOOK_MACHINE_SETTINGS", str(tmp_path / "none.json"))
    args = argparse.Namespace(data_dir=tmp_path / "data", demo=False, smoke_test=False)
    app = DesktopApp(args=args, qt_app=qapp, timings=Timings())
    yield app
    if app.window is not None:
        app.window.close_without_asking()
    app.shutdown()


def test_a_first_start_opens_the_window_and_asks_to_sign_in(qtbot, first_start, tmp_path):
    assert first_start.start() is True
    window = first_start.window
    assert window is not None and window.isVisible()
    assert (tmp_path / "data" / "replica.sqlite3").exists()
    qtbot.waitUntil(lambda: first_start._login_dialog is not None, timeout=5000)
    assert first_start._login_dialog.isVisible()
    assert first_start.session is None and not first_start.sync.attached
    assert first_start.timings.window_ready is not None
    assert window.sync_status.state_label.text() == "Not signed in"


def test_a_damaged_data_file_is_reported_not_opened(qtbot, first_start, tmp_path, capsys):
    first_start.args.smoke_test = True  # report on stderr instead of a message box
    (tmp_path / "data").mkdir()
    damaged = b"this is not a database" * 100
    (tmp_path / "data" / "replica.sqlite3").write_bytes(damaged)
    assert first_start.start() is False
    assert first_start.window is None
    error = capsys.readouterr().err
    assert error.startswith("fieldbook: ") and "replica.sqlite3" in error
    assert (tmp_path / "data" / "replica.sqlite3").read_bytes() == damaged  # left as it was


def test_a_copy_past_the_servers_offline_allowance_opens_locked(qtbot, first_start, tmp_path):
    from desktop.store.replica import open_replica
    from desktop.sync import state

    # The machine allows 30 days (the default); the server said 14, and the last sync is old.
    replica = open_replica(tmp_path / "data" / "replica.sqlite3")
    state.put(replica, last_sync_at="2020-01-01T00:00:00Z", max_offline_days=14)
    replica.dispose()
    assert first_start.start() is True
    window = first_start.window
    assert window is not None and window.lease_gate is not None
    assert window.lease_gate.is_locked
    assert "allows 14" in window.lease_gate.lock_screen.message.text()


@pytest.mark.parametrize(("role", "screens"), [("admin", 2), ("team_head", 1), ("executive", 0)])
def test_a_saved_sign_in_brings_the_screens_of_the_users_role_without_a_network(
    qtbot, first_start, tmp_path, role, screens
):
    from desktop.store.bulk import upsert_rows
    from desktop.store.replica import open_replica
    from desktop.sync import state

    replica = open_replica(tmp_path / "data" / "replica.sqlite3")
    with replica.begin() as connection:
        user = {"id": "u-1", "login": "wang", "display_name": "王芳", "role": role, "version": 1}
        upsert_rows(connection, entity="user", rows=[{**user, "active": True}])
    # Signed in before this start; the server is unreachable now (nothing listens on port 9).
    state.put(replica, server_url="http://127.0.0.1:9", login="wang", user_id="u-1")
    replica.dispose()
    assert first_start.start() is True
    window = first_start.window
    qtbot.waitUntil(lambda: first_start.session is not None, timeout=5000)
    assert (window.handover is not None) == (screens >= 1)
    assert (window.audit is not None) == (screens == 2)


def test_a_missing_ca_bundle_is_said_plainly_and_the_copy_stays_usable(
    qtbot, first_start, tmp_path, monkeypatch
):
    import json

    from PySide6.QtWidgets import QMessageBox

    from desktop.settings import Settings
    from desktop.store.replica import open_replica
    from desktop.sync import state

    messages: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "critical", lambda _parent, _title, text: messages.append(text)
    )
    (tmp_path / "settings.json").write_text(
        json.dumps({"sync.ca_bundle": str(tmp_path / "missing-ca.pem")}), encoding="utf-8"
    )
    first_start.settings = Settings.load()
    replica = open_replica(tmp_path / "data" / "replica.sqlite3")
    state.put(replica, server_url="https://crm.example.com", login="wang", user_id="u-1")
    replica.dispose()
    assert first_start.start() is True
    qtbot.waitUntil(lambda: bool(messages), timeout=5000)
    assert "missing-ca.pem" in messages[0]
    assert first_start.session is None
    assert first_start.window is not None and first_start.window.isVisible()


def test_settings_show_the_servers_policies_and_a_new_interval_reaches_the_loop(
    qtbot, first_start, tmp_path
):
    from types import SimpleNamespace

    from desktop.sync import state
    from desktop.ui.settings_dialog import SettingsDialog

    assert first_start.start() is True
    state.put(first_start.replica, max_offline_days=14, export_allowed="false")
    first_start._show_settings()
    dialog = first_start.window.findChild(SettingsDialog)
    assert dialog is not None
    table = dialog.policy_table
    from_server = [
        table.item(row, 1).text()
        for row in range(table.rowCount())
        if "server" in (table.item(row, 2).text().lower())
    ]
    assert len(from_server) == 2 and "14" in from_server
    loop = SimpleNamespace(interval_seconds=300.0)
    first_start.session = SimpleNamespace(loop=loop)
    dialog.settings_saved.emit({"sync.interval_seconds": 120})
    assert loop.interval_seconds == 120.0
    first_start.session = None
    dialog.close()
