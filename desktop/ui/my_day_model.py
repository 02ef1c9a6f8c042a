"""Table model of one "My day" section (overdue, today, or planned visits).

Rows are the frozen `DayItem`s the database thread returned; the model never queries anything
itself, so it can be refreshed by swapping in a new tuple.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QDateTime,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont

from desktop.operations.day_queries import DayItem
from desktop.ui.named_columns_model import NamedColumnsTableModel

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


class MyDayModel(NamedColumnsTableModel[DayItem]):
    COLUMNS = ("due", "customer", "title", "priority")

    def set_items(self, items: Sequence[DayItem]) -> None:
        self.replace_rows(list(items))

    def items(self) -> tuple[DayItem, ...]:
        return tuple(self._rows)

    def item(self, row: int) -> DayItem:
        return self._rows[row]

    def column_labels(self) -> dict[str, str]:
        return {
            "due": self.tr("Due"),
            "customer": self.tr("Customer"),
            "title": self.tr("What"),
            "priority": self.tr("Priority"),
        }

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.row_at(index)
        if item is None:
            return None
        column = self.column_key(index)
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
