"""The status bar's sync corner: online or offline, changes waiting, last sync, problems, and a
progress bar while a long pull runs. Fed by `SyncController` signals on the UI thread."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QLocale, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from desktop.ui.formatting import format_timestamp
from desktop.ui.i18n import retranslate_on_change
from desktop.ui.sync_controller import SyncController

if TYPE_CHECKING:  # the sync stack is imported once syncing starts (see sync_controller)
    from desktop.sync.loop import SyncStatus


class SyncStatusWidget(QWidget):
    inbox_requested = Signal()  # the person clicked the problems count

    def __init__(self, *, controller: SyncController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sync_status")
        self._controller = controller
        self.state_label = QLabel()
        self.state_label.setObjectName("sync_state")
        self.pending_label = QLabel()
        self.pending_label.setObjectName("sync_pending")
        self.last_sync_label = QLabel()
        self.last_sync_label.setObjectName("sync_last")
        self.problems_button = QPushButton()
        self.problems_button.setObjectName("sync_problems")
        self.problems_button.setFlat(True)
        self.problems_button.clicked.connect(self.inbox_requested)
        self.progress = QProgressBar()
        self.progress.setObjectName("sync_progress")
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(False)
        self.progress.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (
            self.progress,
            self.state_label,
            self.pending_label,
            self.last_sync_label,
            self.problems_button,
        ):
            layout.addWidget(widget)
        controller.state_changed.connect(self.show_status)
        controller.pending_changed.connect(self._show_pending)
        controller.progress.connect(self._on_controller_progress)
        self.retranslate()

    def show_status(self, status: SyncStatus | None) -> None:
        if status is None:  # no server yet: this copy works offline until someone signs in
            self.state_label.setText(self.tr("Not signed in"))
            self.state_label.setToolTip("")
            self._show_pending(self._controller.pending_changes)
            self.last_sync_label.setText(self.tr("Never synced"))
            self.problems_button.hide()
            self.progress.hide()
            return
        if status.stopped_reason == "sign_in_required":
            state = self.tr("Sign-in needed")
        elif status.stopped_reason == "upgrade_required":
            state = self.tr("Update needed")
        elif status.running:
            state = self.tr("Syncing…")
        elif status.online:
            state = self.tr("Online")
        else:
            state = self.tr("Offline")
        self.state_label.setText(state)
        self.state_label.setToolTip(status.last_error or "")
        self._show_pending(status.pending_changes)
        if status.last_sync_at:
            when = format_timestamp(status.last_sync_at, QLocale())
            self.last_sync_label.setText(self.tr("Last sync %1").replace("%1", when))
        else:
            self.last_sync_label.setText(self.tr("Never synced"))
        problems = status.errors + status.conflicts
        self.problems_button.setVisible(problems > 0)
        self.problems_button.setText(self.tr("%n to review", "", problems))
        if not status.running:
            self.progress.hide()

    def _show_pending(self, pending: int) -> None:
        self.pending_label.setText(
            self.tr("%n change(s) waiting", "", pending) if pending else self.tr("All changes sent")
        )

    def _on_controller_progress(self, rows: int, estimated: int) -> None:
        self.progress.show()
        if estimated > 0:
            self.progress.setRange(0, estimated)
            self.progress.setValue(min(rows, estimated))
        else:
            self.progress.setRange(0, 0)  # busy indicator while the total is unknown

    def retranslate(self) -> None:
        self.show_status(self._controller.status())

    def changeEvent(self, event: QEvent) -> None:
        retranslate_on_change(event, self.retranslate)
        super().changeEvent(event)
