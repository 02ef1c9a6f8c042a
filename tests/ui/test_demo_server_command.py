"""How `fieldbook --demo` finds the server program, from source and in a frozen build."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from desktop.ui.demo_server import SERVER_PROGRAM, DemoServerError, server_command


def test_from_source_the_server_runs_as_a_module_of_this_interpreter() -> None:
    assert server_command() == [sys.executable, "-m", "server.cli"]


@pytest.fixture
def frozen_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    app = tmp_path / "dist" / "fieldbook" / "fieldbook"
    app.parent.mkdir(parents=True)
    app.write_text("")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(app))
    monkeypatch.setattr("shutil.which", lambda _name: None)
    return app


def test_a_frozen_app_runs_the_server_built_beside_it(frozen_app: Path) -> None:
    server = frozen_app.parent.parent / "fieldbook-server" / SERVER_PROGRAM
    server.parent.mkdir()
    server.write_text("")
    assert server_command() == [str(server)]
    same_folder = frozen_app.with_name(SERVER_PROGRAM)
    same_folder.write_text("")
    assert server_command() == [str(same_folder)]  # the nearer one wins


def test_a_frozen_app_without_a_server_says_what_to_install(frozen_app: Path) -> None:
    with pytest.raises(DemoServerError, match="neither next to fieldbook nor on the PATH"):
        server_command()
