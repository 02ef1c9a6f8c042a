"""The lease lock: customer screens disappear behind a lock screen once the offline lease expires.

`LeaseGate` is a stacked widget that holds the app's customer-data area and the lock screen. It
re-checks the lease on a timer and whenever a sync finishes (`refresh`); while locked the data area
is not merely covered but swapped out of the stack's visible page, and the lock screen offers the
only ways out: sign in, or sync now. The lease decision itself lives in `desktop.operations.lease`.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.operations.lease import LeaseState, LeaseStatus, OfflineLease
from desktop.ui.i18n import retranslate_on_change

RECHECK_INTERVAL_MS = 60_000  # the lease is counted in days: a minute's delay is harmless


class LeaseLockWidget(QWidget):
    """What a locked laptop shows instead of customer data."""

    sign_in_requested = Signal()
    sync_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("leaseLock")
        self.title = QLabel()
        self.title.setObjectName("leaseLockTitle")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.sign_in_button = QPushButton()
        self.sync_button = QPushButton()
        self.sign_in_button.clicked.connect(self.sign_in_requested)
        self.sync_button.clicked.connect(self.sync_requested)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.sign_in_button)
        buttons.addWidget(self.sync_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.title)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self._retranslate()

    def _retranslate(self) -> None:
        self.title.setText(self.tr("Customer data is locked"))
        self.sign_in_button.setText(self.tr("Sign in…"))
        self.sync_button.setText(self.tr("Sync now"))

    def show_status(self, status: LeaseStatus) -> None:
        self.message.setText(status.message)

    def set_busy(self, busy: bool) -> None:
        """While a sync runs the buttons wait, so a second click does not start another one."""
        self.sync_button.setEnabled(not busy)
        self.sign_in_button.setEnabled(not busy)
        self.sync_button.setText(self.tr("Syncing…") if busy else self.tr("Sync now"))

    def changeEvent(self, event: QEvent) -> None:
        retranslate_on_change(event, self._retranslate)
        super().changeEvent(event)


class LeaseGate(QStackedWidget):
    """Shows `content` while the lease is open and the lock screen while it is locked."""

    locked = Signal(str)  # the lock message
    unlocked = Signal()
    expiring = Signal(str)  # the warning, for the status bar

    def __init__(
        self,
        *,
        lease: OfflineLease,
        content: QWidget,
        parent: QWidget | None = None,
        recheck_interval_ms: int = RECHECK_INTERVAL_MS,
    ) -> None:
        super().__init__(parent)
        self.lease = lease
        self.content = content
        self.lock_screen = LeaseLockWidget()
        self.addWidget(content)
        self.addWidget(self.lock_screen)
        self.status: LeaseStatus | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(recheck_interval_ms)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    @property
    def is_locked(self) -> bool:
        return self.currentWidget() is self.lock_screen

    @Slot()
    def refresh(self, *_ignored: object) -> LeaseStatus:
        """Re-evaluate the lease; connect `SyncController.sync_finished` here (a failed sync
        changes nothing, a successful one moves the last sync time)."""
        status = self.lease.status()
        was_locked = self.is_locked
        self.status = status
        if status.locked:
            self.lock_screen.show_status(status)
            self.setCurrentWidget(self.lock_screen)
            # Hidden, not just covered: nothing of the data area can take focus or be grabbed.
            self.content.setEnabled(False)
            if not was_locked:
                self.locked.emit(status.message)
        else:
            self.content.setEnabled(True)
            self.setCurrentWidget(self.content)
            if was_locked:
                self.unlocked.emit()
            if status.state is LeaseState.EXPIRING:
                self.expiring.emit(status.message)
        return status

    @Slot(bool)
    def set_sync_running(self, running: bool) -> None:
        self.lock_screen.set_busy(running)
