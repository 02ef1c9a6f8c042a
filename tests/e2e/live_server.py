"""A real server on a real 127.0.0.1 socket, and desktop clients signed in to it.

`ThreadedServer` runs the FastAPI app under uvicorn in a thread of the test process (for screens
that talk to a server); `ServerProcess` runs `fieldbook-server` as its own process (for the
end-to-end scenarios). Both serve a SQLite file or a PostgreSQL database, and both create the
firm's people straight through the server's own functions, because the very first administrator
cannot be created over the wire.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import Engine

from desktop.store.replica import open_replica
from desktop.sync.api import ApiClient
from desktop.sync.credentials import CredentialStore
from desktop.sync.engine import SyncEngine
from desktop.sync.state import ensure_client_id, put
from desktop.sync.transport import Transport
from server.app import create_app
from server.config import ServerSettings
from server.db import open_engine
from server.people import add_team, add_user
from server.records import SYSTEM

PASSWORD = "correct horse battery"
# argon2 at its cheapest: these tests check behaviour, not hashing cost.
FAST_SETTINGS = ServerSettings(
    argon2_time_cost=1, argon2_memory_kib=1024, long_poll_check_seconds=0.2
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Firm:
    """One team (East) with its head, two account managers and an administrator."""

    east: str
    admin: str
    head: str
    leaver: str
    successor: str


class People:
    """Creates teams and users directly in the server's database (as its own CLI would)."""

    def __init__(self, engine: Engine, settings: ServerSettings) -> None:
        self.engine = engine
        self.settings = settings

    def team(self, name: str) -> str:
        return str(add_team(self.engine, name=name, head_id=None, actor=SYSTEM)["id"])

    def user(self, login: str, role: str, team_id: str | None, display_name: str) -> str:
        created = add_user(
            self.engine,
            login=login,
            display_name=display_name,
            role=role,
            team_id=team_id,
            password=PASSWORD,
            settings=self.settings,
            actor=SYSTEM,
        )
        return str(created["id"])

    def firm(self) -> Firm:
        east = self.team("华东 East")
        return Firm(
            east=east,
            admin=self.user("admin", "admin", None, "系统管理员"),
            head=self.user("chen", "team_head", east, "陈主管"),
            leaver=self.user("li", "account_manager", east, "李娜"),
            successor=self.user("zhao", "account_manager", east, "赵强"),
        )


@dataclass
class ThreadedServer:
    url: str
    engine: Engine
    people: People


@contextmanager
def threaded_server(database_url: str) -> Iterator[ThreadedServer]:
    engine = open_engine(database_url)
    app = create_app(engine=engine, settings=FAST_SETTINGS)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start within 10 s")
        time.sleep(0.02)
    try:
        yield ThreadedServer(f"http://127.0.0.1:{port}", engine, People(engine, FAST_SETTINGS))
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


@dataclass
class DesktopClient:
    """One installation: its replica file, API client and sync engine, signed in."""

    login: str
    replica_path: Path
    engine: Engine
    api: ApiClient
    sync: SyncEngine

    def close(self) -> None:
        self.api.transport.close()
        self.engine.dispose()


def sign_in(server_url: str, *, login: str, data_dir: Path) -> DesktopClient:
    path = data_dir / "replica.sqlite3"
    engine = open_replica(path)
    client_id = ensure_client_id(engine)
    api = ApiClient(
        transport=Transport(base_url=server_url),
        credentials=CredentialStore(server_url=server_url, login=login),
        client_id=client_id,
    )
    api.login(login=login, password=PASSWORD)
    put(engine, server_url=server_url, login=login)
    return DesktopClient(
        login, path, engine, api, SyncEngine(engine=engine, api=api, replica_path=path)
    )


REPOSITORY = Path(__file__).resolve().parents[2]
FAST_CONFIG = """[server]
argon2_time_cost = 1
argon2_memory_kib = 1024
long_poll_check_seconds = 0.2
"""


@dataclass
class ServerProcess:
    """`fieldbook-server serve` in its own process, on a free 127.0.0.1 port."""

    url: str
    database_url: str
    config: Path
    process: subprocess.Popen[str]

    def admin_command(self, *argv: str) -> subprocess.CompletedProcess[str]:
        """Another `fieldbook-server` process on the same database (as IT would run it)."""
        return subprocess.run(
            [sys.executable, "-m", "server.cli", *argv, "--database-url", self.database_url],
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


def _first_line(process: subprocess.Popen[str], timeout: float, log: Path) -> str:
    lines: list[str] = []
    reader = threading.Thread(
        target=lambda: lines.append(process.stdout.readline() if process.stdout else ""),
        daemon=True,
    )
    reader.start()
    reader.join(timeout)
    if not lines or not lines[0]:
        process.kill()
        process.wait(timeout=10)
        errors = log.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise RuntimeError(f"fieldbook-server did not start within {timeout} s: {errors}")
    return lines[0]


@contextmanager
def server_process(database_url: str, folder: Path) -> Iterator[ServerProcess]:
    config = folder / "server.toml"
    config.write_text(FAST_CONFIG, encoding="utf-8")
    command = [
        sys.executable, "-m", "server.cli", "serve", "--database-url", database_url,
        "--config", str(config), "--host", "127.0.0.1", "--port", "0", "--log-level", "warning",
    ]  # fmt: skip
    log = folder / "server.log"  # a file, not a pipe: a chatty server must never block on it
    with log.open("w", encoding="utf-8") as log_stream:
        process = subprocess.Popen(
            command, cwd=REPOSITORY, stdout=subprocess.PIPE, stderr=log_stream, text=True
        )
    try:
        announcement = json.loads(_first_line(process, timeout=60, log=log))
        yield ServerProcess(announcement["url"], database_url, config, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        if process.stdout is not None:
            process.stdout.close()


@contextmanager
def ui_context_for(engine: Engine, *, tasks: Any, folder: Path, user_id: str | None) -> Any:
    """A screen's UiContext over `engine` (Qt imported here, so non-UI tests need none)."""
    from desktop.settings import Settings
    from desktop.ui.context import UiContext
    from desktop.ui.sync_controller import SyncController

    settings = Settings(machine_path=None, user_path=folder / "settings" / "settings.json")
    sync = SyncController()
    try:
        yield UiContext(engine=engine, tasks=tasks, settings=settings, sync=sync, user_id=user_id)
    finally:
        sync.stop()
