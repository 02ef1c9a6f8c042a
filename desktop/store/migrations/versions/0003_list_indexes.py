"""Customer list and follow-up indexes.

The customer list pages by (name, id) within a filter; with these indexes a page deep in a large
list, and the list's count, read one index instead of looking up every skipped row in the table.
They replace ix_customer_archived_name, which lacked the id. Generated with autogenerate, then
reviewed (autogenerate also proposed dropping the full-text tables of 0002: they are not declared
in schema.py, and are kept).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

CUSTOMER_LIST_FILTERS = ('owner_id', 'team_id', 'tier', 'lifecycle')


def upgrade() -> None:
    # Replicas made before migrations existed (stamped 0001) never had this index.
    op.drop_index('ix_customer_archived_name', table_name='customer', if_exists=True)
    op.create_index('ix_customer_list', 'customer', ['archived', 'name', 'id'])
    for column in CUSTOMER_LIST_FILTERS:
        op.create_index(
            f'ix_customer_list_{column}', 'customer', [column, 'archived', 'name', 'id']
        )
    op.create_index('ix_followup_assignee_due', 'followup', ['assignee_id', 'due_at'])


def downgrade() -> None:
    op.drop_index('ix_followup_assignee_due', table_name='followup')
    for column in CUSTOMER_LIST_FILTERS:
        op.drop_index(f'ix_customer_list_{column}', table_name='customer')
    op.drop_index('ix_customer_list', table_name='customer')
    op.create_index('ix_customer_archived_name', 'customer', ['archived', 'name'])
