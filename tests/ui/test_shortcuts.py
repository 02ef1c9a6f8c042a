"""The one list of shortcuts: bound on a window, each key once, all listed in the Help dialog."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QWidget

from desktop.ui.shortcuts import (
    SHORTCUTS,
    SHORTCUTS_BY_ID,
    ShortcutHelpDialog,
    bind_shortcuts,
)


def test_every_key_is_used_once_and_the_brief_keys_are_there():
    keys = [spec.sequence.toString() for spec in SHORTCUTS]
    assert len(keys) == len(set(keys))
    assert all(not spec.sequence.isEmpty() for spec in SHORTCUTS)
    wanted = {
        "search": "Ctrl+K",
        "log_activity": "Ctrl+L",
        "screen_my_day": "Ctrl+1",
        "screen_sync_inbox": "Ctrl+4",
        "undo": "Ctrl+Z",
        "sync_now": "F5",
        "settings": "Ctrl+,",
        "help": "F1",
    }
    assert {k: SHORTCUTS_BY_ID[k].keys for k in wanted} == wanted


def test_bound_actions_run_their_handler_and_unknown_ids_are_refused(qtbot):
    window = QWidget()
    qtbot.addWidget(window)
    calls: list[str] = []
    actions = bind_shortcuts(window, {"sync_now": lambda: calls.append("sync")})
    assert list(actions) == ["sync_now"]
    action = actions["sync_now"]
    assert action.shortcut() == QKeySequence("F5")
    assert action.shortcutContext() == Qt.ShortcutContext.WindowShortcut
    assert action in window.actions()
    action.trigger()
    assert calls == ["sync"]
    with pytest.raises(KeyError, match="no_such_action"):
        bind_shortcuts(window, {"no_such_action": lambda: None})


def test_the_help_dialog_lists_every_shortcut(qtbot):
    dialog = ShortcutHelpDialog()
    qtbot.addWidget(dialog)
    rows = [
        (dialog.table.item(r, 0).text(), dialog.table.item(r, 1).text())
        for r in range(dialog.table.rowCount())
    ]
    assert rows == [
        (spec.label, spec.sequence.toString(QKeySequence.SequenceFormat.NativeText))
        for spec in SHORTCUTS
    ]
