"""The My day screen: sections, mark done through the task runner, reminders without a tray."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtGui import QIcon
from sqlalchemy import Engine

from desktop.operations.day_queries import DayItem, DayItemKind
from desktop.store.changes import read_record
from desktop.ui.my_day_model import ItemRole, MyDayModel
from desktop.ui.my_day_view import MyDayView
from desktop.ui.notifications import ReminderNotifier
from tests.ui.test_pipeline_view import context, tasks  # noqa: F401 (shared fixtures)
from tests.unit.test_my_day_queries import ME, seed_my_day

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

# The offscreen platform warns when a top-level window is shown; that says nothing about us.
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def my_day(qtbot, replica: Engine, context):  # noqa: F811 (fixture)
    ids = seed_my_day(replica)
    view = MyDayView(context=replace(context, user_id=ME), clock=lambda: NOON)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.day_loaded, timeout=5000):
        view.reload()
    return view, ids


def _item(title: str, *, overdue: bool = False, priority: str = "normal") -> DayItem:
    return DayItem(
        DayItemKind.FOLLOWUP,
        "f-" + title,
        "c-1",
        "客户",
        title,
        "2026-11-23T09:00:00Z",
        priority,
        overdue,
        False,
    )


def test_my_day_model_passes_the_model_tester(qtmodeltester):
    model = MyDayModel()
    model.set_items([_item("a", overdue=True), _item("b", priority="high")])
    qtmodeltester.check(model)
    assert model.data(model.index(1, 3)) == "High"
    assert model.data(model.index(0, 2)) == "a"
    assert model.data(model.index(0, 0), ItemRole).record_id == "f-a"


def test_sections_show_overdue_today_and_visits(my_day):
    view, ids = my_day
    assert [view.overdue.model.item(r).record_id for r in range(view.overdue.model.rowCount())] == [
        ids["overdue"]
    ]
    assert [view.today.model.item(r).title for r in range(view.today.model.rowCount())] == [
        "签合同",
        "寄样品",
    ]
    assert view.visits.model.rowCount() == 2
    assert view.summary.text() == "1 overdue, 2 due today, 2 visit(s) planned."
    assert not view.done_button.isEnabled()  # nothing selected yet


def test_marking_done_writes_the_follow_up_and_removes_it(qtbot, my_day, replica: Engine):
    view, ids = my_day
    view.today.table.selectionModel().select(
        view.today.model.index(0, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    assert view.done_button.isEnabled()
    with qtbot.waitSignal(view.day_loaded, timeout=5000):
        view.done_button.click()
    with replica.connect() as c:
        row = read_record(c, entity="followup", record_id=ids["today_high"])
    assert row["done"] and row["done_at"] == "2026-11-23T12:00:00Z"
    assert [view.today.model.item(r).title for r in range(view.today.model.rowCount())] == [
        "寄样品"
    ]
    assert view.status.text() == "Marked as done."


def test_a_visit_cannot_be_marked_done(my_day):
    view, _ids = my_day
    view.visits.table.selectRow(0)
    assert not view.done_button.isEnabled()
    view.mark_selected_done()
    assert view.status.text() == "Select a follow-up first."


def test_due_reminders_show_in_the_banner_once_when_there_is_no_tray(qtbot, my_day, tasks):  # noqa: F811
    view, _ids = my_day
    assert not view.notifier.uses_tray
    with qtbot.waitSignal(view.notifier.announced, timeout=5000) as first:
        view.check_reminders()
    assert {item.title for item in first.args[0]} == {"回访报价", "签合同", "寄样品"}
    assert view.banner.isVisibleTo(view)
    assert "3 follow-up(s) due" in view.banner.message.text()
    view.banner.hide()
    # A second check announces nothing new: no nagging every minute.
    with qtbot.assertNotEmitted(view.notifier.announced):
        view.check_reminders()
        qtbot.waitUntil(lambda: tasks.pending_count == 0, timeout=5000)
    assert view.banner.isHidden()


def test_notifier_lists_at_most_three_titles(qapp):
    notifier = ReminderNotifier()
    shown: list[str] = []
    notifier.banner_requested.connect(shown.append)
    notifier.notify_due([_item(str(n)) for n in range(5)])
    assert shown and shown[0].endswith("and 2 more")
    assert shown[0].count("客户 — ") == 3


class RecordingTray:
    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []

    def showMessage(self, title, msg, icon, msecs) -> None:
        self.messages.append((title, msg))


def test_with_a_tray_reminders_become_desktop_notifications(qapp):
    tray = RecordingTray()
    notifier = ReminderNotifier(tray_icon=tray)
    banners: list[str] = []
    notifier.banner_requested.connect(banners.append)
    notifier.notify_due([_item("回访报价")])
    assert tray.messages == [("1 follow-up(s) due", "客户 — 回访报价")]
    assert banners == []


def test_without_a_notification_area_the_desktop_notifier_falls_back_to_the_banner(qapp):
    notifier = ReminderNotifier.for_desktop(icon=QIcon())
    assert not notifier.uses_tray  # the offscreen platform has no system tray


def test_reminders_start_by_themselves_when_the_screen_is_first_shown(qtbot, my_day):
    view, _ids = my_day
    assert not view.reminder_timer.isActive()
    with qtbot.waitSignal(view.reminders_checked, timeout=5000):
        view.show()
    assert view.reminder_timer.isActive()


def test_a_screen_left_open_past_midnight_moves_today_to_overdue(qtbot, replica, context):  # noqa: F811
    seed_my_day(replica)
    now = [NOON]
    view = MyDayView(context=replace(context, user_id=ME), clock=lambda: now[0])
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.day_loaded, timeout=5000):
        view.reload()
    assert view.today.model.rowCount() == 2
    now[0] = datetime(2026, 11, 24, 0, 5, tzinfo=UTC)
    with qtbot.waitSignal(view.day_loaded, timeout=5000):
        view.check_reminders()  # the minute timer's call
    assert view.today.model.rowCount() == 1  # tomorrow's "Call back" is today's now
    assert view.overdue.model.rowCount() == 3
