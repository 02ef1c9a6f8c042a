"""The pipeline board: one column per stage, deal cards dragged between columns, totals per
column, stale deals marked, a weighted forecast chart, and Ctrl+Z for the last move.

Every read and write runs on the database thread through the task runner; the board redraws
from what the replica returns, so a failed move shows an error and the card stays where it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from desktop.operations.pipeline_queries import (
    Board,
    DealCard,
    MonthForecast,
    PipelineInfo,
    StageColumn,
    StageMove,
    list_pipelines,
    load_board,
    move_opportunity_stage,
    undo_stage_move,
    weighted_forecast_by_month,
)
from desktop.settings import SettingsError
from desktop.ui.context import UiContext
from desktop.ui.i18n import retranslate_on_change
from desktop.ui.pipeline_chart import ForecastChartWidget
from desktop.ui.pipeline_model import (
    StageCardsModel,
    format_compact,
    format_money,
    format_percent,
)

COLUMN_WIDTH = 230
STALE_DAYS_SETTING = "ui.pipeline_stale_days"
MAX_STALE_DAYS = 365


@dataclass(frozen=True)
class BoardSnapshot:
    pipelines: tuple[PipelineInfo, ...]
    board: Board | None
    forecast: tuple[MonthForecast, ...]


def read_board_snapshot(
    engine: Engine,
    *,
    pipeline_id: str | None,
    today: date,
    stale_after_days: int,
    owner_id: str | None,
) -> BoardSnapshot:
    """One database-thread read: the pipelines and the chosen (or first) pipeline's board."""
    with engine.connect() as connection:
        pipelines = tuple(list_pipelines(connection))
        known = {p.pipeline_id for p in pipelines}
        chosen = (
            pipeline_id
            if pipeline_id in known
            else (pipelines[0].pipeline_id if pipelines else None)
        )
        if chosen is None:
            return BoardSnapshot(pipelines, None, ())
        board = load_board(
            connection,
            pipeline_id=chosen,
            today=today,
            stale_after_days=stale_after_days,
            owner_id=owner_id,
        )
    return BoardSnapshot(pipelines, board, tuple(weighted_forecast_by_month(board)))


def write_stage_move(engine: Engine, *, opportunity_id: str, stage_id: str) -> StageMove | None:
    with engine.begin() as connection:
        return move_opportunity_stage(connection, opportunity_id=opportunity_id, stage_id=stage_id)


def write_undo(engine: Engine, *, move: StageMove) -> StageMove:
    with engine.begin() as connection:
        undo_stage_move(connection, move=move)
    return move


class CardDelegate(QStyledItemDelegate):
    """Sizes each card to its wrapped text at the list's current width. The default hint is
    computed before the text wraps, which cut the last lines off cards with long names."""

    TEXT_MARGIN = 6  # the style's text margins plus the card's frame, on each side

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self._view = view

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        width = self._view.viewport().width() - 2 * self._view.spacing()
        text_width = max(width - 2 * self.TEXT_MARGIN, 40)
        bounds = option.fontMetrics.boundingRect(
            QRect(0, 0, text_width, 100_000), Qt.TextFlag.TextWordWrap, text
        )
        return QSize(width, bounds.height() + 2 * self.TEXT_MARGIN)


class StageColumnWidget(QFrame):
    """One stage: its name and probability, the totals, and a list of cards."""

    def __init__(self, model: StageCardsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFixedWidth(COLUMN_WIDTH)
        self.model = model
        self.header = QLabel()
        self.header.setStyleSheet("font-weight: bold;")
        self.header.setWordWrap(True)
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.list = QListView()
        self.list.setObjectName(f"stage_list_{model.stage_id}")
        self.list.setModel(model)
        self.list.setDragEnabled(True)
        self.list.setAcceptDrops(True)
        self.list.setDropIndicatorShown(True)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setSpacing(3)
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(False)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)  # re-wrap cards when resized
        # A frame makes each item read as a card. No padding: the item's height is computed
        # without it, so padding would cut off the last line.
        self.list.setStyleSheet("QListView::item { border: 1px solid #d6d6d6; }")
        self.list.setItemDelegate(CardDelegate(self.list))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.header)
        layout.addWidget(self.totals)
        layout.addWidget(self.list, 1)

    def show_column(self, column: StageColumn, *, deals_text: str, weighted_text: str) -> None:
        self.header.setText(f"{column.name}  ·  {format_percent(column.probability)}")
        # Compact figures fit the column; the exact ones are in the tooltip.
        lines, exact = [deals_text.replace("%1", str(len(column.cards)))], []
        for total in column.totals:
            lines.append(
                f"{total.currency} {format_compact(total.amount)}  ·  "
                + weighted_text.replace("%1", format_compact(total.weighted))
            )
            exact.append(
                f"{format_money(total.amount, total.currency)}  ·  "
                + weighted_text.replace("%1", format_money(total.weighted, total.currency))
            )
        self.totals.setText("\n".join(lines))
        self.totals.setToolTip("\n".join(exact))
        self.model.set_cards(column.cards)


class PipelineView(QWidget):
    stage_moved = Signal(object)  # StageMove, after it was written
    board_loaded = Signal(object)  # Board (None when the firm has no pipeline yet)
    move_failed = Signal(str)
    customer_requested = Signal(str)  # customer id: the main window opens the customer's file

    def __init__(
        self,
        *,
        context: UiContext,
        today: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("pipeline_view")
        self._engine = context.engine
        self._tasks = context.tasks
        # Colleagues' changes arrive with a sync: redraw then, so the board never goes stale.
        context.sync.sync_finished.connect(self._on_sync_finished)
        self._user_id = context.user_id
        self._settings = context.settings
        self._today = today  # fixed only for tests and screenshots; None means the real today
        self._pipeline_id: str | None = None
        self._last_move: StageMove | None = None
        self._snapshot: BoardSnapshot | None = None
        self.columns: list[StageColumnWidget] = []

        self._title = QLabel()
        self._title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self._pipeline_label = QLabel()
        self.pipeline_box = QComboBox()
        self.pipeline_box.currentIndexChanged.connect(self._on_pipeline_box_changed)
        # A team head's replica holds the whole team's deals: let them narrow it to their own.
        self.mine_box = QCheckBox()
        self.mine_box.setObjectName("only_my_deals")
        self.mine_box.setVisible(self._user_id is not None)
        self.mine_box.toggled.connect(lambda _checked: self.reload())
        # How long a deal may go without activity before it is marked: the user's (or IT's preset)
        # setting, changed right here where its effect shows.
        self._stale_label = QLabel()
        self.stale_days_box = QSpinBox()
        self.stale_days_box.setObjectName("stale_days_box")
        self.stale_days_box.setRange(1, MAX_STALE_DAYS)
        self.stale_days_box.setValue(self._configured_stale_days())
        self.stale_days_box.setEnabled(not self._settings.is_locked(STALE_DAYS_SETTING))
        self.stale_days_box.valueChanged.connect(self._on_stale_days_changed)
        self.undo_button = QPushButton()
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self.undo_last_move)
        self.status = QLabel()
        self.status.setObjectName("pipeline_status")
        self.status.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self._title)
        top.addStretch(1)
        top.addWidget(self._pipeline_label)
        top.addWidget(self.pipeline_box)
        top.addWidget(self.mine_box)
        top.addWidget(self._stale_label)
        top.addWidget(self.stale_days_box)
        top.addWidget(self.undo_button)

        self._columns_host = QWidget()
        self._columns_layout = QHBoxLayout(self._columns_host)
        self._columns_layout.setContentsMargins(0, 0, 0, 0)
        self._columns_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._columns_host)
        scroll.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.empty_label = QLabel()
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.hide()
        self.chart = ForecastChartWidget()

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.empty_label)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.chart)
        self.retranslate()

    # --- loading ------------------------------------------------------------------------------
    def reload(self) -> None:
        today = self._today or date.today()
        engine, pipeline_id = self._engine, self._pipeline_id
        stale = self.stale_days_box.value()
        owner = self._user_id if self.mine_box.isChecked() else None
        self._tasks.run_db(
            lambda: read_board_snapshot(
                engine,
                pipeline_id=pipeline_id,
                today=today,
                stale_after_days=stale,
                owner_id=owner,
            ),
            on_done=self._on_snapshot_loaded,
            on_error=self._on_task_failed,
            owner=self,
            description="load pipeline board",
        )

    def _configured_stale_days(self) -> int:
        # Settings are typed and checked (at least 1) when read: only the box's top can cut it.
        return min(int(self._settings.get(STALE_DAYS_SETTING)), MAX_STALE_DAYS)

    def _on_stale_days_changed(self, days: int) -> None:
        try:
            self._settings.set(STALE_DAYS_SETTING, days)
        except (SettingsError, OSError) as error:
            # The board still uses the new number for this session; say it was not kept.
            self.status.setText(
                self.tr("Could not keep this setting: %1").replace("%1", str(error))
            )
        self.reload()

    def _on_sync_finished(self, _status: object) -> None:
        self.reload()

    def _on_snapshot_loaded(self, snapshot: BoardSnapshot) -> None:
        self._snapshot = snapshot
        self._fill_pipeline_box(snapshot.pipelines, snapshot.board)
        board = snapshot.board
        self._pipeline_id = board.pipeline_id if board else None
        self.empty_label.setVisible(board is None)
        self._show_columns(board)
        self.chart.set_forecast(snapshot.forecast)
        self.board_loaded.emit(board)

    def _fill_pipeline_box(self, pipelines: tuple[PipelineInfo, ...], board: Board | None) -> None:
        self.pipeline_box.blockSignals(True)  # refilling is not a user's choice
        try:
            self.pipeline_box.clear()
            for pipeline in pipelines:
                self.pipeline_box.addItem(pipeline.name, pipeline.pipeline_id)
            if board is not None:
                self.pipeline_box.setCurrentIndex(self.pipeline_box.findData(board.pipeline_id))
        finally:
            self.pipeline_box.blockSignals(False)
        self.pipeline_box.setVisible(len(pipelines) > 1)
        self._pipeline_label.setVisible(len(pipelines) > 1)

    def _show_columns(self, board: Board | None) -> None:
        stage_ids = [column.stage_id for column in board.columns] if board else []
        if stage_ids != [widget.model.stage_id for widget in self.columns]:
            self._rebuild_columns(stage_ids)
        if board is None:
            return
        for widget, column in zip(self.columns, board.columns, strict=True):
            widget.show_column(
                column, deals_text=self.tr("%1 deal(s)"), weighted_text=self.tr("weighted %1")
            )

    def _rebuild_columns(self, stage_ids: list[str]) -> None:
        for widget in self.columns:
            self._columns_layout.removeWidget(widget)
            widget.deleteLater()
        self.columns = []
        for position, stage_id in enumerate(stage_ids):
            model = StageCardsModel(stage_id, self)
            model.card_dropped.connect(self._on_model_card_dropped)
            widget = StageColumnWidget(model)
            # Dragging needs a mouse: the context menu (or the menu key) moves a deal too.
            widget.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            widget.list.customContextMenuRequested.connect(
                partial(self._on_list_context_menu_requested, widget)
            )
            widget.list.activated.connect(partial(self._on_list_activated, widget))
            self._columns_layout.insertWidget(position, widget)
            self.columns.append(widget)

    def card_menu(self, card: DealCard) -> QMenu:
        """Actions on one card: open its customer, or move it to any other stage."""
        menu = QMenu(self)
        menu.setObjectName("card_menu")
        open_action = menu.addAction(self.tr("Open customer"))
        open_action.triggered.connect(lambda: self.customer_requested.emit(card.customer_id))
        move_menu = menu.addMenu(self.tr("Move to"))
        board = self._snapshot.board if self._snapshot else None
        for column in board.columns if board else ():
            if any(c.opportunity_id == card.opportunity_id for c in column.cards):
                continue  # the card's own stage
            action = move_menu.addAction(f"{column.name}  ·  {format_percent(column.probability)}")
            action.setData(column.stage_id)
            action.triggered.connect(
                lambda _checked=False, stage_id=column.stage_id: self.move_card(
                    opportunity_id=card.opportunity_id, stage_id=stage_id
                )
            )
        return menu

    def _on_list_context_menu_requested(self, widget: StageColumnWidget, position: QPoint) -> None:
        index = widget.list.indexAt(position)
        if not index.isValid():
            return
        menu = self.card_menu(widget.model.card(index.row()))
        menu.exec(widget.list.viewport().mapToGlobal(position))
        menu.deleteLater()

    def _on_list_activated(self, widget: StageColumnWidget, index: QModelIndex) -> None:
        """Enter or double-click on a card opens its customer."""
        if index.isValid():
            self.customer_requested.emit(widget.model.card(index.row()).customer_id)

    def _on_pipeline_box_changed(self, index: int) -> None:
        if index >= 0:
            self._pipeline_id = self.pipeline_box.itemData(index)
            self.reload()

    # --- moving cards -------------------------------------------------------------------------
    def move_card(self, *, opportunity_id: str, stage_id: str) -> None:
        """What a drop does; public so keyboard users (and tests) can move a deal too."""
        engine = self._engine
        self._tasks.run_db(
            lambda: write_stage_move(engine, opportunity_id=opportunity_id, stage_id=stage_id),
            on_done=self._on_move_written,
            on_error=self._on_task_failed,
            owner=self,
            description="move deal to another stage",
        )

    def _on_model_card_dropped(self, opportunity_id: str, stage_id: str) -> None:
        self.move_card(opportunity_id=opportunity_id, stage_id=stage_id)

    def _on_move_written(self, move: StageMove | None) -> None:
        if move is not None:
            self._last_move = move
            self.undo_button.setEnabled(True)
            self.status.setText(self.tr("Deal moved. Press Ctrl+Z to undo."))
            self.stage_moved.emit(move)
        self.reload()

    def undo_last_move(self) -> None:
        """Ctrl+Z: put the last moved deal back where it was (once)."""
        move = self._last_move
        if move is None:
            self.status.setText(self.tr("Nothing to undo."))
            return
        self._last_move = None
        self.undo_button.setEnabled(False)
        engine = self._engine
        self._tasks.run_db(
            lambda: write_undo(engine, move=move),
            on_done=self._on_undo_written,
            on_error=self._on_task_failed,
            owner=self,
            description="undo stage move",
        )

    def _on_undo_written(self, _move: StageMove) -> None:
        self.status.setText(self.tr("Move undone."))
        self.reload()

    def _on_task_failed(self, error: BaseException) -> None:
        message = self.tr("Could not update the board: %1").replace("%1", str(error))
        self.status.setText(message)
        self.move_failed.emit(message)

    # --- language -----------------------------------------------------------------------------
    def retranslate(self) -> None:
        self._title.setText(self.tr("Pipeline"))
        self._pipeline_label.setText(self.tr("Pipeline:"))
        self.mine_box.setText(self.tr("Only my deals"))
        self._stale_label.setText(self.tr("Stale after (days):"))
        self.stale_days_box.setToolTip(
            self.tr("Open deals with no activity for this many days are marked as going stale.")
        )
        self.undo_button.setText(self.tr("Undo last move"))
        self.undo_button.setToolTip(self.tr("Ctrl+Z"))
        self.empty_label.setText(
            self.tr("No pipeline is set up yet. Your administrator defines the stages.")
        )
        if self._snapshot is not None:
            self._show_columns(self._snapshot.board)

    def changeEvent(self, event: QEvent) -> None:
        retranslate_on_change(event, self.retranslate)
        super().changeEvent(event)
