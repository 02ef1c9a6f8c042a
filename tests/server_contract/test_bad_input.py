"""Bad input never gets a 5xx: every refusal is a 4xx with a JSON `{code, message}` body.

Each case is one request a broken, old or hostile client could send. The server must answer it
with a 4xx whose body names an `ErrorCode` (the client branches on it) and explains itself, and it
must lose nothing: the tests also check that no record was half-written by a refused request.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocol.messages import (
    MAX_MUTATIONS_PER_PUSH,
    MAX_REQUEST_BYTES,
    PROTOCOL_VERSION,
    SCHEMA_VERSION,
    ErrorCode,
)
from tests.server_contract.conftest import sqlite_url
from tests.server_contract.endpoints import spec_endpoints
from tests.server_contract.harness import (
    SYNC_HEADERS,
    Firm,
    Session,
    create,
    expect,
    sign_in,
    update,
)

ERROR_CODES = {code.value for code in ErrorCode}


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """SQLite only: input handling sits in front of the database, and the budget is tight."""
    return sqlite_url(tmp_path_factory.mktemp("server"))


def assert_error_answer(
    response: httpx.Response, *, status: int | None = None, code: ErrorCode | None = None
) -> dict[str, Any]:
    """A 4xx (the given one, if any) with `{code, message}`; the whole answer on failure."""
    shown = (
        f"{response.request.method} {response.request.url} -> {response.status_code} "
        f"{response.text[:500]}"
    )
    assert 400 <= response.status_code < 500, f"not a 4xx: {shown}"
    if status is not None:
        assert response.status_code == status, shown
    assert response.headers.get("content-type", "").startswith("application/json"), shown
    body = response.json()
    assert isinstance(body, dict), shown
    assert body.get("code") in ERROR_CODES, f"unknown error code: {shown}"
    assert isinstance(body.get("message"), str) and body["message"].strip(), f"no message: {shown}"
    if code is not None:
        assert body["code"] == code.value, shown
    return body


@dataclass(frozen=True)
class Case:
    name: str
    send: Callable[[Firm], httpx.Response]
    status: int | None = None  # the exact status the wire prescribes, when it prescribes one
    code: ErrorCode | None = None
    server_bug: str | None = None  # a known server bug: a strict xfail until it is fixed


def _manager(firm: Firm) -> Session:
    return firm.sessions["am_a1"]


def _admin(firm: Firm) -> Session:
    return firm.sessions["admin"]


def _push_body(firm: Firm, **overrides: Any) -> dict[str, Any]:
    session = _manager(firm)
    body: dict[str, Any] = {
        "client_id": session.client_id,
        "protocol_version": PROTOCOL_VERSION,
        "schema_version": SCHEMA_VERSION,
        "mutations": [{"id": 10**9, **create("customer", {"name": "refused"})}],
    }
    body.update(overrides)
    return body


def _raw_post(
    firm: Firm, path: str, content: bytes, session: Session | None = None
) -> httpx.Response:
    session = session or _manager(firm)
    return session.http.post(
        path,
        content=content,
        headers={**SYNC_HEADERS, **session.auth_headers, "Content-Type": "application/json"},
    )


def _mutation(**overrides: Any) -> dict[str, Any]:
    mutation: dict[str, Any] = {"id": 10**9, **create("customer", {"name": "refused"})}
    mutation.update(overrides)
    return mutation


def _pull(firm: Firm, **params: Any) -> httpx.Response:
    session = _manager(firm)
    return session.get("/sync/pull", client_id=session.client_id, **params)


def _huge_push(firm: Firm) -> httpx.Response:
    body = json.dumps(_push_body(firm, mutations=[_mutation(fields={"name": "x" * 1000})]))
    padding = " " * (MAX_REQUEST_BYTES + 1 - len(body))
    return _raw_post(firm, "/sync/push", (body + padding).encode())


def _huge_push_chunked(firm: Firm) -> httpx.Response:
    """No Content-Length to trust: the server must count what streams in."""
    session = _manager(firm)
    chunk = b" " * (1024 * 1024)

    def chunks() -> Iterator[bytes]:
        yield b'{"client_id": "' + session.client_id.encode() + b'", "mutations": []'
        for _ in range(MAX_REQUEST_BYTES // len(chunk) + 2):
            yield chunk
        yield b"}"

    return session.http.post(
        "/sync/push",
        content=chunks(),
        headers={**SYNC_HEADERS, **session.auth_headers, "Content-Type": "application/json"},
    )


def _with_token(firm: Firm, token: str) -> httpx.Response:
    return _manager(firm).http.get(
        "/sync/hello", headers={**SYNC_HEADERS, "Authorization": f"Bearer {token}"}
    )


def _get_with_headers(
    firm: Firm, path: str, headers: dict[str, str], **params: Any
) -> httpx.Response:
    session = _manager(firm)
    return session.http.get(path, params=params, headers={**session.auth_headers, **headers})


CASES: list[Case] = [
    # --- malformed JSON and wrong content ------------------------------------------------------
    Case(
        "push: not JSON",
        lambda f: _raw_post(f, "/sync/push", b"{not json"),
        400,
        ErrorCode.BAD_REQUEST,
    ),
    Case(
        "push: truncated JSON",
        lambda f: _raw_post(f, "/sync/push", b'{"client_id": "x", "mu'),
        400,
        ErrorCode.BAD_REQUEST,
    ),
    Case("push: empty body", lambda f: _raw_post(f, "/sync/push", b"")),
    Case(
        "push: a JSON list",
        lambda f: _raw_post(f, "/sync/push", b"[1, 2, 3]"),
        422,
        ErrorCode.VALIDATION,
    ),
    Case("push: invalid UTF-8", lambda f: _raw_post(f, "/sync/push", b'{"client_id": "\xff\xfe"}')),
    Case(
        "login: not JSON",
        lambda f: f.sessions["am_a1"].http.post(
            "/auth/login",
            content=b"login=me&password=x",
            headers={"Content-Type": "application/json"},
        ),
        400,
        ErrorCode.BAD_REQUEST,
    ),
    Case(
        "refresh: not JSON",
        lambda f: f.sessions["am_a1"].http.post(
            "/auth/refresh", content=b"{", headers={"Content-Type": "application/json"}
        ),
        400,
        ErrorCode.BAD_REQUEST,
    ),
    Case(
        "admin users: not JSON",
        lambda f: _raw_post(f, "/admin/users", b"{", _admin(f)),
        400,
        ErrorCode.BAD_REQUEST,
    ),
    # --- wrong types ---------------------------------------------------------------------------
    Case(
        "push: mutations is a string",
        lambda f: _manager(f).post("/sync/push", _push_body(f, mutations="all of them")),
        422,
        ErrorCode.VALIDATION,
    ),
    Case(
        "push: mutation id is text",
        lambda f: _manager(f).post("/sync/push", _push_body(f, mutations=[_mutation(id="seven")])),
        422,
        ErrorCode.VALIDATION,
    ),
    Case(
        "push: mutation id is zero",
        lambda f: _manager(f).post("/sync/push", _push_body(f, mutations=[_mutation(id=0)])),
        422,
        ErrorCode.VALIDATION,
    ),
    Case(
        "push: fields is a list",
        lambda f: _manager(f).post(
            "/sync/push", _push_body(f, mutations=[_mutation(fields=["name"])])
        ),
        422,
        ErrorCode.VALIDATION,
    ),
    Case(
        "push: unknown op",
        lambda f: _manager(f).post("/sync/push", _push_body(f, mutations=[_mutation(op="delete")])),
        422,
        ErrorCode.VALIDATION,
    ),
    Case(
        "push: protocol_version is text",
        lambda f: _manager(f).post("/sync/push", _push_body(f, protocol_version="one")),
        422,
        ErrorCode.VALIDATION,
    ),
    Case(
        "push: client_id is a number",
        lambda f: _manager(f).post("/sync/push", _push_body(f, client_id=42)),
        422,
        ErrorCode.VALIDATION,
    ),
    Case(
        "push: negative base_version",
        lambda f: _manager(f).post(
            "/sync/push", _push_body(f, mutations=[_mutation(base_version=-1)])
        ),
        422,
        ErrorCode.VALIDATION,
    ),
    Case(
        "login: password is a number",
        lambda f: f.sessions["am_a1"].http.post(
            "/auth/login", json={"login": "am_a1", "password": 12345, "client_id": "c"}
        ),
        422,
        ErrorCode.VALIDATION,
    ),
    # --- unknown fields --------------------------------------------------------------------------
    Case(
        "push: unknown top-level field",
        lambda f: _manager(f).post("/sync/push", _push_body(f, filter="owner_id = anyone")),
        422,
        ErrorCode.VALIDATION,
    ),
    Case(
        "push: unknown mutation field",
        lambda f: _manager(f).post(
            "/sync/push", _push_body(f, mutations=[_mutation(sql="drop table customer")])
        ),
        422,
        ErrorCode.VALIDATION,
    ),
    Case(
        "login: unknown field",
        lambda f: f.sessions["am_a1"].http.post(
            "/auth/login",
            json={"login": "am_a1", "password": "x", "client_id": "c", "role": "admin"},
        ),
        422,
        ErrorCode.VALIDATION,
    ),
    # --- invalid UUIDs ---------------------------------------------------------------------------
    Case(
        "push: entity_id is not a UUID",
        lambda f: _manager(f).post(
            "/sync/push", _push_body(f, mutations=[_mutation(entity_id="customer-1")])
        ),
        422,
        ErrorCode.VALIDATION,
    ),
    Case(
        "admin: user id is not a UUID",
        lambda f: _admin(f).patch("/admin/users/not-a-uuid", {"active": True}),
    ),
    Case(
        "admin: freeze a user id that is not a UUID",
        lambda f: _admin(f).post("/admin/users/1%20or%201=1/freeze", {}),
    ),
    Case(
        "admin: freeze an unknown user",
        lambda f: _admin(f).post(f"/admin/users/{uuid.uuid4()}/freeze", {}),
        404,
        ErrorCode.NOT_FOUND,
    ),
    Case(
        "admin: handover preview with garbage ids",
        lambda f: _admin(f).get("/admin/handover/preview", **{"from": "x", "to": "y"}),
    ),
    Case(
        "admin: audit with a garbage date",
        lambda f: _admin(f).get("/admin/audit", since="yesterday-ish"),
    ),
    # --- sizes -----------------------------------------------------------------------------------
    Case("push: body over MAX_REQUEST_BYTES", _huge_push, 413, ErrorCode.TOO_LARGE),
    Case(
        "push: chunked body over MAX_REQUEST_BYTES",
        _huge_push_chunked,
        413,
        ErrorCode.TOO_LARGE,
    ),
    Case(
        "push: more than MAX_MUTATIONS_PER_PUSH",
        lambda f: _manager(f).post(
            "/sync/push",
            _push_body(
                f, mutations=[_mutation(id=i + 1) for i in range(MAX_MUTATIONS_PER_PUSH + 1)]
            ),
        ),
        422,
        ErrorCode.VALIDATION,
    ),
    Case(
        "push: client_id of 10,000 characters",
        lambda f: _manager(f).post("/sync/push", _push_body(f, client_id="c" * 10_000)),
        422,
        ErrorCode.VALIDATION,
    ),
    Case("pull: limit beyond 64 bits", lambda f: _pull(f, limit=10**30)),
    Case("pull: negative limit", lambda f: _pull(f, limit=-1)),
    Case("pull: zero limit", lambda f: _pull(f, limit=0)),
    Case("pull: limit is text", lambda f: _pull(f, limit="many"), 422, ErrorCode.VALIDATION),
    Case("pull: wait beyond 30 s", lambda f: _pull(f, wait=3600)),
    Case("pull: negative wait", lambda f: _pull(f, wait=-5)),
    # --- cursors ---------------------------------------------------------------------------------
    Case("pull: garbage cursor", lambda f: _pull(f, cursor="garbage")),
    Case("pull: negative cursor", lambda f: _pull(f, cursor="-5")),
    Case("pull: negative seq in cursor", lambda f: _pull(f, cursor=f"{f.epoch}:-1")),
    Case("pull: cursor of 20,000 characters", lambda f: _pull(f, cursor="9" * 20_000)),
    Case("pull: cursor with seq beyond 64 bits", lambda f: _pull(f, cursor=f"{f.epoch}:{10**30}")),
    Case(
        "pull: cursor from another epoch",
        lambda f: _pull(f, cursor="0123456789abcdef:5"),
        410,
        ErrorCode.RESET_REQUIRED,
    ),
    # --- tokens ----------------------------------------------------------------------------------
    Case(
        "no token",
        lambda f: _manager(f).http.get("/sync/hello", headers=SYNC_HEADERS),
        401,
        ErrorCode.UNAUTHORIZED,
    ),
    Case("made-up token", lambda f: _with_token(f, "x" * 43), 401, ErrorCode.UNAUTHORIZED),
    Case("token of 100,000 characters", lambda f: _with_token(f, "x" * 100_000)),
    Case(
        "not a Bearer token",
        lambda f: _manager(f).http.get(
            "/sync/hello", headers={**SYNC_HEADERS, "Authorization": "Basic YWRtaW46YWRtaW4="}
        ),
        401,
        ErrorCode.UNAUTHORIZED,
    ),
    Case(
        "refresh with a made-up token",
        lambda f: f.sessions["am_a1"].http.post("/auth/refresh", json={"refresh_token": "nope"}),
        401,
        ErrorCode.UNAUTHORIZED,
    ),
    # --- protocol versions -----------------------------------------------------------------------
    Case(
        "push: protocol older than the minimum",
        lambda f: _manager(f).post("/sync/push", _push_body(f, protocol_version=0)),
        426,
        ErrorCode.UPGRADE_REQUIRED,
    ),
    Case(
        "pull: protocol header older than the minimum",
        lambda f: _get_with_headers(
            f,
            "/sync/pull",
            {"X-Fieldbook-Protocol": "0", "X-Fieldbook-Schema": "1"},
            client_id=_manager(f).client_id,
        ),
        426,
        ErrorCode.UPGRADE_REQUIRED,
    ),
    Case(
        "hello: protocol header older than the minimum",
        lambda f: _get_with_headers(
            f, "/sync/hello", {"X-Fieldbook-Protocol": "0", "X-Fieldbook-Schema": "1"}
        ),
        426,
        ErrorCode.UPGRADE_REQUIRED,
    ),
    Case(
        "pull: protocol header is text",
        lambda f: _get_with_headers(
            f,
            "/sync/pull",
            {"X-Fieldbook-Protocol": "one", "X-Fieldbook-Schema": "1"},
            client_id=_manager(f).client_id,
        ),
    ),
    Case(
        "push: negative protocol version",
        lambda f: _manager(f).post("/sync/push", _push_body(f, protocol_version=-3)),
    ),
    # --- routes ----------------------------------------------------------------------------------
    Case("unknown route", lambda f: _manager(f).get("/sync/everything"), 404, ErrorCode.NOT_FOUND),
    Case(
        "wrong method",
        lambda f: _manager(f).http.delete("/sync/push", headers=_manager(f).auth_headers),
    ),
]


def _case_params() -> list[Any]:
    return [
        pytest.param(
            case,
            id=case.name,
            marks=[pytest.mark.xfail(strict=True, reason=case.server_bug)]
            if case.server_bug
            else [],
        )
        for case in CASES
    ]


@pytest.mark.parametrize("case", _case_params())
def test_bad_input_gets_a_4xx_with_code_and_message(case: Case, firm: Firm) -> None:
    assert_error_answer(case.send(firm), status=case.status, code=case.code)


def test_refused_pushes_wrote_nothing(firm: Firm) -> None:
    """Every refused push above carried a customer named "refused": none may exist now."""
    for case in CASES:
        case.send(firm)
    names = {
        (change.get("data") or {}).get("name")
        for change in sign_in(_admin(firm).http, login="admin").pull_all()
        if change["entity"] == "customer"
    }
    assert "refused" not in names


def test_replayed_and_reordered_mutation_ids(firm: Firm) -> None:
    """Replays are skipped (no duplicate), a gap stops the batch, reordering loses nothing."""
    session = sign_in(_manager(firm).http, login="am_a1")
    owner = session.user_id
    first, second, third = (str(uuid.uuid4()) for _ in range(3))

    def body(*mutations: tuple[int, dict[str, Any]]) -> dict[str, Any]:
        return {
            "client_id": session.client_id,
            "protocol_version": PROTOCOL_VERSION,
            "schema_version": SCHEMA_VERSION,
            "mutations": [{"id": number, **mutation} for number, mutation in mutations],
        }

    make = {
        name: create(
            "customer", {"name": name, "owner_id": owner, "team_id": firm.team_ids["A"]}, record_id
        )
        for name, record_id in (("first", first), ("second", second), ("third", third))
    }
    # Reordered: 2 arrives before 1. Either the server applies the batch in id order (both
    # applied) or it stops at the gap (none applied) and says it holds 0; never just one.
    answer = expect(
        session.post("/sync/push", body((2, make["second"]), (1, make["first"]))),
        200,
        "reordered push",
    )
    applied = sorted(r["id"] for r in answer["results"] if r["status"] == "applied")
    assert (applied, answer["last_mutation_id"]) in (([], 0), ([1, 2], 2)), answer
    answer = expect(
        session.post("/sync/push", body((1, make["first"]), (2, make["second"]))),
        200,
        "in-order push",
    )
    expected = ["skipped", "skipped"] if applied else ["applied", "applied"]
    assert [r["status"] for r in answer["results"]] == expected, answer
    assert answer["last_mutation_id"] == 2
    # Replayed (a lost acknowledgement): skipped, and no second copy, no version bump.
    answer = expect(
        session.post(
            "/sync/push", body((1, make["first"]), (2, make["second"]), (3, make["third"]))
        ),
        200,
        "replayed push",
    )
    assert [r["status"] for r in answer["results"]] == ["skipped", "skipped", "applied"]
    assert answer["last_mutation_id"] == 3
    # A gap after the applied ones: 5 without 4 is not applied.
    answer = expect(
        session.post("/sync/push", body((5, update("customer", first, {"phone": "110"}, 1)))),
        200,
        "push with a gap",
    )
    assert answer["last_mutation_id"] == 3
    assert all(result["status"] != "applied" for result in answer["results"])
    versions = {
        change["id"]: change["version"]
        for change in session.pull_all()
        if change["entity"] == "customer" and change["id"] in (first, second, third)
    }
    assert versions == {first: 1, second: 1, third: 1}


def test_unknown_entity_and_field_are_rejected_results_not_errors(firm: Firm) -> None:
    """Per-mutation problems are `rejected` results (kept as sync errors), never a 5xx."""
    session = sign_in(_manager(firm).http, login="am_a1")
    customer_id = firm.books["am_a1"].customer_id
    results = session.push(
        [
            create("spaceship", {"name": "x"}),
            create(
                "customer", {"name": "x", "favourite_colour": "red", "owner_id": session.user_id}
            ),
            create("customer", {"kind": "company", "owner_id": session.user_id}),  # name required
            create("customer", {"name": "x" * 301, "owner_id": session.user_id}),  # too long
            create(
                "activity",
                {"customer_id": customer_id, "kind": "visit", "occurred_at": "not a time"},
            ),
            update("customer", str(uuid.uuid4()), {"phone": "1"}, 1),  # no such record
            create("contact", {"customer_id": "not-a-uuid", "name": "x"}),
            create("customer", {"name": 12345, "owner_id": session.user_id}),
            create("opportunity", {"customer_id": customer_id, "name": "x", "amount": "lots"}),
        ]
    )
    assert [r["status"] for r in results] == ["rejected"] * 9, results
    assert all(r["code"] in ERROR_CODES for r in results), results


@pytest.fixture(scope="module")
def fuzz_session(firm: Firm) -> Session:
    """Its own installation, so fuzzed mutation ids never interfere with the other tests."""
    return sign_in(_manager(firm).http, login="am_a1")


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=20), children, max_size=5)
    ),
    max_leaves=20,
)
MUTATION_KEYS = ("id", "entity", "entity_id", "op", "fields", "base_version", "created_at")


@st.composite
def damaged_push_bodies(draw: st.DrawFn, client_id: str) -> Any:
    """A valid push body with a few of its parts replaced by arbitrary JSON."""
    mutation: dict[str, Any] = {
        "id": draw(st.integers(1, 5)),
        "entity": draw(st.sampled_from(["customer", "contact", "activity", "user", "team", ""])),
        "entity_id": str(uuid.uuid4()),
        "op": draw(st.sampled_from(["create", "update", "archive", "unarchive"])),
        "fields": draw(
            st.dictionaries(
                st.sampled_from(
                    [
                        "name",
                        "customer_id",
                        "owner_id",
                        "kind",
                        "occurred_at",
                        "amount",
                        "archived",
                        "version",
                        "id",
                        "phone",
                    ]
                ),
                JSON_VALUES,
                max_size=4,
            )
        ),
        "base_version": draw(st.integers(0, 3)),
    }
    for key in draw(st.lists(st.sampled_from(MUTATION_KEYS), max_size=2)):
        mutation[key] = draw(JSON_VALUES)
    body: dict[str, Any] = {
        "client_id": client_id,
        "protocol_version": PROTOCOL_VERSION,
        "schema_version": SCHEMA_VERSION,
        "mutations": [mutation],
    }
    for key in draw(st.lists(st.sampled_from(list(body)), max_size=1)):
        body[key] = draw(JSON_VALUES)
    return draw(st.one_of(st.just(body), JSON_VALUES))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_fuzzed_push_bodies_never_5xx(
    firm: Firm, fuzz_session: Session, data: st.DataObject
) -> None:
    body = data.draw(damaged_push_bodies(fuzz_session.client_id))
    response = fuzz_session.post("/sync/push", body)
    if response.status_code == 200:
        answer = response.json()
        assert set(answer) >= {"last_mutation_id", "results", "epoch"}, answer
        for result in answer["results"]:
            assert result["status"] in ("applied", "skipped", "rejected"), result
    else:
        assert_error_answer(response)


# Endpoints whose success would end the fuzzing session itself.
NOT_FUZZED = {("POST", "/auth/logout")}
PATH_PARAMETERS = st.one_of(
    st.uuids().map(str), st.text(alphabet="abc-_.%019 ", min_size=1, max_size=40)
)


@pytest.fixture(scope="module")
def fuzz_admin(firm: Firm) -> Session:
    return sign_in(_admin(firm).http, login="admin")


@pytest.fixture(scope="module")
def writable_endpoints(firm: Firm) -> list[tuple[str, str]]:
    spec = expect(_admin(firm).http.get("/openapi.json"), 200, "openapi")
    return [
        (method, path)
        for method, path in spec_endpoints(spec)
        if method in ("POST", "PATCH", "PUT") and (method, path) not in NOT_FUZZED
    ]


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_fuzzed_bodies_on_every_endpoint_never_5xx(
    fuzz_admin: Session, writable_endpoints: list[tuple[str, str]], data: st.DataObject
) -> None:
    """Arbitrary JSON to every endpoint that takes a body, as the administrator (who passes
    every permission check, so the body is what the server has to cope with)."""
    method, path = data.draw(st.sampled_from(writable_endpoints))
    concrete = "/".join(
        quote(data.draw(PATH_PARAMETERS), safe="") if part.startswith("{") else part
        for part in path.split("/")
    )
    body = data.draw(JSON_VALUES)
    response = fuzz_admin.http.request(
        method,
        concrete,
        json=body,
        headers={**SYNC_HEADERS, **fuzz_admin.auth_headers},
    )
    if response.status_code >= 300:
        assert_error_answer(response)


def _hello(session: Session, token: str) -> httpx.Response:
    return session.http.get(
        "/sync/hello", headers={**SYNC_HEADERS, "Authorization": f"Bearer {token}"}
    )


def _refresh(session: Session, refresh_token: str) -> httpx.Response:
    return session.http.post("/auth/refresh", json={"refresh_token": refresh_token})


def test_revoked_tokens_are_refused(firm: Firm) -> None:
    session = sign_in(_manager(firm).http, login="am_a1")
    expect(session.post("/auth/logout", {"client_id": session.client_id}), 200, "logout")
    assert_error_answer(
        _hello(session, session.access_token), status=401, code=ErrorCode.UNAUTHORIZED
    )
    assert_error_answer(
        _refresh(session, session.refresh_token), status=401, code=ErrorCode.UNAUTHORIZED
    )


def test_a_rotated_refresh_token_cannot_be_used_twice(firm: Firm) -> None:
    session = sign_in(_manager(firm).http, login="am_a1")
    rotated = expect(_refresh(session, session.refresh_token), 200, "first refresh")
    assert_error_answer(
        _refresh(session, session.refresh_token), status=401, code=ErrorCode.UNAUTHORIZED
    )
    expect(_hello(session, rotated["access_token"]), 200, "hello with the new token")


def test_expired_tokens_are_refused(firm: Firm, database_url: str) -> None:
    """Tokens an hour (access) or 90 days (refresh) old: aged in the database, as time would."""
    from sqlalchemy import update as sql_update

    from server.auth import token_hash
    from server.db import open_engine
    from server.schema import tokens

    session = sign_in(_manager(firm).http, login="am_a1")
    engine = open_engine(database_url)
    try:
        with engine.begin() as connection:
            aged = connection.execute(
                sql_update(tokens)
                .where(
                    tokens.c.token_hash.in_(
                        [token_hash(session.access_token), token_hash(session.refresh_token)]
                    )
                )
                .values(expires_at=tokens.c.expires_at - 91 * 86_400)
            ).rowcount
    finally:
        engine.dispose()
    assert aged == 2
    assert_error_answer(
        _hello(session, session.access_token), status=401, code=ErrorCode.UNAUTHORIZED
    )
    assert_error_answer(
        _refresh(session, session.refresh_token), status=401, code=ErrorCode.UNAUTHORIZED
    )
