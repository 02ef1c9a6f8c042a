"""Table models of the audit viewer: the audit entries, and one customer's ownership history.

Entries come from the server (`GET /admin/audit`, newest first, at most 1,000 per query), so a
plain in-memory table fits. Ids are shown as names where this computer knows them: users from the
server's user list, customers from the local replica.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt

from desktop.sync.admin_client import AuditEntry
from desktop.ui.named_columns_model import ModelIndex, NamedColumnsTableModel


@dataclass(frozen=True)
class Names:
    users: dict[str, str]
    customers: dict[str, str]

    def user(self, user_id: str | None) -> str:
        if not user_id:
            return QCoreApplication.translate("AuditLogModel", "system")
        return self.users.get(user_id, user_id)

    def customer(self, customer_id: str | None) -> str:
        if not customer_id:
            return ""
        return self.customers.get(customer_id, customer_id)


@dataclass(frozen=True)
class OwnershipChange:
    at: str
    from_owner: str | None
    to_owner: str | None
    by: str | None


def ownership_history(entries: list[AuditEntry]) -> list[OwnershipChange]:
    """Owner changes of the entries' customers, oldest first (the audit log is newest first)."""
    changes = [
        OwnershipChange(
            at=entry.at,
            from_owner=entry.detail.get("from_owner"),
            to_owner=entry.detail.get("to_owner"),
            by=entry.actor_id,
        )
        for entry in entries
        if entry.action == "customer.reassign" and isinstance(entry.detail, dict)
    ]
    return sorted(changes, key=lambda change: change.at)


def detail_text(detail: Any, names: Names) -> str:
    """A compact, readable line for an entry's detail (ids replaced by names where known)."""
    if detail is None:
        return ""
    if not isinstance(detail, dict):
        return str(detail)
    parts = []
    for key, value in detail.items():
        if key == "ids" and isinstance(value, list):
            continue  # exported record ids: the count says enough in a table
        if isinstance(value, str) and value in names.users:
            value = names.users[value]
        elif isinstance(value, str) and value in names.customers:
            value = names.customers[value]
        elif isinstance(value, dict | list):
            value = json.dumps(value, ensure_ascii=False)
        parts.append(f"{key}: {value}")
    return "; ".join(parts)


class AuditLogModel(NamedColumnsTableModel[AuditEntry]):
    COLUMNS = ("at", "who", "action", "customer", "detail")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._names = Names({}, {})

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.row_at(index)
        if entry is None:
            return None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        column = self.column_key(index)
        if column == "at":
            return entry.at.replace("T", " ").removesuffix("Z")
        if column == "who":
            return self._names.user(entry.actor_id)
        if column == "action":
            return self.action_label(entry.action)
        if column == "customer":
            return self._names.customer(entry.customer_id)
        return detail_text(entry.detail, self._names)

    def column_labels(self) -> dict[str, str]:
        return {
            "at": self.tr("When (UTC)"),
            "who": self.tr("Who"),
            "action": self.tr("What"),
            "customer": self.tr("Customer"),
            "detail": self.tr("Details"),
        }

    def action_label(self, action: str) -> str:
        labels = {
            "login": self.tr("signed in"),
            "customer.reassign": self.tr("customer reassigned"),
            "handover": self.tr("book handed over"),
            "user.deactivate": self.tr("account closed"),
            "user.freeze": self.tr("account frozen"),
            "export": self.tr("exported"),
            "export_refused": self.tr("export refused"),
            "print": self.tr("printed"),
        }
        return labels.get(action, action)

    def set_entries(self, entries: list[AuditEntry], names: Names) -> None:
        self._names = names
        self.replace_rows(entries)

    def entries(self) -> tuple[AuditEntry, ...]:
        return tuple(self._rows)


class OwnershipModel(NamedColumnsTableModel[OwnershipChange]):
    COLUMNS = ("at", "from", "to", "by")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._names = Names({}, {})

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        change = self.row_at(index)
        if change is None or role != Qt.ItemDataRole.DisplayRole:
            return None
        column = self.column_key(index)
        if column == "at":
            return change.at.replace("T", " ").removesuffix("Z")
        if column == "from":
            return self._names.user(change.from_owner) if change.from_owner else "—"
        if column == "to":
            return self._names.user(change.to_owner) if change.to_owner else "—"
        return self._names.user(change.by)

    def column_labels(self) -> dict[str, str]:
        return {
            "at": self.tr("When (UTC)"),
            "from": self.tr("From"),
            "to": self.tr("To"),
            "by": self.tr("Changed by"),
        }

    def set_changes(self, changes: list[OwnershipChange], names: Names) -> None:
        self._names = names
        self.replace_rows(changes)
