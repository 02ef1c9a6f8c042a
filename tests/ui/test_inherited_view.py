"""The successor's inherited-customers queue screen over a local replica."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from desktop.ui.inherited_view import CUSTOMER_ID_ROLE, InheritedCustomersModel, InheritedView
from desktop.ui.task_runner import TaskRunner
from tests.e2e.live_server import ui_context_for
from tests.unit.test_inherited import SUCCESSOR, seed_handover

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def tasks(qapp) -> Iterator[TaskRunner]:
    runner = TaskRunner(network_workers=1)
    yield runner
    runner.shutdown()


@pytest.fixture
def view(qtbot, replica: Engine, tasks: TaskRunner, tmp_path: Path):
    ids = seed_handover(replica)
    with ui_context_for(replica, tasks=tasks, folder=tmp_path, user_id=SUCCESSOR) as context:
        screen = InheritedView(context=context, clock=lambda: NOW)
        qtbot.addWidget(screen)
        with qtbot.waitSignal(screen.queue_loaded, timeout=5000):
            screen.reload()
        yield screen, ids, context


def test_model_passes_the_model_tester(qtmodeltester, view):
    screen, _ids, _context = view
    qtmodeltester.check(screen.model)
    qtmodeltester.check(InheritedCustomersModel())


def test_queue_lists_inherited_customers_with_their_summary(view):
    screen, ids, _context = view
    model = screen.model
    assert model.rowCount() == 2
    rows = {model.data(model.index(n, 0), CUSTOMER_ID_ROLE): n for n in range(2)}
    jiangong = model.index(rows[ids["jiangong"]], 0)
    assert model.data(jiangong) == "上海建工 · from 李娜 · last contact 2026-11-10"
    screen.list.setCurrentIndex(jiangong)
    summary = screen.summary.toPlainText()
    assert "Agreed next step: 下周一发新报价" in summary
    assert "Open deal: 二期工程" in summary
    assert "Overdue 2026-11-16: 发新报价" in summary
    assert screen.empty_label.isHidden()


def test_open_and_mark_reviewed(qtbot, view):
    screen, ids, _context = view
    acme = next(
        n for n in range(2) if screen.model.data(screen.model.index(n, 0), CUSTOMER_ID_ROLE)
        == ids["acme"]
    )  # fmt: skip
    screen.list.setCurrentIndex(screen.model.index(acme, 0))
    with qtbot.waitSignal(screen.open_customer) as opened:
        screen.open_button.click()
    assert opened.args == [ids["acme"]]
    with qtbot.waitSignal(screen.queue_loaded, timeout=5000) as reloaded:
        screen.reviewed_button.click()
    assert reloaded.args == [1]
    assert screen.current() is not None and screen.current().customer_id == ids["jiangong"]


@pytest.mark.parametrize("user_id", ["nobody", None])
def test_an_empty_queue_says_so(qtbot, replica: Engine, tasks: TaskRunner, tmp_path, user_id):
    with ui_context_for(replica, tasks=tasks, folder=tmp_path, user_id=user_id) as context:
        screen = InheritedView(context=context, clock=lambda: NOW)
        qtbot.addWidget(screen)
        with qtbot.waitSignal(screen.queue_loaded, timeout=5000) as loaded:
            screen.reload()
        assert loaded.args == [0]
        assert not screen.empty_label.isHidden()
        assert not screen.open_button.isEnabled()


def test_a_finished_sync_reloads_the_queue(qtbot, view):
    screen, _ids, context = view
    with qtbot.waitSignal(screen.queue_loaded, timeout=5000) as reloaded:
        context.sync.sync_finished.emit(None)
    assert reloaded.args == [2]
