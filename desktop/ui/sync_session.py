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
from desktop.sync.engine import SyncEngine, SyncOptions
from desktop.sync.loop import SyncLoop
from desktop.sync.session import connect, transport_config


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
    ca_bundle: str | Path | None = None,
) -> SyncSession:
    """The sync stack (`desktop.sync.session.connect`, the one way it is built: audit upload
    included) and its loop for `login` on `server_url`, not started. `ca_bundle` is the setting
    `sync.ca_bundle`. The refresh token, if one was saved, is read from the keyring on first use."""
    stack = connect(
        engine=replica,
        replica_path=replica_path,
        server_url=server_url,
        login=login,
        config=transport_config(ca_bundle=ca_bundle),
        options=options,
    )
    loop = SyncLoop(
        sync=stack.engine,
        inbox=stack.inbox,
        interval_seconds=interval_seconds,
        long_poll_seconds=long_poll_seconds,
    )
    return SyncSession(server_url, login, stack.api, stack.engine, loop)


def saved_session(
    *,
    replica: Engine,
    replica_path: Path | None,
    interval_seconds: float = 300.0,
    ca_bundle: str | Path | None = None,
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
        ca_bundle=ca_bundle,
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
    ca_bundle: str | Path | None = None,
    remember: bool = True,
) -> SignedIn:
    """Sign in (network and a small replica write): runs on a worker thread, raises SyncError.
    Without `remember` (the person's choice, or the firm's `privacy.remember_password` policy)
    the sign-in lasts this run only and any token saved before is removed from the keyring."""
    previous = state.get(replica, state.USER_ID)
    session = build_session(
        replica=replica,
        replica_path=replica_path,
        server_url=server_url,
        login=login,
        interval_seconds=interval_seconds,
        options=options,
        ca_bundle=ca_bundle,
    )
    if not remember:
        session.api.credentials.delete()
        session.api.credentials.storage = "session-only"
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
