"""Settings in three layers: built-in defaults < machine-wide (set by IT) < the user's own.

Every key is declared once below with its type, default and help text. Keys marked `policy`
are locked when IT sets them: the user layer cannot override them, and an attempt is refused
with a message that says who decides. Qt-free: the composition root loads a `Settings` and
passes it down; the UI edits it through `set`.

Files are read tolerantly (a broken file must not stop the app): what cannot be used is listed
in `problems`, and a broken user file is kept aside, never silently overwritten.
"""

from __future__ import annotations

import configparser
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from desktop.paths import machine_settings_path, user_settings_path


class SettingsError(ValueError):
    """A setting that cannot be changed or a value that does not fit; worded for the user."""


@dataclass(frozen=True)
class SettingSpec:
    key: str
    type: type[Any]  # str, int or bool
    default: Any
    help: str
    policy: bool = False  # locked once IT sets it machine-wide
    choices: tuple[str, ...] | None = None
    minimum: int | None = None


SPECS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "sync.server_url",
        str,
        "",
        "Address of the firm's Fieldbook server, e.g. https://crm.example.com.",
        policy=True,
    ),
    SettingSpec(
        "sync.interval_seconds",
        int,
        300,
        "How often to sync in the background while online.",
        minimum=30,
    ),
    SettingSpec(
        "sync.ca_bundle",
        str,
        "",
        "Path to the firm's CA bundle (PEM) for a TLS-inspecting proxy; empty: the system's.",
        policy=True,
    ),
    SettingSpec(
        "ui.language",
        str,
        "system",
        "Language of the interface: system, en (English) or zh_CN (简体中文).",
        choices=("system", "en", "zh_CN"),
    ),
    SettingSpec(
        "ui.customer_views",
        str,
        "",
        "Saved views of the customer list, as JSON text (kept by the Customers screen).",
    ),
    SettingSpec(
        "ui.pipeline_stale_days",
        int,
        30,
        "Days without any activity after which an open deal is marked as going stale.",
        minimum=1,
    ),
    SettingSpec(
        "policy.max_offline_days",
        int,
        30,
        "Days the app may work without syncing before it asks to go online (0: no limit).",
        policy=True,
        minimum=0,
    ),
    SettingSpec(
        "policy.export_allowed",
        bool,
        True,
        "Whether customer lists may be exported to files.",
        policy=True,
    ),
    SettingSpec(
        "policy.export_max_rows",
        int,
        5000,
        "Largest export allowed at once (0: no limit).",
        policy=True,
        minimum=0,
    ),
    SettingSpec(
        "privacy.remember_password",
        bool,
        True,
        "Keep the sign-in password in the system keychain.",
        policy=True,
    ),
    SettingSpec(
        "privacy.crash_reports",
        bool,
        False,
        "Send crash reports to the firm's server.",
        policy=True,
    ),
    SettingSpec(
        "privacy.lock_after_minutes",
        int,
        0,
        "Lock the window after this many idle minutes (0: never).",
        policy=True,
        minimum=0,
    ),
)

SPECS_BY_KEY: dict[str, SettingSpec] = {spec.key: spec for spec in SPECS}

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class Layer(StrEnum):
    DEFAULT = "default"
    MACHINE = "machine"
    USER = "user"


def spec_for(key: str) -> SettingSpec:
    try:
        return SPECS_BY_KEY[key]
    except KeyError:
        known = ", ".join(sorted(SPECS_BY_KEY))
        raise SettingsError(f"There is no setting {key!r}. Known settings: {known}.") from None


def coerce(spec: SettingSpec, value: object) -> Any:
    """`value` (typed or text from a file or the command line) as the setting's type."""
    if spec.type is bool:
        if isinstance(value, bool):
            result: Any = value
        elif str(value).strip().lower() in _TRUE:
            result = True
        elif str(value).strip().lower() in _FALSE:
            result = False
        else:
            raise SettingsError(f"{spec.key} must be true or false, not {value!r}.")
    elif spec.type is int:
        if isinstance(value, bool):
            raise SettingsError(f"{spec.key} must be a whole number, not {value!r}.")
        try:
            result = int(str(value).strip()) if not isinstance(value, int) else value
        except ValueError:
            raise SettingsError(f"{spec.key} must be a whole number, not {value!r}.") from None
        if spec.minimum is not None and result < spec.minimum:
            raise SettingsError(f"{spec.key} must be at least {spec.minimum}, not {result}.")
    else:
        if not isinstance(value, str):
            raise SettingsError(f"{spec.key} must be text, not {value!r}.")
        result = value.strip()
    if spec.choices is not None and result not in spec.choices:
        raise SettingsError(f"{spec.key} must be one of {', '.join(spec.choices)}, not {value!r}.")
    return result


def _read_file(path: Path) -> dict[str, object]:
    """Raw key -> value from a JSON object ({"sync.server_url": ...} or nested {"sync":
    {"server_url": ...}}) or an INI file ([sync] server_url = ...)."""
    text = path.read_text(encoding="utf-8-sig")  # Notepad writes a BOM
    if path.suffix.lower() == ".ini":
        parser = configparser.ConfigParser(interpolation=None)
        parser.read_string(text, source=str(path))
        return {
            f"{section}.{name}": value
            for section in parser.sections()
            for name, value in parser.items(section)
        }
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("the file must hold a JSON object")
    flat: dict[str, object] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{name}": inner for name, inner in value.items()})
        else:
            flat[str(key)] = value
    return flat


class Settings:
    """The effective settings; built once at the composition root."""

    def __init__(self, *, machine_path: Path | None, user_path: Path) -> None:
        self.machine_path = machine_path
        self.user_path = user_path
        self.problems: list[str] = []
        self._machine: dict[str, Any] = {}
        self._user: dict[str, Any] = {}
        self._user_raw: dict[str, object] = {}  # written back as found, unknown keys included
        self._user_file_broken = False
        if machine_path is not None:
            self._machine = self._load_layer(machine_path, Layer.MACHINE)
        self._user = self._load_layer(user_path, Layer.USER)

    @classmethod
    def load(cls, *, environ: Mapping[str, str] = os.environ) -> Settings:
        return cls(
            machine_path=machine_settings_path(environ=environ),
            user_path=user_settings_path(environ=environ),
        )

    def _load_layer(self, path: Path, layer: Layer) -> dict[str, Any]:
        if not path.exists():
            if layer is Layer.MACHINE:
                self.problems.append(f"The machine-wide settings file {path} does not exist.")
            return {}
        try:
            raw = _read_file(path)
        except (OSError, ValueError, configparser.Error) as error:
            if layer is Layer.USER:
                self._user_file_broken = True
            self.problems.append(f"The {layer} settings file {path} cannot be read ({error}).")
            return {}
        if layer is Layer.USER:
            self._user_raw = dict(raw)
        values: dict[str, Any] = {}
        for key, value in raw.items():
            if key not in SPECS_BY_KEY:
                self.problems.append(f"Unknown setting {key!r} in {path} was ignored.")
                continue
            try:
                values[key] = coerce(SPECS_BY_KEY[key], value)
            except SettingsError as error:
                self.problems.append(f"In {path}: {error} The default is used.")
        return values

    def source(self, key: str) -> Layer:
        spec = spec_for(key)
        if self.is_locked(key):
            return Layer.MACHINE
        if key in self._user:
            return Layer.USER
        if spec.key in self._machine:
            return Layer.MACHINE
        return Layer.DEFAULT

    def is_locked(self, key: str) -> bool:
        """A policy key that IT has set: the user's own value (if any) does not count."""
        return spec_for(key).policy and key in self._machine

    def get(self, key: str) -> Any:
        layer = self.source(key)
        if layer is Layer.USER:
            return self._user[key]
        if layer is Layer.MACHINE:
            return self._machine[key]
        return spec_for(key).default

    def as_dict(self) -> dict[str, Any]:
        return {spec.key: self.get(spec.key) for spec in SPECS}

    def set(self, key: str, value: object) -> Any:
        """Store the user's own value (saved at once); returns it as stored."""
        spec = spec_for(key)
        if self.is_locked(key):
            raise SettingsError(
                f"{key} is set by your IT department (in {self.machine_path}) and cannot be "
                "changed here."
            )
        typed = coerce(spec, value)
        self._user[key] = typed
        self._user_raw[key] = typed
        self._save_user()
        return typed

    def reset(self, key: str) -> None:
        """Drop the user's own value, so the machine-wide or built-in one applies again."""
        spec_for(key)
        if key in self._user_raw or key in self._user:
            self._user.pop(key, None)
            self._user_raw.pop(key, None)
            self._save_user()

    def _save_user(self) -> None:
        path = self.user_path
        path.parent.mkdir(parents=True, exist_ok=True)
        if self._user_file_broken and path.exists():
            # Keep what could not be read for the user (or support) to look at.
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            path.replace(path.with_name(f"{path.name}.unreadable-{stamp}"))
            self._user_file_broken = False
        temporary = path.with_name(f"{path.name}.tmp")
        temporary.write_text(
            json.dumps(self._user_raw, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        # Atomic on every platform: a crash leaves the old file or the new one, never half.
        temporary.replace(path)
