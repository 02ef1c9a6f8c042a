"""Serving pull pages: the caller's visible change-log entries after a cursor, in seq order.

Pages are large (initial syncs move millions of rows), so the JSON is assembled from the payload
text stored in the change log instead of building a model per row and encoding it again.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Engine,
    Integer,
    LargeBinary,
    Select,
    String,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    select,
    union_all,
    update,
)

from protocol.messages import ErrorCode, make_cursor, parse_cursor
from server.db import read_connection
from server.errors import ApiError
from server.schema import change_log, clients, server_meta
from server.scope import (
    SCOPE_USER,
    Principal,
    ScopeShape,
    scope_parameters,
    scope_shape,
    visible_parts,
)


@dataclass(frozen=True)
class Page:
    body: bytes
    count: int
    next_cursor: str


def reset_required(message: str) -> ApiError:
    return ApiError(
        410,
        ErrorCode.RESET_REQUIRED,
        message + " Keep the outbox, empty the replica, pull from the start and push again.",
    )


def refuse_closed_account(principal: Principal) -> None:
    """No new data reaches the laptop of someone who has left."""
    if principal.account_state == "wipe":
        raise ApiError(403, ErrorCode.WIPE, "This account is closed: delete the local copy.")
    if principal.token_kind == "drain" or principal.account_state == "deactivated":
        raise ApiError(
            403, ErrorCode.DEACTIVATED, "This account is deactivated: upload only, no pulls."
        )


@dataclass(frozen=True)
class LogPosition:
    """Where the log stands and what it knows of this client, read in one statement."""

    epoch: str
    high_water: int
    tombstone_floor: int
    reset_below_seq: int
    last_mutation_id: int


# Built once: statement construction and cache-key generation cost more than the query itself
# on the long-poll path, where most pages hold one change.
_POSITION_QUERY = select(
    server_meta.c.epoch,
    server_meta.c.last_seq,
    server_meta.c.tombstone_floor,
    clients.c.reset_below_seq,
    clients.c.last_mutation_id,
).select_from(
    server_meta.outerjoin(
        clients,
        and_(
            clients.c.client_id == bindparam("client_id", type_=String),
            clients.c.user_id == SCOPE_USER,
        ),
    )
)


def _read_position(connection: Connection, *, principal: Principal, client_id: str) -> LogPosition:
    row = connection.execute(
        _POSITION_QUERY, {"client_id": client_id, **scope_parameters(principal)}
    ).one()
    return LogPosition(
        epoch=str(row.epoch),
        high_water=int(row.last_seq),
        tombstone_floor=int(row.tombstone_floor),
        reset_below_seq=int(row.reset_below_seq or 0),
        last_mutation_id=int(row.last_mutation_id or 0),
    )


def _start_seq(position: LogPosition, *, cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        cursor_epoch, seq = parse_cursor(cursor)
    except ValueError as exc:
        raise ApiError(400, ErrorCode.BAD_REQUEST, str(exc)[:200]) from exc
    if cursor_epoch != position.epoch:
        raise reset_required("The server's data was replaced (new epoch).")
    if seq > position.high_water:
        # Only possible if the database went back in time: restored from a backup.
        raise reset_required("The cursor is ahead of the server: it was restored from a backup.")
    if 0 < seq < position.tombstone_floor:
        raise reset_required("The cursor is older than the deletions the server keeps.")
    if 0 < seq < position.reset_below_seq:
        raise reset_required("Your role or team changed, so what you may see changed.")
    return seq


def forget_scope_change(engine: Engine, *, principal: Principal, client_id: str) -> None:
    """A pull from the start rebuilds the replica under the current scope: the cursors of this
    new pull (all below the mark set when the role or team changed) must not be refused again."""
    with engine.begin() as connection:
        connection.execute(
            update(clients)
            .where(
                and_(
                    clients.c.client_id == client_id,
                    clients.c.user_id == principal.user_id,
                    clients.c.reset_below_seq > 0,
                )
            )
            .values(reset_below_seq=0)
        )


def payload_bytes(dialect_name: str) -> ColumnElement[Any]:
    """The payload as UTF-8 bytes straight from the database: no decode into str and encode
    back for every row of a page that only passes it through."""
    if dialect_name == "postgresql":
        # Not CAST(... AS bytea), which would interpret backslashes in the JSON text.
        return func.convert_to(change_log.c.payload, literal_column("'UTF8'"), type_=LargeBinary)
    return cast(change_log.c.payload, LargeBinary)


@functools.cache
def _page_query(shape: ScopeShape, dialect_name: str) -> Select[Any]:
    """The first `page_rows` visible entries in (`start_seq`, `high_water`], for one scope shape.

    Each part takes at most a page in seq order from its own index; the page is the first
    `page_rows` of their union."""
    columns = (
        change_log.c.seq,
        change_log.c.entity,
        change_log.c.entity_id,
        change_log.c.op,
        change_log.c.version,
        payload_bytes(dialect_name),
    )
    in_range = and_(
        change_log.c.seq > bindparam("start_seq", type_=BigInteger),
        change_log.c.seq <= bindparam("high_water", type_=BigInteger),
    )
    page_rows = bindparam("page_rows", type_=Integer)
    arms = [
        select(*columns)
        .select_from(source)
        .where(in_range, condition)
        .order_by(change_log.c.seq)
        .limit(page_rows)
        .subquery()
        for source, condition in visible_parts(shape)
    ]
    if len(arms) == 1:
        return select(arms[0]).order_by(arms[0].c.seq).limit(page_rows)
    union = union_all(*(select(arm) for arm in arms)).subquery()
    return select(union).order_by(union.c.seq).limit(page_rows)


@functools.cache
def _visible_count_query(shape: ScopeShape) -> Select[Any]:
    """How many entries a pull from the start gives a user of this shape, up to `at_most`."""
    at_most = bindparam("at_most", type_=Integer)
    arms = [
        select(change_log.c.seq).select_from(source).where(condition).limit(at_most).subquery()
        for source, condition in visible_parts(shape)
    ]
    union = arms[0] if len(arms) == 1 else union_all(*(select(arm) for arm in arms)).subquery()
    return select(func.count()).select_from(select(union.c.seq).limit(at_most).subquery())


def count_visible_entries(engine: Engine, *, principal: Principal, at_most: int) -> int:
    """The entries a pull from the start would give the caller, counted up to `at_most`: the
    same union of parts the pull reads, each part stopping after `at_most` rows of its own
    index, so the count costs as little on a log of millions as on a small one."""
    with read_connection(engine) as connection:
        return int(
            connection.execute(
                _visible_count_query(scope_shape(principal)),
                {"at_most": at_most, **scope_parameters(principal)},
            ).scalar_one()
        )


# One change-log entry as the driver returns it: (seq, entity, entity_id, op, version, payload),
# the payload being the stored JSON as UTF-8 bytes (None for tombstones and exits).
PageRow = tuple[int, str, str, str, int, bytes | None]


@dataclass(frozen=True)
class PageRows:
    """A page as raw entries, for callers that need no JSON (`read_page`, snapshot builds)."""

    rows: list[PageRow]
    has_more: bool
    next_cursor: str
    position: LogPosition


def read_page_rows(
    engine: Engine, *, principal: Principal, client_id: str, cursor: str | None, limit: int
) -> PageRows:
    """The caller's next `limit` visible entries after `cursor` (None: from the start)."""
    with read_connection(engine) as connection:
        # The high-water first: every entry at or below it was committed before we read it
        # (seqs are allocated under the counter's lock), so reading up to it skips nothing even
        # though the page query sees newer commits (READ COMMITTED, or autocommit).
        position = _read_position(connection, principal=principal, client_id=client_id)
        start = _start_seq(position, cursor=cursor)
        result = connection.execute(
            _page_query(scope_shape(principal), connection.dialect.name),
            {
                "start_seq": start,
                "high_water": position.high_water,
                "page_rows": limit + 1,
                **scope_parameters(principal),
            },
        )
        # Plain tuples from the driver: no Row object per entry on the hottest path.
        rows: list[Any] = list(result.cursor.fetchall()) if result.cursor else []
        result.close()
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_seq = int(rows[-1][0]) if has_more else max(position.high_water, start)
    next_cursor = make_cursor(epoch=position.epoch, seq=next_seq)
    return PageRows(rows=rows, has_more=has_more, next_cursor=next_cursor, position=position)


def read_page(
    engine: Engine, *, principal: Principal, client_id: str, cursor: str | None, limit: int
) -> Page:
    if not cursor:
        forget_scope_change(engine, principal=principal, client_id=client_id)
    page = read_page_rows(
        engine, principal=principal, client_id=client_id, cursor=cursor, limit=limit
    )
    # Entity names, ops and ids are ours (names from protocol.entities, ids validated UUIDs),
    # so they need no escaping; the payload is already UTF-8 JSON and is copied as it is.
    parts = [
        b'{"seq":%d,"entity":"%s","id":"%s","op":"%s","version":%d,"data":%s}'
        % (seq, entity.encode(), record_id.encode(), op.encode(), version, payload or b"null")
        for seq, entity, record_id, op, version, payload in page.rows
    ]
    position = page.position
    tail = (
        f'],"next_cursor":{json.dumps(page.next_cursor)},'
        f'"has_more":{"true" if page.has_more else "false"},'
        f'"epoch":{json.dumps(position.epoch)},"last_mutation_id":{position.last_mutation_id}}}'
    )
    body = b"".join((b'{"changes":[', b",".join(parts), tail.encode()))
    return Page(body=body, count=len(page.rows), next_cursor=page.next_cursor)
