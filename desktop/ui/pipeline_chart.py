"""A small painted bar chart of the weighted forecast by expected-close month.

QtCharts is not part of PySide6-Essentials (the wheel the app ships), so the bars are painted
with QPainter: a few dozen lines instead of a second large dependency.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.operations.pipeline_queries import MonthForecast
from desktop.ui.i18n import retranslate_on_change
from desktop.ui.pipeline_model import format_compact

BAR_COLOUR = QColor("#3b7dd8")
AXIS_COLOUR = QColor("#888888")
MARGIN = 8
LABEL_HEIGHT = 18
MIN_LABEL_WIDTH = 64  # px a "2026-11" label needs


class ForecastChartWidget(QWidget):
    """Bars of one currency's weighted forecast per month (the board picks the currency)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("forecast_chart")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(150)
        self._currency = ""
        self._months: list[tuple[str, float]] = []
        self._title = ""
        self.retranslate()

    def set_forecast(self, forecast: Sequence[MonthForecast]) -> None:
        """Show the currency with the largest weighted total (others are listed in the tip)."""
        by_currency: dict[str, float] = {}
        for entry in forecast:
            by_currency[entry.currency] = by_currency.get(entry.currency, 0.0) + entry.weighted
        self._currency = max(by_currency, key=lambda c: by_currency[c]) if by_currency else ""
        self._months = _every_month(
            [
                (entry.month, entry.weighted)
                for entry in forecast
                if entry.currency == self._currency
            ]
        )
        others = [c for c in sorted(by_currency) if c != self._currency]
        self.setToolTip(
            self.tr("Also forecast in: %1").replace("%1", ", ".join(others)) if others else ""
        )
        self.update()

    @property
    def bars(self) -> list[tuple[str, float]]:
        return list(self._months)

    def retranslate(self) -> None:
        self._title = self.tr("Weighted forecast by month")
        self.update()

    def changeEvent(self, event: QEvent) -> None:
        retranslate_on_change(event, self.retranslate)
        super().changeEvent(event)

    def sizeHint(self) -> QSize:
        return QSize(480, 160)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = QRectF(self.rect()).adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
        painter.setPen(self.palette().windowText().color())
        title = f"{self._title} ({self._currency})" if self._currency else self._title
        painter.drawText(area, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft, title)
        plot = area.adjusted(0, LABEL_HEIGHT + 4, 0, -LABEL_HEIGHT)
        if not self._months:
            painter.setPen(AXIS_COLOUR)
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, self.tr("No open deals"))
            painter.end()
            return
        peak = max(value for _, value in self._months) or 1.0
        slot = plot.width() / len(self._months)
        bar_width = max(4.0, slot * 0.6)
        painter.setPen(AXIS_COLOUR)
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        # With many months the labels would overlap: label every n-th bar only.
        label_every = max(1, math.ceil(MIN_LABEL_WIDTH / slot))
        for position, (month, value) in enumerate(self._months):
            height = (plot.height() - LABEL_HEIGHT) * value / peak
            left = plot.left() + position * slot + (slot - bar_width) / 2
            bar = QRectF(left, plot.bottom() - height, bar_width, height)
            painter.fillRect(bar, BAR_COLOUR)
            painter.setPen(self.palette().windowText().color())
            value_box = QRectF(
                plot.left() + position * slot, bar.top() - LABEL_HEIGHT, slot, LABEL_HEIGHT
            )
            labelled = position % label_every == 0 or not month
            if value and labelled:
                painter.drawText(value_box, Qt.AlignmentFlag.AlignCenter, format_compact(value))
            if labelled:
                label_box = QRectF(
                    plot.left() + position * slot,
                    plot.bottom() + 2,
                    slot * label_every,
                    LABEL_HEIGHT,
                )
                painter.drawText(
                    label_box,
                    Qt.AlignmentFlag.AlignLeft if label_every > 1 else Qt.AlignmentFlag.AlignCenter,
                    month or self.tr("No date"),
                )
        painter.end()


def _every_month(months: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Months without deals as empty bars, so the bars keep an even time scale; deals without
    a date ("") stay last."""
    dated = dict((month, value) for month, value in months if month)
    undated: list[tuple[str, float]] = [(m, value) for m, value in months if not m]
    if not dated:
        return undated
    first, last = min(dated), max(dated)
    year, month = int(first[:4]), int(first[5:7])
    filled: list[tuple[str, float]] = []
    while (key := f"{year:04d}-{month:02d}") <= last:
        filled.append((key, dated.get(key, 0.0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return filled + undated
