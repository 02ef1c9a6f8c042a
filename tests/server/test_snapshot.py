"""Replica snapshots: what a build holds, when one may be served, and what a failed build leaves.

Each runs on SQLite and on PostgreSQL (`database_url`)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

import server.snapshot
from desktop.store.bulk import initial_load_in_progress
from desktop.store.replica import HEAD_REVISION, open_replica
from desktop.store.search import search_answer
from protocol.demo_firm import DemoFirm
from protocol.messages import make_cursor
from server.config import ServerSettings, load_settings
from server.db import mark_restored, read_meta
from server.errors import ApiError
from server.handover import customers, deactivate_user, reassign_customers
from server.people import add_team, update_user
from server.records import SYSTEM
from server.schema import server_meta
from server.snapshot import (
    SnapshotError,
    SnapshotInfo,
    build_snapshot,
    build_snapshot_for_login,
    sidecar_path,
    usable_snapshot,
)
from tests.server.harness import push_body
from tests.server.snapshots import (
    login_of,
    principal,
    pull_into_replica,
    records,
    sign_in,
    snapshot_client,
)


def visible_customers(engine: Engine, login: str) -> set[str]:
    """The oracle: the customers the server's own tables put in this user's scope."""
    caller = principal(engine, login)
    query = select(customers.c.id)
    if caller.role.value == "account_manager":
        query = query.where(customers.c.owner_id == caller.user_id)
    elif caller.role.value == "team_head":
        query = query.where(customers.c.team_id == caller.team_id)
    with engine.connect() as connection:
        return {str(customer_id) for customer_id in connection.execute(query).scalars()}


def give_the_manager_history(engine: Engine, firm: DemoFirm, manager: str) -> None:
    """A customer that left the manager's scope (an exit in their log) and a sync error of
    their own (a personal record), so a build walks every kind of entry."""
    managers = [user for user in firm.users if user.role == "account_manager"]
    mine = next(user for user in managers if user.login == manager)
    other = next(user for user in managers if user.team_id != mine.team_id)
    with engine.connect() as connection:
        owned = list(
            connection.execute(
                select(customers.c.id).where(customers.c.owner_id == mine.id)
            ).scalars()
        )
        theirs = connection.execute(
            select(customers.c.id).where(customers.c.owner_id == other.id)
        ).scalar()
    assert len(owned) >= 2 and theirs is not None
    reassign_customers(engine, customer_ids=[owned[0]], to_user_id=other.id, actor=SYSTEM)
    with snapshot_client(engine) as client:
        signed = sign_in(client, manager)
        mutation = {"id": 1, "entity": "customer", "entity_id": theirs, "op": "update"}
        answer = client.post(
            "/sync/push",
            headers=signed.headers,
            json=push_body(
                signed.client_id,
                [{**mutation, "fields": {"name": "Not mine"}, "base_version": 1}],
            ),
        ).json()
    assert answer["results"][0]["status"] == "rejected", answer


def test_a_snapshot_holds_what_pulling_the_scope_holds(
    demo_engine: Engine,
    demo_firm: DemoFirm,
    snapshot_folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(server.snapshot, "PAGE_ROWS", 7)  # many pages, as for a large firm
    manager = login_of(demo_firm, "account_manager")
    give_the_manager_history(demo_engine, demo_firm, manager)
    directory = snapshot_folder
    for login in (login_of(demo_firm, "admin"), manager, login_of(demo_firm, "team_head")):
        info = build_snapshot_for_login(demo_engine, login=login, directory=directory)
        snapshot = directory / info.file
        with snapshot_client(demo_engine) as client:
            pull_into_replica(client, sign_in(client, login), tmp_path / f"{login}.pulled")
        held = records(snapshot)
        assert held == records(tmp_path / f"{login}.pulled"), login
        assert {row[0] for row in held["customer"]} == visible_customers(demo_engine, login), login
        sync_errors = {row[0] for row in held["sync_error"]}
        assert bool(sync_errors) == (login == manager), login  # only their own personal records
        assert info.rows == sum(len(rows) for rows in held.values())
        with demo_engine.connect() as connection:
            epoch, last_seq, _floor = read_meta(connection)
        assert (info.epoch, info.seq, info.cursor) == (
            epoch,
            last_seq,
            make_cursor(epoch=epoch, seq=last_seq),
        )
        assert (info.schema, info.user_id) == (HEAD_REVISION, principal(demo_engine, login).user_id)
        content = snapshot.read_bytes()
        assert (info.bytes, info.sha256) == (len(content), hashlib.sha256(content).hexdigest())
        assert json.loads(sidecar_path(directory, info.user_id).read_text()) == json.loads(
            info.to_json()
        )
        assert_ready_to_use(snapshot, tmp_path / f"{login}.adopted", customer_rows=held["customer"])
    assert sorted(path.name for path in directory.iterdir() if path.is_dir()) == []


def assert_ready_to_use(snapshot: Path, copy: Path, *, customer_rows: list[Any]) -> None:
    """One compact file with its indexes in place, whose search index finds a customer."""
    assert not snapshot.with_name(snapshot.name + "-wal").exists()
    with closing(sqlite3.connect(snapshot)) as connection:
        indexes = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"ix_customer_list", "ix_activity_customer_time"} <= indexes
    shutil.copyfile(snapshot, copy)  # searching writes: leave the built file as it is
    replica = open_replica(copy)
    try:
        with replica.connect() as connection:
            assert not initial_load_in_progress(connection)
        customer_id, name = customer_rows[0][0], customer_rows[0][1]
        answer = search_answer(replica, query=name, kinds=("customer",))
        assert not answer.index_building  # built with the file, not left to the client
        assert customer_id in {hit.id for hit in answer.hits}, name
    finally:
        replica.dispose()


def test_a_new_build_replaces_the_previous_file(
    demo_engine: Engine, demo_firm: DemoFirm, snapshot_folder: Path
) -> None:
    login = login_of(demo_firm, "team_head")
    first = build_snapshot_for_login(demo_engine, login=login, directory=snapshot_folder)
    add_team(demo_engine, name="Later", head_id=None, actor=SYSTEM)
    second = build_snapshot_for_login(demo_engine, login=login, directory=snapshot_folder)
    assert second.seq == first.seq + 1
    assert second.file != first.file
    assert sorted(path.name for path in snapshot_folder.iterdir()) == sorted(
        [second.file, f"{second.user_id}.json"]
    )


def test_a_build_removes_work_folders_that_builds_killed_midway_left(
    demo_engine: Engine, demo_firm: DemoFirm, snapshot_folder: Path
) -> None:
    abandoned, under_way = snapshot_folder / ".build-abandoned", snapshot_folder / ".build-now"
    for folder in (abandoned, under_way):
        (folder / "replica.sqlite3").parent.mkdir(parents=True)
        (folder / "replica.sqlite3").write_bytes(b"half a replica")
    two_days_ago = time.time() - 2 * 86_400
    os.utime(abandoned, (two_days_ago, two_days_ago))
    build_snapshot_for_login(
        demo_engine, login=login_of(demo_firm, "admin"), directory=snapshot_folder
    )
    assert not abandoned.exists()
    assert under_way.exists()  # maybe another process's build


def usable_for(
    engine: Engine, login: str, folder: Path, *, schema: str = HEAD_REVISION, max_lag: int
) -> SnapshotInfo | None:
    """`usable_snapshot` for the user as they are now (role and team read again)."""
    return usable_snapshot(
        engine, principal=principal(engine, login), directory=folder, schema=schema, max_lag=max_lag
    )


def test_usable_only_while_it_fits_the_caller(
    demo_engine: Engine, demo_firm: DemoFirm, snapshot_folder: Path
) -> None:
    head = login_of(demo_firm, "team_head")
    info = build_snapshot_for_login(demo_engine, login=head, directory=snapshot_folder)

    def usable(*, schema: str = HEAD_REVISION, max_lag: int = 0) -> SnapshotInfo | None:
        return usable_for(demo_engine, head, snapshot_folder, schema=schema, max_lag=max_lag)

    assert usable() == info
    assert usable(schema="0004") is None
    add_team(demo_engine, name="One more entry", head_id=None, actor=SYSTEM)
    assert usable(max_lag=0) is None
    assert usable(max_lag=1) == info
    with demo_engine.begin() as connection:
        connection.execute(update(server_meta).values(tombstone_floor=info.seq + 1))
    assert usable(max_lag=100) is None
    with demo_engine.begin() as connection:
        connection.execute(update(server_meta).values(tombstone_floor=0))
    assert usable(max_lag=100) == info
    mark_restored(demo_engine)
    assert usable(max_lag=100) is None


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"role": "account_manager"}, id="role"),
        pytest.param({"team_id": None}, id="team"),
    ],
)
def test_stale_after_a_role_or_team_change(
    demo_engine: Engine, demo_firm: DemoFirm, snapshot_folder: Path, change: dict[str, Any]
) -> None:
    head = login_of(demo_firm, "team_head")
    info = build_snapshot_for_login(demo_engine, login=head, directory=snapshot_folder)
    caller = principal(demo_engine, head)
    update_user(demo_engine, user_id=caller.user_id, changes=change, actor=SYSTEM)
    assert usable_for(demo_engine, head, snapshot_folder, schema=info.schema, max_lag=1_000) is None


def test_not_usable_without_its_description_or_its_file(
    demo_engine: Engine,
    demo_firm: DemoFirm,
    snapshot_folder: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    login = login_of(demo_firm, "account_manager")
    info = build_snapshot_for_login(demo_engine, login=login, directory=snapshot_folder)
    sidecar, file = sidecar_path(snapshot_folder, info.user_id), snapshot_folder / info.file

    def usable() -> SnapshotInfo | None:
        return usable_for(demo_engine, login, snapshot_folder, schema=info.schema, max_lag=10)

    assert usable() == info
    described = sidecar.read_text()
    sidecar.write_text(described[:-20])
    with caplog.at_level(logging.WARNING, logger="server.snapshot"):
        assert usable() is None
    assert "malformed" in caplog.text
    sidecar.write_text(json.dumps({**json.loads(described), "file": "../elsewhere.sqlite3"}))
    assert usable() is None
    sidecar.write_text(described)
    with file.open("ab") as grown:
        grown.write(b"\0")
    assert usable() is None
    file.unlink()
    assert usable() is None
    sidecar.unlink()
    assert usable() is None


def test_a_failed_build_keeps_the_previous_snapshot(
    demo_engine: Engine, demo_firm: DemoFirm, snapshot_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    login = login_of(demo_firm, "admin")
    before = build_snapshot_for_login(demo_engine, login=login, directory=snapshot_folder)
    contents = sorted(path.name for path in snapshot_folder.iterdir())

    def broken_index_build(_engine: Engine) -> int:
        raise RuntimeError("no space left for the search index")

    monkeypatch.setattr(server.snapshot, "finish_initial_load", broken_index_build)
    add_team(demo_engine, name="Newer", head_id=None, actor=SYSTEM)
    with pytest.raises(SnapshotError, match="no space left") as failure:
        build_snapshot_for_login(demo_engine, login=login, directory=snapshot_folder)
    assert "previous one" in str(failure.value) and login in str(failure.value)
    assert sorted(path.name for path in snapshot_folder.iterdir()) == contents  # nothing left over
    assert (
        usable_for(demo_engine, login, snapshot_folder, schema=before.schema, max_lag=10) == before
    )


def test_a_build_into_an_unusable_folder_says_so(
    demo_engine: Engine, demo_firm: DemoFirm, tmp_path: Path
) -> None:
    not_a_folder = tmp_path / "taken"
    not_a_folder.write_text("a file where the snapshot_folder should go")
    caller = principal(demo_engine, login_of(demo_firm, "admin"))
    with pytest.raises(SnapshotError, match="Cannot build the snapshot of admin in"):
        build_snapshot(demo_engine, principal=caller, directory=not_a_folder)


def test_closed_accounts_get_no_snapshot(
    demo_engine: Engine, demo_firm: DemoFirm, snapshot_folder: Path
) -> None:
    login = login_of(demo_firm, "account_manager")
    deactivate_user(
        demo_engine, user_id=principal(demo_engine, login).user_id, handover_to=None, actor=SYSTEM
    )
    with pytest.raises(ApiError, match="deactivated"):
        build_snapshot_for_login(demo_engine, login=login, directory=snapshot_folder)
    assert not snapshot_folder.exists()


def test_snapshot_settings(tmp_path: Path) -> None:
    assert ServerSettings().snapshot_directory is None
    config = tmp_path / "server.toml"
    config.write_text(
        '[server]\nsnapshot_dir = "/srv/snapshots"\nsnapshot_max_lag = 5\n'
        "snapshot_build_on_request = false\nsnapshot_min_changes = 0\n"
    )
    settings = load_settings(config)
    assert settings.snapshot_directory == Path("/srv/snapshots")
    assert (settings.snapshot_max_lag, settings.snapshot_min_changes) == (5, 0)
    assert settings.snapshot_build_on_request is False
    with pytest.raises(ValueError, match="snapshot_max_lag"):
        ServerSettings(snapshot_max_lag=-1)
    with pytest.raises(ValueError, match="snapshot_min_changes"):
        ServerSettings(snapshot_min_changes=-1)
    config.write_text("[server]\nsnapshot_build_on_request = 1\n")
    with pytest.raises(ValueError, match="snapshot_build_on_request"):
        load_settings(config)
