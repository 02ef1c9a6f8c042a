"""Tag index: one row per (customer, tag), kept current by triggers, so the tag filter of the
customer list reads an index instead of scanning every customer's comma-separated tags.

Each row also carries the customer's `archived` flag and `name`, so the filter's count and its
pages by name read one range of `ix_customer_tag_list` (like the other list filters' covering
indexes in 0003) instead of looking every tagged customer up by id.

Tags stay one synced text column on `customer` ("a,b,c"; the wire is unchanged); `customer_tag`
is local only. Triggers rather than Python code maintain it, so every writer keeps it right: the
unit of work, the bulk apply of pulled pages (INSERT OR REPLACE), and this migration's fill.
Splitting follows `desktop.domain.records.split_tags`: on commas, empty parts dropped, no trimming.
A later revision that rebuilds `customer` (batch mode copies the table and drops the old one)
drops these triggers with it and must create them again.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# The tags of the row `new` as rows (tag): a recursive split on commas, since SQLite has no
# split function and a Python one would be missing in any other program that writes the file.
_SPLIT_NEW_TAGS = """
    SELECT tag FROM (
        WITH RECURSIVE parts(tag, rest) AS (
            SELECT '', coalesce(new.tags, '') || ','
            UNION ALL
            SELECT substr(rest, 1, instr(rest, ',') - 1), substr(rest, instr(rest, ',') + 1)
            FROM parts WHERE rest <> ''
        )
        SELECT tag FROM parts WHERE tag <> ''
    )
"""

# Insert also clears: the bulk apply writes with INSERT OR REPLACE, whose implicit delete fires
# no delete trigger (recursive_triggers is off), so the old row's tags must go here.
_REINDEX_NEW = f"""
    DELETE FROM customer_tag WHERE customer_id = new.id;
    INSERT OR IGNORE INTO customer_tag (customer_id, tag, archived, name)
    SELECT new.id, tag, new.archived, new.name FROM ({_SPLIT_NEW_TAGS});
"""

TRIGGERS = {
    'customer_tag_insert': f'AFTER INSERT ON customer BEGIN {_REINDEX_NEW} END',
    'customer_tag_update': (
        f'AFTER UPDATE OF id, name, archived, tags ON customer BEGIN {_REINDEX_NEW} END'
    ),
    'customer_tag_delete': (
        'AFTER DELETE ON customer BEGIN '
        'DELETE FROM customer_tag WHERE customer_id = old.id; END'
    ),
}

# Fills the index for the customers already in the file, with the same split as the triggers.
_FILL = """
    WITH RECURSIVE parts(customer_id, archived, name, tag, rest) AS (
        SELECT id, archived, name, '', tags || ',' FROM customer WHERE coalesce(tags, '') <> ''
        UNION ALL
        SELECT customer_id, archived, name, substr(rest, 1, instr(rest, ',') - 1),
               substr(rest, instr(rest, ',') + 1)
        FROM parts WHERE rest <> ''
    )
    INSERT OR IGNORE INTO customer_tag (customer_id, tag, archived, name)
    SELECT customer_id, tag, archived, name FROM parts WHERE tag <> ''
"""


def upgrade() -> None:
    op.create_table(
        'customer_tag',
        sa.Column('customer_id', sa.String(length=40), primary_key=True),
        sa.Column('tag', sa.Text(), primary_key=True),
        sa.Column('archived', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=300), nullable=True),
        sqlite_with_rowid=False,  # the key is the row: no separate rowid b-tree to keep
    )
    op.create_index(
        'ix_customer_tag_list', 'customer_tag', ['tag', 'archived', 'name', 'customer_id']
    )
    for name, body in TRIGGERS.items():
        op.execute(f'CREATE TRIGGER {name} {body}')
    op.execute(_FILL)


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f'DROP TRIGGER IF EXISTS {name}')
    op.drop_index('ix_customer_tag_list', table_name='customer_tag')
    op.drop_table('customer_tag')
