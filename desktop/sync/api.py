"""The server's endpoints (docs/wire.md) as methods, with sign-in and automatic token refresh.

The access token lives in memory only; the refresh token in the `CredentialStore`. When a call
answers 401 `unauthorized`, the client refreshes once (the server rotates the refresh token, so the
new one is saved at once) and repeats the call. Two threads that hit an expired token together
refresh only once: the second sees the token already changed and just retries.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from desktop.sync.credentials import CredentialStore
from desktop.sync.errors import NotSignedIn, RequestRejected, ServerError, Unauthorized
from desktop.sync.transport import Transport
from protocol.messages import (
    MAX_LONG_POLL_SECONDS,
    PROTOCOL_VERSION,
    SCHEMA_VERSION,
    SNAPSHOT_CURSOR_HEADER,
    SNAPSHOT_MEDIA_TYPE,
    SNAPSHOT_ROWS_HEADER,
    SNAPSHOT_SHA256_HEADER,
    ErrorCode,
    LoginRequest,
    RefreshRequest,
    TokenPair,
    parse_cursor,
)

Answer = TypeVar("Answer")

LONG_POLL_MARGIN_SECONDS = 15.0  # the read timeout of a long-poll is its wait plus this


@dataclass(frozen=True)
class Hello:
    epoch: str
    account_state: str
    user_id: str | None
    login: str | None
    role: str | None
    max_offline_days: int | None
    drain_days: int | None
    export_allowed: bool | None  # None: the server did not say (an older server)
    export_max_rows: int | None  # 0 or None: no cap
    min_protocol_version: int | None
    raw: dict[str, Any]


@dataclass(frozen=True)
class SnapshotDownload:
    """A replica snapshot saved to `path`, checked against the digest and size it came with."""

    path: Path
    cursor: str  # where pulling goes on from once the snapshot is adopted
    rows: int  # records it holds
    size: int


class ApiClient:
    def __init__(
        self, *, transport: Transport, credentials: CredentialStore, client_id: str
    ) -> None:
        self.transport = transport
        self.credentials = credentials
        self.client_id = client_id
        self._token_lock = threading.Lock()
        self._access_token: str | None = None

    # --- auth -----------------------------------------------------------------------------
    def login(self, *, login: str, password: str) -> TokenPair:
        request = LoginRequest(login=login, password=password, client_id=self.client_id)
        answer = self.transport.request("POST", "/auth/login", json_body=request.model_dump())
        pair = self._token_pair(answer.body)
        self.credentials.save(pair.refresh_token)
        with self._token_lock:
            self._access_token = pair.access_token
        return pair

    def logout(self) -> None:
        self._call("POST", "/auth/logout", json_body={"client_id": self.client_id})
        with self._token_lock:
            self._access_token = None
        self.credentials.delete()

    def _token_pair(self, body: Any) -> TokenPair:
        try:
            return TokenPair.model_validate(body)
        except ValueError as error:
            raise ServerError(f"The server's sign-in answer was not understood: {error}") from None

    def _current_token(self) -> str:
        with self._token_lock:
            if self._access_token is not None:
                return self._access_token
        return self._refresh(stale=None)

    def _refresh(self, *, stale: str | None) -> str:
        with self._token_lock:
            if self._access_token is not None and self._access_token != stale:
                return self._access_token  # another thread refreshed meanwhile
            refresh_token = self.credentials.load()
            if not refresh_token:
                raise NotSignedIn("Not signed in on this computer: sign in with your password.")
            try:
                answer = self.transport.request(
                    "POST",
                    "/auth/refresh",
                    json_body=RefreshRequest(refresh_token=refresh_token).model_dump(),
                )
            except Unauthorized:
                self._access_token = None
                self.credentials.delete()  # revoked for good: keeping it would fail every time
                raise Unauthorized(
                    "Your sign-in has expired or was revoked: sign in again with your password."
                ) from None
            pair = self._token_pair(answer.body)
            self.credentials.save(pair.refresh_token)  # rotation: the old one is now revoked
            self._access_token = pair.access_token
            return pair.access_token

    def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """Any other endpoint (admin, audit) with the same bearer token and refresh; returns the
        decoded JSON answer or raises a typed `SyncError`."""
        return self._call(method, path, json_body=json_body, params=params)

    def _call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        read_timeout: float | None = None,
    ) -> Any:
        def send(token: str) -> Any:
            return self.transport.request(
                method,
                path,
                json_body=json_body,
                params=params,
                token=token,
                read_timeout=read_timeout,
            ).body

        return self._with_token(send)

    def _with_token(self, send: Callable[[str], Answer]) -> Answer:
        token = self._current_token()
        try:
            return send(token)
        except Unauthorized:
            # The access token ran out (or was revoked) since it was issued: refresh once and
            # send the same request again; a second refusal reaches the caller.
            return send(self._refresh(stale=token))

    # --- sync -----------------------------------------------------------------------------
    def hello(self, *, pending_changes: int | None = None) -> Hello:
        """`pending_changes` (our unsent outbox entries) lets an administrator's hand-over
        preview say what is still on this laptop."""
        params = (
            None
            if pending_changes is None
            else {"client_id": self.client_id, "pending": pending_changes}
        )
        body = self._call("GET", "/sync/hello", params=params)
        if not isinstance(body, dict) or "epoch" not in body:
            raise ServerError("The server's hello answer was not understood.")
        user = body.get("user") or {}
        policies = body.get("policies") or {}
        return Hello(
            epoch=str(body["epoch"]),
            account_state=str(body.get("account_state", "active")),
            user_id=user.get("id"),
            login=user.get("login"),
            role=user.get("role"),
            max_offline_days=policies.get("max_offline_days"),
            drain_days=policies.get("drain_days"),
            export_allowed=_optional_bool(policies.get("export_allowed")),
            export_max_rows=_optional_count(policies.get("export_max_rows")),
            min_protocol_version=body.get("min_protocol_version"),
            raw=body,
        )

    def push(self, mutations: list[dict[str, Any]]) -> dict[str, Any]:
        body = self._call(
            "POST",
            "/sync/push",
            json_body={
                "client_id": self.client_id,
                "protocol_version": PROTOCOL_VERSION,
                "schema_version": SCHEMA_VERSION,
                "mutations": mutations,
            },
        )
        if not isinstance(body, dict) or "last_mutation_id" not in body:
            raise ServerError("The server's push answer was not understood.")
        return body

    def pull(self, *, cursor: str | None, limit: int, wait: float = 0) -> dict[str, Any]:
        """One page of changes. Pages are large, so they stay plain JSON (no model per change)."""
        params: dict[str, Any] = {"client_id": self.client_id, "limit": limit}
        if cursor:
            params["cursor"] = cursor
        wait = min(max(wait, 0), MAX_LONG_POLL_SECONDS)
        if wait:
            params["wait"] = int(wait) if float(wait).is_integer() else wait
        body = self._call(
            "GET",
            "/sync/pull",
            params=params,
            read_timeout=(wait + LONG_POLL_MARGIN_SECONDS) if wait else None,
        )
        if not isinstance(body, dict) or "changes" not in body or "next_cursor" not in body:
            raise ServerError("The server's pull answer was not understood.")
        return body

    def download_snapshot(
        self,
        *,
        schema: str,
        into: Path,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> SnapshotDownload | None:
        """Our scope as a ready replica file of replica schema `schema`, saved to `into`; None
        when the server has none that fits (then pull from the start). A file that does not
        match its digest or length raises `ServerError` (the caller deletes it).

        `on_progress(rows, total_rows)` follows the download, the rows counted in proportion to
        the bytes received."""

        def on_bytes(size: int, declared: int | None, headers: Mapping[str, str]) -> None:
            rows = _header_count(headers.get(SNAPSHOT_ROWS_HEADER))
            if on_progress is not None and declared:
                on_progress(rows * size // declared, rows)

        try:
            download = self._with_token(
                lambda token: self.transport.download(
                    "/sync/snapshot",
                    into=into,
                    params={"client_id": self.client_id, "schema": schema},
                    token=token,
                    accept=SNAPSHOT_MEDIA_TYPE,
                    on_bytes=on_bytes if on_progress is not None else None,
                    durable=True,  # it may become the replica itself (`adopt_snapshot`)
                )
            )
        except RequestRejected as error:
            if error.code == ErrorCode.SNAPSHOT_UNAVAILABLE:
                return None
            raise
        headers = {name.lower(): value for name, value in download.headers.items()}
        cursor = headers.get(SNAPSHOT_CURSOR_HEADER.lower(), "")
        try:
            parse_cursor(cursor)
        except ValueError:
            raise ServerError("The server's snapshot came without a usable cursor.") from None
        if download.declared_size is not None and download.size != download.declared_size:
            raise ServerError(
                f"The snapshot download stopped at {download.size:,} of "
                f"{download.declared_size:,} bytes; will pull instead."
            )
        if download.sha256 != headers.get(SNAPSHOT_SHA256_HEADER.lower()):
            raise ServerError("The snapshot download arrived damaged (wrong digest).")
        return SnapshotDownload(
            path=into,
            cursor=cursor,
            rows=_header_count(headers.get(SNAPSHOT_ROWS_HEADER.lower())),
            size=download.size,
        )

    def drained(self) -> bool:
        body = self._call("POST", "/sync/drained", json_body={"client_id": self.client_id})
        return bool(isinstance(body, dict) and body.get("wipe"))


def _optional_bool(value: Any) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise ServerError(f"The server's export policy was not understood: {value!r}.")
    return value


def _optional_count(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ServerError(f"The server's export row limit was not understood: {value!r}.")
    return value


def _header_count(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0
