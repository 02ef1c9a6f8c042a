"""Languages of the app: English (the source strings) and Simplified Chinese.

The language follows the system locale unless the user picked one in Settings. Switching at run
time swaps the installed QTranslators; Qt then sends every widget a LanguageChange event, and each
screen re-reads its labels in `changeEvent` (see `retranslate_on_change`).

Translations live in `resources/translations/fieldbook_<lang>.ts` (source, edited with Qt
Linguist) and the compiled `.qm` next to it. Refresh both after changing UI strings:

    .venv/bin/python -m desktop.ui.i18n --update

which runs `pyside6-lupdate` over `desktop/` (keeping existing translations) and then
`pyside6-lrelease`.

Chinese text (customer names appear in either language) needs a CJK font; `configure_fonts`
adds an installed one as a fallback family so nothing renders as boxes.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QLibraryInfo,
    QLocale,
    QTranslator,
)
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from desktop.domain.messages import FIELD_LABELS, TEMPLATES

log = logging.getLogger(__name__)

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS_DIR = REPOSITORY_ROOT / "resources" / "translations"
APP_CATALOGUE = "fieldbook"

# Preferred CJK families, most complete first; the first one installed wins.
CJK_FONT_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "SimSun",
)


class Language(StrEnum):
    """The `ui.language` setting's values."""

    SYSTEM = "system"
    ENGLISH = "en"
    CHINESE = "zh_CN"


# Shown in each language's own words, so someone who cannot read the current one finds theirs.
LANGUAGE_NAMES: dict[Language, str] = {
    Language.ENGLISH: "English",
    Language.CHINESE: "简体中文",
}


def resolve_language(choice: str, system_locale: QLocale | None = None) -> Language:
    """The concrete language for a setting value; unknown values fall back to the system's."""
    if choice in (Language.ENGLISH, Language.CHINESE):
        return Language(choice)
    locale = system_locale if system_locale is not None else QLocale.system()
    if locale.language() == QLocale.Language.Chinese:
        return Language.CHINESE
    return Language.ENGLISH


class Translations:
    """Owns the installed translators of one application (built at the composition root)."""

    def __init__(self, app: QCoreApplication, translations_dir: Path = TRANSLATIONS_DIR) -> None:
        self._app = app
        self._dir = translations_dir
        self._installed: list[QTranslator] = []
        self.language = Language.ENGLISH
        self.missing: list[str] = []  # catalogues we looked for and did not find, for the log

    def apply(self, choice: str) -> Language:
        """Install the translators for `choice` ("system", "en", "zh_CN"); returns the language
        now in use. A missing catalogue leaves English text, never a crash."""
        language = resolve_language(choice)
        for translator in self._installed:
            QCoreApplication.removeTranslator(translator)
        self._installed = []
        self.missing = []
        if language is not Language.ENGLISH:
            qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
            # Qt's own strings (standard buttons, context menus), then ours. Only qtbase: the
            # `qt_` meta catalogue also names modules the app does not ship and fails to load.
            self._load(f"qtbase_{language.value}", qt_dir)
            self._load(f"{APP_CATALOGUE}_{language.value}", str(self._dir))
        self.language = language
        QLocale.setDefault(_formatting_locale(language))
        return language

    def _load(self, name: str, directory: str) -> None:
        translator = QTranslator(self._app)
        if translator.load(name, directory):
            QCoreApplication.installTranslator(translator)
            self._installed.append(translator)
        else:
            self.missing.append(f"{directory}/{name}.qm")
            log.warning("No %s.qm in %s: those strings stay in English", name, directory)


def _formatting_locale(language: Language) -> QLocale:
    """Dates and numbers: the system's own conventions when it speaks the chosen language (an
    English user in Hong Kong keeps day/month order), otherwise the language's defaults."""
    system = QLocale.system()
    # The "C" locale (servers, containers) has no real conventions: "30 10 2026" for a date.
    if system.language() != QLocale.Language.C and resolve_language("system", system) is language:
        return system
    return QLocale("en_US" if language is Language.ENGLISH else language.value)


def configure_fonts(app: QApplication) -> str | None:
    """Add an installed CJK family behind the default one; returns its name (None: none found,
    Chinese may then render as boxes on this machine)."""
    installed = set(QFontDatabase.families())
    cjk = next((family for family in CJK_FONT_FAMILIES if family in installed), None)
    if cjk is None:
        log.warning(
            "No CJK font installed (%s): Chinese text may show as boxes",
            ", ".join(CJK_FONT_FAMILIES),
        )
        return None
    font = QFont(app.font())
    families = [family for family in font.families() if family != cjk]
    font.setFamilies([*families, cjk] if families else [font.family(), cjk])
    app.setFont(font)
    return cjk


def retranslate_on_change(event: QEvent, retranslate: Callable[[], None]) -> None:
    """Call from a widget's `changeEvent`: re-read labels when the language was switched."""
    if event.type() == QEvent.Type.LanguageChange:
        retranslate()


def _qt_tool(name: str) -> str:
    """A PySide6 tool installed next to this interpreter (bin/ or Scripts\\ with .exe)."""
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        raise FileNotFoundError(f"{name} was not found next to {sys.executable}; install PySide6.")
    return found


# Validation messages are built outside Qt (desktop.domain.messages) and translated by their
# English template under this context, so lupdate cannot find them in the code.
VALIDATION_CONTEXT = "Validation"


def _validation_strings_source() -> str:
    """Python source marking every validation template and field label for lupdate."""
    strings = dict.fromkeys([*TEMPLATES.values(), *FIELD_LABELS.values()])
    context = json.dumps(VALIDATION_CONTEXT)
    lines = [
        f"QT_TRANSLATE_NOOP({context}, {json.dumps(text, ensure_ascii=False)})" for text in strings
    ]
    return "\n".join(lines) + "\n"


def update_catalogues(languages: tuple[Language, ...] = (Language.CHINESE,)) -> None:
    """Re-extract strings from the sources into the .ts files, then compile the .qm files."""
    lupdate, lrelease = _qt_tool("pyside6-lupdate"), _qt_tool("pyside6-lrelease")
    sources = sorted(
        str(path.relative_to(REPOSITORY_ROOT))
        for path in (REPOSITORY_ROOT / "desktop").rglob("*.py")
    )
    TRANSLATIONS_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fieldbook-lupdate-") as scratch:
        validation_source = Path(scratch) / "validation_strings.py"
        validation_source.write_text(_validation_strings_source(), encoding="utf-8")
        for language in languages:
            ts_file = TRANSLATIONS_DIR / f"{APP_CATALOGUE}_{language.value}.ts"
            subprocess.run(
                # No line numbers in the .ts: they would change with every edit of any screen.
                [
                    lupdate,
                    "-locations",
                    "none",
                    "-no-obsolete",
                    *sources,
                    str(validation_source),
                    "-ts",
                    str(ts_file),
                ],
                check=True,
                cwd=REPOSITORY_ROOT,
            )
            subprocess.run(
                [lrelease, str(ts_file), "-qm", str(ts_file.with_suffix(".qm"))], check=True
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Refresh the app's translation catalogues.")
    parser.add_argument(
        "--update", action="store_true", help="run lupdate over desktop/ and compile with lrelease"
    )
    args = parser.parse_args(argv)
    if not args.update:
        parser.print_help()
        return 2
    update_catalogues()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
