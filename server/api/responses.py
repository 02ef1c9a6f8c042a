"""The error responses every route documents in /openapi.json."""

from __future__ import annotations

from typing import Any

from protocol.messages import ErrorBody

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "Malformed request"),
        (401, "Missing, expired or revoked token"),
        (403, "Not allowed, or the account is closed"),
        (404, "No such record"),
        (413, "Request body too large"),
        (422, "Invalid values"),
    )
}
