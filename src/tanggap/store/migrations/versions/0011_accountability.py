"""accountability: statements of reasons delivered and told to owners, publications, evidence snapshots, legal holds

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sor_deliveries',
        sa.Column('puid', sa.String(length=500), nullable=False),
        sa.Column('decision_id', sa.String(length=26), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.Column('endpoint', sa.String(length=500), nullable=False),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('puid', name=op.f('pk_sor_deliveries')),
    )
    op.create_index(op.f('ix_sor_deliveries_decision_id'), 'sor_deliveries', ['decision_id'])
    op.create_table(
        'publications',
        sa.Column('id', sa.String(length=26), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('destination', sa.String(length=200), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('reference', sa.String(length=200), nullable=True),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('posted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_publications')),
        sa.UniqueConstraint('day', 'destination', name='uq_publications_day_destination'),
    )
    op.create_table(
        'evidence_snapshots',
        sa.Column('id', sa.String(length=26), nullable=False),
        sa.Column('case_id', sa.String(length=26), nullable=False),
        sa.Column('decision_id', sa.String(length=26), nullable=False),
        sa.Column('evidence_sha256', sa.String(length=64), nullable=True),
        sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('retain_until', sa.DateTime(timezone=True), nullable=False),
        sa.Column('items', sa.Integer(), nullable=False),
        sa.Column('expired_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_evidence_snapshots_case_id_cases')),
        sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'],
                                name=op.f('fk_evidence_snapshots_decision_id_decisions')),
        sa.ForeignKeyConstraint(['evidence_sha256'], ['evidence.sha256'],
                                name=op.f('fk_evidence_snapshots_evidence_sha256_evidence')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_snapshots')),
        sa.UniqueConstraint('decision_id', name=op.f('uq_evidence_snapshots_decision_id')),
    )
    op.create_index(op.f('ix_evidence_snapshots_case_id'), 'evidence_snapshots', ['case_id'])
    op.create_table(
        'legal_holds',
        sa.Column('id', sa.String(length=26), nullable=False),
        sa.Column('case_id', sa.String(length=26), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('set_by', sa.String(length=100), nullable=False),
        sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('released_by', sa.String(length=100), nullable=True),
        sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_legal_holds_case_id_cases')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_holds')),
    )
    op.create_index(op.f('ix_legal_holds_case_id'), 'legal_holds', ['case_id'])
    op.create_table(
        'statement_notices',
        sa.Column('puid', sa.String(length=500), nullable=False),
        sa.Column('case_id', sa.String(length=26), nullable=False),
        sa.Column('reference', sa.String(length=200), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('puid', name=op.f('pk_statement_notices')),
    )
    op.create_index(op.f('ix_statement_notices_case_id'), 'statement_notices', ['case_id'])


def downgrade() -> None:
    op.drop_table('statement_notices')
    op.drop_table('legal_holds')
    op.drop_table('evidence_snapshots')
    op.drop_table('publications')
    op.drop_table('sor_deliveries')
