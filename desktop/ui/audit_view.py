"""The audit viewer (administrators): who did what and when, filtered by user, customer and period,
with a customer's ownership history when the filter names one customer.

The log lives on the server (append-only); this screen only reads it. The customer filter is set
by the screen that opens the viewer (`show_customer`, e.g. from a customer file's "History"), so
it always names a real customer; names of users come from the server, of customers from this
computer's replica.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QDate, QEvent, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.operations.inherited import customer_names
from desktop.store.search import SearchHit, search
from desktop.sync.admin_client import AdminClient, AuditEntry, UserEntry
from desktop.ui.audit_model import AuditLogModel, Names, OwnershipModel, ownership_history
from desktop.ui.context import UiContext
from desktop.ui.i18n import retranslate_on_change

AUDIT_PAGE = 500
CUSTOMER_MATCHES = 20


@dataclass(frozen=True)
class AuditFilter:
    user_id: str | None = None
    customer_id: str | None = None
    since: str | None = None  # ISO date, inclusive
    until: str | None = None  # ISO date, inclusive


def _table(model: AuditLogModel | OwnershipModel, name: str) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class AuditView(QWidget):
    customers_found = Signal(int)
    users_loaded = Signal(int)
    entries_loaded = Signal(int)
    action_failed = Signal(str)

    def __init__(
        self, *, context: UiContext, admin: AdminClient, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("audit_view")
        self._engine = context.engine
        self._tasks = context.tasks
        self._admin = admin
        self._user_names: dict[str, str] = {}
        self._customer_id: str | None = None
        # Each refresh gets a number; an answer to an older filter arriving late is dropped.
        self._generation = 0

        self.title = QLabel()
        self.title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.user_combo = QComboBox()
        self.user_combo.setObjectName("audit_user")
        self.customer_label = QLabel()
        self.customer_search = QLineEdit()
        self.customer_search.setObjectName("audit_customer_search")
        self.customer_matches = QComboBox()
        self.customer_matches.setObjectName("audit_customer_matches")
        self.customer_matches.setVisible(False)
        self.clear_customer_button = QPushButton()
        self.since_check = QCheckBox()
        self.since_edit = QDateEdit()
        self.until_check = QCheckBox()
        self.until_edit = QDateEdit()
        for edit in (self.since_edit, self.until_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setDate(QDate.currentDate())
        self.refresh_button = QPushButton()
        self.status_label = QLabel()
        self.model = AuditLogModel(self)
        self.table = _table(self.model, "audit_table")
        self.ownership_title = QLabel()
        self.ownership_model = OwnershipModel(self)
        self.ownership_table = _table(self.ownership_model, "ownership_table")

        filters = QHBoxLayout()
        filters.addWidget(self.user_combo)
        filters.addWidget(self.customer_search)
        filters.addWidget(self.customer_matches)
        filters.addWidget(self.customer_label)
        filters.addWidget(self.clear_customer_button)
        filters.addWidget(self.since_check)
        filters.addWidget(self.since_edit)
        filters.addWidget(self.until_check)
        filters.addWidget(self.until_edit)
        filters.addWidget(self.refresh_button)
        filters.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(filters)
        layout.addWidget(self.status_label)
        layout.addWidget(self.table, 3)
        layout.addWidget(self.ownership_title)
        layout.addWidget(self.ownership_table, 1)

        self.refresh_button.clicked.connect(self.refresh)
        self.customer_search.returnPressed.connect(self._on_customer_search_return_pressed)
        self.customer_matches.activated.connect(self._on_customer_matches_activated)
        self.clear_customer_button.clicked.connect(lambda: self.show_customer(None))
        self._retranslate()
        self._show_customer_filter()

    # --- filters ----------------------------------------------------------------------------
    def load(self) -> None:
        """Fetch the user list (for the filter and for names), then the newest entries."""
        self._tasks.run_net(
            self._admin.users, on_done=self._on_users_loaded, on_error=self._fail, owner=self
        )

    def _on_users_loaded(self, users: list[UserEntry]) -> None:
        self._user_names = {user.id: user.label for user in users}
        current = self.user_combo.currentData()
        self.user_combo.clear()
        self.user_combo.addItem(self.tr("anyone"), None)
        for user in users:
            self.user_combo.addItem(user.label, user.id)
        if current:
            self.user_combo.setCurrentIndex(max(0, self.user_combo.findData(current)))
        self.users_loaded.emit(len(users))
        self.refresh()

    def select_user(self, user_id: str | None) -> None:
        self.user_combo.setCurrentIndex(max(0, self.user_combo.findData(user_id)))

    def show_customer(self, customer_id: str | None) -> None:
        """Filter on one customer (None: all); shows its ownership history too."""
        self._customer_id = customer_id
        self._show_customer_filter()
        self.refresh()

    def find_customer(self, text: str) -> None:
        """Look the name up in this computer's replica (Chinese, pinyin, English alike)."""
        query = text.strip()
        if not query:
            return
        self._tasks.run_db(
            lambda: search(self._engine, query=query, limit=CUSTOMER_MATCHES, kinds=("customer",)),
            on_done=self._on_customers_found,
            on_error=self._fail,
            owner=self,
        )

    def _on_customer_search_return_pressed(self) -> None:
        self.find_customer(self.customer_search.text())

    def _on_customers_found(self, hits: list[SearchHit]) -> None:
        self.customer_matches.clear()
        for hit in hits:
            self.customer_matches.addItem(hit.title, hit.customer_id)
        self.customer_matches.setVisible(bool(hits))
        if hits:
            self.show_customer(hits[0].customer_id)  # the best match at once; others one click away
        else:
            self.status_label.setText(self.tr("No customer matches that name on this computer."))
        self.customers_found.emit(len(hits))

    def _on_customer_matches_activated(self, index: int) -> None:
        customer_id = self.customer_matches.itemData(index)
        if customer_id:
            self.show_customer(str(customer_id))

    def set_period(self, since: QDate | None, until: QDate | None) -> None:
        self.since_check.setChecked(since is not None)
        self.until_check.setChecked(until is not None)
        if since is not None:
            self.since_edit.setDate(since)
        if until is not None:
            self.until_edit.setDate(until)

    def current_filter(self) -> AuditFilter:
        since = (
            self.since_edit.date().toString("yyyy-MM-dd") if self.since_check.isChecked() else None
        )
        until = None
        if self.until_check.isChecked():
            # Entries carry a time: "until 2026-11-23" means up to the end of that day.
            until = self.until_edit.date().toString("yyyy-MM-dd") + "T23:59:59Z"
        return AuditFilter(self.user_combo.currentData(), self._customer_id, since, until)

    def _show_customer_filter(self) -> None:
        has_customer = self._customer_id is not None
        self.clear_customer_button.setVisible(has_customer)
        self.ownership_title.setVisible(has_customer)
        self.ownership_table.setVisible(has_customer)
        if not has_customer:
            self.customer_label.setText(self.tr("all customers"))
            self.customer_matches.setVisible(False)
            self.customer_search.clear()

    # --- loading ----------------------------------------------------------------------------
    def refresh(self) -> None:
        wanted = self.current_filter()
        if wanted.since and wanted.until and wanted.since > wanted.until:
            self._fail(ValueError(self.tr("The period ends before it starts.")))
            return
        self.status_label.setText(self.tr("Loading…"))
        self._generation += 1
        generation = self._generation

        def fetch() -> list[AuditEntry]:
            return self._admin.audit(
                user=wanted.user_id,
                customer=wanted.customer_id,
                since=wanted.since,
                until=wanted.until,
                limit=AUDIT_PAGE,
            )

        self._tasks.run_net(
            fetch,
            on_done=lambda entries: self._on_entries_fetched(entries, generation),
            on_error=lambda error: self._on_fetch_failed(error, generation),
            owner=self,
        )

    def _on_fetch_failed(self, error: BaseException, generation: int) -> None:
        if generation == self._generation:
            self._fail(error)

    def _on_entries_fetched(self, entries: list[AuditEntry], generation: int) -> None:
        if generation != self._generation:
            return  # the filter changed meanwhile
        ids = {entry.customer_id for entry in entries if entry.customer_id}
        if self._customer_id:
            ids.add(self._customer_id)
        self._tasks.run_db(
            lambda: customer_names(self._engine, customer_ids=ids),
            on_done=lambda names: self._show_entries(entries, names, generation),
            on_error=self._fail,
            owner=self,
        )

    def _show_entries(
        self, entries: list[AuditEntry], customers: dict[str, str], generation: int
    ) -> None:
        if generation != self._generation:
            return
        names = Names(self._user_names, customers)
        self.model.set_entries(entries, names)
        if self._customer_id is not None:
            self.customer_label.setText(names.customer(self._customer_id))
            self.ownership_model.set_changes(ownership_history(entries), names)
        if len(entries) >= AUDIT_PAGE:
            self.status_label.setText(
                self.tr("Showing the newest {0} entries: narrow the filter to see older ones.")
                .format(AUDIT_PAGE)
            )  # fmt: skip
        else:
            self.status_label.setText(self.tr("{0} entries").format(len(entries)))
        self.entries_loaded.emit(len(entries))

    def _fail(self, error: BaseException) -> None:
        message = getattr(error, "message", None) or str(error)
        self.status_label.setText(message)
        self.action_failed.emit(message)

    # --- language ---------------------------------------------------------------------------
    def _retranslate(self) -> None:
        self.title.setText(self.tr("Audit log"))
        self.clear_customer_button.setText(self.tr("All customers"))
        self.customer_search.setPlaceholderText(self.tr("Find a customer…"))
        self.since_check.setText(self.tr("From"))
        self.until_check.setText(self.tr("To"))
        self.refresh_button.setText(self.tr("Show"))
        self.ownership_title.setText(self.tr("Ownership history"))

    def changeEvent(self, event: QEvent) -> None:
        retranslate_on_change(event, self._retranslate)
        super().changeEvent(event)
