"""The installer build's inputs: the sample machine-wide settings IT starts from, and the files the
PyInstaller spec ships by path. Fast: nothing here runs PyInstaller (build_spec/build.sh does)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from desktop.paths import MACHINE_SETTINGS_ENV, USER_SETTINGS_ENV
from desktop.settings import SPECS_BY_KEY, Layer, Settings, SettingsError
from desktop.store.replica import MIGRATIONS_LOCATION

ROOT = Path(__file__).resolve().parents[2]
BUILD_SPEC = ROOT / "build_spec"
EXAMPLE = BUILD_SPEC / "machine-settings.example.json"
# The keys docs/deployment.md tells IT to set: the example must show each of them.
KEYS_IT_MUST_SEE = (
    "sync.server_url",
    "sync.ca_bundle",
    "policy.max_offline_days",
    "policy.export_allowed",
    "policy.export_max_rows",
)


def _example() -> dict[str, Any]:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _load(tmp_path: Path, user_values: dict[str, Any] | None = None) -> Settings:
    """The settings the app would see with the example installed as the machine-wide file."""
    user_file = tmp_path / "user-config" / "settings.json"
    if user_values is not None:
        user_file.parent.mkdir(parents=True)
        user_file.write_text(json.dumps(user_values), encoding="utf-8")
    environ = {MACHINE_SETTINGS_ENV: str(EXAMPLE), USER_SETTINGS_ENV: str(user_file)}
    return Settings.load(environ=environ)


def _other_value(value: Any) -> Any:
    """A valid value of the same type that differs from `value`."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    return f"{value}-user"


def test_example_uses_only_declared_keys_with_valid_values(tmp_path: Path) -> None:
    settings = _load(tmp_path)
    assert settings.machine_path == EXAMPLE
    assert settings.problems == []  # an unknown key or a bad value would be listed here
    for key, value in _example().items():
        assert key in SPECS_BY_KEY, f"{key} is not a declared setting"
        assert settings.source(key) is Layer.MACHINE
        assert settings.get(key) == value


def test_example_shows_the_keys_the_deployment_guide_names() -> None:
    missing = [key for key in KEYS_IT_MUST_SEE if key not in _example()]
    assert missing == []


def test_every_policy_key_in_the_example_is_locked_against_the_user(tmp_path: Path) -> None:
    example = _example()
    policy_keys = [key for key in example if SPECS_BY_KEY[key].policy]
    assert policy_keys, "the example sets no policy key"
    # A user file written before IT rolled the policy out, disagreeing on every key.
    settings = _load(tmp_path, {key: _other_value(value) for key, value in example.items()})
    for key in policy_keys:
        assert settings.is_locked(key), key
        assert settings.get(key) == example[key], key
        with pytest.raises(SettingsError, match="IT department"):
            settings.set(key, _other_value(example[key]))
        assert settings.get(key) == example[key], key


def test_keys_that_are_not_policy_stay_the_users_choice(tmp_path: Path) -> None:
    example = _example()
    preferences = {key: value for key, value in example.items() if not SPECS_BY_KEY[key].policy}
    assert preferences, "the example shows no machine-wide default the user may change"
    user_values = {key: _other_value(value) for key, value in preferences.items()}
    user_values["ui.language"] = "en"  # a choice-restricted key needs a listed value
    settings = _load(tmp_path, user_values)
    for key in preferences:
        assert not settings.is_locked(key)
        assert settings.source(key) is Layer.USER
        assert settings.get(key) == user_values[key]


def test_bundled_data_is_where_the_code_looks_for_it() -> None:
    """The spec copies migrations and translations by path; the code finds them by path too."""
    spec = (BUILD_SPEC / "fieldbook.spec").read_text(encoding="utf-8")
    package, folder = MIGRATIONS_LOCATION.split(":")
    bundled_migrations = f"{package.replace('.', '/')}/{folder}"
    assert f'"{bundled_migrations}"' in spec
    migrations = ROOT / bundled_migrations
    assert (migrations / "env.py").is_file()
    assert sorted((migrations / "versions").glob("0*.py")), "no migration scripts to bundle"

    # i18n looks relative to its own file, which in the bundle sits under the bundle root.
    from desktop.ui.i18n import TRANSLATIONS_DIR

    bundled_translations = TRANSLATIONS_DIR.relative_to(ROOT).as_posix()
    assert f'"{bundled_translations}"' in spec
    sources = sorted((ROOT / "resources" / "translations").glob("*.ts"))
    assert sources
    for source in sources:
        assert source.with_suffix(".qm").is_file(), f"{source.name} has no compiled .qm to ship"


def test_the_bundle_keeps_qt_catalogues_for_every_interface_language() -> None:
    """The spec drops Qt's catalogues except the ones listed; a language added to the settings
    without its qtbase catalogue would show Qt's standard buttons in English."""
    spec = (BUILD_SPEC / "fieldbook.spec").read_text(encoding="utf-8")
    kept_line = next(line for line in spec.splitlines() if line.startswith("QT_CATALOGUES_KEPT"))
    languages = [
        choice
        for choice in SPECS_BY_KEY["ui.language"].choices or ()
        if choice not in ("system", "en")  # English is Qt's own language: no catalogue
    ]
    assert languages
    for language in languages:
        assert f'"qtbase_{language}.qm"' in kept_line, language


def test_phone_numbers_work_without_the_tables_the_bundle_leaves_out(tmp_path: Path) -> None:
    """build_spec/hooks/hook-phonenumbers.py leaves out phonenumbers' geo, carrier and time-zone
    modules. Run the app's phone handling in a fresh interpreter that refuses to import them."""
    script = tmp_path / "phones_without_tables.py"
    refused = f"UNUSED = {_unused_phone_modules()!r}\n"
    script.write_text(refused + PHONES_WITHOUT_TABLES, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("+865356218888 ")


PHONES_WITHOUT_TABLES = """
import importlib.abc
import sys


class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if any(name.startswith("phonenumbers." + part) for part in UNUSED):
            raise ImportError(f"{name} is not in the bundle")
        return None


sys.meta_path.insert(0, Refuse())
from desktop.domain.contact_points import format_phone, normalise_phone

stored = normalise_phone("0535-621 8888")
print(stored, format_phone(stored), format_phone(normalise_phone("+44 20 7946 0958")))
"""


def _unused_phone_modules() -> tuple[str, ...]:
    """The hook's UNUSED tuple, read from its text (importing the hook needs PyInstaller)."""
    hook = (BUILD_SPEC / "hooks" / "hook-phonenumbers.py").read_text(encoding="utf-8")
    line = next(line for line in hook.splitlines() if line.startswith("UNUSED = "))
    value = ast.literal_eval(line.removeprefix("UNUSED = "))
    assert isinstance(value, tuple) and value
    return tuple(str(name) for name in value)
