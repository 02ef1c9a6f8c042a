"""The settings dialog: language, interval, server; locked keys and the firm's policies."""

from PySide6.QtWidgets import QDialog

from desktop.ui.settings_dialog import (
    LANGUAGE_KEY,
    SERVER_URL_KEY,
    SYNC_INTERVAL_KEY,
    SettingsDialog,
    SettingsValues,
)

VALUES = SettingsValues(
    language="system", sync_interval_minutes=5, server_url="https://crm.firm.cn"
)


def test_only_changed_values_are_saved_and_the_language_is_announced(qtbot):
    dialog = SettingsDialog(values=VALUES)
    qtbot.addWidget(dialog)
    assert [dialog.language_box.itemText(i) for i in range(3)] == [
        "Same as the system",
        "English",
        "简体中文",
    ]
    dialog.language_box.setCurrentIndex(dialog.language_box.findData("zh_CN"))
    dialog.interval_box.setValue(15)
    with (
        qtbot.waitSignal(dialog.settings_saved) as saved,
        qtbot.waitSignal(dialog.language_chosen) as chosen,
    ):
        dialog.submit()
    assert saved.args == [{LANGUAGE_KEY: "zh_CN", SYNC_INTERVAL_KEY: 15}]
    assert chosen.args == ["zh_CN"]
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_nothing_changed_saves_nothing(qtbot):
    dialog = SettingsDialog(values=VALUES)
    qtbot.addWidget(dialog)
    with qtbot.assertNotEmitted(dialog.settings_saved):
        dialog.submit()
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_a_key_set_by_it_is_locked_and_never_written(qtbot):
    dialog = SettingsDialog(values=VALUES, locked_keys=frozenset({SERVER_URL_KEY}))
    qtbot.addWidget(dialog)
    assert not dialog.server_edit.isEnabled() and dialog.language_box.isEnabled()
    dialog.server_edit.setText("https://elsewhere.example.com")  # e.g. by a script
    assert SERVER_URL_KEY not in dialog.changed_values()


def test_a_bad_server_address_is_refused_with_a_reason(qtbot):
    dialog = SettingsDialog(values=VALUES)
    qtbot.addWidget(dialog)
    dialog.server_edit.setText("ftp://crm.firm.cn")
    with qtbot.assertNotEmitted(dialog.settings_saved):
        dialog.submit()
    assert dialog.error_label.text().startswith("The server address must look like")
    assert dialog.result() != QDialog.DialogCode.Accepted


def test_policies_are_listed_read_only_in_plain_words(qtbot):
    dialog = SettingsDialog(
        values=VALUES, policies={"max_offline_days": 30, "export_allowed": False}
    )
    qtbot.addWidget(dialog)
    rows = [
        (dialog.policy_table.item(r, 0).text(), dialog.policy_table.item(r, 1).text())
        for r in range(dialog.policy_table.rowCount())
    ]
    assert rows == [("Export allowed", "no"), ("Longest time without syncing (days)", "30")]
    empty = SettingsDialog(values=VALUES)
    qtbot.addWidget(empty)
    assert empty.policy_table.isHidden()
