"""The real thing: `fieldbook-server serve` processes on 127.0.0.1, long-poll wake-ups within one
process and across two processes sharing a database, and `serve --demo` as the desktop starts it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from protocol.messages import PROTOCOL_VERSION, SCHEMA_VERSION
from server.db import init_database, open_engine
from server.people import add_user
from server.records import SYSTEM
from tests.server.harness import FAST_SETTINGS, PASSWORD, new_id

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60


@dataclass
class RunningServer:
    process: subprocess.Popen[str]
    url: str
    announcement: dict[str, Any]


def launch(database_url: str | None, *extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "server.cli", "serve", "--port", "0", *extra]
    if database_url:
        command += ["--database-url", database_url]
    env = {k: v for k, v in os.environ.items() if k != "FIELDBOOK_DATABASE_URL"}
    # stderr is inherited: pytest captures it and shows it with a failure, and no unread pipe
    # can fill up and block the server.
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, env=env)


def wait_started(process: subprocess.Popen[str]) -> RunningServer:
    """The server's announcement line, read with a time limit."""
    stdout = process.stdout
    assert stdout is not None
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(stdout.readline()))
    reader.start()
    reader.join(START_TIMEOUT)
    if not line or not line[0]:
        process.kill()
        process.wait()
        pytest.fail("the server did not start")
    announcement = json.loads(line[0])
    return RunningServer(process=process, url=announcement["url"], announcement=announcement)


def start_server(database_url: str | None, *extra: str) -> RunningServer:
    return wait_started(launch(database_url, *extra))


def stop(server: RunningServer) -> None:
    server.process.terminate()
    try:
        server.process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.communicate()


@pytest.fixture
def live_database(database_url: str) -> str:
    engine = open_engine(database_url)
    init_database(engine)
    for login, role in (("ann", "account_manager"), ("eve", "executive")):
        add_user(
            engine,
            login=login,
            display_name=login,
            role=role,
            team_id=None,
            password=PASSWORD,
            settings=FAST_SETTINGS,
            actor=SYSTEM,
        )
    engine.dispose()
    return database_url


@pytest.fixture
def two_servers(live_database: str) -> Iterator[tuple[RunningServer, RunningServer]]:
    # Both start at once: their start-up (imports, schema check) overlaps.
    processes = [launch(live_database), launch(live_database)]
    try:
        first, second = (wait_started(process) for process in processes)
        yield first, second
    finally:
        for process in processes:
            stop(RunningServer(process=process, url="", announcement={}))


def log_in(url: str, login: str) -> dict[str, str]:
    response = httpx.post(
        f"{url}/auth/login", json={"login": login, "password": PASSWORD, "client_id": f"{login}-pc"}
    )
    assert response.status_code == 200, response.text
    return {
        "Authorization": f"Bearer {response.json()['access_token']}",
        "X-Fieldbook-Protocol": str(PROTOCOL_VERSION),
    }


def cursor_now(url: str, headers: dict[str, str], client_id: str) -> str:
    cursor = None
    while True:
        params = {"client_id": client_id, **({"cursor": cursor} if cursor else {})}
        page = httpx.get(f"{url}/sync/pull", headers=headers, params=params).json()
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return str(cursor)


def push_customer(url: str, headers: dict[str, str], client_id: str, name: str) -> None:
    hello = httpx.get(f"{url}/sync/hello", headers=headers)
    assert hello.status_code == 200
    last = httpx.get(
        f"{url}/sync/pull", headers=headers, params={"client_id": client_id, "limit": 1}
    ).json()["last_mutation_id"]
    body = {
        "client_id": client_id,
        "protocol_version": PROTOCOL_VERSION,
        "schema_version": SCHEMA_VERSION,
        "mutations": [
            {
                "id": last + 1,
                "entity": "customer",
                "entity_id": new_id(),
                "op": "create",
                "fields": {"name": name},
            }
        ],
    }
    response = httpx.post(f"{url}/sync/push", headers=headers, json=body)
    assert response.json()["results"][0]["status"] == "applied", response.text


def long_poll_wakes(
    *, poll_url: str, push_url: str, name: str, wait: float = 20
) -> tuple[float, list[dict[str, Any]]]:
    """Seconds from a colleague's push to the waiting pull's answer, and what it carried."""
    eve, ann = log_in(poll_url, "eve"), log_in(push_url, "ann")
    cursor = cursor_now(poll_url, eve, "eve-pc")
    answer: dict[str, Any] = {}

    def poll() -> None:
        params: dict[str, Any] = {"client_id": "eve-pc", "cursor": cursor, "wait": wait}
        response = httpx.get(f"{poll_url}/sync/pull", headers=eve, params=params, timeout=wait + 10)
        answer["at"] = time.monotonic()
        answer["page"] = response.json()

    waiter = threading.Thread(target=poll)
    waiter.start()
    time.sleep(1.0)  # the pull is now waiting
    assert "at" not in answer, "the pull answered although nothing changed"
    pushed_at = time.monotonic()
    push_customer(push_url, ann, "ann-pc", name)
    waiter.join(wait + 15)
    return answer["at"] - pushed_at, answer["page"]["changes"]


def test_long_poll_wakes_in_the_same_process_and_across_processes(
    two_servers: tuple[RunningServer, RunningServer],
) -> None:
    first, second = two_servers
    delay, changes = long_poll_wakes(poll_url=first.url, push_url=first.url, name="同进程")
    assert delay < 1.0  # notified by the push's own process
    assert [c["data"]["name"] for c in changes] == ["同进程"]
    delay, changes = long_poll_wakes(poll_url=first.url, push_url=second.url, name="跨进程")
    # The other process cannot notify us; the periodic check (1 s by default) must find it.
    assert delay < 2.5
    assert [c["data"]["name"] for c in changes] == ["跨进程"]


def test_serve_demo_announces_url_and_logins(tmp_path: Path) -> None:
    url = f"sqlite+pysqlite:///{tmp_path / 'demo.sqlite3'}"
    server = start_server(url, "--demo", "--size", "tiny")
    try:
        users = server.announcement["users"]
        roles = {user["role"] for user in users}
        assert roles == {"admin", "executive", "team_head", "account_manager"}
        manager = next(user for user in users if user["role"] == "account_manager")
        response = httpx.post(
            f"{server.url}/auth/login",
            json={"login": manager["login"], "password": manager["password"], "client_id": "pc"},
        )
        assert response.status_code == 200
        headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
        page = httpx.get(f"{server.url}/sync/pull", headers=headers, params={"client_id": "pc"})
        customers = [c for c in page.json()["changes"] if c["entity"] == "customer"]
        assert customers
        assert {c["data"]["owner_id"] for c in customers} == {response.json()["user_id"]}
    finally:
        stop(server)
