"""The settings dialog: language, sync interval, server address, and the firm's policies.

It edits the layered `Settings` built at the composition root: a key IT set machine-wide is shown
but cannot be edited, and every policy is listed read-only with where its value comes from, so a
user sees why something cannot be changed. Only what the user changed is written (`Settings.set`);
a refusal is shown in the dialog, which then stays open.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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

from desktop.settings import SPECS, Layer, Settings, SettingsError
from desktop.ui.i18n import LANGUAGE_NAMES, Language, retranslate_on_change
from desktop.ui.login_dialog import normalized_server_url, server_url_problem

LANGUAGE_KEY = "ui.language"
SYNC_INTERVAL_KEY = "sync.interval_seconds"
SERVER_URL_KEY = "sync.server_url"
MIN_INTERVAL_MINUTES, MAX_INTERVAL_MINUTES = 1, 24 * 60
ERROR_STYLE = "color: #b3261e;"


@dataclass(frozen=True)
class SettingsValues:
    """What the dialog edits, in the units it shows (minutes)."""

    language: str  # a `Language` value ("system", "en", "zh_CN")
    sync_interval_minutes: int
    server_url: str

    @classmethod
    def from_settings(cls, settings: Settings) -> SettingsValues:
        return cls(
            language=str(settings.get(LANGUAGE_KEY)),
            sync_interval_minutes=max(1, round(int(settings.get(SYNC_INTERVAL_KEY)) / 60)),
            server_url=str(settings.get(SERVER_URL_KEY)),
        )

    def as_keys(self) -> dict[str, Any]:
        return {
            LANGUAGE_KEY: self.language,
            SYNC_INTERVAL_KEY: self.sync_interval_minutes * 60,
            SERVER_URL_KEY: self.server_url,
        }


def policy_label(key: str) -> str:
    """A person's words for a policy key; unknown keys are shown as they are."""
    labels = {
        "policy.max_offline_days": QCoreApplication.translate(
            "SettingsDialog", "Longest time without syncing (days)"
        ),
        "max_offline_days": QCoreApplication.translate(
            "SettingsDialog", "Longest time without syncing (days)"
        ),
        "policy.export_allowed": QCoreApplication.translate("SettingsDialog", "Export allowed"),
        "export_allowed": QCoreApplication.translate("SettingsDialog", "Export allowed"),
        "policy.export_max_rows": QCoreApplication.translate(
            "SettingsDialog", "Most rows per export"
        ),
        "export_max_rows": QCoreApplication.translate("SettingsDialog", "Most rows per export"),
        "drain_days": QCoreApplication.translate(
            "SettingsDialog", "Days a closed account may still upload"
        ),
        "privacy.remember_password": QCoreApplication.translate(
            "SettingsDialog", "Remember the password"
        ),
        "privacy.crash_reports": QCoreApplication.translate(
            "SettingsDialog", "Send crash reports to the firm"
        ),
        "privacy.lock_after_minutes": QCoreApplication.translate(
            "SettingsDialog", "Lock after idle minutes (0: never)"
        ),
        SERVER_URL_KEY: QCoreApplication.translate("SettingsDialog", "Server address"),
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


def source_text(source: str) -> str:
    texts = {
        Layer.MACHINE.value: QCoreApplication.translate("SettingsDialog", "IT department"),
        Layer.DEFAULT.value: QCoreApplication.translate("SettingsDialog", "default"),
        Layer.USER.value: QCoreApplication.translate("SettingsDialog", "you"),
        "server": QCoreApplication.translate("SettingsDialog", "server"),
    }
    return texts.get(source, source)


def policy_rows(
    settings: Settings, server_policies: Mapping[str, Any]
) -> list[tuple[str, Any, str]]:
    """(key, value, source) of every policy: the machine's declared ones, then the server's."""
    rows = [
        (spec.key, settings.get(spec.key), settings.source(spec.key).value)
        for spec in SPECS
        if spec.policy and spec.key != SERVER_URL_KEY  # the server address has its own field
    ]
    rows.extend((key, value, "server") for key, value in sorted(server_policies.items()))
    return rows


class SettingsDialog(QDialog):
    language_chosen = Signal(str)  # emitted on OK when the language changed
    settings_saved = Signal(dict)  # the changed keys and their new values, after they were stored

    def __init__(
        self,
        *,
        settings: Settings,
        server_policies: Mapping[str, Any] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settings_dialog")
        self._settings = settings
        self._server_policies = dict(server_policies or {})
        self._initial = SettingsValues.from_settings(settings)
        values = self._initial

        self.language_box = QComboBox()
        self.language_box.setObjectName("language_box")
        self.language_box.addItem("", Language.SYSTEM.value)
        for language, name in LANGUAGE_NAMES.items():
            self.language_box.addItem(name, language.value)
        self.language_box.setCurrentIndex(max(self.language_box.findData(values.language), 0))
        self.interval_box = QSpinBox()
        self.interval_box.setObjectName("interval_box")
        self.interval_box.setRange(MIN_INTERVAL_MINUTES, MAX_INTERVAL_MINUTES)
        self.interval_box.setValue(
            min(max(values.sync_interval_minutes, MIN_INTERVAL_MINUTES), MAX_INTERVAL_MINUTES)
        )
        self.server_edit = QLineEdit(values.server_url)
        self.server_edit.setObjectName("settings_server_edit")
        self.server_edit.setPlaceholderText("https://crm.example.com")
        self._locked = frozenset(
            key
            for key in (LANGUAGE_KEY, SYNC_INTERVAL_KEY, SERVER_URL_KEY)
            if settings.is_locked(key)
        )
        for key, widget in (
            (LANGUAGE_KEY, self.language_box),
            (SYNC_INTERVAL_KEY, self.interval_box),
            (SERVER_URL_KEY, self.server_edit),
        ):
            widget.setEnabled(key not in self._locked)

        self._language_label, self._interval_label, self._server_label = (
            QLabel(),
            QLabel(),
            QLabel(),
        )
        self._locked_note = QLabel()
        self._locked_note.setWordWrap(True)
        self._locked_note.setVisible(bool(self._locked))
        form = QFormLayout()
        form.addRow(self._language_label, self.language_box)
        form.addRow(self._interval_label, self.interval_box)
        form.addRow(self._server_label, self.server_edit)
        form.addRow("", self._locked_note)

        self.policy_group = QGroupBox()
        self.policy_table = QTableWidget(0, 3)
        self.policy_table.setObjectName("policy_table")
        self.policy_table.verticalHeader().setVisible(False)
        self.policy_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.policy_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        policy_layout = QVBoxLayout(self.policy_group)
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
        self.resize(520, 460)
        self.retranslate()

    def current_values(self) -> SettingsValues:
        return SettingsValues(
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
        """Store the changes and close; on a refusal say why and stay open (nothing is lost)."""
        changes = self.changed_values()
        if changes.get(SERVER_URL_KEY):
            problem = server_url_problem(changes[SERVER_URL_KEY])
            if problem:
                self._show_error(problem)
                self.server_edit.setFocus()
                return
        stored: dict[str, Any] = {}
        try:
            for key, value in changes.items():
                stored[key] = self._settings.set(key, value)
        except (SettingsError, OSError) as error:
            self._show_error(self.tr("Could not save the settings: %1").replace("%1", str(error)))
            if stored:
                self.settings_saved.emit(stored)  # what did get stored still takes effect
            return
        self.error_label.hide()
        if stored:
            self.settings_saved.emit(stored)
        if LANGUAGE_KEY in stored:
            self.language_chosen.emit(stored[LANGUAGE_KEY])
        self.accept()

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()

    def _fill_policies(self) -> None:
        rows = policy_rows(self._settings, self._server_policies)
        self.policy_table.setRowCount(len(rows))
        for row, (key, value, source) in enumerate(rows):
            self.policy_table.setItem(row, 0, QTableWidgetItem(policy_label(key)))
            self.policy_table.setItem(row, 1, QTableWidgetItem(policy_value_text(value)))
            self.policy_table.setItem(row, 2, QTableWidgetItem(source_text(source)))

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Settings"))
        self.language_box.setItemText(0, self.tr("Same as the system"))
        self._language_label.setText(self.tr("Language:"))
        self._interval_label.setText(self.tr("Sync every:"))
        self.interval_box.setSuffix(self.tr(" min"))
        self._server_label.setText(self.tr("Server:"))
        self._locked_note.setText(self.tr("Greyed-out settings are set by your IT department."))
        self.policy_group.setTitle(self.tr("Your firm's policies"))
        self.policy_table.setHorizontalHeaderLabels(
            [self.tr("Policy"), self.tr("Value"), self.tr("Set by")]
        )
        self._fill_policies()
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))

    def changeEvent(self, event: QEvent) -> None:
        retranslate_on_change(event, self.retranslate)
        super().changeEvent(event)
