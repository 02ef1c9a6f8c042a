"""Log activity: customer completion from the index, saved offline, next step -> follow-up."""

from __future__ import annotations

import re
import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import select

from desktop.operations.status import pending_changes
from desktop.store import engine as store_engine
from desktop.store.changes import read_record
from desktop.store.schema import entity_tables
from desktop.ui.log_activity_dialog import LogActivityDialog

CUSTOMER = entity_tables["customer"]
HAN = re.compile(r"[\u4e00-\u9fff]")


def _chinese_customer(engine) -> tuple[str, str]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(CUSTOMER.c.id, CUSTOMER.c.name)
            .where(CUSTOMER.c.archived == 0)
            .order_by(CUSTOMER.c.id)
        ).all()
    return next((row.id, row.name) for row in rows if HAN.search(row.name))


@pytest.fixture
def dialog(qtbot, ui_context):
    dialog = LogActivityDialog(context=ui_context)
    qtbot.addWidget(dialog)
    return dialog


def test_typing_chinese_offers_the_customer_and_a_visit_is_saved_with_a_follow_up(
    qtbot, dialog, ui_context
):
    customer_id, name = _chinese_customer(ui_context.engine)
    before = pending_changes(ui_context.engine)
    with qtbot.waitSignal(dialog.completions_shown, timeout=5000):
        for character in "".join(HAN.findall(name))[:3]:
            QTest.sendKeyEvent(
                QTest.KeyAction.Click,
                dialog.customer_edit,
                Qt.Key.Key_unknown,
                character,
                Qt.KeyboardModifier.NoModifier,
            )
    offered = dialog._completions.stringList()
    choice = next(text for text in offered if dialog._choices[text] == customer_id)
    assert dialog.choose_customer(choice)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("visit"))
    QTest.sendKeyEvent(
        QTest.KeyAction.Click,
        dialog.notes_edit,
        Qt.Key.Key_unknown,
        "谈",
        Qt.KeyboardModifier.NoModifier,
    )
    dialog.next_step_edit.setText("寄样品")
    dialog.due_check.setChecked(True)
    with qtbot.waitSignal(dialog.activity_logged, timeout=5000) as logged:
        dialog.submit()
    result = logged.args[0]
    assert result.followup_id is not None
    with ui_context.engine.connect() as connection:
        activity = read_record(connection, entity="activity", record_id=result.activity_id)
        followup = read_record(connection, entity="followup", record_id=result.followup_id)
    assert activity["customer_id"] == customer_id and activity["kind"] == "visit"
    assert activity["notes"] == "谈" and activity["next_step"] == "寄样品"
    assert followup["title"] == "寄样品" and followup["customer_id"] == customer_id
    assert pending_changes(ui_context.engine) == before + 2
    assert ui_context.sync.pending_changes == before + 2


def test_without_a_chosen_customer_nothing_is_saved_and_the_text_stays(qtbot, dialog, ui_context):
    before = pending_changes(ui_context.engine)
    with qtbot.waitSignal(dialog.completions_shown, timeout=5000):
        qtbot.keyClicks(dialog.customer_edit, "somebody")
    dialog.notes_edit.setPlainText("met at the fair")
    with qtbot.waitSignal(dialog.save_refused, timeout=5000):
        dialog.submit()
    assert "Choose the customer" in dialog.error_label.text()
    assert dialog.notes_edit.toPlainText() == "met at the fair"
    assert pending_changes(ui_context.engine) == before


def test_a_due_date_without_a_next_step_is_refused_with_the_rule(qtbot, ui_context):
    customer_id, name = _chinese_customer(ui_context.engine)
    dialog = LogActivityDialog(context=ui_context, customer_id=customer_id, customer_name=name)
    qtbot.addWidget(dialog)
    dialog.due_check.setChecked(True)
    with qtbot.waitSignal(dialog.save_refused, timeout=5000) as refused:
        dialog.submit()
    assert refused.args[0] == "Next step is required when a due date is given."
    assert dialog.isVisible() is False and dialog.result() == 0


def test_a_save_while_a_long_sync_step_holds_the_file_keeps_the_text_and_says_why(
    qtbot, ui_context, monkeypatch, tmp_path
):
    """The first sync's search-index build holds the write lock for a long time at 100,000
    customers: a note saved meanwhile must stay in the dialog with a plain explanation."""
    monkeypatch.setattr(store_engine, "BUSY_TIMEOUT_MS", 200)
    ui_context.engine.dispose()  # new connections take the short timeout
    customer_id, name = _chinese_customer(ui_context.engine)
    before = pending_changes(ui_context.engine)
    dialog = LogActivityDialog(context=ui_context, customer_id=customer_id, customer_name=name)
    qtbot.addWidget(dialog)
    dialog.notes_edit.setPlainText("met at the fair")
    other_writer = sqlite3.connect(tmp_path / "replica.sqlite3", isolation_level=None)
    try:
        other_writer.execute("BEGIN IMMEDIATE")  # as the sync thread holds it during a long step
        with qtbot.waitSignal(dialog.save_refused, timeout=10_000) as refused:
            dialog.submit()
    finally:
        other_writer.execute("ROLLBACK")
        other_writer.close()
    assert "busy with a long sync step" in refused.args[0]
    assert dialog.notes_edit.toPlainText() == "met at the fair" and dialog.isEnabled()
    assert pending_changes(ui_context.engine) == before
    with qtbot.waitSignal(dialog.activity_logged, timeout=5000):
        dialog.submit()  # the lock is gone: the same text saves
    assert pending_changes(ui_context.engine) == before + 1
