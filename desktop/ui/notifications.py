"""Reminders for due follow-ups: a desktop notification where the system has a tray, otherwise
an in-app banner, so a reminder is never silently lost on a desktop without a notification area.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QStyle,
    QSystemTrayIcon,
    QToolButton,
    QWidget,
)

from desktop.operations.day_queries import DayItem
from desktop.ui.i18n import retranslate_on_change

TRAY_MESSAGE_MS = 10_000
MAX_TITLES_LISTED = 3


class TrayLike(Protocol):
    """What the notifier needs of a `QSystemTrayIcon` (tests pass a recorder)."""

    def showMessage(
        self, title: str, msg: str, icon: QSystemTrayIcon.MessageIcon, msecs: int
    ) -> None: ...


class ReminderNotifier(QObject):
    """Announces each due follow-up once per run.

    `banner_requested(text)` fires when there is no system tray (or no tray icon was given);
    the screen that owns a `NotificationBanner` shows it.
    """

    banner_requested = Signal(str)
    announced = Signal(list)  # the DayItems just announced

    def __init__(self, *, tray_icon: TrayLike | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tray = tray_icon
        self._announced_ids: set[str] = set()

    @classmethod
    def for_desktop(cls, *, icon: QIcon, parent: QObject | None = None) -> ReminderNotifier:
        """With a tray icon where the desktop has a notification area, else banner-only."""
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return cls(parent=parent)
        tray = QSystemTrayIcon(icon, parent)
        tray.setToolTip("Fieldbook")
        tray.show()
        return cls(tray_icon=tray, parent=parent)

    @property
    def uses_tray(self) -> bool:
        return self._tray is not None

    def forget(self, record_ids: Iterable[str]) -> None:
        """Allow these to be announced again (e.g. a follow-up that was re-opened)."""
        self._announced_ids.difference_update(record_ids)

    def notify_due(self, items: Sequence[DayItem]) -> list[DayItem]:
        """Announce the items not announced before; returns them."""
        fresh = [item for item in items if item.record_id not in self._announced_ids]
        if not fresh:
            return []
        self._announced_ids.update(item.record_id for item in fresh)
        title = self.tr("%n follow-up(s) due", "", len(fresh))
        text = self._summary(fresh)
        if self._tray is not None:
            self._tray.showMessage(
                title, text, QSystemTrayIcon.MessageIcon.Information, TRAY_MESSAGE_MS
            )
        else:
            self.banner_requested.emit(self.tr("%1: %2").replace("%1", title).replace("%2", text))
        self.announced.emit(fresh)
        return fresh

    def _summary(self, items: Sequence[DayItem]) -> str:
        lines = [f"{item.customer_name} — {item.title}" for item in items[:MAX_TITLES_LISTED]]
        if len(items) > MAX_TITLES_LISTED:
            lines.append(self.tr("and %1 more").replace("%1", str(len(items) - MAX_TITLES_LISTED)))
        return "\n".join(lines)


class NotificationBanner(QFrame):
    """A dismissible strip at the top of a screen; hidden until a message arrives."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notification_banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            "#notification_banner { background: #fff8e1; border: 1px solid #f2c94c; }"
        )
        icon = QLabel()
        icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation).pixmap(16)
        )
        self.message = QLabel()
        self.message.setWordWrap(True)
        self._close = QToolButton()
        self._close.setIcon(
            QIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogCloseButton))
        )
        self._close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(icon)
        layout.addWidget(self.message, 1)
        layout.addWidget(self._close)
        self.hide()
        self.retranslate()

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.show()

    def retranslate(self) -> None:
        self._close.setToolTip(self.tr("Dismiss"))

    def changeEvent(self, event: QEvent) -> None:
        retranslate_on_change(event, self.retranslate)
        super().changeEvent(event)
