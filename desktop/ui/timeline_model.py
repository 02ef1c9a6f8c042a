"""A customer's activity timeline, newest first, fetched a page at a time as the list scrolls.

`canFetchMore` / `fetchMore` let the view ask for the next page when the user nears the end; the
page is read on the database thread and appended when it arrives.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from sqlalchemy import Engine

from desktop.domain.models import ActivityEntry
from desktop.operations.activities import list_activities
from desktop.ui.formatting import format_timestamp
from desktop.ui.task_runner import TaskRunner

PAGE_SIZE = 50
ACTIVITY_ID_ROLE = Qt.ItemDataRole.UserRole + 1

_Index = QModelIndex | QPersistentModelIndex


class TimelineModel(QAbstractListModel):
    page_loaded = Signal(int)  # entries held after the page arrived
    load_failed = Signal(str)

    def __init__(
        self,
        *,
        engine: Engine,
        tasks: TaskRunner,
        page_size: int = PAGE_SIZE,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._engine = engine
        self._tasks = tasks
        self._page_size = page_size
        self._customer_id: str | None = None
        self._entries: list[ActivityEntry] = []
        self._total = 0
        self._fetching = False
        self._labels: dict[str, str] = {}  # activity kind -> label
        self._user_names: dict[str, str] = {}

    def show_first_page(
        self,
        *,
        customer_id: str,
        entries: tuple[ActivityEntry, ...],
        total: int,
        kind_labels: dict[str, str] | None = None,
        user_names: dict[str, str] | None = None,
    ) -> None:
        """Start with the page the customer file already read (one query for the whole file)."""
        self.beginResetModel()
        self._customer_id = customer_id
        self._entries = list(entries)
        self._total = total
        self._fetching = False
        self._labels = kind_labels or self._labels
        self._user_names = user_names or self._user_names
        self.endResetModel()

    @property
    def total(self) -> int:
        return self._total

    def entry(self, row: int) -> ActivityEntry | None:
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._entries)

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._fetching and len(self._entries) < self._total

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent) or self._customer_id is None:
            return
        self._fetching = True
        customer_id, offset, engine = self._customer_id, len(self._entries), self._engine
        self._tasks.run_db(
            lambda: list_activities(
                engine, customer_id=customer_id, offset=offset, limit=self._page_size
            ),
            on_done=lambda page: self._on_page(customer_id, offset, page),
            on_error=self._on_error,
            owner=self,
            description="load more of the timeline",
        )

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.entry(index.row()) if index.isValid() else None
        if entry is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(entry)
        if role == ACTIVITY_ID_ROLE:
            return entry.id
        if role == Qt.ItemDataRole.ToolTipRole:
            return entry.notes or None
        return None

    def _text(self, entry: ActivityEntry) -> str:
        when = format_timestamp(entry.occurred_at, QLocale())
        kind = self._labels.get(entry.kind, entry.kind)
        who = self._user_names.get(entry.done_by or "", "")
        head = "  ·  ".join(part for part in (when, kind, who) if part)
        if entry.amended_by_id:
            head += "  " + self.tr("(corrected by a later entry)")
        lines = [head]
        if entry.subject:
            lines.append(entry.subject)
        if entry.notes:
            lines.append(entry.notes)
        if entry.next_step:
            lines.append(self.tr("Next step: %1").replace("%1", entry.next_step))
        return "\n".join(lines)

    def _on_page(
        self, customer_id: str, offset: int, page: tuple[tuple[ActivityEntry, ...], int]
    ) -> None:
        if customer_id != self._customer_id or offset != len(self._entries):
            return  # another customer is shown now, or the list was reloaded meanwhile
        self._fetching = False
        entries, total = page
        if entries:
            first = len(self._entries)
            self.beginInsertRows(QModelIndex(), first, first + len(entries) - 1)
            self._entries.extend(entries)
            self.endInsertRows()
        self._total = total if entries else len(self._entries)
        self.page_loaded.emit(len(self._entries))

    def _on_error(self, error: BaseException) -> None:
        self._fetching = False
        self.load_failed.emit(
            self.tr("The timeline could not be read: %1").replace("%1", str(error))
        )
