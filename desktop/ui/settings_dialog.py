"""The settings dialog: language, sync interval, server address, and the firm's policies.

The dialog works on plain values: the composition root reads the layered settings into
`SettingsValues` (and says which keys IT locked), and writes back what `changed_values()` returns.
A key set by IT is shown but cannot be edited, and the policies the server or IT imposes are
listed read-only, so a user sees why something cannot be changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.i18n import LANGUAGE_NAMES, Language, retranslate_on_change
from desktop.ui.login_dialog import normalized_server_url, server_url_problem

LANGUAGE_KEY = "ui.language"
SYNC_INTERVAL_KEY = "sync.interval_minutes"
SERVER_URL_KEY = "sync.server_url"
MIN_INTERVAL_MINUTES, MAX_INTERVAL_MINUTES = 1, 24 * 60
ERROR_STYLE = "color: #b3261e;"


@dataclass(frozen=True)
class SettingsValues:
    language: str  # a `Language` value ("system", "en", "zh_CN")
    sync_interval_minutes: int
    server_url: str

    def as_keys(self) -> dict[str, Any]:
        return {
            LANGUAGE_KEY: self.language,
            SYNC_INTERVAL_KEY: self.sync_interval_minutes,
            SERVER_URL_KEY: self.server_url,
        }


def policy_label(key: str) -> str:
    """A person's words for a policy key; unknown keys are shown as they are."""
    labels = {
        "max_offline_days": QCoreApplication.translate(
            "SettingsDialog", "Longest time without syncing (days)"
        ),
        "export_allowed": QCoreApplication.translate("SettingsDialog", "Export allowed"),
        "export_max_rows": QCoreApplication.translate("SettingsDialog", "Most rows per export"),
        "drain_days": QCoreApplication.translate(
            "SettingsDialog", "Days a closed account may still upload"
        ),
        SERVER_URL_KEY: QCoreApplication.translate("SettingsDialog", "Server address"),
        SYNC_INTERVAL_KEY: QCoreApplication.translate("SettingsDialog", "Sync interval (minutes)"),
        LANGUAGE_KEY: QCoreApplication.translate("SettingsDialog", "Language"),
    }
    return labels.get(key, key)


def policy_value_text(value: Any) -> str:
    if isinstance(value, bool):
        return (
            QCoreApplication.translate("SettingsDialog", "yes")
            if value
            else QCoreApplication.translate("SettingsDialog", "no")
        )
    return "—" if value is None or value == "" else str(value)


class SettingsDialog(QDialog):
    language_chosen = Signal(str)  # emitted on OK when the language changed
    settings_saved = Signal(dict)  # the changed keys and their new values

    def __init__(
        self,
        *,
        values: SettingsValues,
        locked_keys: frozenset[str] = frozenset(),
        policies: Mapping[str, Any] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settings_dialog")
        self._initial = values
        self._locked = locked_keys
        self._policies = dict(policies or {})

        self.language_box = QComboBox()
        self.language_box.setObjectName("language_box")
        self.language_box.addItem("", Language.SYSTEM.value)
        for language, name in LANGUAGE_NAMES.items():
            self.language_box.addItem(name, language.value)
        index = self.language_box.findData(values.language)
        self.language_box.setCurrentIndex(max(index, 0))
        self.interval_box = QSpinBox()
        self.interval_box.setObjectName("interval_box")
        self.interval_box.setRange(MIN_INTERVAL_MINUTES, MAX_INTERVAL_MINUTES)
        self.interval_box.setValue(
            min(max(values.sync_interval_minutes, MIN_INTERVAL_MINUTES), MAX_INTERVAL_MINUTES)
        )
        self.server_edit = QLineEdit(values.server_url)
        self.server_edit.setObjectName("settings_server_edit")
        self.server_edit.setPlaceholderText("https://crm.example.com")
        for key, widget in (
            (LANGUAGE_KEY, self.language_box),
            (SYNC_INTERVAL_KEY, self.interval_box),
            (SERVER_URL_KEY, self.server_edit),
        ):
            widget.setEnabled(key not in locked_keys)

        self._language_label, self._interval_label, self._server_label = (
            QLabel(),
            QLabel(),
            QLabel(),
        )
        self._locked_note = QLabel()
        self._locked_note.setWordWrap(True)
        self._locked_note.setVisible(bool(locked_keys))
        form = QFormLayout()
        form.addRow(self._language_label, self.language_box)
        form.addRow(self._interval_label, self.interval_box)
        form.addRow(self._server_label, self.server_edit)
        form.addRow("", self._locked_note)

        self.policy_group = QGroupBox()
        self.policy_table = QTableWidget(0, 2)
        self.policy_table.setObjectName("policy_table")
        self.policy_table.verticalHeader().setVisible(False)
        self.policy_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.policy_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.policy_table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.ResizeToContents
        )
        self._no_policies = QLabel()
        policy_layout = QVBoxLayout(self.policy_group)
        policy_layout.addWidget(self._no_policies)
        policy_layout.addWidget(self.policy_table)

        self.error_label = QLabel()
        self.error_label.setObjectName("settings_error")
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.policy_group, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.resize(480, 420)
        self.retranslate()

    def current_values(self) -> SettingsValues:
        return replace(
            self._initial,
            language=str(self.language_box.currentData()),
            sync_interval_minutes=self.interval_box.value(),
            server_url=normalized_server_url(self.server_edit.text()),
        )

    def changed_values(self) -> dict[str, Any]:
        """Only what the user changed, never a locked key: a user value must not shadow IT's."""
        before, after = self._initial.as_keys(), self.current_values().as_keys()
        return {
            key: value
            for key, value in after.items()
            if key not in self._locked and value != before[key]
        }

    def submit(self) -> None:
        changes = self.changed_values()
        if changes.get(SERVER_URL_KEY):
            problem = server_url_problem(changes[SERVER_URL_KEY])
            if problem:
                self.error_label.setText(problem)
                self.error_label.show()
                self.server_edit.setFocus()
                return
        self.error_label.hide()
        if changes:
            self.settings_saved.emit(changes)
        if LANGUAGE_KEY in changes:
            self.language_chosen.emit(changes[LANGUAGE_KEY])
        self.accept()

    def _fill_policies(self) -> None:
        self.policy_table.setRowCount(len(self._policies))
        for row, (key, value) in enumerate(sorted(self._policies.items())):
            self.policy_table.setItem(row, 0, QTableWidgetItem(policy_label(key)))
            self.policy_table.setItem(row, 1, QTableWidgetItem(policy_value_text(value)))
        self.policy_table.setVisible(bool(self._policies))
        self._no_policies.setVisible(not self._policies)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Settings"))
        self.language_box.setItemText(0, self.tr("Same as the system"))
        self._language_label.setText(self.tr("Language:"))
        self._interval_label.setText(self.tr("Sync every:"))
        self.interval_box.setSuffix(self.tr(" min"))
        self._server_label.setText(self.tr("Server:"))
        self._locked_note.setText(self.tr("Greyed-out settings are set by your IT department."))
        self.policy_group.setTitle(self.tr("Your firm's policies"))
        self._no_policies.setText(self.tr("No policies received yet: sync once to see them."))
        self.policy_table.setHorizontalHeaderLabels([self.tr("Policy"), self.tr("Value")])
        self._fill_policies()
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))

    def changeEvent(self, event: QEvent) -> None:
        retranslate_on_change(event, self.retranslate)
        super().changeEvent(event)
