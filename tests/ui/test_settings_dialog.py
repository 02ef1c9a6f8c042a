"""The settings dialog on the layered settings: changes stored, IT's keys locked, policies shown."""

import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog

from desktop.settings import Settings
from desktop.ui.settings_dialog import (
    LANGUAGE_KEY,
    SERVER_URL_KEY,
    SYNC_INTERVAL_KEY,
    SettingsDialog,
)


def _settings(
    tmp_path: Path, machine: dict[str, object] | None = None, user: dict[str, object] | None = None
) -> Settings:
    machine_path = tmp_path / "machine.json"
    user_path = tmp_path / "user" / "settings.json"
    if machine is not None:
        machine_path.write_text(json.dumps(machine), encoding="utf-8")
    if user is not None:
        user_path.parent.mkdir(parents=True, exist_ok=True)
        user_path.write_text(json.dumps(user), encoding="utf-8")
    return Settings(machine_path=machine_path if machine is not None else None, user_path=user_path)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return _settings(tmp_path, user={"sync.server_url": "https://crm.firm.cn"})


def test_changes_are_stored_and_the_language_is_announced(qtbot, settings, tmp_path):
    dialog = SettingsDialog(settings=settings)
    qtbot.addWidget(dialog)
    assert [dialog.language_box.itemText(i) for i in range(3)] == [
        "Same as the system",
        "English",
        "简体中文",
    ]
    assert dialog.interval_box.value() == 5  # the default 300 seconds
    dialog.language_box.setCurrentIndex(dialog.language_box.findData("zh_CN"))
    dialog.interval_box.setValue(15)
    with (
        qtbot.waitSignal(dialog.settings_saved) as saved,
        qtbot.waitSignal(dialog.language_chosen) as chosen,
    ):
        dialog.submit()
    assert saved.args == [{LANGUAGE_KEY: "zh_CN", SYNC_INTERVAL_KEY: 900}]
    assert chosen.args == ["zh_CN"]
    assert dialog.result() == QDialog.DialogCode.Accepted
    reread = Settings(machine_path=None, user_path=settings.user_path)
    assert reread.get(LANGUAGE_KEY) == "zh_CN" and reread.get(SYNC_INTERVAL_KEY) == 900


def test_nothing_changed_stores_nothing(qtbot, settings):
    dialog = SettingsDialog(settings=settings)
    qtbot.addWidget(dialog)
    with qtbot.assertNotEmitted(dialog.settings_saved):
        dialog.submit()
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_a_server_set_by_it_is_locked_and_never_written(qtbot, tmp_path):
    settings = _settings(
        tmp_path,
        machine={"sync": {"server_url": "https://crm.it.cn"}, "policy.max_offline_days": 14},
    )
    dialog = SettingsDialog(settings=settings)
    qtbot.addWidget(dialog)
    assert dialog.server_edit.text() == "https://crm.it.cn"
    assert not dialog.server_edit.isEnabled() and dialog.language_box.isEnabled()
    dialog.server_edit.setText("https://elsewhere.example.com")  # e.g. by a script
    assert SERVER_URL_KEY not in dialog.changed_values()
    rows = {
        dialog.policy_table.item(r, 0).text(): (
            dialog.policy_table.item(r, 1).text(),
            dialog.policy_table.item(r, 2).text(),
        )
        for r in range(dialog.policy_table.rowCount())
    }
    assert rows["Longest time without syncing (days)"] == ("14", "IT department")
    assert rows["Export allowed"] == ("yes", "default")


def test_a_bad_server_address_is_refused_with_a_reason(qtbot, settings):
    dialog = SettingsDialog(settings=settings)
    qtbot.addWidget(dialog)
    dialog.server_edit.setText("ftp://crm.firm.cn")
    with qtbot.assertNotEmitted(dialog.settings_saved):
        dialog.submit()
    assert dialog.error_label.text().startswith("The server address must look like")
    assert dialog.result() != QDialog.DialogCode.Accepted


def test_the_servers_policies_are_listed_too(qtbot, settings):
    dialog = SettingsDialog(settings=settings, server_policies={"drain_days": 14})
    qtbot.addWidget(dialog)
    last = dialog.policy_table.rowCount() - 1
    cells = [dialog.policy_table.item(last, c).text() for c in range(3)]
    assert cells == ["Days a closed account may still upload", "14", "server"]
