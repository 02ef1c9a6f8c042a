"""Layered settings (defaults < machine-wide < user), policy locks, and the data locations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.paths import (
    data_dir,
    machine_settings_path,
    replica_path,
    user_settings_path,
)
from desktop.settings import SPECS, Layer, Settings, SettingsError


def _settings(tmp_path: Path, machine: str | None, user: str | None, suffix: str = ".json"):
    machine_path = tmp_path / f"machine{suffix}"
    user_path = tmp_path / "user" / "settings.json"
    if machine is not None:
        machine_path.write_text(machine, encoding="utf-8")
    if user is not None:
        user_path.parent.mkdir()
        user_path.write_text(user, encoding="utf-8")
    return Settings(machine_path=machine_path if machine is not None else None, user_path=user_path)


def test_every_key_is_declared_once_with_help_and_a_valid_default() -> None:
    keys = [spec.key for spec in SPECS]
    assert len(keys) == len(set(keys))
    for spec in SPECS:
        assert spec.help and isinstance(spec.default, spec.type)
        assert spec.key.split(".")[0] in ("sync", "ui", "policy", "privacy")


def test_layers_defaults_machine_user(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        machine='{"sync": {"interval_seconds": 600}, "ui.language": "zh_CN"}',
        user='{"ui.language": "en"}',
    )
    assert settings.get("policy.export_max_rows") == 5000
    assert settings.source("policy.export_max_rows") is Layer.DEFAULT
    assert settings.get("sync.interval_seconds") == 600
    assert settings.source("sync.interval_seconds") is Layer.MACHINE
    assert settings.get("ui.language") == "en"  # not a policy: the user's choice wins
    assert settings.problems == []


def test_policy_set_by_it_cannot_be_overridden(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        machine="[policy]\nexport_allowed = no\n[sync]\nserver_url = https://crm.example.com\n",
        user='{"policy.export_allowed": true}',  # written before IT locked it: ignored
        suffix=".ini",
    )
    assert settings.get("policy.export_allowed") is False
    assert settings.is_locked("policy.export_allowed")
    with pytest.raises(SettingsError, match="set by your IT department"):
        settings.set("policy.export_allowed", True)
    with pytest.raises(SettingsError, match="IT department"):
        settings.set("sync.server_url", "https://elsewhere.example.com")
    assert settings.get("sync.server_url") == "https://crm.example.com"


def test_policy_not_set_by_it_is_the_users_to_choose(tmp_path: Path) -> None:
    settings = _settings(tmp_path, machine="{}", user=None)
    assert settings.set("sync.server_url", " https://crm.example.com ") == "https://crm.example.com"
    reloaded = Settings(machine_path=settings.machine_path, user_path=settings.user_path)
    assert reloaded.get("sync.server_url") == "https://crm.example.com"
    assert reloaded.source("sync.server_url") is Layer.USER
    reloaded.reset("sync.server_url")
    assert Settings(machine_path=None, user_path=settings.user_path).get("sync.server_url") == ""


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("sync.interval_seconds", "often", "whole number"),
        ("sync.interval_seconds", "5", "at least 30"),
        ("ui.language", "fr", "one of system, en, zh_CN"),
        ("policy.export_allowed", "perhaps", "true or false"),
        ("no.such.key", "1", "no setting 'no.such.key'"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_saved(
    tmp_path: Path, key: str, value: str, message: str
) -> None:
    settings = _settings(tmp_path, machine=None, user='{"ui.language": "en"}')
    before = settings.user_path.read_text(encoding="utf-8")
    with pytest.raises(SettingsError, match=message):
        settings.set(key, value)
    assert settings.user_path.read_text(encoding="utf-8") == before


def test_text_values_from_the_command_line_are_typed(tmp_path: Path) -> None:
    settings = _settings(tmp_path, machine=None, user=None)
    assert settings.set("sync.interval_seconds", "120") == 120
    assert settings.set("privacy.crash_reports", "yes") is True
    saved = json.loads(settings.user_path.read_text(encoding="utf-8"))
    assert saved == {"privacy.crash_reports": True, "sync.interval_seconds": 120}


def test_broken_files_are_reported_not_fatal_and_never_lost(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        machine='{"sync.interval_seconds": "soon", "colour": "red"}',
        user="{not json",
    )
    assert settings.get("sync.interval_seconds") == 300
    assert any("whole number" in p for p in settings.problems)
    assert any("Unknown setting 'colour'" in p for p in settings.problems)
    assert any("user settings file" in p and "cannot be read" in p for p in settings.problems)
    settings.set("ui.language", "zh_CN")
    kept = list(settings.user_path.parent.glob("settings.json.unreadable-*"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == "{not json"
    assert json.loads(settings.user_path.read_text(encoding="utf-8")) == {"ui.language": "zh_CN"}


def test_unknown_user_keys_survive_a_save(tmp_path: Path) -> None:
    settings = _settings(tmp_path, machine=None, user='{"future.feature": 1}')
    settings.set("ui.language", "en")
    saved = json.loads(settings.user_path.read_text(encoding="utf-8"))
    assert saved == {"future.feature": 1, "ui.language": "en"}


def test_machine_settings_location_from_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "it.json"
    path.write_text('{"policy.export_max_rows": 100}', encoding="utf-8")
    environ = {
        "FIELDBOOK_MACHINE_SETTINGS": str(path),
        "FIELDBOOK_USER_SETTINGS": str(tmp_path / "u.json"),
    }
    assert machine_settings_path(environ=environ) == path
    settings = Settings.load(environ=environ)
    assert settings.get("policy.export_max_rows") == 100
    assert settings.user_path == tmp_path / "u.json"


def test_data_dir_precedence(tmp_path: Path) -> None:
    environ = {"FIELDBOOK_DATA_DIR": str(tmp_path / "from-env")}
    assert data_dir(tmp_path / "flag", environ=environ) == (tmp_path / "flag").resolve()
    assert data_dir(environ=environ) == (tmp_path / "from-env").resolve()
    default = data_dir(environ={})
    assert default.is_absolute() and "fieldbook" in default.parts[-1].lower()
    assert replica_path(tmp_path) == tmp_path / "replica.sqlite3"
    assert user_settings_path(environ={}).name == "settings.json"
