"""What `fieldbook status` reports, gathered from contributors listed in one place.

Each contributor reads what it knows from the replica and returns JSON-ready keys. To add keys
to the status (the sync part adds `last_sync`, `errors`, `conflicts`), write a contributor and
add it to CONTRIBUTORS.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Engine

from desktop.cli.sync_commands import sync_status
from desktop.operations.status import pending_changes, signed_in_user_id

StatusContributor = Callable[[Engine], Mapping[str, Any]]


def local_status(engine: Engine) -> dict[str, Any]:
    return {"pending_changes": pending_changes(engine), "user_id": signed_in_user_id(engine)}


CONTRIBUTORS: tuple[StatusContributor, ...] = (local_status, sync_status)


def collect_status(
    engine: Engine, *, contributors: Sequence[StatusContributor] = CONTRIBUTORS
) -> dict[str, Any]:
    status: dict[str, Any] = {}
    for contributor in contributors:
        status.update(contributor(engine))
    return status
