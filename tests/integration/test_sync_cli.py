"""`fieldbook login`, `fieldbook sync [--json]` and the sync part of `status`, against the real
server, the way a script or a person at a terminal uses them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from desktop.cli import run
from desktop.cli.sync_commands import sync_status
from desktop.store.changes import create_record
from desktop.store.replica import open_replica
from desktop.sync.credentials import SERVICE
from tests.conftest import MemoryKeyring
from tests.integration.conftest import Firm, sqlite_server
from tests.server_contract.harness import PASSWORD
from tests.unit.test_sync_transport import NoKeyring


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Firm]:
    with sqlite_server(tmp_path_factory) as running:
        yield running


def _json_of(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    document: dict[str, object] = json.loads(capsys.readouterr().out)
    return document


def test_login_sync_and_status(
    firm: Firm,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    memory_keyring: MemoryKeyring,
) -> None:
    login = firm.add_user("cli")
    folder = tmp_path / "data"
    monkeypatch.setenv("FIELDBOOK_PASSWORD", PASSWORD)
    base = ["--data-dir", str(folder)]
    assert run([*base, "login", "--server", firm.base_url, "--user", login, "--json"]) == 0
    answer = _json_of(capsys)
    assert answer["credential_storage"] == "keyring"
    assert (SERVICE, f"{firm.base_url}|{login}") in memory_keyring.secrets
    engine = open_replica(folder / "replica.sqlite3")
    try:
        with engine.begin() as connection:
            create_record(
                connection,
                entity="customer",
                fields={"name": "命令行客户", "owner_id": firm.user_ids[login]},
            )
            create_record(connection, entity="customer", fields={"name": ""})  # refused
    finally:
        engine.dispose()
    monkeypatch.delenv("FIELDBOOK_PASSWORD")  # the keyring's sign-in is enough from now on
    assert run([*base, "sync", "--json"]) == 0
    summary = _json_of(capsys)
    assert (summary["pushed"], summary["rejected"], summary["errors"]) == (2, 1, 1)
    assert summary["pulled"] and summary["account_state"] == "active"
    assert run([*base, "sync"]) == 0
    assert "1 sync error(s)" in capsys.readouterr().out
    engine = open_replica(folder / "replica.sqlite3")
    try:
        status = sync_status(engine)
    finally:
        engine.dispose()
    assert status["last_sync"] and status["errors"] == 1 and status["conflicts"] == 0


def test_without_a_keyring_sync_asks_for_the_password_again(
    firm: Firm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    keyring.set_keyring(NoKeyring())
    login = firm.add_user("nokeyring")
    base = ["--data-dir", str(tmp_path / "data")]
    monkeypatch.setenv("FIELDBOOK_PASSWORD", PASSWORD)
    assert run([*base, "login", "--server", firm.base_url, "--user", login]) == 0
    assert "no keyring" in capsys.readouterr().out
    monkeypatch.delenv("FIELDBOOK_PASSWORD")
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert run([*base, "sync"]) == 1  # a new run: nothing stored, and no password to ask with
    assert "FIELDBOOK_PASSWORD" in capsys.readouterr().err
    monkeypatch.setenv("FIELDBOOK_PASSWORD", PASSWORD)
    assert run([*base, "sync", "--json"]) == 0


def test_plain_errors(
    firm: Firm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--data-dir", str(tmp_path / "data")]
    assert run([*base, "sync"]) == 1
    assert "fieldbook login --server" in capsys.readouterr().err
    monkeypatch.setenv("FIELDBOOK_PASSWORD", "wrong password")
    login = firm.add_user("wrong")
    assert run([*base, "login", "--server", firm.base_url, "--user", login]) == 1
    assert capsys.readouterr().err.startswith("fieldbook: ")
    assert run([*base, "login", "--server", "crm.example.com", "--user", login]) == 1
    assert "https://" in capsys.readouterr().err


def test_the_firms_ca_bundle_setting_is_used_and_a_missing_one_named(
    firm: Firm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    machine = tmp_path / "machine.json"
    monkeypatch.setenv("FIELDBOOK_MACHINE_SETTINGS", str(machine))
    monkeypatch.setenv("FIELDBOOK_PASSWORD", PASSWORD)
    login = firm.add_user("behindproxy")
    base = ["--data-dir", str(tmp_path / "data")]
    missing = tmp_path / "firm-ca.pem"
    machine.write_text(json.dumps({"sync": {"ca_bundle": str(missing)}}), encoding="utf-8")
    assert run([*base, "login", "--server", firm.base_url, "--user", login]) == 1
    assert f"sync.ca_bundle was not found: {missing}" in capsys.readouterr().err
    # With the bundle in place the same setting works (plain http here: the bundle is unused).
    missing.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    assert run([*base, "login", "--server", firm.base_url, "--user", login]) == 0
    assert "Signed in" in capsys.readouterr().out
    assert run([*base, "sync", "--json"]) == 0
    assert _json_of(capsys)["account_state"] == "active"
