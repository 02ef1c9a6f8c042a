"""The app's keyboard shortcuts, declared once: the main window binds them, Help lists them.

Each entry names an action id; the main window passes a handler per id to `bind_shortcuts`.
Labels are marked with QT_TRANSLATE_NOOP so lupdate extracts them, and translated when shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.i18n import retranslate_on_change

CONTEXT = "Shortcuts"


@dataclass(frozen=True)
class ShortcutSpec:
    action_id: str
    keys: str  # portable text ("Ctrl+K"); Qt shows Cmd on macOS
    label: str  # English source text; translate with `translated_label`

    @property
    def sequence(self) -> QKeySequence:
        return QKeySequence(self.keys)

    def translated_label(self) -> str:
        return QCoreApplication.translate(CONTEXT, self.label)


SHORTCUTS: tuple[ShortcutSpec, ...] = (
    ShortcutSpec("search", "Ctrl+K", str(QT_TRANSLATE_NOOP("Shortcuts", "Search customers"))),
    ShortcutSpec("log_activity", "Ctrl+L", str(QT_TRANSLATE_NOOP("Shortcuts", "Log an activity"))),
    ShortcutSpec("new_customer", "Ctrl+N", str(QT_TRANSLATE_NOOP("Shortcuts", "New customer"))),
    ShortcutSpec("screen_my_day", "Ctrl+1", str(QT_TRANSLATE_NOOP("Shortcuts", "Show My day"))),
    ShortcutSpec(
        "screen_customers", "Ctrl+2", str(QT_TRANSLATE_NOOP("Shortcuts", "Show Customers"))
    ),
    ShortcutSpec("screen_pipeline", "Ctrl+3", str(QT_TRANSLATE_NOOP("Shortcuts", "Show Pipeline"))),
    ShortcutSpec(
        "screen_sync_inbox", "Ctrl+4", str(QT_TRANSLATE_NOOP("Shortcuts", "Show Sync inbox"))
    ),
    ShortcutSpec("undo", "Ctrl+Z", str(QT_TRANSLATE_NOOP("Shortcuts", "Undo the last stage move"))),
    ShortcutSpec("sync_now", "F5", str(QT_TRANSLATE_NOOP("Shortcuts", "Sync now"))),
    ShortcutSpec("settings", "Ctrl+,", str(QT_TRANSLATE_NOOP("Shortcuts", "Settings"))),
    ShortcutSpec("help", "F1", str(QT_TRANSLATE_NOOP("Shortcuts", "Keyboard shortcuts"))),
    ShortcutSpec("quit", "Ctrl+Q", str(QT_TRANSLATE_NOOP("Shortcuts", "Quit"))),
)

SHORTCUTS_BY_ID: dict[str, ShortcutSpec] = {spec.action_id: spec for spec in SHORTCUTS}


def bind_shortcuts(
    window: QWidget, handlers: Mapping[str, Callable[[], None]]
) -> dict[str, QAction]:
    """Add one window-wide QAction per declared shortcut that has a handler; returns them by
    id (for menus). An unknown handler id is a programming error, so it raises."""
    unknown = sorted(set(handlers) - set(SHORTCUTS_BY_ID))
    if unknown:
        raise KeyError(f"no shortcut declared for: {', '.join(unknown)}")
    actions: dict[str, QAction] = {}
    for spec in SHORTCUTS:
        handler = handlers.get(spec.action_id)
        if handler is None:
            continue
        action = QAction(spec.translated_label(), window)
        action.setShortcut(spec.sequence)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setObjectName(f"shortcut_{spec.action_id}")
        action.triggered.connect(handler)
        window.addAction(action)
        actions[spec.action_id] = action
    return actions


def retranslate_actions(actions: Mapping[str, QAction]) -> None:
    """Re-read the labels of bound actions after a language switch."""
    for action_id, action in actions.items():
        action.setText(SHORTCUTS_BY_ID[action_id].translated_label())


class ShortcutHelpDialog(QDialog):
    """Lists every declared shortcut (F1)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcut_help_dialog")
        self._intro = QLabel()
        self._intro.setWordWrap(True)
        self.table = QTableWidget(len(SHORTCUTS), 2)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.ResizeToContents
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self._intro)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(460, 440)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self._intro.setText(self.tr("These keys work everywhere in the main window."))
        self.table.setHorizontalHeaderLabels([self.tr("Action"), self.tr("Keys")])
        for row, spec in enumerate(SHORTCUTS):
            self.table.setItem(row, 0, QTableWidgetItem(spec.translated_label()))
            keys = spec.sequence.toString(QKeySequence.SequenceFormat.NativeText)
            self.table.setItem(row, 1, QTableWidgetItem(keys))

    def changeEvent(self, event: QEvent) -> None:
        retranslate_on_change(event, self.retranslate)
        super().changeEvent(event)
