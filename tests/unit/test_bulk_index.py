"""Bulk apply and the search index: no per-row queueing, and a deferred index on initial loads.

Whatever order the index is built in, search must find what bulk apply wrote, local edits, and
never an archived or deleted record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Connection, Engine

from desktop.store import search_index
from desktop.store.bulk import delete_rows, finish_initial_load, upsert_rows
from desktop.store.changes import create_record, set_archived, update_record
from desktop.store.engine import BULK_STEP_CACHE_KIB, PAGE_CACHE_KIB, write_locked
from desktop.store.search import MARK_START, search, search_answer
from desktop.store.search_index import QUEUE_TRIGGERS, ensure_search_index

CUSTOMERS = [
    {"id": "c-1", "name": "中国建筑第八工程局", "version": 1},
    {"id": "c-2", "name": "Granite Capital", "version": 1},
]
ACTIVITY = {
    "id": "a-1",
    "customer_id": "c-2",
    "kind": "note",
    "occurred_at": "2026-11-20T09:00:00Z",
    "notes": "Quarterly zeppelin review",
    "version": 1,
}


def _count(connection: Connection, table: str) -> int:
    return int(connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one())


def _bulk_aware_triggers(connection: Connection) -> int:
    return int(
        connection.exec_driver_sql(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
            "AND name LIKE 'search_queue_%' AND sql LIKE '%search_bulk_mode%'"
        ).scalar_one()
    )


def _found(engine: Engine, query: str) -> list[str]:
    return [hit.id for hit in search(engine, query=query)]


def _initial_load(replica: Engine) -> None:
    with replica.begin() as connection:
        upsert_rows(connection, entity="customer", rows=CUSTOMERS)
        upsert_rows(connection, entity="activity", rows=[ACTIVITY])


def test_initial_load_defers_the_index_and_finish_builds_it(replica: Engine) -> None:
    _initial_load(replica)
    with replica.connect() as connection:
        assert _count(connection, "search_deferred") == 1
        assert _count(connection, "search_doc") == 0  # nothing indexed page by page
        assert _count(connection, "search_pending") == 0  # nor queued row by row
    assert finish_initial_load(replica) == 3
    assert finish_initial_load(replica) == 0  # already built
    with replica.connect() as connection:
        assert _count(connection, "search_deferred") == 0
        assert _count(connection, "search_doc") == 3
    assert _found(replica, "zgjz") == ["c-1"]
    assert _found(replica, "zeppelin") == ["a-1"]


def test_a_search_before_the_deferred_index_is_built_scans_names_and_builds_nothing(
    replica: Engine,
) -> None:
    """Building the index inside a search would hold the write lock the sync and every save need
    (a minute at 100,000 customers): until the sync builds it, names and phones are scanned."""
    _initial_load(replica)
    with replica.begin() as connection:
        create_record(
            connection,
            entity="contact",
            fields={"customer_id": "c-1", "name": "欧阳明远", "mobile": "+8613800138000"},
        )
    answer = search_answer(replica, query="建筑")
    assert answer.index_building and [hit.id for hit in answer.hits] == ["c-1"]
    assert _found(replica, "GRANITE") == ["c-2"]  # any case, any part of the name
    contact = search_answer(replica, query="13800138000").hits
    assert [(hit.kind, hit.customer_id) for hit in contact] == [("contact", "c-1")]
    assert MARK_START in contact[0].snippet
    assert _found(replica, "zeppelin") == []  # notes wait for the index
    assert _found(replica, "100%") == []  # LIKE wildcards typed are plain text
    with replica.connect() as connection:
        assert _count(connection, "search_deferred") == 1
        assert _count(connection, "search_doc") == 0
    finish_initial_load(replica)
    built = search_answer(replica, query="zeppelin")
    assert not built.index_building and [hit.id for hit in built.hits] == ["a-1"]


def test_local_edits_and_deletes_during_a_deferred_load_are_searchable(replica: Engine) -> None:
    _initial_load(replica)
    with replica.begin() as connection:
        local = create_record(connection, entity="customer", fields={"name": "Quill Ltd"})
        update_record(
            connection, entity="customer", record_id="c-2", changes={"name": "Basalt Capital"}
        )
        delete_rows(connection, entity="activity", ids=["a-1"])
        upsert_rows(connection, entity="customer", rows=[{"id": "c-3", "name": "Harbor Freight"}])
    finish_initial_load(replica)
    assert _found(replica, "quill") == [local]
    assert _found(replica, "basalt") == ["c-2"]
    assert _found(replica, "granite") == []
    assert _found(replica, "zeppelin") == []
    assert _found(replica, "harbor") == ["c-3"]


def test_pages_into_a_built_index_are_indexed_at_once_without_queueing(replica: Engine) -> None:
    _initial_load(replica)
    finish_initial_load(replica)
    with replica.begin() as connection:
        local = create_record(connection, entity="customer", fields={"name": "Quill Ltd"})
        assert _count(connection, "search_pending") == 1  # local writes are still queued
        upsert_rows(
            connection,
            entity="customer",
            rows=[
                {"id": "c-2", "name": "Basalt Capital", "version": 2},
                {"id": "c-4", "name": "Onyx"},
            ],
        )
        # The queued local write was indexed first; the page itself never went through the queue.
        assert _count(connection, "search_pending") == 0
        assert _count(connection, "search_bulk_mode") == 0
        assert _count(connection, "search_deferred") == 0
    assert _found(replica, "quill") == [local]
    assert _found(replica, "basalt") == ["c-2"]
    assert _found(replica, "granite") == []
    assert _found(replica, "onyx") == ["c-4"]
    with replica.begin() as connection:
        delete_rows(connection, entity="customer", ids=["c-4"])
        assert _count(connection, "search_pending") == 0
    assert _found(replica, "onyx") == []


def test_archived_records_leave_search_however_they_were_indexed(replica: Engine) -> None:
    _initial_load(replica)
    with replica.begin() as connection:
        set_archived(connection, entity="customer", record_id="c-1", archived=True)
    assert _found(replica, "zgjz") == []  # built by this search, after the archive
    with replica.begin() as connection:
        upsert_rows(connection, entity="customer", rows=[{**CUSTOMERS[1], "archived": True}])
    assert _found(replica, "granite") == []
    with replica.begin() as connection:
        set_archived(connection, entity="customer", record_id="c-2", archived=False)
    assert _found(replica, "granite") == ["c-2"]


def test_queue_triggers_of_the_older_form_are_replaced_without_losing_writes(
    replica: Engine,
) -> None:
    _initial_load(replica)
    finish_initial_load(replica)
    with replica.begin() as connection:
        for name in QUEUE_TRIGGERS:  # as revision 0002 created them: no bulk-mode check
            sql = connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = ?", (name,)
            ).scalar_one()
            connection.exec_driver_sql(f"DROP TRIGGER {name}")
            connection.exec_driver_sql(
                sql.replace(" WHEN NOT EXISTS (SELECT 1 FROM search_bulk_mode)", "")
            )
        assert _bulk_aware_triggers(connection) == 0
        local = create_record(connection, entity="customer", fields={"name": "Quill Ltd"})
    with replica.begin() as connection:
        assert _count(connection, "search_pending") == 1
        assert ensure_search_index(connection) is False  # nothing missed, nothing re-queued
        assert _count(connection, "search_pending") == 1
        assert _bulk_aware_triggers(connection) == len(QUEUE_TRIGGERS)
    assert _found(replica, "quill") == [local]


def _build_in_one_record_steps(
    monkeypatch: pytest.MonkeyPatch, *, after_step: int, action: Callable[[Engine], None]
) -> list[int]:
    """Make the stepped build take one record per step and run `action` once the write lock of
    its `after_step`-th step is released; returns the steps taken, counted as they end."""
    steps: list[int] = []

    @contextmanager
    def step_then_act(engine: Engine) -> Iterator[Connection]:
        with write_locked(engine) as connection:
            yield connection
        steps.append(1)
        if len(steps) == after_step:
            action(engine)

    monkeypatch.setattr("desktop.store.search_index.write_locked", step_then_act)
    monkeypatch.setattr(search_index, "BUILD_STEP_ROWS", 1)
    return steps


def test_the_index_built_in_steps_lets_saves_in_between_and_indexes_them(
    replica: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 100,000 customers a one-transaction build held the write lock for a minute and every
    save meanwhile was refused: between steps the lock is free, and what was saved is indexed."""
    _initial_load(replica)
    saved: list[str] = []

    def save(engine: Engine) -> None:
        with engine.begin() as connection:
            connection.exec_driver_sql("PRAGMA busy_timeout = 0")  # refused if still held
            saved.append(create_record(connection, entity="customer", fields={"name": "Quill Ltd"}))
            update_record(
                connection, entity="customer", record_id="c-2", changes={"name": "Basalt"}
            )

    steps = _build_in_one_record_steps(monkeypatch, after_step=1, action=save)
    # Three loaded records, plus the saved one when its random id sorts after the step position.
    assert search_index.build_deferred_index_in_steps(replica) in (3, 4)
    assert len(steps) >= 5  # one record per step, then the queue, then the merge
    with replica.connect() as connection:
        assert _count(connection, "search_deferred") == 0
        assert _count(connection, "search_pending") == 0
        assert _count(connection, "search_doc") == 4
    assert _found(replica, "quill") == saved
    assert _found(replica, "basalt") == ["c-2"] and _found(replica, "granite") == []
    assert _found(replica, "zeppelin") == ["a-1"] and _found(replica, "zgjz") == ["c-1"]
    assert search_index.build_deferred_index_in_steps(replica) == 0  # nothing deferred now


def test_pages_another_process_applies_during_a_stepped_build_are_indexed(
    replica: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sync engine keeps its own pages out while it builds, but another process on the same
    replica (the command line beside the app) does not know of that lock. Its pages changed
    rows the steps had passed (and added rows after the last step of their table): the build's
    last step must index them all, and drop what they deleted."""
    _initial_load(replica)

    def pull(engine: Engine) -> None:
        with engine.begin() as connection:
            upsert_rows(
                connection,
                entity="customer",
                rows=[
                    {"id": "c-2", "name": "Basalt Partners", "version": 2},
                    {"id": "c-3", "name": "Obsidian Trading", "version": 1},
                ],
            )
            delete_rows(connection, entity="activity", ids=["a-1"])

    # After both customers and the activity: every step is past them.
    steps = _build_in_one_record_steps(monkeypatch, after_step=3, action=pull)
    search_index.build_deferred_index_in_steps(replica)
    assert len(steps) >= 3
    with replica.connect() as connection:
        assert _count(connection, "search_deferred") == 0
        assert _count(connection, "search_pending") == 0
    assert _found(replica, "basalt") == ["c-2"] and _found(replica, "granite") == []
    assert _found(replica, "obsidian") == ["c-3"]
    assert _found(replica, "zeppelin") == []


def test_each_step_of_the_build_runs_in_a_small_page_cache(
    replica: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each pooled connection keeps its own page cache: a build step in the usual 64 MiB beside
    the cache the pages were applied in took a first sync of 100,000 customers past 220 MB."""
    _initial_load(replica)
    monkeypatch.setattr(search_index, "BUILD_STEP_ROWS", 1)
    sizes: list[int] = []  # the cache size each step indexed in
    real_index_all = search_index._index_all

    def noting(connection: Connection, *args: object) -> int:
        sizes.append(int(connection.exec_driver_sql("PRAGMA cache_size").scalar_one()))
        return real_index_all(connection, *args)  # type: ignore[arg-type]

    real_optimize = search_index._optimize
    merged_in: list[int] = []

    def noting_merge(connection: Connection) -> None:
        merged_in.append(int(connection.exec_driver_sql("PRAGMA cache_size").scalar_one()))
        real_optimize(connection)

    monkeypatch.setattr(search_index, "_index_all", noting)
    monkeypatch.setattr(search_index, "_optimize", noting_merge)
    assert search_index.build_deferred_index_in_steps(replica) == 3
    assert len(sizes) >= 3 and set(sizes) == {-BULK_STEP_CACHE_KIB}  # one or more per table
    assert merged_in == [-BULK_STEP_CACHE_KIB]  # the last step merges the whole index
    with replica.connect() as connection:
        assert int(connection.exec_driver_sql("PRAGMA cache_size").scalar_one()) == (
            -PAGE_CACHE_KIB
        )
