"""Search in English, Chinese (any length) and pinyin; ranking; hostile input; a current index."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypinyin import lazy_pinyin
from sqlalchemy import Engine

from desktop.store.bulk import delete_rows, load_demo_firm, upsert_rows
from desktop.store.changes import create_record, set_archived, update_record
from desktop.store.replica import open_replica
from desktop.store.search import (
    MARK_END,
    MARK_START,
    SearchHit,
    match_expressions,
    rebuild_search_index,
    search,
)
from desktop.store.search_index import name_syllables, pinyin_tokens
from protocol.demo_firm import generate_firm

BUILDER = "中国建筑第八工程局有限公司"
BANK = "上海浦东发展银行"
HARBOR = "Harbor Logistics Ltd"


def _build(engine: Engine) -> dict[str, str]:
    """A tiny demo firm plus records with known names; returns their ids."""
    load_demo_firm(engine, generate_firm(size="tiny", today=date(2026, 11, 23)))
    with engine.begin() as connection:
        ids = {
            "builder": create_record(
                connection, entity="customer", fields={"name": BUILDER, "tags": "重点客户,VIP"}
            ),
            "bank": create_record(connection, entity="customer", fields={"name": BANK}),
            "harbor": create_record(
                connection,
                entity="customer",
                fields={"name": HARBOR, "email": "info@harbor.example.com"},
            ),
        }
        ids["contact"] = create_record(
            connection,
            entity="contact",
            fields={
                "customer_id": ids["builder"],
                "name": "欧阳明远",
                "mobile": "+8613800138000",
                "title": "采购经理",
            },
        )
        ids["note"] = create_record(
            connection,
            entity="activity",
            fields={
                "customer_id": ids["bank"],
                "kind": "visit",
                "occurred_at": "2026-11-20T02:00:00Z",
                "subject": "季度回访",
                "notes": "Discussed the Harbor warehouse; 客户希望下周收到招标文件。",
            },
        )
    return ids


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """Built once per module; tests get a copy (or the shared engine, when they only read)."""
    path = tmp_path_factory.mktemp("search") / "template.sqlite3"
    engine = open_replica(path)
    ids = _build(engine)
    engine.dispose()  # the last connection closing folds the WAL into the file
    return path, ids


@pytest.fixture(scope="module")
def shared(template: tuple[Path, dict[str, str]]) -> Iterator[Engine]:
    """For tests that only search: one engine on the template, never written by a test."""
    engine = open_replica(template[0])
    yield engine
    engine.dispose()


@pytest.fixture
def replica(template: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[Engine]:
    """A private copy of the template for tests that write."""
    path = tmp_path / "replica.sqlite3"
    shutil.copyfile(template[0], path)
    engine = open_replica(path)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def firm_replica(template: tuple[Path, dict[str, str]]) -> dict[str, str]:
    return template[1]


def _ids(hits: list[SearchHit]) -> list[str]:
    return [hit.id for hit in hits]


@pytest.mark.parametrize("typed", ["h", "ha", "har", "harb", "Harbor", "HARBOR log", "logist"])
def test_english_prefixes_as_you_type(
    shared: Engine, firm_replica: dict[str, str], typed: str
) -> None:
    assert firm_replica["harbor"] in _ids(search(shared, query=typed, limit=100))


@pytest.mark.parametrize("typed", ["建", "建筑", "中国建筑", "第八工程局", "筑第", BUILDER])
def test_chinese_substrings_of_any_length(
    shared: Engine, firm_replica: dict[str, str], typed: str
) -> None:
    assert firm_replica["builder"] in _ids(search(shared, query=typed, limit=100))


def test_chinese_characters_must_be_adjacent(shared: Engine, firm_replica: dict[str, str]) -> None:
    # 中 and 局 are both in the name, but never next to each other.
    assert firm_replica["builder"] not in _ids(search(shared, query="中局", limit=100))


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("zhongguo", "builder"),
        ("zhongguojianzhu", "builder"),
        ("jianzhu", "builder"),
        ("zgjz", "builder"),
        ("Zhong Guo", "builder"),
        ("pudong", "bank"),
        ("shpdfzyh", "bank"),
        ("yinhang", "bank"),
        ("ouyang", "contact"),
        ("oymy", "contact"),
    ],
)
def test_pinyin_full_or_initials(
    shared: Engine, firm_replica: dict[str, str], typed: str, key: str
) -> None:
    assert firm_replica[key] in _ids(search(shared, query=typed, limit=100))


def test_pinyin_tokens_use_phrase_readings() -> None:
    tokens = pinyin_tokens("重庆银行").split()
    assert "chongqingyin" in tokens and "cqyh" in tokens and "yinhang" in tokens
    assert pinyin_tokens("Harbor Logistics") == ""


def test_name_readings_match_pypinyins_own_converter() -> None:
    firm = generate_firm(customers=400, activities=0, seed=5, today=date(2026, 11, 23))
    names = [row["name"] for entity in ("customer", "contact") for row in firm.rows(entity)]
    chinese = [name for name in names if not name.isascii()]
    assert len(chinese) > 300
    for name in [*chinese, "重庆银行", "长沙银行", "绿地集团"]:
        assert name_syllables(name) == lazy_pinyin(name, errors="ignore"), name


def test_phone_email_tags_and_title(shared: Engine, firm_replica: dict[str, str]) -> None:
    for typed in ("13800138000", "+8613800138000", "1380013", "采购经理"):
        assert firm_replica["contact"] in _ids(search(shared, query=typed)), typed
    assert firm_replica["harbor"] in _ids(search(shared, query="info@harbor.example"))
    assert firm_replica["builder"] in _ids(search(shared, query="重点客户"))


def test_names_rank_above_notes_and_snippets_mark_the_match(
    shared: Engine, firm_replica: dict[str, str]
) -> None:
    hits = search(shared, query="harbor", limit=100)
    kinds = [hit.kind for hit in hits]
    assert hits[0].id == firm_replica["harbor"]
    assert firm_replica["note"] in _ids(hits)
    assert kinds.index("activity") > max(i for i, kind in enumerate(kinds) if kind != "activity")
    assert f"{MARK_START}Harbor{MARK_END}" in hits[0].snippet
    note = next(hit for hit in hits if hit.id == firm_replica["note"])
    assert note.customer_id == firm_replica["bank"] and BANK in note.title
    chinese = search(shared, query="招标文件")
    assert chinese[0].id == firm_replica["note"]
    assert f"{MARK_START}招标文件{MARK_END}" in chinese[0].snippet


def test_name_matches_outrank_many_newer_email_matches(
    replica: Engine, firm_replica: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with replica.begin() as connection:
        for number in range(6):
            create_record(
                connection,
                entity="contact",
                fields={
                    "customer_id": firm_replica["bank"],
                    "name": f"Clerk {number}",
                    "email": f"clerk{number}@harbor.example.com",
                },
            )
    # A window smaller than the newer e-mail matches: names must still come first.
    monkeypatch.setattr("desktop.store.search.RANKED_CANDIDATES", 3)
    hits = search(replica, query="harbor", kinds=("customer", "contact"))
    assert hits[0].id == firm_replica["harbor"]
    named = [hit for hit in hits if "harbor" in hit.title.lower()]
    assert hits[: len(named)] == named and len(hits) > len(named)


def test_kinds_and_limit(shared: Engine, firm_replica: dict[str, str]) -> None:
    only_notes = search(shared, query="harbor", kinds=("activity",))
    assert only_notes and {hit.kind for hit in only_notes} == {"activity"}
    assert len(search(shared, query="a", limit=3)) == 3
    with pytest.raises(ValueError, match="Unknown search kind"):
        search(shared, query="x", kinds=("invoice",))
    with pytest.raises(ValueError, match="limit"):
        search(shared, query="x", limit=0)


HOSTILE = [
    '"',
    '""',
    "*",
    "AND",
    "OR NOT",
    "NEAR(",
    "a:b",
    "{name}:x",
    "^",
    "-",
    "(",
    "😀",
    "",
    " ",
]


@pytest.mark.parametrize("typed", HOSTILE)
def test_fts_syntax_in_user_text_never_raises(
    shared: Engine, firm_replica: dict[str, str], typed: str
) -> None:
    assert isinstance(search(shared, query=typed), list)


def test_match_expressions_quote_everything_and_keep_costly_prefixes_out() -> None:
    built = match_expressions('Harbor "log" +86 12345 建筑')
    assert built.party == '"Harbor"* AND "log"* AND "86" AND "12345"* AND "建 筑"'
    # In notes only the word being typed is a prefix, and only from three letters on.
    assert built.note == '"Harbor" AND "log" AND "86" AND "12345" AND "建 筑"'
    assert match_expressions("the renew").note == '"the" AND "renew"*'
    assert match_expressions("zhong guo").party == (
        '("zhong"* AND "guo"*) OR (pinyin : "zhongguo"*)'
    )
    assert match_expressions("*** 😀 ()").party is None


def test_operators_are_searched_as_words(shared: Engine, firm_replica: dict[str, str]) -> None:
    assert firm_replica["harbor"] in _ids(search(shared, query='"harbor*" ('))
    # "AND" is a word like any other: the demo firm's English notes contain "and".
    found = search(shared, query="AND", kinds=("activity",))
    assert found and all(f"{MARK_START}and" in hit.snippet.lower() for hit in found)
    assert search(shared, query="😀") == []


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(typed=st.text(max_size=30))
def test_any_text_at_all_never_raises(shared: Engine, typed: str) -> None:
    assert isinstance(search(shared, query=typed), list)


def test_local_writes_are_found_at_once(replica: Engine, firm_replica: dict[str, str]) -> None:
    with replica.begin() as connection:
        update_record(
            connection,
            entity="customer",
            record_id=firm_replica["harbor"],
            changes={"name": "海港物流 Seaport Ltd"},
        )
    assert firm_replica["harbor"] not in _ids(search(replica, query="logistics"))
    assert firm_replica["harbor"] in _ids(search(replica, query="海港"))
    assert firm_replica["harbor"] in _ids(search(replica, query="haigang"))
    with replica.begin() as connection:
        set_archived(connection, entity="customer", record_id=firm_replica["harbor"], archived=True)
    assert firm_replica["harbor"] not in _ids(search(replica, query="Seaport"))


def test_bulk_applied_rows_replace_and_delete_index_entries(
    replica: Engine, firm_replica: dict[str, str]
) -> None:
    row = {"id": firm_replica["bank"], "name": "宁波银行", "version": 5, "archived": False}
    with replica.begin() as connection:
        # A local write still queued must survive a bulk apply of other rows.
        local = create_record(connection, entity="customer", fields={"name": "Queued Quarry Co"})
        upsert_rows(connection, entity="customer", rows=[row])
    assert firm_replica["bank"] in _ids(search(replica, query="宁波"))
    assert firm_replica["bank"] not in _ids(search(replica, query="浦东"))
    assert local in _ids(search(replica, query="quarry"))
    with replica.begin() as connection:
        delete_rows(connection, entity="activity", ids=[firm_replica["note"]])
    assert firm_replica["note"] not in _ids(search(replica, query="招标文件"))


def test_rebuild_gives_the_same_answers(replica: Engine, firm_replica: dict[str, str]) -> None:
    before = [search(replica, query=typed) for typed in ("建筑", "harbor", "zgjz", "visit")]
    assert rebuild_search_index(replica) > 100
    after = [search(replica, query=typed) for typed in ("建筑", "harbor", "zgjz", "visit")]
    assert [_ids(hits) for hits in after] == [_ids(hits) for hits in before]


def test_replica_without_index_gets_one_on_first_search(tmp_path: Path) -> None:
    engine = open_replica(tmp_path / "old.sqlite3")
    try:
        with engine.begin() as connection:
            create_record(connection, entity="customer", fields={"name": BUILDER})
            for statement in (
                "DROP TABLE search_party",
                "DROP TABLE search_note",
                "DROP TABLE search_doc",
                "DROP TABLE search_pending",
            ):
                connection.exec_driver_sql(statement)
        assert [hit.title for hit in search(engine, query="zgjz")] == [BUILDER]
    finally:
        engine.dispose()


def test_a_dropped_trigger_is_recreated_and_missed_writes_indexed(replica: Engine) -> None:
    # What a later migration that rebuilds the activity table would leave behind.
    with replica.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER search_queue_activity_insert")
        customer_id = create_record(connection, entity="customer", fields={"name": "Quill Ltd"})
        create_record(
            connection,
            entity="activity",
            fields={
                "customer_id": customer_id,
                "kind": "note",
                "occurred_at": "2026-11-21T08:00:00Z",
                "notes": "Zeppelin hangar tender",
            },
        )
    assert [hit.kind for hit in search(replica, query="zeppelin")] == ["activity"]
