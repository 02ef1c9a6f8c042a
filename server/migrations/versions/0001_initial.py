"""The initial server schema, as it was first released.

Revision ID: 0001
Revises:

Spelled out table by table (not created from `server.schema`), so this revision creates the same
schema forever and every later change is a revision of its own. `tests/server/test_storage.py`
checks that the revisions together match `server.schema` exactly.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('deactivated_at', sa.Float(), nullable=True),
    sa.Column('drained_at', sa.Float(), nullable=True),
    sa.Column('handover_to', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_table('activity',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=40), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=True),
    sa.Column('occurred_at', sa.String(length=40), nullable=True),
    sa.Column('duration_min', sa.Integer(), nullable=True),
    sa.Column('place', sa.String(length=300), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('next_step', sa.Text(), nullable=True),
    sa.Column('done_by', sa.String(length=40), nullable=True),
    sa.Column('recorded_by', sa.String(length=40), nullable=True),
    sa.Column('amends_id', sa.String(length=40), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('field_versions', sa.Text(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.String(length=40), nullable=True),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_activity_customer_id', 'activity', ['customer_id'], unique=False)
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.String(length=40), nullable=False),
    sa.Column('actor_id', sa.String(length=36), nullable=True),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=True),
    sa.Column('entity_id', sa.String(length=36), nullable=True),
    sa.Column('customer_id', sa.String(length=36), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_audit_actor', 'audit_log', ['actor_id'], unique=False)
    op.create_index('ix_audit_customer', 'audit_log', ['customer_id'], unique=False)
    op.create_table('change_log',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=True),
    sa.Column('op', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=True),
    sa.Column('exit_owner_id', sa.String(length=36), nullable=True),
    sa.Column('exit_team_id', sa.String(length=36), nullable=True),
    sa.Column('for_user_id', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('seq')
    )
    op.create_index('ix_change_log_record', 'change_log', ['entity', 'entity_id'], unique=False)
    op.create_table('clients',
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=True),
    sa.Column('last_mutation_id', sa.BigInteger(), nullable=False),
    sa.Column('last_seen', sa.String(length=40), nullable=True),
    sa.Column('reset_below_seq', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('client_id')
    )
    op.create_table('conflict',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=40), nullable=True),
    sa.Column('entity', sa.String(length=40), nullable=True),
    sa.Column('entity_id', sa.String(length=40), nullable=True),
    sa.Column('field', sa.String(length=100), nullable=True),
    sa.Column('kept_value', sa.Text(), nullable=True),
    sa.Column('lost_value', sa.Text(), nullable=True),
    sa.Column('lost_by', sa.String(length=40), nullable=True),
    sa.Column('won_by', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.String(length=40), nullable=True),
    sa.Column('resolved', sa.Boolean(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('field_versions', sa.Text(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.String(length=40), nullable=True),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_conflict_customer_id', 'conflict', ['customer_id'], unique=False)
    op.create_table('contact',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=40), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('mobile', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('birthday', sa.String(length=40), nullable=True),
    sa.Column('buying_role', sa.String(length=40), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('field_versions', sa.Text(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.String(length=40), nullable=True),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_contact_customer_id', 'contact', ['customer_id'], unique=False)
    op.create_table('customer',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=True),
    sa.Column('account_type', sa.String(length=20), nullable=True),
    sa.Column('industry', sa.String(length=100), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('fax', sa.String(length=40), nullable=True),
    sa.Column('source', sa.String(length=40), nullable=True),
    sa.Column('owner_id', sa.String(length=40), nullable=True),
    sa.Column('team_id', sa.String(length=40), nullable=True),
    sa.Column('lifecycle', sa.String(length=40), nullable=True),
    sa.Column('tier', sa.String(length=40), nullable=True),
    sa.Column('value_label', sa.String(length=40), nullable=True),
    sa.Column('tags', sa.String(length=500), nullable=True),
    sa.Column('credit_notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.String(length=40), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('field_versions', sa.Text(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.String(length=40), nullable=True),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_customer_owner_id', 'customer', ['owner_id'], unique=False)
    op.create_index('ix_customer_team_id', 'customer', ['team_id'], unique=False)
    op.create_table('followup',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=40), nullable=True),
    sa.Column('activity_id', sa.String(length=40), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=True),
    sa.Column('due_at', sa.String(length=40), nullable=True),
    sa.Column('assignee_id', sa.String(length=40), nullable=True),
    sa.Column('priority', sa.String(length=10), nullable=True),
    sa.Column('done', sa.Boolean(), nullable=True),
    sa.Column('done_at', sa.String(length=40), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('field_versions', sa.Text(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.String(length=40), nullable=True),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_followup_customer_id', 'followup', ['customer_id'], unique=False)
    op.create_table('former_owners',
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('until', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('customer_id', 'user_id')
    )
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('login', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_login_failures_address', 'login_failures', ['address'], unique=False)
    op.create_index('ix_login_failures_login', 'login_failures', ['login'], unique=False)
    op.create_table('opportunity',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=40), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=True),
    sa.Column('amount', sa.Float(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('probability', sa.Float(), nullable=True),
    sa.Column('pipeline_id', sa.String(length=40), nullable=True),
    sa.Column('stage_id', sa.String(length=40), nullable=True),
    sa.Column('expected_close', sa.String(length=40), nullable=True),
    sa.Column('owner_id', sa.String(length=40), nullable=True),
    sa.Column('how_to_win', sa.Text(), nullable=True),
    sa.Column('competitors', sa.String(length=500), nullable=True),
    sa.Column('lost_reason', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=True),
    sa.Column('created_at', sa.String(length=40), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('field_versions', sa.Text(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.String(length=40), nullable=True),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_opportunity_customer_id', 'opportunity', ['customer_id'], unique=False)
    op.create_table('picklist',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=True),
    sa.Column('value', sa.String(length=100), nullable=True),
    sa.Column('label_en', sa.String(length=200), nullable=True),
    sa.Column('label_zh', sa.String(length=200), nullable=True),
    sa.Column('position', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('field_versions', sa.Text(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.String(length=40), nullable=True),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('pipeline',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('position', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('field_versions', sa.Text(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.String(length=40), nullable=True),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('server_meta',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('epoch', sa.String(length=64), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('tombstone_floor', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('stage',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('pipeline_id', sa.String(length=40), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('position', sa.Integer(), nullable=True),
    sa.Column('probability', sa.Float(), nullable=True),
    sa.Column('outcome', sa.String(length=10), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('field_versions', sa.Text(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.String(length=40), nullable=True),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('sync_error',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=40), nullable=True),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.Column('mutation_id', sa.Integer(), nullable=True),
    sa.Column('entity', sa.String(length=40), nullable=True),
    sa.Column('entity_id', sa.String(length=40), nullable=True),
    sa.Column('code', sa.String(length=60), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('rejected', sa.Text(), nullable=True),
    sa.Column('created_at', sa.String(length=40), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('field_versions', sa.Text(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.String(length=40), nullable=True),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('team',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('head_id', sa.String(length=40), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('field_versions', sa.Text(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.String(length=40), nullable=True),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('token_hash')
    )
    op.create_index('ix_tokens_user', 'tokens', ['user_id'], unique=False)
    op.create_table('user',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('login', sa.String(length=100), nullable=True),
    sa.Column('display_name', sa.String(length=200), nullable=True),
    sa.Column('role', sa.String(length=40), nullable=True),
    sa.Column('team_id', sa.String(length=40), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('field_versions', sa.Text(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.String(length=40), nullable=True),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('user')
    op.drop_index('ix_tokens_user', table_name='tokens')
    op.drop_table('tokens')
    op.drop_table('team')
    op.drop_table('sync_error')
    op.drop_table('stage')
    op.drop_table('server_meta')
    op.drop_table('pipeline')
    op.drop_table('picklist')
    op.drop_index('ix_opportunity_customer_id', table_name='opportunity')
    op.drop_table('opportunity')
    op.drop_index('ix_login_failures_login', table_name='login_failures')
    op.drop_index('ix_login_failures_address', table_name='login_failures')
    op.drop_table('login_failures')
    op.drop_table('former_owners')
    op.drop_index('ix_followup_customer_id', table_name='followup')
    op.drop_table('followup')
    op.drop_index('ix_customer_team_id', table_name='customer')
    op.drop_index('ix_customer_owner_id', table_name='customer')
    op.drop_table('customer')
    op.drop_index('ix_contact_customer_id', table_name='contact')
    op.drop_table('contact')
    op.drop_index('ix_conflict_customer_id', table_name='conflict')
    op.drop_table('conflict')
    op.drop_table('clients')
    op.drop_index('ix_change_log_record', table_name='change_log')
    op.drop_table('change_log')
    op.drop_index('ix_audit_customer', table_name='audit_log')
    op.drop_index('ix_audit_actor', table_name='audit_log')
    op.drop_table('audit_log')
    op.drop_index('ix_activity_customer_id', table_name='activity')
    op.drop_table('activity')
    op.drop_table('accounts')
