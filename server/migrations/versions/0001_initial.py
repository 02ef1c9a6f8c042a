"""The initial server schema.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from alembic import op

from server.schema import metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The first revision creates the tables as `server.schema` declares them today. A later
    # change to the schema (a new synced field, say) gets its own revision with op.add_column,
    # guarded by checkfirst-style inspection so a fresh database created here is not altered twice.
    metadata.create_all(bind=op.get_bind(), checkfirst=True)


def downgrade() -> None:
    metadata.drop_all(bind=op.get_bind())
