"""Applying a client's pushed mutations exactly once, with per-field merge and recorded refusals.

All mutations of one push run in one write transaction (its change-log rows get their seqs at
the end, in commit order: `server.db.write_transaction`). Ids at or below the client's
`last_mutation_id` are skipped, a gap stops the push, the rest are applied in id order. A
mutation refused by a business rule (or a value the database refuses) becomes a `sync_error`
record for the user (with the refused values kept) and still advances `last_mutation_id`, so one
bad entry never blocks the queue. Each mutation runs in a savepoint, which also drops the
change-log rows it queued, so a refusal leaves nothing half-written. Any other database error
(a lost connection, a deadlock beyond the retries) fails the whole push: the client retries it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, String, and_, bindparam, case, select, update
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from protocol.entities import ENTITIES, EntitySpec
from protocol.messages import (
    MIN_PROTOCOL_VERSION,
    ErrorCode,
    Mutation,
    MutationOp,
    PushRequest,
    PushResponse,
    PushResult,
)
from server.db import (
    SeqAllocator,
    insert_ignoring_duplicates,
    read_meta,
    utc_now_iso,
    write_transaction,
)
from server.errors import ApiError
from server.records import (
    Actor,
    append_change,
    append_personal_tombstone,
    bucket_of,
    field_versions_of,
    load_record,
    save_record,
)
from server.schema import clients, former_owners
from server.scope import Principal, owns_customer
from server.validation import InvalidValues, clean_fields

log = logging.getLogger(__name__)


class RerunWithSavepoints(Exception):
    """A mutation of a push run without savepoints failed after writing: run it all again."""


class Rejection(Exception):
    """A business-rule refusal of one mutation; recorded as a sync error, never blocking."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check_protocol(version: int) -> None:
    if version < MIN_PROTOCOL_VERSION:
        raise ApiError(
            426,
            ErrorCode.UPGRADE_REQUIRED,
            f"Protocol {version} is too old; this server needs {MIN_PROTOCOL_VERSION} or newer. "
            "Update Fieldbook; your unsynced changes are kept.",
        )


def value_text(value: Any) -> str | None:
    """A field value as text for conflict and sync-error records (which store text)."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


@dataclass
class PushSession:
    """One push: the transaction, the caller and the installation it came from.

    Without `savepoints` (the first try) mutations run bare, saving two round trips each: a
    refusal by a business rule comes before a mutation writes anything. Every write of a
    mutation goes through `save_record`, which queues a change-log row, so a refusal after a
    queued row, or a value the database refuses (which aborts a PostgreSQL transaction), is
    caught and the whole push runs again with a savepoint per mutation."""

    connection: Connection
    allocator: SeqAllocator
    principal: Principal
    client_id: str
    savepoints: bool

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.principal.user_id, client_id=self.client_id)

    # -- authorisation -------------------------------------------------------------------------

    def customer(self, customer_id: str) -> dict[str, Any]:
        customer = load_record(self.connection, entity="customer", record_id=customer_id)
        if customer is None or customer["deleted"]:
            raise Rejection(ErrorCode.NOT_FOUND, f"Customer {customer_id} does not exist.")
        return customer

    def was_owner(self, customer_id: str) -> bool:
        found = self.connection.execute(
            select(former_owners.c.user_id).where(
                and_(
                    former_owners.c.customer_id == customer_id,
                    former_owners.c.user_id == self.principal.user_id,
                )
            )
        ).first()
        return found is not None

    def require_visible(self, customer: dict[str, Any], *, appending_activity: bool) -> None:
        if owns_customer(self.principal, customer):
            return
        # Notes taken offline before a reassignment still reach the firm (under the new owner).
        if appending_activity and self.was_owner(str(customer["id"])):
            return
        raise Rejection(
            ErrorCode.FORBIDDEN,
            f"Customer {customer.get('name') or customer['id']} is not (or no longer) yours.",
        )

    # -- the mutation kinds --------------------------------------------------------------------

    def apply(self, mutation: Mutation) -> PushResult:
        spec = ENTITIES.get(mutation.entity)
        if spec is None:
            raise Rejection(ErrorCode.VALIDATION, f"Unknown record type {mutation.entity[:40]!r}.")
        if not spec.client_writable:
            raise Rejection(ErrorCode.FORBIDDEN, f"{spec.name} records are managed by the server.")
        appending_activity = spec.append_only and mutation.op is MutationOp.CREATE
        if self.principal.account_state == "frozen" and not appending_activity:
            raise Rejection(
                ErrorCode.FROZEN, "Your account is frozen: changes are kept here, not applied."
            )
        record_id = str(mutation.entity_id)
        # Locked: a concurrent push of the same record waits here, then reads our version.
        current = load_record(
            self.connection, entity=spec.name, record_id=record_id, for_update=True
        )
        if current is not None and current["deleted"]:
            raise Rejection(ErrorCode.NOT_FOUND, f"This {spec.name} has been deleted.")
        if mutation.op is MutationOp.CREATE and current is None:
            return self.create(spec, record_id, mutation)
        if current is None:
            raise Rejection(ErrorCode.NOT_FOUND, f"No {spec.name} with id {record_id}.")
        if appending_activity:
            # The same note pushed again (e.g. re-pushed after a server restore): already here.
            return PushResult(id=mutation.id, status="applied", version=int(current["version"]))
        self.require_visible(self.bucket_customer(spec, current), appending_activity=False)
        if mutation.op in (MutationOp.ARCHIVE, MutationOp.UNARCHIVE):
            return self.archive(spec, current, mutation)
        return self.update(spec, current, mutation)

    def bucket_customer(self, spec: EntitySpec, row: dict[str, Any]) -> dict[str, Any]:
        if spec.name == "customer":
            return row
        return self.customer(str(row["customer_id"]))

    def create(self, spec: EntitySpec, record_id: str, mutation: Mutation) -> PushResult:
        values = self.cleaned(spec, mutation, creating=True)
        if spec.name == "customer":
            self.place_new_customer(values)
        else:
            customer = self.customer(str(values["customer_id"]))
            self.require_visible(customer, appending_activity=spec.append_only)
        if spec.append_only:
            # Who recorded a note is the authenticated user, whatever the client claimed.
            values["recorded_by"] = self.principal.user_id
            values.setdefault("done_by", self.principal.user_id)
        row = save_record(
            self.connection,
            self.allocator,
            entity=spec.name,
            record_id=record_id,
            values=values,
            actor=self.actor,
            archived=False,
            current=None,
        )
        return PushResult(id=mutation.id, status="applied", version=int(row["version"]))

    def place_new_customer(self, values: dict[str, Any]) -> None:
        """Owner and team of a new customer: the capturer's unless named; the team is always the
        owner's, so the right team head sees it. Only managers may capture for others."""
        if values.get("owner_id") is None:
            values["owner_id"] = self.principal.user_id
        owner = load_record(self.connection, entity="user", record_id=str(values["owner_id"]))
        if owner is None:
            raise Rejection(ErrorCode.NOT_FOUND, f"No user with id {values['owner_id']}.")
        if values.get("team_id") is None:
            values["team_id"] = owner.get("team_id")
        if values["team_id"] != owner.get("team_id") or not owns_customer(self.principal, values):
            raise Rejection(
                ErrorCode.FORBIDDEN,
                "A new customer must be yours (or your team's), in its owner's team; "
                "a manager assigns others.",
            )

    def update(self, spec: EntitySpec, current: dict[str, Any], mutation: Mutation) -> PushResult:
        if spec.append_only:
            raise Rejection(
                ErrorCode.VALIDATION,
                f"{spec.name} records are append-only: record an amendment instead.",
            )
        values = self.cleaned(spec, mutation, creating=False)
        if "customer_id" in values and values["customer_id"] != current.get("customer_id"):
            raise Rejection(ErrorCode.VALIDATION, f"A {spec.name} cannot move to another customer.")
        if spec.name == "customer" and any(
            name in values and values[name] != current.get(name) for name in ("owner_id", "team_id")
        ):
            raise Rejection(
                ErrorCode.FORBIDDEN,
                "Owner and team change only through a reassignment by a manager.",
            )
        conflicts = self.record_conflicts(spec, current, mutation, values)
        row = save_record(
            self.connection,
            self.allocator,
            entity=spec.name,
            record_id=str(current["id"]),
            values=values,
            actor=self.actor,
            current=current,
        )
        return PushResult(
            id=mutation.id, status="applied", version=int(row["version"]), conflicts=conflicts
        )

    def archive(self, spec: EntitySpec, current: dict[str, Any], mutation: Mutation) -> PushResult:
        if not spec.archivable:
            raise Rejection(ErrorCode.VALIDATION, f"{spec.name} records cannot be archived.")
        row = save_record(
            self.connection,
            self.allocator,
            entity=spec.name,
            record_id=str(current["id"]),
            values={},
            actor=self.actor,
            archived=mutation.op is MutationOp.ARCHIVE,
            current=current,
        )
        return PushResult(id=mutation.id, status="applied", version=int(row["version"]))

    def cleaned(self, spec: EntitySpec, mutation: Mutation, *, creating: bool) -> dict[str, Any]:
        try:
            return clean_fields(spec, dict(mutation.fields), creating=creating)
        except InvalidValues as exc:
            raise Rejection(ErrorCode.VALIDATION, str(exc)) from exc

    # -- per-field merge -------------------------------------------------------------------------

    def record_conflicts(
        self,
        spec: EntitySpec,
        current: dict[str, Any],
        mutation: Mutation,
        values: dict[str, Any],
    ) -> list[str]:
        """Fields someone else changed since the client's base version: this write (arriving
        later) wins, and the overwritten value is kept in a `conflict` record for review."""
        versions = field_versions_of(current)
        conflicts: list[str] = []
        for name, value in values.items():
            last = versions.get(name)
            if last is None or int(last[0]) <= mutation.base_version:
                continue
            if last[2] == self.client_id or current.get(name) == value:
                continue  # our own earlier write, or both sides agree: nothing was lost
            self.save_conflict(spec, current, name, kept=value, lost=current.get(name), by=last[1])
            conflicts.append(name)
        archived_since = versions.get("archived")
        if (
            current.get("archived")
            and archived_since is not None
            and int(archived_since[0]) > mutation.base_version
            and archived_since[2] != self.client_id
        ):
            # Edited offline while someone archived it: the edit lands, the record stays archived,
            # and the user is told so through a conflict on `archived`.
            self.save_conflict(
                spec, current, "archived", kept=True, lost=values, by=archived_since[1]
            )
            conflicts.append("archived")
        return conflicts

    def save_conflict(
        self,
        spec: EntitySpec,
        current: dict[str, Any],
        field: str,
        *,
        kept: Any,
        lost: Any,
        by: Any,
    ) -> None:
        save_record(
            self.connection,
            self.allocator,
            entity="conflict",
            record_id=str(uuid.uuid4()),
            values={
                "customer_id": bucket_of(spec.name, str(current["id"]), current),
                "entity": spec.name,
                "entity_id": str(current["id"]),
                "field": field,
                "kept_value": value_text(kept),
                "lost_value": value_text(lost),
                "lost_by": by,
                "won_by": self.principal.user_id,
                "created_at": utc_now_iso(),
                "resolved": False,
            },
            actor=self.actor,
            archived=False,
            current=None,
        )

    # -- refusals ------------------------------------------------------------------------------

    def save_sync_error(self, mutation: Mutation, code: ErrorCode, message: str) -> None:
        save_record(
            self.connection,
            self.allocator,
            entity="sync_error",
            record_id=str(uuid.uuid4()),
            values={
                "user_id": self.principal.user_id,
                "client_id": self.client_id,
                "mutation_id": mutation.id,
                "entity": mutation.entity[:40],
                "entity_id": str(mutation.entity_id),
                "code": code.value,
                "message": message,
                "rejected": json.dumps(
                    {"op": mutation.op.value, "fields": mutation.fields}, ensure_ascii=False
                ),
                "created_at": utc_now_iso(),
            },
            actor=self.actor,
            archived=False,
            current=None,
        )

    def apply_or_reject(self, mutation: Mutation) -> PushResult:
        try:
            if self.savepoints:
                with self.allocator.savepoint():
                    return self.apply(mutation)
            queued = self.allocator.queued
            try:
                return self.apply(mutation)
            except Rejection as rejection:
                if self.allocator.queued != queued:
                    raise RerunWithSavepoints from rejection
                raise
        except Rejection as rejection:
            code, message = rejection.code, rejection.message
        except (IntegrityError, DataError) as exc:
            if not self.savepoints:
                raise RerunWithSavepoints from exc
            # A value the database refused although validation passed: keep it as a sync error
            # so the push goes on; the log has the details for the administrator.
            log.warning(
                "Mutation %s of %s refused by the database: %s", mutation.id, self.client_id, exc
            )
            code, message = ErrorCode.VALIDATION, "The database refused these values."
        self.save_sync_error(mutation, code, message)
        self.resend_server_state(mutation)
        return PushResult(id=mutation.id, status="rejected", code=code.value, message=message)

    def resend_server_state(self, mutation: Mutation) -> None:
        """After a refusal the client still shows its own values; send it the record as the
        server has it (or, if the server has none, a tombstone for this user only), so the
        replica converges. The refused values are kept in the sync error, so nothing is lost."""
        spec = ENTITIES.get(mutation.entity)
        if spec is None or not spec.client_writable:
            return
        record_id = str(mutation.entity_id)
        # Locked like a record we write: the state we log must not be older than a concurrent
        # push's, whose entry ours replaces.
        current = load_record(
            self.connection, entity=spec.name, record_id=record_id, for_update=True
        )
        if current is None or current["deleted"]:
            append_personal_tombstone(
                self.allocator,
                entity=spec.name,
                record_id=record_id,
                user_id=self.principal.user_id,
            )
            return
        try:
            customer = self.bucket_customer(spec, current)
        except Rejection:
            return  # its customer is gone: nothing the client may be sent
        if owns_customer(self.principal, customer):
            append_change(
                self.connection, self.allocator, entity=spec.name, record_id=record_id, row=current
            )


_CLIENT_ROW = (
    select(clients.c.user_id, clients.c.last_mutation_id)
    .where(clients.c.client_id == bindparam("client_id", type_=String))
    .with_for_update()
)


def _client_last_mutation(connection: Connection, *, client_id: str, principal: Principal) -> int:
    """The client's last applied mutation id, its row locked: two pushes of one installation
    (a retry overtaking a slow first try) apply one after the other, each mutation once."""
    query, parameters = _CLIENT_ROW, {"client_id": client_id}
    row = connection.execute(query, parameters).first()
    if row is None:
        # A new installation; if a concurrent first push inserted it meanwhile, lock theirs.
        connection.execute(
            insert_ignoring_duplicates(connection, clients).values(
                client_id=client_id,
                user_id=principal.user_id,
                last_mutation_id=0,
                last_seen=utc_now_iso(),
                reset_below_seq=0,
            )
        )
        row = connection.execute(query, parameters).one()
    if row.user_id not in (None, principal.user_id):
        raise ApiError(
            403, ErrorCode.FORBIDDEN, "This installation is registered to another user; log in."
        )
    return int(row.last_mutation_id)


# A deadlock among concurrent pushes (two writing the same records in opposite order) makes
# PostgreSQL abort one of them whole; it is run again from the start, as a retry would be.
DEADLOCK_RETRIES = 3


def push(
    engine: Engine,
    *,
    principal: Principal,
    request: PushRequest,
    slots: threading.Semaphore | None = None,
) -> PushResponse:
    """Apply a client's mutations in order, each once. `slots` bounds how many pushes run at once
    (the server's `max_concurrent_pushes`); a push waits for one before it starts."""
    check_protocol(request.protocol_version)
    if principal.account_state == "wipe":
        raise ApiError(403, ErrorCode.WIPE, "This account is closed: delete the local copy.")
    savepoints = False
    deadlocks = 0
    while True:
        try:
            with slots or contextlib.nullcontext():
                return _push_once(
                    engine, principal=principal, request=request, savepoints=savepoints
                )
        except RerunWithSavepoints:
            savepoints = True  # rolled back whole; a run with savepoints never asks again
        except OperationalError as exc:
            deadlocks += 1
            if getattr(exc.orig, "sqlstate", None) != DEADLOCK_DETECTED:
                raise
            if deadlocks >= DEADLOCK_RETRIES:
                raise
            log.info("Push of %s deadlocked with another; running it again", request.client_id)


DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE


def _push_once(
    engine: Engine, *, principal: Principal, request: PushRequest, savepoints: bool
) -> PushResponse:
    results: list[PushResult] = []
    with write_transaction(engine, push=True) as (connection, allocator):
        last = _client_last_mutation(connection, client_id=request.client_id, principal=principal)
        session = PushSession(connection, allocator, principal, request.client_id, savepoints)
        for mutation in sorted(request.mutations, key=lambda m: m.id):
            if mutation.id <= last:
                results.append(PushResult(id=mutation.id, status="skipped"))
                continue
            if mutation.id > last + 1:
                break  # a gap: the client resends from last + 1
            results.append(session.apply_or_reject(mutation))
            last = mutation.id
        taken = sum(1 for result in results if result.status != "skipped")
        connection.execute(
            update(clients)
            .where(clients.c.client_id == request.client_id)
            .values(
                last_mutation_id=last,
                last_seen=utc_now_iso(),
                user_id=principal.user_id,
                # What the client reported unsent at its hello, less what just arrived.
                pending_changes=case(
                    (clients.c.pending_changes > taken, clients.c.pending_changes - taken),
                    else_=0,
                ),
            )
        )
        allocator.flush()  # the last step: on PostgreSQL this takes the counter's lock
        epoch = allocator.epoch or read_meta(connection)[0]
    return PushResponse(last_mutation_id=last, results=results, epoch=epoch)
