"""A real server for the concurrency test and the load benchmark: uvicorn in its own process
(own GIL, optionally several workers) on 127.0.0.1, on a free port, backed by a given database.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import psutil
import uvicorn
from fastapi import FastAPI

from server.config import ServerSettings

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL_VARIABLE = "FIELDBOOK_CONTRACT_DATABASE_URL"
SNAPSHOT_DIR_VARIABLE = "FIELDBOOK_CONTRACT_SNAPSHOT_DIR"
START_TIMEOUT_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def contract_settings() -> ServerSettings:
    """Production settings except a cheap argon2: the tests sign in dozens of times."""
    return ServerSettings(argon2_time_cost=1, argon2_memory_kib=8192)


def build_app(
    database_url: str, *, initialise: bool = True, snapshot_dir: Path | None = None
) -> FastAPI:
    from server.app import create_app

    settings = contract_settings()
    if snapshot_dir is not None:
        settings = replace(settings, snapshot_dir=str(snapshot_dir))
    return create_app(database_url=database_url, settings=settings, initialise=initialise)


def app_from_environment() -> FastAPI:
    """uvicorn's `--factory` target: each worker process builds its own app on the schema that
    `start_server_process` created before starting them."""
    snapshot_dir = os.environ.get(SNAPSHOT_DIR_VARIABLE)
    return build_app(
        os.environ[DATABASE_URL_VARIABLE],
        initialise=False,
        snapshot_dir=Path(snapshot_dir) if snapshot_dir else None,
    )


def bootstrap_admin(database_url: str, *, login: str, password: str) -> str:
    """The first administrator, as the server's CLI creates it (nobody could do it over HTTP)."""
    from server.db import init_database, open_engine
    from server.people import add_user
    from server.records import SYSTEM

    engine = open_engine(database_url)
    try:
        init_database(engine)
        created = add_user(
            engine,
            login=login,
            display_name="Administrator",
            role="admin",
            team_id=None,
            password=password,
            settings=contract_settings(),
            actor=SYSTEM,
        )
    finally:
        engine.dispose()
    return str(created["id"])


class ThreadedServer:
    """uvicorn in a thread of the test process: a real socket, for tests that need one server
    per module and no separate process (the in-process test client of Starlette is deprecated
    with httpx, and a real socket also carries chunked bodies as a client sends them)."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn", daemon=True)

    def __enter__(self) -> ThreadedServer:
        self.thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the in-thread server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def processes(self) -> list[psutil.Process]:
        """The uvicorn supervisor and its workers, for CPU accounting."""
        parent = psutil.Process(self.process.pid)
        return [parent, *parent.children(recursive=True)]

    def log_tail(self, characters: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-characters:]
        except OSError as error:
            return f"(server log unreadable: {error})"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # uvicorn shuts its workers down on SIGTERM
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_server_process(
    *,
    database_url: str,
    port: int,
    workers: int = 1,
    log_path: Path | None = None,
    snapshot_dir: Path | None = None,
) -> ServerProcess:
    """Start uvicorn and wait until it answers; the schema is created before the workers fork
    so that several workers never race to create it. With `snapshot_dir` it serves (and
    builds) replica snapshots there."""
    from server.db import init_database, open_engine

    engine = open_engine(database_url)
    try:
        init_database(engine)  # the schema once, here, before the workers start
    finally:
        engine.dispose()
    log_path = log_path or Path(tempfile.gettempdir()) / f"fieldbook-uvicorn-{port}.log"
    log = log_path.open("wb")
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "tests.server_contract.server_process:app_from_environment",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    environment = {**os.environ, DATABASE_URL_VARIABLE: database_url}
    environment.pop(SNAPSHOT_DIR_VARIABLE, None)  # only ever the caller's choice
    if snapshot_dir is not None:
        environment[SNAPSHOT_DIR_VARIABLE] = str(snapshot_dir)
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=log)
    log.close()
    server = ServerProcess(process=process, base_url=f"http://127.0.0.1:{port}", log_path=log_path)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited at start:\n{server.log_tail()}")
        try:
            httpx.get(f"{server.base_url}/health", timeout=2).raise_for_status()
            return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(
        f"the server did not answer within {START_TIMEOUT_SECONDS} s:\n{server.log_tail()}"
    )
