"""The customer table's model: lazy over indexed SQL, smooth at 100,000 rows.

The model never holds the whole list. A reload asks the database thread for the first page and
the total (`list_customers`); `rowCount` is the total, so the scroll bar is right at once. When the
view paints a row whose page is not cached, `data` answers a placeholder and queues that page on
the database thread; when it arrives, `dataChanged` repaints it. Pages are kept in a small LRU
window, so scrolling through 100,000 rows holds a few thousand in memory.

Filtering and sorting happen in SQL (`CustomerFilter`, `CustomerSort`), never in a proxy model.
A generation number drops pages that arrive after the filter or sort changed.

One page is read at a time, newest request first, and only the last few requests are kept: a fast
drag of the scroll bar across 100,000 rows asks for dozens of pages the view has already left,
and reading those first would keep the rows now on screen waiting.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from sqlalchemy import Engine

from desktop.domain.models import CustomerPage, CustomerSummary
from desktop.operations.customers import CustomerFilter, CustomerSort, list_customers
from desktop.ui.formatting import display_phone, format_timestamp
from desktop.ui.task_runner import TaskRunner

DEFAULT_PAGE_SIZE = 200
MAX_CACHED_PAGES = 40  # 8,000 rows at the default page size
MAX_WANTED_PAGES = 4  # a screen shows at most two pages; older requests are stale
ID_ROLE = Qt.ItemDataRole.UserRole + 1

_Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    NAME = 0
    INDUSTRY = 1
    OWNER = 2
    LIFECYCLE = 3
    TIER = 4
    TAGS = 5
    LAST_CONTACT = 6
    PHONE = 7


# Columns the SQL can sort by; the others keep the current order when their header is clicked.
SORT_BY_COLUMN: dict[Column, CustomerSort] = {
    Column.NAME: CustomerSort.NAME,
    Column.INDUSTRY: CustomerSort.INDUSTRY,
    Column.LIFECYCLE: CustomerSort.LIFECYCLE,
    Column.TIER: CustomerSort.TIER,
}


class CustomerListModel(QAbstractTableModel):
    loaded = Signal(int)  # the total after a reload
    page_loaded = Signal(int)  # page number, after it arrived and was painted
    load_failed = Signal(str)

    def __init__(
        self,
        *,
        engine: Engine,
        tasks: TaskRunner,
        page_size: int = DEFAULT_PAGE_SIZE,
        labels: dict[str, dict[str, str]] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._engine = engine
        self._tasks = tasks
        self._page_size = page_size
        self._labels = labels or {}  # picklist kind -> value -> label shown
        self.criteria = CustomerFilter()
        self.sort_key = CustomerSort.NAME
        self.descending = False
        self._total = 0
        self._pages: OrderedDict[int, tuple[CustomerSummary, ...]] = OrderedDict()
        self._wanted: list[int] = []  # pages the view asked for, most recent last
        self._in_flight: int | None = None  # the page being read now
        self._generation = 0

    # --- what to show -----------------------------------------------------------------------
    def set_filter(self, criteria: CustomerFilter) -> None:
        self.criteria = criteria
        self.reload()

    def set_labels(self, labels: dict[str, dict[str, str]]) -> None:
        """Display labels of picklist values (industry, lifecycle, tier) in the UI language."""
        self._labels = labels
        if self._total:
            self.dataChanged.emit(self.index(0, 0), self.index(self._total - 1, len(Column) - 1))

    def reload(self) -> None:
        """Start over from the first page (after a filter or sort change, or a sync)."""
        self._generation += 1
        self._wanted = []
        self._in_flight = 0
        generation = self._generation
        self._fetch(offset=0, on_done=lambda page: self._on_first_page(generation, page))

    def refresh(self) -> None:
        """Read the list again (after a sync, or coming back from a customer's file) without
        losing the place: when the number of rows is unchanged the view keeps its scroll
        position and only repaints; otherwise it starts over like `reload`."""
        self._generation += 1
        self._wanted = []
        self._in_flight = 0
        generation = self._generation
        self._fetch(offset=0, on_done=lambda page: self._on_refreshed(generation, page))

    def customer_id(self, row: int) -> str | None:
        summary = self._summary(row)
        return None if summary is None else summary.id

    def summary(self, row: int) -> CustomerSummary | None:
        return self._summary(row)

    @property
    def total(self) -> int:
        return self._total

    # --- Qt model interface -----------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if not 0 <= section < len(Column):
            return None
        return self._header(Column(section))

    def _header(self, column: Column) -> str:
        headers = {
            Column.NAME: self.tr("Name"),
            Column.INDUSTRY: self.tr("Industry"),
            Column.OWNER: self.tr("Owner"),
            Column.LIFECYCLE: self.tr("Stage"),
            Column.TIER: self.tr("Tier"),
            Column.TAGS: self.tr("Tags"),
            Column.LAST_CONTACT: self.tr("Last contact"),
            Column.PHONE: self.tr("Phone"),
        }
        return headers[column]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self._total:
            return None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, ID_ROLE):
            return None
        summary = self._summary(index.row())
        if summary is None:
            return self.tr("Loading…") if role == Qt.ItemDataRole.DisplayRole else None
        if role == ID_ROLE:
            return summary.id
        return self._cell(summary, Column(index.column()))

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = SORT_BY_COLUMN.get(Column(column)) if 0 <= column < len(Column) else None
        if key is None:
            return  # not sortable in SQL; keep the order the list has
        self.sort_key = key
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.reload()

    # --- internals --------------------------------------------------------------------------
    def _cell(self, summary: CustomerSummary, column: Column) -> str:
        if column is Column.NAME:
            return summary.name
        if column is Column.INDUSTRY:
            return self._label("industry", summary.industry)
        if column is Column.OWNER:
            return summary.owner_name
        if column is Column.LIFECYCLE:
            return self._label("lifecycle", summary.lifecycle)
        if column is Column.TIER:
            return self._label("tier", summary.tier)
        if column is Column.TAGS:
            return ", ".join(summary.tags)
        if column is Column.LAST_CONTACT:
            return format_timestamp(summary.last_contact_at, QLocale())
        return display_phone(summary.phone)

    def _label(self, kind: str, value: str) -> str:
        return self._labels.get(kind, {}).get(value, value)

    def _summary(self, row: int) -> CustomerSummary | None:
        page_number, offset = divmod(row, self._page_size)
        page = self._pages.get(page_number)
        if page is None:
            self._request_page(page_number)
            return None
        self._pages.move_to_end(page_number)
        return page[offset] if offset < len(page) else None

    def _request_page(self, page_number: int) -> None:
        if page_number == self._in_flight:
            return
        if page_number in self._wanted:
            self._wanted.remove(page_number)
        self._wanted.append(page_number)
        del self._wanted[:-MAX_WANTED_PAGES]  # the view has scrolled past the older ones
        self._read_next_page()

    def _read_next_page(self) -> None:
        if self._in_flight is not None or not self._wanted:
            return
        page_number = self._wanted.pop()  # the newest request: what is on screen now
        self._in_flight = page_number
        generation = self._generation
        # The filter has not changed since the first page counted it: skip the count query.
        self._fetch(
            offset=page_number * self._page_size,
            on_done=lambda page: self._on_page(generation, page_number, page),
            known_total=self._total,
        )

    def _fetch(
        self,
        *,
        offset: int,
        on_done: Callable[[CustomerPage], None],
        known_total: int | None = None,
    ) -> None:
        """One page; `known_total` None counts the rows again (a new filter, or a refresh)."""
        engine, page_size = self._engine, self._page_size
        criteria, sort, descending = self.criteria, self.sort_key, self.descending
        self._tasks.run_db(
            lambda: list_customers(
                engine,
                criteria=criteria,
                sort=sort,
                descending=descending,
                offset=offset,
                limit=page_size,
                known_total=known_total,
            ),
            on_done=on_done,
            on_error=self._on_load_error,
            owner=self,
            description="load customers",
        )

    def _on_first_page(self, generation: int, page: CustomerPage) -> None:
        if generation != self._generation:
            return
        self.beginResetModel()
        self._pages.clear()
        self._pages[0] = page.rows
        self._in_flight = None
        self._total = page.total
        self.endResetModel()
        self.loaded.emit(self._total)
        self.page_loaded.emit(0)
        self._read_next_page()

    def _on_refreshed(self, generation: int, page: CustomerPage) -> None:
        if generation != self._generation:
            return
        if page.total != self._total:
            self._on_first_page(generation, page)
            return
        self._pages.clear()
        self._pages[0] = page.rows
        self._in_flight = None
        if self._total:
            # Rows on screen are asked for again as they repaint; no reset, so no jump to the top.
            self.dataChanged.emit(self.index(0, 0), self.index(self._total - 1, len(Column) - 1))
        self.loaded.emit(self._total)
        self.page_loaded.emit(0)
        self._read_next_page()

    def _on_page(self, generation: int, page_number: int, page: CustomerPage) -> None:
        if generation != self._generation:
            return
        self._in_flight = None
        expected = min(self._page_size, self._total - page_number * self._page_size)
        if len(page.rows) != expected:
            # Pages reuse the first page's count, so a short page is how a removal shows: a
            # sync took customers away meanwhile. Start over rather than misplace rows.
            # (Additions arrive with the refresh after every sync, which counts again.)
            self.reload()
            return
        self._pages[page_number] = page.rows
        while len(self._pages) > MAX_CACHED_PAGES:
            self._pages.popitem(last=False)
        first = page_number * self._page_size
        last = min(first + len(page.rows), self._total) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(Column) - 1))
        self.page_loaded.emit(page_number)
        self._read_next_page()

    def _on_load_error(self, error: BaseException) -> None:
        # Nothing is retried by itself: the next paint asks again, and "reload" starts over.
        self._in_flight = None
        self._wanted = []
        message = self.tr("The customer list could not be read: %1").replace("%1", str(error))
        self.load_failed.emit(message)
