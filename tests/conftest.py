"""Shared fixtures: headless Qt, an in-memory keyring, temporary replicas and a real PostgreSQL."""

from __future__ import annotations

import os
import shutil
import tempfile

# Before anything can create a QApplication: without a display Qt would abort the process.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from sqlalchemy import Engine

from tests.postgres import PostgresCluster, start_cluster


class MemoryKeyring(KeyringBackend):
    """Headless boxes have no keyring; priority -1 so it never wins automatic selection."""

    priority = -1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def replica(tmp_path: Path) -> Iterator[Engine]:
    from desktop.store.replica import open_replica

    engine = open_replica(tmp_path / "replica.sqlite3")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    # Not under pytest's tmp dir: that is private to root, and the cluster runs as `postgres`.
    parent = Path(tempfile.mkdtemp(prefix="fieldbook-pg-"))
    cluster = start_cluster(parent)
    yield cluster
    cluster.stop()
    shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster) -> Iterator[str]:
    """A fresh, empty database on the session's cluster for each test."""
    with postgres_cluster.fresh_database() as url:
        yield url
