"""`fieldbook settings show|set|reset` over the layered settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.cli import run


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    machine = tmp_path / "machine.json"
    user = tmp_path / "user.json"
    machine.write_text('{"policy": {"export_allowed": false}, "sync.interval_seconds": 600}')
    monkeypatch.setenv("FIELDBOOK_MACHINE_SETTINGS", str(machine))
    monkeypatch.setenv("FIELDBOOK_USER_SETTINGS", str(user))
    return machine, user


def _show(capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, object]]:
    assert run(["settings", "show", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    return {row["key"]: row for row in document["settings"]}


def test_show_tells_value_source_and_lock(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _show(capsys)
    assert rows["policy.export_allowed"]["value"] is False
    assert (rows["policy.export_allowed"]["source"], rows["policy.export_allowed"]["locked"]) == (
        "machine",
        True,
    )
    # Not a policy: IT's value is a default the user may change.
    assert (rows["sync.interval_seconds"]["value"], rows["sync.interval_seconds"]["locked"]) == (
        600,
        False,
    )
    assert rows["ui.language"]["source"] == "default"
    assert run(["settings", "show"]) == 0
    assert "(locked by IT)" in capsys.readouterr().out


def test_set_and_reset(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _machine, user = files
    assert run(["settings", "set", "sync.interval_seconds", "120"]) == 0
    assert capsys.readouterr().out == "sync.interval_seconds = 120\n"
    assert json.loads(user.read_text()) == {"sync.interval_seconds": 120}
    assert _show(capsys)["sync.interval_seconds"]["source"] == "user"
    assert run(["settings", "reset", "sync.interval_seconds"]) == 0
    assert "600 (from machine)" in capsys.readouterr().out
    assert json.loads(user.read_text()) == {}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["settings", "set", "policy.export_allowed", "yes"], "set by your IT department"),
        (["settings", "set", "ui.language", "fr"], "must be one of"),
        (["settings", "set", "no.such", "1"], "no setting 'no.such'"),
        (["settings", "reset", "no.such"], "no setting 'no.such'"),
    ],
)
def test_refused_changes(
    files: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    _machine, user = files
    assert run(argv) == 1
    assert message in capsys.readouterr().err
    assert not user.exists()
