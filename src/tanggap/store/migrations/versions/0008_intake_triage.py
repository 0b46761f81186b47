"""intake triage: a human queue with its own clock for an authority's mail that is no order yet

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        # The shortest deadline the authority could mean (4 h for Indonesia, 1 h under TCO).
        batch_op.add_column(sa.Column('triage_due_at', sa.DateTime(timezone=True), nullable=True))
        # What the person who settled it wrote: the dismissal's reason, the correction made.
        batch_op.add_column(sa.Column('resolution', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_inbound_messages_triage_due_at', ['triage_due_at'])


def downgrade() -> None:
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_messages_triage_due_at')
        batch_op.drop_column('resolved_at')
        batch_op.drop_column('resolution')
        batch_op.drop_column('triage_due_at')
