"""Global search (Ctrl+K): a palette that shows matches as you type, in English, Chinese or pinyin.

Typing restarts a short debounce timer; when it fires, the query runs on the database thread
(`desktop.store.search.search`). Each query carries a sequence number, and an answer to an older
query is dropped, so fast typing never shows results for text that is no longer in the box.
Enter (or a double click) opens the chosen customer's file.

`desktop.store.search` is imported on first use, on the database thread: it loads the pinyin
tables, which would add most of a second to the app's start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QListView, QVBoxLayout, QWidget
from sqlalchemy import Engine

from desktop.ui.context import UiContext
from desktop.ui.i18n import retranslate_on_change

if TYPE_CHECKING:
    from desktop.store.search import SearchAnswer, SearchHit

DEBOUNCE_MS = 150
RESULT_LIMIT = 20
CUSTOMER_ID_ROLE = Qt.ItemDataRole.UserRole + 1

_Index = QModelIndex | QPersistentModelIndex


def search_customers(
    engine: Engine, *, query: str, limit: int, kinds: tuple[str, ...] | None = None
) -> list[SearchHit]:
    """Runs on the database thread (see the module note on the deferred import)."""
    from desktop.store.search import SEARCH_KINDS, search

    return search(engine, query=query, limit=limit, kinds=kinds or SEARCH_KINDS)


def search_everything(engine: Engine, *, query: str, limit: int) -> SearchAnswer:
    """Runs on the database thread (see the module note on the deferred import)."""
    from desktop.store.search import search_answer

    return search_answer(engine, query=query, limit=limit)


def plain_snippet(snippet: str) -> str:
    """The snippet without the match markers (the search module is loaded once hits exist)."""
    from desktop.store.search import MARK_END, MARK_START

    return snippet.replace(MARK_START, "").replace(MARK_END, "")


class SearchResultsModel(QAbstractListModel):
    """The hits of the last query: title on the first line, the matching text below."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._hits: list[SearchHit] = []

    def set_hits(self, hits: list[SearchHit]) -> None:
        self.beginResetModel()
        self._hits = list(hits)
        self.endResetModel()

    def hit(self, row: int) -> SearchHit | None:
        return self._hits[row] if 0 <= row < len(self._hits) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        hit = self.hit(index.row()) if index.isValid() else None
        if hit is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            kind = {
                "customer": self.tr("Customer"),
                "contact": self.tr("Contact"),
                "activity": self.tr("Activity"),
            }.get(hit.kind, hit.kind)
            snippet = plain_snippet(hit.snippet)
            return f"{hit.title}  ·  {kind}\n{snippet}" if snippet else f"{hit.title}  ·  {kind}"
        if role == CUSTOMER_ID_ROLE:
            return hit.customer_id
        if role == Qt.ItemDataRole.ToolTipRole:
            return hit.snippet
        return None


class SearchPaletteDialog(QDialog):
    customer_requested = Signal(str)  # the customer of the chosen hit
    results_shown = Signal(str, int)  # the query answered, number of hits
    search_failed = Signal(str)

    def __init__(self, *, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("search_palette")
        self.setModal(True)
        self.resize(560, 420)
        self._context = context
        self._sequence = 0
        self.query_edit = QLineEdit()
        self.query_edit.setObjectName("search_query")
        self.query_edit.setClearButtonEnabled(True)
        self.query_edit.installEventFilter(self)
        self.model = SearchResultsModel(self)
        self.results = QListView()
        self.results.setObjectName("search_results")
        self.results.setModel(self.model)
        self.results.setUniformItemSizes(True)
        self.results.activated.connect(self._on_results_activated)
        self.results.doubleClicked.connect(self._on_results_activated)
        self.status = QLabel()
        self.status.setObjectName("search_status")
        self.status.setWordWrap(True)  # the note while the index is built is a sentence long
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.run_query)
        self.query_edit.textChanged.connect(self._on_query_edit_text_changed)
        layout = QVBoxLayout(self)
        layout.addWidget(self.query_edit)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.status)
        self.retranslate()

    def open_palette(self) -> None:
        self.query_edit.selectAll()
        self.show()
        self.activateWindow()
        self.query_edit.setFocus()

    def run_query(self) -> None:
        """Search for what is in the box now (the debounce timer calls this)."""
        self._timer.stop()
        query = self.query_edit.text().strip()
        self._sequence += 1
        sequence = self._sequence
        if not query:
            self.model.set_hits([])
            self.status.clear()
            return
        engine = self._context.engine
        self._context.tasks.run_db(
            lambda: search_everything(engine, query=query, limit=RESULT_LIMIT),
            on_done=lambda answer: self._on_answer(sequence, query, answer),
            on_error=self._on_search_error,
            owner=self,
            description="search",
        )

    def open_selected(self) -> bool:
        index = self.results.currentIndex()
        if not index.isValid() and self.model.rowCount() > 0:
            index = self.model.index(0, 0)
        hit = self.model.hit(index.row()) if index.isValid() else None
        if hit is None:
            return False
        self.customer_requested.emit(hit.customer_id)
        self.accept()
        return True

    def _on_query_edit_text_changed(self, _text: str) -> None:
        self._sequence += 1  # an answer still on its way is for text no longer in the box
        self._timer.start()

    def _on_answer(self, sequence: int, query: str, answer: SearchAnswer) -> None:
        if sequence != self._sequence:
            return  # the text changed since this query was sent
        hits = answer.hits
        self.model.set_hits(hits)
        if hits:
            self.results.setCurrentIndex(self.model.index(0, 0))
            text = self.tr("%n result(s)", "", len(hits))
        else:
            text = self.tr("Nothing found for “%1”.").replace("%1", query)
        if answer.index_building:
            text += "\n" + self.tr(
                "The search index is built when the first sync finishes: until then only names "
                "and phone numbers are matched."
            )
        self.status.setText(text)
        self.results_shown.emit(query, len(hits))

    def _on_search_error(self, error: BaseException) -> None:
        message = self.tr("Search failed: %1").replace("%1", str(error))
        self.status.setText(message)
        self.search_failed.emit(message)

    def _on_results_activated(self, index: QModelIndex) -> None:
        self.results.setCurrentIndex(index)
        self.open_selected()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Arrow keys move through the results while the cursor stays in the query box.
        if watched is self.query_edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self._timer.isActive():
                    self.run_query()  # Enter before the debounce fired: search first
                    return True
                self.open_selected()
                return True
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.model.rowCount() > 0:
                step = 1 if key == Qt.Key.Key_Down else -1
                row = max(
                    0, min(self.model.rowCount() - 1, self.results.currentIndex().row() + step)
                )
                self.results.setCurrentIndex(self.model.index(row, 0))
                return True
        return super().eventFilter(watched, event)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Search"))
        self.query_edit.setPlaceholderText(
            self.tr("Search customers, contacts and notes (English, 中文 or pinyin)")
        )

    def changeEvent(self, event: QEvent) -> None:
        retranslate_on_change(event, self.retranslate)
        super().changeEvent(event)
