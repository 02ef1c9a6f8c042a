"""A read-only in-memory table whose columns are named by keys in `COLUMNS`.

The audit log, the ownership history and the hand-over plan all hold a short list of rows and
label their columns from a key -> text table; this base holds the row/column counting, the bounds
checks and the header lookup they used to spell out each.

The header texts stay in each subclass (`column_labels`), so `self.tr` keeps the subclass as its
translation context and the existing translations still match.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

ModelIndex = QModelIndex | QPersistentModelIndex
R = TypeVar("R")


class NamedColumnsTableModel(QAbstractTableModel, Generic[R]):
    COLUMNS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[R] = []

    def column_labels(self) -> dict[str, str]:
        """Header text per column key; called on each paint so a language switch shows at once."""
        raise NotImplementedError

    def row_at(self, index: ModelIndex) -> R | None:
        """The row behind `index`, or None for an invalid or stale index."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        return self._rows[index.row()]

    def column_key(self, index: ModelIndex) -> str:
        return self.COLUMNS[index.column()]

    def replace_rows(self, rows: list[R]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    # --- Qt model interface -----------------------------------------------------------------
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        if not 0 <= section < len(self.COLUMNS):
            return None
        return self.column_labels()[self.COLUMNS[section]]
