"""Languages: the system locale decides unless chosen; switching relabels open screens."""

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from desktop.domain.messages import FIELD_LABELS, TEMPLATES
from desktop.settings import Settings
from desktop.ui.i18n import (
    CJK_FONT_FAMILIES,
    TRANSLATIONS_DIR,
    VALIDATION_CONTEXT,
    Language,
    Translations,
    configure_fonts,
    resolve_language,
)
from desktop.ui.my_day_view import MyDayView
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.shortcuts import SHORTCUTS, ShortcutHelpDialog
from tests.ui.test_my_day_view import NOON
from tests.ui.test_pipeline_view import context, tasks  # noqa: F401 (shared fixtures)
from tests.unit.test_my_day_queries import ME, seed_my_day

CATALOGUE = TRANSLATIONS_DIR / "fieldbook_zh_CN.ts"


@pytest.fixture
def translations(qapp: QApplication) -> Iterator[Translations]:
    """Switch languages for one test, then put English and the default locale back."""
    previous_locale = QLocale()
    translations = Translations(qapp)
    yield translations
    translations.apply(Language.ENGLISH)
    QLocale.setDefault(previous_locale)
    QCoreApplication.processEvents()  # deliver the LanguageChange events of the switch back


def test_the_system_locale_decides_unless_a_language_was_chosen():
    chinese, american = QLocale("zh_CN"), QLocale("en_US")
    assert resolve_language("system", chinese) is Language.CHINESE
    assert resolve_language("system", QLocale("zh_TW")) is Language.CHINESE
    assert resolve_language("system", american) is Language.ENGLISH
    assert resolve_language("en", chinese) is Language.ENGLISH
    assert resolve_language("zh_CN", american) is Language.CHINESE
    assert resolve_language("klingon", chinese) is Language.CHINESE  # unknown: the system's


def test_switching_to_chinese_relabels_open_screens_and_back(qtbot, translations, tmp_path):
    settings = Settings(machine_path=None, user_path=tmp_path / "settings.json")
    dialog = SettingsDialog(settings=settings, server_policies={"drain_days": 14})
    qtbot.addWidget(dialog)
    help_dialog = ShortcutHelpDialog()
    qtbot.addWidget(help_dialog)
    assert dialog.windowTitle() == "Settings"

    assert translations.apply("zh_CN") is Language.CHINESE
    assert translations.missing == []  # ours and Qt's own catalogues were found
    qtbot.waitUntil(lambda: dialog.windowTitle() == "设置", timeout=2000)
    last = dialog.policy_table.rowCount() - 1
    assert dialog.policy_table.item(last, 0).text() == "关闭的账号仍可上传的天数"
    assert dialog.policy_table.item(last, 2).text() == "服务器"
    assert dialog.language_box.itemText(0) == "跟随系统"
    # Qt's own base translations cover the standard buttons.
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.text() not in ("OK", "&OK")
    assert help_dialog.table.item(0, 0).text() == "搜索客户"
    assert QLocale().language() == QLocale.Language.Chinese

    translations.apply("en")
    qtbot.waitUntil(lambda: dialog.windowTitle() == "Settings", timeout=2000)
    assert help_dialog.table.item(0, 0).text() == SHORTCUTS[0].label


def test_a_loaded_screen_redraws_its_rows_in_the_new_language(
    qtbot,
    translations,
    replica,
    context,  # noqa: F811
):
    seed_my_day(replica)
    view = MyDayView(context=replace(context, user_id=ME), clock=lambda: NOON)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.day_loaded, timeout=5000):
        view.reload()
    assert view.today.model.data(view.today.model.index(0, 3)) == "High"
    with qtbot.waitSignal(view.today.model.modelReset, timeout=2000):  # rows redrawn
        translations.apply("zh_CN")
    assert view.today.heading.text() == "今日到期"
    assert view.today.model.data(view.today.model.index(0, 3)) == "高"
    assert view.today.model.headerData(1, Qt.Orientation.Horizontal) == "客户"


def test_a_missing_catalogue_leaves_english_and_says_which(qapp, tmp_path):
    translations = Translations(qapp, translations_dir=tmp_path)
    try:
        translations.apply("zh_CN")
        assert any(path.endswith("fieldbook_zh_CN.qm") for path in translations.missing)
        assert QCoreApplication.translate("MyDayView", "My day") == "My day"
    finally:
        translations.apply("en")


def test_every_string_in_the_catalogue_has_a_chinese_translation():
    root = ET.parse(CATALOGUE).getroot()
    untranslated = []
    for group in root.iter("context"):
        for message in group.iter("message"):
            translation = message.find("translation")
            assert translation is not None
            text = "".join(translation.itertext()).strip()
            if translation.get("type") in ("unfinished", "vanished") or not text:
                untranslated.append((group.findtext("name"), message.findtext("source")))
    assert untranslated == []
    assert CATALOGUE.with_suffix(".qm").stat().st_size > 1000


def test_an_installed_cjk_font_becomes_the_fallback(qapp):
    installed = [f for f in CJK_FONT_FAMILIES if f in set(QFontDatabase.families())]
    previous = qapp.font()
    try:
        chosen = configure_fonts(qapp)
        if not installed:
            assert chosen is None
            return
        assert chosen == installed[0]
        assert chosen in qapp.font().families()
    finally:
        qapp.setFont(previous)


def test_validation_messages_from_the_domain_are_in_the_catalogue(translations):
    """They are built outside Qt, so the refresh command adds them; each must be translated."""
    translations.apply("zh_CN")
    for key, template in TEMPLATES.items():
        translated = QCoreApplication.translate(VALIDATION_CONTEXT, template)
        assert translated != template, key
        assert "{label}" in translated or "{label}" not in template, key
    assert QCoreApplication.translate(VALIDATION_CONTEXT, FIELD_LABELS["phone"]) == "电话"
