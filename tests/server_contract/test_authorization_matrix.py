"""Every kind of caller against every endpoint the server publishes, and scope on pull and push.

The endpoint list comes from the server's own `/openapi.json`, so an endpoint nobody classified
in `endpoints.py` fails here. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from desktop.store.replica import HEAD_REVISION
from protocol.messages import MAX_PULL_LIMIT
from tests.server_contract.endpoints import (
    ENDPOINTS,
    Access,
    Caller,
    Endpoint,
    classify,
    normalized_path,
    spec_endpoints,
)
from tests.server_contract.harness import (
    BUCKET_ENTITIES,
    PASSWORD,
    SYNC_HEADERS,
    Firm,
    Session,
    add_user,
    book_mutations,
    create,
    expect,
    replica_after,
    sign_in,
    update,
)

# The firm member who plays each kind of caller (the deactivated one holds a drain token).
PLAYERS = {
    Caller.ACCOUNT_MANAGER: "am_a1",
    Caller.TEAM_HEAD: "head_a",
    Caller.EXECUTIVE: "exec",
    Caller.ADMIN: "admin",
    Caller.DEACTIVATED: "leaver",
}
OWN_TEAM, OTHER_TEAM = "own team", "other team"


class Call:
    """Sends one representative request of an endpoint as a given caller."""

    def __init__(self, firm: Firm, http: httpx.Client, caller: Caller) -> None:
        self.firm = firm
        self.http = http
        self.caller = caller
        self.session: Session | None = (
            None if caller is Caller.ANONYMOUS else firm.sessions[PLAYERS[caller]]
        )

    def headers(self) -> dict[str, str]:
        return {**SYNC_HEADERS, **(self.session.auth_headers if self.session else {})}

    def send(self, method: str, path: str, *, body: Any = None, **params: Any) -> httpx.Response:
        try:
            return self.http.request(
                method, path, json=body, params=params or None, headers=self.headers()
            )
        except (httpx.RemoteProtocolError, httpx.ReadError):
            # uvicorn drops a kept-alive connection after an unhandled server error; the 500
            # itself was already reported for the request that caused it. Ask again.
            return self.http.request(
                method, path, json=body, params=params or None, headers=self.headers()
            )

    def client_id(self) -> str:
        return self.session.client_id if self.session else "anonymous-client"

    def fresh_user(self, team: str = "A") -> str:
        """A new account for an admin action with side effects (created by the administrator)."""
        admin = self.firm.sessions["admin"]
        login = f"target_{uuid.uuid4().hex[:10]}"
        return add_user(
            admin, login=login, role="account_manager", team_id=self.firm.team_ids[team]
        )

    def users(self, team: str) -> tuple[str, str]:
        """(from, to) users of a hand-over within the given team."""
        ids = self.firm.user_ids
        return (
            (ids["spare_a1"], ids["spare_a2"]) if team == "A" else (ids["spare_b1"], ids["am_b1"])
        )


def _team_letter(where: str) -> str:
    return "A" if where == OWN_TEAM else "B"


# One representative request per endpoint. `where` matters to team-limited endpoints only.
REQUESTS: dict[tuple[str, str], Callable[[Call, str], httpx.Response]] = {
    ("GET", "/health"): lambda c, _w: c.send("GET", "/health"),
    ("POST", "/auth/login"): lambda c, _w: c.send(
        "POST",
        "/auth/login",
        body={"login": "am_a2", "password": PASSWORD, "client_id": f"m-{uuid.uuid4().hex[:8]}"},
    ),
    ("POST", "/auth/refresh"): lambda c, _w: c.send(
        "POST",
        "/auth/refresh",
        body={"refresh_token": sign_in(c.http, login="am_a2").refresh_token},
    ),
    ("POST", "/auth/logout"): lambda c, _w: _logout(c),
    ("GET", "/sync/hello"): lambda c, _w: c.send("GET", "/sync/hello"),
    ("POST", "/sync/push"): lambda c, _w: _push_nothing(c),
    ("GET", "/sync/pull"): lambda c, _w: c.send(
        "GET", "/sync/pull", client_id=c.client_id(), limit=10
    ),
    ("GET", "/sync/snapshot"): lambda c, _w: c.send(
        "GET", "/sync/snapshot", client_id=c.client_id(), schema=HEAD_REVISION
    ),
    ("POST", "/sync/drained"): lambda c, _w: _drained(c),
    ("GET", "/admin/users"): lambda c, _w: c.send("GET", "/admin/users"),
    ("POST", "/admin/users"): lambda c, _w: c.send(
        "POST",
        "/admin/users",
        body={
            "login": f"new_{uuid.uuid4().hex[:10]}",
            "display_name": "New",
            "password": PASSWORD,
            "role": "account_manager",
            "team_id": c.firm.team_ids["A"],
        },
    ),
    ("PATCH", "/admin/users/{user_id}"): lambda c, _w: c.send(
        "PATCH",
        f"/admin/users/{c.firm.user_ids['spare_a2']}",
        body={"display_name": f"Spare {uuid.uuid4().hex[:4]}"},
    ),
    ("POST", "/admin/users/{user_id}/freeze"): lambda c, _w: c.send(
        "POST", f"/admin/users/{_target(c, c.firm.user_ids['spare_a2'])}/freeze", body={}
    ),
    ("POST", "/admin/users/{user_id}/deactivate"): lambda c, _w: c.send(
        "POST",
        f"/admin/users/{_target(c, c.firm.user_ids['spare_a2'])}/deactivate",
        body={"handover_to": c.firm.user_ids["spare_a2"]},
    ),
    ("GET", "/admin/handover/preview"): lambda c, w: c.send(
        "GET",
        "/admin/handover/preview",
        **dict(zip(("from", "to"), c.users(_team_letter(w)), strict=True)),
    ),
    ("POST", "/admin/handover"): lambda c, w: c.send(
        "POST",
        "/admin/handover",
        body=dict(zip(("from_user", "to_user"), c.users(_team_letter(w)), strict=True)),
    ),
    ("GET", "/admin/teams"): lambda c, _w: c.send("GET", "/admin/teams"),
    ("POST", "/admin/teams"): lambda c, _w: c.send(
        "POST", "/admin/teams", body={"name": f"Team {uuid.uuid4().hex[:8]}"}
    ),
    ("POST", "/admin/customers/reassign"): lambda c, w: _reassign(c, _team_letter(w)),
    ("GET", "/admin/audit"): lambda c, _w: c.send("GET", "/admin/audit", limit=5),
    ("POST", "/audit/events"): lambda c, _w: c.send(
        "POST",
        "/audit/events",
        body={
            "client_id": c.client_id(),
            "events": [{"id": str(uuid.uuid4()), "action": "export", "detail": {"rows": 12}}],
        },
    ),
}


def _target(call: Call, harmless: str) -> str:
    """Refused callers aim at a real user (a refusal must not depend on the target); the admin,
    whose call succeeds, at a fresh account so that nobody else's account closes."""
    return call.fresh_user() if call.caller is Caller.ADMIN else harmless


def _logout(call: Call) -> httpx.Response:
    if call.session is None:
        return call.send("POST", "/auth/logout", body={"client_id": "anonymous-client"})
    # A throwaway session, so the shared one stays signed in.
    if call.caller is Caller.DEACTIVATED:
        session = fresh_drain_session(call)
    else:
        session = sign_in(call.http, login=call.session.login)
    return call.http.post(
        "/auth/logout",
        json={"client_id": session.client_id},
        headers={**SYNC_HEADERS, **session.auth_headers},
    )


def fresh_drain_session(call: Call) -> Session:
    """A user who signed in, was deactivated, and refreshed into a drain-only token."""
    admin = call.firm.sessions["admin"]
    user_id = call.fresh_user()
    login = next(
        row["login"]
        for row in expect(admin.get("/admin/users"), 200, "users")
        if row["id"] == user_id
    )
    session = sign_in(call.http, login=login)
    expect(admin.post(f"/admin/users/{user_id}/deactivate", {}), 200, "deactivation")
    pair = expect(
        call.http.post("/auth/refresh", json={"refresh_token": session.refresh_token}),
        200,
        "drain token",
    )
    session.access_token, session.refresh_token = pair["access_token"], pair["refresh_token"]
    return session


def _drained(call: Call) -> httpx.Response:
    """Saying "drained" closes the account for good: the deactivated caller uses a fresh one."""
    session = fresh_drain_session(call) if call.caller is Caller.DEACTIVATED else call.session
    client_id = session.client_id if session else "anonymous-client"
    headers = {**SYNC_HEADERS, **(session.auth_headers if session else {})}
    return call.http.post("/sync/drained", json={"client_id": client_id}, headers=headers)


def _push_nothing(call: Call) -> httpx.Response:
    return call.send(
        "POST",
        "/sync/push",
        body={
            "client_id": call.client_id(),
            "protocol_version": 1,
            "schema_version": 1,
            "mutations": [],
        },
    )


def _reassign(call: Call, team: str) -> httpx.Response:
    """A fresh customer of the team's spare manager, moved to a colleague in the same team."""
    owner = "spare_a1" if team == "A" else "spare_b1"
    from_user, to_user = call.users(team)
    book, mutations = book_mutations(
        owner_id=from_user,
        team_id=call.firm.team_ids[team],
        name=f"reassign {uuid.uuid4().hex[:4]}",
    )
    owner_session = sign_in(call.http, login=owner)
    results = owner_session.push(mutations)
    assert all(r["status"] == "applied" for r in results), results
    return call.send(
        "POST",
        "/admin/customers/reassign",
        body={"customer_ids": [book.customer_id], "to_user": to_user},
    )


def expected_outcome(endpoint: Endpoint, caller: Caller, where: str) -> str:
    """ "ok", or the refusal the wire prescribes: "unauthorized" / "refused" / "conflict"."""
    if endpoint.allows(caller):
        if endpoint.access is Access.CLOSED_ACCOUNT and caller is not Caller.DEACTIVATED:
            return "conflict"  # an active account has nothing to drain
        if endpoint.access is Access.ADMIN_OR_OWN_TEAM_HEAD and caller is Caller.TEAM_HEAD:
            return "ok" if where == OWN_TEAM else "refused"
        return "ok"
    return "unauthorized" if caller is Caller.ANONYMOUS else "refused"


def outcome_matches(expected: str, caller: Caller, response: httpx.Response) -> bool:
    body = response.json() if response.content else None
    code = body.get("code") if isinstance(body, dict) else None
    if expected == "ok":
        # A caller who may ask for a snapshot and has none ready is told so: an answer about
        # the data, not a refusal (the matrix's server keeps no snapshots).
        return 200 <= response.status_code < 300 or code == "snapshot_unavailable"
    if expected == "conflict":
        return response.status_code == 409 and code == "conflict"
    if expected == "unauthorized":
        return response.status_code == 401 and code == "unauthorized"
    allowed_codes = {"forbidden", "deactivated"} if caller is Caller.DEACTIVATED else {"forbidden"}
    return response.status_code == 403 and code in allowed_codes


def test_every_published_endpoint_is_classified(http: httpx.Client) -> None:
    published = spec_endpoints(expect(http.get("/openapi.json"), 200, "openapi"))
    for method, path in published:
        classify(method, path)  # fails with a clear message for an unclassified endpoint
    documented = {(e.method, normalized_path(e.path)) for e in ENDPOINTS.values()}
    missing = documented - {(m, normalized_path(p)) for m, p in published}
    assert not missing, f"docs/wire.md endpoints the server does not publish: {sorted(missing)}"


# Server bugs this matrix found; strict, so each turns red (remove it here) once fixed.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def _matrix_params() -> list[Any]:
    return [
        pytest.param(
            key,
            id=f"{key[0]} {key[1]}",
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[key])]
            if key in KNOWN_BUGS
            else [],
        )
        for key in ENDPOINTS
    ]


@pytest.fixture(scope="module")
def published(http: httpx.Client) -> list[tuple[str, str]]:
    return spec_endpoints(expect(http.get("/openapi.json"), 200, "openapi"))


@pytest.mark.parametrize("endpoint_key", _matrix_params())
def test_authorization_matrix(
    endpoint_key: tuple[str, str],
    http: httpx.Client,
    firm: Firm,
    published: list[tuple[str, str]],
) -> None:
    """Every kind of caller on one endpoint: allowed calls succeed, others get 401/403.

    `test_every_published_endpoint_is_classified` makes sure these rows cover the whole spec."""
    endpoint = ENDPOINTS[endpoint_key]
    paths = [
        p
        for m, p in published
        if (m, normalized_path(p)) == (endpoint.method, normalized_path(endpoint.path))
    ]
    assert paths, f"{endpoint.method} {endpoint.path} is not published"
    path = paths[0]
    send = REQUESTS[endpoint.key]
    wheres = (
        [OWN_TEAM, OTHER_TEAM] if endpoint.access is Access.ADMIN_OR_OWN_TEAM_HEAD else [OWN_TEAM]
    )
    mismatches: list[str] = []
    # The administrator last: its successful calls have side effects (on spare accounts).
    for caller in [c for c in Caller if c is not Caller.ADMIN] + [Caller.ADMIN]:
        for where in wheres:
            response = send(Call(firm, http, caller), where)
            expected = expected_outcome(endpoint, caller, where)
            if response.status_code >= 500 or not outcome_matches(expected, caller, response):
                mismatches.append(
                    f"{endpoint.method} {path} as {caller.value} ({where}): expected {expected}, "
                    f"got {response.status_code} {response.text[:200]}"
                )
    assert not mismatches, "authorization matrix mismatches:\n" + "\n".join(mismatches)


def test_team_head_lists_only_its_own_team(http: httpx.Client, firm: Firm) -> None:
    head = firm.sessions["head_a"]
    rows = expect(head.get("/admin/users"), 200, "team head's user list")
    assert rows, "the team head's list is empty"
    assert {row["team_id"] for row in rows} == {firm.team_ids["A"]}, rows


# --- scope of pulls -------------------------------------------------------------------------------
def test_pulls_carry_exactly_the_callers_scope(http: httpx.Client, firm: Firm) -> None:
    truth = replica_after(sign_in(http, login="admin").pull_all())
    customers = {key[1]: data for key, data in truth.items() if key[0] == "customer"}
    ids, teams = firm.user_ids, firm.team_ids
    expectations = {
        "am_a1": {c for c, d in customers.items() if d.get("owner_id") == ids["am_a1"]},
        "am_b1": {c for c, d in customers.items() if d.get("owner_id") == ids["am_b1"]},
        "head_a": {c for c, d in customers.items() if d.get("team_id") == teams["A"]},
        "head_b": {c for c, d in customers.items() if d.get("team_id") == teams["B"]},
        "exec": set(customers),
        "admin": set(customers),
    }
    assert firm.books["am_a1"].customer_id in expectations["am_a1"]
    assert firm.books["am_b1"].customer_id not in expectations["head_a"]
    for login, visible in expectations.items():
        changes = sign_in(http, login=login).pull_all(limit=7)  # small pages: paging is scoped too
        held = replica_after(changes)
        held_customers = {key[1] for key in held if key[0] == "customer"}
        assert held_customers == visible, f"{login} holds the wrong customers"
        for (entity, record_id), data in held.items():
            if entity in BUCKET_ENTITIES and entity != "customer":
                assert data.get("customer_id") in visible, f"{login} holds {entity} {record_id}"
        # Reference data is everyone's; other people's sync errors are nobody's.
        assert any(key[0] == "user" for key in held), f"{login} got no users"
        for (entity, _), data in held.items():
            if entity == "sync_error":
                assert data.get("user_id") == ids[login], f"{login} sees another's sync error"
    never_seen = {  # books that were never in these callers' scope: not even a passing upsert
        "am_a1": firm.books["am_b1"].record_ids | firm.books["am_a2"].record_ids,
        "head_a": firm.books["am_b1"].record_ids | firm.books["spare_b1"].record_ids,
    }
    for login, forbidden_ids in never_seen.items():
        seen = {change["id"] for change in sign_in(http, login=login).pull_all()}
        assert not seen & forbidden_ids, f"{login} pulled records outside its scope"


def test_deactivated_caller_pulls_nothing(http: httpx.Client, firm: Firm) -> None:
    leaver = firm.sessions["leaver"]
    response = leaver.pull_page(cursor=None, limit=100)
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "deactivated"


# --- scope of pushes ------------------------------------------------------------------------------
def test_pushes_outside_scope_are_rejected_and_kept_as_sync_errors(
    http: httpx.Client, firm: Firm
) -> None:
    theirs = firm.books["am_b1"]
    admin_view_before = replica_after(sign_in(http, login="admin").pull_all())
    manager = sign_in(http, login="am_a1")
    attempts = [
        update("customer", theirs.customer_id, {"phone": "+86 10 1111 1111"}, 1),
        update("contact", theirs.contact_id, {"title": "stolen"}, 1),
        create("contact", {"customer_id": theirs.customer_id, "name": "planted"}),
        create(
            "activity",
            {
                "customer_id": theirs.customer_id,
                "kind": "note",
                "occurred_at": "2026-11-23T10:00:00Z",
                "subject": "planted",
            },
        ),
        update("opportunity", theirs.opportunity_id, {"amount": 1.0}, 1),
        {
            "entity": "followup",
            "entity_id": theirs.followup_id,
            "op": "archive",
            "fields": {},
            "base_version": 1,
        },
        create(
            "customer",
            {"name": "planted", "owner_id": firm.user_ids["am_b1"], "team_id": firm.team_ids["B"]},
        ),
        create("team", {"name": "my own team"}),
        update("user", firm.user_ids["am_a1"], {"role": "admin"}, 1),
    ]
    results = manager.push(attempts)
    statuses = [(r["status"], r["code"]) for r in results]
    assert all(status == "rejected" for status, _ in statuses), statuses
    assert all(code in ("forbidden", "not_found") for _, code in statuses), statuses
    # Nothing of theirs changed, nothing was planted.
    admin_view_after = replica_after(sign_in(http, login="admin").pull_all())
    for key in admin_view_before:
        if key[0] in (*BUCKET_ENTITIES, "user", "team"):
            assert admin_view_after.get(key) == admin_view_before[key], key
    planted = [
        k
        for k, d in admin_view_after.items()
        if d.get("name") in ("planted", "my own team") or d.get("subject") == "planted"
    ]
    assert not planted
    # Each refusal is a sync error of the pusher, with the mutation id, visible to them only.
    errors = [
        data
        for (entity, _), data in replica_after(manager.pull_all()).items()
        if entity == "sync_error" and data.get("client_id") == manager.client_id
    ]
    assert sorted(int(e["mutation_id"]) for e in errors) == [r["id"] for r in results]
    other = replica_after(sign_in(http, login="am_b1").pull_all())
    assert not [
        d
        for (e, _), d in other.items()
        if e == "sync_error" and d.get("client_id") == manager.client_id
    ]


def test_team_head_writes_within_the_team_only(http: httpx.Client, firm: Firm) -> None:
    head = sign_in(http, login="head_a")
    inside, outside = firm.books["am_a2"], firm.books["am_b1"]
    versions = {
        change["id"]: change["version"]
        for change in head.pull_all()
        if change["entity"] == "customer"
    }
    results = head.push(
        [
            update("customer", inside.customer_id, {"tier": "gold"}, versions[inside.customer_id]),
            create(
                "activity",
                {
                    "customer_id": inside.customer_id,
                    "kind": "meeting",
                    "occurred_at": "2026-11-23T11:00:00Z",
                    "subject": "team review",
                },
            ),
            update("customer", outside.customer_id, {"tier": "bronze"}, 1),
            create(
                "activity",
                {
                    "customer_id": outside.customer_id,
                    "kind": "meeting",
                    "occurred_at": "2026-11-23T11:00:00Z",
                    "subject": "not my team",
                },
            ),
        ]
    )
    assert [r["status"] for r in results] == ["applied", "applied", "rejected", "rejected"], results


# --- accounts that close --------------------------------------------------------------------------
def test_a_drain_token_uploads_notes_but_no_edits(http: httpx.Client, firm: Firm) -> None:
    """The leaver's book went to am_a2: offline notes still land, field edits do not."""
    leaver, book = firm.sessions["leaver"], firm.books["leaver"]
    note_id = str(uuid.uuid4())
    results = leaver.push(
        [
            create(
                "activity",
                {
                    "customer_id": book.customer_id,
                    "kind": "visit",
                    "occurred_at": "2026-11-22T15:00:00Z",
                    "subject": "offline note before leaving",
                },
                note_id,
            ),
            update("customer", book.customer_id, {"phone": "+86 10 0000 0000"}, 1),
        ]
    )
    assert [r["status"] for r in results] == ["applied", "rejected"], results
    successor = replica_after(sign_in(http, login="am_a2").pull_all())
    assert ("activity", note_id) in successor
    assert successor[("customer", book.customer_id)]["owner_id"] == firm.user_ids["am_a2"]
    assert successor[("customer", book.customer_id)]["phone"] != "+86 10 0000 0000"


def test_a_frozen_account_keeps_notes_and_refuses_edits(http: httpx.Client, firm: Firm) -> None:
    admin = firm.sessions["admin"]
    login = f"frozen_{uuid.uuid4().hex[:8]}"
    user_id = add_user(admin, login=login, role="account_manager", team_id=firm.team_ids["A"])
    session = sign_in(http, login=login)
    book, mutations = book_mutations(owner_id=user_id, team_id=firm.team_ids["A"], name=login)
    assert {r["status"] for r in session.push(mutations)} == {"applied"}
    expect(admin.post(f"/admin/users/{user_id}/freeze", {}), 200, "freeze")
    results = session.push(
        [
            update("customer", book.customer_id, {"phone": "+86 10 1234 5678"}, 1),
            create(
                "activity",
                {
                    "customer_id": book.customer_id,
                    "kind": "call",
                    "occurred_at": "2026-11-23T09:00:00Z",
                    "subject": "still taking notes",
                },
            ),
        ]
    )
    assert [(r["status"], r["code"]) for r in results] == [
        ("rejected", "frozen"),
        ("applied", None),
    ], results
    hello = expect(session.get("/sync/hello"), 200, "hello of a frozen account")
    assert hello["account_state"] == "frozen"


# --- a user whose role or team changes ------------------------------------------------------------
def _catch_up(session: Session, held: dict[tuple[str, str], dict[str, Any]]) -> bool:
    """Pull on from the session's cursor into `held`; on 410 reset_required start over, as the
    client does. Returns whether a reset was demanded. Pages are as large as the server allows
    (one page here), so this checks scopes; paging after a reset is the next test's subject."""
    response = session.pull_page(cursor=session.cursor, limit=MAX_PULL_LIMIT)
    if response.status_code == 410:
        assert response.json()["code"] == "reset_required", response.text
        session.cursor = None
        held.clear()
        held.update(replica_after(session.pull_all(limit=MAX_PULL_LIMIT)))
        return True
    page = expect(response, 200, "pull after the change")
    session.cursor = page["next_cursor"]
    changes = page["changes"]
    if page["has_more"]:
        changes += session.pull_all(limit=MAX_PULL_LIMIT)
    after = replica_after(held_as_changes(held) + changes)
    held.clear()  # exits drop records: rebuild rather than merge
    held.update(after)
    return False


def held_as_changes(held: dict[tuple[str, str], dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"entity": entity, "id": record_id, "op": "upsert", "data": data}
        for (entity, record_id), data in held.items()
    ]


def _customers_held(held: dict[tuple[str, str], dict[str, Any]]) -> set[str]:
    return {record_id for (entity, record_id) in held if entity == "customer"}


def _all_customers(http: httpx.Client) -> dict[str, dict[str, Any]]:
    truth = replica_after(sign_in(http, login="admin").pull_all())
    return {record_id: data for (entity, record_id), data in truth.items() if entity == "customer"}


def test_a_changed_team_or_role_changes_what_is_pulled(http: httpx.Client, firm: Firm) -> None:
    """A team head moved to another team, then made an account manager: after each change the
    replica holds exactly the new scope (by a reset or by the changes that follow)."""
    admin = firm.sessions["admin"]
    login = f"mover_{uuid.uuid4().hex[:8]}"
    user_id = add_user(admin, login=login, role="team_head", team_id=firm.team_ids["B"])
    session = sign_in(http, login=login)
    held = replica_after(session.pull_all(limit=MAX_PULL_LIMIT))
    customers = _all_customers(http)
    team_b = {c for c, d in customers.items() if d.get("team_id") == firm.team_ids["B"]}
    assert _customers_held(held) == team_b

    expect(admin.patch(f"/admin/users/{user_id}", {"team_id": firm.team_ids["A"]}), 200, "move")
    _catch_up(session, held)
    customers = _all_customers(http)
    team_a = {c for c, d in customers.items() if d.get("team_id") == firm.team_ids["A"]}
    assert _customers_held(held) == team_a, "after moving to team A"

    expect(admin.patch(f"/admin/users/{user_id}", {"role": "account_manager"}), 200, "demote")
    _catch_up(session, held)
    assert _customers_held(held) == set(), "an account manager who owns nothing holds nothing"
    for (entity, record_id), data in held.items():
        assert entity not in BUCKET_ENTITIES, f"still holds {entity} {record_id}: {data}"


def test_a_full_pull_after_a_role_change_completes(http: httpx.Client, firm: Firm) -> None:
    admin = firm.sessions["admin"]
    login = f"promoted_{uuid.uuid4().hex[:8]}"
    user_id = add_user(admin, login=login, role="account_manager", team_id=firm.team_ids["A"])
    session = sign_in(http, login=login)
    session.pull_all(limit=5)
    expect(admin.patch(f"/admin/users/{user_id}", {"role": "executive"}), 200, "promotion")
    old = session.pull_page(cursor=session.cursor, limit=5)
    assert old.status_code == 410, old.text  # the scope grew: start over
    session.cursor = None
    changes = session.pull_all(limit=5)  # several pages: an executive sees every customer
    customers = {change["id"] for change in changes if change["entity"] == "customer"}
    assert customers == set(_all_customers(http))
    expect(session.pull_page(cursor=session.cursor, limit=5), 200, "the next pull after the reset")
