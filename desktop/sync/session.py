"""Building the sync stack for one replica: transport, credentials, API client and engine.

The composition root (the app, the CLI) calls `connect` once and passes the result down; nothing
here is global. The server address and login live in the replica's `sync_state` (they are not
secrets); the refresh token lives in the keyring (`CredentialStore`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from desktop.sync import state
from desktop.sync.api import ApiClient
from desktop.sync.audit_upload import AuditUpload
from desktop.sync.credentials import CredentialStore
from desktop.sync.engine import SyncEngine, SyncOptions
from desktop.sync.errors import NotSignedIn, SyncError
from desktop.sync.faults import FaultInjector
from desktop.sync.inbox import SyncInbox
from desktop.sync.transport import Transport, TransportConfig


@dataclass(frozen=True)
class SyncStack:
    api: ApiClient
    engine: SyncEngine
    inbox: SyncInbox

    def close(self) -> None:
        self.api.transport.close()


def transport_config(*, ca_bundle: str | Path | None) -> TransportConfig:
    """The transport settings from the `sync.ca_bundle` setting (empty: the system's CAs).

    A bundle that is not there is refused here, by name, rather than by the TLS library's
    generic error at the first request.
    """
    if not ca_bundle:
        return TransportConfig()
    path = Path(ca_bundle).expanduser()
    if not path.is_file():
        raise SyncError(
            f"The CA bundle in the setting sync.ca_bundle was not found: {path}. "
            "Ask your IT department for the right path, or clear the setting."
        )
    return TransportConfig(ca_bundle=path)


def connect(
    *,
    engine: Engine,
    replica_path: Path | None,
    server_url: str | None = None,
    login: str | None = None,
    config: TransportConfig | None = None,
    options: SyncOptions | None = None,
    faults: FaultInjector | None = None,
) -> SyncStack:
    """The stack for this replica. `server_url` and `login` default to the ones stored at the
    last sign-in; without either, `NotSignedIn` says what to do."""
    server_url = server_url or state.get(engine, state.SERVER_URL)
    login = login or state.get(engine, state.LOGIN)
    if not server_url or not login:
        raise NotSignedIn(
            "This computer is not signed in to a Fieldbook server yet: "
            "run `fieldbook login --server URL --user LOGIN` (or sign in from the app)."
        )
    try:
        transport = Transport(base_url=server_url, config=config, faults=faults)
    except ValueError as error:  # a mistyped address: say so plainly
        raise SyncError(str(error)) from error
    api = ApiClient(
        transport=transport,
        credentials=CredentialStore(server_url=server_url, login=login),
        client_id=state.ensure_client_id(engine),
    )
    # Queued export / print events go to the audit log after each sync and before a wipe.
    audit = AuditUpload(api=api, engine=engine)
    sync = SyncEngine(
        engine=engine,
        api=api,
        replica_path=replica_path,
        options=options,
        before_wipe=audit.before_wipe,
        after_sync=audit.after_sync,
    )
    return SyncStack(api=api, engine=sync, inbox=SyncInbox(engine=engine))


def sign_in(stack: SyncStack, *, engine: Engine, login: str, password: str) -> str:
    """Sign in with a password; remembers server, login and user id. Returns the user id.

    A replica belongs to one login on one server: signing in as someone else into the same data
    folder is refused, so nobody's unsynced changes are pushed under another person's name.
    """
    known = (state.get(engine, state.SERVER_URL), state.get(engine, state.LOGIN))
    wanted = (stack.api.transport.base_url, login)
    if known[0] and known[1] and known != wanted:
        raise SyncError(
            f"This data folder holds the copy of {known[1]} on {known[0]}. "
            f"Use another data folder to sign in as {login} on {wanted[0]}."
        )
    pair = stack.api.login(login=login, password=password)
    state.put(
        engine,
        server_url=stack.api.transport.base_url,
        login=login,
        user_id=str(pair.user_id),
    )
    return str(pair.user_id)
