"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('api_keys',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('owner_type', sa.String(length=20), nullable=False),
    sa.Column('owner_id', sa.String(length=26), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash'))
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_keys_owner_id'), ['owner_id'], unique=False)

    op.create_table('audit_events',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('subject_type', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.String(length=60), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_subject', ['subject_type', 'subject_id'], unique=False)

    op.create_table('authorities',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('jurisdiction', sa.String(length=8), nullable=False),
    sa.Column('email_domains', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
        nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_authorities')),
    sa.UniqueConstraint('name', name=op.f('uq_authorities_name'))
    )
    op.create_table('cases',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('target', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.Enum('channel', 'post', 'private_post', 'invite', name='targetkind', native_enum=False,
        length=20), nullable=False),
    sa.Column('state', sa.Enum('new', 'queued', 'in_review', 'escalated', 'decided', 'actioned', 'closed', 'appealed',
        'upheld', 'reversed', name='casestate', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deadline_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deadline_basis', sa.String(length=100), nullable=True),
    sa.Column('category', sa.String(length=40), nullable=True),
    sa.Column('severity', sa.Integer(), nullable=True),
    sa.Column('source', sa.Enum('order', 'report', 'proactive', name='source', native_enum=False, length=20),
        nullable=True),
    sa.Column('actioned_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('target', name=op.f('uq_cases_target'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_state_deadline', ['state', 'deadline_due_at'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.Enum('moderator', 'senior', 'admin', 'auditor', 'liaison', name='role', native_enum=False,
        length=20), nullable=False),
    sa.Column('languages', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
        nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('name', name=op.f('uq_users_name'))
    )
    op.create_table('decisions',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('case_id', sa.String(length=26), nullable=False),
    sa.Column('action', sa.Enum('block', 'remove_post', 'restrict', 'no_action', 'unblock', name='action',
        native_enum=False, length=20), nullable=False),
    sa.Column('scope', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=26), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_decisions_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_case_id'), ['case_id'], unique=False)

    op.create_table('orders',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('authority_id', sa.String(length=26), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=True),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('jurisdiction', sa.String(length=8), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deadline_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deadline_basis', sa.String(length=100), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('rejected', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
        nullable=False),
    sa.Column('raw_evidence', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['authority_id'], ['authorities.id'], name=op.f('fk_orders_authority_id_authorities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    sa.UniqueConstraint('authority_id', 'reference', name='uq_orders_authority_reference')
    )
    op.create_table('reports',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('case_id', sa.String(length=26), nullable=False),
    sa.Column('target', sa.String(length=300), nullable=False),
    sa.Column('reporter', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('trusted_flagger', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_reports_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports'))
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reports_case_id'), ['case_id'], unique=False)

    op.create_table('enforcements',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('case_id', sa.String(length=26), nullable=False),
    sa.Column('decision_id', sa.String(length=26), nullable=False),
    sa.Column('action', sa.Enum('block', 'remove_post', 'restrict', 'no_action', 'unblock', name='action',
        native_enum=False, length=20), nullable=False),
    sa.Column('scope', sa.JSON(), nullable=False),
    sa.Column('target', sa.String(length=300), nullable=False),
    sa.Column('idempotency_key', sa.String(length=120), nullable=False),
    sa.Column('status', sa.Enum('pending', 'confirmed', 'failed', name='enforcementstatus', native_enum=False,
        length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('platform_reference', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_enforcements_case_id_cases')),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_enforcements_decision_id_decisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enforcements')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_enforcements_idempotency_key'))
    )
    with op.batch_alter_table('enforcements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enforcements_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enforcements_status'), ['status'], unique=False)

    op.create_table('order_targets',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('order_id', sa.String(length=26), nullable=False),
    sa.Column('case_id', sa.String(length=26), nullable=False),
    sa.Column('target', sa.String(length=300), nullable=False),
    sa.Column('spelling', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_order_targets_case_id_cases')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_targets_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_targets')),
    sa.UniqueConstraint('order_id', 'target', name='uq_order_targets_order_target')
    )
    with op.batch_alter_table('order_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_targets_case_id'), ['case_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('order_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_targets_case_id'))

    op.drop_table('order_targets')
    with op.batch_alter_table('enforcements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enforcements_status'))
        batch_op.drop_index(batch_op.f('ix_enforcements_case_id'))

    op.drop_table('enforcements')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reports_case_id'))

    op.drop_table('reports')
    op.drop_table('orders')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_case_id'))

    op.drop_table('decisions')
    op.drop_table('users')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_state_deadline')

    op.drop_table('cases')
    op.drop_table('authorities')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_subject')

    op.drop_table('audit_events')
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_keys_owner_id'))

    op.drop_table('api_keys')

