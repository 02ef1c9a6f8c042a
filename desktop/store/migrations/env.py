"""Alembic environment of the replica: runs on the connection handed over in `config.attributes`.

There is no alembic.ini: `desktop.store.replica.open_replica` builds the `Config` and passes the
connection, so the upgrade runs inside the transaction (and with the PRAGMAs) the app uses.
"""

from __future__ import annotations

from alembic import context

from desktop.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run replica migrations through desktop.store.replica, not alembic.")

# Batch mode: SQLite cannot ALTER most things in place, so Alembic copies the table instead.
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
