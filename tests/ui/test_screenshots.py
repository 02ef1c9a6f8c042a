"""Screenshots of every screen in both languages, on a small demo firm: written and not blank."""

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QImage

from desktop.ui.screenshots import LANGUAGES, prepare_demo_replica, take_screenshots
from tests.ui.test_pipeline_view import tasks  # noqa: F401 (imported for the signal guard)

SCREENS = (
    "main_my_day",
    "main_customers",
    "main_pipeline",
    "main_inbox",
    "main_inherited",
    "main_customer_file",
    "log_activity",
    "new_customer",
    "search",
    "my_day",
    "pipeline",
    "sync_inbox",
    "login",
    "login_failed",
    "settings",
    "shortcuts",
)

# The offscreen platform warns when a top-level window is shown; that says nothing about us.
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _distinct_colours(image: QImage, step: int = 7) -> int:
    return len(
        {
            image.pixel(x, y)
            for x in range(0, image.width(), step)
            for y in range(0, image.height(), step)
        }
    )


def test_every_screen_is_saved_in_both_languages_and_is_not_blank(qapp, tmp_path: Path):
    replica = prepare_demo_replica(tmp_path / "replica.sqlite3", size="tiny", today=date.today())
    try:
        written = take_screenshots(
            out_dir=tmp_path / "shots", replica=replica, work_dir=tmp_path / "work"
        )
    finally:
        replica.engine.dispose()
    expected = {tmp_path / "shots" / lang / f"{name}.png" for lang in LANGUAGES for name in SCREENS}
    assert set(written) == expected
    for path in sorted(expected):
        image = QImage(str(path))
        assert not image.isNull(), path
        assert image.width() >= 400 and image.height() >= 150, path
        assert _distinct_colours(image) > 8, f"{path} looks blank"
    # The Chinese set really is Chinese, and the app is back in English afterwards.
    english = QImage(str(tmp_path / "shots" / "en" / "my_day.png"))
    chinese = QImage(str(tmp_path / "shots" / "zh_CN" / "my_day.png"))
    assert english != chinese
    assert QCoreApplication.translate("MyDayView", "My day") == "My day"
