"""`fieldbook-server` commands, run in-process against a SQLite file (the serving ones run as real
processes in test_live.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.cli import main
from server.db import open_engine, read_meta
from server.handover import customers
from server.snapshot import SnapshotInfo


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+pysqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("FIELDBOOK_DATABASE_URL", url)
    monkeypatch.setenv("NEW_PASSWORD", "s3cret-enough")
    return url


@pytest.fixture
def cheap_hashing(tmp_path: Path) -> Path:
    config = tmp_path / "cheap.toml"
    config.write_text(
        "[server]\nargon2_time_cost = 1\nargon2_memory_kib = 1024\n", encoding="utf-8"
    )
    return config


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_users_teams_and_roles(
    database: str, cheap_hashing: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "init")[0] == 0
    assert run(capsys, "team", "add", "华东区")[0] == 0
    status, out, _ = run(capsys, "team", "list", "--json")
    assert [team["name"] for team in json.loads(out)["teams"]] == ["华东区"]
    for login, role in (("li", "account_manager"), ("wang", "account_manager"), ("zhao", "admin")):
        status, out, err = run(
            capsys,
            "user",
            "add",
            login,
            "--role",
            role,
            "--team",
            "华东区",
            "--password-env",
            "NEW_PASSWORD",
        )
        assert status == 0, err
    status, _, err = run(
        capsys,
        "user",
        "add",
        "li",
        "--password-env",
        "NEW_PASSWORD",
        "--config",
        str(cheap_hashing),
    )
    assert (status, "taken" in err) == (2, True)
    status, _, err = run(
        capsys, "user", "add", "x", "--team", "Nowhere", "--password-env", "NEW_PASSWORD"
    )
    assert (status, "No team named" in err) == (2, True)
    assert run(capsys, "user", "set-role", "wang", "team_head")[0] == 0
    status, out, _ = run(capsys, "user", "list", "--json")
    roles = {user["login"]: user["role"] for user in json.loads(out)["users"]}
    assert roles == {"li": "account_manager", "wang": "team_head", "zhao": "admin"}
    status, _, err = run(capsys, "user", "set-role", "nobody", "admin")
    assert status == 2
    assert "nobody" in err


def test_demo_reassign_deactivate_and_restored(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, "demo", "--size", "tiny", "--json")
    assert status == 0, err
    users = json.loads(out)["users"]
    assert {"login", "password", "role", "team"} <= set(users[0])
    managers = [u["login"] for u in users if u["role"] == "account_manager"]
    status, _, err = run(capsys, "demo", "--size", "tiny")
    assert status == 2
    assert "already has users" in err

    engine = open_engine(database)
    with engine.connect() as connection:
        customer_id = connection.execute(customers.select().limit(1)).first().id  # type: ignore[union-attr]
        epoch_before = read_meta(connection)[0]
    assert run(capsys, "customer", "reassign", customer_id, "--to", managers[1])[0] == 0
    status, out, err = run(capsys, "user", "deactivate", managers[0], "--handover-to", managers[1])
    assert status == 0, err
    with engine.connect() as connection:
        owners = set(
            connection.execute(customers.select().with_only_columns(customers.c.owner_id)).scalars()
        )
    states = {
        u["login"]: u["state"]
        for u in json.loads(run(capsys, "user", "list", "--json")[1])["users"]
    }
    assert states[managers[0]] == "deactivated"
    demo_ids = {
        u["login"]: u for u in json.loads(run(capsys, "user", "list", "--json")[1])["users"]
    }
    assert demo_ids[managers[0]]["id"] not in owners
    assert run(capsys, "restored")[0] == 0
    with engine.connect() as connection:
        assert read_meta(connection)[0] != epoch_before
    engine.dispose()


def test_bad_config_file_is_one_clear_line(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "server.toml"
    config.write_text("[server]\ndrain_dayz = 3\n", encoding="utf-8")
    status, _, err = run(capsys, "demo", "--config", str(config))
    assert status == 2
    assert "drain_dayz" in err
    config.write_text("[server]\ndrain_days = 'soon'\n", encoding="utf-8")
    status, _, err = run(capsys, "demo", "--config", str(config))
    assert (status, "drain_days" in err) == (2, True)
    config.write_text("[server]\nmax_concurrent_pushes = 0\n", encoding="utf-8")
    status, _, err = run(capsys, "demo", "--config", str(config))
    assert (status, "max_concurrent_pushes" in err) == (2, True)


def test_snapshot_builds_each_login_into_the_configured_folder(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "demo", "--size", "tiny")[0] == 0
    status, _, err = run(capsys, "snapshot", "--login", "admin")
    assert status == 2
    assert err.strip() == (
        "fieldbook-server: Snapshots are off: set snapshot_dir in the [server] table of --config."
    )
    folder = tmp_path / "snapshots"
    config = tmp_path / "snapshots.toml"
    config.write_text(f"[server]\nsnapshot_dir = '{folder}'\n", encoding="utf-8")
    status, out, err = run(
        capsys, "snapshot", "--config", str(config), "--login", "admin", "--login", "am001"
    )
    assert status == 0, err
    lines = out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["admin", "am001"]
    for login, line in zip(("admin", "am001"), lines, strict=True):
        name = line.rsplit("(", 1)[1].rstrip(").")
        info = SnapshotInfo.from_json((folder / f"{name[:36]}.json").read_text())
        assert info.rows > 0 and (folder / info.file).stat().st_size == info.bytes
        assert line == (
            f"{login}: {info.rows} records, {info.bytes} bytes in {info.build_seconds:.1f} s "
            f"({info.file})."
        )
    status, _, err = run(capsys, "snapshot", "--config", str(config), "--login", "nobody")
    assert (status, err.strip()) == (2, "fieldbook-server: User 'nobody' does not exist.")
