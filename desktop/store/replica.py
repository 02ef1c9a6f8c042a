"""Open (and bring up to date) the local replica file.

TODO(foundation): replace create_all with Alembic migrations run on start, with a backup copy
taken first and a refusal of files written by a newer version.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from desktop.store.engine import open_engine
from desktop.store.schema import metadata


def open_replica(path: Path) -> Engine:
    engine = open_engine(path)
    metadata.create_all(engine)
    return engine
