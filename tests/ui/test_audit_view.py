"""The audit viewer against a real server: per-customer ownership history, filters, names."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDate

from desktop.sync.admin_client import AdminClient, AuditEntry
from desktop.ui.audit_model import AuditLogModel, Names, OwnershipModel, ownership_history
from desktop.ui.audit_view import AuditView
from desktop.ui.task_runner import TaskRunner
from tests.e2e.book import OnlineFirm, online_firm
from tests.e2e.live_server import ui_context_for


@pytest.fixture
def tasks(qapp) -> Iterator[TaskRunner]:
    runner = TaskRunner(network_workers=1)
    yield runner
    runner.shutdown()


@pytest.fixture
def handed_over(tmp_path: Path) -> Iterator[OnlineFirm]:
    with online_firm(tmp_path) as online:
        admin = AdminClient(api=online.admin.api)
        admin.handover(
            from_user=online.firm.leaver,
            to_user=online.firm.successor,
            customer_ids=list(online.book.gold),
        )
        online.admin.sync.sync_once()  # the admin's replica knows the customers' names
        yield online


@pytest.fixture
def audit_view(qtbot, tasks: TaskRunner, handed_over: OnlineFirm, tmp_path: Path):
    online = handed_over
    with ui_context_for(
        online.admin.engine, tasks=tasks, folder=tmp_path, user_id=online.firm.admin
    ) as context:
        view = AuditView(context=context, admin=AdminClient(api=online.admin.api))
        qtbot.addWidget(view)
        yield view


def _entry(action: str, at: str, detail: object, actor: str | None = "u-admin") -> AuditEntry:
    return AuditEntry(1, at, actor, "c-1", action, "customer", "c1", "c1", detail)


def test_models_pass_the_model_tester(qtmodeltester):
    names = Names({"u-li": "李娜", "u-zhao": "赵强", "u-admin": "admin"}, {"c1": "上海建工"})
    entries = [
        _entry("customer.reassign", "2026-11-23T10:00:00Z", {"from_owner": "u-li",
                                                             "to_owner": "u-zhao"}),
        _entry("export", "2026-11-22T10:00:00Z", {"count": 3, "ids": ["c1"]}, actor=None),
    ]  # fmt: skip
    audit = AuditLogModel()
    audit.set_entries(entries, names)
    qtmodeltester.check(audit)
    assert audit.data(audit.index(0, 1)) == "admin"
    assert audit.data(audit.index(0, 2)) == "customer reassigned"
    assert audit.data(audit.index(0, 3)) == "上海建工"
    assert audit.data(audit.index(0, 4)) == "from_owner: 李娜; to_owner: 赵强"
    assert audit.data(audit.index(1, 1)) == "system"
    assert audit.data(audit.index(1, 4)) == "count: 3"
    ownership = OwnershipModel()
    ownership.set_changes(ownership_history(entries), names)
    qtmodeltester.check(ownership)
    assert [ownership.data(ownership.index(0, c)) for c in range(4)] == [
        "2026-11-23 10:00:00",
        "李娜",
        "赵强",
        "admin",
    ]


def test_customer_history_shows_who_handed_it_to_whom(qtbot, handed_over, audit_view):
    online, view = handed_over, audit_view
    with qtbot.waitSignal(view.users_loaded, timeout=10_000):
        view.load()
    customer = online.book.gold[0]
    with qtbot.waitSignal(view.entries_loaded, timeout=10_000) as loaded:
        view.show_customer(customer)
    assert loaded.args[0] >= 1
    actions = [entry.action for entry in view.model.entries()]
    assert "customer.reassign" in actions
    assert all(entry.customer_id == customer for entry in view.model.entries())
    assert view.customer_label.text() == "上海建工集团"
    ownership = view.ownership_model
    assert ownership.rowCount() == 1
    assert ownership.data(ownership.index(0, 1)) == "李娜 (li)"
    assert ownership.data(ownership.index(0, 2)) == "赵强 (zhao)"
    assert ownership.data(ownership.index(0, 3)) == "系统管理员 (admin)"
    assert not view.ownership_table.isHidden()

    # The silver customer was not handed over: no ownership change on record.
    with qtbot.waitSignal(view.entries_loaded, timeout=10_000):
        view.show_customer(online.book.silver[0])
    assert view.ownership_model.rowCount() == 0

    # A period in the past holds nothing of today's hand-over.
    view.set_period(QDate(2020, 1, 1), QDate(2020, 12, 31))
    with qtbot.waitSignal(view.entries_loaded, timeout=10_000) as empty:
        view.show_customer(customer)
    assert empty.args == [0]


def test_a_backwards_period_is_refused_with_a_message(qtbot, audit_view):
    view = audit_view
    view.set_period(QDate(2026, 12, 1), QDate(2026, 11, 1))
    with qtbot.waitSignal(view.action_failed) as failed:
        view.refresh()
    assert "ends before it starts" in failed.args[0]


def test_filter_by_user(qtbot, handed_over, audit_view):
    online, view = handed_over, audit_view
    with qtbot.waitSignal(view.users_loaded, timeout=10_000):
        view.load()
    view.select_user(online.firm.admin)
    with qtbot.waitSignal(view.entries_loaded, timeout=10_000):
        view.refresh()
    assert {entry.actor_id for entry in view.model.entries()} == {online.firm.admin}
    actions = {entry.action for entry in view.model.entries()}
    assert {"login", "customer.reassign"} <= actions
    login_row = [entry.action for entry in view.model.entries()].index("login")
    assert view.model.data(view.model.index(login_row, 2)) == "signed in"


def test_find_a_customer_by_name_in_the_local_copy(qtbot, handed_over, audit_view):
    online, view = handed_over, audit_view
    with (
        qtbot.waitSignal(view.customers_found, timeout=10_000) as found,
        qtbot.waitSignal(view.entries_loaded, timeout=10_000),
    ):
        view.find_customer("上海建工")
    assert found.args == [1]
    assert view.current_filter().customer_id == online.book.gold[0]
    assert view.ownership_model.rowCount() == 1
    assert view.customer_matches.isVisibleTo(view)
    with qtbot.waitSignal(view.customers_found, timeout=10_000) as nothing:
        view.find_customer("不存在的公司")
    assert nothing.args == [0]
    assert "No customer matches" in view.status_label.text()
    with qtbot.waitSignal(view.entries_loaded, timeout=10_000):
        view.clear_customer_button.click()
    assert view.current_filter().customer_id is None
    assert not view.customer_matches.isVisibleTo(view)
