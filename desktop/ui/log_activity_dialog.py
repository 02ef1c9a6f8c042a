"""Log an activity (Ctrl+L) from anywhere: kind, customer (auto-complete), notes, next step and
due date (which becomes a follow-up). Saved at once in the replica, online or not; the sync
takes it to the server later.

The customer box completes from the search index on the database thread as you type. The dialog
stays open with everything typed when saving is refused, and says what to fix.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QDateTime, QEvent, QLocale, QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from desktop.domain.values import ActivityKind
from desktop.operations.activities import LoggedActivity, log_activity
from desktop.operations.status import pending_changes
from desktop.ui.context import UiContext
from desktop.ui.formatting import uses_chinese
from desktop.ui.i18n import retranslate_on_change
from desktop.ui.reference_data import load_reference_data
from desktop.ui.saving_dialog import SavingDialog
from desktop.ui.search_palette import search_customers

if TYPE_CHECKING:
    from desktop.store.search import SearchHit

COMPLETION_DEBOUNCE_MS = 150
COMPLETION_LIMIT = 15


def _save(
    engine: Engine,
    *,
    customer_id: str,
    kind: str,
    notes: str | None,
    next_step: str | None,
    due: datetime | None,
) -> tuple[LoggedActivity, int]:
    logged = log_activity(
        engine, customer_id=customer_id, kind=kind, notes=notes, next_step=next_step, due=due
    )
    return logged, pending_changes(engine)


class LogActivityDialog(SavingDialog):
    activity_logged = Signal(object)  # LoggedActivity
    completions_shown = Signal(int)  # number of customers offered

    def __init__(
        self,
        *,
        context: UiContext,
        customer_id: str | None = None,
        customer_name: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("log_activity_dialog")
        self._context = context
        self.customer_id = customer_id
        self._choices: dict[str, str] = {}  # completion text -> customer id
        self._completion_sequence = 0
        self._kind_labels: dict[str, str] = {}  # the firm's own names for activity kinds
        self.saving = False

        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("activity_kind")
        for kind in ActivityKind:
            self.kind_combo.addItem(kind.value, kind.value)
        self.customer_edit = QLineEdit(customer_name)
        self.customer_edit.setObjectName("activity_customer")
        self._completions = QStringListModel(self)
        self.completer = QCompleter(self._completions, self)
        # The search index already matched (pinyin too): show its answers as they are.
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.activated.connect(self._on_completer_activated)
        self.customer_edit.setCompleter(self.completer)
        self.customer_edit.textEdited.connect(self._on_customer_edit_text_edited)
        self._completion_timer = QTimer(self)
        self._completion_timer.setSingleShot(True)
        self._completion_timer.setInterval(COMPLETION_DEBOUNCE_MS)
        self._completion_timer.timeout.connect(self.complete_customer)
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setObjectName("activity_notes")
        self.next_step_edit = QLineEdit()
        self.next_step_edit.setObjectName("activity_next_step")
        self.due_check = QCheckBox()
        self.due_check.setObjectName("activity_has_due")
        self.due_edit = QDateTimeEdit(QDateTime.currentDateTime().addDays(7))
        self.due_edit.setObjectName("activity_due")
        self.due_edit.setCalendarPopup(True)
        self.due_edit.setEnabled(False)
        self.due_check.toggled.connect(self.due_edit.setEnabled)
        self.next_step_edit.textEdited.connect(
            lambda text: self.due_check.setChecked(bool(text.strip()) or self.due_check.isChecked())
        )
        self.error_label = QLabel()
        self.error_label.setObjectName("activity_error")
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        self._form = QFormLayout()
        self._labels = [QLabel() for _ in range(5)]
        self._form.addRow(self._labels[0], self.kind_combo)
        self._form.addRow(self._labels[1], self.customer_edit)
        self._form.addRow(self._labels[2], self.notes_edit)
        self._form.addRow(self._labels[3], self.next_step_edit)
        self._form.addRow(self.due_check, self.due_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(self._form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.retranslate()
        self._load_kind_labels()

    # --- customer completion ----------------------------------------------------------------
    def _on_customer_edit_text_edited(self, _text: str) -> None:
        self.customer_id = None  # typed text names no customer until one is chosen
        self._completion_sequence += 1
        self._completion_timer.start()

    def complete_customer(self) -> None:
        self._completion_timer.stop()
        query = self.customer_edit.text().strip()
        self._completion_sequence += 1
        sequence = self._completion_sequence
        if not query:
            self._completions.setStringList([])
            return
        engine = self._context.engine
        self._context.tasks.run_db(
            lambda: search_customers(
                engine, query=query, limit=COMPLETION_LIMIT, kinds=("customer",)
            ),
            on_done=lambda hits: self._on_completions(sequence, hits),
            on_error=lambda error: self.error_label.setText(str(error)),
            owner=self,
            description="complete a customer name",
        )

    def _on_completions(self, sequence: int, hits: list[SearchHit]) -> None:
        if sequence != self._completion_sequence:
            return
        self._choices = {}
        for hit in hits:
            text = hit.title if hit.title not in self._choices else f"{hit.title} ({hit.id[:8]})"
            self._choices[text] = hit.customer_id
        self._completions.setStringList(list(self._choices))
        if len(hits) == 1 and hits[0].title == self.customer_edit.text().strip():
            self.customer_id = hits[0].customer_id  # typed exactly: no need to pick
        if self.customer_edit.hasFocus() and self._choices:
            self.completer.complete()
        self.completions_shown.emit(len(self._choices))

    def choose_customer(self, text: str) -> bool:
        """Pick one of the offered completions (what clicking it in the popup does)."""
        customer_id = self._choices.get(text)
        if customer_id is None:
            return False
        self.customer_id = customer_id
        self.customer_edit.setText(text)
        self.error_label.clear()
        return True

    def _on_completer_activated(self, text: str) -> None:
        self.choose_customer(text)

    # --- saving -----------------------------------------------------------------------------
    def submit(self) -> None:
        if self.saving:
            return
        if self.customer_id is None:
            self._refuse(self.tr("Choose the customer from the list that appears as you type."))
            return
        notes = self.notes_edit.toPlainText().strip() or None
        next_step = self.next_step_edit.text().strip() or None
        due = self.due_edit.dateTime().toPython() if self.due_check.isChecked() else None
        if isinstance(due, datetime) and due.tzinfo is None:
            due = due.astimezone()  # the person's local time
        engine, customer_id = self._context.engine, self.customer_id
        kind = str(self.kind_combo.currentData())
        self._begin_save()
        self._context.tasks.run_db(
            lambda: _save(
                engine,
                customer_id=customer_id,
                kind=kind,
                notes=notes,
                next_step=next_step,
                due=due if isinstance(due, datetime) else None,
            ),
            on_done=self._on_saved,
            on_error=self._on_save_error,
            owner=self,
            description="log an activity",
        )

    def _on_saved(self, result: tuple[LoggedActivity, int]) -> None:
        logged, pending = result
        self._saved(pending_changes=pending)
        self.activity_logged.emit(logged)
        self.accept()

    def _on_save_error(self, error: BaseException) -> None:
        self._save_failed(error, not_saved=self.tr("Not saved: %1"))

    # --- labels -----------------------------------------------------------------------------
    def _load_kind_labels(self) -> None:
        engine = self._context.engine
        self._context.tasks.run_db(
            lambda: load_reference_data(engine),
            on_done=lambda reference: self._show_kind_labels(
                reference.labels(chinese=uses_chinese(QLocale())).get("activity_kind", {})
            ),
            on_error=lambda error: self.error_label.setText(str(error)),
            owner=self,
            description="read activity kinds",
        )

    def _show_kind_labels(self, labels: dict[str, str]) -> None:
        self._kind_labels = labels
        fallback = {
            "visit": self.tr("Visit"),
            "call": self.tr("Call"),
            "meeting": self.tr("Meeting"),
            "email": self.tr("E-mail"),
            "note": self.tr("Note"),
            "return_visit": self.tr("Return visit"),
        }
        for position in range(self.kind_combo.count()):
            value = str(self.kind_combo.itemData(position))
            self.kind_combo.setItemText(position, labels.get(value) or fallback.get(value, value))

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Log activity"))
        for label, text in zip(
            self._labels,
            (self.tr("Kind"), self.tr("Customer"), self.tr("Notes"), self.tr("Next step"), ""),
            strict=True,
        ):
            label.setText(text)
        self.customer_edit.setPlaceholderText(self.tr("Type a name, in Chinese or pinyin"))
        self.due_check.setText(self.tr("Due"))
        self._show_kind_labels(self._kind_labels)

    def changeEvent(self, event: QEvent) -> None:
        retranslate_on_change(event, self._on_language_changed)
        super().changeEvent(event)

    def _on_language_changed(self) -> None:
        self.retranslate()
        self._load_kind_labels()  # the firm's labels exist in both languages: read them again
