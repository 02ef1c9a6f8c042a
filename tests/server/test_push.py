"""Push: exactly once, gaps, per-field merge, conflicts and refusals that never block the queue."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from protocol.messages import ErrorCode, PushResult
from server.push import PushSession, Rejection
from server.schema import change_log, entity_tables
from tests.server.harness import Firm, ServerHarness, Session, make_firm, new_id


def customer_fields(name: str = "华为技术", **extra: object) -> dict[str, object]:
    return {"name": name, "kind": "company", **extra}


def test_lost_acknowledgement_retried_twice_applies_once(server: ServerHarness, firm: Firm) -> None:
    ann = server.login("ann")
    customer_id, activity_id = new_id(), new_id()
    mutations = [
        ann.mutation("customer", customer_id, "create", customer_fields()),
        ann.mutation(
            "activity",
            activity_id,
            "create",
            {"customer_id": customer_id, "kind": "visit", "occurred_at": "2026-11-20T09:00:00Z"},
        ),
    ]
    first = server.push(ann, *mutations)
    assert [r["status"] for r in first["results"]] == ["applied", "applied"]
    for _retry in range(2):  # the response was lost: the client sends the same batch again
        again = server.push(ann, *mutations)
        assert [r["status"] for r in again["results"]] == ["skipped", "skipped"]
        assert again["last_mutation_id"] == 2
    with server.engine.connect() as connection:
        activities = entity_tables["activity"]
        assert connection.execute(select(func.count()).select_from(activities)).scalar() == 1
        customer = entity_tables["customer"]
        row = connection.execute(select(customer).where(customer.c.id == customer_id)).one()
    assert row.version == 1
    assert row.owner_id == firm.ann  # a new customer belongs to whoever captured it


def test_reordered_and_duplicated_ids_apply_in_id_order(server: ServerHarness, firm: Firm) -> None:
    ann = server.login("ann")
    customer_id = new_id()
    create = ann.mutation("customer", customer_id, "create", customer_fields("Alpha"))
    rename = ann.mutation("customer", customer_id, "update", {"name": "Beta"}, base_version=1)
    phone = ann.mutation(
        "customer", customer_id, "update", {"phone": "+86 10 1234"}, base_version=2
    )
    answer = server.push(ann, phone, create, rename, create)
    assert answer["last_mutation_id"] == 3
    statuses = {(r["id"], r["status"]) for r in answer["results"]}
    assert statuses == {(1, "applied"), (1, "skipped"), (2, "applied"), (3, "applied")}
    server.sync_down(ann)
    assert server.records(ann, "customer")[customer_id]["name"] == "Beta"
    assert server.records(ann, "customer")[customer_id]["phone"] == "+86 10 1234"


def test_gap_stops_and_reports_what_the_server_holds(server: ServerHarness, firm: Firm) -> None:
    ann = server.login("ann")
    first = ann.mutation("customer", new_id(), "create", customer_fields("One"))
    lost = ann.mutation("customer", new_id(), "create", customer_fields("Two"))
    after_gap = ann.mutation("customer", new_id(), "create", customer_fields("Three"))
    assert server.push(ann, first)["last_mutation_id"] == 1
    answer = server.push(ann, after_gap)  # mutation 2 never arrived
    assert answer["last_mutation_id"] == 1
    assert answer["results"] == []
    resent = server.push(ann, lost, after_gap)
    assert resent["last_mutation_id"] == 3
    assert [r["status"] for r in resent["results"]] == ["applied", "applied"]


def test_one_bad_mutation_among_ten_becomes_a_sync_error(server: ServerHarness, firm: Firm) -> None:
    ann = server.login("ann")
    customer_id = new_id()
    mutations = [ann.mutation("customer", customer_id, "create", customer_fields())]
    for index in range(9):
        fields = {"customer_id": customer_id, "name": f"Contact {index}"}
        if index == 4:
            fields["birthday"] = "not a date"
        mutations.append(ann.mutation("contact", new_id(), "create", fields))
    answer = server.push(ann, *mutations)
    statuses = [r["status"] for r in answer["results"]]
    assert statuses.count("applied") == 9
    rejected = [r for r in answer["results"] if r["status"] == "rejected"]
    assert len(rejected) == 1
    assert rejected[0]["code"] == "validation_error"
    assert "birthday" in rejected[0]["message"]
    assert answer["last_mutation_id"] == 10  # the queue moved on
    server.sync_down(ann)
    errors = list(server.records(ann, "sync_error").values())
    assert len(errors) == 1
    assert errors[0]["mutation_id"] == rejected[0]["id"]
    assert json.loads(errors[0]["rejected"])["fields"]["birthday"] == "not a date"
    # The sync error is personal: a colleague who sees the customer does not get it.
    hana = server.login("hana")
    server.sync_down(hana)
    assert server.records(hana, "sync_error") == {}
    assert len(server.records(hana, "contact")) == 8


def test_rejections_for_rules(server: ServerHarness, firm: Firm) -> None:
    ann, sam = server.login("ann"), server.login("sam")
    customer_id = new_id()
    server.push(ann, ann.mutation("customer", customer_id, "create", customer_fields()))
    activity_id = new_id()
    server.push(
        ann,
        ann.mutation(
            "activity",
            activity_id,
            "create",
            {"customer_id": customer_id, "kind": "call", "occurred_at": "2026-11-20T09:00:00Z"},
        ),
    )
    cases = [
        (sam.mutation("customer", customer_id, "update", {"phone": "1"}), "forbidden"),
        (
            sam.mutation("contact", new_id(), "create", {"customer_id": customer_id, "name": "X"}),
            "forbidden",
        ),
        (sam.mutation("customer", new_id(), "update", {"phone": "1"}), "not_found"),
        (sam.mutation("team", new_id(), "create", {"name": "Mine"}), "forbidden"),
        (sam.mutation("gadget", new_id(), "create", {}), "validation_error"),
        (
            sam.mutation("customer", new_id(), "create", {"name": "X", "colour": "red"}),
            "validation_error",
        ),
        (sam.mutation("customer", new_id(), "create", {"kind": "company"}), "validation_error"),
        (sam.mutation("customer", new_id(), "create", {"name": 42}), "validation_error"),
        (
            sam.mutation("customer", new_id(), "create", {"name": "X", "owner_id": firm.ann}),
            "forbidden",
        ),
    ]
    answer = server.push(sam, *(m for m, _ in cases))
    assert [r["code"] for r in answer["results"]] == [code for _, code in cases]
    more = [
        (ann.mutation("activity", activity_id, "update", {"notes": "changed"}), "validation_error"),
        (ann.mutation("customer", customer_id, "update", {"owner_id": firm.bob}), "forbidden"),
    ]
    answer = server.push(ann, *(m for m, _ in more))
    assert [r["code"] for r in answer["results"]] == [code for _, code in more]


def test_different_fields_both_survive(server: ServerHarness, firm: Firm) -> None:
    ann, hana = server.login("ann"), server.login("hana")
    customer_id = new_id()
    server.push(ann, ann.mutation("customer", customer_id, "create", customer_fields()))
    server.push(
        ann, ann.mutation("customer", customer_id, "update", {"phone": "111"}, base_version=1)
    )
    answer = server.push(
        hana, hana.mutation("customer", customer_id, "update", {"email": "a@b.cn"}, base_version=1)
    )
    assert answer["results"][0]["conflicts"] == []
    server.sync_down(hana)
    record = server.records(hana, "customer")[customer_id]
    assert (record["phone"], record["email"]) == ("111", "a@b.cn")
    assert server.records(hana, "conflict") == {}


def test_same_field_arrival_order_wins_and_loser_is_kept(server: ServerHarness, firm: Firm) -> None:
    ann, hana = server.login("ann"), server.login("hana")
    customer_id = new_id()
    server.push(ann, ann.mutation("customer", customer_id, "create", customer_fields()))
    # Both edit the phone from version 1; Hana's client clock is a day ahead but decides nothing.
    server.push(
        ann, ann.mutation("customer", customer_id, "update", {"phone": "111"}, base_version=1)
    )
    answer = server.push(
        hana,
        hana.mutation(
            "customer",
            customer_id,
            "update",
            {"phone": "222"},
            base_version=1,
            created_at="2026-11-24T09:00:00Z",
        ),
    )
    assert answer["results"][0]["conflicts"] == ["phone"]
    for session in (ann, hana):
        server.sync_down(session)
        assert server.records(session, "customer")[customer_id]["phone"] == "222"
        conflicts = list(server.records(session, "conflict").values())
        assert len(conflicts) == 1
        assert conflicts[0]["field"] == "phone"
        assert (conflicts[0]["kept_value"], conflicts[0]["lost_value"]) == ("222", "111")
        assert (conflicts[0]["lost_by"], conflicts[0]["won_by"]) == (firm.ann, firm.hana)
    # A client editing on top of what it has seen (base = current version) is no conflict.
    current = server.records(ann, "customer")[customer_id]
    with server.engine.connect() as connection:
        table = entity_tables["customer"]
        version = connection.execute(
            select(table.c.version).where(table.c.id == customer_id)
        ).scalar()
    answer = server.push(
        ann, ann.mutation("customer", customer_id, "update", {"phone": "333"}, base_version=version)
    )
    assert answer["results"][0]["conflicts"] == []
    assert current["name"] == "华为技术"


def test_archive_versus_offline_edit_and_notes(server: ServerHarness, firm: Firm) -> None:
    ann, hana = server.login("ann"), server.login("hana")
    customer_id = new_id()
    server.push(ann, ann.mutation("customer", customer_id, "create", customer_fields()))
    server.push(hana, hana.mutation("customer", customer_id, "archive", base_version=1))
    answer = server.push(
        ann,
        ann.mutation("customer", customer_id, "update", {"tier": "gold"}, base_version=1),
        ann.mutation(
            "activity",
            new_id(),
            "create",
            {"customer_id": customer_id, "kind": "visit", "occurred_at": "2026-11-20T09:00:00Z"},
        ),
    )
    assert [r["status"] for r in answer["results"]] == ["applied", "applied"]
    assert answer["results"][0]["conflicts"] == ["archived"]
    server.sync_down(ann)
    customer = server.records(ann, "customer")[customer_id]
    assert customer["archived"] is True
    assert customer["tier"] == "gold"
    assert len(server.records(ann, "activity")) == 1
    assert [c["field"] for c in server.records(ann, "conflict").values()] == ["archived"]


def test_frozen_account_keeps_notes_refuses_edits(server: ServerHarness, firm: Firm) -> None:
    ann = server.login("ann")
    customer_id = new_id()
    server.push(ann, ann.mutation("customer", customer_id, "create", customer_fields()))
    from server.people import freeze_user
    from server.records import SYSTEM

    freeze_user(server.engine, user_id=firm.ann, actor=SYSTEM)
    answer = server.push(
        ann,
        ann.mutation("customer", customer_id, "update", {"phone": "1"}, base_version=1),
        ann.mutation(
            "activity",
            new_id(),
            "create",
            {"customer_id": customer_id, "kind": "note", "occurred_at": "2026-11-20T09:00:00Z"},
        ),
    )
    assert [(r["status"], r["code"]) for r in answer["results"]] == [
        ("rejected", "frozen"),
        ("applied", None),
    ]


def test_change_log_keeps_one_live_entry_per_record(server: ServerHarness, firm: Firm) -> None:
    ann = server.login("ann")
    customer_id = new_id()
    server.push(ann, ann.mutation("customer", customer_id, "create", customer_fields()))
    for version in range(1, 6):
        server.push(
            ann,
            ann.mutation(
                "customer", customer_id, "update", {"phone": str(version)}, base_version=version
            ),
        )
    with server.engine.connect() as connection:
        entries = connection.execute(
            select(change_log.c.seq, change_log.c.version).where(
                change_log.c.entity_id == customer_id
            )
        ).all()
    assert len(entries) == 1
    assert entries[0].version == 6


def test_new_customers_land_in_their_owners_team(server: ServerHarness, firm: Firm) -> None:
    ann, hana, admin = server.login("ann"), server.login("hana"), server.login("admin")
    wrong_team = ann.mutation("customer", new_id(), "create", {"name": "X", "team_id": firm.south})
    assert server.push(ann, wrong_team)["results"][0]["code"] == "forbidden"
    for_bob, for_sam = new_id(), new_id()
    assert (
        server.push(
            hana,
            hana.mutation("customer", for_bob, "create", {"name": "Bob's", "owner_id": firm.bob}),
        )["results"][0]["status"]
        == "applied"
    )
    outside = hana.mutation("customer", new_id(), "create", {"name": "Y", "owner_id": firm.sam})
    assert server.push(hana, outside)["results"][0]["code"] == "forbidden"
    assert (
        server.push(
            admin,
            admin.mutation("customer", for_sam, "create", {"name": "Sam's", "owner_id": firm.sam}),
        )["results"][0]["status"]
        == "applied"
    )
    server.sync_down(admin)
    teams = {cid: c["team_id"] for cid, c in server.records(admin, "customer").items()}
    assert teams == {for_bob: firm.north, for_sam: firm.south}


def test_a_refusal_sends_the_server_state_back(server: ServerHarness, firm: Firm) -> None:
    """The client shows its own values until told otherwise: a refused edit brings back the
    record as the server has it; a refused create brings a tombstone, to that user only."""
    ann, hana = server.login("ann"), server.login("hana")
    customer_id = new_id()
    server.push(
        ann, ann.mutation("customer", customer_id, "create", customer_fields(phone="010-1"))
    )
    server.sync_down(ann)
    server.sync_down(hana)
    refused_id = new_id()
    answer = server.push(
        ann,
        ann.mutation("customer", customer_id, "update", {"phone": "x" * 500}, base_version=1),
        ann.mutation("contact", refused_id, "create", {"customer_id": customer_id}),  # no name
    )
    assert [r["status"] for r in answer["results"]] == ["rejected", "rejected"]
    ann.replica[("customer", customer_id)]["phone"] = "x" * 500  # what the client shows
    ann.replica[("contact", refused_id)] = {"customer_id": customer_id}
    changes = server.sync_down(ann)
    assert ("delete", refused_id) in [(c["op"], c["id"]) for c in changes]
    assert server.records(ann, "customer")[customer_id]["phone"] == "010-1"
    assert refused_id not in server.records(ann, "contact")
    assert len(server.records(ann, "sync_error")) == 2  # the refused values are kept there
    hana_changes = server.sync_down(hana)
    assert refused_id not in [c["id"] for c in hana_changes]


def test_an_update_never_blanks_fields_it_does_not_name(server: ServerHarness, firm: Firm) -> None:
    """Scenario 10: an older client that knows fewer fields edits the phone: the fields it does
    not know (here: all but the phone) keep their values."""
    ann = server.login("ann")
    customer_id = new_id()
    full = customer_fields(
        phone="010-1", email="a@b.cn", website="https://example.com", tier="gold", tags="vip"
    )
    server.push(ann, ann.mutation("customer", customer_id, "create", full))
    server.push(
        ann, ann.mutation("customer", customer_id, "update", {"phone": "010-2"}, base_version=1)
    )
    server.sync_down(ann)
    record = server.records(ann, "customer")[customer_id]
    assert record["phone"] == "010-2"
    assert {k: record[k] for k in full if k != "phone"} == {
        k: v for k, v in full.items() if k != "phone"
    }


BEFORE = "2026-01-02T03:04:05Z"
# Valid to Python (any number of second fractions) but longer than the 40-character column:
# PostgreSQL refuses it, after validation let it through.
TOO_LONG_FOR_THE_COLUMN = "2026-11-23T10:00:00." + "1" * 30 + "+00:00"


def _customer_with_a_concurrent_edit(server: ServerHarness) -> tuple[Session, str]:
    """Ann's customer, whose `created_at` her other laptop then changed: a push from this
    laptop based on version 1 records a conflict before it writes the customer."""
    ann, other_laptop = server.login("ann"), server.login("ann")
    customer_id = new_id()
    server.push(
        other_laptop, other_laptop.mutation("customer", customer_id, "create", customer_fields())
    )
    edit = other_laptop.mutation(
        "customer", customer_id, "update", {"created_at": BEFORE}, base_version=1
    )
    assert server.push(other_laptop, edit)["results"][0]["version"] == 2
    return ann, customer_id


def _nothing_half_written(server: ServerHarness, customer_id: str) -> None:
    customers, conflicts = entity_tables["customer"], entity_tables["conflict"]
    with server.engine.connect() as connection:
        row = connection.execute(select(customers).where(customers.c.id == customer_id)).one()
        assert (row.created_at, row.version) == (BEFORE, 2)
        assert connection.execute(select(func.count()).select_from(conflicts)).scalar() == 0
        logged = connection.execute(
            select(change_log.c.entity, change_log.c.version).where(
                change_log.c.entity.in_(["conflict", "customer"])
            )
        ).all()
    assert sorted(logged) == [("customer", 2)]


@pytest.mark.postgres
def test_a_value_the_database_refuses_leaves_nothing_half_written(
    postgres_server: ServerHarness,
) -> None:
    """PostgreSQL refuses the value after the conflict record was written: the push runs again
    with savepoints, the refusal is a sync error, the conflict and its change-log entry are
    gone, and the mutation after it applies."""
    server = postgres_server
    make_firm(server)
    ann, customer_id = _customer_with_a_concurrent_edit(server)
    note = {"customer_id": customer_id, "kind": "call", "occurred_at": "2026-11-23T10:00:00Z"}
    answer = server.push(
        ann,
        ann.mutation(
            "customer",
            customer_id,
            "update",
            {"created_at": TOO_LONG_FOR_THE_COLUMN},
            base_version=1,
        ),
        ann.mutation("activity", new_id(), "create", note),
    )
    assert [r["status"] for r in answer["results"]] == ["rejected", "applied"]
    assert answer["results"][0]["code"] == "validation_error"
    _nothing_half_written(server, customer_id)


def test_a_refusal_after_a_write_reruns_the_push_with_savepoints(
    server: ServerHarness, firm: Firm, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No rule refuses a mutation after it wrote something today; should one ever do so, the
    push without savepoints notices the queued change-log row and runs again with them."""
    ann, customer_id = _customer_with_a_concurrent_edit(server)
    update = PushSession.update

    def update_then_refuse(self: PushSession, *arguments: Any) -> PushResult:
        update(self, *arguments)
        raise Rejection(ErrorCode.FORBIDDEN, "refused after writing")

    monkeypatch.setattr(PushSession, "update", update_then_refuse)
    edit = ann.mutation(
        "customer", customer_id, "update", {"created_at": "2026-05-05T05:05:05Z"}, base_version=1
    )
    answer = server.push(ann, edit)
    assert answer["results"][0]["status"] == "rejected"
    assert answer["results"][0]["message"] == "refused after writing"
    _nothing_half_written(server, customer_id)
