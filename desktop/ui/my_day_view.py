"""The "My day" screen: overdue follow-ups, today's follow-ups, today's planned visits.

Reads and the one write (mark done) run on the database thread through the task runner. A timer
checks for due reminders every minute and hands new ones to the `ReminderNotifier`, which uses the
system tray or this screen's banner.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import QEvent, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from desktop.operations.day_queries import (
    DayItem,
    DayItemKind,
    MyDay,
    due_reminders,
    iso_utc,
    load_my_day,
    local_day_bounds,
    mark_followup_done,
)
from desktop.ui.context import UiContext
from desktop.ui.i18n import retranslate_on_change
from desktop.ui.my_day_model import MyDayModel
from desktop.ui.notifications import NotificationBanner, ReminderNotifier

REMINDER_CHECK_MS = 60_000
REMINDER_LEAD_MINUTES = 5  # announce a little ahead, so there is time to prepare a call


def local_now() -> datetime:
    return datetime.now().astimezone()


def read_my_day(engine: Engine, *, user_id: str | None, now: datetime) -> MyDay:
    day_start, day_end = local_day_bounds(now)
    with engine.connect() as connection:
        return load_my_day(connection, user_id=user_id, day_start=day_start, day_end=day_end)


def read_due_reminders(engine: Engine, *, user_id: str | None, now: datetime) -> list[DayItem]:
    with engine.connect() as connection:
        return due_reminders(
            connection, user_id=user_id, now=iso_utc(now), lead_minutes=REMINDER_LEAD_MINUTES
        )


def write_followup_done(engine: Engine, *, followup_id: str, now: datetime) -> bool:
    with engine.begin() as connection:
        return mark_followup_done(connection, followup_id=followup_id, done_at=iso_utc(now))


class DaySection(QWidget):
    """A heading and the table of one section."""

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.heading = QLabel()
        self.heading.setStyleSheet("font-weight: bold;")
        self.model = MyDayModel(self)
        self.table = QTableView()
        self.table.setObjectName(f"{object_name}_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        # Fixed starting widths: sized to contents, an empty section would squeeze its headers.
        for column, width in ((0, 150), (1, 260), (3, 90)):
            header.resizeSection(column, width)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.table)

    def selected_item(self) -> DayItem | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.item(rows[0].row()) if rows else None


class MyDayView(QWidget):
    day_loaded = Signal(object)  # MyDay
    followup_done = Signal(str)  # follow-up id, after it was written
    action_failed = Signal(str)
    customer_requested = Signal(str)  # customer id: the main window opens the customer's file
    reminders_checked = Signal(list)  # the DayItems due now (announced or not before)

    def __init__(
        self,
        *,
        context: UiContext,
        notifier: ReminderNotifier | None = None,
        clock: Callable[[], datetime] = local_now,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("my_day_view")
        self._engine = context.engine
        self._tasks = context.tasks
        self._user_id = context.user_id
        self._clock = clock  # an aware local time; fixed only in tests and screenshots
        self._day: MyDay | None = None
        self._day_shown: date | None = None  # the local date the lists were loaded for
        # The system tray where the desktop has one (a reminder must reach someone working on
        # another screen or in another program), else the banner on this screen.
        self.notifier = notifier or ReminderNotifier.for_desktop(
            icon=self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation),
            parent=self,
        )

        self._title = QLabel()
        self._title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.summary = QLabel()
        self.banner = NotificationBanner()
        self.notifier.banner_requested.connect(self.banner.show_message)
        self.done_button = QPushButton()
        self.done_button.setObjectName("mark_done_button")
        self.done_button.setEnabled(False)
        self.done_button.clicked.connect(self.mark_selected_done)
        self.refresh_button = QPushButton()
        self.refresh_button.clicked.connect(self.reload)
        self.status = QLabel()
        self.status.setObjectName("my_day_status")
        self.status.setWordWrap(True)

        self.overdue = DaySection("overdue_section")
        self.today = DaySection("today_section")
        self.visits = DaySection("visits_section")
        for section in (self.overdue, self.today, self.visits):
            section.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
            section.table.doubleClicked.connect(self._on_table_double_clicked)

        top = QHBoxLayout()
        top.addWidget(self._title)
        top.addStretch(1)
        top.addWidget(self.done_button)
        top.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.summary)
        layout.addWidget(self.status)
        layout.addWidget(self.overdue, 1)
        layout.addWidget(self.today, 2)
        layout.addWidget(self.visits, 1)

        context.sync.sync_finished.connect(self._on_sync_finished)  # pulled follow-ups
        self.reminder_timer = QTimer(self)
        self.reminder_timer.setInterval(REMINDER_CHECK_MS)
        self.reminder_timer.timeout.connect(self.check_reminders)
        self._tasks.stopped.connect(self.reminder_timer.stop)  # no checks once the app closes
        self.retranslate()

    # --- loading ------------------------------------------------------------------------------
    def reload(self) -> None:
        engine, user_id, now = self._engine, self._user_id, self._clock()
        self._day_shown = now.date()
        self._tasks.run_db(
            lambda: read_my_day(engine, user_id=user_id, now=now),
            on_done=self._on_day_loaded,
            on_error=self._on_task_failed,
            owner=self,
            description="load my day",
        )

    def _on_sync_finished(self, _status: object) -> None:
        self.reload()

    def start_reminders(self) -> None:
        """Check at once and then every minute; starts by itself when the screen is first shown,
        and keeps running while other screens are in front."""
        self.check_reminders()
        self.reminder_timer.start()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.reminder_timer.isActive():
            self.start_reminders()

    def check_reminders(self) -> None:
        engine, user_id, now = self._engine, self._user_id, self._clock()
        self._tasks.run_db(
            lambda: read_due_reminders(engine, user_id=user_id, now=now),
            on_done=self._on_reminders_read,
            on_error=self._on_task_failed,
            owner=self,
            description="check due reminders",
        )

    def _on_reminders_read(self, items: list[DayItem]) -> None:
        self.notifier.notify_due(items)
        self.reminders_checked.emit(items)
        if self._day_shown is not None and self._clock().date() != self._day_shown:
            self.reload()  # left open past midnight: yesterday's "today" is now overdue

    def _on_day_loaded(self, day: MyDay) -> None:
        self._day = day
        self.overdue.model.set_items(day.overdue)
        self.today.model.set_items(day.today)
        self.visits.model.set_items(day.visits)
        self.overdue.setVisible(bool(day.overdue))
        self._update_summary()
        self._on_selection_changed()
        self.day_loaded.emit(day)

    def _update_summary(self) -> None:
        if self._day is None:
            self.summary.clear()
            return
        day = self._day
        if not day.all_items:
            self.summary.setText(self.tr("Nothing due today. A good day to call a customer."))
            return
        self.summary.setText(
            self.tr("%1 overdue, %2 due today, %3 visit(s) planned.")
            .replace("%1", str(len(day.overdue)))
            .replace("%2", str(len(day.today)))
            .replace("%3", str(len(day.visits)))
        )

    # --- actions ------------------------------------------------------------------------------
    def selected_item(self) -> DayItem | None:
        for section in (self.overdue, self.today, self.visits):
            item = section.selected_item()
            if item is not None:
                return item
        return None

    def _on_selection_changed(self, *_args: object) -> None:
        item = self.selected_item()
        self.done_button.setEnabled(item is not None and item.kind is DayItemKind.FOLLOWUP)

    def _on_table_double_clicked(self, _index: object) -> None:
        item = self.selected_item()
        if item is not None:
            self.customer_requested.emit(item.customer_id)

    def mark_selected_done(self) -> None:
        item = self.selected_item()
        if item is None or item.kind is not DayItemKind.FOLLOWUP:
            self.status.setText(self.tr("Select a follow-up first."))
            return
        self.mark_done(followup_id=item.record_id)

    def mark_done(self, *, followup_id: str) -> None:
        engine, now = self._engine, self._clock()
        self.done_button.setEnabled(False)  # one click, one write
        self._tasks.run_db(
            lambda: write_followup_done(engine, followup_id=followup_id, now=now),
            on_done=lambda _changed: self._on_done_written(followup_id),
            on_error=self._on_task_failed,
            owner=self,
            description="mark follow-up done",
        )

    def _on_done_written(self, followup_id: str) -> None:
        self.status.setText(self.tr("Marked as done."))
        self.followup_done.emit(followup_id)
        self.reload()

    def _on_task_failed(self, error: BaseException) -> None:
        message = self.tr("Could not update My day: %1").replace("%1", str(error))
        self.status.setText(message)
        self._on_selection_changed()
        self.action_failed.emit(message)

    # --- language -----------------------------------------------------------------------------
    def retranslate(self) -> None:
        self._title.setText(self.tr("My day"))
        self.done_button.setText(self.tr("Mark done"))
        self.refresh_button.setText(self.tr("Refresh"))
        self.overdue.heading.setText(self.tr("Overdue"))
        self.today.heading.setText(self.tr("Due today"))
        self.visits.heading.setText(self.tr("Planned visits"))
        self._update_summary()
        for section in (self.overdue, self.today, self.visits):
            # Priority words and date formats change with the language: redraw every row.
            section.model.set_items(section.model.items())

    def changeEvent(self, event: QEvent) -> None:
        retranslate_on_change(event, self.retranslate)
        super().changeEvent(event)
