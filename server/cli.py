"""`fieldbook-server`: serve, initialise, load the demo firm and administer users from a shell.

The database comes from `--database-url`, else `FIELDBOOK_DATABASE_URL`, else the config file's
`database_url`, else a SQLite file in the platform's data directory.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, make_url

from protocol.demo_firm import generate_firm
from server.app import create_app
from server.config import ServerSettings, database_url_from_file, load_settings
from server.db import default_database_url, init_database, mark_restored, open_engine
from server.demo import demo_logins, has_users, load_demo
from server.errors import ApiError
from server.handover import deactivate_user, reassign_customers
from server.people import add_team, add_user, list_teams, list_users, update_user, user_id_by_login
from server.records import SYSTEM
from server.scope import ROLE_VALUES
from server.snapshot import SnapshotError, build_snapshot_for_login

DEMO_SIZES = ("tiny", "small", "medium", "large")


class CliError(Exception):
    """A refusal worth one line on stderr and exit status 2, not a traceback."""


def _database_url(args: argparse.Namespace) -> str:
    return (
        args.database_url
        or os.environ.get("FIELDBOOK_DATABASE_URL")
        or database_url_from_file(args.config)
        or default_database_url()
    )


def _settings(args: argparse.Namespace) -> ServerSettings:
    return load_settings(args.config)


def _engine(args: argparse.Namespace) -> Engine:
    engine = open_engine(_database_url(args))
    init_database(engine)
    return engine


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, default=str))


# -- commands --------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> None:
    engine = open_engine(_database_url(args))
    epoch = init_database(engine)
    print(f"Database ready (epoch {epoch}).")


def cmd_demo(args: argparse.Namespace) -> None:
    engine = _engine(args)
    firm = generate_firm(size=args.size)
    started = time.perf_counter()
    counts = load_demo(engine, firm=firm, settings=_settings(args))
    if args.json:
        _print_json({"users": demo_logins(firm)})
    else:
        took = time.perf_counter() - started
        summary = ", ".join(f"{count} {entity}" for entity, count in counts.items())
        print(f"Demo firm loaded in {took:.1f} s: {summary}.")
        print("Every demo user's password is shown by `fieldbook-server demo --json`.")


def _password(args: argparse.Namespace) -> str:
    if args.password_env:
        value = os.environ.get(args.password_env)
        if not value:
            raise CliError(f"Environment variable {args.password_env} is empty or not set.")
        return value
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        raise CliError("The passwords differ.")
    return first


def _team_id(engine: Engine, name: str | None) -> str | None:
    if name is None:
        return None
    with engine.connect() as connection:
        for team in list_teams(connection):
            if team["name"] == name:
                return str(team["id"])
    raise CliError(f"No team named {name!r} (see `fieldbook-server team list`).")


def cmd_user_add(args: argparse.Namespace) -> None:
    engine = _engine(args)
    created = add_user(
        engine,
        login=args.login,
        display_name=args.display_name or args.login,
        role=args.role,
        team_id=_team_id(engine, args.team),
        password=_password(args),
        settings=_settings(args),
        actor=SYSTEM,
    )
    print(f"Added {created['login']} ({created['role']}), id {created['id']}.")


def cmd_user_list(args: argparse.Namespace) -> None:
    engine = _engine(args)
    with engine.connect() as connection:
        users = list_users(connection)
        teams = {team["id"]: team["name"] for team in list_teams(connection)}
    if args.json:
        _print_json({"users": users})
        return
    for user in users:
        team = teams.get(user["team_id"], "-")
        print(f"{user['login']:<20} {user['role']:<16} {team:<20} {user['state']}")


def cmd_user_set_role(args: argparse.Namespace) -> None:
    engine = _engine(args)
    with engine.connect() as connection:
        user_id = user_id_by_login(connection, args.login)
    update_user(engine, user_id=user_id, changes={"role": args.role}, actor=SYSTEM)
    print(f"{args.login} is now {args.role}.")


def cmd_user_deactivate(args: argparse.Namespace) -> None:
    engine = _engine(args)
    with engine.connect() as connection:
        user_id = user_id_by_login(connection, args.login)
        successor = user_id_by_login(connection, args.handover_to) if args.handover_to else None
    moved = deactivate_user(engine, user_id=user_id, handover_to=successor, actor=SYSTEM)
    print(f"{args.login} is deactivated." + (f" Handed over: {moved}." if moved else ""))


def cmd_team_add(args: argparse.Namespace) -> None:
    team = add_team(_engine(args), name=args.name, head_id=None, actor=SYSTEM)
    print(f"Added team {team['name']}, id {team['id']}.")


def cmd_team_list(args: argparse.Namespace) -> None:
    with _engine(args).connect() as connection:
        teams = list_teams(connection)
    if args.json:
        _print_json({"teams": teams})
        return
    for team in teams:
        print(f"{team['name']:<30} {team['id']}")


def cmd_customer_reassign(args: argparse.Namespace) -> None:
    engine = _engine(args)
    with engine.connect() as connection:
        to_user = user_id_by_login(connection, args.to)
    moved = reassign_customers(engine, customer_ids=[args.id], to_user_id=to_user, actor=SYSTEM)
    print("Reassigned." if moved else f"The customer already belongs to {args.to}.")


def cmd_restored(args: argparse.Namespace) -> None:
    engine = _engine(args)
    epoch = mark_restored(engine)
    print(f"New epoch {epoch}: every client will rebuild its copy and push its unsent changes.")


def cmd_snapshot(args: argparse.Namespace) -> None:
    directory = _settings(args).snapshot_directory
    if directory is None:
        raise CliError("Snapshots are off: set snapshot_dir in the [server] table of --config.")
    engine = _engine(args)
    for login in args.login:
        info = build_snapshot_for_login(engine, login=login, directory=directory)
        print(
            f"{login}: {info.rows} records, {info.bytes} bytes in {info.build_seconds:.1f} s "
            f"({info.file})."
        )


def _listening_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise CliError(f"Cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.listen(2048)
    return sock


def cmd_serve(args: argparse.Namespace) -> None:
    if args.demo and not (args.database_url or os.environ.get("FIELDBOOK_DATABASE_URL")):
        # A fresh throwaway database each time, so the demo always starts from the same firm;
        # removed again when the server stops.
        with tempfile.TemporaryDirectory(prefix="fieldbook-demo-") as directory:
            _serve(args, f"sqlite+pysqlite:///{Path(directory) / 'demo.sqlite3'}")
        return
    _serve(args, _database_url(args))


def _serve(args: argparse.Namespace, database_url: str) -> None:
    import uvicorn

    settings = _settings(args)
    engine = open_engine(database_url)
    init_database(engine)
    logins: list[dict[str, Any]] = []
    if args.demo:
        firm = generate_firm(size=args.size)
        if not has_users(engine):
            load_demo(engine, firm=firm, settings=settings)
        logins = demo_logins(firm)
    app = create_app(engine=engine, settings=settings, initialise=False)
    sock = _listening_socket(args.host, args.port)
    port = int(sock.getsockname()[1])
    scheme = "https" if args.ssl_certfile else "http"
    config = uvicorn.Config(
        app,
        log_level=args.log_level,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    announcement: dict[str, Any] = {
        "url": f"{scheme}://{args.host}:{port}",
        # Never a password on stdout: it ends up in logs.
        "database_url": make_url(database_url).render_as_string(hide_password=True),
    }
    if args.demo:
        announcement["users"] = logins
    threading.Thread(
        target=_announce_when_started, args=(server, announcement), daemon=True
    ).start()
    # uvicorn re-raises the stop signal once it has shut down; as SystemExit it unwinds through
    # our clean-up (the demo's throwaway database) instead of killing the process outright.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        server.run(sockets=[sock])
    finally:
        engine.dispose()


def _exit_on_signal(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)


def _announce_when_started(server: Any, announcement: dict[str, Any]) -> None:
    """One JSON line on stdout once the server accepts requests (what `fieldbook --demo` waits
    for when it starts us as a subprocess)."""
    while not server.started:
        if server.should_exit:
            return
        time.sleep(0.05)
    print(json.dumps(announcement, ensure_ascii=False), flush=True)


# -- parser ----------------------------------------------------------------------------------


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url", help="default: env FIELDBOOK_DATABASE_URL or a local file"
    )
    parser.add_argument("--config", type=Path, help="TOML file with a [server] table of settings")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fieldbook-server", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    def command(
        name: str,
        handler: Callable[[argparse.Namespace], None],
        help_text: str,
        parent: Any = commands,
    ) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = parent.add_parser(name, help=help_text)
        _add_common(sub)
        sub.set_defaults(handler=handler)
        return sub

    serve = command("serve", cmd_serve, "serve the API with uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    serve.add_argument("--ssl-certfile")
    serve.add_argument("--ssl-keyfile")
    serve.add_argument("--log-level", default="warning")
    serve.add_argument(
        "--demo",
        action="store_true",
        help="initialise, load the demo firm and serve; prints the URL and logins as one JSON line",
    )
    serve.add_argument("--size", choices=DEMO_SIZES, default="small", help="demo firm size")

    command("init", cmd_init, "create or upgrade the database")
    demo = command("demo", cmd_demo, "load the demo firm into an empty database")
    demo.add_argument("--size", choices=DEMO_SIZES, default="small")
    demo.add_argument("--json", action="store_true", help="print the demo logins as JSON")
    command("restored", cmd_restored, "after restoring a backup: clients must resync")
    snapshot = command("snapshot", cmd_snapshot, "build users' replica snapshots in snapshot_dir")
    snapshot.add_argument("--login", action="append", required=True, help="repeat for several")

    user = commands.add_parser("user", help="users").add_subparsers(dest="action", required=True)
    add = command("add", cmd_user_add, "add a user", user)
    add.add_argument("login")
    add.add_argument("--role", choices=ROLE_VALUES, default="account_manager")
    add.add_argument("--team", help="team name")
    add.add_argument("--display-name")
    add.add_argument("--password-env", help="read the password from this environment variable")
    listing = command("list", cmd_user_list, "list users", user)
    listing.add_argument("--json", action="store_true")
    set_role = command("set-role", cmd_user_set_role, "change a user's role", user)
    set_role.add_argument("login")
    set_role.add_argument("role", choices=ROLE_VALUES)
    deactivate = command("deactivate", cmd_user_deactivate, "close an account", user)
    deactivate.add_argument("login")
    deactivate.add_argument("--handover-to", metavar="LOGIN2", help="successor for the book")

    team = commands.add_parser("team", help="teams").add_subparsers(dest="action", required=True)
    command("add", cmd_team_add, "add a team", team).add_argument("name")
    command("list", cmd_team_list, "list teams", team).add_argument("--json", action="store_true")

    customer = commands.add_parser("customer", help="customers").add_subparsers(
        dest="action", required=True
    )
    reassign = command("reassign", cmd_customer_reassign, "give a customer to a user", customer)
    reassign.add_argument("id")
    reassign.add_argument("--to", required=True, metavar="LOGIN")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except ApiError as exc:
        print(f"fieldbook-server: {exc.message}", file=sys.stderr)
        return 2
    except (CliError, SnapshotError, ValueError) as exc:
        print(f"fieldbook-server: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
