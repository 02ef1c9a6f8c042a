"""The hand-over screen (离职交接) for administrators and team heads.

Steps, top to bottom: pick the leaver; their book is listed from this computer's replica; give
customers to successors (all, the selected rows, or by tier or team); read the preview (what the
server says the leaver holds, and where each customer goes); confirm; watch the progress; read
the result. Optionally the leaver's account is closed right after, which starts the drain and
wipe of their laptop. Every call runs on the task runner: the server ones on the network pool,
the replica reads on the database thread.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.operations.inherited import BookCustomer, customers_of
from desktop.sync.admin_client import AdminClient, HandoverCounts, UserEntry
from desktop.ui.context import UiContext
from desktop.ui.handover_model import HandoverPlanModel, PlanRow
from desktop.ui.i18n import retranslate_on_change
from desktop.ui.task_runner import ProgressReport, TaskProgress

ANY = ""  # the "all tiers / all teams" entry of the selection combos


class HandoverView(QWidget):
    users_loaded = Signal(object)  # list[UserEntry]
    book_loaded = Signal(int)  # customers listed for the leaver
    preview_ready = Signal(object)  # HandoverCounts of the leaver's whole book
    handover_finished = Signal(object)  # dict successor login -> HandoverCounts
    sync_requested = Signal()  # the replica should catch up with what moved
    action_failed = Signal(str)

    def __init__(
        self, *, context: UiContext, admin: AdminClient, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("handover_view")
        self._engine = context.engine
        self._tasks = context.tasks
        self._admin = admin
        self._me = context.user_id
        self._users: dict[str, UserEntry] = {}
        self._preview: HandoverCounts | None = None

        self.title = QLabel()
        self.title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.leaver_combo = QComboBox()
        self.leaver_combo.setObjectName("leaver_combo")
        self.successor_combo = QComboBox()
        self.successor_combo.setObjectName("successor_combo")
        self.tier_combo = QComboBox()
        self.team_combo = QComboBox()
        self.assign_all_button = QPushButton()
        self.assign_selected_button = QPushButton()
        self.assign_matching_button = QPushButton()
        self.keep_selected_button = QPushButton()

        self.plan_model = HandoverPlanModel(self)
        self.table = QTableView()
        self.table.setObjectName("handover_plan")
        self.table.setModel(self.plan_model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

        self.preview_label = QLabel()
        self.preview_label.setObjectName("handover_preview")
        self.preview_label.setWordWrap(True)
        self.deactivate_check = QCheckBox()
        self.confirm_button = QPushButton()
        self.confirm_button.setObjectName("confirm_handover")
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.result_label = QLabel()
        self.result_label.setObjectName("handover_result")
        self.result_label.setWordWrap(True)

        form = QFormLayout()
        self._leaver_caption = QLabel()
        self._successor_caption = QLabel()
        form.addRow(self._leaver_caption, self.leaver_combo)
        form.addRow(self._successor_caption, self.successor_combo)
        by_group = QHBoxLayout()
        by_group.addWidget(self.tier_combo)
        by_group.addWidget(self.team_combo)
        by_group.addWidget(self.assign_matching_button)
        by_group.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.assign_all_button)
        buttons.addWidget(self.assign_selected_button)
        buttons.addWidget(self.keep_selected_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addLayout(by_group)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.preview_label)
        layout.addWidget(self.deactivate_check)
        layout.addWidget(self.confirm_button)
        layout.addWidget(self.progress)
        layout.addWidget(self.result_label)

        self.leaver_combo.currentIndexChanged.connect(self._on_leaver_combo_changed)
        self.successor_combo.currentIndexChanged.connect(self._on_successor_combo_changed)
        self.assign_all_button.clicked.connect(self.assign_all)
        self.assign_selected_button.clicked.connect(self.assign_selected)
        self.assign_matching_button.clicked.connect(self.assign_matching)
        self.keep_selected_button.clicked.connect(self._on_keep_selected_clicked)
        self.confirm_button.clicked.connect(self.confirm)
        self.deactivate_check.toggled.connect(self._refresh_preview_text)
        self._retranslate()
        self._refresh_preview_text()

    # --- loading ----------------------------------------------------------------------------
    def load(self) -> None:
        """Fetch the people from the server (administrators see all, team heads their team)."""
        self._tasks.run_net(
            self._admin.users, on_done=self._on_users_loaded, on_error=self._fail, owner=self
        )

    def _on_users_loaded(self, users: list[UserEntry]) -> None:
        self._users = {user.id: user for user in users}
        self.leaver_combo.blockSignals(True)
        self.leaver_combo.clear()
        self.successor_combo.clear()
        for user in users:
            if user.role in ("account_manager", "team_head"):
                self.leaver_combo.addItem(self._user_label(user), user.id)
            if user.state == "active":
                self.successor_combo.addItem(self._user_label(user), user.id)
        self.leaver_combo.setCurrentIndex(-1)
        self.leaver_combo.blockSignals(False)
        # Only an administrator may close accounts; a team head hands over within the team.
        me = self._users.get(self._me or "")
        may_close = me is not None and me.role == "admin"
        self.deactivate_check.setVisible(may_close)
        if not may_close:
            self.deactivate_check.setChecked(False)
        self.users_loaded.emit(users)

    def _user_label(self, user: UserEntry) -> str:
        if user.state == "active":
            return user.label
        return f"{user.label} [{self._state_text(user.state)}]"

    def _state_text(self, state: str) -> str:
        return {"frozen": self.tr("frozen"), "deactivated": self.tr("closed")}.get(state, state)

    def select_leaver(self, user_id: str) -> None:
        self.leaver_combo.setCurrentIndex(self.leaver_combo.findData(user_id))

    def select_successor(self, user_id: str) -> None:
        self.successor_combo.setCurrentIndex(self.successor_combo.findData(user_id))

    def _on_leaver_combo_changed(self, _index: int) -> None:
        leaver = self.leaver_combo.currentData()
        self.result_label.clear()
        self.plan_model.set_rows([])
        self._preview = None
        self._refresh_preview_text()
        if not leaver:
            return
        self._tasks.run_db(
            lambda: customers_of(self._engine, owner_id=leaver),
            on_done=self._on_book_loaded,
            on_error=self._fail,
            owner=self,
        )
        self._request_preview()

    def _on_successor_combo_changed(self, _index: int) -> None:
        if self._preview is None:
            self._request_preview()

    def _on_book_loaded(self, book: list[BookCustomer]) -> None:
        rows = [PlanRow(c.customer_id, c.name, c.tier, c.team_name or c.team_id) for c in book]
        self.plan_model.set_rows(rows)
        for combo, values in (
            (self.tier_combo, sorted({row.tier for row in rows if row.tier})),
            (self.team_combo, sorted({row.team for row in rows if row.team})),
        ):
            combo.clear()
            combo.addItem(self.tr("any tier") if combo is self.tier_combo else self.tr("any team"))
            combo.setItemData(0, ANY)
            for value in values:
                combo.addItem(value, value)
        self._refresh_preview_text()
        self.book_loaded.emit(len(rows))

    def _request_preview(self) -> None:
        """The server's count of the leaver's book; it checks the successor too (a team head
        may only hand over within the team), so it waits until one is chosen."""
        leaver = self.leaver_combo.currentData()
        successor = self.successor_combo.currentData()
        if not leaver or not successor or successor == leaver:
            return
        self._tasks.run_net(
            lambda: self._admin.handover_preview(from_user=leaver, to_user=successor),
            on_done=self._on_preview_ready,
            on_error=self._fail,
            owner=self,
        )

    def _on_preview_ready(self, counts: HandoverCounts) -> None:
        self._preview = counts
        self._refresh_preview_text()
        self.preview_ready.emit(counts)

    # --- building the plan ------------------------------------------------------------------
    def _successor(self) -> tuple[str | None, str]:
        user_id = self.successor_combo.currentData()
        if not user_id:
            return None, ""
        if user_id == self.leaver_combo.currentData():
            self._fail(ValueError(self.tr("The successor must be someone other than the leaver.")))
            return None, ""
        return str(user_id), self._users[user_id].display_name

    def _assign(self, rows: list[int]) -> int:
        successor_id, name = self._successor()
        if successor_id is None:
            return 0
        changed = self.plan_model.assign(rows, successor_id=successor_id, name=name)
        self._refresh_preview_text()
        return changed

    def assign_all(self) -> int:
        return self._assign(list(range(self.plan_model.rowCount())))

    def assign_selected(self) -> int:
        return self._assign(self._selected_rows())

    def assign_matching(self) -> int:
        """The rows of the chosen tier and/or team go to the chosen successor."""
        tier = self.tier_combo.currentData() or None
        team = self.team_combo.currentData() or None
        return self._assign(self.plan_model.rows_matching(tier=tier, team=team))

    def _on_keep_selected_clicked(self) -> None:
        self.plan_model.assign(self._selected_rows(), successor_id=None, name="")
        self._refresh_preview_text()

    def _selected_rows(self) -> list[int]:
        return sorted({index.row() for index in self.table.selectionModel().selectedRows()})

    def _refresh_preview_text(self) -> None:
        lines: list[str] = []
        if self._preview is not None:
            lines.append(
                self.tr("The leaver holds {0} customers, {1} open opportunities, {2} open "
                        "follow-ups.").format(
                    self._preview.customers,
                    self._preview.open_opportunities,
                    self._preview.open_followups,
                )
            )  # fmt: skip
            if self._preview.unsynced_changes:
                lines.append(
                    self.tr("Their laptops still hold {0} unsent changes (at their last sync); "
                            "these reach the successor when a laptop drains.").format(
                        self._preview.unsynced_changes
                    )
                )  # fmt: skip
        for successor_id, customers in self.plan_model.plan().items():
            name = self._users[successor_id].display_name if successor_id in self._users else "?"
            lines.append(self.tr("{0} customers go to {1}.").format(len(customers), name))
        kept = self.plan_model.kept()
        if kept and self.plan_model.rowCount():
            lines.append(self.tr("{0} customers stay with the leaver.").format(kept))
        self.preview_label.setText("\n".join(lines))
        self.confirm_button.setEnabled(bool(self.plan_model.plan()) or self._can_close_only())

    def _can_close_only(self) -> bool:
        return self.deactivate_check.isChecked() and self.leaver_combo.currentData() is not None

    # --- confirming ---------------------------------------------------------------------------
    def confirm(self) -> None:
        leaver = self.leaver_combo.currentData()
        plan = self.plan_model.plan()
        close_account = self.deactivate_check.isChecked()
        if not leaver or (not plan and not close_account):
            return
        if close_account and self.plan_model.kept():
            self._fail(
                ValueError(
                    self.tr("Give every customer a successor before closing the account: "
                            "{0} would have no owner who can work them.").format(
                        self.plan_model.kept()
                    )
                )
            )  # fmt: skip
            return
        self.confirm_button.setEnabled(False)
        self.progress.setVisible(True)
        self.progress.setRange(0, len(plan) + (1 if close_account else 0))
        self.progress.setValue(0)
        logins = {uid: self._users[uid].login for uid in plan if uid in self._users}

        def run(report: ProgressReport) -> dict[str, HandoverCounts]:
            results: dict[str, HandoverCounts] = {}
            steps = len(plan) + (1 if close_account else 0)
            for done, (successor, customer_ids) in enumerate(plan.items()):
                report(done, steps, logins.get(successor, successor))
                results[logins.get(successor, successor)] = self._admin.handover(
                    from_user=leaver, to_user=successor, customer_ids=customer_ids
                )
            if close_account:
                report(len(plan), steps, "deactivate")
                self._admin.deactivate(user_id=leaver, handover_to=None)
            report(steps, steps, "")
            return results

        self._tasks.run_net(
            run,
            on_done=self._on_handover_done,
            on_error=self._on_handover_failed,
            progress=self._on_progress,
            owner=self,
        )

    def _on_progress(self, progress: TaskProgress) -> None:
        self.progress.setValue(progress.done)

    def _on_handover_done(self, results: dict[str, HandoverCounts]) -> None:
        self.progress.setVisible(False)
        lines = [
            self.tr(
                "{0}: {1} customers, {2} open opportunities, {3} open follow-ups moved."
            ).format(login, counts.customers, counts.open_opportunities, counts.open_followups)
            for login, counts in results.items()
        ]
        if self.deactivate_check.isChecked():
            lines.append(
                self.tr("The account is closed: its laptop uploads what it still holds, then "
                        "deletes its copy.")
            )  # fmt: skip
        # What moved leaves the plan; customers kept with the leaver stay listed.
        self.plan_model.set_rows([row for row in self.plan_model.rows() if not row.successor_id])
        self._preview = None
        self._refresh_preview_text()
        self._request_preview()
        self.result_label.setText("\n".join(lines))
        self.handover_finished.emit(results)
        self.sync_requested.emit()  # this computer's copy catches up with the new owners

    def _on_handover_failed(self, error: BaseException) -> None:
        self.progress.setVisible(False)
        self._refresh_preview_text()
        self._fail(error)

    def _fail(self, error: BaseException) -> None:
        message = getattr(error, "message", None) or str(error)
        self.result_label.setText(message)
        self.action_failed.emit(message)

    # --- language ---------------------------------------------------------------------------
    def _retranslate(self) -> None:
        self.title.setText(self.tr("Hand over a book of business"))
        self._leaver_caption.setText(self.tr("Leaver"))
        self._successor_caption.setText(self.tr("Successor"))
        self.assign_all_button.setText(self.tr("All to successor"))
        self.assign_selected_button.setText(self.tr("Selected to successor"))
        self.assign_matching_button.setText(self.tr("This tier / team to successor"))
        self.keep_selected_button.setText(self.tr("Keep selected"))
        self.deactivate_check.setText(self.tr("Close the leaver's account afterwards"))
        self.confirm_button.setText(self.tr("Hand over"))

    def changeEvent(self, event: QEvent) -> None:
        retranslate_on_change(event, self._retranslate)
        super().changeEvent(event)
