"""The pipeline board screen: columns, drag and drop moves through the task runner, undo."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, QMimeData, QModelIndex, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication
from sqlalchemy import Engine

from desktop.operations.pipeline_queries import DealCard, MonthForecast
from desktop.settings import Settings
from desktop.store.changes import read_record, update_record
from desktop.ui.context import UiContext
from desktop.ui.pipeline_chart import BAR_COLOUR, ForecastChartWidget
from desktop.ui.pipeline_model import CARD_MIME_TYPE, StageCardsModel, format_compact
from desktop.ui.pipeline_view import PipelineView
from desktop.ui.qt_compat import guard_signal_emit_refcount
from desktop.ui.sync_controller import SyncController
from desktop.ui.task_runner import TaskRunner
from tests.unit.test_pipeline_queries import TODAY, seed_pipeline

# At collection, before any test emits a signal: the binding's emit defect (see qt_compat) would
# otherwise abort a long test session. Every screen test of this area imports this module.
guard_signal_emit_refcount()


@pytest.fixture
def tasks(qapp) -> Iterator[TaskRunner]:
    runner = TaskRunner(network_workers=1)
    yield runner
    runner.shutdown()


@pytest.fixture
def context(replica: Engine, tasks: TaskRunner, tmp_path: Path) -> UiContext:
    """What the composition root hands every screen, on a temporary replica; no user yet."""
    settings = Settings(machine_path=None, user_path=tmp_path / "settings.json")
    return UiContext(
        engine=replica, tasks=tasks, settings=settings, sync=SyncController(), user_id=None
    )


@pytest.fixture
def board(qtbot, replica: Engine, context: UiContext):
    ids = seed_pipeline(replica)
    view = PipelineView(context=context, today=TODAY)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.board_loaded, timeout=5000):
        view.reload()
    return view, ids


def _card(name: str, stale: bool = False) -> DealCard:
    return DealCard("o-" + name, name, "c-1", "客户", 1000.0, "CNY", 0.5, "2026-12-01", "", stale)


def test_stage_cards_model_passes_the_model_tester(qtmodeltester):
    model = StageCardsModel("s-1")
    model.set_cards([_card("a"), _card("b", stale=True)])
    qtmodeltester.check(model)
    assert "No activity for a while" in model.data(model.index(1, 0))
    assert model.data(model.index(0, 0)).splitlines() == ["a", "客户", "CNY 1,000"]


def test_dropping_a_card_of_this_stage_is_not_a_move():
    model = StageCardsModel("s-1")
    model.set_cards([_card("a")])
    mime = model.mimeData([model.index(0, 0)])
    assert mime.hasFormat(CARD_MIME_TYPE)
    assert not model.canDropMimeData(mime, Qt.DropAction.MoveAction, -1, -1, QModelIndex())
    other = StageCardsModel("s-2")
    assert other.canDropMimeData(mime, Qt.DropAction.MoveAction, -1, -1, QModelIndex())
    assert not other.canDropMimeData(QMimeData(), Qt.DropAction.MoveAction, -1, -1, QModelIndex())


def test_board_shows_one_column_per_stage_with_totals_and_chart(board):
    view, _ids = board
    headers = [column.header.text() for column in view.columns]
    assert [h.split("  ·  ")[0] for h in headers] == ["招标", "投标", "中标"]
    tender = view.columns[0]
    assert tender.model.rowCount() == 2
    assert tender.totals.text().splitlines() == ["2 deal(s)", "CNY 1.2M  ·  weighted 200k"]
    assert tender.totals.toolTip() == "CNY 1,200,000  ·  weighted CNY 200,000"
    assert view.chart.bars == [("2026-12", 100_000), ("2027-01", 100_000)]
    assert view.pipeline_box.isVisibleTo(view)  # two pipelines: the choice is offered
    assert view.pipeline_box.count() == 2


def test_drop_moves_the_deal_and_undo_puts_it_back(qtbot, board, replica: Engine):
    view, ids = board
    tender, _bid, won = view.columns
    mime = tender.model.mimeData([tender.model.index(0, 0)])
    with qtbot.waitSignal(view.board_loaded, timeout=5000):
        won.model.dropMimeData(mime, Qt.DropAction.MoveAction, -1, -1, QModelIndex())
    assert won.model.rowCount() == 2 and tender.model.rowCount() == 1
    with replica.connect() as c:
        assert read_record(c, entity="opportunity", record_id=ids["big"])["status"] == "won"
    assert view.undo_button.isEnabled()

    with qtbot.waitSignal(view.board_loaded, timeout=5000):
        view.undo_last_move()
    assert tender.model.rowCount() == 2 and won.model.rowCount() == 1
    with replica.connect() as c:
        assert read_record(c, entity="opportunity", record_id=ids["big"])["stage_id"] == "s-tender"
    assert not view.undo_button.isEnabled()
    view.undo_last_move()
    assert view.status.text() == "Nothing to undo."


def test_a_refused_move_shows_why_and_changes_nothing(qtbot, board):
    view, ids = board
    with qtbot.waitSignal(view.move_failed, timeout=5000) as blocker:
        view.move_card(opportunity_id=ids["big"], stage_id="s-x")  # another pipeline's stage
    assert "another pipeline" in blocker.args[0]
    assert "another pipeline" in view.status.text()


def test_switching_pipeline_loads_its_stages(qtbot, board):
    view, _ids = board
    with qtbot.waitSignal(view.board_loaded, timeout=5000):
        view.pipeline_box.setCurrentIndex(1)
    assert [c.header.text().split("  ·  ")[0] for c in view.columns] == ["Lead"]


def test_an_empty_replica_says_no_pipeline_is_set_up(qtbot, context: UiContext):
    view = PipelineView(context=context, today=date(2026, 11, 23))
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.board_loaded, timeout=5000):
        view.reload()
    assert view.columns == [] and not view.empty_label.isHidden()


def test_a_finished_sync_redraws_the_board(qtbot, board, context: UiContext):
    view, _ids = board
    with qtbot.waitSignal(view.board_loaded, timeout=5000):
        context.sync.sync_finished.emit(context.sync.status())


def test_compact_amounts_count_in_wan_and_yi_in_chinese(qapp):
    previous = QLocale()
    try:
        QLocale.setDefault(QLocale("zh_CN"))
        assert [format_compact(v) for v in (950, 63_390_000, 146_030_000)] == [
            "950",
            "6,339万",
            "1.5亿",
        ]
        QLocale.setDefault(QLocale("en_US"))
        assert [format_compact(v) for v in (950, 8_600, 63_390_000)] == ["950", "9k", "63.4M"]
    finally:
        QLocale.setDefault(previous)


def test_the_card_menu_moves_a_deal_without_dragging_and_opens_its_customer(qtbot, board, replica):
    view, ids = board
    tender = view.columns[0]
    card = tender.model.card(0)
    menu = view.card_menu(card)
    open_action, move_action = menu.actions()
    targets = {action.data(): action for action in move_action.menu().actions()}
    assert set(targets) == {"s-bid", "s-won"}  # every stage but its own
    with qtbot.waitSignal(view.customer_requested) as requested:
        open_action.trigger()
    assert requested.args == [card.customer_id]
    with qtbot.waitSignal(view.board_loaded, timeout=5000):
        targets["s-bid"].trigger()
    with replica.connect() as c:
        assert read_record(c, entity="opportunity", record_id=card.opportunity_id)["stage_id"] == (
            "s-bid"
        )
    assert ids["big"] == card.opportunity_id


def test_the_chart_keeps_an_even_time_scale_and_shows_the_largest_currency(qtbot):
    chart = ForecastChartWidget()
    qtbot.addWidget(chart)
    chart.set_forecast(
        [
            MonthForecast("2026-11", "CNY", 300.0),
            MonthForecast("2027-02", "CNY", 100.0),
            MonthForecast("", "CNY", 50.0),
            MonthForecast("2026-12", "USD", 20.0),
        ]
    )
    assert chart.bars == [
        ("2026-11", 300.0),
        ("2026-12", 0.0),
        ("2027-01", 0.0),
        ("2027-02", 100.0),
        ("", 50.0),
    ]
    assert chart.toolTip() == "Also forecast in: USD"
    chart.resize(480, 160)
    image = chart.grab().toImage()
    painted = {
        image.pixelColor(x, y).name()
        for x in range(0, image.width(), 3)
        for y in range(0, image.height(), 3)
    }
    assert BAR_COLOUR.name() in painted  # the bars were drawn


def test_only_my_deals_narrows_the_board_to_the_signed_in_owner(qtbot, replica, context):
    ids = seed_pipeline(replica)
    with replica.begin() as c:
        update_record(c, entity="opportunity", record_id=ids["big"], changes={"owner_id": "u-me"})
    view = PipelineView(context=replace(context, user_id="u-me"), today=TODAY)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.board_loaded, timeout=5000):
        view.reload()
    assert sum(column.model.rowCount() for column in view.columns) > 1
    assert not view.mine_box.isHidden()
    with qtbot.waitSignal(view.board_loaded, timeout=5000) as loaded:
        view.mine_box.setChecked(True)
    cards = [card for column in loaded.args[0].columns for card in column.cards]
    assert [card.opportunity_id for card in cards] == [ids["big"]]


def test_a_drop_on_another_columns_list_moves_the_deal(qtbot, board, replica):
    """Through the list view's own drag-enter / move / drop handling, as a mouse drop arrives."""
    view, ids = board
    tender, bid, _won = view.columns
    mime = tender.model.mimeData([tender.model.index(0, 0)])
    target = bid.list.viewport()
    point = QPointF(20, target.height() - 5)  # below the cards: "add to this stage"
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    for event in (
        QDragEnterEvent(point, Qt.DropAction.MoveAction, mime, buttons, modifiers),
        QDragMoveEvent(point, Qt.DropAction.MoveAction, mime, buttons, modifiers),
    ):
        QApplication.sendEvent(target, event)
        assert event.isAccepted()
    with qtbot.waitSignal(view.board_loaded, timeout=5000):
        QApplication.sendEvent(
            target, QDropEvent(point, Qt.DropAction.MoveAction, mime, buttons, modifiers)
        )
    with replica.connect() as c:
        assert read_record(c, entity="opportunity", record_id=ids["big"])["stage_id"] == "s-bid"
    assert ids["big"] in {bid.model.card(r).opportunity_id for r in range(bid.model.rowCount())}


def _stale_ids(board) -> set[str]:
    return {card.opportunity_id for column in board.columns for card in column.cards if card.stale}


def test_the_stale_after_days_box_remarks_deals_and_is_kept_in_settings(
    qtbot, board, context: UiContext
):
    view, ids = board
    assert view.stale_days_box.value() == 30 and _stale_ids(view._snapshot.board) == {ids["small"]}
    with qtbot.waitSignal(view.board_loaded, timeout=5000) as loaded:
        view.stale_days_box.setValue(120)
    assert _stale_ids(loaded.args[0]) == set()
    assert context.settings.get("ui.pipeline_stale_days") == 120
    reread = Settings(machine_path=None, user_path=context.settings.user_path)
    assert reread.get("ui.pipeline_stale_days") == 120


def test_a_stale_days_preset_by_it_is_used_and_locked_only_when_a_policy(
    qtbot, replica: Engine, context: UiContext, tmp_path: Path
):
    machine = tmp_path / "machine.json"
    machine.write_text('{"ui.pipeline_stale_days": 120}', encoding="utf-8")
    preset = replace(
        context, settings=Settings(machine_path=machine, user_path=tmp_path / "user.json")
    )
    seed_pipeline(replica)
    view = PipelineView(context=preset, today=TODAY)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.board_loaded, timeout=5000) as loaded:
        view.reload()
    assert view.stale_days_box.value() == 120 and _stale_ids(loaded.args[0]) == set()
    assert view.stale_days_box.isEnabled()  # a default IT chose, not a policy: users may change it
