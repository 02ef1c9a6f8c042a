"""The hand-over plan: the leaver's customers, each with the successor it will go to (or none).

A plain in-memory table (a leaver's book is hundreds of customers, not hundred-thousands), filled
from the administrator's own replica. Nothing moves until the plan is confirmed in the view.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import Qt

from desktop.ui.named_columns_model import ModelIndex, NamedColumnsTableModel

CUSTOMER_ID_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class PlanRow:
    customer_id: str
    name: str
    tier: str
    team: str
    successor_id: str | None = None
    successor_name: str = ""


class HandoverPlanModel(NamedColumnsTableModel[PlanRow]):
    COLUMNS = ("customer", "tier", "team", "successor")

    # --- Qt model interface -----------------------------------------------------------------
    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index)
        if row is None:
            return None
        if role == CUSTOMER_ID_ROLE:
            return row.customer_id
        if role == Qt.ItemDataRole.DisplayRole:
            column = self.COLUMNS[index.column()]
            if column == "customer":
                return row.name
            if column == "tier":
                return row.tier
            if column == "team":
                return row.team
            return row.successor_name or self.tr("— stays with the leaver")
        if role == Qt.ItemDataRole.ToolTipRole and self.COLUMNS[index.column()] == "successor":
            return None if row.successor_id else self.tr("Not handed over: pick a successor")
        return None

    def column_labels(self) -> dict[str, str]:
        return {
            "customer": self.tr("Customer"),
            "tier": self.tr("Tier"),
            "team": self.tr("Team"),
            "successor": self.tr("Successor"),
        }

    # --- the plan ---------------------------------------------------------------------------
    def set_rows(self, rows: list[PlanRow]) -> None:
        self.replace_rows(rows)

    def rows(self) -> tuple[PlanRow, ...]:
        return tuple(self._rows)

    def assign(self, row_numbers: list[int], *, successor_id: str | None, name: str) -> int:
        """Give these rows to a successor (None: keep them with the leaver)."""
        changed = 0
        for number in sorted(set(row_numbers)):
            if not 0 <= number < len(self._rows):
                continue
            self._rows[number] = replace(
                self._rows[number], successor_id=successor_id, successor_name=name
            )
            changed += 1
            column = self.COLUMNS.index("successor")
            cell = self.index(number, column)
            self.dataChanged.emit(cell, cell, [Qt.ItemDataRole.DisplayRole])
        return changed

    def rows_matching(self, *, tier: str | None = None, team: str | None = None) -> list[int]:
        return [
            number
            for number, row in enumerate(self._rows)
            if (tier is None or row.tier == tier) and (team is None or row.team == team)
        ]

    def plan(self) -> dict[str, list[str]]:
        """successor id -> the customer ids going to them, in table order."""
        grouped: dict[str, list[str]] = {}
        for row in self._rows:
            if row.successor_id:
                grouped.setdefault(row.successor_id, []).append(row.customer_id)
        return grouped

    def kept(self) -> int:
        return sum(1 for row in self._rows if not row.successor_id)
