"""My day's minute reminder check stops with the task runner, so a closing app (or a test that
outlives its runner) never queues work on a runner that accepts none."""

import pytest

from tests.ui.test_my_day_view import my_day  # noqa: F401 (fixture)
from tests.ui.test_pipeline_view import context, tasks  # noqa: F401 (shared fixtures)

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def test_the_reminder_timer_stops_when_the_task_runner_shuts_down(qtbot, my_day, tasks):  # noqa: F811
    view, _ids = my_day
    with qtbot.waitSignal(view.reminders_checked, timeout=5000):
        view.show()
    assert view.reminder_timer.isActive()
    with qtbot.waitSignal(tasks.stopped, timeout=1000):
        tasks.shutdown()
    assert not view.reminder_timer.isActive()
