"""The sync inbox screen: conflicts and refused changes, side by side, re-apply and dismiss."""

import json

import pytest
from sqlalchemy import Engine, func, select

from desktop.store.bulk import upsert_rows
from desktop.store.changes import create_record, read_record
from desktop.store.schema import outbox
from desktop.ui.sync_inbox_model import (
    ConflictsModel,
    RefusedChangesModel,
    read_inbox_snapshot,
)
from desktop.ui.sync_inbox_view import SyncInboxView
from tests.ui.test_pipeline_view import context, tasks  # noqa: F401 (shared fixtures)


def seed_inbox(replica: Engine) -> dict[str, str]:
    """One customer whose phone edit lost to a colleague's, and one refused address change."""
    with replica.begin() as c:
        upsert_rows(
            c,
            entity="user",
            rows=[
                {"id": "u-me", "login": "li", "display_name": "李雷", "role": "am", "version": 1},
                {
                    "id": "u-wang",
                    "login": "wang",
                    "display_name": "王芳",
                    "role": "am",
                    "version": 1,
                },
            ],
        )
        customer = create_record(
            c, entity="customer", fields={"name": "华东建设集团", "phone": "021-5555 0001"}
        )
        upsert_rows(
            c,
            entity="conflict",
            rows=[
                {
                    "id": "k-phone",
                    "customer_id": customer,
                    "entity": "customer",
                    "entity_id": customer,
                    "field": "phone",
                    "kept_value": json.dumps("021-5555 0001"),
                    "lost_value": json.dumps("021-6666 0002"),
                    "lost_by": "u-me",
                    "won_by": "u-wang",
                    "created_at": "2026-11-23T09:00:00Z",
                    "version": 1,
                }
            ],
        )
        upsert_rows(
            c,
            entity="sync_error",
            rows=[
                {
                    "id": "e-address",
                    "user_id": "u-me",
                    "mutation_id": 7,
                    "entity": "customer",
                    "entity_id": customer,
                    "code": "forbidden",
                    "message": "The customer was reassigned to 王芳.",
                    "rejected": json.dumps({"address": "上海市浦东新区"}, ensure_ascii=False),
                    "created_at": "2026-11-23T10:00:00Z",
                    "version": 1,
                }
            ],
        )
    return {"customer": customer}


@pytest.fixture
def inbox(qtbot, replica: Engine, context):  # noqa: F811 (fixture)
    ids = seed_inbox(replica)
    view = SyncInboxView(context=context)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.inbox_loaded, timeout=5000):
        view.reload()
    return view, ids


def test_inbox_models_pass_the_model_tester(qtmodeltester, replica: Engine):
    seed_inbox(replica)
    snapshot = read_inbox_snapshot(replica)
    conflicts, refused = ConflictsModel(), RefusedChangesModel()
    conflicts.set_snapshot(snapshot)
    refused.set_snapshot(snapshot)
    qtmodeltester.check(conflicts)
    qtmodeltester.check(refused)
    row = [conflicts.data(conflicts.index(0, col)) for col in range(conflicts.columnCount())]
    assert row[:5] == ["Customer: 华东建设集团", "phone", "021-5555 0001", "021-6666 0002", "王芳"]
    assert refused.data(refused.index(0, 1)) == "address = 上海市浦东新区"
    assert refused.data(refused.index(0, 2)).startswith("You may no longer change this record.")
    assert "reassigned to 王芳" in refused.data(refused.index(0, 2))


def test_selecting_a_conflict_compares_kept_and_lost_values(inbox):
    view, _ids = inbox
    assert view.tabs.tabText(0) == "Conflicts (1)" and view.tabs.tabText(1) == "Refused changes (1)"
    # The newest entry is selected on load, so the comparison shows without a click.
    assert view.conflicts_table.selectionModel().selectedRows()[0].row() == 0
    cells = [view.compare.item(0, col).text() for col in range(3)]
    assert cells == ["phone", "021-5555 0001", "021-6666 0002"]
    assert view.reapply_button.isEnabled()


def test_a_refused_change_shows_current_and_refused_values_and_cannot_be_reapplied(inbox):
    view, _ids = inbox
    view.tabs.setCurrentIndex(1)
    view.refused_table.selectRow(0)
    cells = [view.compare.item(0, col).text() for col in range(3)]
    assert cells == ["address", "—", "上海市浦东新区"]
    assert view.compare.horizontalHeaderItem(2).text() == "Refused value"
    assert not view.reapply_button.isEnabled() and view.dismiss_button.isEnabled()


def test_reapplying_writes_the_lost_value_as_a_new_edit(qtbot, inbox, replica: Engine):
    view, ids = inbox
    with replica.connect() as c:
        before = c.execute(select(func.count()).select_from(outbox)).scalar_one()
    view.conflicts_table.selectRow(0)
    with qtbot.waitSignal(view.inbox_loaded, timeout=5000):
        view.reapply_button.click()
    with replica.connect() as c:
        assert read_record(c, entity="customer", record_id=ids["customer"])["phone"] == (
            "021-6666 0002"
        )
        assert c.execute(select(func.count()).select_from(outbox)).scalar_one() == before + 1
    assert view.conflicts_model.rowCount() == 0
    assert view.tabs.tabText(0) == "Conflicts (0)"


def test_dismissing_a_refused_change_hides_it_but_keeps_the_record(qtbot, inbox, replica):
    view, _ids = inbox
    view.tabs.setCurrentIndex(1)
    view.refused_table.selectRow(0)
    with qtbot.waitSignal(view.counts_changed, timeout=5000) as counts:
        view.dismiss_button.click()
    assert counts.args == [0, 1]
    assert view.refused_model.rowCount() == 0
    with replica.connect() as c:
        assert read_record(c, entity="sync_error", record_id="e-address")["code"] == "forbidden"


def test_enter_on_an_entry_opens_its_customer(qtbot, inbox):
    view, ids = inbox
    view.tabs.setCurrentIndex(1)
    view.refused_table.selectRow(0)
    with qtbot.waitSignal(view.customer_requested) as requested:
        view.refused_table.activated.emit(view.refused_model.index(0, 0))
    assert requested.args == [ids["customer"]]


def test_an_empty_inbox_offers_no_action(qtbot, context):  # noqa: F811
    view = SyncInboxView(context=context)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.inbox_loaded, timeout=5000):
        view.reload()
    assert view.conflicts_model.rowCount() == 0 and view.compare.rowCount() == 0
    assert not view.reapply_button.isEnabled() and not view.dismiss_button.isEnabled()
    assert view.compare.horizontalHeaderItem(1).text() == "Kept (on the server)"
    view.dismiss_selected()
    assert view.status.text() == "Select an entry first."
