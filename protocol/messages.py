"""Request and response bodies of the sync and auth endpoints (protocol version 1).

Requests are validated strictly on the server (`extra="forbid"`: an unknown field is a 422 with a
clear message, never silently dropped). Pull pages are large, so the client reads them as plain
JSON and does not build a model per change; `PullPage` documents their shape.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

PROTOCOL_VERSION = 1
MIN_PROTOCOL_VERSION = 1  # the server answers older clients with `upgrade_required`
SCHEMA_VERSION = 1

MAX_MUTATIONS_PER_PUSH = 500
MAX_PULL_LIMIT = 10_000
DEFAULT_PULL_LIMIT = 2_000
MAX_REQUEST_BYTES = 8 * 1024 * 1024
MAX_LONG_POLL_SECONDS = 30

# Replica snapshots (docs/wire.md, "Snapshots"): an empty client may download its whole scope as
# a ready replica file, then pull only what changed after the snapshot's cursor.
SNAPSHOT_MEDIA_TYPE = "application/vnd.sqlite3"
SNAPSHOT_CURSOR_HEADER = "X-Fieldbook-Snapshot-Cursor"  # where the client pulls on from
SNAPSHOT_SHA256_HEADER = "X-Fieldbook-Snapshot-Sha256"  # hex digest of the whole file
SNAPSHOT_ROWS_HEADER = "X-Fieldbook-Snapshot-Rows"  # records it holds, for progress


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorCode(StrEnum):
    """Every error body is `{"code": ..., "message": ...}`; clients branch on the code only."""

    BAD_REQUEST = "bad_request"
    VALIDATION = "validation_error"
    UNAUTHORIZED = "unauthorized"  # missing, expired or revoked token: log in again
    BAD_CREDENTIALS = "bad_credentials"
    THROTTLED = "throttled"  # too many failed log-ins
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    TOO_LARGE = "too_large"
    UPGRADE_REQUIRED = "upgrade_required"  # the client's protocol is older than the server accepts
    RESET_REQUIRED = "reset_required"  # cursor from another epoch or older than tombstones kept
    DEACTIVATED = "deactivated"  # account closed; only the outbox drain is still accepted
    WIPE = "wipe"  # account closed and drained: delete the local copy now
    FROZEN = "frozen"  # account frozen read-only ahead of leaving
    # No snapshot of this caller's scope fits this client (none yet, too old, another schema):
    # pull from the start instead.
    SNAPSHOT_UNAVAILABLE = "snapshot_unavailable"
    INTERNAL = "internal_error"


class ErrorBody(Strict):
    code: ErrorCode
    message: str


class LoginRequest(Strict):
    login: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)
    client_id: str = Field(min_length=1, max_length=64)
    protocol_version: int = PROTOCOL_VERSION


class RefreshRequest(Strict):
    refresh_token: str = Field(min_length=1, max_length=200)


class TokenPair(Strict):
    access_token: str
    refresh_token: str
    expires_in: int  # seconds the access token lives
    user_id: UUID
    role: str
    display_name: str


class MutationOp(StrEnum):
    CREATE = "create"  # a new record with all its fields
    UPDATE = "update"  # only the changed fields, with the version they were based on
    ARCHIVE = "archive"  # archive, don't delete
    UNARCHIVE = "unarchive"


class Mutation(Strict):
    id: int = Field(ge=1)  # the client's outbox mutation id: increasing, one per local change
    entity: str = Field(min_length=1, max_length=40)
    entity_id: UUID
    op: MutationOp
    fields: dict[str, Any] = Field(default_factory=dict)
    base_version: int = Field(default=0, ge=0)
    created_at: str | None = Field(default=None, max_length=40)  # client clock: display only


class PushRequest(Strict):
    client_id: str = Field(min_length=1, max_length=64)
    protocol_version: int
    schema_version: int
    mutations: list[Mutation] = Field(max_length=MAX_MUTATIONS_PER_PUSH)


class PushResult(Strict):
    """What became of one pushed mutation."""

    id: int
    status: Literal["applied", "skipped", "rejected"]
    version: int | None = None  # the record's version after applying
    code: str | None = None  # for rejected
    message: str | None = None
    conflicts: list[str] = Field(default_factory=list)  # fields whose earlier value was overwritten


class PushResponse(Strict):
    last_mutation_id: int  # the highest mutation id of this client the server holds
    results: list[PushResult]
    epoch: str


class Change(Strict):
    """One entry of a pull page. `op` is upsert, delete (tombstone) or exit (left your scope)."""

    seq: int
    entity: str
    id: str
    op: Literal["upsert", "delete", "exit"]
    version: int
    data: dict[str, Any] | None = None  # all fields, plus `archived`, for upsert


class PullPage(Strict):
    changes: list[Change]
    next_cursor: str  # opaque: "<epoch>:<seq>"
    has_more: bool
    epoch: str
    last_mutation_id: int  # the server's record of this client's pushes (detects restores)


def make_cursor(*, epoch: str, seq: int) -> str:
    return f"{epoch}:{seq}"


def parse_cursor(cursor: str) -> tuple[str, int]:
    """Split a cursor; raises ValueError for anything malformed."""
    epoch, _, seq_text = cursor.rpartition(":")
    if not epoch or not seq_text.isdigit():
        raise ValueError(f"malformed cursor {cursor!r}")
    return epoch, int(seq_text)
