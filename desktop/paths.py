"""Where Fieldbook keeps its files: the per-user data and config directories of the platform,
never next to the executable (which is read-only in Program Files or /opt).

Every location can be overridden (command line, then environment) for tests, portable setups and
IT deployment scripts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

APP_NAME = "fieldbook"
DATA_DIR_ENV = "FIELDBOOK_DATA_DIR"
USER_SETTINGS_ENV = "FIELDBOOK_USER_SETTINGS"
MACHINE_SETTINGS_ENV = "FIELDBOOK_MACHINE_SETTINGS"
REPLICA_FILE = "replica.sqlite3"
SETTINGS_FILE_NAMES = ("settings.json", "settings.ini")


def data_dir(override: Path | None = None, *, environ: Mapping[str, str] = os.environ) -> Path:
    """`--data-dir`, else $FIELDBOOK_DATA_DIR, else the platform's per-user data directory."""
    if override is not None:
        return override.expanduser().resolve()
    from_env = environ.get(DATA_DIR_ENV)
    if from_env:
        return Path(from_env).expanduser().resolve()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def replica_path(directory: Path) -> Path:
    return directory / REPLICA_FILE


def user_settings_path(*, environ: Mapping[str, str] = os.environ) -> Path:
    from_env = environ.get(USER_SETTINGS_ENV)
    if from_env:
        return Path(from_env).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / SETTINGS_FILE_NAMES[0]


def machine_settings_path(*, environ: Mapping[str, str] = os.environ) -> Path | None:
    """The file IT manages ($FIELDBOOK_MACHINE_SETTINGS, else settings.json or settings.ini in
    the machine-wide config directory: /etc/xdg/fieldbook, C:\\ProgramData\\fieldbook,
    /Library/Application Support/fieldbook). None when there is none."""
    from_env = environ.get(MACHINE_SETTINGS_ENV)
    if from_env:
        return Path(from_env).expanduser()
    directory = Path(platformdirs.site_config_dir(APP_NAME, appauthor=False))
    for name in SETTINGS_FILE_NAMES:
        if (directory / name).is_file():
            return directory / name
    return None
