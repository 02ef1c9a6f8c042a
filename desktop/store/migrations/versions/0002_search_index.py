"""Search index: FTS5 tables for customers, contacts and activities, and the triggers that queue
every changed record for re-indexing.

The statements are written out literally (not imported from desktop.store.search_index) so this
revision keeps describing the same schema when the search code changes. Existing records are
queued, not indexed here: indexing needs pypinyin and the CJK spacing of the search code, and
the first search (or bulk apply) drains the queue.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

STATEMENTS = (
    'CREATE TABLE IF NOT EXISTS search_doc (doc INTEGER PRIMARY KEY, record_id TEXT NOT NULL)',
    'CREATE UNIQUE INDEX IF NOT EXISTS ix_search_doc_record ON search_doc (record_id)',
    'CREATE TABLE IF NOT EXISTS search_pending (record_id TEXT NOT NULL PRIMARY KEY, entity TEXT NOT NULL)',
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_party USING fts5(kind UNINDEXED, record_id UNINDEXED, customer_id UNINDEXED, name, pinyin, details, tokenize='unicode61 remove_diacritics 2', prefix='1 2')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_note USING fts5(record_id UNINDEXED, customer_id UNINDEXED, subject, body, tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS search_queue_customer_insert AFTER INSERT ON customer BEGIN INSERT OR REPLACE INTO search_pending (record_id, entity) VALUES (new.id, 'customer'); END",
    "CREATE TRIGGER IF NOT EXISTS search_queue_customer_update AFTER UPDATE OF name, phone, fax, email, website, address, tags ON customer BEGIN INSERT OR REPLACE INTO search_pending (record_id, entity) VALUES (new.id, 'customer'); END",
    "CREATE TRIGGER IF NOT EXISTS search_queue_customer_delete AFTER DELETE ON customer BEGIN INSERT OR REPLACE INTO search_pending (record_id, entity) VALUES (old.id, 'customer'); END",
    "CREATE TRIGGER IF NOT EXISTS search_queue_contact_insert AFTER INSERT ON contact BEGIN INSERT OR REPLACE INTO search_pending (record_id, entity) VALUES (new.id, 'contact'); END",
    "CREATE TRIGGER IF NOT EXISTS search_queue_contact_update AFTER UPDATE OF customer_id, name, title, phone, mobile, email, address ON contact BEGIN INSERT OR REPLACE INTO search_pending (record_id, entity) VALUES (new.id, 'contact'); END",
    "CREATE TRIGGER IF NOT EXISTS search_queue_contact_delete AFTER DELETE ON contact BEGIN INSERT OR REPLACE INTO search_pending (record_id, entity) VALUES (old.id, 'contact'); END",
    "CREATE TRIGGER IF NOT EXISTS search_queue_activity_insert AFTER INSERT ON activity BEGIN INSERT OR REPLACE INTO search_pending (record_id, entity) VALUES (new.id, 'activity'); END",
    "CREATE TRIGGER IF NOT EXISTS search_queue_activity_update AFTER UPDATE OF customer_id, subject, notes, outcome, next_step, place ON activity BEGIN INSERT OR REPLACE INTO search_pending (record_id, entity) VALUES (new.id, 'activity'); END",
    "CREATE TRIGGER IF NOT EXISTS search_queue_activity_delete AFTER DELETE ON activity BEGIN INSERT OR REPLACE INTO search_pending (record_id, entity) VALUES (old.id, 'activity'); END",
)
INDEXED_ENTITIES = ('customer', 'contact', 'activity')


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
    for entity in INDEXED_ENTITIES:
        op.execute(
            f"INSERT OR REPLACE INTO search_pending (record_id, entity) "
            f"SELECT id, '{entity}' FROM \"{entity}\""
        )


def downgrade() -> None:
    for entity in INDEXED_ENTITIES:
        for event in ('insert', 'update', 'delete'):
            op.execute(f'DROP TRIGGER IF EXISTS search_queue_{entity}_{event}')
    for table in ('search_note', 'search_party', 'search_pending', 'search_doc'):
        op.execute(f'DROP TABLE IF EXISTS {table}')
