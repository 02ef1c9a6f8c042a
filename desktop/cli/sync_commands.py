"""Sync commands: `login`, `sync`, and the sync part of `status` (`sync_status`).

The password comes from `FIELDBOOK_PASSWORD` (scripts) or a prompt (`getpass`), never from the
command line, where other users could read it in the process list. Without a system keyring the
sign-in lasts for one run only, so `sync` then asks again (or reads `FIELDBOOK_PASSWORD`).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any, TypeAlias

from sqlalchemy import Engine

from desktop.cli.errors import CliError, user_errors
from desktop.paths import data_dir, replica_path
from desktop.settings import Settings
from desktop.store.replica import open_replica
from desktop.sync import state
from desktop.sync.credentials import SESSION_ONLY_NOTICE
from desktop.sync.engine import SyncSummary
from desktop.sync.errors import NotSignedIn, SyncError, Unauthorized
from desktop.sync.inbox import SyncInbox
from desktop.sync.session import SyncStack, connect, sign_in, transport_config
from desktop.sync.transport import TransportConfig

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
PASSWORD_ENV = "FIELDBOOK_PASSWORD"


def _password(login: str) -> str:
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        raise CliError(f"No password: set {PASSWORD_ENV} or run this command in a terminal.")
    return getpass.getpass(f"Password for {login}: ")


@contextmanager
def _sync_errors() -> Iterator[None]:
    try:
        yield
    except SyncError as error:
        raise CliError(error.message) from error


def _print_json(document: object) -> None:
    print(json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True))


def _transport_config() -> TransportConfig:
    """The transport as IT configured it (`sync.ca_bundle`), the same for the app and the CLI."""
    return transport_config(ca_bundle=Settings.load().get("sync.ca_bundle"))


def _login(args: argparse.Namespace) -> int:
    path = replica_path(data_dir(args.data_dir))
    with user_errors(), _sync_errors():
        engine = open_replica(path)
        try:
            stack = connect(
                engine=engine,
                replica_path=path,
                server_url=args.server,
                login=args.user,
                config=_transport_config(),
            )
            try:
                user_id = sign_in(
                    stack, engine=engine, login=args.user, password=_password(args.user)
                )
                storage = stack.api.credentials.storage
            finally:
                stack.close()
        finally:
            engine.dispose()
    if args.json:
        _print_json({"user_id": user_id, "server": args.server, "credential_storage": storage})
    else:
        print(f"Signed in as {args.user} on {args.server}.")
        if storage == "session-only":
            print(SESSION_ONLY_NOTICE)
    return 0


def _sync_once(stack: SyncStack, *, engine: Engine) -> SyncSummary:
    """One sync; signs in again with a password when the stored sign-in is gone or expired."""
    try:
        return stack.engine.sync_once()
    except (NotSignedIn, Unauthorized):
        login = state.get(engine, state.LOGIN) or ""
        sign_in(stack, engine=engine, login=login, password=_password(login))
        return stack.engine.sync_once()


def _sync(args: argparse.Namespace) -> int:
    path = replica_path(data_dir(args.data_dir))
    with user_errors(), _sync_errors():
        engine = open_replica(path)
        try:
            stack = connect(engine=engine, replica_path=path, config=_transport_config())
            try:
                summary = _sync_once(stack, engine=engine)
                counts = (0, 0) if summary.wiped else stack.inbox.counts()
            finally:
                stack.close()
        finally:
            engine.dispose()
    report: dict[str, Any] = {
        "pushed": summary.pushed,
        "rejected": summary.rejected,
        "pulled": summary.pulled,
        "errors": counts[0],
        "conflicts": counts[1],
        "resets": summary.resets,
        "account_state": summary.account_state,
        "wiped": asdict(summary.wiped) if summary.wiped else None,
    }
    if args.json:
        _print_json(report)
        return 0
    print(
        f"Sent {summary.pushed} change(s) ({summary.rejected} refused), received "
        f"{summary.pulled}; {counts[0]} sync error(s) and {counts[1]} conflict(s) to review."
    )
    if summary.resets:
        print("The server was restored from a backup: this copy was rebuilt, nothing was lost.")
    if summary.wiped:
        removed = list(summary.wiped.deleted_paths)
        if summary.wiped.keyring_entry_deleted:
            removed.append("the saved sign-in in the keyring")
        print(
            "This account was closed: your last changes were uploaded and the local copy was "
            f"deleted ({', '.join(removed) or 'nothing was left'})."
        )
    return 0


def sync_status(engine: Engine) -> Mapping[str, Any]:
    """The sync part of `fieldbook status`: a contributor for `desktop.cli.status_report`."""
    errors, conflicts = SyncInbox(engine=engine).counts()
    with engine.connect() as connection:
        return {
            "last_sync": state.read_value(connection, state.LAST_SYNC_AT),
            "errors": errors,
            "conflicts": conflicts,
            "account_state": state.read_value(connection, state.ACCOUNT_STATE),
            "server": state.read_value(connection, state.SERVER_URL),
            "sync_stopped": state.read_value(connection, state.STOPPED_REASON),
        }


def register(subparsers: Subparsers) -> None:
    login = subparsers.add_parser("login", help="sign in to the firm's server")
    login.add_argument("--server", required=True, help="e.g. https://crm.example.com")
    login.add_argument("--user", required=True, help="your login")
    login.add_argument("--json", action="store_true", help="print JSON")
    login.set_defaults(handler=_login)
    sync = subparsers.add_parser("sync", help="send local changes and fetch the server's")
    sync.add_argument("--json", action="store_true", help="print JSON")
    sync.set_defaults(handler=_sync)
