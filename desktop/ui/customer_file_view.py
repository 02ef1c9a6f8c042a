"""The customer file (客户档案, the 360° view): facts with inline editing, owner and tier, contacts,
the activity timeline (newest first, more as you scroll), opportunities and follow-ups.

Everything is read in one database-thread call (`customer_file`) and shown from frozen values.
Edits are sent as the changed fields only (`edit_customer`); a refusal shows each problem under
its field and keeps what was typed, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QLocale, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from desktop.domain.messages import FIELD_LABELS, TEMPLATES, Problem, ValidationError
from desktop.domain.models import Contact, CustomerFile, FollowUp, Opportunity
from desktop.operations.customer_file import customer_file
from desktop.operations.customers import edit_customer
from desktop.operations.status import pending_changes
from desktop.ui.context import UiContext
from desktop.ui.formatting import format_timestamp, uses_chinese
from desktop.ui.i18n import retranslate_on_change
from desktop.ui.record_table_model import RecordColumn, RecordTableModel
from desktop.ui.reference_data import ReferenceData, load_reference_data
from desktop.ui.timeline_model import PAGE_SIZE, TimelineModel

FACTS_MIN_WIDTH = 380

# Facts edited inline: field name -> picklist kind for a combo box, None for a text box.
EDITABLE_FIELDS: dict[str, str | None] = {
    "name": None,
    "phone": None,
    "email": None,
    "website": None,
    "address": None,
    "industry": "industry",
    "lifecycle": "lifecycle",
    "tier": "tier",
    "value_label": "value_label",
    "tags": None,
}


def problem_text(problem: Problem) -> str:
    """A validation message in the interface language (English source strings as keys)."""
    template = QCoreApplication.translate("Validation", TEMPLATES[problem.key])
    label = QCoreApplication.translate("Validation", FIELD_LABELS.get(problem.field, problem.field))
    try:
        return template.format(label=label, **problem.params)
    except (KeyError, IndexError):  # a translation with a broken placeholder: use English
        return problem.text


def _read_file(engine: Engine, customer_id: str) -> tuple[CustomerFile, ReferenceData]:
    return (
        customer_file(engine, customer_id=customer_id, activity_limit=PAGE_SIZE),
        load_reference_data(engine),
    )


class CustomerFileView(QWidget):
    file_loaded = Signal(object)  # CustomerFile
    customer_saved = Signal(str, object)  # customer id, the fields that changed
    save_refused = Signal(object)  # tuple[Problem, ...]
    log_activity_requested = Signal(str)  # customer id
    load_failed = Signal(str)

    def __init__(self, *, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("customer_file_view")
        self._context = context
        self._file: CustomerFile | None = None
        self._reference = ReferenceData()
        self.customer_id: str | None = None

        self.title = QLabel()
        self.title.setObjectName("customer_title")
        self.title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.owner_label = QLabel()
        self.owner_label.setObjectName("customer_owner")
        self.log_button = QPushButton()
        self.log_button.setObjectName("log_activity_button")
        self.log_button.clicked.connect(self._on_log_button_clicked)

        self.editors: dict[str, QLineEdit | QComboBox] = {}
        self.error_labels: dict[str, QLabel] = {}
        self._field_labels: dict[str, QLabel] = {}
        facts = QFormLayout()
        for name, kind in EDITABLE_FIELDS.items():
            editor: QLineEdit | QComboBox
            if kind is None:
                editor = QLineEdit()
                editor.textEdited.connect(self._on_editor_changed)
            else:
                editor = QComboBox()
                editor.activated.connect(self._on_editor_changed)
            editor.setObjectName(f"edit_{name}")
            error = QLabel()
            error.setObjectName(f"error_{name}")
            error.setStyleSheet("color: #b00020;")
            error.setWordWrap(True)
            error.hide()
            cell = QVBoxLayout()
            cell.setContentsMargins(0, 0, 0, 0)
            cell.addWidget(editor)
            cell.addWidget(error)
            label = QLabel()
            facts.addRow(label, cell)
            self.editors[name] = editor
            self.error_labels[name] = error
            self._field_labels[name] = label
        self.save_button = QPushButton()
        self.save_button.setObjectName("save_customer_button")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton()
        self.revert_button.setEnabled(False)
        self.revert_button.clicked.connect(self._show_facts)
        self.status = QLabel()
        self.status.setObjectName("customer_file_status")
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.revert_button)
        buttons.addStretch(1)
        facts_box = QWidget()
        facts_layout = QVBoxLayout(facts_box)
        facts_layout.addLayout(facts)
        facts_layout.addLayout(buttons)
        facts_layout.addWidget(self.status)
        facts_layout.addStretch(1)

        self.timeline_model = TimelineModel(engine=context.engine, tasks=context.tasks, parent=self)
        self.timeline = QListView()
        self.timeline.setObjectName("timeline")
        self.timeline.setModel(self.timeline_model)
        self.timeline.setWordWrap(True)
        self.timeline.setAlternatingRowColors(True)
        self.timeline.setSpacing(3)  # entries read as separate notes
        self.timeline_model.load_failed.connect(self.status.setText)

        self.contacts_model: RecordTableModel[Contact] = RecordTableModel(
            [
                RecordColumn(lambda: self.tr("Name"), lambda c: c.name),
                RecordColumn(lambda: self.tr("Title"), lambda c: c.title or ""),
                RecordColumn(lambda: self.tr("Mobile"), lambda c: c.mobile or c.phone or ""),
                RecordColumn(lambda: self.tr("E-mail"), lambda c: c.email or ""),
            ],
            record_id=lambda c: c.id,
            parent=self,
        )
        self.opportunities_model: RecordTableModel[Opportunity] = RecordTableModel(
            [
                RecordColumn(lambda: self.tr("Deal"), lambda o: o.name),
                RecordColumn(lambda: self.tr("Stage"), lambda o: o.stage_name),
                RecordColumn(lambda: self.tr("Amount"), self._amount_text),
                RecordColumn(lambda: self.tr("Expected close"), lambda o: o.expected_close or ""),
                RecordColumn(lambda: self.tr("Status"), lambda o: o.status),
            ],
            record_id=lambda o: o.id,
            parent=self,
        )
        self.followups_model: RecordTableModel[FollowUp] = RecordTableModel(
            [
                RecordColumn(lambda: self.tr("Follow-up"), lambda f: f.title),
                RecordColumn(
                    lambda: self.tr("Due"), lambda f: format_timestamp(f.due_at, QLocale())
                ),
                RecordColumn(lambda: self.tr("Done"), lambda f: "✓" if f.done else ""),
            ],
            record_id=lambda f: f.id,
            parent=self,
        )
        self.tabs = QTabWidget()
        self.tabs.addTab(self.timeline, "")
        for model in (self.contacts_model, self.opportunities_model, self.followups_model):
            table = QTableView()
            table.setModel(model)
            table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            table.horizontalHeader().setStretchLastSection(True)
            table.verticalHeader().setVisible(False)
            self.tabs.addTab(table, "")

        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.owner_label)
        header.addWidget(self.log_button)
        facts_box.setMinimumWidth(FACTS_MIN_WIDTH)  # addresses and e-mails stay readable
        splitter = QSplitter()
        splitter.addWidget(facts_box)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([FACTS_MIN_WIDTH, 2 * FACTS_MIN_WIDTH])
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(splitter, 1)
        self.retranslate()

    # --- loading ----------------------------------------------------------------------------
    def show_customer(self, customer_id: str) -> None:
        self.customer_id = customer_id
        engine = self._context.engine
        self._context.tasks.run_db(
            lambda: _read_file(engine, customer_id),
            on_done=lambda result: self._on_file_read(customer_id, *result),
            on_error=self._on_load_error,
            owner=self,
            description="open the customer file",
        )

    def reload(self) -> None:
        if self.customer_id is not None:
            self.show_customer(self.customer_id)

    @property
    def current_file(self) -> CustomerFile | None:
        return self._file

    def _on_file_read(self, customer_id: str, file: CustomerFile, reference: ReferenceData) -> None:
        if customer_id != self.customer_id:
            return  # another customer was opened meanwhile
        self._file = file
        self._reference = reference
        chinese = uses_chinese(QLocale())
        labels = reference.labels(chinese=chinese)
        self.timeline_model.show_first_page(
            customer_id=customer_id,
            entries=file.activities,
            total=file.activity_total,
            kind_labels=labels.get("activity_kind", {}),
            user_names=reference.user_names,
        )
        self.contacts_model.set_records(file.contacts)
        self.opportunities_model.set_records(file.opportunities)
        self.followups_model.set_records(file.followups)
        self._fill_combos(chinese=chinese)
        self._show_facts()
        self._show_header()
        self.file_loaded.emit(file)

    def _on_load_error(self, error: BaseException) -> None:
        message = self.tr("This customer could not be opened: %1").replace("%1", str(error))
        self.status.setText(message)
        self.load_failed.emit(message)

    def _fill_combos(self, *, chinese: bool) -> None:
        for name, kind in EDITABLE_FIELDS.items():
            editor = self.editors[name]
            if kind is None or not isinstance(editor, QComboBox):
                continue
            editor.clear()
            editor.addItem("", None)
            for entry in self._reference.entries(kind):
                editor.addItem(entry.label_zh if chinese else entry.label_en, entry.value)

    def _show_header(self) -> None:
        if self._file is None:
            return
        customer = self._file.customer
        title = customer.name
        if customer.archived:
            title += "  " + self.tr("(archived)")
        self.title.setText(title)
        owner = self._reference.user_name(customer.owner_id) or self.tr("nobody")
        self.owner_label.setText(self.tr("Owner: %1").replace("%1", owner))
        self.log_button.setEnabled(not customer.archived)
        self.tabs.setTabText(
            0, self.tr("Timeline (%1)").replace("%1", str(self._file.activity_total))
        )

    def _show_facts(self) -> None:
        """Put the stored values in the editors (also "Revert": drops what was typed)."""
        if self._file is None:
            return
        stored = self._stored_values()
        for name, editor in self.editors.items():
            value = stored.get(name)
            if isinstance(editor, QComboBox):
                position = editor.findData(value) if value else 0
                if position < 0:  # a value the firm's list no longer has: still show it
                    editor.addItem(str(value), value)
                    position = editor.count() - 1
                editor.setCurrentIndex(position)
            else:
                editor.setText(value or "")
        self._clear_errors()
        self._on_editor_changed()

    def _stored_values(self) -> dict[str, Any]:
        assert self._file is not None
        customer = self._file.customer
        values = {name: getattr(customer, name) for name in EDITABLE_FIELDS if name != "tags"}
        values["tags"] = ", ".join(customer.tags)
        return values

    # --- editing ----------------------------------------------------------------------------
    def edited_values(self) -> dict[str, Any]:
        """Fields whose editor differs from the stored value; an emptied field becomes None."""
        if self._file is None:
            return {}
        stored = self._stored_values()
        changes: dict[str, Any] = {}
        for name, editor in self.editors.items():
            if isinstance(editor, QComboBox):
                value = editor.currentData()
            else:
                value = editor.text().strip() or None
            if (value or None) != (stored.get(name) or None):
                changes[name] = value
        return changes

    def save(self) -> None:
        if self._file is None or self.customer_id is None:
            return
        changes = self.edited_values()
        if not changes:
            return
        customer_id, engine = self.customer_id, self._context.engine

        def write() -> tuple[dict[str, Any], int]:
            changed = edit_customer(engine, customer_id=customer_id, changes=changes)
            return changed, pending_changes(engine)

        self.save_button.setEnabled(False)
        self.status.setText(self.tr("Saving…"))
        self._context.tasks.run_db(
            write,
            on_done=lambda result: self._on_saved(customer_id, *result),
            on_error=self._on_save_error,
            owner=self,
            description="save the customer",
        )

    def _on_saved(self, customer_id: str, changed: dict[str, Any], pending: int) -> None:
        self._context.sync.note_local_write(pending_changes=pending)
        self.status.setText(self.tr("Saved. It will reach the server with the next sync."))
        self.customer_saved.emit(customer_id, changed)
        self.reload()

    def _on_save_error(self, error: BaseException) -> None:
        self._on_editor_changed()  # what was typed stays; Save is possible again
        if isinstance(error, ValidationError):
            self._clear_errors()
            general: list[str] = []
            for problem in error.problems:
                label = self.error_labels.get(problem.field)
                if label is None:
                    general.append(problem_text(problem))
                else:
                    label.setText(problem_text(problem))
                    label.show()
            self.status.setText(
                " ".join(general) or self.tr("Not saved: please correct the marked fields.")
            )
            self.save_refused.emit(error.problems)
            return
        self.status.setText(self.tr("Not saved: %1").replace("%1", str(error)))

    def _clear_errors(self) -> None:
        for label in self.error_labels.values():
            label.clear()
            label.hide()

    def _on_editor_changed(self, *_args: object) -> None:
        dirty = bool(self.edited_values())
        self.save_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty)

    def _on_log_button_clicked(self) -> None:
        if self.customer_id is not None:
            self.log_activity_requested.emit(self.customer_id)

    def _amount_text(self, opportunity: Opportunity) -> str:
        if opportunity.amount is None:
            return ""
        amount = QLocale().toString(float(opportunity.amount), "f", 0)
        return f"{opportunity.currency or ''} {amount}".strip()

    # --- language ---------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.log_button.setText(self.tr("Log activity…"))
        self.save_button.setText(self.tr("Save"))
        self.revert_button.setText(self.tr("Revert"))
        labels: dict[str, Callable[[], str]] = {
            "name": lambda: self.tr("Name"),
            "phone": lambda: self.tr("Phone"),
            "email": lambda: self.tr("E-mail"),
            "website": lambda: self.tr("Website"),
            "address": lambda: self.tr("Address"),
            "industry": lambda: self.tr("Industry"),
            "lifecycle": lambda: self.tr("Stage"),
            "tier": lambda: self.tr("Tier"),
            "value_label": lambda: self.tr("Value"),
            "tags": lambda: self.tr("Tags (comma separated)"),
        }
        for name, label in self._field_labels.items():
            label.setText(labels[name]())
        for position, text in enumerate(
            (
                self.tr("Timeline"),
                self.tr("Contacts"),
                self.tr("Opportunities"),
                self.tr("Follow-ups"),
            )
        ):
            self.tabs.setTabText(position, text)
        for model in (self.contacts_model, self.opportunities_model, self.followups_model):
            model.retranslate()
        self._show_header()

    def changeEvent(self, event: QEvent) -> None:
        retranslate_on_change(event, self.retranslate)
        super().changeEvent(event)
