"""The main window: screens, routing to the customer file, shortcuts, and quitting safely."""

from __future__ import annotations

import gc
from datetime import UTC, datetime

import pytest
from PySide6.QtWidgets import QMenu
from sqlalchemy import select

from desktop.operations.customers import add_customer
from desktop.operations.lease import OfflineLease
from desktop.operations.status import pending_changes
from desktop.store.schema import entity_tables
from desktop.sync.loop import SyncStatus
from desktop.ui.main_window import MainWindow, QuitChoice, Screen
from desktop.ui.sync_status_widget import SyncStatusWidget
from tests.ui.test_sync_controller import FakeLoop

CUSTOMER = entity_tables["customer"]
# Opening a dialog on the offscreen platform makes Qt say it cannot pass window size hints.
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


class Answers:
    """Stands in for the quit question: records it and answers as told."""

    def __init__(self, answer: QuitChoice) -> None:
        self.answer = answer
        self.asked: list[int] = []

    def __call__(self, _parent, pending: int) -> QuitChoice:
        self.asked.append(pending)
        return self.answer


@pytest.fixture
def window(qtbot, ui_context):
    answers = Answers(QuitChoice.CANCEL)
    window = MainWindow(context=ui_context, ask_quit=answers)
    qtbot.addWidget(window)
    window.answers = answers  # type: ignore[attr-defined]  # the test reads what was asked
    return window


def _first_customer(engine) -> str:
    with engine.connect() as connection:
        query = select(CUSTOMER.c.id).where(CUSTOMER.c.archived == 0).order_by(CUSTOMER.c.id)
        return str(connection.execute(query.limit(1)).scalar_one())


def test_the_sidebar_switches_screens_and_loads_them(qtbot, window):
    assert window.current_screen() is Screen.MY_DAY
    with qtbot.waitSignal(window.customers.model.loaded, timeout=5000):
        window.sidebar.setCurrentRow(Screen.CUSTOMERS)
    assert window.current_screen() is Screen.CUSTOMERS
    assert window.customers.model.rowCount() > 0
    window.shortcut_actions["screen_pipeline"].trigger()
    assert window.current_screen() is Screen.PIPELINE
    assert window.sidebar.currentRow() == Screen.PIPELINE


def test_search_and_lists_open_the_customer_file(qtbot, window, ui_context):
    customer_id = _first_customer(ui_context.engine)
    with qtbot.waitSignal(window.customer_file.file_loaded, timeout=5000):
        window.search_palette.customer_requested.emit(customer_id)
    assert window.current_screen() is Screen.CUSTOMER_FILE
    assert window.customer_file.customer_id == customer_id
    window.back_button.click()
    assert window.current_screen() is Screen.CUSTOMERS


def test_log_activity_from_the_customer_file_starts_with_that_customer(qtbot, window, ui_context):
    customer_id = _first_customer(ui_context.engine)
    with qtbot.waitSignal(window.customer_file.file_loaded, timeout=5000):
        window.open_customer(customer_id)
    window.shortcut_actions["log_activity"].trigger()
    assert window.log_dialog is not None
    assert window.log_dialog.customer_id == customer_id
    assert window.log_dialog.customer_edit.text() == window.customer_file.title.text()
    window.log_dialog.reject()


def test_help_lists_the_shortcuts_and_menus_hold_the_actions(window):
    window.shortcut_actions["help"].trigger()
    assert window.shortcuts_dialog is not None
    assert window.shortcuts_dialog.table.rowCount() >= len(window.shortcut_actions) - 1
    menu_actions = {a.objectName() for m in window._menus.values() for a in m.actions()}
    assert {"shortcut_search", "shortcut_log_activity", "shortcut_help"} <= menu_actions


def test_sync_now_without_a_server_says_changes_stay_local(window):
    window.sync_now()
    assert "Not signed in" in window.statusBar().currentMessage()


def test_quitting_with_unsent_changes_asks_first(qtbot, window, ui_context):
    add_customer(ui_context.engine, values={"name": "新客户 New", "kind": "company"})
    ui_context.sync.note_local_write(pending_changes=pending_changes(ui_context.engine))
    assert ui_context.sync.pending_changes >= 1
    assert window.close() is False  # "Cancel"
    assert window.answers.asked == [ui_context.sync.pending_changes]
    window.answers.answer = QuitChoice.SYNC_FIRST  # no server: explained, not closed
    assert window.close() is False
    assert "Not signed in" in window.statusBar().currentMessage()
    window.answers.answer = QuitChoice.QUIT
    with qtbot.waitSignal(window.quit_confirmed):
        assert window.close() is True


def test_quitting_with_nothing_pending_does_not_ask(qtbot, window, ui_context):
    assert ui_context.sync.pending_changes == 0
    with qtbot.waitSignal(window.quit_confirmed):
        window.close()
    assert window.answers.asked == []


def test_past_the_offline_allowance_the_screens_are_locked(qtbot, ui_context):
    lease = OfflineLease(
        last_sync_at=lambda: datetime(2026, 1, 1, tzinfo=UTC),
        max_offline_days=lambda: 7,
        clock=lambda: datetime(2026, 3, 1, tzinfo=UTC),
    )
    window = MainWindow(context=ui_context, ask_quit=Answers(QuitChoice.QUIT), lease=lease)
    qtbot.addWidget(window)
    assert window.lease_gate is not None and window.lease_gate.is_locked
    assert not window.stack.isEnabled()
    with qtbot.waitSignal(window.sign_in_requested):
        window.lease_gate.lock_screen.sign_in_requested.emit()
    window.lease_gate.lock_screen.sync_requested.emit()
    assert "Not signed in" in window.statusBar().currentMessage()


def test_status_corner_before_sign_in_and_during_a_sync(qtbot, ui_context):
    widget = SyncStatusWidget(controller=ui_context.sync)
    qtbot.addWidget(widget)
    assert widget.state_label.text() == "Not signed in"
    ui_context.sync.note_local_write(pending_changes=3)
    assert widget.pending_label.text() == "3 change(s) waiting"
    widget.show_status(SyncStatus(online=True, running=True, pending_changes=0, errors=1))
    assert widget.state_label.text() == "Syncing…"
    assert widget.pending_label.text() == "All changes sent"
    assert widget.problems_button.text() == "1 to review"
    assert widget.problems_button.isVisibleTo(widget)
    widget.show_status(SyncStatus(stopped_reason="sign_in_required", last_error="expired"))
    assert widget.state_label.text() == "Sign-in needed"
    assert widget.state_label.toolTip() == "expired"
    assert widget.last_sync_label.text() == "Never synced"


def test_new_customer_is_saved_offline_and_its_file_opens(qtbot, window, ui_context):
    before = pending_changes(ui_context.engine)
    window.shortcut_actions["new_customer"].trigger()
    dialog = window.new_customer_dialog
    assert dialog is not None
    with qtbot.waitSignal(dialog.save_refused, timeout=5000) as refused:
        dialog.submit()  # no name yet
    assert refused.args == ["Name is required."]
    dialog.name_edit.setText("华东贸易 East Trading")
    dialog.phone_edit.setText("021-6552 9988")
    with qtbot.waitSignal(window.customer_file.file_loaded, timeout=5000) as opened:
        dialog.submit()
    assert opened.args[0].customer.name == "华东贸易 East Trading"
    assert opened.args[0].customer.owner_id == ui_context.user_id
    assert window.current_screen() is Screen.CUSTOMER_FILE
    assert pending_changes(ui_context.engine) == before + 1
    assert ui_context.sync.pending_changes == before + 1


def test_sync_then_quit_closes_once_the_changes_are_sent(qtbot, window, ui_context):
    loop = FakeLoop()
    ui_context.sync.attach(loop)
    assert ui_context.sync.pending_changes == 3  # what the loop reported
    window.answers.answer = QuitChoice.SYNC_FIRST
    assert window.close() is False  # not yet: sending first
    assert loop.nudges == 1
    with qtbot.waitSignal(window.quit_confirmed, timeout=5000):
        loop.report_from_thread(
            SyncStatus(online=True, running=True, pending_changes=3),
            SyncStatus(online=True, running=False, pending_changes=0),
        )
    assert window.answers.asked == [3]


def test_sync_then_quit_stays_open_when_sending_fails(qtbot, window, ui_context):
    loop = FakeLoop()
    ui_context.sync.attach(loop)
    quits: list[bool] = []
    window.quit_confirmed.connect(lambda: quits.append(True))
    window.answers.answer = QuitChoice.SYNC_FIRST
    assert window.close() is False
    with qtbot.waitSignal(ui_context.sync.sync_finished, timeout=5000):
        loop.report_from_thread(
            SyncStatus(online=True, running=True, pending_changes=3),
            SyncStatus(running=False, pending_changes=3, last_error="The server is unreachable."),
        )
    assert window.answers.asked == [3] and quits == []  # asked once, not closed
    assert "The server is unreachable." in window.statusBar().currentMessage()
    assert "Your changes are kept" in window.statusBar().currentMessage()


class NoAdmin:
    """An admin client whose server is unreachable: the screens must say so, not crash."""

    def users(self) -> list[object]:
        raise ConnectionError("The server cannot be reached.")


def test_inherited_and_admin_screens_join_the_sidebar(qtbot, window):
    assert window.sidebar.count() == 5
    window.sidebar.setCurrentRow(4)
    assert window.current_screen() is Screen.INHERITED
    window.show_screen(Screen.HANDOVER)  # no admin screens yet: nothing happens
    assert window.current_screen() is Screen.INHERITED

    window.add_admin_screens(NoAdmin())  # type: ignore[arg-type]  # the client's users() only
    assert window.sidebar.count() == 7
    assert [window.sidebar.item(row).text() for row in (5, 6)] == ["Hand-over", "Audit log"]
    failures: list[str] = []
    window.context.tasks.task_failed.connect(lambda failure: failures.append(str(failure)))
    window.sidebar.setCurrentRow(5)
    assert window.current_screen() is Screen.HANDOVER
    window.sidebar.setCurrentRow(6)
    assert window.current_screen() is Screen.AUDIT
    assert window.handover is not None
    qtbot.waitUntil(
        lambda: window.handover.result_label.text() == "The server cannot be reached.",
        timeout=5000,
    )
    assert failures == []  # handled by the screens themselves


class RecordingAdmin:
    """An admin client that answers with nothing and keeps the audit queries it was asked."""

    def __init__(self) -> None:
        self.audit_customers: list[str | None] = []

    def users(self) -> list[object]:
        return []

    def audit(self, **query: object) -> list[object]:
        self.audit_customers.append(query["customer"])  # type: ignore[arg-type]
        return []


def _menu_texts(window: MainWindow, title: str) -> list[str]:
    (menu,) = [m for m in window.menuBar().findChildren(QMenu) if m.title() == title]
    return [action.text() for action in menu.actions() if action.isVisible()]


def test_every_screen_is_in_the_go_menu_and_inherited_opens_from_it(window):
    assert "Inherited customers" in _menu_texts(window, "&Go")
    assert "Hand over…" not in _menu_texts(window, "&Go")
    window._screen_actions[Screen.INHERITED].trigger()
    assert window.current_screen() is Screen.INHERITED
    file_entries = [text for text in _menu_texts(window, "&File") if text]
    assert file_entries[-4:] == [
        "Export customers…",
        "Export contacts (vCard)…",
        "Print…",
        window.shortcut_actions["quit"].text(),
    ]


def test_team_heads_get_the_hand_over_but_not_the_audit_log(window):
    window.add_admin_screens(NoAdmin(), role="team_head")  # type: ignore[arg-type]
    assert [window.sidebar.item(r).text() for r in range(window.sidebar.count())][-1] == (
        "Hand-over"
    )
    go = _menu_texts(window, "&Go")
    assert "Hand over…" in go and "Audit log" not in go and "History" not in go
    assert window.audit is None
    window.show_screen(Screen.AUDIT)  # not there: nothing happens
    assert window.current_screen() is not Screen.AUDIT
    window._screen_actions[Screen.HANDOVER].trigger()
    assert window.current_screen() is Screen.HANDOVER


def test_history_opens_the_audit_log_on_the_customer(qtbot, window):
    admin = RecordingAdmin()
    window.add_admin_screens(admin, role="admin")  # type: ignore[arg-type]
    go = _menu_texts(window, "&Go")
    assert {"Hand over…", "Audit log", "History"} <= set(go)
    customer_id = _first_customer(window.context.engine)
    assert not window.records.history_action.isEnabled()  # no customer open yet
    with qtbot.waitSignal(window.customer_file.file_loaded, timeout=5000):
        window.open_customer(customer_id)
    window.records.history_action.trigger()
    assert window.current_screen() is Screen.AUDIT
    qtbot.waitUntil(lambda: customer_id in admin.audit_customers, timeout=5000)


def test_ctrl_z_undoes_a_stage_move_only_on_the_pipeline_board(window, monkeypatch):
    undone: list[bool] = []
    monkeypatch.setattr(window.pipeline, "undo_last_move", lambda: undone.append(True))
    window.show_screen(Screen.CUSTOMERS)
    window.shortcut_actions["undo"].trigger()
    assert undone == []
    window.show_screen(Screen.PIPELINE)
    window.shortcut_actions["undo"].trigger()
    assert undone == [True]


def test_showing_the_window_takes_its_objects_out_of_full_collections(qtbot, window):
    """A full collection walks every tracked object holding the GIL; the window's own objects
    are frozen when it is first shown so the sync thread's collections stay short."""
    gc.unfreeze()
    tracked_before = len(gc.get_objects(generation=2))
    with qtbot.waitExposed(window):
        window.show()
    assert gc.get_freeze_count() > 0.9 * tracked_before  # some may be freed while showing
    assert len(gc.get_objects(generation=2)) < tracked_before / 10
    # Shown again: nothing more is frozen on its account. (The frozen count itself may fall
    # meanwhile: frozen objects are still freed by reference counting.)
    made_after_first_show: list[object] = []
    window.hide()
    window.show()
    assert any(obj is made_after_first_show for obj in gc.get_objects())
