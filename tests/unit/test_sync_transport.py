"""Transport, credentials and backoff: typed errors by wire code, keyring fallback, jitter."""

from __future__ import annotations

import errno
import os
import random
import socket
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import NoKeyringError

from desktop.sync import transport as transport_module
from desktop.sync.credentials import SERVICE, CredentialStore
from desktop.sync.errors import (
    BadCredentials,
    Deactivated,
    Offline,
    RequestRejected,
    ResetRequired,
    ServerError,
    SyncError,
    Unauthorized,
    UpgradeRequired,
    Wipe,
)
from desktop.sync.faults import FaultKind, RandomFaults, ScriptedFaults
from desktop.sync.loop import Backoff
from desktop.sync.transport import Transport, TransportConfig
from tests.conftest import MemoryKeyring
from tests.unit.test_sync_fakes import BASE_URL, FakeWire


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (426, "upgrade_required", UpgradeRequired),
        (410, "reset_required", ResetRequired),
        (401, "unauthorized", Unauthorized),
        (401, "bad_credentials", BadCredentials),
        (403, "deactivated", Deactivated),
        (403, "wipe", Wipe),
        (503, "internal_error", ServerError),
        (500, None, ServerError),
        (422, "validation_error", RequestRejected),
        (403, "forbidden", RequestRejected),
    ],
)
def test_errors_are_typed_by_wire_code(
    status: int, code: str | None, expected: type[SyncError]
) -> None:
    wire = FakeWire()
    body = {"message": "plain words"} | ({"code": code} if code else {})
    wire.answer_next("/auth/login", status, body)
    transport = Transport(base_url=BASE_URL, adapter=wire)
    with pytest.raises(expected) as raised:
        transport.request("POST", "/auth/login", json_body={})
    assert raised.value.retryable == (status >= 500)
    assert raised.value.message  # always something a person can read


def test_unreachable_server_is_offline_with_the_address_in_the_message() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    transport = Transport(
        base_url=f"http://127.0.0.1:{port}", config=TransportConfig(connect_timeout=2)
    )
    with pytest.raises(Offline, match=f"127.0.0.1:{port}") as raised:
        transport.request("GET", "/sync/hello")
    assert raised.value.retryable


def test_non_json_answer_is_a_server_error_not_a_crash() -> None:
    wire = FakeWire()
    wire.answer_next("/sync/hello", 200, b"<html>Please sign in to the hotel wifi</html>")
    transport = Transport(base_url=BASE_URL, adapter=wire)
    with pytest.raises(ServerError, match="not Fieldbook data"):
        transport.request("GET", "/sync/hello")


def test_bad_address_is_refused_plainly() -> None:
    with pytest.raises(ValueError, match="must start with https://"):
        Transport(base_url="fieldbook.example.com")


def test_ca_bundle_is_used_for_verification(tmp_path: Path) -> None:
    bundle = tmp_path / "corp-ca.pem"
    transport = Transport(base_url=BASE_URL, config=TransportConfig(ca_bundle=bundle))
    assert transport._verify() == str(bundle)
    assert Transport(base_url=BASE_URL, config=TransportConfig(verify_tls=False))._verify() is False


def test_injected_faults_behave_like_the_network() -> None:
    wire = FakeWire()
    faults = ScriptedFaults()
    transport = Transport(base_url=BASE_URL, adapter=wire, faults=faults)
    faults.add("/auth/login", FaultKind.DROP_REQUEST)
    faults.add("/auth/login", FaultKind.DROP_RESPONSE)
    faults.add("/auth/login", FaultKind.UNAVAILABLE)
    faults.add("/auth/login", FaultKind.DUPLICATE)
    body = {"login": "wang", "password": wire.password, "client_id": "c"}
    with pytest.raises(Offline):
        transport.request("POST", "/auth/login", json_body=body)
    assert wire.calls == []  # never reached the server
    with pytest.raises(Offline):
        transport.request("POST", "/auth/login", json_body=body)
    assert wire.calls == ["/auth/login"]  # handled, answer lost
    with pytest.raises(ServerError, match="503"):
        transport.request("POST", "/auth/login", json_body=body)
    assert transport.request("POST", "/auth/login", json_body=body).status == 200
    assert wire.calls.count("/auth/login") == 3  # the duplicate reached it twice
    assert faults.pending() == 0


def test_random_faults_are_reproducible_by_seed() -> None:
    def kinds(seed: int) -> list[FaultKind | None]:
        faults = RandomFaults(seed=seed, drop_request=0.2, duplicate=0.2, delay=0.2)
        found = [faults.fault_for("GET", "/sync/pull") for _ in range(50)]
        return [fault.kind if fault else None for fault in found]

    assert kinds(7) == kinds(7)
    assert {FaultKind.DROP_REQUEST, FaultKind.DUPLICATE, None} <= set(kinds(7))


def test_refresh_token_lives_in_the_keyring(memory_keyring: MemoryKeyring) -> None:
    store = CredentialStore(server_url="https://crm.example.com/", login="wang")
    store.save("r-1")
    assert memory_keyring.secrets == {(SERVICE, "https://crm.example.com|wang"): "r-1"}
    assert CredentialStore(server_url="https://crm.example.com", login="wang").load() == "r-1"
    assert store.delete() and memory_keyring.secrets == {}
    assert store.storage == "keyring"


class NoKeyring(KeyringBackend):
    priority = -1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]

    def get_password(self, service: str, username: str) -> str | None:
        raise NoKeyringError("no backend")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise NoKeyringError("no backend")

    def delete_password(self, service: str, username: str) -> None:
        raise NoKeyringError("no backend")


def test_without_a_keyring_the_token_is_kept_for_this_session_only(tmp_path: Path) -> None:
    keyring.set_keyring(NoKeyring())
    store = CredentialStore(server_url=BASE_URL, login="wang")
    store.save("r-1")
    assert store.storage == "session-only"
    assert store.load() == "r-1"  # this run keeps working
    assert CredentialStore(server_url=BASE_URL, login="wang").load() is None  # next run asks
    assert not store.delete()


def test_backoff_grows_exponentially_with_jitter_and_a_ceiling() -> None:
    backoff = Backoff(base_seconds=1, max_seconds=60)
    rng = random.Random(3)
    for failures, ceiling in ((1, 1), (2, 2), (3, 4), (6, 32), (20, 60)):
        delays = {backoff.delay(failures, rng) for _ in range(20)}
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert len(delays) > 1  # jitter: a whole office does not retry in step


def test_a_durable_download_is_synced_to_disk_while_it_arrives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wire = FakeWire()
    body = bytes(range(256)) * 4096  # 1 MiB
    wire.answer_next("/files/big", 200, body)
    synced_sizes: list[int] = []
    target = tmp_path / "big.bin"
    monkeypatch.setattr(transport_module, "DOWNLOAD_CHUNK_BYTES", 64 << 10)
    monkeypatch.setattr(transport_module, "DURABLE_SYNC_BYTES", 256 << 10)
    monkeypatch.setattr(
        transport_module, "_sync_file", lambda fileno: synced_sizes.append(os.fstat(fileno).st_size)
    )
    download = Transport(base_url=BASE_URL, adapter=wire).download(
        "/files/big", into=target, durable=True
    )
    assert download.size == len(body) and target.read_bytes() == body
    assert len(synced_sizes) >= 2  # during the download, not only at its end
    assert synced_sizes[0] < len(body) and synced_sizes[-1] == len(body)


def test_a_failed_sync_of_a_durable_download_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wire = FakeWire()
    wire.answer_next("/files/big", 200, b"x" * (1 << 20))

    def full_disk(_fileno: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(transport_module, "_sync_file", full_disk)
    with pytest.raises(OSError, match="No space left"):
        Transport(base_url=BASE_URL, adapter=wire).download(
            "/files/big", into=tmp_path / "big.bin", durable=True
        )
