"""The FastAPI application factory.

The app keeps no state of its own beyond its engine and settings (everything lives in the
database), so several processes may serve one PostgreSQL database side by side.
"""

from __future__ import annotations

import threading

from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

from protocol.messages import MAX_REQUEST_BYTES, SNAPSHOT_MEDIA_TYPE
from server.api import admin, audit_events, auth, sync
from server.config import ServerSettings
from server.db import default_database_url, init_database, open_engine
from server.errors import BodySizeLimit, install_error_handlers
from server.notify import ChangeNotifier
from server.services import Services
from server.snapshot_builds import SnapshotBuilds
from server.version import SERVER_VERSION

# Speed over ratio: a pull page is compressed once per request on the way out.
GZIP_LEVEL = 1
# Never compressed, whatever the client accepts: a snapshot of a large firm is over a gigabyte,
# which gzip would take minutes to compress while the client waits for its first byte.
UNCOMPRESSED_TYPES = (*DEFAULT_EXCLUDED_CONTENT_TYPES, SNAPSHOT_MEDIA_TYPE)


def create_app(
    *,
    database_url: str | None = None,
    engine: Engine | None = None,
    settings: ServerSettings | None = None,
    initialise: bool = True,
) -> FastAPI:
    """Build the app on `engine` (or a new one for `database_url`, default: the local SQLite
    file). `initialise` brings the schema up to date first (idempotent)."""
    if engine is None:
        engine = open_engine(database_url or default_database_url())
    if initialise:
        init_database(engine)
    settings = settings or ServerSettings()
    app = FastAPI(
        title="Fieldbook server",
        version=SERVER_VERSION,
        description="Sync, auth and administration for Fieldbook clients (see docs/wire.md).",
    )
    app.state.services = Services(
        engine=engine,
        settings=settings,
        notifier=ChangeNotifier(),
        push_slots=threading.BoundedSemaphore(settings.max_concurrent_pushes),
        snapshot_builds=SnapshotBuilds(),
    )
    install_error_handlers(app)
    app.add_middleware(
        GZipMiddleware,
        minimum_size=settings.gzip_minimum_bytes,
        compresslevel=GZIP_LEVEL,
        exclude_content_types=UNCOMPRESSED_TYPES,
    )
    app.add_middleware(BodySizeLimit, limit=MAX_REQUEST_BYTES)
    app.include_router(auth.router)
    app.include_router(sync.router)
    app.include_router(admin.router)
    app.include_router(audit_events.router)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        return {"status": "ok", "version": SERVER_VERSION}

    return app
