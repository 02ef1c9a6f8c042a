"""The sync inbox screen: conflicts (a value of yours that lost) and refused changes.

Select an entry to compare the values side by side; re-apply your lost value (a new local edit,
pushed like any other) or dismiss the entry. Nothing here deletes data: dismissing only hides an
entry on this computer, and the refused values stay in the record the server keeps.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.sync.inbox import ConflictItem, SyncErrorItem, SyncInbox
from desktop.ui.context import UiContext
from desktop.ui.i18n import retranslate_on_change
from desktop.ui.sync_inbox_model import (
    ConflictsModel,
    InboxSnapshot,
    RefusedChangesModel,
    comparison_rows,
    read_inbox_snapshot,
)

InboxEntry = ConflictItem | SyncErrorItem


def _table(model: ConflictsModel | RefusedChangesModel, object_name: str) -> QTableView:
    table = QTableView()
    table.setObjectName(object_name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    table.setWordWrap(False)
    return table


class SyncInboxView(QWidget):
    inbox_loaded = Signal(object)  # InboxSnapshot
    counts_changed = Signal(int, int)  # refused changes, conflicts: for the status bar
    entry_resolved = Signal(str)  # id of the conflict / sync error re-applied or dismissed
    customer_requested = Signal(str)  # customer id: the main window opens the customer's file
    action_failed = Signal(str)

    def __init__(self, *, context: UiContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("sync_inbox_view")
        self._engine = context.engine
        self._tasks = context.tasks
        # New conflicts and refusals arrive with a sync.
        context.sync.sync_finished.connect(self._on_sync_finished)
        self._snapshot = InboxSnapshot((), ())

        self._title = QLabel()
        self._title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self._intro = QLabel()
        self._intro.setWordWrap(True)
        self.conflicts_model = ConflictsModel(self)
        self.refused_model = RefusedChangesModel(self)
        self.conflicts_table = _table(self.conflicts_model, "conflicts_table")
        self.refused_table = _table(self.refused_model, "refused_table")
        self.tabs = QTabWidget()
        self.tabs.addTab(self.conflicts_table, "")
        self.tabs.addTab(self.refused_table, "")
        self.tabs.currentChanged.connect(self._on_selection_changed)
        for table in (self.conflicts_table, self.refused_table):
            table.selectionModel().selectionChanged.connect(self._on_selection_changed)
            table.activated.connect(self._on_table_activated)  # Enter or double-click

        self.compare = QTableWidget(0, 3)
        self.compare.setObjectName("compare_table")
        self.compare.verticalHeader().setVisible(False)
        self.compare.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.compare.setWordWrap(True)
        self.compare.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.reapply_button = QPushButton()
        self.reapply_button.setObjectName("reapply_button")
        self.reapply_button.clicked.connect(self.reapply_selected)
        self.dismiss_button = QPushButton()
        self.dismiss_button.setObjectName("dismiss_button")
        self.dismiss_button.clicked.connect(self.dismiss_selected)
        self.status = QLabel()
        self.status.setObjectName("sync_inbox_status")
        self.status.setWordWrap(True)

        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.reapply_button)
        buttons.addWidget(self.dismiss_button)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.compare, 1)
        detail_layout.addLayout(buttons)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.tabs)
        splitter.addWidget(detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.addWidget(self._title)
        layout.addWidget(self._intro)
        layout.addWidget(splitter, 1)
        self.retranslate()
        self._on_selection_changed()

    # --- loading ------------------------------------------------------------------------------
    def reload(self) -> None:
        engine = self._engine
        self._tasks.run_db(
            lambda: read_inbox_snapshot(engine),
            on_done=self._on_snapshot_loaded,
            on_error=self._on_task_failed,
            owner=self,
            description="load sync inbox",
        )

    def _on_sync_finished(self, _status: object) -> None:
        self.reload()

    def _on_snapshot_loaded(self, snapshot: InboxSnapshot) -> None:
        self._snapshot = snapshot
        self.conflicts_model.set_snapshot(snapshot)
        self.refused_model.set_snapshot(snapshot)
        for table in (self.conflicts_table, self.refused_table):
            table.resizeColumnsToContents()
            if table.model().rowCount():
                table.selectRow(0)  # compare the newest entry at once, without a click
        self._update_tab_titles()
        self._on_selection_changed()
        self.counts_changed.emit(len(snapshot.errors), len(snapshot.conflicts))
        self.inbox_loaded.emit(snapshot)

    # --- selection and comparison -------------------------------------------------------------
    def selected_entry(self) -> InboxEntry | None:
        table = self.conflicts_table if self.tabs.currentIndex() == 0 else self.refused_table
        model = self.conflicts_model if table is self.conflicts_table else self.refused_model
        rows = table.selectionModel().selectedRows()
        if not rows:
            return None
        entry: InboxEntry = model.entry(rows[0].row())
        return entry

    def _on_table_activated(self, _index: object) -> None:
        self.open_selected_customer()

    def open_selected_customer(self) -> None:
        """Open the file of the customer the selected entry belongs to."""
        entry = self.selected_entry()
        customer_id = self._snapshot.customer_of(entry) if entry is not None else None
        if customer_id is None:
            self.status.setText(self.tr("This entry belongs to no customer on this computer."))
            return
        self.customer_requested.emit(customer_id)

    def _on_selection_changed(self, *_args: object) -> None:
        entry = self.selected_entry()
        self.reapply_button.setEnabled(isinstance(entry, ConflictItem))
        self.dismiss_button.setEnabled(entry is not None)
        self._show_comparison(entry)

    def _show_comparison(self, entry: InboxEntry | None) -> None:
        showing_conflicts = (
            isinstance(entry, ConflictItem) if entry is not None else self.tabs.currentIndex() == 0
        )
        if showing_conflicts:
            left, right = self.tr("Kept (on the server)"), self.tr("Yours (lost)")
        else:
            left, right = self.tr("Now on the server"), self.tr("Refused value")
        self.compare.setHorizontalHeaderLabels([self.tr("Field"), left, right])
        rows = comparison_rows(self._snapshot, entry) if entry is not None else []
        self.compare.setRowCount(len(rows))
        for row, cells in enumerate(rows):
            for column, text in enumerate(cells):
                self.compare.setItem(row, column, QTableWidgetItem(text))
        self.compare.resizeRowsToContents()

    # --- actions ------------------------------------------------------------------------------
    def reapply_selected(self) -> None:
        entry = self.selected_entry()
        if not isinstance(entry, ConflictItem):
            self.status.setText(self.tr("Select a conflict to re-apply your value."))
            return
        inbox = SyncInbox(engine=self._engine)
        conflict_id = entry.id
        self._run_action(
            lambda: inbox.reapply_lost_value(conflict_id=conflict_id),
            entry_id=conflict_id,
            done_text=self.tr("Your value was applied again; it is sent with the next sync."),
        )

    def dismiss_selected(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            self.status.setText(self.tr("Select an entry first."))
            return
        inbox = SyncInbox(engine=self._engine)
        entry_id = entry.id
        if isinstance(entry, ConflictItem):
            self._run_action(
                lambda: inbox.dismiss_conflict(conflict_id=entry_id),
                entry_id=entry_id,
                done_text=self.tr("Dismissed."),
            )
        else:
            self._run_action(
                lambda: inbox.dismiss_sync_error(sync_error_id=entry_id),
                entry_id=entry_id,
                done_text=self.tr("Dismissed."),
            )

    def _run_action(self, action: Callable[[], object], *, entry_id: str, done_text: str) -> None:
        self.reapply_button.setEnabled(False)
        self.dismiss_button.setEnabled(False)
        self._tasks.run_db(
            action,
            on_done=lambda _result: self._on_action_written(entry_id, done_text),
            on_error=self._on_task_failed,
            owner=self,
            description="sync inbox action",
        )

    def _on_action_written(self, entry_id: str, done_text: str) -> None:
        self.status.setText(done_text)
        self.entry_resolved.emit(entry_id)
        self.reload()

    def _on_task_failed(self, error: BaseException) -> None:
        message = self.tr("Could not update the sync inbox: %1").replace("%1", str(error))
        self.status.setText(message)
        self._on_selection_changed()
        self.action_failed.emit(message)

    # --- language -----------------------------------------------------------------------------
    def _update_tab_titles(self) -> None:
        self.tabs.setTabText(
            0, self.tr("Conflicts (%1)").replace("%1", str(len(self._snapshot.conflicts)))
        )
        self.tabs.setTabText(
            1, self.tr("Refused changes (%1)").replace("%1", str(len(self._snapshot.errors)))
        )

    def retranslate(self) -> None:
        self._title.setText(self.tr("Sync inbox"))
        self._intro.setText(
            self.tr(
                "Changes of yours that another edit overwrote, and changes the server refused. "
                "Nothing is lost: compare, apply your value again, or dismiss."
            )
        )
        self.reapply_button.setText(self.tr("Re-apply my value"))
        self.dismiss_button.setText(self.tr("Dismiss"))
        self._update_tab_titles()
        self._show_comparison(self.selected_entry())
        for model in (self.conflicts_model, self.refused_model):
            model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(model.COLUMNS) - 1)

    def changeEvent(self, event: QEvent) -> None:
        retranslate_on_change(event, self.retranslate)
        super().changeEvent(event)
