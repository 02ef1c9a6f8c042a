"""Bad input anywhere gets a clear 4xx `{code, message}`, never a 500, and loses nothing."""

from __future__ import annotations

from typing import Any

import pytest

from protocol.messages import MAX_REQUEST_BYTES, PROTOCOL_VERSION, SCHEMA_VERSION
from server.app import create_app
from tests.server.harness import FAST_SETTINGS, ServerHarness, Session, TestClient, new_id


@pytest.fixture
def ann(sqlite_server: ServerHarness) -> Session:
    sqlite_server.add_user("ann")
    return sqlite_server.login("ann")


def push_body(session: Session, mutations: list[Any]) -> dict[str, Any]:
    return {
        "client_id": session.client_id,
        "protocol_version": PROTOCOL_VERSION,
        "schema_version": SCHEMA_VERSION,
        "mutations": mutations,
    }


def assert_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message"}
    assert body["code"] == code
    assert body["message"]


def test_malformed_json(sqlite_server: ServerHarness, ann: Session) -> None:
    for path in ("/sync/push", "/auth/login", "/auth/refresh"):
        response = sqlite_server.client.post(
            path, headers={**ann.headers, "Content-Type": "application/json"}, content=b"{not json"
        )
        assert_error(response, 400, "bad_request")


def test_wrong_types_unknown_fields_and_invalid_uuids(
    sqlite_server: ServerHarness, ann: Session
) -> None:
    mutation = {"id": 1, "entity": "customer", "entity_id": new_id(), "op": "create", "fields": {}}
    bodies = [
        {**push_body(ann, [mutation]), "protocol_version": "one"},
        {**push_body(ann, [mutation]), "surprise": True},
        push_body(ann, [{**mutation, "entity_id": "not-a-uuid"}]),
        push_body(ann, [{**mutation, "id": 0}]),
        push_body(ann, [{**mutation, "op": "delete_everything"}]),
        push_body(ann, [{**mutation, "fields": ["a", "list"]}]),
        push_body(ann, [{**mutation, "colour": "red"}]),
        push_body(ann, "not a list"),  # type: ignore[arg-type]
        push_body(ann, [mutation] * 501),
        [1, 2, 3],
    ]
    for body in bodies:
        response = sqlite_server.client.post("/sync/push", headers=ann.headers, json=body)
        assert_error(response, 422, "validation_error")
    # Nothing was applied, so the client's mutation 1 is still the next one.
    answer = sqlite_server.push(ann, mutation | {"fields": {"name": "Fine"}})
    assert answer["results"][0]["status"] == "applied"


def test_bad_query_parameters(sqlite_server: ServerHarness, ann: Session) -> None:
    client = sqlite_server.client
    for params in (
        {},  # client_id is required
        {"client_id": ann.client_id, "limit": 0},
        {"client_id": ann.client_id, "limit": 10_000_000},
        {"client_id": ann.client_id, "wait": 3600},
        {"client_id": ann.client_id, "wait": "soon"},
        {"client_id": ann.client_id, "cursor": "x" * 500},
    ):
        assert_error(
            client.get("/sync/pull", headers=ann.headers, params=params), 422, "validation_error"
        )
    protocol = {**ann.headers, "X-Fieldbook-Protocol": "new"}
    assert_error(client.get("/sync/hello", headers=protocol), 422, "validation_error")
    admin_paths = ("/admin/users/not-a-uuid/freeze", "/admin/users/12/deactivate")
    for path in admin_paths:
        assert_error(client.post(path, headers=ann.headers), 422, "validation_error")


def test_huge_bodies_are_refused(sqlite_server: ServerHarness, ann: Session) -> None:
    huge = b'{"client_id": "' + b"x" * (MAX_REQUEST_BYTES + 10) + b'"}'
    response = sqlite_server.client.post(
        "/sync/push", headers={**ann.headers, "Content-Type": "application/json"}, content=huge
    )
    assert_error(response, 413, "too_large")

    def chunks() -> Any:  # no Content-Length: the limit holds while streaming too
        for _ in range(MAX_REQUEST_BYTES // 65536 + 2):
            yield b"x" * 65536

    streamed = sqlite_server.client.post(
        "/sync/push", headers={**ann.headers, "Content-Type": "application/json"}, content=chunks()
    )
    assert_error(streamed, 413, "too_large")


def test_unknown_routes_and_methods(sqlite_server: ServerHarness) -> None:
    assert_error(sqlite_server.client.get("/nowhere"), 404, "not_found")
    assert_error(sqlite_server.client.delete("/sync/push"), 405, "bad_request")


def test_field_values_of_every_type_are_checked(sqlite_server: ServerHarness, ann: Session) -> None:
    customer_id = new_id()
    sqlite_server.push(ann, ann.mutation("customer", customer_id, "create", {"name": "Typed"}))
    bad_fields: list[dict[str, Any]] = [
        {"customer_id": customer_id, "name": "X", "amount": "lots"},
        {"customer_id": customer_id, "name": "X", "amount": True},
        {"customer_id": customer_id, "name": "X", "expected_close": "31/12/2026"},
        {"customer_id": customer_id, "name": "X", "stage_id": "stage-one"},
        {"customer_id": customer_id, "name": "X" * 301},
        {"customer_id": customer_id, "name": "X\x00"},
        {"customer_id": "not-a-uuid", "name": "X"},
        {"customer_id": customer_id, "name": None},
    ]
    answer = sqlite_server.push(
        ann, *(ann.mutation("opportunity", new_id(), "create", f) for f in bad_fields)
    )
    assert [r["code"] for r in answer["results"]] == ["validation_error"] * len(bad_fields)
    good = {
        "customer_id": customer_id,
        "name": "商机",
        "amount": 12.5,
        "expected_close": "2026-12-31",
    }
    answer = sqlite_server.push(ann, ann.mutation("opportunity", new_id(), "create", good))
    assert answer["results"][0]["status"] == "applied"


def test_openapi_describes_every_endpoint_and_health(sqlite_server: ServerHarness) -> None:
    assert sqlite_server.client.get("/health").json()["status"] == "ok"
    paths = sqlite_server.client.get("/openapi.json").json()["paths"]
    expected = {
        "/auth/login",
        "/auth/refresh",
        "/auth/logout",
        "/sync/hello",
        "/sync/push",
        "/sync/pull",
        "/sync/drained",
        "/admin/users",
        "/admin/users/{user_id}",
        "/admin/users/{user_id}/freeze",
        "/admin/users/{user_id}/deactivate",
        "/admin/handover/preview",
        "/admin/handover",
        "/admin/teams",
        "/admin/customers/reassign",
        "/admin/audit",
        "/health",
    }
    assert expected <= set(paths)
    assert "422" in paths["/sync/push"]["post"]["responses"]


def test_audit_dates_are_checked(sqlite_server: ServerHarness) -> None:
    sqlite_server.add_user("root", "admin")
    admin = sqlite_server.login("root")
    garbage = sqlite_server.client.get(
        "/admin/audit", headers=admin.headers, params={"since": "yesterday-ish"}
    )
    assert_error(garbage, 422, "validation_error")
    assert "since" in garbage.json()["message"]
    everything = sqlite_server.client.get(
        "/admin/audit", headers=admin.headers, params={"since": "2000-01-01"}
    ).json()
    assert "login" in [entry["action"] for entry in everything]
    nothing = sqlite_server.client.get(
        "/admin/audit", headers=admin.headers, params={"until": "2000-01-01T00:00:00+08:00"}
    ).json()
    assert nothing == []


def test_unexpected_errors_are_json_500_and_logged(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(database_url=sqlite_url, settings=FAST_SETTINGS)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert_error(response, 500, "internal_error")
    assert "a bug" not in response.text  # details go to the log, not to the client
    assert any("Unhandled error in GET /boom" in record.message for record in caplog.records)
