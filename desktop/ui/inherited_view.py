"""The successor's "Inherited customers" queue: one line per customer handed over to me, and the
hand-over summary of the selected one (last contacts, open deals, next steps, contacts).

Read from the local replica on the database thread, so it works offline right after the sync
that brought the hand-over. "Mark as reviewed" takes a customer off the queue on this computer;
logging my first activity with the customer does the same by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.operations.inherited import InheritedCustomer, inherited_customers, mark_reviewed
from desktop.operations.lease import utc_clock
from desktop.ui.context import UiContext
from desktop.ui.i18n import retranslate_on_change

ModelIndex = QModelIndex | QPersistentModelIndex
CUSTOMER_ID_ROLE = Qt.ItemDataRole.UserRole + 1


class InheritedCustomersModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[InheritedCustomer] = []

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            last = item.last_contact_at[:10] or self.tr("never")
            return self.tr("{0} · from {1} · last contact {2}").format(
                item.name, item.previous_owner, last
            )
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.summary_text()
        if role == CUSTOMER_ID_ROLE:
            return item.customer_id
        return None

    def set_items(self, items: list[InheritedCustomer]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def item(self, row: int) -> InheritedCustomer | None:
        return self._items[row] if 0 <= row < len(self._items) else None


class InheritedView(QWidget):
    queue_loaded = Signal(int)
    open_customer = Signal(str)  # customer id: the main window shows the customer file
    action_failed = Signal(str)

    def __init__(
        self,
        *,
        context: UiContext,
        parent: QWidget | None = None,
        clock: Callable[[], datetime] = utc_clock,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("inherited_view")
        self._engine = context.engine
        self._tasks = context.tasks
        self._user_id = context.user_id
        self._clock = clock
        # A hand-over arrives with a sync.
        context.sync.sync_finished.connect(self._on_sync_finished)
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.empty_label = QLabel()
        self.model = InheritedCustomersModel(self)
        self.list = QListView()
        self.list.setObjectName("inherited_list")
        self.list.setModel(self.model)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.summary = QTextBrowser()
        self.summary.setObjectName("handover_summary")
        self.open_button = QPushButton()
        self.reviewed_button = QPushButton()
        splitter = QSplitter()
        splitter.addWidget(self.list)
        splitter.addWidget(self.summary)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.reviewed_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.empty_label)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        self.list.selectionModel().currentChanged.connect(self._on_list_current_changed)
        self.list.doubleClicked.connect(self._on_open_clicked)
        self.open_button.clicked.connect(self._on_open_clicked)
        self.reviewed_button.clicked.connect(self._on_reviewed_clicked)
        self._retranslate()
        self._show_current()

    def _on_sync_finished(self, _status: object) -> None:
        self.reload()

    def reload(self) -> None:
        user_id = self._user_id
        if user_id is None:  # not signed in yet: nobody to inherit anything
            self._on_queue_loaded([])
            return
        now = self._clock().isoformat(timespec="seconds").replace("+00:00", "Z")
        self._tasks.run_db(
            lambda: inherited_customers(self._engine, user_id=user_id, now=now),
            on_done=self._on_queue_loaded,
            on_error=self._fail,
            owner=self,
        )

    def _on_queue_loaded(self, items: list[InheritedCustomer]) -> None:
        self.model.set_items(items)
        self.empty_label.setVisible(not items)
        if items:
            self.list.setCurrentIndex(self.model.index(0, 0))
        self._show_current()
        self.queue_loaded.emit(len(items))

    def current(self) -> InheritedCustomer | None:
        return self.model.item(self.list.currentIndex().row())

    def _on_list_current_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_current()

    def _show_current(self) -> None:
        item = self.current()
        self.open_button.setEnabled(item is not None)
        self.reviewed_button.setEnabled(item is not None)
        self.summary.setPlainText("" if item is None else item.summary_text())

    def _on_open_clicked(self) -> None:
        item = self.current()
        if item is not None:
            self.open_customer.emit(item.customer_id)

    def _on_reviewed_clicked(self) -> None:
        item = self.current()
        if item is None:
            return
        self._tasks.run_db(
            lambda: mark_reviewed(self._engine, customer_ids=[item.customer_id]),
            on_done=lambda _count: self.reload(),
            on_error=self._fail,
            owner=self,
        )

    def _fail(self, error: BaseException) -> None:
        self.action_failed.emit(str(error))

    def _retranslate(self) -> None:
        self.title.setText(self.tr("Inherited customers"))
        self.empty_label.setText(self.tr("No customers were handed over to you."))
        self.open_button.setText(self.tr("Open customer"))
        self.reviewed_button.setText(self.tr("Mark as reviewed"))

    def changeEvent(self, event: QEvent) -> None:
        retranslate_on_change(event, self._retranslate)
        super().changeEvent(event)
