"""An in-memory server speaking docs/wire.md, mounted into `requests` as a transport adapter.

Unit tests of the sync engine use it so they run without sockets or a database server, yet go
through the real `Transport` (JSON encoding, status codes, error bodies) and `ApiClient` (tokens,
refresh). It implements only what the engine relies on: exactly-once push with skip and gap,
paged pull by `<epoch>:<seq>` cursors, scope exits, rejections into sync errors, epochs, account
states. The real server is exercised by tests/integration.
"""

from __future__ import annotations

import json
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import BaseAdapter

from protocol.messages import MIN_PROTOCOL_VERSION

BASE_URL = "http://fake.fieldbook.test"


@dataclass
class LogEntry:
    seq: int
    entity: str
    id: str
    op: str
    version: int
    data: dict[str, Any] | None
    customer_id: str | None


@dataclass
class FakeState:
    epoch: str = "epoch-1"
    records: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    versions: dict[tuple[str, str], int] = field(default_factory=dict)
    log: list[LogEntry] = field(default_factory=list)
    last_mutation: dict[str, int] = field(default_factory=dict)


class FakeWire(BaseAdapter):
    """One user's view of a tiny server; scope = every record not in `hidden_customers`."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.state = FakeState()
        self.password = "secret"
        self.access_tokens: set[str] = set()
        self.refresh_token: str | None = None  # the one issued last
        self.valid_refresh_tokens: set[str] = set()
        self.account_state = "active"
        self.min_protocol = MIN_PROTOCOL_VERSION
        self.reject_ids: set[str] = set()  # entity ids whose mutations are refused
        self.queued_answers: list[tuple[str, int, Any]] = []  # (path, status, body)
        self.calls: list[str] = []
        self.drained_calls = 0
        self.user_id = str(uuid.uuid4())
        self.hidden_customers: set[str] = set()  # left this user's scope
        self.audit_events: dict[str, dict[str, Any]] = {}  # by event id: recorded once
        self.policies: dict[str, Any] = {"max_offline_days": 14, "drain_days": 14}
        # A replica snapshot to serve (file bytes, headers); None: answer snapshot_unavailable.
        self.served_snapshot: tuple[bytes, dict[str, str]] | None = None
        self.pull_cursors: list[str | None] = []  # the cursor of every pull, in order

    # --- test controls ----------------------------------------------------------------------
    def answer_next(self, path: str, status: int, body: Any) -> None:
        """Answer the next call of `path` with this (JSON-able, or raw bytes) body."""
        self.queued_answers.append((path, status, body))

    def expire_access_tokens(self) -> None:
        self.access_tokens.clear()

    def server_write(self, entity: str, record_id: str, data: dict[str, Any]) -> None:
        """A colleague's change, made directly on the server."""
        with self.lock:
            self._store(entity, record_id, data)

    def exit_customer(self, customer_id: str) -> None:
        with self.lock:
            self.hidden_customers.add(customer_id)
            self._append("customer", customer_id, "exit", 0, None, customer_id)

    def restore_backup(self, snapshot: FakeState) -> None:
        """Go back in time to `snapshot` under a new epoch (what a restore does)."""
        with self.lock:
            self.state = snapshot
            self.state.epoch = f"epoch-{uuid.uuid4().hex[:6]}"

    def snapshot(self) -> FakeState:
        with self.lock:
            return FakeState(
                epoch=self.state.epoch,
                records={key: dict(value) for key, value in self.state.records.items()},
                versions=dict(self.state.versions),
                log=list(self.state.log),
                last_mutation=dict(self.state.last_mutation),
            )

    def record(self, entity: str, record_id: str) -> dict[str, Any] | None:
        return self.state.records.get((entity, record_id))

    # --- server logic -----------------------------------------------------------------------
    def _append(
        self,
        entity: str,
        record_id: str,
        op: str,
        version: int,
        data: dict[str, Any] | None,
        customer_id: str | None,
    ) -> None:
        seq = len(self.state.log) + 1
        self.state.log.append(LogEntry(seq, entity, record_id, op, version, data, customer_id))

    def _store(self, entity: str, record_id: str, fields: dict[str, Any]) -> int:
        key = (entity, record_id)
        record = self.state.records.setdefault(key, {"archived": False})
        record.update(fields)
        version = self.state.versions.get(key, 0) + 1
        self.state.versions[key] = version
        customer_id = record_id if entity == "customer" else record.get("customer_id")
        self._append(entity, record_id, "upsert", version, dict(record), customer_id)
        return version

    def _push(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        client_id = body["client_id"]
        last = self.state.last_mutation.get(client_id, 0)
        results: list[dict[str, Any]] = []
        for mutation in body["mutations"]:
            mutation_id = int(mutation["id"])
            if mutation_id <= last:
                results.append({"id": mutation_id, "status": "skipped"})
                continue
            if mutation_id > last + 1:
                break  # a gap: the client must resend from last + 1
            last = mutation_id
            entity, record_id = mutation["entity"], mutation["entity_id"]
            if record_id in self.reject_ids:
                error_id = str(uuid.uuid4())
                self._store(
                    "sync_error",
                    error_id,
                    {
                        "user_id": self.user_id,
                        "client_id": client_id,
                        "mutation_id": mutation_id,
                        "entity": entity,
                        "entity_id": record_id,
                        "code": "forbidden",
                        "message": "You may no longer change this record.",
                        "rejected": json.dumps(
                            {"op": mutation["op"], "fields": mutation["fields"]}
                        ),
                    },
                )
                results.append({"id": mutation_id, "status": "rejected", "code": "forbidden"})
                continue
            fields = dict(mutation["fields"])
            if mutation["op"] in ("archive", "unarchive"):
                fields["archived"] = mutation["op"] == "archive"
            version = self._store(entity, record_id, fields)
            results.append({"id": mutation_id, "status": "applied", "version": version})
        self.state.last_mutation[client_id] = last
        return 200, {"last_mutation_id": last, "results": results, "epoch": self.state.epoch}

    def _pull(self, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if self.account_state in ("deactivated", "wipe"):
            return 403, {"code": "deactivated", "message": "account closed"}
        after = 0
        if "cursor" in query:
            epoch, _, seq = query["cursor"].rpartition(":")
            if epoch != self.state.epoch:
                return 410, {"code": "reset_required", "message": "cursor from another epoch"}
            after = int(seq)
        limit = int(query.get("limit", "100"))
        newer = [
            entry
            for entry in self.state.log
            if entry.seq > after
            and (entry.op == "exit" or entry.customer_id not in self.hidden_customers)
        ]
        page = newer[:limit]
        next_seq = page[-1].seq if page else after
        changes = [
            {
                "seq": entry.seq,
                "entity": entry.entity,
                "id": entry.id,
                "op": entry.op,
                "version": entry.version,
                "data": entry.data,
            }
            for entry in page
        ]
        return 200, {
            "changes": changes,
            "next_cursor": f"{self.state.epoch}:{next_seq}",
            "has_more": len(newer) > limit,
            "epoch": self.state.epoch,
            "high_water": len(self.state.log),
            "last_mutation_id": self.state.last_mutation.get(query.get("client_id", ""), 0),
        }

    def _tokens(self) -> dict[str, Any]:
        access = secrets.token_hex(8)
        self.refresh_token = secrets.token_hex(8)
        self.valid_refresh_tokens.add(self.refresh_token)
        self.access_tokens.add(access)
        return {
            "access_token": access,
            "refresh_token": self.refresh_token,
            "expires_in": 3600,
            "user_id": self.user_id,
            "role": "account_manager",
            "display_name": "Wang Fang",
        }

    def handle(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: Any
    ) -> tuple[int, Any]:
        self.calls.append(path)
        for index, (queued_path, status, answer) in enumerate(self.queued_answers):
            if path == queued_path:
                del self.queued_answers[index]
                return status, answer
        if path == "/auth/login":
            if body.get("password") != self.password:
                return 401, {"code": "bad_credentials", "message": "wrong login or password"}
            return 200, self._tokens()
        if path == "/auth/refresh":
            if body.get("refresh_token") not in self.valid_refresh_tokens:
                return 401, {"code": "unauthorized", "message": "refresh token revoked"}
            self.valid_refresh_tokens.discard(body["refresh_token"])  # rotation
            return 200, self._tokens()
        token = str(headers.get("Authorization", "")).removeprefix("Bearer ")
        if token not in self.access_tokens:
            return 401, {"code": "unauthorized", "message": "token expired"}
        protocol = int(headers.get("X-Fieldbook-Protocol") or body.get("protocol_version") or 0)
        if protocol < self.min_protocol:
            return 426, {"code": "upgrade_required", "message": "please update Fieldbook"}
        if path == "/sync/hello":
            return 200, {
                "epoch": self.state.epoch,
                "account_state": self.account_state,
                "user": {"id": self.user_id, "login": "wang", "role": "account_manager"},
                "policies": dict(self.policies),
                "min_protocol_version": self.min_protocol,
            }
        if path == "/sync/push":
            return self._push(body)
        if path == "/sync/pull":
            self.pull_cursors.append(query.get("cursor"))
            return self._pull(query)
        if path == "/sync/snapshot":
            if self.served_snapshot is None:
                return 404, {"code": "snapshot_unavailable", "message": "no snapshot ready"}
            return 200, self.served_snapshot[0]
        if path == "/audit/events":
            for event in body["events"]:
                self.audit_events.setdefault(event["id"], event)
            return 200, {"recorded": [event["id"] for event in body["events"]]}
        if path == "/sync/drained":
            self.drained_calls += 1
            if self.account_state == "deactivated":
                self.account_state = "wipe"
            return 200, {"wipe": self.account_state == "wipe"}
        return 404, {"code": "not_found", "message": f"no route {path}"}

    # --- requests adapter -------------------------------------------------------------------
    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **_kwargs: Any
    ) -> requests.Response:
        url = urlsplit(request.url or "")
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        raw = request.body or b"{}"
        body = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
        with self.lock:
            status, answer = self.handle(
                request.method or "GET", url.path, query, request.headers, body
            )
        response = requests.Response()
        response.status_code = status
        response._content = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
        # Consumed already, so that a streaming read iterates over the content.
        response._content_consumed = True  # type: ignore[attr-defined]
        response.headers["Content-Type"] = "application/json"
        if url.path == "/sync/snapshot" and status == 200 and self.served_snapshot is not None:
            response.headers.update(self.served_snapshot[1])
            response.headers["Content-Length"] = str(len(response._content))
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        return None
