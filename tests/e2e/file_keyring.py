"""A keyring backend for the end-to-end tests only: secrets in a JSON file the test names.

CLI processes of the tests select it with `PYTHON_KEYRING_BACKEND=tests.e2e.file_keyring.
FileKeyring` and `FIELDBOOK_TEST_KEYRING=<file>`, so the test can see what a real process stored
in "the keyring" and check that the wipe removed it. Headless test machines have no real keyring,
and the app itself never writes secrets to a file: this class exists only under tests/.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend

FILE_ENV = "FIELDBOOK_TEST_KEYRING"
BACKEND = "tests.e2e.file_keyring.FileKeyring"


def _key(service: str, username: str) -> str:
    return f"{service}\n{username}"


class FileKeyring(KeyringBackend):
    priority = -1  # type: ignore[assignment]  # never chosen unless named explicitly

    @property
    def path(self) -> Path:
        return Path(os.environ[FILE_ENV])

    def _read(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        data: dict[str, str] = json.loads(self.path.read_text(encoding="utf-8"))
        return data

    def _write(self, secrets: dict[str, str]) -> None:
        self.path.write_text(json.dumps(secrets), encoding="utf-8")

    def get_password(self, service: str, username: str) -> str | None:
        return self._read().get(_key(service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        secrets = self._read()
        secrets[_key(service, username)] = password
        self._write(secrets)

    def delete_password(self, service: str, username: str) -> None:
        secrets = self._read()
        secrets.pop(_key(service, username), None)
        self._write(secrets)


def stored(path: Path, service: str, username: str) -> str | None:
    """What the test keyring file holds for one entry (read by the test process)."""
    if not path.exists():
        return None
    secrets: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return secrets.get(_key(service, username))
