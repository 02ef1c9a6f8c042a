"""Building the sync pieces for one server and login, and signing in.

Qt-free on purpose (it runs on the network thread during sign-in): the composition root calls it,
and the main window hands the resulting loop to its `SyncController`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from desktop.sync import state
from desktop.sync.api import ApiClient
from desktop.sync.credentials import CredentialStore
from desktop.sync.engine import SyncEngine, SyncOptions
from desktop.sync.inbox import SyncInbox
from desktop.sync.loop import SyncLoop
from desktop.sync.transport import Transport


@dataclass(frozen=True)
class SyncSession:
    server_url: str
    login: str
    api: ApiClient
    engine: SyncEngine
    loop: SyncLoop


@dataclass(frozen=True)
class SignedIn:
    """What a successful sign-in tells the window (plain values for the UI thread)."""

    session: SyncSession
    user_id: str
    display_name: str
    role: str


def build_session(
    *,
    replica: Engine,
    replica_path: Path | None,
    server_url: str,
    login: str,
    interval_seconds: float = 300.0,
    long_poll_seconds: float = 25.0,
    options: SyncOptions | None = None,
) -> SyncSession:
    """The transport, API client, sync engine and loop for `login` on `server_url` (not started).
    The refresh token, if one was saved, is read from the keyring on first use."""
    client_id = state.ensure_client_id(replica)
    api = ApiClient(
        transport=Transport(base_url=server_url),
        credentials=CredentialStore(server_url=server_url, login=login),
        client_id=client_id,
    )
    engine = SyncEngine(engine=replica, api=api, replica_path=replica_path, options=options)
    loop = SyncLoop(
        sync=engine,
        inbox=SyncInbox(engine=replica),
        interval_seconds=interval_seconds,
        long_poll_seconds=long_poll_seconds,
    )
    return SyncSession(server_url, login, api, engine, loop)


def saved_session(
    *, replica: Engine, replica_path: Path | None, interval_seconds: float = 300.0
) -> SyncSession | None:
    """The session this replica last signed in with, or None if it never signed in."""
    server_url = state.get(replica, state.SERVER_URL)
    login = state.get(replica, state.LOGIN)
    if not server_url or not login:
        return None
    return build_session(
        replica=replica,
        replica_path=replica_path,
        server_url=server_url,
        login=login,
        interval_seconds=interval_seconds,
    )


def sign_in(
    *,
    replica: Engine,
    replica_path: Path | None,
    server_url: str,
    login: str,
    password: str,
    interval_seconds: float = 300.0,
    options: SyncOptions | None = None,
) -> SignedIn:
    """Sign in (network and a small replica write): runs on a worker thread, raises SyncError."""
    previous = state.get(replica, state.USER_ID)
    session = build_session(
        replica=replica,
        replica_path=replica_path,
        server_url=server_url,
        login=login,
        interval_seconds=interval_seconds,
        options=options,
    )
    pair = session.api.login(login=login, password=password)
    user_id = str(pair.user_id)
    if previous and previous != user_id:
        session.api.transport.close()
        raise PermissionError(
            "This computer's local copy belongs to another user; sign in as that user, or "
            "use another data folder for this login."
        )
    state.put(replica, server_url=server_url, login=login, user_id=user_id)
    return SignedIn(session, user_id, pair.display_name, pair.role)
