"""Replica schema upgrades on start: from an empty file, from every earlier revision, from a
pre-migration file; refusal of newer files; a safety copy before any upgrade."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, select

from desktop.store.backup import backup_directory, list_backups
from desktop.store.engine import StoreError, open_engine
from desktop.store.replica import (
    alembic_config,
    head_revision,
    open_replica,
    read_stored_schema,
    script_directory,
)
from desktop.store.schema import entity_tables, metadata


def _earlier_revisions() -> list[str]:
    head = head_revision()
    return [rev.revision for rev in script_directory().walk_revisions() if rev.revision != head]


def _schema_drift(engine: Engine) -> list[object]:
    """Differences between the migrated file and schema.py, ignoring tables schema.py does not
    declare (e.g. full-text index tables that a revision creates with raw SQL) and their indexes."""
    with engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), metadata)

    def undeclared(diff: object) -> bool:
        if not isinstance(diff, tuple):
            return False
        if diff[0] == "remove_table":
            return diff[1].name not in metadata.tables
        if diff[0] == "remove_index":
            return diff[1].table.name not in metadata.tables
        return False

    return [diff for diff in diffs if not undeclared(diff)]


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def migrate_to(path: Path, revision: str) -> None:
    engine = open_engine(path)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)
    engine.dispose()


def _insert_customer(path: Path, name: str) -> None:
    # Raw SQL with the columns every revision has, so it works on any earlier schema.
    with sqlite3.connect(path) as connection:
        connection.execute("INSERT INTO customer (id, name) VALUES (?, ?)", ("c-1", name))
        connection.execute(
            "INSERT INTO outbox (entity, entity_id, op, changed_fields, base_version, created_at)"
            " VALUES ('customer', 'c-1', 'create', '{}', 0, '2026-11-23T09:00:00Z')"
        )
    connection.close()


def test_new_file_is_created_at_the_newest_revision(tmp_path: Path) -> None:
    path = tmp_path / "replica.sqlite3"
    engine = open_replica(path)
    try:
        assert read_stored_schema(path).revisions == (head_revision(),)
        assert _schema_drift(engine) == []
    finally:
        engine.dispose()
    assert list_backups(backup_directory(path)) == []  # nothing worth copying yet


def test_empty_file_is_migrated_from_scratch(tmp_path: Path) -> None:
    path = tmp_path / "replica.sqlite3"
    path.touch()
    engine = open_replica(path)
    engine.dispose()
    assert read_stored_schema(path).revisions == (head_revision(),)


@pytest.mark.parametrize("revision", _earlier_revisions())
def test_file_at_an_earlier_revision_is_backed_up_then_upgraded(
    tmp_path: Path, revision: str
) -> None:
    path = tmp_path / "replica.sqlite3"
    migrate_to(path, revision)
    _insert_customer(path, "中国建筑 (before the upgrade)")

    engine = open_replica(path)
    try:
        assert read_stored_schema(path).revisions == (head_revision(),)
        assert _schema_drift(engine) == []
        with engine.connect() as connection:
            names = connection.execute(select(entity_tables["customer"].c.name)).scalars().all()
        assert names == ["中国建筑 (before the upgrade)"]
    finally:
        engine.dispose()
    backups = list_backups(backup_directory(path))
    assert len(backups) == 1 and backups[0].name.startswith(f"replica-{revision}-")
    assert read_stored_schema(backups[0]).revisions == (revision,)


def test_pre_migration_file_is_adopted_and_kept(tmp_path: Path) -> None:
    """Replicas made by create_all before migrations existed: the baseline schema without the
    list index 0001 added and without a version table."""
    path = tmp_path / "replica.sqlite3"
    migrate_to(path, "0001")
    with sqlite3.connect(path) as raw:  # what the pre-migration build left behind
        raw.execute("DROP TABLE alembic_version")
        raw.execute("DROP INDEX ix_customer_archived_name")  # added with 0001
    raw.close()
    _insert_customer(path, "Acme")

    engine = open_replica(path)
    try:
        with engine.connect() as connection:
            assert connection.execute(select(entity_tables["customer"].c.name)).scalar() == "Acme"
        assert read_stored_schema(path).revisions == (head_revision(),)
    finally:
        engine.dispose()
    assert [p.name.split("-")[1] for p in list_backups(backup_directory(path))] == ["legacy"]


def test_file_from_a_newer_version_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "replica.sqlite3"
    open_replica(path).dispose()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    connection.close()
    before = _file_digest(path)

    with pytest.raises(StoreError, match="newer version of Fieldbook"):
        open_replica(path)

    assert _file_digest(path) == before
    wal = Path(f"{path}-wal")  # a read-only look may leave an empty journal, never content
    assert not wal.exists() or wal.stat().st_size == 0
    assert list_backups(backup_directory(path)) == []


def test_upgrade_that_fails_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    """A clash mid-upgrade rolls the whole upgrade back (SQLite DDL is transactional)."""
    path = tmp_path / "replica.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        # The initial revision creates `customer`; an existing one makes it fail half-way.
        connection.execute("CREATE TABLE customer (id TEXT PRIMARY KEY, name TEXT)")
        connection.execute("INSERT INTO customer VALUES ('c-1', 'kept')")
    connection.close()

    with pytest.raises(StoreError, match="could not be used"):
        open_replica(path)

    with sqlite3.connect(path) as connection:
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
        assert connection.execute("SELECT name FROM customer").fetchall() == [("kept",)]
    connection.close()
    assert "activity" not in tables and "outbox" not in tables


def test_only_the_newest_backups_are_kept(tmp_path: Path) -> None:
    from desktop.store.backup import KEEP_BACKUPS, backup_replica

    path = tmp_path / "replica.sqlite3"
    open_replica(path).dispose()
    made = [backup_replica(path, revision="0001") for _ in range(KEEP_BACKUPS + 2)]
    assert list_backups(backup_directory(path)) == made[-KEEP_BACKUPS:]


def test_schema_py_and_the_revisions_agree(tmp_path: Path) -> None:
    """Autogenerate finds nothing to add: every index or column in schema.py has a revision."""
    engine = open_replica(tmp_path / "replica.sqlite3")
    try:
        with engine.begin() as connection:
            command.check(alembic_config(connection))
    finally:
        engine.dispose()


_OPEN_WHEN_TOLD = """
import sys, time
from pathlib import Path
from desktop.store.replica import open_replica
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.005)
open_replica(Path(sys.argv[1])).dispose()
"""


def test_processes_upgrading_the_same_file_at_once_all_succeed(tmp_path: Path) -> None:
    """The app and a CLI command started together after an update: one upgrades, the others
    wait for it (or retry) and open the upgraded file."""
    path = tmp_path / "replica.sqlite3"
    migrate_to(path, "0001")
    _insert_customer(path, "Acme")
    go = tmp_path / "go"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _OPEN_WHEN_TOLD, str(path), str(go)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    time.sleep(1.0)  # let them import and wait at the line
    go.touch()
    results = [(process.wait(timeout=120), process.communicate()[1]) for process in processes]
    assert results == [(0, "")] * 3
    assert read_stored_schema(path).revisions == (head_revision(),)
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT name FROM customer").fetchall() == [("Acme",)]
    connection.close()


def test_no_upgrade_without_a_safety_copy(tmp_path: Path) -> None:
    path = tmp_path / "replica.sqlite3"
    migrate_to(path, "0001")
    backup_directory(path).write_text("a file where the backups folder should be")
    before = _file_digest(path)
    with pytest.raises(StoreError, match="Could not take a safety copy"):
        open_replica(path)
    assert _file_digest(path) == before
    assert read_stored_schema(path).revisions == ("0001",)
