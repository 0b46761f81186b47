"""server-side sessions, login failures, disabled users, reversal proposals

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'console_sessions',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.String(length=26), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('token_hash'),
    )
    op.create_index('ix_console_sessions_user_id', 'console_sessions', ['user_id'])
    op.create_table(
        'login_failures',
        sa.Column('id', sa.String(length=26), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_login_failures_name_at', 'login_failures', ['name', 'at'])
    op.create_index('ix_login_failures_address_at', 'login_failures', ['address', 'at'])
    # Plain columns only: SQLite's batch rebuild of `cases` would drop its expression index.
    op.add_column('cases', sa.Column('reversal_proposed_by', sa.String(length=26), nullable=True))
    op.add_column('cases', sa.Column('reversal_proposed_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('cases', sa.Column('reversal_reason', sa.Text(), nullable=True))
    op.add_column('cases', sa.Column('reversal_appeal_id', sa.String(length=26), nullable=True))


def downgrade() -> None:
    for column in ('reversal_appeal_id', 'reversal_reason', 'reversal_proposed_at', 'reversal_proposed_by'):
        op.drop_column('cases', column)
    op.drop_index('ix_login_failures_address_at', table_name='login_failures')
    op.drop_index('ix_login_failures_name_at', table_name='login_failures')
    op.drop_table('login_failures')
    op.drop_index('ix_console_sessions_user_id', table_name='console_sessions')
    op.drop_table('console_sessions')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('disabled_at')
