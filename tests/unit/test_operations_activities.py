"""The append-only activity log, its follow-ups, amendments and the customer file."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine

from desktop.domain.messages import ValidationError
from desktop.operations.activities import amend_activity, list_activities, log_activity
from desktop.operations.contacts import add_contact, archive_contact, edit_contact
from desktop.operations.customer_file import customer_file
from desktop.operations.customers import add_customer, archive_customer
from desktop.operations.followups import (
    FollowUpScope,
    add_followup,
    complete_followup,
    list_followups,
)
from desktop.operations.opportunities import add_opportunity
from desktop.operations.status import pending_changes
from desktop.store.changes import RecordNotFound, update_record
from tests.unit.operations_helpers import COLLEAGUE, ME, counts, load_reference_data, sign_in

SHANGHAI = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # local day: 2026-11-22T16:00Z .. 23T16:00Z


@pytest.fixture
def firm(replica: Engine) -> Engine:
    load_reference_data(replica)
    sign_in(replica)
    return replica


@pytest.fixture
def customer_id(firm: Engine) -> str:
    return add_customer(firm, values={"name": "中国建筑"})


def test_activity_with_next_step_and_due_creates_a_followup_in_one_go(
    firm: Engine, customer_id: str
) -> None:
    logged = log_activity(
        firm,
        customer_id=customer_id,
        kind="Visit",
        notes="Met the purchasing head; wants a revised quote",
        next_step="Send revised quote",
        due="2026-11-25T02:00:00Z",
        done_by=COLLEAGUE,
    )
    assert logged.followup_id is not None
    file = customer_file(firm, customer_id=customer_id)
    (entry,) = file.activities
    assert (entry.kind, entry.done_by, entry.recorded_by) == ("visit", COLLEAGUE, ME)
    (followup,) = file.followups
    assert (followup.title, followup.activity_id) == ("Send revised quote", logged.activity_id)
    assert (followup.assignee_id, followup.due_at, followup.done) == (
        COLLEAGUE,
        "2026-11-25T02:00:00Z",
        False,
    )
    assert pending_changes(firm) == 3  # customer, activity, follow-up


def test_refused_activity_changes_nothing(firm: Engine, customer_id: str) -> None:
    before = counts(firm)
    with pytest.raises(ValidationError) as caught:
        log_activity(firm, customer_id=customer_id, kind="lunch", due="2026-11-25")
    assert {p.key for p in caught.value.problems} == {"not_a_choice", "due_needs_next_step"}
    with pytest.raises(ValidationError, match=r"Due .* is not a date and time"):
        log_activity(firm, customer_id=customer_id, kind="call", next_step="x", due="soon")
    with pytest.raises(RecordNotFound):
        log_activity(firm, customer_id="missing", kind="call")
    archive_customer(firm, customer_id=customer_id)
    after_archive = counts(firm)
    with pytest.raises(ValidationError, match="archived"):
        log_activity(firm, customer_id=customer_id, kind="call")
    assert counts(firm) == after_archive
    assert {k: v for k, v in after_archive.items() if k != "outbox"} == {
        k: v for k, v in before.items() if k != "outbox"
    }


def test_activities_are_never_edited_but_amended(firm: Engine, customer_id: str) -> None:
    first = log_activity(
        firm,
        customer_id=customer_id,
        kind="call",
        notes="wrong notes",
        occurred_at="2026-11-20T08:00:00Z",
    ).activity_id
    with pytest.raises(ValueError, match="amendment"), firm.begin() as connection:
        update_record(connection, entity="activity", record_id=first, changes={"notes": "x"})
    fixed = amend_activity(firm, activity_id=first, corrections={"notes": "right notes"})
    with pytest.raises(ValidationError, match="cannot be changed by an amendment"):
        amend_activity(firm, activity_id=first, corrections={"customer_id": "other"})
    entries, total = list_activities(firm, customer_id=customer_id)
    by_id = {entry.id: entry for entry in entries}
    assert total == 2
    assert by_id[first].notes == "wrong notes" and by_id[first].amended_by_id == fixed
    assert (by_id[fixed].notes, by_id[fixed].amends_id) == ("right notes", first)
    assert by_id[fixed].occurred_at == "2026-11-20T08:00:00Z"


def test_timeline_is_paged_newest_first(firm: Engine, customer_id: str) -> None:
    for day in range(1, 8):
        log_activity(
            firm,
            customer_id=customer_id,
            kind="note",
            notes=f"day {day}",
            occurred_at=f"2026-11-0{day}T08:00:00Z",
        )
    page, total = list_activities(firm, customer_id=customer_id, offset=2, limit=3)
    assert total == 7
    assert [entry.notes for entry in page] == ["day 5", "day 4", "day 3"]
    with pytest.raises(RecordNotFound):
        list_activities(firm, customer_id="missing")


def test_followup_lists_mine_today_overdue(firm: Engine, customer_id: str) -> None:
    overdue = add_followup(firm, customer_id=customer_id, title="Call back", due="2026-11-20")
    today = add_followup(
        firm, customer_id=customer_id, title="Quote", due="2026-11-23 15:00", priority="high"
    )
    later = add_followup(firm, customer_id=customer_id, title="Visit", due="2026-12-01")
    theirs = add_followup(
        firm, customer_id=customer_id, title="Theirs", due="2026-11-20", assignee_id=COLLEAGUE
    )

    def ids(scope: FollowUpScope) -> list[str]:
        return [f.id for f in list_followups(firm, scope=scope, now=NOW)]

    assert ids(FollowUpScope.OVERDUE) == [overdue]
    assert ids(FollowUpScope.TODAY) == [overdue, today]
    assert ids(FollowUpScope.MINE) == [overdue, today, later]
    assert set(ids(FollowUpScope.ALL_OPEN)) == {overdue, today, later, theirs}
    assert complete_followup(firm, followup_id=overdue) is True
    assert complete_followup(firm, followup_id=overdue) is False
    assert ids(FollowUpScope.TODAY) == [today]
    with pytest.raises(RecordNotFound):
        complete_followup(firm, followup_id="missing")
    with pytest.raises(ValidationError, match="Priority"):
        add_followup(firm, customer_id=customer_id, title="x", due="2026-12-01", priority="asap")


def test_customer_file_gathers_everything(firm: Engine, customer_id: str) -> None:
    other = add_customer(firm, values={"name": "Other"})
    zhang = add_contact(
        firm,
        customer_id=customer_id,
        values={"name": "张伟", "mobile": "139 1234 5678", "buying_role": "decision_maker"},
    )
    gone = add_contact(firm, customer_id=customer_id, values={"name": "Left the firm"})
    archive_contact(firm, contact_id=gone)
    add_contact(firm, customer_id=other, values={"name": "Not theirs"})
    assert edit_contact(firm, contact_id=zhang, changes={"title": "采购经理"}) == {
        "title": "采购经理"
    }
    add_opportunity(firm, customer_id=customer_id, name="Tower B", amount="1,000,000")
    log_activity(firm, customer_id=customer_id, kind="meeting")
    add_followup(firm, customer_id=customer_id, title="Send contract", due="2026-12-01")

    file = customer_file(firm, customer_id=customer_id)
    assert file.customer.name == "中国建筑"
    assert [(c.name, c.mobile, c.title) for c in file.contacts] == [
        ("张伟", "+8613912345678", "采购经理")
    ]
    assert [(o.name, o.amount, o.stage_name) for o in file.opportunities] == [
        ("Tower B", 1_000_000.0, "Lead")
    ]
    assert file.activity_total == 1 and [f.title for f in file.followups] == ["Send contract"]
    with pytest.raises(RecordNotFound, match="No customer with id missing"):
        customer_file(firm, customer_id="missing")
    with pytest.raises(ValidationError, match="Mobile"):
        add_contact(firm, customer_id=customer_id, values={"name": "x", "mobile": "139"})


def test_followups_from_the_server_without_a_done_flag_count_as_open(
    firm: Engine, customer_id: str
) -> None:
    from desktop.store.bulk import upsert_rows

    mine = add_followup(firm, customer_id=customer_id, title="Mine", due="2026-11-24")
    with firm.begin() as connection:
        upsert_rows(
            connection,
            entity="followup",
            rows=[
                {
                    "id": "f-unset",
                    "customer_id": customer_id,
                    "title": "Unset",
                    "due_at": "2026-11-20T01:00:00Z",
                    "assignee_id": ME,
                    "done": None,
                    "version": 3,
                },
                {
                    "id": "f-done",
                    "customer_id": customer_id,
                    "title": "Done",
                    "due_at": "2026-11-19T01:00:00Z",
                    "assignee_id": ME,
                    "done": True,
                    "version": 3,
                },
            ],
        )
    for scope in (FollowUpScope.MINE, FollowUpScope.ALL_OPEN):
        assert [f.id for f in list_followups(firm, scope=scope, now=NOW)] == ["f-unset", mine]
    assert [f.id for f in list_followups(firm, scope=FollowUpScope.MINE, limit=1)] == ["f-unset"]
