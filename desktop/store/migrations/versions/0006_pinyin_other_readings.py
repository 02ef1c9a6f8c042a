"""Re-index customers and contacts for search: names now also get tokens for the other
readings of their first Chinese character (曾 is found by `zeng` as well as `ceng`).

Nothing in the schema changes. Every customer and contact is queued for indexing, as the triggers
queue a changed row, and the queue is indexed at the start of the next search or pulled page
(`desktop.store.search_index`). A replica whose search index is still deferred builds it whole
later anyway; queueing there is harmless.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for entity in ('customer', 'contact'):
        op.execute(
            f"INSERT OR REPLACE INTO search_pending (record_id, entity) "
            f"SELECT id, '{entity}' FROM {entity}"
        )


def downgrade() -> None:
    pass  # the extra tokens do no harm to an older version's searches
