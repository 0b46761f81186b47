"""intake evidence and order revisions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('evidence',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retain_until', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_evidence'))
    )
    op.create_table('mailbox_state',
    sa.Column('mailbox', sa.String(length=300), nullable=False),
    sa.Column('uidvalidity', sa.BigInteger(), nullable=False),
    sa.Column('last_uid', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('mailbox', name=op.f('pk_mailbox_state'))
    )
    op.create_table('inbound_messages',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('evidence_sha256', sa.String(length=64), nullable=False),
    sa.Column('dedupe_key', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('message_id', sa.String(length=998), nullable=True),
    sa.Column('sender', sa.String(length=320), nullable=True),
    sa.Column('subject', sa.Text(), nullable=True),
    sa.Column('warnings', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
        nullable=False),
    sa.Column('authority_id', sa.String(length=26), nullable=True),
    sa.Column('order_id', sa.String(length=26), nullable=True),
    sa.Column('ack_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('final_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by', sa.String(length=60), nullable=True),
    sa.ForeignKeyConstraint(['authority_id'], ['authorities.id'],
        name=op.f('fk_inbound_messages_authority_id_authorities')),
    sa.ForeignKeyConstraint(['evidence_sha256'], ['evidence.sha256'],
        name=op.f('fk_inbound_messages_evidence_sha256_evidence')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_inbound_messages_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_messages')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_inbound_messages_dedupe_key'))
    )
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_messages_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_messages_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_messages_state'), ['state'], unique=False)

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='1', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_orders_authority_reference'), type_='unique')
        batch_op.create_unique_constraint('uq_orders_authority_reference', ['authority_id', 'reference', 'revision'])




def downgrade() -> None:

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint('uq_orders_authority_reference', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_orders_authority_reference'), ['authority_id', 'reference'])
        batch_op.drop_column('revision')

    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_messages_state'))
        batch_op.drop_index(batch_op.f('ix_inbound_messages_received_at'))
        batch_op.drop_index(batch_op.f('ix_inbound_messages_order_id'))

    op.drop_table('inbound_messages')
    op.drop_table('mailbox_state')
    op.drop_table('evidence')

