"""case signal strength in the queue order

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

QUEUE_STATES = sa.text("state IN ('queued', 'in_review', 'escalated', 'pending_approval')")


def upgrade() -> None:
    # Index first: a batch table rebuild on SQLite would not carry an expression index over.
    op.drop_index('ix_cases_queue', table_name='cases', if_exists=True)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signal_strength', sa.Float(), server_default='0', nullable=False))
    op.create_index('ix_cases_queue', 'cases',
                    [sa.text('(deadline_due_at IS NULL)'), 'deadline_due_at', 'severity',
                     sa.text('signal_strength DESC'), 'created_at'], postgresql_where=QUEUE_STATES)


def downgrade() -> None:
    op.drop_index('ix_cases_queue', table_name='cases', if_exists=True)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('signal_strength')
    op.create_index('ix_cases_queue', 'cases',
                    [sa.text('(deadline_due_at IS NULL)'), 'deadline_due_at', 'severity', 'created_at'],
                    postgresql_where=QUEUE_STATES)
