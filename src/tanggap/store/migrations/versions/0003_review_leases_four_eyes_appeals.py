"""review: leases, four-eyes, appeals

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('appeals',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('case_id', sa.String(length=26), nullable=False),
    sa.Column('decision_id', sa.String(length=26), nullable=False),
    sa.Column('appellant', sa.String(length=200), nullable=False),
    sa.Column('contact', sa.String(length=320), nullable=True),
    sa.Column('grounds', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('open', 'upheld', 'reversed', name='appealstatus', native_enum=False, length=20),
        nullable=False),
    sa.Column('reviewed_by', sa.String(length=26), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_appeals_case_id_cases')),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_appeals_decision_id_decisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeals'))
    )
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeals_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeals_status'), ['status'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('subscribers', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=26), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_code', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('status', sa.Enum('effective', 'proposed', 'rejected', 'reversed',
            name='decisionstatus', native_enum=False, length=20), server_default='effective', nullable=False))
        batch_op.add_column(sa.Column('approval_rule', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('approved_by', sa.String(length=26), nullable=True))
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reversals_notified', sa.Integer(), server_default='0', nullable=False))




def downgrade() -> None:

    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_column('reversals_notified')

    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_column('approved_at')
        batch_op.drop_column('approved_by')
        batch_op.drop_column('approval_rule')
        batch_op.drop_column('status')
        batch_op.drop_column('reason_code')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('lease_until')
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('subscribers')
        batch_op.drop_column('language')

    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeals_status'))
        batch_op.drop_index(batch_op.f('ix_appeals_case_id'))

    op.drop_table('appeals')

