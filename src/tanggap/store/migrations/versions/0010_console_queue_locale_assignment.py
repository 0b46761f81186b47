"""console: keyset queue indexes, case assignment, the user's language preference

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

QUEUE_STATES = sa.text("state IN ('queued', 'in_review', 'escalated', 'pending_approval')")


def upgrade() -> None:
    # Indexes first: a batch table rebuild on SQLite would not carry an expression index over.
    op.drop_index('ix_cases_queue', table_name='cases', if_exists=True)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_to', sa.String(40), nullable=True))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(8), nullable=True))
    _create_queue_indexes()


def _create_queue_indexes() -> None:
    # The queue's two keyset orders (services/review.py): by deadline, then by risk for cases
    # without one. Each page starts where the last one ended, so page 500 reads as little as page 1.
    op.create_index('ix_cases_queue_deadline', 'cases',
                    ['deadline_due_at', sa.text('signal_strength DESC'), 'id'],
                    postgresql_where=sa.text(f"{QUEUE_STATES.text} AND deadline_due_at IS NOT NULL"))
    op.create_index('ix_cases_queue_risk', 'cases',
                    [sa.text('signal_strength DESC'), sa.text('(COALESCE(subscribers, 0)) DESC'), 'id'],
                    postgresql_where=sa.text(f"{QUEUE_STATES.text} AND deadline_due_at IS NULL"))
    # The counts per state: an index-only scan over what a moderator's filters read.
    op.create_index('ix_cases_state', 'cases', ['state', 'language', 'assigned_to'])


def downgrade() -> None:
    op.drop_index('ix_cases_state', table_name='cases', if_exists=True)
    op.drop_index('ix_cases_queue_risk', table_name='cases', if_exists=True)
    op.drop_index('ix_cases_queue_deadline', table_name='cases', if_exists=True)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locale')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('assigned_to')
    op.create_index('ix_cases_queue', 'cases',
                    [sa.text('(deadline_due_at IS NULL)'), 'deadline_due_at', 'severity',
                     sa.text('signal_strength DESC'), 'created_at'], postgresql_where=QUEUE_STATES)
