"""Pull: scope from the authenticated user only, exit/enter on reassignment, paging, resets."""

from __future__ import annotations

import gzip

from server.db import mark_restored
from server.handover import reassign_customers
from server.people import update_user
from server.records import SYSTEM
from tests.server.harness import Firm, ServerHarness, Session, new_id

OCCURRED = "2026-11-20T09:00:00Z"


def create_customer(server: ServerHarness, session: Session, name: str, **fields: object) -> str:
    customer_id = new_id()
    answer = server.push(
        session, session.mutation("customer", customer_id, "create", {"name": name, **fields})
    )
    assert answer["results"][-1]["status"] == "applied", answer
    return customer_id


def add_activity(server: ServerHarness, session: Session, customer_id: str, notes: str) -> str:
    activity_id = new_id()
    fields = {"customer_id": customer_id, "kind": "visit", "occurred_at": OCCURRED, "notes": notes}
    answer = server.push(session, session.mutation("activity", activity_id, "create", fields))
    assert answer["results"][-1]["status"] == "applied", answer
    return activity_id


def test_scope_per_role(server: ServerHarness, firm: Firm) -> None:
    ann, bob, sam = server.login("ann"), server.login("bob"), server.login("sam")
    anns = create_customer(server, ann, "Ann's")
    bobs = create_customer(server, bob, "Bob's")
    sams = create_customer(server, sam, "Sam's")
    add_activity(server, ann, anns, "visit")
    expected = {
        "ann": {anns},
        "bob": {bobs},
        "sam": {sams},
        "hana": {anns, bobs},  # head of North
        "eve": {anns, bobs, sams},  # executive
        "admin": {anns, bobs, sams},
    }
    for login, customers in expected.items():
        session = server.login(login)
        server.sync_down(session)
        assert set(server.records(session, "customer")) == customers, login
        # Everyone carries the reference data: both teams and all six users.
        assert len(server.records(session, "team")) == 2
        assert len(server.records(session, "user")) == 6
        activities = server.records(session, "activity")
        assert bool(activities) == (anns in customers), login


def test_client_cannot_widen_its_scope(server: ServerHarness, firm: Firm) -> None:
    sam = server.login("sam")
    ann = server.login("ann")
    create_customer(server, ann, "Ann's")
    # Extra query parameters are not a filter the server honours.
    response = server.client.get(
        "/sync/pull",
        headers=sam.headers,
        params={"client_id": sam.client_id, "owner_id": firm.ann, "scope": "all"},
    )
    assert response.status_code == 200
    assert all(c["entity"] != "customer" for c in response.json()["changes"])


def test_reassignment_exits_old_owner_and_enters_new_with_history(
    server: ServerHarness, firm: Firm
) -> None:
    ann, sam, hana = server.login("ann"), server.login("sam"), server.login("hana")
    customer_id = create_customer(server, ann, "Moving Ltd")
    contact_id = new_id()
    server.push(
        ann,
        ann.mutation("contact", contact_id, "create", {"customer_id": customer_id, "name": "Li"}),
    )
    activity_id = add_activity(server, ann, customer_id, "history")
    for session in (ann, sam, hana):
        server.sync_down(session)
    assert customer_id in server.records(ann, "customer")
    assert customer_id in server.records(hana, "customer")
    assert customer_id not in server.records(sam, "customer")

    reassign_customers(server.engine, customer_ids=[customer_id], to_user_id=firm.sam, actor=SYSTEM)

    ann_changes = server.sync_down(ann)
    assert [(c["op"], c["id"]) for c in ann_changes] == [("exit", customer_id)]
    assert server.records(ann, "customer") == {}
    assert server.records(ann, "activity") == {}
    hana_changes = server.sync_down(hana)
    assert ("exit", customer_id) in [(c["op"], c["id"]) for c in hana_changes]  # team changed
    server.sync_down(sam)
    assert server.records(sam, "customer")[customer_id]["owner_id"] == firm.sam
    assert contact_id in server.records(sam, "contact")
    assert activity_id in server.records(sam, "activity")


def test_reassignment_within_team_keeps_team_head_copy(server: ServerHarness, firm: Firm) -> None:
    ann, hana = server.login("ann"), server.login("hana")
    customer_id = create_customer(server, ann, "Stays North")
    server.sync_down(hana)
    reassign_customers(server.engine, customer_ids=[customer_id], to_user_id=firm.bob, actor=SYSTEM)
    changes = server.sync_down(hana)
    assert "exit" not in {c["op"] for c in changes}
    assert server.records(hana, "customer")[customer_id]["owner_id"] == firm.bob


def test_offline_notes_of_old_owner_still_land_edits_do_not(
    server: ServerHarness, firm: Firm
) -> None:
    ann, sam = server.login("ann"), server.login("sam")
    customer_id = create_customer(server, ann, "Offline Co")
    reassign_customers(server.engine, customer_ids=[customer_id], to_user_id=firm.sam, actor=SYSTEM)
    note = ann.mutation(
        "activity",
        new_id(),
        "create",
        {"customer_id": customer_id, "kind": "visit", "occurred_at": OCCURRED, "notes": "offline"},
    )
    edit = ann.mutation("customer", customer_id, "update", {"phone": "9"}, base_version=1)
    answer = server.push(ann, note, edit)
    assert [(r["status"], r["code"]) for r in answer["results"]] == [
        ("applied", None),
        ("rejected", "forbidden"),
    ]
    server.sync_down(sam)
    notes = [a["notes"] for a in server.records(sam, "activity").values()]
    assert notes == ["offline"]
    server.sync_down(ann)
    assert [e["code"] for e in server.records(ann, "sync_error").values()] == ["forbidden"]
    assert server.records(ann, "customer") == {}


def test_paged_initial_sync_resumes_after_a_cut(server: ServerHarness, firm: Firm) -> None:
    ann = server.login("ann")
    customer_id = create_customer(server, ann, "Paged")
    for index in range(25):
        add_activity(server, ann, customer_id, f"note {index}")
    whole = server.login("ann")
    uncut = server.sync_down(whole, limit=1000)
    cut = server.login("ann")
    first = server.pull_page(cut, limit=7).json()
    assert first["has_more"] is True
    assert len(first["changes"]) == 7
    cut.cursor = first["next_cursor"]  # the client stored page 1 and its cursor, then crashed
    rest = server.sync_down(cut, limit=7)
    assert [c["seq"] for c in first["changes"] + rest] == [c["seq"] for c in uncut]
    seqs = [c["seq"] for c in uncut]
    assert seqs == sorted(seqs)
    assert len(seqs) == len(set(seqs))


def test_long_poll_returns_at_once_when_something_is_there(
    server: ServerHarness, firm: Firm
) -> None:
    ann = server.login("ann")
    server.sync_down(ann)
    create_customer(server, ann, "Fresh")
    response = server.pull_page(ann, wait=20)
    assert response.status_code == 200
    assert [c["entity"] for c in response.json()["changes"]] == ["customer"]


def test_cursor_from_another_epoch_or_ahead_is_a_reset(server: ServerHarness, firm: Firm) -> None:
    ann = server.login("ann")
    create_customer(server, ann, "Before restore")
    server.sync_down(ann)
    assert ann.cursor is not None
    epoch, _, seq = ann.cursor.rpartition(":")

    ahead = Session(**{**ann.__dict__, "cursor": f"{epoch}:{int(seq) + 50}"})
    response = server.pull_page(ahead)
    assert response.status_code == 410
    assert response.json()["code"] == "reset_required"

    mark_restored(server.engine)
    response = server.pull_page(ann)
    assert response.status_code == 410
    assert response.json()["code"] == "reset_required"
    # The reset: empty replica, pull from the start under the new epoch, push again.
    ann.cursor, ann.replica = None, {}
    server.sync_down(ann)
    assert len(server.records(ann, "customer")) == 1
    assert not str(ann.cursor).startswith(epoch + ":")


def test_malformed_cursor_is_a_bad_request(server: ServerHarness, firm: Firm) -> None:
    ann = server.login("ann")
    for cursor in ("nonsense", "abc:-1", ":5"):
        ann.cursor = cursor
        response = server.pull_page(ann)
        assert response.status_code == 400, cursor
        assert response.json()["code"] == "bad_request"


def test_role_change_forces_a_rebuild(server: ServerHarness, firm: Firm) -> None:
    ann = server.login("ann")
    create_customer(server, ann, "Mine")
    server.sync_down(ann)
    update_user(server.engine, user_id=firm.ann, changes={"role": "team_head"}, actor=SYSTEM)
    response = server.pull_page(ann)
    assert response.status_code == 410
    ann.cursor, ann.replica = None, {}
    server.sync_down(ann, limit=2)  # the rebuild itself takes several pages: none is refused
    assert len(server.records(ann, "customer")) == 1  # hers, now as head of North
    create_customer(server, server.login("bob"), "Bob's")  # North: now in her scope
    server.sync_down(ann)
    assert len(server.records(ann, "customer")) == 2


def test_old_protocol_gets_upgrade_required(server: ServerHarness, firm: Firm) -> None:
    ann = server.login("ann")
    headers = {**ann.headers, "X-Fieldbook-Protocol": "0"}
    for path in ("/sync/hello", f"/sync/pull?client_id={ann.client_id}"):
        response = server.client.get(path, headers=headers)
        assert response.status_code == 426, path
        assert response.json()["code"] == "upgrade_required"
    response = server.client.post(
        "/sync/push",
        headers=ann.headers,
        json={
            "client_id": ann.client_id,
            "protocol_version": 0,
            "schema_version": 1,
            "mutations": [],
        },
    )
    assert response.status_code == 426
    assert response.json()["code"] == "upgrade_required"


def test_large_pages_are_gzipped_on_request(sqlite_server: ServerHarness) -> None:
    server = sqlite_server
    server.add_user("ann")
    ann = server.login("ann")
    customer_id = create_customer(server, ann, "Big")
    for index in range(40):
        add_activity(server, ann, customer_id, "长长的拜访记录 " * 20 + str(index))
    response = server.client.get(
        "/sync/pull",
        headers={**ann.headers, "Accept-Encoding": "gzip"},
        params={"client_id": ann.client_id},
    )
    assert response.headers["content-encoding"] == "gzip"
    assert len(response.json()["changes"]) >= 41
    raw = server.client.get(
        "/sync/pull",
        headers={**ann.headers, "Accept-Encoding": "identity"},
        params={"client_id": ann.client_id},
    )
    assert "content-encoding" not in raw.headers
    assert len(gzip.compress(raw.content)) < len(raw.content)
