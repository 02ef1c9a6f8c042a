"""List model of one pipeline stage's deal cards, with drag and drop between stages.

Dragging a card carries its opportunity id; dropping it on another stage's list does not move any
row itself: the model emits `card_dropped(opportunity_id, stage_id)` and the board runs the move
on the database thread, then reloads. So the screen only ever shows what the replica holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QLocale,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from desktop.operations.pipeline_queries import DealCard

CARD_MIME_TYPE = "application/x-fieldbook-opportunity"
STALE_BACKGROUND = QColor("#fff4e5")
CardRole = Qt.ItemDataRole.UserRole + 1
AnyIndex = QModelIndex | QPersistentModelIndex


def format_money(amount: float, currency: str) -> str:
    locale = QLocale()
    # The "C" locale (headless machines, tests) omits thousands separators; amounts need them.
    locale.setNumberOptions(locale.numberOptions() & ~QLocale.NumberOption.OmitGroupSeparator)
    return f"{currency} {locale.toString(float(amount), 'f', 0)}".strip()


def format_compact(amount: float) -> str:
    """Short figures for bars and column heads (exact ones are in the tooltips): 万 and 亿 in
    Chinese, where people count in ten-thousands; k and M otherwise."""
    locale = QLocale()
    if locale.language() == QLocale.Language.Chinese:
        steps = ((100_000_000, "亿", 1), (10_000, "万", 0))
    else:
        steps = ((1_000_000, "M", 1), (1_000, "k", 0))
    for size, suffix, decimals in steps:
        if abs(amount) >= size:
            return f"{locale.toString(float(amount) / size, 'f', decimals)}{suffix}"
    return locale.toString(float(amount), "f", 0)


def format_percent(fraction: float) -> str:
    return f"{QLocale().toString(float(fraction) * 100, 'f', 0)} %"


class StageCardsModel(QAbstractListModel):
    card_dropped = Signal(str, str)  # opportunity id, target stage id

    def __init__(self, stage_id: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stage_id = stage_id
        self._cards: tuple[DealCard, ...] = ()

    def set_cards(self, cards: Sequence[DealCard]) -> None:
        self.beginResetModel()
        self._cards = tuple(cards)
        self.endResetModel()

    def card(self, row: int) -> DealCard:
        return self._cards[row]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 (Qt signature)
        return 0 if parent.isValid() else len(self._cards)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._cards):
            return None
        card = self._cards[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            lines = [card.name, card.customer_name, format_money(card.amount, card.currency)]
            if card.stale:
                lines.append(self.tr("No activity for a while"))
            return "\n".join(lines)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(card)
        if role == Qt.ItemDataRole.BackgroundRole and card.stale:
            return QBrush(STALE_BACKGROUND)
        if role == CardRole:
            return card
        return None

    def _tooltip(self, card: DealCard) -> str:
        parts = [
            f"{card.name} — {card.customer_name}",
            self.tr("Amount: %1").replace("%1", format_money(card.amount, card.currency)),
            self.tr("Probability: %1").replace("%1", format_percent(card.probability)),
            self.tr("Expected close: %1").replace("%1", card.expected_close or "—"),
            self.tr("Last activity: %1").replace("%1", card.last_activity_at[:10] or "—"),
        ]
        return "\n".join(parts)

    # --- drag and drop ----------------------------------------------------------------------
    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsDropEnabled  # dropping between cards lands in this stage too
        if not index.isValid():
            return base
        return (
            base
            | Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | (Qt.ItemFlag.ItemIsDragEnabled)
        )

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [CARD_MIME_TYPE]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        mime = QMimeData()
        valid = [i for i in indexes if i.isValid()]
        if valid:
            opportunity_id = self._cards[valid[0].row()].opportunity_id
            mime.setData(CARD_MIME_TYPE, QByteArray(opportunity_id.encode()))
        return mime

    def canDropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: AnyIndex,
    ) -> bool:
        if not data.hasFormat(CARD_MIME_TYPE):
            return False
        # A card dropped on its own column is not a move.
        return _opportunity_id(data) not in {card.opportunity_id for card in self._cards}

    def dropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: AnyIndex,
    ) -> bool:
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        self.card_dropped.emit(_opportunity_id(data), self.stage_id)
        # False: the view must not delete the dragged row from the source model; the board
        # reloads from the replica once the move is written.
        return False


def _opportunity_id(data: QMimeData) -> str:
    return bytes(data.data(CARD_MIME_TYPE).data()).decode()
