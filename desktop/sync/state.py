"""The sync engine's bookkeeping in the replica's `sync_state` table (key -> text value).

Holds the installation's `client_id`, the server and login it syncs with (not secrets), the pull
cursor and epoch, the last successful sync time and the account state the server last reported.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from desktop.store.schema import sync_state

CLIENT_ID = "client_id"
SERVER_URL = "server_url"
LOGIN = "login"
USER_ID = "user_id"
CURSOR = "cursor"
EPOCH = "epoch"
LAST_SYNC_AT = "last_sync_at"
ACCOUNT_STATE = "account_state"
MAX_OFFLINE_DAYS = "max_offline_days"
EXPORT_ALLOWED = "export_allowed"  # the server's export policy: "true" / "false"
EXPORT_MAX_ROWS = "export_max_rows"  # the server's cap per export, "0": none
DEFERRED_EXITS = "deferred_exits"  # customers that left our scope while we had pending edits
DISMISSED_CONFLICTS = "dismissed_conflicts"
DISMISSED_SYNC_ERRORS = "dismissed_sync_errors"
STOPPED_REASON = "stopped_reason"  # e.g. upgrade_required: sync stays stopped until fixed


# Built once: these run several times per pulled page, and building a statement cost more than
# running it (a one-change page on the long-poll path is latency the user waits for).
_READ_VALUE = select(sync_state.c.value).where(sync_state.c.key == bindparam("key"))
_UPSERT = sqlite_insert(sync_state).values(key=bindparam("key"), value=bindparam("value"))
_WRITE_VALUE = _UPSERT.on_conflict_do_update(
    index_elements=["key"], set_={"value": _UPSERT.excluded.value}
)


def read_value(connection: Connection, key: str) -> str | None:
    row = connection.execute(_READ_VALUE, {"key": key}).first()
    return None if row is None else row[0]


def write_value(connection: Connection, key: str, value: str | None) -> None:
    connection.execute(_WRITE_VALUE, {"key": key, "value": value})


def read_json_set(connection: Connection, key: str) -> set[str]:
    text = read_value(connection, key)
    return set(json.loads(text)) if text else set()


def write_json_set(connection: Connection, key: str, values: Iterable[str]) -> None:
    write_value(connection, key, json.dumps(sorted(values)))


def get(engine: Engine, key: str) -> str | None:
    with engine.connect() as connection:
        return read_value(connection, key)


def put(engine: Engine, **values: Any) -> None:
    with engine.begin() as connection:
        for key, value in values.items():
            write_value(connection, key, None if value is None else str(value))


def ensure_client_id(engine: Engine) -> str:
    """This installation's id, made once and kept in the replica."""
    with engine.begin() as connection:
        existing = read_value(connection, CLIENT_ID)
        if existing:
            return existing
        client_id = uuid.uuid4().hex
        write_value(connection, CLIENT_ID, client_id)
        return client_id
