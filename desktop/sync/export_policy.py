"""The export policy that applies on this laptop: this machine's settings and the server's, at once.

IT may restrict exports machine-wide (`policy.export_allowed`, `policy.export_max_rows`); the firm's
server says its own policy in every hello answer, which the sync engine keeps in the replica
(`state.EXPORT_ALLOWED`, `state.EXPORT_MAX_ROWS`). Neither may loosen the other, so the export
code asks this one function and gets the stricter of both (`ExportPolicy.stricter`). Offline, the
server's policy last seen still applies; a copy that never synced knows only the machine's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from desktop.operations.export import ExportPolicy
from desktop.sync import state


class DamagedExportPolicy(ValueError):
    """The server's export policy stored in the replica cannot be read."""


def server_export_policy(engine: Engine) -> ExportPolicy:
    """The server's policy as last reported; no restriction where the server has said nothing."""
    allowed_text = state.get(engine, state.EXPORT_ALLOWED)
    rows_text = state.get(engine, state.EXPORT_MAX_ROWS)
    if allowed_text not in (None, "true", "false"):
        raise DamagedExportPolicy(
            f"This copy's sync state is damaged: the server's export permission {allowed_text!r} "
            "is neither true nor false. Sync again to replace it."
        )
    try:
        max_rows = int(rows_text) if rows_text else None
        return ExportPolicy(allowed=allowed_text != "false", max_rows=max_rows)
    except ValueError as error:
        raise DamagedExportPolicy(
            f"This copy's sync state is damaged: the server's export row limit {rows_text!r} is "
            "not a whole number of 0 or more. Sync again to replace it."
        ) from error


def effective_export_policy(engine: Engine, *, setting: Callable[[str], Any]) -> ExportPolicy:
    """What an export on this laptop may do: `setting` is the layered settings' `get`."""
    return ExportPolicy.from_settings(setting).stricter(server_export_policy(engine))
