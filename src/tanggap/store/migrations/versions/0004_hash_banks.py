"""hash banks: banks, entries, list imports, the flood window

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('hash_banks',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('positive', 'negative', name='bankkind', native_enum=False, length=20), nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hash_banks')),
    sa.UniqueConstraint('name', name=op.f('uq_hash_banks_name'))
    )
    op.create_table('hash_list_imports',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('bank_id', sa.String(length=26), nullable=False),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=True),
    sa.Column('evidence_sha256', sa.String(length=64), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_by', sa.String(length=100), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('added', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('withdrawn', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('rejects', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('notes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['bank_id'], ['hash_banks.id'], name=op.f('fk_hash_list_imports_bank_id_hash_banks')),
    sa.ForeignKeyConstraint(['evidence_sha256'], ['evidence.sha256'],
        name=op.f('fk_hash_list_imports_evidence_sha256_evidence')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hash_list_imports'))
    )
    with op.batch_alter_table('hash_list_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hash_list_imports_bank_id'), ['bank_id'], unique=False)

    op.create_table('hash_bank_entries',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('bank_id', sa.String(length=26), nullable=False),
    sa.Column('signal_type', sa.String(length=20), nullable=False),
    sa.Column('hash_value', sa.String(length=64), nullable=False),
    sa.Column('labels', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('import_id', sa.String(length=26), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('match_count', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('last_matched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('suspended', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('suspended_reason', sa.Text(), nullable=True),
    sa.Column('suspended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['bank_id'], ['hash_banks.id'], name=op.f('fk_hash_bank_entries_bank_id_hash_banks')),
    sa.ForeignKeyConstraint(['import_id'], ['hash_list_imports.id'],
        name=op.f('fk_hash_bank_entries_import_id_hash_list_imports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hash_bank_entries')),
    sa.UniqueConstraint('bank_id', 'signal_type', 'hash_value', name='uq_hash_bank_entries_bank_hash')
    )
    with op.batch_alter_table('hash_bank_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hash_bank_entries_bank_id'), ['bank_id'], unique=False)

    op.create_table('hash_entry_hits',
    sa.Column('entry_id', sa.String(length=26), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('item_id', sa.String(length=300), nullable=False),
    sa.Column('matched_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['hash_bank_entries.id'],
        name=op.f('fk_hash_entry_hits_entry_id_hash_bank_entries')),
    sa.PrimaryKeyConstraint('entry_id', 'content_sha256', name='pk_hash_entry_hits')
    )




def downgrade() -> None:

    op.drop_table('hash_entry_hits')
    with op.batch_alter_table('hash_bank_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hash_bank_entries_bank_id'))

    op.drop_table('hash_bank_entries')
    with op.batch_alter_table('hash_list_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hash_list_imports_bank_id'))

    op.drop_table('hash_list_imports')
    op.drop_table('hash_banks')
