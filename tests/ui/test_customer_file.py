"""The customer file: everything about one customer, inline edits with validation, the timeline."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from desktop.operations.status import pending_changes
from desktop.store.changes import read_record
from desktop.store.schema import entity_tables
from desktop.ui.customer_file_view import CustomerFileView

ACTIVITY = entity_tables["activity"]
CUSTOMER = entity_tables["customer"]


def _busiest_customer(engine) -> tuple[str, int]:
    with engine.connect() as connection:
        row = connection.execute(
            select(ACTIVITY.c.customer_id, func.count().label("n"))
            .join(CUSTOMER, CUSTOMER.c.id == ACTIVITY.c.customer_id)
            .where(CUSTOMER.c.archived == 0)
            .group_by(ACTIVITY.c.customer_id)
            .order_by(func.count().desc())
        ).first()
    assert row is not None
    return row.customer_id, int(row.n)


@pytest.fixture
def opened(qtbot, ui_context):
    view = CustomerFileView(context=ui_context)
    qtbot.addWidget(view)
    customer_id, activities = _busiest_customer(ui_context.engine)
    with qtbot.waitSignal(view.file_loaded, timeout=5000):
        view.show_customer(customer_id)
    return view, customer_id, activities


def test_the_file_shows_facts_owner_and_the_timeline_newest_first(
    opened, ui_context, qtmodeltester
):
    view, customer_id, activities = opened
    stored = read_record(ui_context.engine.connect(), entity="customer", record_id=customer_id)
    assert view.title.text() == stored["name"]
    assert view.editors["name"].text() == stored["name"]
    assert view.owner_label.text().startswith("Owner: ")
    assert view.timeline_model.total == activities
    times = [
        view.timeline_model.entry(r).occurred_at for r in range(view.timeline_model.rowCount())
    ]
    assert times == sorted(times, reverse=True)
    for model in (
        view.timeline_model,
        view.contacts_model,
        view.opportunities_model,
        view.followups_model,
    ):
        qtmodeltester.check(model)


def test_the_timeline_fetches_more_as_you_scroll(qtbot, ui_context, opened):
    view, customer_id, activities = opened
    # Small pages so a tiny firm's customer spans several.
    view.timeline_model._page_size = 2
    view.timeline_model.show_first_page(
        customer_id=customer_id,
        entries=tuple(view.timeline_model.entry(r) for r in range(2)),
        total=activities,
    )
    assert activities > 2 and view.timeline_model.canFetchMore()
    with qtbot.waitSignal(view.timeline_model.page_loaded, timeout=5000) as blocker:
        view.timeline_model.fetchMore()
    assert blocker.args == [4] if activities >= 4 else [activities]
    ids = [view.timeline_model.entry(r).id for r in range(view.timeline_model.rowCount())]
    assert len(ids) == len(set(ids))


def test_an_inline_edit_is_saved_offline_and_queued_for_sync(qtbot, ui_context, opened):
    view, customer_id, _ = opened
    before = pending_changes(ui_context.engine)
    view.editors["phone"].setText("010-6552 9988")
    view.editors["phone"].textEdited.emit("010-6552 9988")
    assert view.save_button.isEnabled()
    assert view.edited_values() == {"phone": "010-6552 9988"}
    with qtbot.waitSignal(view.customer_saved, timeout=5000) as saved:
        view.save()
    assert saved.args[0] == customer_id and "phone" in saved.args[1]
    assert pending_changes(ui_context.engine) == before + 1
    assert ui_context.sync.pending_changes == before + 1
    with ui_context.engine.connect() as connection:
        assert read_record(connection, entity="customer", record_id=customer_id)["phone"]


def test_an_invalid_value_is_explained_under_its_field_and_kept(qtbot, ui_context, opened):
    view, _customer_id, _ = opened
    before = pending_changes(ui_context.engine)
    view.editors["email"].setText("not-an-address")
    view.editors["name"].setText("")
    with qtbot.waitSignal(view.save_refused, timeout=5000) as refused:
        view.save()
    fields = {problem.field for problem in refused.args[0]}
    assert fields == {"email", "name"}
    assert "not-an-address" in view.error_labels["email"].text()
    assert view.error_labels["name"].text() == "Name is required."
    assert view.editors["email"].text() == "not-an-address"  # nothing typed is lost
    assert pending_changes(ui_context.engine) == before


def test_an_unknown_customer_says_so(qtbot, ui_context):
    view = CustomerFileView(context=ui_context)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.load_failed, timeout=5000) as failed:
        view.show_customer("no-such-id")
    assert failed.args[0].startswith("This customer could not be opened")
