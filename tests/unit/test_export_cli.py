"""`fieldbook export ...`: the firm's policy from the machine-wide settings, clear errors."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import pytest

from desktop.cli import export_commands
from desktop.cli.errors import CliError
from desktop.operations.export import pending_audit_events
from desktop.paths import replica_path
from desktop.store.replica import open_replica
from desktop.sync import state
from tests.unit.test_export import seed


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fieldbook")
    parser.add_argument("--data-dir", type=Path, default=None)
    export_commands.register(parser.add_subparsers(dest="command"))
    return parser


def _run(*argv: str) -> int:
    args = _parser().parse_args(list(argv))
    return int(args.handler(args))


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    engine = open_replica(replica_path(folder))
    seed(engine)
    engine.dispose()
    monkeypatch.setenv("FIELDBOOK_USER_SETTINGS", str(tmp_path / "user.json"))
    monkeypatch.setenv("FIELDBOOK_MACHINE_SETTINGS", str(tmp_path / "machine.json"))
    return folder


def _machine_policy(data_dir: Path, **policy: object) -> None:
    (data_dir.parent / "machine.json").write_text(json.dumps({"policy": policy}))


def test_export_customers_to_csv(data_dir: Path, capsys: pytest.CaptureFixture[str]):
    out = data_dir.parent / "customers.csv"
    assert _run("--data-dir", str(data_dir), "export", "customers", "--out", str(out)) == 0
    assert "Exported 3 records to customers.csv." in capsys.readouterr().out
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert "上海建工集团" in {row["name"] for row in rows}


def test_machine_policy_caps_and_refuses(data_dir: Path, capsys: pytest.CaptureFixture[str]):
    out = data_dir.parent / "contacts.vcf"
    _machine_policy(data_dir, export_max_rows=1)
    _run("--data-dir", str(data_dir), "export", "contacts", "--out", str(out))
    assert "only the first 1 of 2" in capsys.readouterr().out
    assert out.read_text(encoding="utf-8").count("BEGIN:VCARD") == 1

    _machine_policy(data_dir, export_allowed=False)
    with pytest.raises(CliError, match=r"turned off by your firm's policy.*recorded"):
        _run(
            "--data-dir", str(data_dir), "export", "customers", "--format", "xlsx",
            "--out", str(data_dir.parent / "c.xlsx"),
        )  # fmt: skip
    engine = open_replica(replica_path(data_dir))
    actions = [event["action"] for event in pending_audit_events(engine)]
    engine.dispose()
    assert actions == ["export", "export_refused"]


def test_no_data_directory_is_a_clear_error(tmp_path: Path):
    with pytest.raises(CliError, match="sign in and sync first"):
        _run("--data-dir", str(tmp_path / "none"), "export", "customers", "--out", "x.csv")


def test_the_fieldbook_command_knows_export(data_dir: Path, capsys: pytest.CaptureFixture[str]):
    from desktop.cli import run

    out = data_dir.parent / "c.xlsx"
    code = run(["--data-dir", str(data_dir), "export", "customers", "--format", "xlsx",
                "--out", str(out)])  # fmt: skip
    assert code == 0 and out.exists()
    assert run(["--data-dir", str(data_dir), "export", "customers", "--out", "/no/such/x.csv"]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_a_copy_past_its_offline_allowance_exports_nothing(data_dir: Path):
    engine = open_replica(replica_path(data_dir))
    state.put(engine, last_sync_at="2020-01-01T00:00:00Z", max_offline_days=14)
    engine.dispose()
    out = data_dir.parent / "c.csv"
    with pytest.raises(CliError, match=r"locked.*allows 14.*recorded"):
        _run("--data-dir", str(data_dir), "export", "customers", "--out", str(out))
    assert not out.exists()
    # The machine's own allowance counts too: the stricter of the two applies.
    engine = open_replica(replica_path(data_dir))
    state.put(engine, last_sync_at="2020-01-01T00:00:00Z", max_offline_days=0)
    engine.dispose()
    _machine_policy(data_dir, max_offline_days=3)
    with pytest.raises(CliError, match="allows 3"):
        _run("--data-dir", str(data_dir), "export", "customers", "--out", str(out))


def test_the_servers_stricter_policy_applies_to_the_command_line(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
):
    out = data_dir.parent / "customers.csv"
    engine = open_replica(replica_path(data_dir))
    state.put(engine, export_allowed="true", export_max_rows="2")  # as the last hello said
    engine.dispose()
    assert _run("--data-dir", str(data_dir), "export", "customers", "--out", str(out)) == 0
    assert "only the first 2 of 3" in capsys.readouterr().out
    engine = open_replica(replica_path(data_dir))
    state.put(engine, export_allowed="false")
    engine.dispose()
    with pytest.raises(CliError):
        _run("--data-dir", str(data_dir), "export", "customers", "--out", str(out))
