"""Indexes for sorting the customer list by industry, tier, lifecycle or creation time.

Without them a page of a 100,000-row list sorted by such a column read and sorted the whole
table; with them a page reads one index. Written by hand (same statements as autogenerate).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

SORT_COLUMNS = ('industry', 'tier', 'lifecycle', 'created_at')


def upgrade() -> None:
    for column in SORT_COLUMNS:
        op.create_index(f'ix_customer_sort_{column}', 'customer', ['archived', column, 'id'])


def downgrade() -> None:
    for column in SORT_COLUMNS:
        op.drop_index(f'ix_customer_sort_{column}', table_name='customer')
