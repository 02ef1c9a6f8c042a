"""Administration: users and teams, reassignment limits, hand-over, deactivation with drain and
wipe, freezing, and the audit log."""

from __future__ import annotations

from typing import Any

from tests.server.harness import PASSWORD, Firm, ServerHarness, Session, new_id

OCCURRED = "2026-11-20T09:00:00Z"


def book_of_business(server: ServerHarness, session: Session) -> dict[str, str]:
    """A customer with a contact, a note, an open and a won opportunity, an open and a done
    follow-up."""
    ids = {
        name: new_id()
        for name in ("customer", "contact", "activity", "open", "won", "todo", "done")
    }
    customer = ids["customer"]
    mutations = [
        session.mutation("customer", customer, "create", {"name": "交接客户"}),
        session.mutation(
            "contact", ids["contact"], "create", {"customer_id": customer, "name": "王"}
        ),
        session.mutation(
            "activity",
            ids["activity"],
            "create",
            {"customer_id": customer, "kind": "visit", "occurred_at": OCCURRED},
        ),
        session.mutation(
            "opportunity",
            ids["open"],
            "create",
            {
                "customer_id": customer,
                "name": "Open deal",
                "owner_id": session.user_id,
                "status": "open",
            },
        ),
        session.mutation(
            "opportunity",
            ids["won"],
            "create",
            {
                "customer_id": customer,
                "name": "Won deal",
                "owner_id": session.user_id,
                "status": "won",
            },
        ),
        session.mutation(
            "followup",
            ids["todo"],
            "create",
            {
                "customer_id": customer,
                "title": "Call back",
                "due_at": OCCURRED,
                "assignee_id": session.user_id,
            },
        ),
        session.mutation(
            "followup",
            ids["done"],
            "create",
            {
                "customer_id": customer,
                "title": "Sent offer",
                "due_at": OCCURRED,
                "assignee_id": session.user_id,
                "done": True,
            },
        ),
    ]
    answer = server.push(session, *mutations)
    assert all(r["status"] == "applied" for r in answer["results"]), answer
    return ids


def test_users_and_teams_by_administrators_only(server: ServerHarness, firm: Firm) -> None:
    admin, ann, hana = server.login("admin"), server.login("ann"), server.login("hana")
    created = server.client.post("/admin/teams", headers=admin.headers, json={"name": "East"})
    assert created.status_code == 201
    east = created.json()["id"]
    new_user = {
        "login": "dan",
        "display_name": "Dan",
        "role": "account_manager",
        "team_id": east,
        "password": PASSWORD,
    }
    assert server.client.post("/admin/users", headers=ann.headers, json=new_user).status_code == 403
    assert (
        server.client.post("/admin/users", headers=hana.headers, json=new_user).status_code == 403
    )
    response = server.client.post("/admin/users", headers=admin.headers, json=new_user)
    assert response.status_code == 201
    dan_id = response.json()["id"]
    duplicate = server.client.post("/admin/users", headers=admin.headers, json=new_user)
    assert (duplicate.status_code, duplicate.json()["code"]) == (409, "conflict")
    assert server.login("dan").user_id == dan_id
    listed = server.client.get("/admin/users", headers=admin.headers).json()
    assert {u["login"] for u in listed} >= {"dan", "ann", "admin"}
    # A team head lists only the team.
    team_view = server.client.get("/admin/users", headers=hana.headers).json()
    assert {u["login"] for u in team_view} == {"hana", "ann", "bob"}
    assert server.client.get("/admin/users", headers=ann.headers).status_code == 403
    changed = server.client.patch(
        f"/admin/users/{dan_id}", headers=admin.headers, json={"role": "team_head"}
    )
    assert changed.status_code == 200
    assert changed.json()["role"] == "team_head"
    bad_role = server.client.patch(
        f"/admin/users/{dan_id}", headers=admin.headers, json={"role": "emperor"}
    )
    assert (bad_role.status_code, bad_role.json()["code"]) == (422, "validation_error")
    # New teams and users reach every replica as reference data.
    server.sync_down(ann)
    assert "East" in {t["name"] for t in server.records(ann, "team").values()}
    assert server.records(ann, "user")[dan_id]["role"] == "team_head"


def test_team_head_reassigns_only_within_the_team(server: ServerHarness, firm: Firm) -> None:
    ann, sam, hana = server.login("ann"), server.login("sam"), server.login("hana")
    anns = book_of_business(server, ann)["customer"]
    sams = book_of_business(server, sam)["customer"]
    within = server.client.post(
        "/admin/customers/reassign",
        headers=hana.headers,
        json={"customer_ids": [anns], "to_user": firm.bob},
    )
    assert within.status_code == 200
    assert within.json() == {"reassigned": 1}
    to_other_team = server.client.post(
        "/admin/customers/reassign",
        headers=hana.headers,
        json={"customer_ids": [anns], "to_user": firm.sam},
    )
    assert to_other_team.status_code == 403
    their_customer = server.client.post(
        "/admin/customers/reassign",
        headers=hana.headers,
        json={"customer_ids": [sams], "to_user": firm.bob},
    )
    assert their_customer.status_code == 403
    by_manager = server.client.post(
        "/admin/customers/reassign",
        headers=ann.headers,
        json={"customer_ids": [anns], "to_user": firm.ann},
    )
    assert by_manager.status_code == 403
    unknown = server.client.post(
        "/admin/customers/reassign",
        headers=hana.headers,
        json={"customer_ids": [new_id()], "to_user": firm.bob},
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")


def test_handover_preview_and_handover(server: ServerHarness, firm: Firm) -> None:
    ann, bob, admin = server.login("ann"), server.login("bob"), server.login("admin")
    ids = book_of_business(server, ann)
    preview = server.client.get(
        "/admin/handover/preview", headers=admin.headers, params={"from": firm.ann, "to": firm.bob}
    )
    assert preview.status_code == 200
    assert {
        k: preview.json()[k] for k in ("customers", "open_opportunities", "open_followups")
    } == {
        "customers": 1,
        "open_opportunities": 1,
        "open_followups": 1,
    }
    done = server.client.post(
        "/admin/handover", headers=admin.headers, json={"from_user": firm.ann, "to_user": firm.bob}
    )
    assert done.status_code == 200
    assert done.json() == {"customers": 1, "open_opportunities": 1, "open_followups": 1}
    server.sync_down(bob)
    assert server.records(bob, "customer")[ids["customer"]]["owner_id"] == firm.bob
    opportunities = server.records(bob, "opportunity")
    assert opportunities[ids["open"]]["owner_id"] == firm.bob
    assert opportunities[ids["won"]]["owner_id"] == firm.ann  # history stays as it was
    followups = server.records(bob, "followup")
    assert followups[ids["todo"]]["assignee_id"] == firm.bob
    assert followups[ids["done"]]["assignee_id"] == firm.ann
    assert ids["activity"] in server.records(bob, "activity")
    audit = server.client.get(
        "/admin/audit", headers=admin.headers, params={"user": firm.admin}
    ).json()
    assert "handover" in [entry["action"] for entry in audit]
    per_customer = server.client.get(
        "/admin/audit", headers=admin.headers, params={"customer": ids["customer"]}
    ).json()
    assert [entry["action"] for entry in per_customer] == ["customer.reassign"]
    assert per_customer[0]["detail"]["from_owner"] == firm.ann
    assert server.client.get("/admin/audit", headers=bob.headers).status_code == 403


def test_deactivation_drain_and_wipe(server: ServerHarness, firm: Firm) -> None:
    ann, bob, admin = server.login("ann"), server.login("bob"), server.login("admin")
    ids = book_of_business(server, ann)
    response = server.client.post(
        f"/admin/users/{firm.ann}/deactivate", headers=admin.headers, json={"handover_to": firm.bob}
    )
    assert response.status_code == 200
    assert response.json()["handed_over"]["customers"] == 1
    # Her access token is revoked at once.
    assert server.client.get("/sync/hello", headers=ann.headers).status_code == 401
    # Her refresh token now yields a drain-only token.
    refreshed = server.client.post("/auth/refresh", json={"refresh_token": ann.refresh_token})
    assert refreshed.status_code == 200
    ann.access_token = refreshed.json()["access_token"]
    hello = server.client.get("/sync/hello", headers=ann.headers).json()
    assert hello["account_state"] == "deactivated"
    pull = server.pull_page(ann)
    assert (pull.status_code, pull.json()["code"]) == (403, "deactivated")
    admin_call = server.client.get("/admin/teams", headers=ann.headers)
    assert admin_call.status_code == 403
    # The drain: her offline note lands (under Bob now); her edit does not.
    note_id = new_id()
    answer = server.push(
        ann,
        ann.mutation(
            "activity",
            note_id,
            "create",
            {
                "customer_id": ids["customer"],
                "kind": "call",
                "occurred_at": OCCURRED,
                "notes": "最后",
            },
        ),
        ann.mutation("customer", ids["customer"], "update", {"phone": "1"}, base_version=1),
    )
    assert [(r["status"], r["code"]) for r in answer["results"]] == [
        ("applied", None),
        ("rejected", "forbidden"),
    ]
    drained = server.client.post(
        "/sync/drained", headers=ann.headers, json={"client_id": ann.client_id}
    )
    assert drained.json() == {"wipe": True}
    assert server.client.get("/sync/hello", headers=ann.headers).json()["account_state"] == "wipe"
    late = server.push_raw(ann, [ann.mutation("activity", new_id(), "create", {})])
    assert (late.status_code, late.json()["code"]) == (403, "wipe")
    server.sync_down(bob)
    assert server.records(bob, "activity")[note_id]["notes"] == "最后"
    assert server.records(bob, "user")[firm.ann]["active"] is False
    login = server.client.post(
        "/auth/login", json={"login": "ann", "password": PASSWORD, "client_id": "new"}
    )
    assert (login.status_code, login.json()["code"]) == (403, "deactivated")


def test_freeze_and_drained_on_active_account(server: ServerHarness, firm: Firm) -> None:
    ann, admin = server.login("ann"), server.login("admin")
    assert server.client.post(f"/admin/users/{firm.ann}/freeze", headers=admin.headers).json() == {
        "state": "frozen"
    }
    assert server.client.get("/sync/hello", headers=ann.headers).json()["account_state"] == "frozen"
    assert server.pull_page(ann).status_code == 200  # frozen still reads
    bob = server.login("bob")
    not_drainable = server.client.post(
        "/sync/drained", headers=bob.headers, json={"client_id": "x"}
    )
    assert (not_drainable.status_code, not_drainable.json()["code"]) == (409, "conflict")
    missing = server.client.post(f"/admin/users/{new_id()}/freeze", headers=admin.headers)
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")


def test_reactivation_by_patch(server: ServerHarness, firm: Firm) -> None:
    admin = server.login("admin")
    off = server.client.patch(
        f"/admin/users/{firm.bob}", headers=admin.headers, json={"active": False}
    )
    assert off.status_code == 200
    listed: list[dict[str, Any]] = server.client.get("/admin/users", headers=admin.headers).json()
    assert {u["login"]: u["state"] for u in listed}["bob"] == "deactivated"
    on = server.client.patch(
        f"/admin/users/{firm.bob}", headers=admin.headers, json={"active": True}
    )
    assert on.status_code == 200
    assert server.login("bob").user_id == firm.bob


def test_client_audit_events_are_recorded_once(server: ServerHarness, firm: Firm) -> None:
    ann, admin = server.login("ann"), server.login("admin")
    events = [
        {"id": "ev-1", "at": "2026-11-20T09:00:00Z", "action": "export", "detail": {"count": 3}},
        {"id": "ev-2", "at": "2026-11-20T09:01:00Z", "action": "print", "detail": None},
    ]
    body = {"client_id": ann.client_id, "events": events}
    for _attempt in range(2):  # a retry after a lost answer
        answer = server.client.post("/audit/events", headers=ann.headers, json=body)
        assert answer.status_code == 200
        assert answer.json() == {"recorded": ["ev-1", "ev-2"]}
    entries = server.client.get(
        "/admin/audit", headers=admin.headers, params={"user": firm.ann}
    ).json()
    exports = [e for e in entries if e["action"] == "export"]
    assert len(exports) == 1
    assert exports[0]["detail"]["count"] == 3
    assert exports[0]["client_id"] == ann.client_id
    assert [e["action"] for e in entries].count("print") == 1
    bad = {"client_id": ann.client_id, "events": [{"id": "x", "action": "delete_all"}]}
    refused = server.client.post("/audit/events", headers=ann.headers, json=bad)
    assert (refused.status_code, refused.json()["code"]) == (422, "validation_error")


def test_partial_handover_moves_only_the_leavers_chosen_customers(
    server: ServerHarness, firm: Firm
) -> None:
    ann, bob, admin = server.login("ann"), server.login("bob"), server.login("admin")
    first, second = book_of_business(server, ann), book_of_business(server, ann)
    bobs = book_of_business(server, bob)
    foreign = server.client.post(
        "/admin/handover",
        headers=admin.headers,
        json={"from_user": firm.ann, "to_user": firm.bob, "customer_ids": [bobs["customer"]]},
    )
    assert (foreign.status_code, foreign.json()["code"]) == (422, "validation_error")
    partial = server.client.post(
        "/admin/handover",
        headers=admin.headers,
        json={"from_user": firm.ann, "to_user": firm.bob, "customer_ids": [first["customer"]]},
    )
    assert partial.json() == {"customers": 1, "open_opportunities": 1, "open_followups": 1}
    server.sync_down(ann)
    assert set(server.records(ann, "customer")) == {second["customer"]}
    assert server.records(ann, "opportunity")[second["open"]]["owner_id"] == firm.ann


def test_the_hand_over_preview_counts_what_the_leavers_laptops_still_hold(
    server: ServerHarness, firm: Firm
) -> None:
    ann, bob, admin = server.login("ann"), server.login("bob"), server.login("admin")

    def preview() -> dict[str, Any]:
        answer = server.client.get(
            "/admin/handover/preview",
            headers=admin.headers,
            params={"from": firm.ann, "to": firm.bob},
        )
        assert answer.status_code == 200
        return dict(answer.json())

    assert preview()["unsynced_changes"] == 0 and preview()["unsynced_reported_at"] is None
    for client_id, pending in (("ann-laptop", 3), ("ann-desktop", 2)):
        said = server.client.get(
            "/sync/hello", headers=ann.headers, params={"client_id": client_id, "pending": pending}
        )
        assert said.status_code == 200
    # Another user's hello about their own laptop does not count for ann.
    server.client.get("/sync/hello", headers=bob.headers, params={"client_id": "b", "pending": 7})
    assert preview()["unsynced_changes"] == 5
    server.client.get(
        "/sync/hello", headers=ann.headers, params={"client_id": "ann-laptop", "pending": 0}
    )
    counts = preview()
    assert counts["unsynced_changes"] == 2 and counts["unsynced_reported_at"] is not None
    # What arrives by push no longer counts, before the laptop's next hello says so.
    desktop = server.login("ann", client_id="ann-desktop")
    server.push(desktop, desktop.mutation("customer", new_id(), "create", {"name": "新客户"}))
    assert preview()["unsynced_changes"] == 1
    refused = server.client.get(
        "/sync/hello", headers=ann.headers, params={"client_id": "x", "pending": -1}
    )
    assert refused.status_code == 422 and set(refused.json()) >= {"code", "message"}
