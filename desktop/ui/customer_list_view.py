"""The Customers screen: the lazy customer table with filters, SQL sorting and saved views."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QLocale, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.operations.customers import CustomerFilter
from desktop.ui.context import UiContext
from desktop.ui.customer_list_model import SORT_BY_COLUMN, Column, CustomerListModel
from desktop.ui.formatting import uses_chinese
from desktop.ui.i18n import retranslate_on_change
from desktop.ui.reference_data import ReferenceData, load_reference_data
from desktop.ui.saved_views import SavedView, SavedViewStore

TAG_DEBOUNCE_MS = 300
NAME_COLUMN_WIDTH = 260  # Chinese company names run long; the other columns are short


class CustomerListView(QWidget):
    customer_requested = Signal(str)  # customer id: the main window opens the customer's file
    reference_loaded = Signal(object)  # ReferenceData

    def __init__(
        self,
        *,
        context: UiContext,
        saved_views: SavedViewStore | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("customer_list_view")
        self._context = context
        self._reference = ReferenceData()
        self.saved_views = saved_views or SavedViewStore(context.settings)
        self.model = CustomerListModel(engine=context.engine, tasks=context.tasks, parent=self)

        self.owner_combo = self._filter_combo("owner_filter")
        self.team_combo = self._filter_combo("team_filter")
        self.stage_combo = self._filter_combo("stage_filter")
        self.tier_combo = self._filter_combo("tier_filter")
        self.industry_combo = self._filter_combo("industry_filter")
        self.tag_edit = QLineEdit()
        self.tag_edit.setObjectName("tag_filter")
        self._tag_timer = QTimer(self)
        self._tag_timer.setSingleShot(True)
        self._tag_timer.setInterval(TAG_DEBOUNCE_MS)
        self._tag_timer.timeout.connect(self.apply_filters)
        self.tag_edit.textChanged.connect(self._tag_timer.start)
        self.clear_button = QPushButton()
        self.clear_button.clicked.connect(self.clear_filters)

        self.views_combo = QComboBox()
        self.views_combo.setObjectName("saved_views")
        self.views_combo.activated.connect(self._on_views_combo_activated)
        self.save_view_button = QPushButton()
        self.save_view_button.clicked.connect(self._on_save_view_clicked)
        self.delete_view_button = QPushButton()
        self.delete_view_button.clicked.connect(self._on_delete_view_clicked)

        self.table = QTableView()
        self.table.setObjectName("customer_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        # Fixed row heights: the view never asks every row for its size (100,000 rows).
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().resizeSection(Column.NAME, NAME_COLUMN_WIDTH)
        self.table.horizontalHeader().setSectionsClickable(True)
        self.table.horizontalHeader().setSortIndicatorShown(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._on_header_sort_changed)
        self.table.activated.connect(self._on_table_activated)
        self.table.doubleClicked.connect(self._on_table_activated)
        self.count_label = QLabel()
        self.count_label.setObjectName("customer_count")
        self.status = QLabel()
        self.status.setObjectName("customer_list_status")
        self.status.setWordWrap(True)
        self.model.loaded.connect(self._on_model_loaded)
        self.model.load_failed.connect(self.status.setText)

        filters = QHBoxLayout()
        for widget in (
            self.owner_combo,
            self.team_combo,
            self.stage_combo,
            self.tier_combo,
            self.industry_combo,
            self.tag_edit,
            self.clear_button,
        ):
            filters.addWidget(widget)
        views = QHBoxLayout()
        self._views_label = QLabel()
        views.addWidget(self._views_label)
        views.addWidget(self.views_combo, 1)
        views.addWidget(self.save_view_button)
        views.addWidget(self.delete_view_button)
        views.addStretch(1)
        views.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.addLayout(views)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)

        self.retranslate()
        self._fill_saved_views()
        if self.saved_views.problem:
            self.status.setText(self.saved_views.problem)

    # --- public -----------------------------------------------------------------------------
    def reload(self) -> None:
        """Re-read reference data and the list (on open and after every sync), keeping the
        place in the list when its length did not change."""
        self._context.tasks.run_db(
            lambda: load_reference_data(self._context.engine),
            on_done=self._on_reference_loaded,
            on_error=lambda error: self.status.setText(str(error)),
            owner=self,
            description="load lists for the customer filters",
        )
        self.model.refresh()

    def current_filter(self) -> CustomerFilter:
        tag = self.tag_edit.text().strip()
        return CustomerFilter(
            owner_id=self.owner_combo.currentData(),
            team_id=self.team_combo.currentData(),
            lifecycle=self.stage_combo.currentData(),
            tier=self.tier_combo.currentData(),
            industry=self.industry_combo.currentData(),
            tag=tag or None,
        )

    def apply_filters(self) -> None:
        self._tag_timer.stop()
        criteria = self.current_filter()
        if criteria != self.model.criteria:
            self.model.set_filter(criteria)

    def clear_filters(self) -> None:
        self._set_filter_widgets(CustomerFilter())
        self.apply_filters()

    def save_current_view(self, name: str) -> SavedView:
        view = SavedView(
            name=name.strip(),
            criteria=self.current_filter(),
            sort=self.model.sort_key,
            descending=self.model.descending,
        )
        self.saved_views.save(view)
        self._fill_saved_views(select=view.name)
        return view

    def apply_saved_view(self, name: str) -> None:
        view = self.saved_views.get(name)
        if view is None:
            return
        self._set_filter_widgets(view.criteria)
        self.model.criteria = view.criteria
        self.model.sort_key = view.sort
        self.model.descending = view.descending
        self._show_sort_indicator()
        self.model.reload()

    # --- building ---------------------------------------------------------------------------
    def _filter_combo(self, name: str) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        combo.activated.connect(lambda _index: self.apply_filters())
        return combo

    def _fill_combo(self, combo: QComboBox, all_text: str, items: list[tuple[str, str]]) -> None:
        wanted = combo.currentData()
        combo.clear()
        combo.addItem(all_text, None)
        for value, label in items:
            combo.addItem(label, value)
        position = combo.findData(wanted) if wanted is not None else 0
        combo.setCurrentIndex(max(position, 0))

    def _fill_filter_combos(self) -> None:
        reference = self._reference
        chinese = uses_chinese(QLocale())
        self._fill_combo(
            self.owner_combo,
            self.tr("All owners"),
            [(user.id, user.display_name) for user in reference.users],
        )
        self._fill_combo(
            self.team_combo,
            self.tr("All teams"),
            [(team.id, team.name) for team in reference.teams],
        )
        for combo, kind, all_text in (
            (self.stage_combo, "lifecycle", self.tr("All stages")),
            (self.tier_combo, "tier", self.tr("All tiers")),
            (self.industry_combo, "industry", self.tr("All industries")),
        ):
            entries = reference.entries(kind)
            self._fill_combo(
                combo,
                all_text,
                [(e.value, e.label_zh if chinese else e.label_en) for e in entries],
            )

    def _set_filter_widgets(self, criteria: CustomerFilter) -> None:
        for combo, value in (
            (self.owner_combo, criteria.owner_id),
            (self.team_combo, criteria.team_id),
            (self.stage_combo, criteria.lifecycle),
            (self.tier_combo, criteria.tier),
            (self.industry_combo, criteria.industry),
        ):
            position = combo.findData(value) if value is not None else 0
            if position < 0:
                # Reference data not loaded yet (or the value left the firm's list): keep it.
                combo.addItem(value or "", value)
                position = combo.count() - 1
            combo.setCurrentIndex(position)
        self.tag_edit.blockSignals(True)
        self.tag_edit.setText(criteria.tag or "")
        self.tag_edit.blockSignals(False)

    def _fill_saved_views(self, select: str | None = None) -> None:
        self.views_combo.clear()
        self.views_combo.addItem(self.tr("(no saved view)"), None)
        for view in self.saved_views.views():
            self.views_combo.addItem(view.name, view.name)
        if select is not None:
            self.views_combo.setCurrentIndex(max(self.views_combo.findData(select), 0))
        self.delete_view_button.setEnabled(self.views_combo.currentData() is not None)

    # --- slots ------------------------------------------------------------------------------
    def _on_reference_loaded(self, reference: ReferenceData) -> None:
        self._reference = reference
        self._fill_filter_combos()
        self.model.set_labels(reference.labels(chinese=uses_chinese(QLocale())))
        self.reference_loaded.emit(reference)

    def _on_model_loaded(self, total: int) -> None:
        self.count_label.setText(self.tr("%n customer(s)", "", total))
        self.status.clear()

    def _on_header_sort_changed(self, column: int, order: Qt.SortOrder) -> None:
        if 0 <= column < len(Column) and Column(column) in SORT_BY_COLUMN:
            self.model.sort(column, order)
            return
        self._show_sort_indicator()  # not sortable in SQL: point back at the real order

    def _show_sort_indicator(self) -> None:
        column = next(
            (c for c, key in SORT_BY_COLUMN.items() if key is self.model.sort_key), Column.NAME
        )
        order = (
            Qt.SortOrder.DescendingOrder if self.model.descending else Qt.SortOrder.AscendingOrder
        )
        header = self.table.horizontalHeader()
        header.blockSignals(True)  # only the indicator moves; the model already has this order
        header.setSortIndicator(column, order)
        header.blockSignals(False)

    def _on_table_activated(self, index: QModelIndex) -> None:
        customer_id = self.model.customer_id(index.row())
        if customer_id is not None:
            self.customer_requested.emit(customer_id)

    def _on_views_combo_activated(self, _index: int) -> None:
        name = self.views_combo.currentData()
        self.delete_view_button.setEnabled(name is not None)
        if name is not None:
            self.apply_saved_view(name)

    def _on_save_view_clicked(self) -> None:
        name, accepted = QInputDialog.getText(
            self, self.tr("Save view"), self.tr("Name of this view:")
        )
        if accepted and name.strip():
            try:
                self.save_current_view(name)
            except ValueError as error:  # the settings file could not be written
                self.status.setText(str(error))

    def _on_delete_view_clicked(self) -> None:
        name = self.views_combo.currentData()
        try:
            deleted = name is not None and self.saved_views.delete(name)
        except ValueError as error:
            self.status.setText(str(error))
            return
        if deleted:
            self._fill_saved_views()

    # --- language ---------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.tag_edit.setPlaceholderText(self.tr("Tag"))
        self.clear_button.setText(self.tr("Clear filters"))
        self._views_label.setText(self.tr("View:"))
        self.save_view_button.setText(self.tr("Save view…"))
        self.delete_view_button.setText(self.tr("Delete view"))
        self._fill_filter_combos()
        if self.views_combo.count():
            self.views_combo.setItemText(0, self.tr("(no saved view)"))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(Column) - 1)
        self._on_model_loaded(self.model.total)

    def changeEvent(self, event: QEvent) -> None:
        retranslate_on_change(event, self.retranslate)
        super().changeEvent(event)
