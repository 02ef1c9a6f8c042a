"""An initial load sets the record tables' secondary indexes aside and puts back exactly those.

Only speed depends on the indexes, so what is checked is that every index comes back, whatever
happens between the first page and the last: a crash, a failed page, a customer leaving scope.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, Engine

from desktop.store import bulk
from desktop.store.bulk import (
    finish_initial_load,
    initial_load_in_progress,
    load_demo_firm,
    start_initial_load,
    upsert_rows,
)
from desktop.store.changes import create_record
from desktop.store.engine import BULK_STEP_CACHE_KIB, PAGE_CACHE_KIB, open_engine, write_locked
from desktop.store.replica import alembic_config, open_replica
from desktop.store.search import search
from desktop.sync import engine as sync_engine_module
from desktop.sync.apply import apply_changes
from desktop.sync.errors import Offline
from desktop.sync.faults import Fault, FaultKind
from protocol.demo_firm import generate_firm
from tests.unit.test_sync_engine import client_of_25_customers_in_pages_of_10, make_client
from tests.unit.test_sync_fakes import FakeWire

CUSTOMER = {"id": "c-1", "name": "中国建筑第八工程局", "tier": "gold", "version": 1}


def _indexes(connection: Connection) -> set[tuple[str, str]]:
    return {
        (str(name), str(sql))
        for name, sql in connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        )
    }


def _uses_index(connection: Connection, query: str, index: str) -> bool:
    plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}").all()
    return any(index in str(row[-1]) for row in plan)


def test_into_an_empty_replica_indexes_wait_for_the_end(replica: Engine) -> None:
    with replica.connect() as connection:
        before = _indexes(connection)
    with replica.begin() as connection:
        assert start_initial_load(connection)
        assert start_initial_load(connection)  # a second page: still aside, nothing more dropped
        left = _indexes(connection)
        upsert_rows(connection, entity="customer", rows=[CUSTOMER])
    assert {name for name, _ in before - left} >= {"ix_customer_list", "ix_activity_customer"}
    # Unique indexes stay (INSERT OR REPLACE relies on them), and so do other tables' indexes.
    assert any(name == "ix_search_doc_record" for name, _ in left)
    assert any(name == "ix_outbox_entity" for name, _ in left)
    with replica.begin() as connection:
        assert initial_load_in_progress(connection)
        finish_initial_load(connection)
        assert not initial_load_in_progress(connection)
        assert _indexes(connection) == before
        assert _uses_index(
            connection, "SELECT id FROM customer WHERE tier = 'gold'", "ix_customer_list_tier"
        )
    assert [hit.id for hit in search(replica, query="zgjz")] == ["c-1"]


def test_a_replica_holding_any_record_keeps_its_indexes(replica: Engine) -> None:
    with replica.begin() as connection:
        upsert_rows(connection, entity="team", rows=[{"id": "t-1", "name": "华东区"}])
        before = _indexes(connection)
        assert not start_initial_load(connection)
        assert _indexes(connection) == before
        assert not initial_load_in_progress(connection)


def test_a_failed_first_page_leaves_the_indexes_in_place(replica: Engine) -> None:
    with replica.connect() as connection:
        before = _indexes(connection)
    with pytest.raises(RuntimeError), replica.begin() as connection:
        start_initial_load(connection)
        raise RuntimeError("the page failed half way")
    with replica.connect() as connection:
        assert _indexes(connection) == before
        assert not initial_load_in_progress(connection)


def test_a_customer_leaving_scope_mid_load_brings_the_indexes_back_first(replica: Engine) -> None:
    with replica.connect() as connection:
        before = _indexes(connection)
    with replica.begin() as connection:
        start_initial_load(connection)
        upsert_rows(connection, entity="customer", rows=[CUSTOMER])
    with replica.begin() as connection:
        outcome = apply_changes(
            connection,
            changes=[{"entity": "customer", "id": "c-1", "op": "exit"}],
            pending=set(),
            deferred_exits=set(),
        )
        assert outcome.exited == 1
        assert _indexes(connection) == before
        assert not initial_load_in_progress(connection)


def test_demo_firm_load_ends_with_every_index(tmp_path: Path) -> None:
    engine = open_replica(tmp_path / "demo.sqlite3")
    with engine.connect() as connection:
        before = _indexes(connection)
    load_demo_firm(engine, generate_firm(customers=20, activities=60))
    with engine.connect() as connection:
        assert _indexes(connection) == before
        assert not initial_load_in_progress(connection)
    engine.dispose()


def test_initial_pull_cut_after_a_page_resumes_and_ends_with_every_index(
    tmp_path: Path, wire: FakeWire
) -> None:
    for number in range(25):
        wire.server_write("customer", f"c{number:03}", {"name": f"客户 {number}", "tier": "gold"})
    client = make_client(tmp_path / "cut", wire)
    with client.engine.connect() as connection:
        before = _indexes(connection)
    page = client.sync.api.pull(cursor=None, limit=10)
    client.sync.apply_page(page, from_cursor=None)  # then the process dies
    client.engine.dispose()
    resumed = make_client(tmp_path / "cut", wire)
    with resumed.engine.connect() as connection:
        assert initial_load_in_progress(connection)  # committed with the first page
    assert resumed.sync.sync_once().pulled == 15
    with resumed.engine.connect() as connection:
        assert _indexes(connection) == before
        assert not initial_load_in_progress(connection)
        count = connection.exec_driver_sql("SELECT count(*) FROM customer").scalar()
    assert count == 25
    resumed.engine.dispose()


def test_an_upgrade_during_an_unfinished_load_puts_the_indexes_back_first(
    tmp_path: Path,
) -> None:
    path = tmp_path / "replica.sqlite3"
    fresh = open_replica(path)
    with fresh.connect() as connection:
        head_indexes = _indexes(connection)
    fresh.dispose()
    older = tmp_path / "older.sqlite3"
    engine = open_engine(older)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0004")
        assert start_initial_load(connection)  # then the app is closed and upgraded
    engine.dispose()
    upgraded = open_replica(older)
    with upgraded.connect() as connection:
        assert _indexes(connection) == head_indexes
        assert not initial_load_in_progress(connection)
    upgraded.dispose()


class SecondPullLost:
    """The answer to the second pull is lost: the one fetched ahead while page 1 is applied."""

    def __init__(self) -> None:
        self.pulls = 0

    def fault_for(self, method: str, path: str) -> Fault | None:
        if not path.startswith("/sync/pull"):
            return None
        self.pulls += 1
        return Fault(FaultKind.DROP_RESPONSE) if self.pulls == 2 else None


def test_a_failed_prefetch_is_a_sync_error_and_loses_no_page(
    tmp_path: Path, wire: FakeWire
) -> None:
    client = client_of_25_customers_in_pages_of_10(tmp_path / "ahead", wire)
    client.sync.api.transport.faults = SecondPullLost()
    with pytest.raises(Offline):
        client.sync.sync_once()
    with client.engine.connect() as connection:
        # Page 1 was applied with its cursor while page 2 was being fetched; nothing after it.
        assert connection.exec_driver_sql("SELECT count(*) FROM customer").scalar() == 10
        assert initial_load_in_progress(connection)
    client.sync.api.transport.faults = None
    assert client.sync.sync_once().pulled == 15  # resumed after page 1, nothing fetched twice
    with client.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM customer").scalar() == 25
        assert not initial_load_in_progress(connection)
    client.engine.dispose()


@pytest.fixture
def wire() -> FakeWire:
    return FakeWire()


def test_indexes_come_back_one_per_step_with_saves_in_between(
    replica: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sync puts the indexes back one per transaction: at 100,000 customers each takes
    seconds, and the write lock is free in between for the user's saves. Each is sorted in a
    small page cache (the sort's memory follows it), and the usual cache is set back."""
    with replica.connect() as connection:
        before = _indexes(connection)
    with replica.begin() as connection:
        start_initial_load(connection)
        aside = before - _indexes(connection)
        upsert_rows(connection, entity="customer", rows=[CUSTOMER])
    real_step = write_locked
    cache_sizes: list[tuple[int, int]] = []  # (while creating, after the step)
    saved: list[str] = []

    @contextmanager
    def step_then_save(engine: Engine) -> Iterator[Connection]:
        with real_step(engine) as connection:
            real_execute = connection.exec_driver_sql
            during: list[int] = []

            def noting_cache(sql: str, *args: Any) -> Any:
                if sql.startswith("CREATE INDEX"):
                    during.append(int(real_execute("PRAGMA cache_size").scalar_one()))
                return real_execute(sql, *args)

            monkeypatch.setattr(connection, "exec_driver_sql", noting_cache)
            yield connection
            after = int(real_execute("PRAGMA cache_size").scalar_one())
            cache_sizes.extend((size, after) for size in during)
        with engine.begin() as connection:  # the lock is free: a save goes in at once
            connection.exec_driver_sql("PRAGMA busy_timeout = 0")
            saved.append(create_record(connection, entity="customer", fields={"name": "Quill"}))

    monkeypatch.setattr(bulk, "write_locked", step_then_save)
    created = bulk.restore_indexes_in_steps(replica)
    assert created == len(aside) > 10
    assert len(saved) == created + 1  # a save after every step, and after the last look
    assert cache_sizes == [(-BULK_STEP_CACHE_KIB, -PAGE_CACHE_KIB)] * created
    with replica.connect() as connection:
        assert not initial_load_in_progress(connection)
        assert _indexes(connection) == before
    assert bulk.restore_indexes_in_steps(replica) == 0


def test_pages_of_an_initial_load_are_applied_in_a_small_page_cache(
    tmp_path: Path, wire: FakeWire, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the indexes aside a load needs no large cache, and the 64 MiB one it kept took a
    first sync of 100,000 customers past 200 MB once the search index build began. Pages
    applied later, into a loaded replica, get the usual cache again."""
    client = client_of_25_customers_in_pages_of_10(tmp_path / "load", wire)
    sizes: list[int] = []  # the cache size each page was applied in
    real_apply = apply_changes

    def noting(connection: Connection, **kwargs: Any) -> Any:
        sizes.append(int(connection.exec_driver_sql("PRAGMA cache_size").scalar_one()))
        return real_apply(connection, **kwargs)

    monkeypatch.setattr(sync_engine_module, "apply_changes", noting)
    client.sync.sync_once()
    assert sizes == [-BULK_STEP_CACHE_KIB] * 3
    wire.server_write("customer", "c-late", {"name": "Late Ltd"})
    client.sync.sync_once()
    assert sizes[3:] == [-PAGE_CACHE_KIB]
    with client.engine.connect() as connection:
        assert int(connection.exec_driver_sql("PRAGMA cache_size").scalar_one()) == (
            -PAGE_CACHE_KIB
        )
    client.engine.dispose()
