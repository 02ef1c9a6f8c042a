"""Where the refresh token lives: the OS keyring, or (when the system has none) memory only.

The token is never written to the database, the settings or any other file. Without a keyring the
app keeps it for this run only and says so (`storage == "session-only"`), so the person is asked
for the password on the next start instead of having a secret lying on disk.
"""

from __future__ import annotations

import logging
import threading
from typing import Literal

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

SERVICE = "fieldbook"
CredentialStorage = Literal["keyring", "session-only"]
SESSION_ONLY_NOTICE = (
    "Your system has no keyring: you will be asked for your password each time Fieldbook starts."
)

log = logging.getLogger(__name__)


def account_name(*, server_url: str, login: str) -> str:
    return f"{server_url.rstrip('/')}|{login}"


class CredentialStore:
    """The refresh token of one login on one server."""

    def __init__(self, *, server_url: str, login: str) -> None:
        self.account = account_name(server_url=server_url, login=login)
        self._lock = threading.Lock()
        self._memory: str | None = None
        self.storage: CredentialStorage = "keyring"

    def _fall_back(self, error: KeyringError) -> None:
        if self.storage != "session-only":
            log.warning("No usable keyring (%s); the sign-in is kept for this session only", error)
        self.storage = "session-only"

    def save(self, refresh_token: str) -> None:
        with self._lock:
            self._memory = refresh_token  # the running session always has it
            if self.storage == "session-only":
                return
            try:
                keyring.set_password(SERVICE, self.account, refresh_token)
            except KeyringError as error:
                self._fall_back(error)

    def load(self) -> str | None:
        with self._lock:
            if self._memory is not None or self.storage == "session-only":
                return self._memory
            try:
                self._memory = keyring.get_password(SERVICE, self.account)
            except KeyringError as error:
                self._fall_back(error)
            return self._memory

    def delete(self) -> bool:
        """Forget the token everywhere; True when a keyring entry was removed."""
        with self._lock:
            self._memory = None
            if self.storage == "session-only":
                return False
            try:
                had_entry = keyring.get_password(SERVICE, self.account) is not None
                if had_entry:
                    keyring.delete_password(SERVICE, self.account)
                return had_entry
            except PasswordDeleteError:
                return False  # already gone: nothing left to remove
            except KeyringError as error:
                self._fall_back(error)
                return False
