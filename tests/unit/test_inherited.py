"""The successor's inherited-customers queue and its hand-over summaries, from a local replica."""

from __future__ import annotations

from sqlalchemy import Engine, insert

from desktop.operations.inherited import (
    customer_names,
    customers_of,
    inherited_customers,
    mark_reviewed,
)
from desktop.store.changes import create_record
from desktop.store.schema import entity_tables

LEAVER, SUCCESSOR, HEAD = "u-leaver", "u-successor", "u-head"
NOW = "2026-11-23T09:00:00Z"


def seed_handover(engine: Engine) -> dict[str, str]:
    """A replica as the successor sees it after the hand-over (history pulled from the server)."""
    with engine.begin() as connection:
        connection.execute(
            insert(entity_tables["user"]),
            [
                {
                    "id": LEAVER,
                    "login": "li",
                    "display_name": "李娜",
                    "role": "am",
                    "active": False,
                },
                {
                    "id": SUCCESSOR,
                    "login": "zhao",
                    "display_name": "赵强",
                    "role": "am",
                    "active": True,
                },
                {
                    "id": HEAD,
                    "login": "chen",
                    "display_name": "陈主管",
                    "role": "head",
                    "active": True,
                },
            ],
        )
        connection.execute(
            insert(entity_tables["stage"]),
            [{"id": "s-quote", "pipeline_id": "p-1", "name": "报价", "position": 2}],
        )

        def customer(name: str, owner: str, tier: str = "gold") -> str:
            return create_record(
                connection,
                entity="customer",
                fields={"name": name, "owner_id": owner, "tier": tier, "team_id": "t-east"},
            )

        def activity(customer_id: str, by: str, when: str, subject: str, **more: str) -> str:
            return create_record(
                connection,
                entity="activity",
                fields={
                    "customer_id": customer_id,
                    "kind": "visit",
                    "occurred_at": when,
                    "subject": subject,
                    "done_by": by,
                    "recorded_by": by,
                    **more,
                },
            )

        ids = {
            "jiangong": customer("上海建工", SUCCESSOR),
            "acme": customer("Acme Trading", SUCCESSOR, tier="silver"),
            "own": customer("My own customer", SUCCESSOR),
            "taken_over": customer("Already taken over", SUCCESSOR),
            "not_mine": customer("Someone else's", HEAD),
        }
        for day in range(1, 6):
            activity(ids["jiangong"], LEAVER, f"2026-11-0{day}T10:00:00Z", f"拜访 {day}")
        activity(
            ids["jiangong"],
            LEAVER,
            "2026-11-10T10:00:00Z",
            "报价讨论",
            outcome="客户要求降价 5%",
            next_step="下周一发新报价",
        )
        activity(ids["acme"], LEAVER, "2026-10-01T08:00:00Z", "Intro call")
        activity(ids["own"], SUCCESSOR, "2026-11-02T08:00:00Z", "My visit")
        activity(ids["taken_over"], LEAVER, "2026-11-01T08:00:00Z", "Old visit")
        activity(ids["taken_over"], SUCCESSOR, "2026-11-20T08:00:00Z", "First visit by me")
        activity(ids["not_mine"], LEAVER, "2026-11-01T08:00:00Z", "Visit")
        create_record(
            connection,
            entity="opportunity",
            fields={
                "customer_id": ids["jiangong"],
                "name": "二期工程",
                "amount": 1_200_000.0,
                "currency": "CNY",
                "stage_id": "s-quote",
                "status": "open",
                "owner_id": SUCCESSOR,
            },
        )
        create_record(
            connection,
            entity="opportunity",
            fields={"customer_id": ids["jiangong"], "name": "一期 (won)", "status": "won"},
        )
        create_record(
            connection,
            entity="followup",
            fields={
                "customer_id": ids["jiangong"],
                "title": "发新报价",
                "due_at": "2026-11-16T01:00:00Z",
                "done": False,
            },
        )
        create_record(
            connection,
            entity="followup",
            fields={"customer_id": ids["jiangong"], "title": "done", "due_at": NOW, "done": True},
        )
        create_record(
            connection,
            entity="contact",
            fields={"customer_id": ids["jiangong"], "name": "王建国", "title": "采购经理"},
        )
    return ids


def test_queue_holds_customers_worked_by_someone_else_and_not_yet_by_me(replica: Engine):
    ids = seed_handover(replica)
    queue = inherited_customers(replica, user_id=SUCCESSOR, now=NOW)
    assert [item.customer_id for item in queue] == [ids["acme"], ids["jiangong"]]


def test_summary_has_last_contacts_open_deals_next_steps_and_contacts(replica: Engine):
    ids = seed_handover(replica)
    (item,) = [
        i
        for i in inherited_customers(replica, user_id=SUCCESSOR, now=NOW)
        if i.customer_id == ids["jiangong"]
    ]
    assert item.previous_owner == "李娜"
    assert item.activity_count == 6  # the full history came along
    assert item.last_contact_at == "2026-11-10T10:00:00Z"
    assert [r.subject for r in item.recent] == ["报价讨论", "拜访 5", "拜访 4"]
    assert item.recent[0].next_step == "下周一发新报价"
    assert [(d.name, d.stage, d.amount) for d in item.open_deals] == [
        ("二期工程", "报价", 1_200_000.0)
    ]
    assert [(s.title, s.overdue) for s in item.next_steps] == [("发新报价", True)]
    assert item.key_contacts == ("王建国, 采购经理",)
    text = item.summary_text()
    assert "Agreed next step: 下周一发新报价" in text
    assert "Open deal: 二期工程 CNY 1,200,000 (报价)" in text
    assert "Overdue 2026-11-16: 发新报价" in text


def test_reviewed_customers_leave_the_queue_and_can_come_back(replica: Engine):
    ids = seed_handover(replica)
    assert mark_reviewed(replica, customer_ids=[ids["acme"]]) == 1
    queue = inherited_customers(replica, user_id=SUCCESSOR, now=NOW)
    assert [item.customer_id for item in queue] == [ids["jiangong"]]
    everything = inherited_customers(replica, user_id=SUCCESSOR, now=NOW, include_reviewed=True)
    assert {item.customer_id: item.reviewed for item in everything} == {
        ids["acme"]: True,
        ids["jiangong"]: False,
    }
    mark_reviewed(replica, customer_ids=[ids["acme"]], reviewed=False)
    assert len(inherited_customers(replica, user_id=SUCCESSOR, now=NOW)) == 2


def test_selection_by_owner_team_and_tier(replica: Engine):
    ids = seed_handover(replica)
    all_mine = customers_of(replica, owner_id=SUCCESSOR)
    assert len(all_mine) == 4
    silver = customers_of(replica, owner_id=SUCCESSOR, tiers=["silver"])
    assert [(c.customer_id, c.name, c.tier) for c in silver] == [
        (ids["acme"], "Acme Trading", "silver")
    ]
    assert {c.team_id for c in all_mine} == {"t-east"}
    assert customers_of(replica, owner_id=SUCCESSOR, team_id="t-west") == []


def test_customer_names_for_the_ids_this_replica_holds(replica: Engine):
    ids = seed_handover(replica)
    names = customer_names(replica, customer_ids=[ids["jiangong"], ids["acme"], "elsewhere"])
    assert names == {ids["jiangong"]: "上海建工", ids["acme"]: "Acme Trading"}
