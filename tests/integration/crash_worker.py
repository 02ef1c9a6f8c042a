"""A desktop client process for the kill -9 scenario: it writes and syncs in a loop until killed.

Run as `python -m tests.integration.crash_worker --replica FILE --server URL --login L`. Each local
change (a customer with its first visit, in ONE transaction) is reported on stdout as
`wrote <customer id>` only after its commit, so the parent knows which writes were promised to the
user. Pages are tiny so a kill lands mid-pull as often as mid-push or mid-write.

`--die-at` makes the process SIGKILL itself at an exact point instead of waiting for the parent:
`write` (inside the local transaction, between the customer and its visit), `push-answered` (the
server applied the push, the answer is never recorded) or `pull-page` (inside the transaction
applying a pulled page, before its commit).
"""

from __future__ import annotations

import argparse
import os
import signal
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop.store.changes import create_record
from desktop.store.replica import open_replica
from desktop.sync import engine as engine_module
from desktop.sync import state
from desktop.sync.api import ApiClient
from desktop.sync.credentials import CredentialStore
from desktop.sync.engine import SyncEngine, SyncOptions
from desktop.sync.errors import SyncError
from desktop.sync.transport import Transport


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _then_die(call: Callable[..., Any]) -> Callable[..., Any]:
    def call_then_die(*args: Any, **kwargs: Any) -> Any:
        call(*args, **kwargs)
        _die()

    return call_then_die


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replica", required=True)
    parser.add_argument("--server", required=True)
    parser.add_argument("--login", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--user-id", required=True)
    parser.add_argument("--die-at", choices=("write", "push-answered", "pull-page"), default=None)
    args = parser.parse_args()
    path = Path(args.replica)
    engine = open_replica(path)
    api = ApiClient(
        transport=Transport(base_url=args.server),
        credentials=CredentialStore(server_url=args.server, login=args.login),
        client_id=state.ensure_client_id(engine),
    )
    api.login(login=args.login, password=args.password)
    sync = SyncEngine(
        engine=engine,
        api=api,
        replica_path=path,
        options=SyncOptions(pull_limit=3, push_batch=2),
    )
    if args.die_at == "push-answered":
        api.push = _then_die(api.push)  # type: ignore[method-assign]
    if args.die_at == "pull-page":
        # Patched where the engine looks it up, so the kill lands inside `apply_page`'s
        # transaction, after the page's rows were written and before its commit.
        real_apply = getattr(engine_module, "apply_changes")  # noqa: B009
        setattr(engine_module, "apply_changes", _then_die(real_apply))  # noqa: B010
    print("ready", flush=True)
    while True:
        with engine.begin() as connection:
            customer_id = create_record(
                connection,
                entity="customer",
                fields={"name": f"崩溃测试 {uuid.uuid4().hex[:6]}", "owner_id": args.user_id},
            )
            if args.die_at == "write":
                print(f"dying-in-write {customer_id}", flush=True)
                _die()
            create_record(
                connection,
                entity="activity",
                fields={
                    "customer_id": customer_id,
                    "kind": "visit",
                    "occurred_at": "2026-11-23T09:30:00Z",
                    "subject": "first visit",
                },
            )
        print(f"wrote {customer_id}", flush=True)
        try:
            sync.sync_once()
        except SyncError as error:  # the parent reads this; the loop goes on like the app's
            print(f"sync failed: {error.message}", flush=True)


if __name__ == "__main__":
    main()
