"""Read model and table models of the sync inbox: conflicts and refused changes.

`read_inbox_snapshot` runs on the database thread: it lists the inbox through the sync layer's
`SyncInbox` and adds what a person needs to judge each entry: who (user display names), which
record (its name), and for refused changes the record's current values next to the refused ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QDateTime,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from sqlalchemy import Connection, Engine, select

from desktop.store.schema import entity_tables
from desktop.sync.inbox import ConflictItem, SyncErrorItem, SyncInbox
from desktop.ui.named_columns_model import NamedColumnsTableModel
from protocol.entities import ENTITIES

AnyIndex = QModelIndex | QPersistentModelIndex
EntryRole = Qt.ItemDataRole.UserRole + 1  # the row's ConflictItem / SyncErrorItem
NAME_FIELDS = ("name", "title", "subject", "display_name")


@dataclass(frozen=True)
class InboxSnapshot:
    conflicts: tuple[ConflictItem, ...]
    errors: tuple[SyncErrorItem, ...]
    user_names: Mapping[str, str] = field(default_factory=dict)
    record_names: Mapping[tuple[str, str], str] = field(default_factory=dict)
    # (entity, id) -> the record's current values of the refused fields, for side by side
    current_values: Mapping[tuple[str, str], Mapping[str, Any]] = field(default_factory=dict)
    # (entity, id) -> the customer the record belongs to, to open its file
    customer_ids: Mapping[tuple[str, str], str] = field(default_factory=dict)

    def customer_of(self, entry: ConflictItem | SyncErrorItem) -> str | None:
        if isinstance(entry, ConflictItem) and entry.customer_id:
            return entry.customer_id
        if entry.entity == "customer" and entry.entity_id:
            return entry.entity_id
        return self.customer_ids.get((entry.entity or "", entry.entity_id or ""))

    def user(self, user_id: str | None) -> str:
        if not user_id:
            return ""
        return self.user_names.get(user_id, user_id)

    def record(self, entity: str | None, record_id: str | None) -> str:
        if not entity or not record_id:
            return ""
        return self.record_names.get((entity, record_id), record_id)


def read_inbox_snapshot(engine: Engine) -> InboxSnapshot:
    inbox = SyncInbox(engine=engine)
    conflicts = tuple(inbox.conflicts())
    errors = tuple(inbox.sync_errors())
    wanted: dict[str, set[str]] = {}
    for conflict in conflicts:
        wanted.setdefault(conflict.entity, set()).add(conflict.entity_id)
    for error in errors:
        if error.entity and error.entity_id:
            wanted.setdefault(error.entity, set()).add(error.entity_id)
    with engine.connect() as connection:
        user = entity_tables["user"]
        user_names = {
            row.id: row.display_name or row.login or row.id
            for row in connection.execute(select(user.c.id, user.c.display_name, user.c.login))
        }
        records = _read_records(connection, wanted)
    record_names = {key: _record_label(values) for key, values in records.items()}
    current = {
        (error.entity, error.entity_id): {
            name: records[(error.entity, error.entity_id)].get(name) for name in error.rejected
        }
        for error in errors
        if error.entity and error.entity_id and (error.entity, error.entity_id) in records
    }
    customer_ids = {
        key: str(values["customer_id"])
        for key, values in records.items()
        if values.get("customer_id")
    }
    return InboxSnapshot(conflicts, errors, user_names, record_names, current, customer_ids)


def _read_records(
    connection: Connection, wanted: Mapping[str, Iterable[str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for entity, ids in wanted.items():
        if entity not in entity_tables:
            continue  # a record kind this version does not know: the inbox still shows its id
        table = entity_tables[entity]
        rows = connection.execute(select(table).where(table.c.id.in_(sorted(ids)))).mappings()
        for row in rows:
            found[(entity, row["id"])] = dict(row)
    return found


def _record_label(values: Mapping[str, Any]) -> str:
    for name in NAME_FIELDS:
        if values.get(name):
            return str(values[name])
    return str(values.get("id", ""))


def entity_label(entity: str | None) -> str:
    labels = {
        "customer": QCoreApplication.translate("SyncInbox", "Customer"),
        "contact": QCoreApplication.translate("SyncInbox", "Contact"),
        "activity": QCoreApplication.translate("SyncInbox", "Activity"),
        "followup": QCoreApplication.translate("SyncInbox", "Follow-up"),
        "opportunity": QCoreApplication.translate("SyncInbox", "Opportunity"),
    }
    return labels.get(entity or "", entity or "")


# The fields people edit, in their words; marked for lupdate, translated when shown.
FIELD_LABELS: dict[str, str] = {
    "name": str(QT_TRANSLATE_NOOP("SyncInboxField", "name")),
    "kind": str(QT_TRANSLATE_NOOP("SyncInboxField", "kind")),
    "industry": str(QT_TRANSLATE_NOOP("SyncInboxField", "industry")),
    "address": str(QT_TRANSLATE_NOOP("SyncInboxField", "address")),
    "phone": str(QT_TRANSLATE_NOOP("SyncInboxField", "phone")),
    "mobile": str(QT_TRANSLATE_NOOP("SyncInboxField", "mobile")),
    "email": str(QT_TRANSLATE_NOOP("SyncInboxField", "email")),
    "website": str(QT_TRANSLATE_NOOP("SyncInboxField", "website")),
    "fax": str(QT_TRANSLATE_NOOP("SyncInboxField", "fax")),
    "source": str(QT_TRANSLATE_NOOP("SyncInboxField", "source")),
    "owner_id": str(QT_TRANSLATE_NOOP("SyncInboxField", "account manager")),
    "team_id": str(QT_TRANSLATE_NOOP("SyncInboxField", "team")),
    "lifecycle": str(QT_TRANSLATE_NOOP("SyncInboxField", "lifecycle stage")),
    "tier": str(QT_TRANSLATE_NOOP("SyncInboxField", "tier")),
    "value_label": str(QT_TRANSLATE_NOOP("SyncInboxField", "value label")),
    "tags": str(QT_TRANSLATE_NOOP("SyncInboxField", "tags")),
    "credit_notes": str(QT_TRANSLATE_NOOP("SyncInboxField", "credit notes")),
    "title": str(QT_TRANSLATE_NOOP("SyncInboxField", "title")),
    "birthday": str(QT_TRANSLATE_NOOP("SyncInboxField", "birthday")),
    "buying_role": str(QT_TRANSLATE_NOOP("SyncInboxField", "role in purchase")),
    "notes": str(QT_TRANSLATE_NOOP("SyncInboxField", "notes")),
    "due_at": str(QT_TRANSLATE_NOOP("SyncInboxField", "due")),
    "assignee_id": str(QT_TRANSLATE_NOOP("SyncInboxField", "assignee")),
    "priority": str(QT_TRANSLATE_NOOP("SyncInboxField", "priority")),
    "done": str(QT_TRANSLATE_NOOP("SyncInboxField", "done")),
    "amount": str(QT_TRANSLATE_NOOP("SyncInboxField", "amount")),
    "currency": str(QT_TRANSLATE_NOOP("SyncInboxField", "currency")),
    "probability": str(QT_TRANSLATE_NOOP("SyncInboxField", "probability")),
    "stage_id": str(QT_TRANSLATE_NOOP("SyncInboxField", "stage")),
    "expected_close": str(QT_TRANSLATE_NOOP("SyncInboxField", "expected close")),
    "how_to_win": str(QT_TRANSLATE_NOOP("SyncInboxField", "how to win")),
    "competitors": str(QT_TRANSLATE_NOOP("SyncInboxField", "competitors")),
    "lost_reason": str(QT_TRANSLATE_NOOP("SyncInboxField", "lost reason")),
    "status": str(QT_TRANSLATE_NOOP("SyncInboxField", "status")),
}


def record_label(entity: str | None, name: str) -> str:
    """ "Customer: 华东建设集团", with the punctuation of the reader's language."""
    return (
        QCoreApplication.translate("SyncInbox", "%1: %2")
        .replace("%1", entity_label(entity))
        .replace("%2", name)
    )


def field_label(entity: str | None, field_name: str) -> str:
    """The field in the reader's language; fields without a label are spelled out plainly."""
    if field_name in FIELD_LABELS:
        return QCoreApplication.translate("SyncInboxField", FIELD_LABELS[field_name])
    if entity in ENTITIES and field_name in ENTITIES[entity].field_names:
        return field_name.replace("_", " ")
    return field_name


def display_value(value: Any) -> str:
    """A stored value as text; conflict values may be JSON text, shown decoded."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except ValueError:
            return value
        return value if isinstance(decoded, (dict, list)) else str(decoded)
    if isinstance(value, bool):
        return (
            QCoreApplication.translate("SyncInbox", "yes")
            if value
            else QCoreApplication.translate("SyncInbox", "no")
        )
    return str(value)


def display_time(iso_utc: str | None) -> str:
    if not iso_utc:
        return ""
    moment = QDateTime.fromString(iso_utc, Qt.DateFormat.ISODate)
    if not moment.isValid():
        return iso_utc
    return QLocale().toString(moment.toLocalTime(), QLocale.FormatType.ShortFormat)


class _InboxTableModel(NamedColumnsTableModel[Any]):
    """Rows of one inbox list; subclasses name the columns and render one cell."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._snapshot = InboxSnapshot((), ())

    def set_snapshot(self, snapshot: InboxSnapshot) -> None:
        self._snapshot = snapshot
        self.replace_rows(list(self._rows_of(snapshot)))

    def _rows_of(self, snapshot: InboxSnapshot) -> tuple[Any, ...]:
        raise NotImplementedError

    def _cell(self, entry: Any, column: str) -> str:
        raise NotImplementedError

    def entry(self, row: int) -> Any:
        return self._rows[row]

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.row_at(index)
        if entry is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._cell(entry, self.column_key(index))
        if role == EntryRole:
            return entry
        return None


class ConflictsModel(_InboxTableModel):
    COLUMNS = ("record", "field", "kept", "lost", "who", "when")

    def _rows_of(self, snapshot: InboxSnapshot) -> tuple[Any, ...]:
        return snapshot.conflicts

    def column_labels(self) -> dict[str, str]:
        return {
            "record": self.tr("Record"),
            "field": self.tr("Field"),
            "kept": self.tr("Kept value"),
            "lost": self.tr("Your value (lost)"),
            "who": self.tr("Changed by"),
            "when": self.tr("When"),
        }

    def _cell(self, entry: ConflictItem, column: str) -> str:
        snapshot = self._snapshot
        if column == "record":
            return record_label(entry.entity, snapshot.record(entry.entity, entry.entity_id))
        if column == "field":
            return field_label(entry.entity, entry.field)
        if column == "kept":
            return display_value(entry.kept_value)
        if column == "lost":
            return display_value(entry.lost_value)
        if column == "who":
            return snapshot.user(entry.won_by)
        return display_time(entry.created_at)


class RefusedChangesModel(_InboxTableModel):
    COLUMNS = ("record", "what", "why", "when")

    def _rows_of(self, snapshot: InboxSnapshot) -> tuple[Any, ...]:
        return snapshot.errors

    def column_labels(self) -> dict[str, str]:
        return {
            "record": self.tr("Record"),
            "what": self.tr("Refused change"),
            "why": self.tr("Why"),
            "when": self.tr("When"),
        }

    def _cell(self, entry: SyncErrorItem, column: str) -> str:
        if column == "record":
            name = self._snapshot.record(entry.entity, entry.entity_id)
            return record_label(entry.entity, name) if name else entity_label(entry.entity)
        if column == "what":
            return "; ".join(
                f"{field_label(entry.entity, name)} = {display_value(value)}"
                for name, value in entry.rejected.items()
            )
        if column == "why":
            return refusal_reason(entry)
        return display_time(entry.created_at)


def refusal_reason(entry: SyncErrorItem) -> str:
    """The server's message, led by a plain explanation of its code."""
    reasons = {
        "forbidden": QCoreApplication.translate(
            "SyncInbox", "You may no longer change this record."
        ),
        "not_found": QCoreApplication.translate("SyncInbox", "The record no longer exists."),
        "validation_error": QCoreApplication.translate("SyncInbox", "A value was not accepted."),
        "frozen": QCoreApplication.translate(
            "SyncInbox", "Your account is frozen: only new activities are accepted."
        ),
    }
    parts = [reasons.get(entry.code or "", entry.code or ""), entry.message or ""]
    return " ".join(part for part in parts if part)


def comparison_rows(
    snapshot: InboxSnapshot, entry: ConflictItem | SyncErrorItem
) -> Sequence[tuple[str, str, str]]:
    """(field, left, right) rows for the side-by-side panel: for a conflict the kept value and
    the lost one; for a refused change the record's current value and the refused one."""
    if isinstance(entry, ConflictItem):
        return [
            (
                field_label(entry.entity, entry.field),
                display_value(entry.kept_value),
                display_value(entry.lost_value),
            )
        ]
    current = snapshot.current_values.get((entry.entity or "", entry.entity_id or ""), {})
    return [
        (field_label(entry.entity, name), display_value(current.get(name)), display_value(value))
        for name, value in entry.rejected.items()
    ]
