"""Typed sync failures, one per wire error `code`, each with a message a person can act on.

The engine and the loop branch on the exception type only; `retryable` tells the loop whether a
timer with backoff should simply try again later (network trouble, 5xx) or whether something has to
change first (a password, an upgrade, a reset).
"""

from __future__ import annotations


class SyncError(Exception):
    """Base of every failure the sync layer reports."""

    retryable = False
    code = "sync_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Offline(SyncError):
    """The server could not be reached, or the answer never arrived."""

    retryable = True
    code = "offline"


class ServerError(SyncError):
    """The server answered 5xx (or something that is not the wire format): try again later."""

    retryable = True
    code = "server_error"


class UpgradeRequired(SyncError):
    """426: this client is older than the server accepts. The outbox is kept."""

    code = "upgrade_required"


class ResetRequired(SyncError):
    """410: the cursor belongs to another epoch or is older than the tombstones kept."""

    code = "reset_required"


class Unauthorized(SyncError):
    """401: the session is over (token expired or revoked and could not be refreshed)."""

    code = "unauthorized"


class BadCredentials(Unauthorized):
    code = "bad_credentials"


class Throttled(SyncError):
    code = "throttled"


class Deactivated(SyncError):
    """403 `deactivated`: the account is closed; only the outbox drain is still accepted."""

    code = "deactivated"


class Wipe(SyncError):
    """The account is closed and drained: the local copy must be deleted."""

    code = "wipe"


class RequestRejected(SyncError):
    """Any other 4xx: the request itself was refused (bad input, forbidden ...)."""

    def __init__(self, message: str, *, code: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class ServerLostChanges(SyncError):
    """The server (restored from a backup) asks for changes older than this client still keeps."""

    code = "server_lost_changes"


class NotSignedIn(SyncError):
    """No server or login is configured for this replica yet, or no credential is available."""

    code = "not_signed_in"
