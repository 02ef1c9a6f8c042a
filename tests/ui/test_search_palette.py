"""Global search: results as you type (English, Chinese, pinyin) from the database thread."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import select

from desktop.store.schema import entity_tables
from desktop.ui.search_palette import CUSTOMER_ID_ROLE, SearchPaletteDialog, SearchResultsModel

CUSTOMER = entity_tables["customer"]
HAN = re.compile(r"[\u4e00-\u9fff]")


def _type(widget, text: str) -> None:
    # qtbot.keyClicks with non-ASCII text aborts the process; one key event per character works.
    for character in text:
        QTest.sendKeyEvent(
            QTest.KeyAction.Click,
            widget,
            Qt.Key.Key_unknown,
            character,
            Qt.KeyboardModifier.NoModifier,
        )


def _customers(engine) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        query = select(CUSTOMER.c.id, CUSTOMER.c.name).where(CUSTOMER.c.archived == 0)
        return [(row.id, row.name) for row in connection.execute(query.order_by(CUSTOMER.c.id))]


@pytest.fixture
def palette(qtbot, ui_context):
    dialog = SearchPaletteDialog(context=ui_context)
    qtbot.addWidget(dialog)
    # Not shown: the offscreen platform warns about window hints, and typing needs no window.
    return dialog


def test_chinese_text_typed_finds_the_customer_and_enter_opens_it(qtbot, palette, ui_context):
    customer_id, name = next(c for c in _customers(ui_context.engine) if HAN.search(c[1]))
    query = "".join(HAN.findall(name))[:4]
    with qtbot.waitSignal(palette.results_shown, timeout=5000) as shown:
        _type(palette.query_edit, query)
    assert shown.args[0] == query and shown.args[1] >= 1
    ids = [
        palette.model.data(palette.model.index(r, 0), CUSTOMER_ID_ROLE)
        for r in range(shown.args[1])
    ]
    assert customer_id in ids
    palette.results.setCurrentIndex(palette.model.index(ids.index(customer_id), 0))
    with qtbot.waitSignal(palette.customer_requested) as opened:
        QTest.keyClick(palette.query_edit, Qt.Key.Key_Return)
    assert opened.args == [customer_id]


def test_english_words_are_found_too(qtbot, palette, ui_context):
    customer_id, name = next(
        c for c in _customers(ui_context.engine) if not HAN.search(c[1]) and len(c[1]) > 4
    )
    word = max(re.findall(r"[A-Za-z]+", name), key=len)
    with qtbot.waitSignal(palette.results_shown, timeout=5000) as shown:
        qtbot.keyClicks(palette.query_edit, word)
    assert shown.args == [word, palette.model.rowCount()]
    hits = [palette.model.hit(r) for r in range(palette.model.rowCount())]
    assert any(hit.customer_id == customer_id for hit in hits)


def test_only_the_last_text_is_answered(qtbot, palette):
    answered: list[str] = []
    palette.results_shown.connect(lambda query, _n: answered.append(query))
    qtbot.keyClicks(palette.query_edit, "zzzz")
    palette.run_query()  # sent, then the text changes before the answer is shown
    qtbot.keyClicks(palette.query_edit, "q")
    qtbot.waitUntil(lambda: "zzzzq" in answered, timeout=5000)
    assert answered == ["zzzzq"], answered
    assert palette.status.text() == "Nothing found for “zzzzq”."


def test_punctuation_only_finds_nothing_without_an_error(qtbot, palette):
    failures: list[str] = []
    palette.search_failed.connect(failures.append)
    with qtbot.waitSignal(palette.results_shown, timeout=5000) as shown:
        qtbot.keyClicks(palette.query_edit, '"*(')
    assert shown.args[1] == 0 and failures == []


def test_results_model_passes_the_model_tester(qtbot, qtmodeltester, palette):
    with qtbot.waitSignal(palette.results_shown, timeout=5000):
        qtbot.keyClicks(palette.query_edit, "a")
    assert isinstance(palette.model, SearchResultsModel)
    qtmodeltester.check(palette.model)


def test_before_the_first_sync_builds_the_index_names_are_found_and_the_status_says_so(
    qtbot, ui_context, tmp_path
):
    from desktop.store.bulk import finish_initial_load, upsert_rows
    from desktop.store.replica import open_replica

    fresh = open_replica(tmp_path / "first-sync.sqlite3")
    try:
        with fresh.begin() as connection:  # as the first pages of an initial sync leave it
            upsert_rows(
                connection, entity="customer", rows=[{"id": "c-1", "name": "中国建筑第八工程局"}]
            )
        dialog = SearchPaletteDialog(context=replace(ui_context, engine=fresh))
        qtbot.addWidget(dialog)
        with qtbot.waitSignal(dialog.results_shown, timeout=5000) as shown:
            _type(dialog.query_edit, "建筑")
        assert shown.args[1] == 1
        assert "only names and phone numbers" in dialog.status.text()
        finish_initial_load(fresh)
        with qtbot.waitSignal(dialog.results_shown, timeout=5000) as shown:
            _type(dialog.query_edit, "第八")
        assert shown.args[1] == 1 and "only names" not in dialog.status.text()
    finally:
        fresh.dispose()
