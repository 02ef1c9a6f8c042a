"""Alembic environment of the replica: runs on the connection handed over in `config.attributes`.

There is no alembic.ini: `desktop.store.replica.open_replica` builds the `Config` and passes the
connection, so the upgrade runs inside the transaction (and with the PRAGMAs) the app uses.
"""

from __future__ import annotations

from typing import Any

from alembic import context

from desktop.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run replica migrations through desktop.store.replica, not alembic.")


def _declared(obj: Any, _name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Leave out of autogenerate what schema.py does not declare but a revision created with raw
    SQL (the full-text search tables and their indexes), so it is never proposed for dropping."""
    if type_ == "table":
        return not (reflected and compare_to is None)
    if type_ == "index" and reflected:
        return obj.table.name in metadata.tables
    return True


# Batch mode: SQLite cannot ALTER most things in place, so Alembic copies the table instead.
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    include_object=_declared,
)
with context.begin_transaction():
    context.run_migrations()
