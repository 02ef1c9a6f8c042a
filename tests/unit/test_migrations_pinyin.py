"""Revision 0006 re-indexes names: a file indexed before it finds a contact by the other reading
of its surname once upgraded (曾 is found by `zeng`, not only by its first reading `ceng`)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desktop.store.engine import open_engine
from desktop.store.replica import open_replica
from desktop.store.search import search
from desktop.store.search_index import bring_index_up_to_date
from tests.unit.test_migrations import migrate_to


def _file_at_0005_indexed_without_the_other_readings(path: Path) -> None:
    migrate_to(path, "0005")
    with sqlite3.connect(path) as raw:
        raw.execute("INSERT INTO customer (id, name) VALUES ('c-1', '曾氏建材')")
        raw.execute("INSERT INTO contact (id, customer_id, name) VALUES ('p-1', 'c-1', '单雄信')")
    raw.close()
    engine = open_engine(path)
    with engine.begin() as connection:
        bring_index_up_to_date(connection)
        # What a 0005 build wrote: pinyin from first readings only (ceng..., dan...).
        connection.exec_driver_sql(
            "UPDATE search_party SET pinyin = 'cengshijiancai csjc' WHERE record_id = 'c-1'"
        )
        connection.exec_driver_sql(
            "UPDATE search_party SET pinyin = 'danxiongxin dxx' WHERE record_id = 'p-1'"
        )
    engine.dispose()


def _found(engine: object, query: str) -> list[str]:
    return [hit.id for hit in search(engine, query=query)]  # type: ignore[arg-type]


def test_upgrade_from_0005_indexes_names_under_their_other_readings(tmp_path: Path) -> None:
    path = tmp_path / "replica.sqlite3"
    _file_at_0005_indexed_without_the_other_readings(path)
    engine = open_replica(path)
    try:
        assert _found(engine, "zengshi") == ["c-1"]
        assert _found(engine, "sxx") == ["p-1"]
        assert _found(engine, "dxx") == ["p-1"]  # the first reading still finds it
    finally:
        engine.dispose()
