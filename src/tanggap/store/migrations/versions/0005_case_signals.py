"""case signals

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_signals',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('case_id', sa.String(length=26), nullable=False),
    sa.Column('source', sa.String(length=60), nullable=False),
    sa.Column('strength', sa.Float(), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_signals_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_signals'))
    )
    with op.batch_alter_table('case_signals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_signals_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('case_signals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_signals_case_id'))
    op.drop_table('case_signals')
