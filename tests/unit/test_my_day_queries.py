"""The "My day" read model: overdue / today split, planned visits, reminders, marking done."""

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Connection, Engine, func, select

from desktop.operations.day_queries import (
    DayItemKind,
    due_reminders,
    load_my_day,
    local_day_bounds,
    mark_followup_done,
)
from desktop.store.changes import create_record, read_record, set_archived
from desktop.store.schema import outbox

ME, COLLEAGUE = "u-me", "u-colleague"
DAY_START, DAY_END = "2026-11-23T00:00:00Z", "2026-11-24T00:00:00Z"


def _followup(
    connection: Connection,
    customer_id: str,
    title: str,
    due_at: str,
    assignee: str = ME,
    **extra: object,
) -> str:
    fields = {"customer_id": customer_id, "title": title, "due_at": due_at, "assignee_id": assignee}
    return create_record(connection, entity="followup", fields={**fields, **extra})


def seed_my_day(replica: Engine) -> dict[str, str]:
    with replica.begin() as c:
        customer = create_record(c, entity="customer", fields={"name": "华东建设集团"})
        ids = {
            "overdue": _followup(c, customer, "回访报价", "2026-11-20T08:00:00Z"),
            "today_low": _followup(c, customer, "寄样品", "2026-11-23T09:00:00Z", priority="low"),
            "today_high": _followup(c, customer, "签合同", "2026-11-23T09:00:00Z", priority="high"),
            "tomorrow": _followup(c, customer, "Call back", "2026-11-24T08:00:00Z"),
            "done": _followup(c, customer, "Done already", "2026-11-22T08:00:00Z", done=True),
            "theirs": _followup(c, customer, "Not mine", "2026-11-23T10:00:00Z", COLLEAGUE),
            "archived": _followup(c, customer, "Archived", "2026-11-23T10:00:00Z"),
        }
        set_archived(c, entity="followup", record_id=ids["archived"], archived=True)
        for when, kind, who in (
            ("2026-11-23T14:00:00Z", "visit", ME),
            ("2026-11-23T15:00:00Z", "return_visit", ME),
            ("2026-11-23T16:00:00Z", "call", ME),
            ("2026-11-24T09:00:00Z", "visit", ME),
            ("2026-11-23T11:00:00Z", "visit", COLLEAGUE),
        ):
            create_record(
                c,
                entity="activity",
                fields={
                    "customer_id": customer,
                    "kind": kind,
                    "occurred_at": when,
                    "done_by": who,
                    "subject": f"{kind} at {when}",
                    "place": "上海",
                },
            )
    return ids


def test_my_day_splits_overdue_and_today_and_sorts_by_time_then_priority(replica: Engine):
    ids = seed_my_day(replica)
    with replica.connect() as c:
        day = load_my_day(c, user_id=ME, day_start=DAY_START, day_end=DAY_END)
    assert [i.record_id for i in day.overdue] == [ids["overdue"]]
    assert [i.record_id for i in day.today] == [ids["today_high"], ids["today_low"]]
    assert all(i.overdue for i in day.overdue) and not any(i.overdue for i in day.today)
    assert day.today[0].customer_name == "华东建设集团"


def test_planned_visits_are_todays_visits_of_the_user_only(replica: Engine):
    seed_my_day(replica)
    with replica.connect() as c:
        day = load_my_day(c, user_id=ME, day_start=DAY_START, day_end=DAY_END)
    assert [i.due_at for i in day.visits] == ["2026-11-23T14:00:00Z", "2026-11-23T15:00:00Z"]
    assert {i.kind for i in day.visits} == {DayItemKind.VISIT}
    assert day.visits[0].title.endswith("上海")


def test_no_user_shows_everyones_followups(replica: Engine):
    ids = seed_my_day(replica)
    with replica.connect() as c:
        day = load_my_day(c, user_id=None, day_start=DAY_START, day_end=DAY_END)
    assert ids["theirs"] in {i.record_id for i in day.today}


def test_local_day_bounds_follow_the_time_zone():
    shanghai = timezone(timedelta(hours=8))
    start, end = local_day_bounds(datetime(2026, 11, 23, 7, 30, tzinfo=shanghai))
    assert (start, end) == ("2026-11-22T16:00:00Z", "2026-11-23T16:00:00Z")
    assert local_day_bounds(datetime(2026, 11, 23, 23, 0, tzinfo=UTC))[0] == DAY_START


def test_due_reminders_include_the_lead_time(replica: Engine):
    ids = seed_my_day(replica)
    with replica.connect() as c:
        at_eight = due_reminders(c, user_id=ME, now="2026-11-23T08:00:00Z")
        with_lead = due_reminders(c, user_id=ME, now="2026-11-23T08:00:00Z", lead_minutes=60)
    assert {i.record_id for i in at_eight} == {ids["overdue"]}
    assert {i.record_id for i in with_lead} == {ids["overdue"], ids["today_high"], ids["today_low"]}


def test_mark_done_writes_the_row_and_one_outbox_entry_once(replica: Engine):
    ids = seed_my_day(replica)
    with replica.connect() as c:
        before = c.execute(select(func.count()).select_from(outbox)).scalar_one()
    with replica.begin() as c:
        assert mark_followup_done(c, followup_id=ids["overdue"], done_at="2026-11-23T10:00:00Z")
        assert not mark_followup_done(c, followup_id=ids["overdue"], done_at="2026-11-23T11:00:00Z")
    with replica.connect() as c:
        row = read_record(c, entity="followup", record_id=ids["overdue"])
        after = c.execute(select(func.count()).select_from(outbox)).scalar_one()
        day = load_my_day(c, user_id=ME, day_start=DAY_START, day_end=DAY_END)
    assert row["done"] and row["done_at"] == "2026-11-23T10:00:00Z"
    assert after == before + 1
    assert ids["overdue"] not in {i.record_id for i in day.all_items}
