"""`GET /sync/snapshot`: the file as it was built, never compressed; 404 when none fits; builds
that requests start in the background, one at a time."""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

import server.snapshot
import server.snapshot_builds
from protocol.demo_firm import DemoFirm
from protocol.messages import (
    SNAPSHOT_CURSOR_HEADER,
    SNAPSHOT_MEDIA_TYPE,
    SNAPSHOT_ROWS_HEADER,
    SNAPSHOT_SHA256_HEADER,
)
from server.db import init_database, open_engine
from server.handover import deactivate_user
from server.people import update_user
from server.records import SYSTEM
from server.scope import Principal
from server.services import Services
from server.snapshot import SNAPSHOT_SCHEMA, SnapshotInfo, build_snapshot_for_login
from tests.server.harness import TestClient
from tests.server.snapshots import (
    Signed,
    load_firm,
    login_of,
    principal,
    sign_in,
    snapshot_client,
)
from tests.server_contract.server_process import free_port, start_server_process

BUILD_WAIT_SECONDS = 60


def get_snapshot(
    client: httpx.Client, signed: Signed, *, schema: str = SNAPSHOT_SCHEMA
) -> httpx.Response:
    return client.get(
        "/sync/snapshot",
        headers={**signed.headers, "Accept-Encoding": "gzip"},
        params={"client_id": signed.client_id, "schema": schema},
    )


def refused(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


def builds_of(client: TestClient) -> server.snapshot_builds.SnapshotBuilds:
    services = client.app.state.services  # type: ignore[attr-defined]
    assert isinstance(services, Services)
    return services.snapshot_builds


def test_serves_the_built_file_uncompressed(
    demo_engine: Engine, demo_firm: DemoFirm, snapshot_folder: Path
) -> None:
    login = login_of(demo_firm, "account_manager")
    info = build_snapshot_for_login(demo_engine, login=login, directory=snapshot_folder)
    content = (snapshot_folder / info.file).read_bytes()
    with snapshot_client(
        demo_engine, snapshot_dir=str(snapshot_folder), gzip_minimum_bytes=1
    ) as client:
        signed = sign_in(client, login)
        # Pulls are compressed for this client, so a plain answer below is the snapshot's own.
        pulled = client.get(
            "/sync/pull",
            headers={**signed.headers, "Accept-Encoding": "gzip"},
            params={"client_id": signed.client_id},
        )
        assert pulled.headers["content-encoding"] == "gzip"
        response = get_snapshot(client, signed)
    assert response.status_code == 200, response.text
    assert "content-encoding" not in response.headers
    assert response.headers["content-type"] == SNAPSHOT_MEDIA_TYPE
    assert response.headers["content-length"] == str(len(content))
    assert response.content == content
    assert response.headers[SNAPSHOT_SHA256_HEADER] == hashlib.sha256(content).hexdigest()
    assert response.headers[SNAPSHOT_CURSOR_HEADER] == info.cursor
    assert response.headers[SNAPSHOT_ROWS_HEADER] == str(info.rows)


def test_a_snapshot_clears_the_scope_change_mark_as_a_pull_from_the_start_does(
    demo_engine: Engine, demo_firm: DemoFirm, snapshot_folder: Path
) -> None:
    login = login_of(demo_firm, "account_manager")
    info = build_snapshot_for_login(demo_engine, login=login, directory=snapshot_folder)
    with snapshot_client(demo_engine, snapshot_dir=str(snapshot_folder)) as client:
        signed = sign_in(client, login)
        user_id = principal(demo_engine, login).user_id
        # There and back: the same scope as the snapshot's, but cursors from before are refused.
        for role in ("team_head", "account_manager"):
            update_user(demo_engine, user_id=user_id, changes={"role": role}, actor=SYSTEM)
        params = {"client_id": signed.client_id, "cursor": info.cursor}
        stale = client.get("/sync/pull", headers=signed.headers, params=params)
        assert refused(stale) == (410, "reset_required")
        assert get_snapshot(client, signed).status_code == 200
        after = client.get("/sync/pull", headers=signed.headers, params=params)
    assert after.status_code == 200, after.text


def test_unavailable_when_off_or_none_fits(
    demo_engine: Engine, demo_firm: DemoFirm, snapshot_folder: Path
) -> None:
    login = login_of(demo_firm, "admin")
    build_snapshot_for_login(demo_engine, login=login, directory=snapshot_folder)
    with snapshot_client(demo_engine, snapshot_dir="") as client:
        off = get_snapshot(client, sign_in(client, login))
    assert refused(off) == (404, "snapshot_unavailable")
    assert off.json()["message"] == "No snapshot of your data is ready: pulling from the start."
    with snapshot_client(
        demo_engine, snapshot_dir=str(snapshot_folder), snapshot_build_on_request=False
    ) as client:
        assert get_snapshot(client, sign_in(client, login)).status_code == 200
        other_schema = get_snapshot(client, sign_in(client, login), schema="0004")
        none_yet = get_snapshot(client, sign_in(client, login_of(demo_firm, "team_head")))
        assert not builds_of(client).running
    assert refused(other_schema) == (404, "snapshot_unavailable")
    assert refused(none_yet) == (404, "snapshot_unavailable")


def test_closed_accounts_are_refused_as_for_pulls(
    demo_engine: Engine, demo_firm: DemoFirm, snapshot_folder: Path
) -> None:
    login = login_of(demo_firm, "account_manager")
    build_snapshot_for_login(demo_engine, login=login, directory=snapshot_folder)
    with snapshot_client(demo_engine, snapshot_dir=str(snapshot_folder)) as client:
        signed = sign_in(client, login)
        deactivate_user(
            demo_engine,
            user_id=principal(demo_engine, login).user_id,
            handover_to=None,
            actor=SYSTEM,
        )
        assert get_snapshot(client, signed).status_code == 401  # the access token is revoked
        refreshed = client.post("/auth/refresh", json={"refresh_token": signed.refresh_token})
        token = refreshed.json()["access_token"]
        signed.headers["Authorization"] = f"Bearer {token}"  # a drain-only token
        assert refused(get_snapshot(client, signed)) == (403, "deactivated")


class HeldBuilds:
    """Stands in for `build_snapshot` in the background thread: notes the call, waits until
    the test lets it go, then builds for real."""

    def __init__(self) -> None:
        self.logins: list[str] = []
        self.release = threading.Event()

    def __call__(self, engine: Engine, *, principal: Principal, directory: Path) -> SnapshotInfo:
        self.logins.append(principal.login)
        assert self.release.wait(BUILD_WAIT_SECONDS)
        return server.snapshot.build_snapshot(engine, principal=principal, directory=directory)


def test_a_request_starts_one_build_at_a_time_for_a_large_scope(
    demo_engine: Engine, demo_firm: DemoFirm, snapshot_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = HeldBuilds()
    monkeypatch.setattr(server.snapshot_builds, "build_snapshot", held)
    manager, admin = login_of(demo_firm, "account_manager"), login_of(demo_firm, "admin")
    # A few dozen entries count as large here; the demo manager's scope has more.
    with snapshot_client(
        demo_engine, snapshot_dir=str(snapshot_folder), snapshot_min_changes=20
    ) as client:
        first = get_snapshot(client, sign_in(client, manager))
        assert refused(first) == (404, "snapshot_unavailable")
        assert first.json()["message"].endswith("One is being prepared.")
        second = get_snapshot(client, sign_in(client, admin))
        assert refused(second) == (404, "snapshot_unavailable")
        assert "prepared" not in second.json()["message"]
        assert held.logins == [manager]
        held.release.set()
        builds_of(client).join(BUILD_WAIT_SECONDS)
        assert not builds_of(client).running
        assert get_snapshot(client, sign_in(client, manager)).status_code == 200
        assert "prepared" in get_snapshot(client, sign_in(client, admin)).json()["message"]
        builds_of(client).join(BUILD_WAIT_SECONDS)
        assert get_snapshot(client, sign_in(client, admin)).status_code == 200
    assert held.logins == [manager, admin]


def test_no_build_for_a_small_scope_or_another_schema(
    demo_engine: Engine, demo_firm: DemoFirm, snapshot_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = HeldBuilds()
    held.release.set()
    monkeypatch.setattr(server.snapshot_builds, "build_snapshot", held)
    manager = login_of(demo_firm, "account_manager")
    visible = 1_000  # more than the demo manager's scope holds
    with snapshot_client(
        demo_engine, snapshot_dir=str(snapshot_folder), snapshot_min_changes=visible
    ) as client:
        small = get_snapshot(client, sign_in(client, manager))
    with snapshot_client(
        demo_engine, snapshot_dir=str(snapshot_folder), snapshot_min_changes=0
    ) as client:
        old_client = get_snapshot(client, sign_in(client, manager), schema="0004")
    for response in (small, old_client):
        assert refused(response) == (404, "snapshot_unavailable")
        assert "prepared" not in response.json()["message"]
    assert held.logins == []
    assert not snapshot_folder.exists()


def test_a_failed_background_build_is_logged(
    demo_engine: Engine,
    demo_firm: DemoFirm,
    snapshot_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken_index_build(_engine: Engine) -> int:
        raise RuntimeError("the search index build broke")

    monkeypatch.setattr(server.snapshot, "finish_initial_load", broken_index_build)
    login = login_of(demo_firm, "admin")
    with (
        caplog.at_level(logging.ERROR, logger="server.snapshot_builds"),
        snapshot_client(
            demo_engine, snapshot_dir=str(snapshot_folder), snapshot_min_changes=0
        ) as client,
    ):
        assert "prepared" in get_snapshot(client, sign_in(client, login)).json()["message"]
        builds_of(client).join(BUILD_WAIT_SECONDS)
        assert refused(get_snapshot(client, sign_in(client, login)))[0] == 404  # tries again
        builds_of(client).join(BUILD_WAIT_SECONDS)
    failures = [record for record in caplog.records if "could not be built" in record.message]
    assert failures and failures[0].exc_info is not None
    assert "the search index build broke" in caplog.text
    assert list(snapshot_folder.iterdir()) == []


def test_a_server_process_serves_snapshots_from_its_folder(tmp_path: Path) -> None:
    url = f"sqlite+pysqlite:///{tmp_path / 'server.sqlite3'}"
    engine = open_engine(url)
    init_database(engine)
    login = login_of(load_firm(engine), "team_head")
    info = build_snapshot_for_login(engine, login=login, directory=tmp_path / "snapshots")
    engine.dispose()
    process = start_server_process(
        database_url=url, port=free_port(), snapshot_dir=tmp_path / "snapshots"
    )
    try:
        with httpx.Client(base_url=process.base_url, timeout=30) as http:
            signed = sign_in(http, login)
            response = get_snapshot(http, signed)
    finally:
        process.stop()
    assert response.status_code == 200, response.text
    assert "content-encoding" not in response.headers
    assert hashlib.sha256(response.content).hexdigest() == info.sha256
