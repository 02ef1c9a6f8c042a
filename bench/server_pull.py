"""Server pull throughput: how fast `fieldbook-server` serves a whole firm to one client.

Starts `fieldbook-server serve --demo` (a throwaway SQLite database, or `--database-url`) in its
own process, signs in, and pulls every page as the administrator (who sees everything) and as
one account manager, once without compression and once with gzip. The client only parses each
page's JSON (as the sync engine does) and applies nothing, so the figures are the server's part
of an initial sync plus the parse.

    .venv/bin/python bench/server_pull.py [--size medium] [--limit N] [--json [FILE]]

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make the repository importable
    sys.path.insert(0, str(ROOT))

from bench.common import add_json_option, emit, format_table, progress  # noqa: E402


def start_server(
    size: str, database_url: str | None
) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    command = [sys.executable, "-m", "server.cli", "serve", "--demo", "--size", size, "--port", "0"]
    if database_url:
        command += ["--database-url", database_url]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.wait()
        raise RuntimeError("the server did not start (see its messages above)")
    return process, json.loads(line)


def pull_all(url: str, *, login: str, password: str, limit: int, encoding: str) -> dict[str, Any]:
    session = requests.Session()
    client_id = f"bench-{login}-{encoding}"
    answer = session.post(
        f"{url}/auth/login", json={"login": login, "password": password, "client_id": client_id}
    )
    answer.raise_for_status()
    headers = {
        "Authorization": f"Bearer {answer.json()['access_token']}",
        "Accept-Encoding": encoding,
    }
    cursor: str | None = None
    rows = pages = wire_bytes = 0
    parse_seconds = 0.0
    started = time.perf_counter()
    while True:
        params: dict[str, Any] = {"client_id": client_id, "limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = session.get(f"{url}/sync/pull", headers=headers, params=params)
        response.raise_for_status()
        body = response.content
        # Content-Length is what crossed the wire (compressed, with gzip).
        wire_bytes += int(response.headers.get("content-length") or len(body))
        parse_started = time.perf_counter()
        page = json.loads(body)
        parse_seconds += time.perf_counter() - parse_started
        rows += len(page["changes"])
        pages += 1
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    seconds = time.perf_counter() - started
    return {
        "login": login,
        "encoding": encoding,
        "rows": rows,
        "pages": pages,
        "seconds": round(seconds, 3),
        "rows_per_s": round(rows / seconds) if seconds else 0,
        "bytes_on_wire": wire_bytes,
        "parse_seconds": round(parse_seconds, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium", choices=("tiny", "small", "medium", "large"))
    parser.add_argument("--limit", type=int, default=10_000, help="rows per page")
    parser.add_argument("--database-url", help="default: a throwaway SQLite file")
    add_json_option(parser)
    arguments = parser.parse_args()
    quiet = arguments.json == "-"
    progress(f"starting the server with the {arguments.size} demo firm ...", quiet=quiet)
    started = time.perf_counter()
    process, announcement = start_server(arguments.size, arguments.database_url)
    startup = time.perf_counter() - started
    try:
        users = announcement["users"]
        admin = next(user for user in users if user["role"] == "admin")
        manager = next(user for user in users if user["role"] == "account_manager")
        runs = []
        for user in (admin, manager):
            for encoding in ("identity", "gzip"):
                progress(f"pulling as {user['login']} ({encoding}) ...", quiet=quiet)
                runs.append(
                    pull_all(
                        announcement["url"],
                        login=user["login"],
                        password=user["password"],
                        limit=arguments.limit,
                        encoding=encoding,
                    )
                )
    finally:
        process.terminate()
        process.wait()
    headers = ["who", "encoding", "rows", "pages", "seconds", "rows/s", "MB on wire", "parse s"]
    table = format_table(
        headers,
        [
            [
                run["login"],
                run["encoding"],
                f"{run['rows']:,}",
                run["pages"],
                f"{run['seconds']:.2f}",
                f"{run['rows_per_s']:,}",
                f"{run['bytes_on_wire'] / 1e6:.1f}",
                f"{run['parse_seconds']:.2f}",
            ]
            for run in runs
        ],
    )
    document = {
        "benchmark": "server_pull",
        "size": arguments.size,
        "limit": arguments.limit,
        "startup_and_load_seconds": round(startup, 1),
        "runs": runs,
    }
    emit(arguments.json, document, [f"startup + demo load: {startup:.1f} s", table])


if __name__ == "__main__":
    main()
