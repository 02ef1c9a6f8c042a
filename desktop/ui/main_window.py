"""The main window: a sidebar of screens, the customer file, global search (Ctrl+K), log activity
(Ctrl+L) from anywhere, menus, the sync corner of the status bar, and a question before quitting
with changes the server has not received yet.

The window only arranges screens and routes requests between them ("open this customer"); each
screen does its own loading through the task runner it receives in the `UiContext`.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.operations.lease import OfflineLease
from desktop.ui.context import UiContext
from desktop.ui.customer_file_view import CustomerFileView
from desktop.ui.customer_list_view import CustomerListView
from desktop.ui.heap import freeze_long_lived_objects
from desktop.ui.i18n import retranslate_on_change
from desktop.ui.inherited_view import InheritedView
from desktop.ui.lease_lock import LeaseGate
from desktop.ui.log_activity_dialog import LogActivityDialog
from desktop.ui.my_day_view import MyDayView
from desktop.ui.new_customer_dialog import NewCustomerDialog
from desktop.ui.pipeline_view import PipelineView
from desktop.ui.record_actions import RecordActions
from desktop.ui.search_palette import SearchPaletteDialog
from desktop.ui.shortcuts import ShortcutHelpDialog, bind_shortcuts, retranslate_actions
from desktop.ui.sync_inbox_view import SyncInboxView
from desktop.ui.sync_status_widget import SyncStatusWidget
from desktop.ui.task_runner import TaskFailure

if TYPE_CHECKING:  # the sync stack is imported once syncing starts (see sync_controller)
    from desktop.sync.admin_client import AdminClient
    from desktop.sync.loop import SyncStatus
    from desktop.ui.audit_view import AuditView
    from desktop.ui.handover_view import HandoverView

STATUS_MESSAGE_MS = 8_000


class Screen(IntEnum):
    """Pages of the window's stack, in stack order."""

    MY_DAY = 0
    CUSTOMERS = 1
    PIPELINE = 2
    INBOX = 3
    INHERITED = 4  # customers handed over to me, with what the previous owner left
    CUSTOMER_FILE = 5  # not in the sidebar: opened from a list, search or My day
    HANDOVER = 6  # administrators and team heads only, added after sign-in
    AUDIT = 7


SIDEBAR = [Screen.MY_DAY, Screen.CUSTOMERS, Screen.PIPELINE, Screen.INBOX, Screen.INHERITED]


class QuitChoice(StrEnum):
    SYNC_FIRST = "sync_first"
    QUIT = "quit"
    CANCEL = "cancel"


AskQuit = Callable[[QWidget, int], QuitChoice]
"""Asks what to do about `pending` unsent changes; tests pass an answer instead of a dialog."""


def ask_quit_with_message_box(parent: QWidget, pending: int) -> QuitChoice:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(QCoreApplication.translate("MainWindow", "Unsent changes"))
    box.setText(
        QCoreApplication.translate(
            "MainWindow",
            "%n change(s) have not reached the server yet. They are kept safely on this "
            "computer and will be sent the next time Fieldbook syncs.",
            "",
            pending,
        )
    )
    sync_first = box.addButton(
        QCoreApplication.translate("MainWindow", "Sync, then quit"),
        QMessageBox.ButtonRole.AcceptRole,
    )
    quit_now = box.addButton(
        QCoreApplication.translate("MainWindow", "Quit now"), QMessageBox.ButtonRole.DestructiveRole
    )
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(sync_first)
    box.exec()
    clicked = box.clickedButton()
    if clicked is sync_first:
        return QuitChoice.SYNC_FIRST
    if clicked is quit_now:
        return QuitChoice.QUIT
    return QuitChoice.CANCEL


class MainWindow(QMainWindow):
    customer_opened = Signal(str)
    quit_confirmed = Signal()  # the window is closing for good (the app then shuts down)
    settings_requested = Signal()  # the composition root owns the settings dialog and language
    sign_in_requested = Signal()  # from the lock screen: the composition root signs in

    def __init__(
        self,
        *,
        context: UiContext,
        ask_quit: AskQuit = ask_quit_with_message_box,
        lease: OfflineLease | None = None,
        record_actions: Callable[..., RecordActions] = RecordActions,
        parent: QWidget | None = None,
    ) -> None:
        """`record_actions` builds the export / print / history actions; tests pass a partial
        of `RecordActions` that answers its file and printer questions."""
        super().__init__(parent)
        self.setObjectName("main_window")
        self.resize(1200, 760)
        self.context = context
        self._ask_quit = ask_quit
        self._shown_before = False
        self._quit_after_sync = False
        self._closing_for_good = False

        self.my_day = MyDayView(context=context)
        self.customers = CustomerListView(context=context)
        self.pipeline = PipelineView(context=context)
        self.inbox = SyncInboxView(context=context)
        self.inherited = InheritedView(context=context)
        self.customer_file = CustomerFileView(context=context)
        self.handover: HandoverView | None = None
        self.audit: AuditView | None = None
        self.back_button = QPushButton()
        self.back_button.setObjectName("back_to_customers")
        self.back_button.clicked.connect(lambda: self.show_screen(Screen.CUSTOMERS))
        file_page = QWidget()
        file_layout = QVBoxLayout(file_page)
        file_layout.setContentsMargins(0, 0, 0, 0)
        file_layout.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignLeft)
        file_layout.addWidget(self.customer_file, 1)

        self.stack = QStackedWidget()
        pages = (self.my_day, self.customers, self.pipeline, self.inbox, self.inherited, file_page)
        for page in pages:
            self.stack.addWidget(page)
        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setMaximumWidth(180)
        self._sidebar_screens = list(SIDEBAR)
        for _ in self._sidebar_screens:
            self.sidebar.addItem("")
        self.sidebar.currentRowChanged.connect(self._on_sidebar_current_row_changed)
        # Past the firm's offline allowance the screens give way to a lock screen (lease_lock).
        self.lease_gate: LeaseGate | None = None
        content: QWidget = self.stack
        if lease is not None:
            self.lease_gate = LeaseGate(lease=lease, content=self.stack)
            self.lease_gate.lock_screen.sync_requested.connect(self.sync_now)
            self.lease_gate.lock_screen.sign_in_requested.connect(self.sign_in_requested)
            self.lease_gate.expiring.connect(
                lambda message: self.statusBar().showMessage(message, STATUS_MESSAGE_MS)
            )
            context.sync.state_changed.connect(
                lambda status: (
                    self.lease_gate is not None and self.lease_gate.set_sync_running(status.running)
                )
            )
            content = self.lease_gate
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.addWidget(self.sidebar)
        layout.addWidget(content, 1)
        self.setCentralWidget(central)

        self.sync_status = SyncStatusWidget(controller=context.sync)
        self.sync_status.inbox_requested.connect(lambda: self.show_screen(Screen.INBOX))
        self.statusBar().addPermanentWidget(self.sync_status)
        self._user_label = QLabel()
        self.statusBar().addWidget(self._user_label)

        self.search_palette = SearchPaletteDialog(context=context, parent=self)
        self.search_palette.customer_requested.connect(self.open_customer)
        self.log_dialog: LogActivityDialog | None = None
        self.shortcuts_dialog: ShortcutHelpDialog | None = None
        self.new_customer_dialog: NewCustomerDialog | None = None

        for screen in (self.my_day, self.customers, self.pipeline, self.inbox):
            screen.customer_requested.connect(self.open_customer)
        self.inherited.open_customer.connect(self.open_customer)
        self.customer_file.log_activity_requested.connect(
            lambda customer_id: self.log_activity(customer_id=customer_id)
        )
        self.customer_file.customer_saved.connect(lambda *_: self.customers.model.refresh())
        context.sync.sync_finished.connect(self._on_sync_finished)
        context.tasks.task_failed.connect(self._on_task_failed)

        self.shortcut_actions = bind_shortcuts(
            self,
            {
                "search": self.open_search,
                "log_activity": self.log_activity,
                "new_customer": self.new_customer,
                "screen_my_day": lambda: self.show_screen(Screen.MY_DAY),
                "screen_customers": lambda: self.show_screen(Screen.CUSTOMERS),
                "screen_pipeline": lambda: self.show_screen(Screen.PIPELINE),
                "screen_sync_inbox": lambda: self.show_screen(Screen.INBOX),
                "undo": self._undo_on_pipeline,
                "sync_now": self.sync_now,
                "settings": self.settings_requested.emit,
                "help": self.show_shortcuts,
                "quit": self._on_quit_triggered,
            },
        )
        self.records = record_actions(
            context=context,
            parent_widget=self,
            criteria=lambda: self.customers.model.criteria,
            filtered_rows=lambda: self.customers.model.total,
            current_file=lambda: self.customer_file.current_file,
            lease=lambda: None if self.lease_gate is None else self.lease_gate.refresh(),
        )
        self.records.history_requested.connect(self.show_customer_history)
        self.stack.currentChanged.connect(
            lambda index: self.records.set_customer_open(index == Screen.CUSTOMER_FILE)
        )
        self.records.finished.connect(
            lambda message, _problem: self.statusBar().showMessage(message, STATUS_MESSAGE_MS)
        )
        self._menus: dict[str, QMenu] = {}
        self._build_menus()
        self.retranslate()
        self.sidebar.setCurrentRow(Screen.MY_DAY)

    # --- navigation -------------------------------------------------------------------------
    def show_screen(self, screen: Screen) -> None:
        if screen >= self.stack.count():
            return  # an administrator's screen on a window without them
        self.stack.setCurrentIndex(screen)
        if screen in self._sidebar_screens:
            row = self._sidebar_screens.index(screen)
            if self.sidebar.currentRow() != row:
                self.sidebar.blockSignals(True)
                self.sidebar.setCurrentRow(row)
                self.sidebar.blockSignals(False)
        self._load(screen)

    def current_screen(self) -> Screen:
        return Screen(self.stack.currentIndex())

    def _undo_on_pipeline(self) -> None:
        # The only undoable action is a stage move: elsewhere Ctrl+Z must not move deals back.
        if self.current_screen() is Screen.PIPELINE:
            self.pipeline.undo_last_move()

    def open_customer(self, customer_id: str) -> None:
        self.customer_file.show_customer(customer_id)
        self.stack.setCurrentIndex(Screen.CUSTOMER_FILE)
        self.customer_opened.emit(customer_id)

    def show_customer_history(self, customer_id: str) -> None:
        """The audit log filtered on one customer (administrators: the screen exists only then)."""
        if self.audit is not None:
            self.audit.show_customer(customer_id)
            self.show_screen(Screen.AUDIT)

    def open_search(self) -> None:
        self.search_palette.open_palette()

    def log_activity(self, *, customer_id: str | None = None) -> None:
        """Open the log-activity dialog; on the customer file it starts with that customer."""
        name = ""
        if customer_id is None and self.current_screen() == Screen.CUSTOMER_FILE:
            customer_id = self.customer_file.customer_id
        current = self.customer_file.current_file
        if customer_id is not None and current is not None and current.customer.id == customer_id:
            name = current.customer.name
        if self.log_dialog is not None:
            self.log_dialog.deleteLater()
        dialog = LogActivityDialog(
            context=self.context, customer_id=customer_id, customer_name=name, parent=self
        )
        dialog.activity_logged.connect(self._on_activity_logged)
        self.log_dialog = dialog
        dialog.open()

    def new_customer(self) -> None:
        if self.new_customer_dialog is not None:
            self.new_customer_dialog.deleteLater()
        dialog = NewCustomerDialog(context=self.context, parent=self)
        dialog.customer_created.connect(self._on_customer_created)
        self.new_customer_dialog = dialog
        dialog.open()

    def _on_customer_created(self, customer_id: str) -> None:
        self.statusBar().showMessage(self.tr("Customer added."), STATUS_MESSAGE_MS)
        self.customers.model.refresh()
        self.open_customer(customer_id)

    def add_admin_screens(self, admin: AdminClient, *, role: str = "admin") -> None:
        """Hand-over for administrators and team heads, the audit log (and a customer's history)
        for administrators. The server checks every call; this only keeps the screens away from
        people who cannot use them."""
        if self.handover is not None:
            return
        # Imported here: they bring the HTTP client, which the window does not need to open.
        from desktop.ui.audit_view import AuditView
        from desktop.ui.handover_view import HandoverView

        self.handover = HandoverView(context=self.context, admin=admin)
        self.handover.sync_requested.connect(self.sync_now)
        self.stack.addWidget(self.handover)  # Screen.HANDOVER
        screens = [Screen.HANDOVER]
        if role == "admin":
            self.audit = AuditView(context=self.context, admin=admin)
            self.stack.addWidget(self.audit)  # Screen.AUDIT
            screens.append(Screen.AUDIT)
            self.records.enable_history()
        for screen in screens:
            self._sidebar_screens.append(screen)
            self.sidebar.addItem("")
            self._menus["go"].addAction(self._screen_actions[screen])
        self.retranslate()

    def show_shortcuts(self) -> None:
        if self.shortcuts_dialog is None:
            self.shortcuts_dialog = ShortcutHelpDialog(self)
        self.shortcuts_dialog.open()

    def sync_now(self) -> None:
        if not self.context.sync.sync_now():
            self.statusBar().showMessage(
                self.tr("Not signed in to a server: changes stay on this computer for now."),
                STATUS_MESSAGE_MS,
            )

    def show_user(self, display_name: str) -> None:
        self._user_label.setText(display_name)

    def _load(self, screen: Screen) -> None:
        loaders: dict[Screen, Callable[[], None]] = {
            Screen.MY_DAY: self.my_day.reload,
            Screen.CUSTOMERS: self.customers.reload,
            Screen.PIPELINE: self.pipeline.reload,
            Screen.INBOX: self.inbox.reload,
            Screen.INHERITED: self.inherited.reload,
            Screen.CUSTOMER_FILE: self.customer_file.reload,
        }
        if self.handover is not None:
            loaders[Screen.HANDOVER] = self.handover.load
        if self.audit is not None:
            loaders[Screen.AUDIT] = self.audit.load
        loaders[screen]()

    # --- menus ------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        bar = self.menuBar()
        for key in ("file", "go", "help"):
            self._menus[key] = bar.addMenu("")
        file_menu, go_menu, help_menu = (self._menus[k] for k in ("file", "go", "help"))
        self._add(file_menu, "new_customer")
        self._add(file_menu, "log_activity")
        self._add(file_menu, "sync_now")
        self._add(file_menu, "settings")
        file_menu.addSeparator()
        self._add(file_menu, "quit")
        self._add(go_menu, "search")
        go_menu.addSeparator()
        for action_id in ("screen_my_day", "screen_customers", "screen_pipeline"):
            self._add(go_menu, action_id)
        self._add(go_menu, "screen_sync_inbox")
        # Screens without a shortcut; the administrators' ones join the menu with their screens.
        self._screen_actions: dict[Screen, QAction] = {}
        for screen in (Screen.INHERITED, Screen.HANDOVER, Screen.AUDIT):
            action = QAction(self)
            action.setObjectName(f"screen_{screen.name.lower()}")
            action.triggered.connect(lambda _checked=False, s=screen: self.show_screen(s))
            self._screen_actions[screen] = action
        go_menu.addAction(self._screen_actions[Screen.INHERITED])
        self.records.add_to_menus(file_menu=file_menu, go_menu=go_menu)
        self._add(help_menu, "help")

    def _add(self, menu: QMenu, action_id: str) -> None:
        action: QAction | None = self.shortcut_actions.get(action_id)
        if action is not None:
            menu.addAction(action)

    # --- slots ------------------------------------------------------------------------------
    def _on_sidebar_current_row_changed(self, row: int) -> None:
        if 0 <= row < len(self._sidebar_screens):
            self.show_screen(self._sidebar_screens[row])

    def _on_activity_logged(self, _logged: object) -> None:
        self.statusBar().showMessage(self.tr("Activity saved."), STATUS_MESSAGE_MS)
        if self.current_screen() in (Screen.CUSTOMER_FILE, Screen.MY_DAY):
            self._load(self.current_screen())

    def _on_sync_finished(self, status: SyncStatus) -> None:
        if self.lease_gate is not None:
            self.lease_gate.refresh()  # a successful sync renews the offline lease
        # New data from colleagues may have arrived: refresh what is on screen.
        self._load(self.current_screen())
        if not self._quit_after_sync:
            return
        self._quit_after_sync = False
        if status.pending_changes == 0 and status.last_error is None:
            self._closing_for_good = True
            self.close()
        else:
            reason = status.last_error or self.tr("the server did not take every change")
            self.statusBar().showMessage(
                self.tr("Not everything could be sent (%1). Your changes are kept.").replace(
                    "%1", reason
                ),
                STATUS_MESSAGE_MS,
            )

    def _on_sync_state_changed(self, status: SyncStatus) -> None:
        if self.lease_gate is not None:
            self.lease_gate.set_sync_running(status.running)  # the lock screen shows "syncing"

    def _on_task_failed(self, failure: TaskFailure) -> None:
        self.statusBar().showMessage(
            self.tr("Something went wrong (%1): %2")
            .replace("%1", failure.description)
            .replace("%2", str(failure.error)),
            STATUS_MESSAGE_MS,
        )

    # --- quitting ---------------------------------------------------------------------------
    def _on_quit_triggered(self) -> None:
        self.close()

    def close_without_asking(self) -> None:
        """Close for a reason that is not the person quitting (rebuilt after sign-in, end of a
        smoke test): unsent changes stay in the outbox, so there is nothing to ask."""
        self._closing_for_good = True
        self.close()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_before:
            self._shown_before = True
            # The window and everything it needed now live for the whole session: keep them out
            # of full garbage collections, which would otherwise stall this thread (see heap).
            freeze_long_lived_objects()

    def closeEvent(self, event: QCloseEvent) -> None:
        pending = self.context.sync.pending_changes
        if self._closing_for_good or pending == 0:
            self._closing_for_good = True
            self.quit_confirmed.emit()
            event.accept()
            return
        choice = self._ask_quit(self, pending)
        if choice is QuitChoice.QUIT:
            self._closing_for_good = True
            self.quit_confirmed.emit()
            event.accept()
            return
        event.ignore()
        if choice is QuitChoice.SYNC_FIRST:
            if self.context.sync.sync_now():
                self._quit_after_sync = True
                self.statusBar().showMessage(self.tr("Sending your changes, then quitting…"))
            else:
                self.sync_now()  # explains that there is no server to send them to

    # --- language ---------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Fieldbook"))
        names = {
            Screen.MY_DAY: self.tr("My day"),
            Screen.CUSTOMERS: self.tr("Customers"),
            Screen.PIPELINE: self.tr("Pipeline"),
            Screen.INBOX: self.tr("Inbox"),
            Screen.INHERITED: self.tr("Inherited"),
            Screen.HANDOVER: self.tr("Hand-over"),
            Screen.AUDIT: self.tr("Audit log"),
        }
        for row, screen in enumerate(self._sidebar_screens):
            item = self.sidebar.item(row)
            if item is not None:
                item.setText(names[screen])
        self._screen_actions[Screen.INHERITED].setText(self.tr("Inherited customers"))
        self._screen_actions[Screen.HANDOVER].setText(self.tr("Hand over…"))
        self._screen_actions[Screen.AUDIT].setText(self.tr("Audit log"))
        self.back_button.setText(self.tr("← Customers"))
        self._menus["file"].setTitle(self.tr("&File"))
        self._menus["go"].setTitle(self.tr("&Go"))
        self._menus["help"].setTitle(self.tr("&Help"))
        retranslate_actions(self.shortcut_actions)
        self.records.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        retranslate_on_change(event, self.retranslate)
        super().changeEvent(event)
