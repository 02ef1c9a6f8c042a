"""Table model of one "My day" section (overdue, today, or planned visits).

Rows are the frozen `DayItem`s the database thread returned; the model never queries anything
itself, so it can be refreshed by swapping in a new tuple.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QDateTime,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont

from desktop.operations.day_queries import DayItem

OVERDUE_COLOUR = QColor("#b3261e")
ItemRole = Qt.ItemDataRole.UserRole + 1  # the row's DayItem, for the view's actions
AnyIndex = QModelIndex | QPersistentModelIndex


def local_time(iso_utc: str) -> QDateTime:
    return QDateTime.fromString(iso_utc, Qt.DateFormat.ISODate).toLocalTime()


def format_due(iso_utc: str, *, with_date: bool) -> str:
    """Local, locale-formatted time (with the date for overdue items)."""
    moment = local_time(iso_utc)
    if not moment.isValid():
        return iso_utc
    locale = QLocale()
    if with_date:
        return locale.toString(moment, QLocale.FormatType.ShortFormat)
    return locale.toString(moment.time(), QLocale.FormatType.ShortFormat)


def priority_label(priority: str) -> str:
    labels = {
        "high": QCoreApplication.translate("MyDayModel", "High"),
        "normal": QCoreApplication.translate("MyDayModel", "Normal"),
        "low": QCoreApplication.translate("MyDayModel", "Low"),
    }
    return labels.get(priority, priority)


class MyDayModel(QAbstractTableModel):
    COLUMNS = ("due", "customer", "title", "priority")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: tuple[DayItem, ...] = ()

    def set_items(self, items: Sequence[DayItem]) -> None:
        self.beginResetModel()
        self._items = tuple(items)
        self.endResetModel()

    def items(self) -> tuple[DayItem, ...]:
        return self._items

    def item(self, row: int) -> DayItem:
        return self._items[row]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 (Qt signature)
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if not 0 <= section < len(self.COLUMNS):
            return None
        titles = {
            "due": self.tr("Due"),
            "customer": self.tr("Customer"),
            "title": self.tr("What"),
            "priority": self.tr("Priority"),
        }
        return titles[self.COLUMNS[section]]

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(item, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{item.customer_name}: {item.title}"
        if role == Qt.ItemDataRole.ForegroundRole and item.overdue:
            return QBrush(OVERDUE_COLOUR)
        if role == Qt.ItemDataRole.FontRole and item.priority == "high":
            font = QFont()
            font.setBold(True)
            return font
        if role == ItemRole:
            return item
        return None

    def _display(self, item: DayItem, column: str) -> str:
        if column == "due":
            return format_due(item.due_at, with_date=item.overdue)
        if column == "customer":
            return item.customer_name
        if column == "title":
            return item.title
        return priority_label(item.priority)
