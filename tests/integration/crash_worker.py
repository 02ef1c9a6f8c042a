"""A desktop client process for the kill -9 scenario: it writes and syncs in a loop until killed.

Run as `python -m tests.integration.crash_worker --replica FILE --server URL --login L`. Each local
change (a customer with its first visit, in ONE transaction) is reported on stdout as
`wrote <customer id>` only after its commit, so the parent knows which writes were promised to the
user. Pages are tiny so a kill lands mid-pull as often as mid-push or mid-write.
"""

from __future__ import annotations

import argparse
import uuid
from pathlib import Path

from desktop.store.changes import create_record
from desktop.store.replica import open_replica
from desktop.sync import state
from desktop.sync.api import ApiClient
from desktop.sync.credentials import CredentialStore
from desktop.sync.engine import SyncEngine, SyncOptions
from desktop.sync.errors import SyncError
from desktop.sync.transport import Transport


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replica", required=True)
    parser.add_argument("--server", required=True)
    parser.add_argument("--login", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--user-id", required=True)
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
    print("ready", flush=True)
    while True:
        with engine.begin() as connection:
            customer_id = create_record(
                connection,
                entity="customer",
                fields={"name": f"崩溃测试 {uuid.uuid4().hex[:6]}", "owner_id": args.user_id},
            )
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
