"""Serving pull pages: the caller's visible change-log entries after a cursor, in seq order.

Pages are large (initial syncs move millions of rows), so the JSON is assembled from the payload
text stored in the change log instead of building a model per row and encoding it again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    LargeBinary,
    and_,
    cast,
    func,
    literal_column,
    select,
    union_all,
    update,
)

from protocol.messages import ErrorCode, make_cursor, parse_cursor
from server.db import read_connection, read_meta
from server.errors import ApiError
from server.schema import change_log, clients
from server.scope import Principal, visible_parts


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


def _start_seq(
    connection: Connection,
    *,
    principal: Principal,
    client_id: str,
    cursor: str | None,
    meta: tuple[str, int, int],
) -> int:
    epoch, high_water, tombstone_floor = meta
    if not cursor:
        return 0
    try:
        cursor_epoch, seq = parse_cursor(cursor)
    except ValueError as exc:
        raise ApiError(400, ErrorCode.BAD_REQUEST, str(exc)[:200]) from exc
    if cursor_epoch != epoch:
        raise reset_required("The server's data was replaced (new epoch).")
    if seq > high_water:
        # Only possible if the database went back in time: restored from a backup.
        raise reset_required("The cursor is ahead of the server: it was restored from a backup.")
    if 0 < seq < tombstone_floor:
        raise reset_required("The cursor is older than the deletions the server keeps.")
    reset_below = connection.execute(
        select(clients.c.reset_below_seq).where(
            and_(clients.c.client_id == client_id, clients.c.user_id == principal.user_id)
        )
    ).scalar()
    if reset_below and 0 < seq < reset_below:
        raise reset_required("Your role or team changed, so what you may see changed.")
    return seq


def _forget_scope_change(engine: Engine, *, principal: Principal, client_id: str) -> None:
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


def _last_mutation_id(connection: Connection, *, principal: Principal, client_id: str) -> int:
    value = connection.execute(
        select(clients.c.last_mutation_id).where(
            and_(clients.c.client_id == client_id, clients.c.user_id == principal.user_id)
        )
    ).scalar()
    return int(value or 0)


def payload_bytes(connection: Connection) -> ColumnElement[Any]:
    """The payload as UTF-8 bytes straight from the database: no decode into str and encode
    back for every row of a page that only passes it through."""
    if connection.dialect.name == "postgresql":
        # Not CAST(... AS bytea), which would interpret backslashes in the JSON text.
        return func.convert_to(change_log.c.payload, literal_column("'UTF8'"), type_=LargeBinary)
    return cast(change_log.c.payload, LargeBinary)


def read_page(
    engine: Engine, *, principal: Principal, client_id: str, cursor: str | None, limit: int
) -> Page:
    if not cursor:
        _forget_scope_change(engine, principal=principal, client_id=client_id)
    with read_connection(engine) as connection:
        # The high-water first: every entry at or below it was committed before we read it
        # (seqs are allocated under the counter's lock), so reading up to it skips nothing even
        # though each later statement sees newer commits (READ COMMITTED, or autocommit).
        meta = read_meta(connection)
        epoch, high_water, _floor = meta
        start = _start_seq(
            connection, principal=principal, client_id=client_id, cursor=cursor, meta=meta
        )
        columns = (
            change_log.c.seq,
            change_log.c.entity,
            change_log.c.entity_id,
            change_log.c.op,
            change_log.c.version,
            payload_bytes(connection),
        )
        in_range = and_(change_log.c.seq > start, change_log.c.seq <= high_water)
        # Each part takes at most a page in seq order from its own index; the page is the
        # first `limit + 1` of their union.
        arms = [
            select(*columns)
            .select_from(source)
            .where(in_range, condition)
            .order_by(change_log.c.seq)
            .limit(limit + 1)
            .subquery()
            for source, condition in visible_parts(principal)
        ]
        if len(arms) == 1:
            page = select(arms[0])
            order = arms[0].c.seq
        else:
            union = union_all(*(select(arm) for arm in arms)).subquery()
            page = select(union)
            order = union.c.seq
        result = connection.execute(page.order_by(order).limit(limit + 1))
        # Plain tuples from the driver: no Row object per entry on the hottest path.
        rows: list[Any] = list(result.cursor.fetchall()) if result.cursor else []
        result.close()
        last_mutation_id = _last_mutation_id(connection, principal=principal, client_id=client_id)
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_seq = int(rows[-1][0]) if has_more else max(high_water, start)
    next_cursor = make_cursor(epoch=epoch, seq=next_seq)
    # Entity names, ops and ids are ours (names from protocol.entities, ids validated UUIDs),
    # so they need no escaping; the payload is already UTF-8 JSON and is copied as it is.
    parts = [
        b'{"seq":%d,"entity":"%s","id":"%s","op":"%s","version":%d,"data":%s}'
        % (seq, entity.encode(), record_id.encode(), op.encode(), version, payload or b"null")
        for seq, entity, record_id, op, version, payload in rows
    ]
    tail = (
        f'],"next_cursor":{json.dumps(next_cursor)},"has_more":{"true" if has_more else "false"},'
        f'"epoch":{json.dumps(epoch)},"last_mutation_id":{last_mutation_id}}}'
    )
    body = b"".join((b'{"changes":[', b",".join(parts), tail.encode()))
    return Page(body=body, count=len(rows), next_cursor=next_cursor)
