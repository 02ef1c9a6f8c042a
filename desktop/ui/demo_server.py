"""`fieldbook --demo`: the demo server as a child process on a free 127.0.0.1 port.

`fieldbook-server serve --demo --port 0` loads the demo firm into a throwaway database and prints
one JSON line once it accepts requests: `{"url": ..., "users": [{login, password, role}, ...]}`.
We wait for that line (stderr goes to a log file, never a pipe that could fill and block the
server), and stop the process when the app quits.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

START_TIMEOUT_SECONDS = 120.0
DEMO_ROLE = "team_head"  # a sales manager: sees the whole team's customers
SERVER_PROGRAM = "fieldbook-server.exe" if sys.platform == "win32" else "fieldbook-server"


class DemoServerError(RuntimeError):
    """The demo server did not start; the message says why (with the end of its log)."""


@dataclass
class DemoServer:
    url: str
    users: list[dict[str, Any]]
    process: subprocess.Popen[str]
    log_path: Path

    @classmethod
    def start(
        cls, *, log_path: Path, size: str = "small", timeout: float = START_TIMEOUT_SECONDS
    ) -> DemoServer:
        command = [
            *server_command(), "serve", "--demo", "--size", size,
            "--host", "127.0.0.1", "--port", "0", "--log-level", "warning",
        ]  # fmt: skip
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("w", encoding="utf-8") as log_stream:
            process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=log_stream, text=True, encoding="utf-8"
            )
        line = _first_line(process, timeout)
        if not line:
            _stop(process)
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-1500:]
            raise DemoServerError(
                f"The demo server did not start within {timeout:.0f} s. End of its log "
                f"({log_path}):\n{tail}"
            )
        try:
            announcement = json.loads(line)
            return cls(announcement["url"], list(announcement["users"]), process, log_path)
        except (ValueError, KeyError, TypeError) as error:
            _stop(process)
            raise DemoServerError(
                f"The demo server's start-up line was not understood ({error}): {line[:200]!r}. "
                f"Its log is in {log_path}."
            ) from error

    def login(self, role: str = DEMO_ROLE) -> tuple[str, str]:
        """(login, password) of the first demo user with `role`."""
        for user in self.users:
            if user.get("role") == role:
                return str(user["login"]), str(user["password"])
        raise DemoServerError(f"The demo firm has no user with the role {role!r}.")

    def stop(self) -> None:
        # The demo database is thrown away, so waiting for open long-polls to end is pointless.
        _stop(self.process, grace_seconds=2.0)


def server_command() -> list[str]:
    """How to run `fieldbook-server`. From a source or pip install: this interpreter with
    `-m server.cli`. A frozen build has no interpreter to run `-m` with (`sys.executable` is the
    app itself), so it runs the frozen server shipped beside it, or one on the PATH."""
    if not getattr(sys, "frozen", False):
        return [sys.executable, "-m", "server.cli"]
    app = Path(sys.executable)
    beside = (
        app.with_name(SERVER_PROGRAM),
        app.parent.parent / "fieldbook-server" / SERVER_PROGRAM,
    )
    for candidate in beside:
        if candidate.is_file():
            return [str(candidate)]
    on_path = shutil.which("fieldbook-server")
    if on_path:
        return [on_path]
    raise DemoServerError(
        f"The demo needs the {SERVER_PROGRAM} program, which is neither next to "
        f"{app.name} nor on the PATH. Install the Fieldbook server package to use --demo."
    )


def _first_line(process: subprocess.Popen[str], timeout: float) -> str:
    lines: list[str] = []
    reader = threading.Thread(
        target=lambda: lines.append(process.stdout.readline() if process.stdout else ""),
        name="demo-server-announcement",
        daemon=True,
    )
    reader.start()
    reader.join(timeout)
    return lines[0] if lines else ""


def _stop(process: subprocess.Popen[str], *, grace_seconds: float = 15.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    if process.stdout is not None:
        process.stdout.close()
