"""Bad input and a bad data file: a clear message, and nothing changed (rows and outbox)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, event

from desktop.cli import run
from desktop.domain.messages import ValidationError
from desktop.operations.activities import log_activity
from desktop.operations.customers import add_customer, edit_customer, list_customers
from desktop.store.changes import RecordNotFound
from desktop.store.engine import StoreError
from desktop.store.replica import open_replica
from tests.unit.operations_helpers import counts


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make `path` unwritable even for root (who ignores permission bits): the immutable flag."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)
        return
    if shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: cannot make a file read-only")
    made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"this file system has no immutable flag: {made.stderr.decode().strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@pytest.fixture
def replica_file(tmp_path: Path) -> Path:
    path = tmp_path / "replica.sqlite3"
    engine = open_replica(path)
    add_customer(engine, values={"name": "Existing customer"})
    engine.dispose()
    return path


def _counts(path: Path) -> dict[str, int]:
    engine = open_replica(path)
    try:
        return counts(engine)
    finally:
        engine.dispose()


def test_malformed_phone_changes_nothing(replica_file: Path) -> None:
    before = _counts(replica_file)
    engine = open_replica(replica_file)
    try:
        with pytest.raises(ValidationError, match="“138 0013” is not a valid phone number"):
            add_customer(engine, values={"name": "Acme", "phone": "138 0013"})
    finally:
        engine.dispose()
    assert _counts(replica_file) == before


def test_unknown_customer_id_changes_nothing(replica_file: Path) -> None:
    before = _counts(replica_file)
    engine = open_replica(replica_file)
    try:
        with pytest.raises(RecordNotFound, match="No customer with id 0000"):
            log_activity(engine, customer_id="0000", kind="call", notes="lost?")
        with pytest.raises(RecordNotFound, match="No customer with id 0000"):
            edit_customer(engine, customer_id="0000", changes={"name": "x"})
    finally:
        engine.dispose()
    assert _counts(replica_file) == before


def test_file_that_is_not_a_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "replica.sqlite3"
    path.write_bytes(b"This is a spreadsheet, not a database.\n" * 200)
    before = _digest(path)
    with pytest.raises(StoreError, match="damaged or is not a Fieldbook database"):
        open_replica(path)
    assert _digest(path) == before


def test_damaged_pages_are_reported_when_read(replica_file: Path, capsys) -> None:
    # Keep page 1 (the schema) and wreck the rest: opening works, reading the customers fails.
    data = bytearray(replica_file.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    data[page_size:] = b"\xff" * (len(data) - page_size)
    replica_file.write_bytes(bytes(data))
    code = run(["--data-dir", str(replica_file.parent), "customer", "list"])
    captured = capsys.readouterr()
    assert code == 1 and captured.out == ""
    assert "damaged" in captured.err and str(replica_file) in captured.err


def test_read_only_file_is_refused_on_open(replica_file: Path, capsys) -> None:
    before = _digest(replica_file)
    with read_only(replica_file):
        with pytest.raises(StoreError, match="cannot be written"):
            open_replica(replica_file)
        code = run(["--data-dir", str(replica_file.parent), "customer", "add", "--name", "x"])
    captured = capsys.readouterr()
    assert code == 1 and "cannot be written" in captured.err
    assert _digest(replica_file) == before


def _limit_pages(engine: Engine, extra_pages: int) -> None:
    """Simulate a full disk: cap the file a few pages above its current size."""
    with engine.connect() as connection:
        pages = int(connection.exec_driver_sql("PRAGMA page_count").scalar_one())

    def cap(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count={pages + extra_pages}")

    event.listen(engine, "connect", cap)
    engine.dispose()  # pooled connections were made without the cap


def test_full_disk_leaves_row_and_outbox_unchanged(replica_file: Path) -> None:
    before = _counts(replica_file)
    engine = open_replica(replica_file)
    try:
        _limit_pages(engine, extra_pages=2)
        customer_id = list_customers(engine).ids[0]
        with pytest.raises(StoreError, match="is full: free some space; nothing was changed"):
            log_activity(engine, customer_id=customer_id, kind="note", notes="长" * 200_000)
    finally:
        engine.dispose()
    assert _counts(replica_file) == before
    # And the replica still works once there is room again.
    engine = open_replica(replica_file)
    try:
        log_activity(engine, customer_id=customer_id, kind="note", notes="short")
    finally:
        engine.dispose()
    assert _counts(replica_file)["activity"] == before["activity"] + 1


def test_data_dir_that_is_a_file_is_refused(tmp_path: Path, capsys) -> None:
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("keep me", encoding="utf-8")
    code = run(["--data-dir", str(not_a_folder), "status"])
    captured = capsys.readouterr()
    assert code == 1 and "is a file, not a folder" in captured.err
    code = run(["--data-dir", str(not_a_folder / "inside"), "status"])
    assert code == 1 and "cannot be used" in capsys.readouterr().err
    assert not_a_folder.read_text(encoding="utf-8") == "keep me"
