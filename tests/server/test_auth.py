"""Log-in, throttling, token rotation, expiry and revocation."""

from __future__ import annotations

import time

import httpx
from sqlalchemy import select, update

from server.schema import accounts, audit_log, tokens
from tests.server.harness import PASSWORD, Firm, ServerHarness


def login(server: ServerHarness, name: str, password: str, client_id: str = "c1") -> httpx.Response:
    response: httpx.Response = server.client.post(
        "/auth/login", json={"login": name, "password": password, "client_id": client_id}
    )
    return response


def test_login_hello_and_tokens_stored_hashed(server: ServerHarness, firm: Firm) -> None:
    session = server.login("ann")
    hello = server.client.get("/sync/hello", headers=session.headers)
    assert hello.status_code == 200
    body = hello.json()
    assert body["user"]["login"] == "ann"
    assert body["user"]["team_id"] == firm.north
    assert body["account_state"] == "active"
    assert body["policies"]["drain_days"] == 14
    with server.engine.connect() as connection:
        stored = set(connection.execute(select(tokens.c.token_hash)).scalars())
        actions = list(connection.execute(select(audit_log.c.action)).scalars())
    assert session.access_token not in stored
    assert session.refresh_token not in stored
    assert len(stored) == 2
    assert "login" in actions


def test_bad_credentials_and_unknown_users_look_the_same(server: ServerHarness, firm: Firm) -> None:
    wrong = login(server, "ann", "not the password")
    unknown = login(server, "nobody", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "bad_credentials"


def test_throttled_after_five_failures_even_with_the_right_password(
    sqlite_server: ServerHarness,
) -> None:
    server = sqlite_server
    server.add_user("ann")
    for _attempt in range(5):
        assert login(server, "ann", "guess").status_code == 401
    throttled = login(server, "ann", PASSWORD)
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"


def test_refresh_rotates_and_the_old_refresh_token_is_spent(
    server: ServerHarness, firm: Firm
) -> None:
    session = server.login("ann")
    fresh = server.client.post("/auth/refresh", json={"refresh_token": session.refresh_token})
    assert fresh.status_code == 200
    pair = fresh.json()
    assert pair["refresh_token"] != session.refresh_token
    again = server.client.post("/auth/refresh", json={"refresh_token": session.refresh_token})
    assert again.status_code == 401
    assert again.json()["code"] == "unauthorized"
    hello = server.client.get(
        "/sync/hello", headers={"Authorization": f"Bearer {pair['access_token']}"}
    )
    assert hello.status_code == 200


def test_expired_access_token_is_unauthorized(sqlite_server: ServerHarness) -> None:
    server = sqlite_server
    server.add_user("ann")
    session = server.login("ann")
    with server.engine.begin() as connection:
        connection.execute(update(tokens).values(expires_at=time.time() - 1))
    response = server.client.get("/sync/hello", headers=session.headers)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    refresh = server.client.post("/auth/refresh", json={"refresh_token": session.refresh_token})
    assert refresh.status_code == 401


def test_logout_revokes_access_and_refresh(server: ServerHarness, firm: Firm) -> None:
    session = server.login("ann")
    other_laptop = server.login("ann")
    assert server.client.post("/auth/logout", headers=session.headers).status_code == 200
    assert server.client.get("/sync/hello", headers=session.headers).status_code == 401
    refresh = server.client.post("/auth/refresh", json={"refresh_token": session.refresh_token})
    assert refresh.status_code == 401
    # Only this installation was logged out.
    assert server.client.get("/sync/hello", headers=other_laptop.headers).status_code == 200


def test_missing_or_garbage_tokens(sqlite_server: ServerHarness) -> None:
    server = sqlite_server
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"}):
        response = server.client.get("/sync/hello", headers=headers)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"


def test_a_refresh_token_is_not_an_access_token(sqlite_server: ServerHarness) -> None:
    server = sqlite_server
    server.add_user("ann")
    session = server.login("ann")
    headers = {"Authorization": f"Bearer {session.refresh_token}"}
    assert server.client.get("/sync/hello", headers=headers).status_code == 401


def test_deactivated_user_cannot_log_in(sqlite_server: ServerHarness) -> None:
    server = sqlite_server
    user_id = server.add_user("ann")
    with server.engine.begin() as connection:
        connection.execute(
            update(accounts).where(accounts.c.user_id == user_id).values(state="deactivated")
        )
    response = login(server, "ann", PASSWORD)
    assert response.status_code == 403
    assert response.json()["code"] == "deactivated"


def test_throttled_per_address_across_logins(sqlite_server: ServerHarness) -> None:
    server = sqlite_server
    server.add_user("ann")
    for attempt in range(5):  # someone trying many logins from one machine
        assert login(server, f"guess{attempt}", "guess").status_code == 401
    throttled = login(server, "ann", PASSWORD)
    assert (throttled.status_code, throttled.json()["code"]) == (429, "throttled")


def test_drain_window_passed_means_wipe(sqlite_server: ServerHarness) -> None:
    server = sqlite_server
    user_id = server.add_user("ann")
    session = server.login("ann")
    with server.engine.begin() as connection:
        connection.execute(
            update(accounts)
            .where(accounts.c.user_id == user_id)
            .values(state="deactivated", deactivated_at=time.time() - 15 * 86_400)
        )
        connection.execute(update(tokens).where(tokens.c.kind == "access").values(revoked=True))
    refreshed = server.client.post("/auth/refresh", json={"refresh_token": session.refresh_token})
    assert refreshed.status_code == 200
    session.access_token = refreshed.json()["access_token"]
    assert (
        server.client.get("/sync/hello", headers=session.headers).json()["account_state"] == "wipe"
    )
    late = server.push_raw(session, [])
    assert (late.status_code, late.json()["code"]) == (403, "wipe")
    pull = server.pull_page(session)
    assert (pull.status_code, pull.json()["code"]) == (403, "wipe")
