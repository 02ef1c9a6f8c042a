"""The record commands end to end through `desktop.cli.run`, and once through a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop.cli import run
from desktop.operations.customers import list_customers
from desktop.store.replica import open_replica
from desktop.sync import state
from tests.unit.operations_helpers import counts, load_reference_data


class Cli:
    """Runs `fieldbook --data-dir DIR ...` in-process and keeps what it printed."""

    def __init__(self, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.data_dir = data_dir
        self.capsys = capsys

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        code = run(["--data-dir", str(self.data_dir), *argv])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def json(self, *argv: str) -> object:
        code, out, err = self(*argv, "--json")
        assert code == 0, err
        return json.loads(out)

    def counts(self) -> dict[str, int]:
        engine = open_replica(self.data_dir / "replica.sqlite3")
        try:
            return counts(engine)
        finally:
            engine.dispose()


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    engine = open_replica(tmp_path / "replica.sqlite3")
    load_reference_data(engine)  # pipelines and stages, as after a first sync
    engine.dispose()
    return Cli(tmp_path, capsys)


def _add(cli: Cli, name: str, *options: str) -> str:
    result = cli.json("customer", "add", "--name", name, *options)
    assert isinstance(result, dict)
    return str(result["id"])


def test_customer_add_list_show_edit_archive(cli: Cli) -> None:
    acme = _add(cli, "中国建筑", "--phone", "138 0013 8000", "--industry", "construction")
    _add(cli, "Beta Bank", "--industry", "banking", "--tier", "gold")

    listing = cli.json("customer", "list", "--industry", "construction")
    assert isinstance(listing, dict) and listing["total"] == 1
    (row,) = listing["customers"]
    assert (row["id"], row["name"], row["phone"]) == (acme, "中国建筑", "+8613800138000")

    code, out, _ = cli("customer", "list")
    assert code == 0 and "138 0013 8000" in out and "2 customer(s)" in out

    edited = cli.json("customer", "edit", acme, "--phone", "+44 20 7946 0958", "--tier", "gold")
    assert edited == {"id": acme, "changed": {"phone": "+442079460958", "tier": "gold"}}

    shown = cli.json("customer", "show", acme)
    assert isinstance(shown, dict) and shown["customer"]["tier"] == "gold"
    code, out, _ = cli("customer", "show", acme)
    assert code == 0 and "+44 20 7946 0958" in out

    assert cli("customer", "archive", acme)[0] == 0
    listing = cli.json("customer", "list")
    assert isinstance(listing, dict) and [c["name"] for c in listing["customers"]] == ["Beta Bank"]
    archived = cli.json("customer", "list", "--archived")
    assert isinstance(archived, dict) and archived["total"] == 1


def test_activity_followup_and_opportunity_commands(cli: Cli) -> None:
    acme = _add(cli, "Acme")
    logged = cli.json(
        "activity",
        "log",
        "--customer",
        acme,
        "--kind",
        "visit",
        "--notes",
        "拜访采购部",
        "--next-step",
        "Send revised quote",
        "--due",
        "2026-11-25",
    )
    assert isinstance(logged, dict) and logged["followup_id"]
    followups = cli.json("followup", "list")
    assert isinstance(followups, list)
    assert [(f["id"], f["title"]) for f in followups] == [
        (logged["followup_id"], "Send revised quote")
    ]
    code, out, _ = cli("followup", "done", str(logged["followup_id"]))
    assert code == 0 and "done" in out
    assert cli.json("followup", "list") == []

    deal = cli.json(
        "opportunity", "add", "--customer", acme, "--name", "Tower", "--amount", "1,000,000"
    )
    assert isinstance(deal, dict)
    code, out, err = cli("opportunity", "move", str(deal["id"]), "--stage", "won")
    assert code == 0, err
    shown = cli.json("customer", "show", acme)
    assert isinstance(shown, dict)
    (opportunity,) = shown["opportunities"]
    assert (opportunity["amount"], opportunity["status"], opportunity["stage_name"]) == (
        1_000_000.0,
        "won",
        "Won",
    )


def test_owner_is_given_by_login(cli: Cli) -> None:
    theirs = _add(cli, "Theirs", "--owner", "zhang")
    _add(cli, "Nobody's")
    listing = cli.json("customer", "list", "--owner", "zhang")
    assert isinstance(listing, dict) and [c["id"] for c in listing["customers"]] == [theirs]
    code, _, err = cli("customer", "list", "--owner", "ghost")
    assert code == 1 and "No user with id ghost" in err


def test_status_counts_pending_changes(cli: Cli) -> None:
    status = cli.json("status")
    assert isinstance(status, dict)
    assert (status["pending_changes"], status["user_id"]) == (0, None)
    # The sync part: never synced, nothing waiting in the sync inbox.
    assert (status["last_sync"], status["errors"], status["conflicts"]) == (None, 0, 0)
    _add(cli, "Acme")
    status = cli.json("status")
    assert isinstance(status, dict) and status["pending_changes"] == 1
    code, out, _ = cli("status")
    assert code == 0 and "pending changes: 1" in out


def test_search_finds_chinese_names(cli: Cli) -> None:
    acme = _add(cli, "中国建筑集团")
    _add(cli, "Beta Bank")
    hits = cli.json("search", "建筑")
    assert isinstance(hits, list)
    assert [(hit["kind"], hit["id"]) for hit in hits] == [("customer", acme)]
    code, _, err = cli("search", "x", "--limit", "0")
    assert code == 1 and "limit" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("customer", "add", "--name", "Acme", "--phone", "12345"), "not a valid phone number"),
        (("customer", "add", "--name", " "), "Name is required"),
        (("customer", "show", "missing-id"), "No customer with id missing-id"),
        (("customer", "edit", "missing-id", "--name", "x"), "No customer with id missing-id"),
        (("customer", "archive", "missing-id"), "No customer with id missing-id"),
        (("activity", "log", "--customer", "missing-id", "--kind", "visit"), "No customer"),
        (("followup", "done", "missing-id"), "No followup with id missing-id"),
        (("opportunity", "move", "missing-id", "--stage", "Won"), "No opportunity"),
    ],
)
def test_bad_input_exits_non_zero_with_a_message_and_changes_nothing(
    cli: Cli, argv: tuple[str, ...], message: str
) -> None:
    before = cli.counts()
    code, out, err = cli(*argv)
    assert code == 1 and out == ""
    assert err.startswith("fieldbook: ") and message in err
    assert cli.counts() == before


def test_several_problems_are_listed_one_per_line(cli: Cli) -> None:
    acme = _add(cli, "Acme")
    code, _, err = cli("activity", "log", "--customer", acme, "--kind", "lunch", "--due", "someday")
    assert code == 1
    assert "nothing was saved" in err and len(err.strip().splitlines()) == 4


def test_edit_without_options_is_refused(cli: Cli) -> None:
    acme = _add(cli, "Acme")
    code, _, err = cli("customer", "edit", acme)
    assert code == 1 and "Nothing to change" in err


def test_real_process_with_data_dir_from_the_environment(tmp_path: Path) -> None:
    environ = {**os.environ, "FIELDBOOK_DATA_DIR": str(tmp_path / "data")}

    def fieldbook(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "desktop", *argv],
            capture_output=True,
            text=True,
            env=environ,
            timeout=120,
            check=False,
        )

    added = fieldbook("customer", "add", "--name", "华为技术", "--json")
    assert added.returncode == 0, added.stderr
    customer_id = json.loads(added.stdout)["id"]
    refused = fieldbook("customer", "add", "--name", "X", "--email", "not-an-address")
    assert refused.returncode == 1
    assert refused.stdout == "" and "not a valid e-mail address" in refused.stderr
    # Two process starts are enough (each imports the whole app); the check runs in-process.
    engine = open_replica(tmp_path / "data" / "replica.sqlite3")
    try:
        assert list_customers(engine).ids == (customer_id,)
    finally:
        engine.dispose()


@pytest.mark.parametrize("limit", ["0", "1001", "ten"])
def test_out_of_range_page_size_is_a_usage_error(cli: Cli, limit: str) -> None:
    with pytest.raises(SystemExit) as caught:
        cli("customer", "list", "--limit", limit)
    assert caught.value.code == 2
    assert "--limit" in cli.capsys.readouterr().err


# --- the offline lease ----------------------------------------------------------------------


@pytest.fixture
def locked_cli(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Cli, str]:
    """A copy with one customer whose last sync was long before the server's 14-day allowance."""
    monkeypatch.setenv("FIELDBOOK_USER_SETTINGS", str(tmp_path / "user.json"))
    monkeypatch.setenv("FIELDBOOK_MACHINE_SETTINGS", str(tmp_path / "machine.json"))
    customer_id = _add(cli, "上海建工集团")
    engine = open_replica(cli.data_dir / "replica.sqlite3")
    state.put(engine, last_sync_at="2020-01-01T00:00:00Z", max_offline_days=14)
    engine.dispose()
    return cli, customer_id


@pytest.mark.parametrize(
    "argv",
    [
        ("customer", "list"),
        ("customer", "show", "{id}"),
        ("followup", "list"),
        ("search", "上海"),
    ],
)
def test_a_locked_copy_shows_no_customer_data(locked_cli: tuple[Cli, str], argv: tuple[str, ...]):
    cli, customer_id = locked_cli
    code, out, err = cli(*(part.format(id=customer_id) for part in argv))
    assert code == 1
    assert "上海建工集团" not in out
    assert "locked" in err and "allows 14" in err and "fieldbook sync" in err


def test_a_locked_copy_still_records_activities(locked_cli: tuple[Cli, str]) -> None:
    cli, customer_id = locked_cli
    before = cli.counts()["activity"]
    code, out, err = cli("activity", "log", "--customer", customer_id, "--kind", "call",
                         "--notes", "离线记录")  # fmt: skip
    assert code == 0, err
    assert cli.counts()["activity"] == before + 1
    # And the moment a sync is recorded, the data shows again.
    engine = open_replica(cli.data_dir / "replica.sqlite3")
    state.put(engine, last_sync_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    engine.dispose()
    code, out, _ = cli("customer", "list")
    assert code == 0 and "上海建工集团" in out


def test_a_copy_within_its_allowance_shows_data(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIELDBOOK_USER_SETTINGS", str(tmp_path / "user.json"))
    monkeypatch.setenv("FIELDBOOK_MACHINE_SETTINGS", str(tmp_path / "machine.json"))
    _add(cli, "Beta Bank")
    engine = open_replica(cli.data_dir / "replica.sqlite3")
    yesterday = datetime.now(UTC) - timedelta(days=1)
    state.put(engine, last_sync_at=yesterday.strftime("%Y-%m-%dT%H:%M:%SZ"), max_offline_days=14)
    engine.dispose()
    code, out, _ = cli("customer", "list")
    assert code == 0 and "Beta Bank" in out
