"""New customer (Ctrl+N): the few facts needed to start a file; the rest is edited in the file.

Saved at once in the replica through `add_customer` (owned by the signed-in user), online or not.
A refusal shows each problem and keeps what was typed.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QLocale, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from desktop.domain.values import CustomerKind
from desktop.operations.customers import add_customer
from desktop.operations.status import pending_changes
from desktop.ui.context import UiContext
from desktop.ui.formatting import uses_chinese
from desktop.ui.i18n import retranslate_on_change
from desktop.ui.reference_data import ReferenceData, load_reference_data
from desktop.ui.saving_dialog import SavingDialog


def _create(engine: Engine, values: dict[str, object]) -> tuple[str, int]:
    customer_id = add_customer(engine, values=values)
    return customer_id, pending_changes(engine)


class NewCustomerDialog(SavingDialog):
    customer_created = Signal(str)  # the new customer's id

    def __init__(self, *, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("new_customer_dialog")
        self._context = context
        self.saving = False
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("new_customer_name")
        self.kind_combo = QComboBox()
        for kind in CustomerKind:
            self.kind_combo.addItem("", kind.value)
        self.phone_edit = QLineEdit()
        self.phone_edit.setObjectName("new_customer_phone")
        self.industry_combo = QComboBox()
        self.industry_combo.addItem("", None)
        self.error_label = QLabel()
        self.error_label.setObjectName("new_customer_error")
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self._labels = [QLabel() for _ in range(4)]
        form = QFormLayout()
        for label, editor in zip(
            self._labels,
            (self.name_edit, self.kind_combo, self.phone_edit, self.industry_combo),
            strict=True,
        ):
            form.addRow(label, editor)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.retranslate()
        engine = context.engine
        context.tasks.run_db(
            lambda: load_reference_data(engine),
            on_done=self._on_reference_loaded,
            on_error=lambda error: self.error_label.setText(str(error)),
            owner=self,
            description="read the industries",
        )

    def values(self) -> dict[str, object]:
        values: dict[str, object] = {
            "name": self.name_edit.text().strip(),
            "kind": self.kind_combo.currentData(),
        }
        if self.phone_edit.text().strip():
            values["phone"] = self.phone_edit.text().strip()
        if self.industry_combo.currentData():
            values["industry"] = self.industry_combo.currentData()
        return values

    def submit(self) -> None:
        if self.saving:
            return
        values, engine = self.values(), self._context.engine
        self._begin_save()
        self._context.tasks.run_db(
            lambda: _create(engine, values),
            on_done=self._on_created,
            on_error=self._on_create_error,
            owner=self,
            description="add a customer",
        )

    def _on_created(self, result: tuple[str, int]) -> None:
        customer_id, pending = result
        self._saved(pending_changes=pending)
        self.customer_created.emit(customer_id)
        self.accept()

    def _on_create_error(self, error: BaseException) -> None:
        self._save_failed(error, not_saved=self.tr("Not saved: %1"))

    def _on_reference_loaded(self, reference: ReferenceData) -> None:
        chinese = uses_chinese(QLocale())
        for entry in reference.entries("industry"):
            self.industry_combo.addItem(entry.label_zh if chinese else entry.label_en, entry.value)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("New customer"))
        for label, text in zip(
            self._labels,
            (self.tr("Name"), self.tr("Kind"), self.tr("Phone"), self.tr("Industry")),
            strict=True,
        ):
            label.setText(text)
        kinds = {"company": self.tr("Company"), "person": self.tr("Person")}
        for position in range(self.kind_combo.count()):
            value = str(self.kind_combo.itemData(position))
            self.kind_combo.setItemText(position, kinds.get(value, value))

    def changeEvent(self, event: QEvent) -> None:
        retranslate_on_change(event, self.retranslate)
        super().changeEvent(event)
