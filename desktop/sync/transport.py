"""HTTP to the server: a `requests` session per thread, timeouts, gzip, TLS, proxies, typed errors.

Every failure leaves here as a `SyncError` subclass chosen by the wire's error `code` (never by
parsing message text), with a message the person at the keyboard can act on. Proxies come from the
environment (`HTTPS_PROXY`, `NO_PROXY` ...), which `requests` reads itself; a corporate CA bundle
can be given for TLS inspection proxies. Faults for tests are injected through `FaultInjector`.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import requests
from requests.adapters import BaseAdapter

from desktop.sync.errors import (
    BadCredentials,
    Deactivated,
    Offline,
    RequestRejected,
    ResetRequired,
    ServerError,
    SyncError,
    Throttled,
    Unauthorized,
    UpgradeRequired,
    Wipe,
)
from desktop.sync.faults import FaultInjector, FaultKind
from protocol.messages import PROTOCOL_VERSION, SCHEMA_VERSION

_ERRORS_BY_CODE: dict[str, type[SyncError]] = {
    "upgrade_required": UpgradeRequired,
    "reset_required": ResetRequired,
    "unauthorized": Unauthorized,
    "bad_credentials": BadCredentials,
    "throttled": Throttled,
    "deactivated": Deactivated,
    "wipe": Wipe,
}


def _let_other_threads_run(decoded: dict[str, Any]) -> dict[str, Any]:
    """Called by the JSON decoder for every object it builds, and returns it unchanged.

    Decoding a 5,000-row page is one C call of 30-50 ms that holds the GIL throughout, so the UI
    thread could not run for that long (longer when the OS also preempts the decoding thread). A
    Python function called per object is a point where the interpreter hands the GIL to a
    thread that has been waiting for it: the decode costs a few percent more and the longest
    wait it causes halves (measured with a heartbeat thread)."""
    return decoded


@dataclass(frozen=True)
class TransportConfig:
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    verify_tls: bool = True
    ca_bundle: Path | None = None  # a corporate CA for TLS-inspecting proxies
    user_agent: str = "Fieldbook-desktop"


@dataclass(frozen=True)
class Response:
    status: int
    body: Any  # decoded JSON


@dataclass(frozen=True)
class Download:
    """A body streamed into a file (`Transport.download`)."""

    headers: dict[str, str]
    size: int  # bytes written
    sha256: str  # hex digest of what was written
    declared_size: int | None  # Content-Length, when the server sent one


# Bytes read and written per step of a download: few system calls, little memory.
DOWNLOAD_CHUNK_BYTES = 1 << 20
# A durable download is synced to disk every this many bytes, on another thread while the next
# ones arrive: the disk works during the download instead of all at its end.
DURABLE_SYNC_BYTES = 64 << 20
_sync_file = getattr(os, "fdatasync", os.fsync)  # macOS has no fdatasync


class _SyncAsWritten:
    """Syncs a file being written to disk on another thread, one sync at a time."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self.synced_up_to = 0
        self.running: threading.Thread | None = None
        self.failure: OSError | None = None

    def written(self, size: int) -> None:
        if size - self.synced_up_to < DURABLE_SYNC_BYTES:
            return
        if self.running is not None and self.running.is_alive():
            return
        self.synced_up_to = size
        self.file.flush()  # what was written so far reaches the operating system first
        self.running = threading.Thread(target=self._sync, name="download-sync", daemon=True)
        self.running.start()

    def _sync(self) -> None:
        try:
            _sync_file(self.file.fileno())
        except OSError as error:  # reported by `finish`, on the downloading thread
            self.failure = error

    def finish(self) -> None:
        if self.running is not None:
            self.running.join()
        if self.failure is not None:
            raise self.failure
        self.file.flush()
        _sync_file(self.file.fileno())


class Transport:
    """Sends requests to one server. Thread-safe: each thread gets its own `requests.Session`."""

    def __init__(
        self,
        *,
        base_url: str,
        config: TransportConfig | None = None,
        faults: FaultInjector | None = None,
        adapter: BaseAdapter | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"The server address must start with https:// (got {base_url!r}).")
        self.base_url = base_url.rstrip("/")
        self.config = config or TransportConfig()
        self.faults = faults
        self._adapter = adapter  # tests may route requests to an in-process server
        self._local = threading.local()
        self._counter_lock = threading.Lock()
        self.bytes_received = 0
        self.bytes_sent = 0
        self.requests_sent = 0

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers.update(
                {
                    "User-Agent": self.config.user_agent,
                    "Accept": "application/json",
                    "Accept-Encoding": "gzip",
                    "X-Fieldbook-Protocol": str(PROTOCOL_VERSION),
                    "X-Fieldbook-Schema": str(SCHEMA_VERSION),
                }
            )
            if self._adapter is not None:
                session.mount(self.base_url, self._adapter)
            self._local.session = session
        return session

    def close(self) -> None:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is not None:
            session.close()
            self._local.session = None

    def _verify(self) -> bool | str:
        if not self.config.verify_tls:
            return False
        return str(self.config.ca_bundle) if self.config.ca_bundle else True

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        token: str | None = None,
        read_timeout: float | None = None,
    ) -> Response:
        """Send one request; returns the decoded JSON answer or raises a `SyncError`."""
        fault = self._fault_before_sending(method, path)
        body = None
        headers: dict[str, str] = {}
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if fault is not None and fault.kind is FaultKind.DUPLICATE:
            # The first copy's answer is never seen: the second one counts.
            self._send(method, path, body, headers, params, read_timeout)
        response = self._send(method, path, body, headers, params, read_timeout)
        if fault is not None and fault.kind is FaultKind.DROP_RESPONSE:
            raise Offline(f"The connection to {self.base_url} broke before the answer arrived.")
        return response

    def _fault_before_sending(self, method: str, path: str) -> Any:
        fault = self.faults.fault_for(method, path) if self.faults else None
        if fault is not None:
            if fault.kind is FaultKind.DROP_REQUEST:
                raise Offline(f"Cannot reach the server at {self.base_url} (request lost).")
            if fault.kind is FaultKind.UNAVAILABLE:
                raise ServerError("The server is busy or down for maintenance (503); will retry.")
            if fault.kind is FaultKind.DELAY:
                time.sleep(fault.delay_seconds)
        return fault

    def _send(
        self,
        method: str,
        path: str,
        body: bytes | None,
        headers: dict[str, str],
        params: dict[str, Any] | None,
        read_timeout: float | None,
    ) -> Response:
        url = self.base_url + path
        timeout = (self.config.connect_timeout, read_timeout or self.config.read_timeout)
        with self._network_errors_as_offline():
            reply = self._session().request(
                method,
                url,
                data=body,
                headers=headers,
                params=params,
                timeout=timeout,
                verify=self._verify(),
            )
            content = reply.content
        self._count(reply, len(body or b""), len(content))
        return self._decode(reply.status_code, content, url)

    def download(
        self,
        path: str,
        *,
        into: Path,
        params: dict[str, Any] | None = None,
        token: str | None = None,
        accept: str = "application/octet-stream",
        on_bytes: Callable[[int, int | None, Mapping[str, str]], None] | None = None,
        durable: bool = False,
    ) -> Download:
        """GET a large body straight into the file `into`, hashing it on the way; an error
        answer raises the same typed `SyncError` as `request`. `on_bytes(written, total,
        headers)` follows the progress (`total` is None without a Content-Length). `durable`:
        the file is on disk when this returns, synced as it arrived.

        The body is asked for uncompressed: a large file compressed on the fly costs the server
        more time than the wire saves."""
        fault = self._fault_before_sending("GET", path)
        headers = {"Accept": accept, "Accept-Encoding": "identity"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        url = self.base_url + path
        digest = hashlib.sha256()
        size = 0
        with (
            self._network_errors_as_offline(),
            self._session().get(
                url,
                headers=headers,
                params=params,
                timeout=(self.config.connect_timeout, self.config.read_timeout),
                verify=self._verify(),
                stream=True,
            ) as reply,
        ):
            if reply.status_code >= 400:
                content = reply.content
                self._count(reply, 0, len(content))
                self._decode(reply.status_code, content, url)  # raises the typed error
            length = reply.headers.get("Content-Length")
            declared = int(length) if length and length.isdigit() else None
            with into.open("wb") as out:
                syncing = _SyncAsWritten(out) if durable else None
                for chunk in reply.iter_content(DOWNLOAD_CHUNK_BYTES):
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    if syncing is not None:
                        syncing.written(size)
                    if on_bytes is not None:
                        on_bytes(size, declared, reply.headers)
                if syncing is not None:
                    syncing.finish()
            self._count(reply, 0, size)
        if fault is not None and fault.kind is FaultKind.DROP_RESPONSE:
            raise Offline(f"The connection to {self.base_url} broke during the download.")
        return Download(
            headers=dict(reply.headers),
            size=size,
            sha256=digest.hexdigest(),
            declared_size=declared,
        )

    @contextmanager
    def _network_errors_as_offline(self) -> Iterator[None]:
        try:
            yield
        except requests.exceptions.SSLError as error:
            raise Offline(
                f"The secure connection to {self.base_url} failed: the server's certificate is "
                f"not trusted here. If your firm uses its own certificate authority, set its CA "
                f"bundle in the settings. ({error})"
            ) from error
        except requests.exceptions.ProxyError as error:
            raise Offline(
                f"The proxy refused the connection to {self.base_url}: {error}"
            ) from error
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as error:
            raise Offline(f"Cannot reach the server at {self.base_url}: {error}") from error
        except requests.exceptions.RequestException as error:
            raise Offline(f"The request to {self.base_url} failed: {error}") from error

    def _count(self, reply: requests.Response, sent: int, decoded_length: int) -> None:
        # Bytes as they crossed the wire (compressed), where urllib3 can tell.
        raw_tell = getattr(reply.raw, "tell", None)
        received = decoded_length
        if callable(raw_tell):
            try:
                received = int(raw_tell()) or decoded_length
            except (OSError, ValueError, TypeError):
                received = decoded_length
        with self._counter_lock:
            self.requests_sent += 1
            self.bytes_sent += sent
            self.bytes_received += received

    def _decode(self, status: int, content: bytes, url: str) -> Response:
        try:
            body = json.loads(content, object_hook=_let_other_threads_run) if content else None
        except ValueError:
            body = None
            if status < 400:
                raise ServerError(
                    f"The server at {url} answered something that is not Fieldbook data "
                    f"(status {status}). Is the address right?"
                ) from None
        if status < 400:
            return Response(status, body)
        code = body.get("code") if isinstance(body, dict) else None
        message = body.get("message") if isinstance(body, dict) else None
        text = str(message or f"status {status}")
        if status >= 500:
            raise ServerError(f"The server had a problem ({text}); will retry.")
        if isinstance(code, str) and code in _ERRORS_BY_CODE:
            raise _ERRORS_BY_CODE[code](text)
        if status == 401:
            raise Unauthorized(text)
        if status == 426:
            raise UpgradeRequired(text)
        if status == 410:
            raise ResetRequired(text)
        raise RequestRejected(
            f"The server refused the request: {text}", code=str(code or status), status=status
        )
