"""queue and case-page indexes (from bench/console_latency.py at 100,000 open cases)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_cases_queue', 'cases',
                    [sa.text('(deadline_due_at IS NULL)'), 'deadline_due_at', 'severity', 'created_at'],
                    postgresql_where=sa.text("state IN ('queued', 'in_review', 'escalated', 'pending_approval')"))
    op.create_index('ix_cases_target_pattern', 'cases', ['target'],
                    postgresql_ops={'target': 'varchar_pattern_ops'})
    op.create_index('ix_decisions_decided_at', 'decisions', ['decided_at'])
    op.create_index('ix_orders_received_at', 'orders', ['received_at'])


def downgrade() -> None:
    op.drop_index('ix_orders_received_at', table_name='orders')
    op.drop_index('ix_decisions_decided_at', table_name='decisions')
    op.drop_index('ix_cases_target_pattern', table_name='cases')
    op.drop_index('ix_cases_queue', table_name='cases')
