"""The hand-over screen against a real server: preview, split by tier, confirm, result."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.operations.inherited import inherited_customers
from desktop.sync.admin_client import AdminClient
from desktop.ui.handover_model import HandoverPlanModel, PlanRow
from desktop.ui.handover_view import HandoverView
from desktop.ui.task_runner import TaskRunner
from tests.e2e.book import Book, online_firm
from tests.e2e.live_server import DesktopClient, Firm, sign_in, ui_context_for


@pytest.fixture
def tasks(qapp) -> Iterator[TaskRunner]:
    runner = TaskRunner(network_workers=1)
    yield runner
    runner.shutdown()


@pytest.fixture
def firm_online(tmp_path: Path) -> Iterator[tuple[Firm, Book, DesktopClient, str]]:
    with online_firm(tmp_path) as online:
        yield online.firm, online.book, online.admin, online.server.url


def test_plan_model_passes_the_model_tester(qtmodeltester):
    model = HandoverPlanModel()
    model.set_rows([PlanRow("c1", "上海建工", "gold", "East"), PlanRow("c2", "Acme", "", "")])
    model.assign([1], successor_id="u2", name="赵强")
    qtmodeltester.check(model)
    assert model.plan() == {"u2": ["c2"]}
    assert model.kept() == 1
    assert model.data(model.index(1, 3)) == "赵强"
    assert model.rows_matching(tier="gold") == [0]


def test_split_hand_over_by_tier_with_preview_progress_and_result(
    qtbot, tasks: TaskRunner, firm_online, tmp_path: Path
):
    firm, book, admin, server_url = firm_online
    with ui_context_for(admin.engine, tasks=tasks, folder=tmp_path, user_id=firm.admin) as context:
        view = HandoverView(context=context, admin=AdminClient(api=admin.api))
        qtbot.addWidget(view)
        _split_and_confirm(qtbot, view, firm, book)
    _check_successor(firm, book, server_url, tmp_path)


def _split_and_confirm(qtbot, view: HandoverView, firm: Firm, book: Book) -> None:
    with qtbot.waitSignal(view.users_loaded, timeout=10_000):
        view.load()
    view.select_successor(firm.successor)
    with (
        qtbot.waitSignal(view.book_loaded, timeout=10_000) as loaded,
        qtbot.waitSignal(view.preview_ready, timeout=10_000) as preview,
    ):
        view.select_leaver(firm.leaver)
    assert loaded.args == [3]
    counts = preview.args[0]
    assert (counts.customers, counts.open_opportunities, counts.open_followups) == (3, 1, 1)
    assert "holds 3 customers, 1 open opportunities, 1 open follow-ups" in view.preview_label.text()
    assert not view.deactivate_check.isHidden()

    # Gold customers to the successor, the silver one to the team head.
    view.tier_combo.setCurrentIndex(view.tier_combo.findData("gold"))
    assert view.assign_matching() == 2
    silver_row = next(
        n for n, row in enumerate(view.plan_model.rows()) if row.customer_id == book.silver[0]
    )
    view.table.selectRow(silver_row)
    view.select_successor(firm.head)
    assert view.assign_selected() == 1
    assert "2 customers go to 赵强" in view.preview_label.text()
    assert "1 customers go to 陈主管" in view.preview_label.text()
    qtbot_check_model = view.plan_model.plan()
    assert sorted(qtbot_check_model[firm.successor]) == sorted(book.gold)

    # Closing the account while a customer has no successor is refused.
    view.plan_model.assign([silver_row], successor_id=None, name="")
    view.deactivate_check.setChecked(True)
    with qtbot.waitSignal(view.action_failed) as refused:
        view.confirm()
    assert "Give every customer a successor" in refused.args[0]
    view.table.selectRow(silver_row)
    view.assign_selected()

    with qtbot.waitSignal(view.handover_finished, timeout=20_000) as finished:
        view.confirm()
    results = finished.args[0]
    assert results["zhao"].customers == 2
    assert results["zhao"].open_opportunities == 1 and results["zhao"].open_followups == 1
    assert results["chen"].customers == 1
    assert "zhao: 2 customers" in view.result_label.text()
    assert view.plan_model.rowCount() == 0  # everything moved: nothing left in the plan
    assert "account is closed" in view.result_label.text()


def _check_successor(firm: Firm, book: Book, server_url: str, tmp_path: Path) -> None:
    # The successor's own computer now lists the inherited customers with their history.
    successor = sign_in(server_url, login="zhao", data_dir=tmp_path / "zhao")
    try:
        successor.sync.sync_once()
        queue = inherited_customers(
            successor.engine, user_id=firm.successor, now="2026-11-23T00:00:00Z"
        )
        assert sorted(item.customer_id for item in queue) == sorted(book.gold)
        jiangong = next(item for item in queue if item.name == "上海建工集团")
        assert jiangong.previous_owner == "李娜"
        assert [deal.name for deal in jiangong.open_deals] == ["二期工程"]
        assert [step.title for step in jiangong.next_steps] == ["发新报价"]
    finally:
        successor.close()


def test_successor_must_differ_from_the_leaver(
    qtbot, tasks: TaskRunner, firm_online, tmp_path: Path
):
    firm, _book, admin, _url = firm_online
    with ui_context_for(admin.engine, tasks=tasks, folder=tmp_path, user_id=firm.admin) as context:
        view = HandoverView(context=context, admin=AdminClient(api=admin.api))
        qtbot.addWidget(view)
        with qtbot.waitSignal(view.users_loaded, timeout=10_000):
            view.load()
        with qtbot.waitSignal(view.book_loaded, timeout=10_000):
            view.select_leaver(firm.leaver)
        view.select_successor(firm.leaver)
        with qtbot.waitSignal(view.action_failed) as failed:
            assert view.assign_all() == 0
        assert "someone other than the leaver" in failed.args[0]


def test_a_team_head_hands_over_within_the_own_team_only(qtbot, tasks: TaskRunner, tmp_path: Path):
    with online_firm(tmp_path) as online:
        people = online.server.people
        west = people.team("华南 West")
        people.user("wu", "account_manager", west, "吴磊")
        head = sign_in(online.server.url, login="chen", data_dir=tmp_path / "chen")
        try:
            head.sync.sync_once()  # a team head's copy holds the team's customers
            with ui_context_for(
                head.engine, tasks=tasks, folder=tmp_path, user_id=online.firm.head
            ) as context:
                view = HandoverView(context=context, admin=AdminClient(api=head.api))
                qtbot.addWidget(view)
                with qtbot.waitSignal(view.users_loaded, timeout=10_000) as loaded:
                    view.load()
                logins = {user.login for user in loaded.args[0]}
                assert "wu" not in logins  # another team's people are not offered
                assert view.deactivate_check.isHidden()  # closing accounts is for admins
                assert {"li", "zhao"} <= logins
                view.select_successor(online.firm.successor)
                with qtbot.waitSignal(view.book_loaded, timeout=10_000) as book:
                    view.select_leaver(online.firm.leaver)
                assert book.args == [3]
                view.assign_all()
                with qtbot.waitSignal(view.handover_finished, timeout=20_000) as finished:
                    view.confirm()
                assert finished.args[0]["zhao"].customers == 3
        finally:
            head.close()


def test_the_preview_says_what_the_leavers_laptop_still_holds(
    qtbot, tasks: TaskRunner, firm_online, tmp_path: Path
):
    firm, _book, admin, server_url = firm_online
    laptop = sign_in(server_url, login="li", data_dir=tmp_path / "li-laptop")
    try:
        laptop.api.hello(pending_changes=4)  # as the sync engine reports it at every sync
    finally:
        laptop.close()
    with ui_context_for(admin.engine, tasks=tasks, folder=tmp_path, user_id=firm.admin) as context:
        view = HandoverView(context=context, admin=AdminClient(api=admin.api))
        qtbot.addWidget(view)
        with qtbot.waitSignal(view.users_loaded, timeout=10_000):
            view.load()
        view.select_successor(firm.successor)
        with qtbot.waitSignal(view.preview_ready, timeout=10_000) as preview:
            view.select_leaver(firm.leaver)
        assert preview.args[0].unsynced_changes == 4
        assert "still hold 4 unsent changes" in view.preview_label.text()
