"""Server settings: defaults, optionally overridden by a TOML file (`serve --config FILE`)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ServerSettings:
    access_token_seconds: int = 3600
    refresh_token_days: int = 90
    drain_days: int = 14  # how long a deactivated user's client may still upload its outbox
    max_offline_days: int = 60
    export_max_rows: int = 10_000
    export_allowed: bool = True
    login_failure_limit: int = 5  # per login and per address ...
    login_failure_window_seconds: int = 15 * 60  # ... within this window
    # argon2 cost; tests lower it, production keeps the library's recommended values.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    long_poll_check_seconds: float = 1.0  # how often a waiting pull re-checks the database
    gzip_minimum_bytes: int = 4096
    # Pushes one process runs at once; more only queue for the seq counter while their threads
    # compete for the interpreter with the push that holds it (`bench/server_load.py`).
    max_concurrent_pushes: int = 4
    # Replica snapshots (docs/wire.md, "Snapshots"): the folder they live in ("" turns them off),
    # how many log entries behind one may be and still be served (the client pulls the rest),
    # and whether a request finding none starts a build, for scopes of at least
    # `snapshot_min_changes` entries (smaller ones pull from the start quickly enough).
    snapshot_dir: str = ""
    snapshot_max_lag: int = 100_000
    snapshot_build_on_request: bool = True
    snapshot_min_changes: int = 20_000

    def __post_init__(self) -> None:
        if self.max_concurrent_pushes < 1:
            raise ValueError("max_concurrent_pushes must be at least 1")
        for name in ("snapshot_max_lag", "snapshot_min_changes"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 or more")

    @property
    def snapshot_directory(self) -> Path | None:
        """Where snapshots live, or None when they are off."""
        return Path(self.snapshot_dir) if self.snapshot_dir else None

    @property
    def policies(self) -> dict[str, Any]:
        return {
            "max_offline_days": self.max_offline_days,
            "export_max_rows": self.export_max_rows,
            "export_allowed": self.export_allowed,
            "drain_days": self.drain_days,
        }


def load_settings(path: Path | None) -> ServerSettings:
    """Defaults, then the `[server]` table of a TOML file; unknown keys are errors."""
    settings = ServerSettings()
    if path is None:
        return settings
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"Cannot read the configuration file {path}: {exc}") from exc
    section = document.get("server", document)
    known = {field.name: field for field in fields(ServerSettings)}
    unknown = sorted(set(section) - set(known) - {"database_url"})
    if unknown:
        raise ValueError(f"Unknown settings in {path}: {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for name, value in section.items():
        if name == "database_url":
            continue
        expected = type(getattr(settings, name))
        if expected is float and isinstance(value, int):
            value = float(value)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ValueError(f"Setting {name} in {path} must be {expected.__name__}")
        values[name] = value
    return replace(settings, **values)


def database_url_from_file(path: Path | None) -> str | None:
    if path is None:
        return None
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    value = document.get("server", document).get("database_url")
    return str(value) if value else None
