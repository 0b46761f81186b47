"""transactional outbox and the post stream's idempotency records

Revision ID: 0014
Revises: 0011
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa

from sqlalchemy.dialects import postgresql

JsonColumn = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def UTCDateTime():
    return sa.DateTime(timezone=True)

revision = '0014'
down_revision = '0011'
branch_labels = None
depends_on = None

PENDING = sa.text("done_at IS NULL AND dead_at IS NULL")
UNRELAYED = sa.text("relayed_at IS NULL")


def upgrade() -> None:
    op.create_table(
        'outbox',
        sa.Column('id', sa.String(26), nullable=False),
        sa.Column('subject', sa.String(80), nullable=False),
        sa.Column('payload', JsonColumn, nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('available_at', UTCDateTime(), nullable=False),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('claimed_by', sa.String(80)),
        sa.Column('claimed_until', UTCDateTime()),
        sa.Column('relayed_at', UTCDateTime()),
        sa.Column('done_at', UTCDateTime()),
        sa.Column('dead_at', UTCDateTime()),
        sa.Column('last_error', sa.Text()),
        sa.PrimaryKeyConstraint('id', name='pk_outbox'),
    )
    op.create_index('ix_outbox_pending', 'outbox', ['available_at', 'id'],
                    postgresql_where=PENDING, sqlite_where=PENDING)
    op.create_index('ix_outbox_unrelayed', 'outbox', ['id'],
                    postgresql_where=UNRELAYED, sqlite_where=UNRELAYED)
    op.create_table(
        'scanned_posts',
        sa.Column('id', sa.String(26), nullable=False),
        sa.Column('platform', sa.String(40), nullable=False),
        sa.Column('post_id', sa.String(120), nullable=False),
        sa.Column('content_hash', sa.String(64), nullable=False),
        sa.Column('channel', sa.String(200), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('terms', JsonColumn, nullable=False),
        sa.Column('hash_matches', sa.Integer(), server_default='0', nullable=False),
        sa.Column('scanned_at', UTCDateTime(), nullable=False),
        sa.Column('worker', sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_scanned_posts'),
        sa.UniqueConstraint('platform', 'channel', 'post_id', 'content_hash', name='uq_scanned_posts_key'),
    )
    op.create_index('ix_scanned_posts_channel', 'scanned_posts', ['platform', 'channel', 'score'])
    op.create_table(
        'stream_channels',
        sa.Column('platform', sa.String(40), nullable=False),
        sa.Column('channel', sa.String(200), nullable=False),
        sa.Column('posts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('risk', sa.Float(), server_default='0', nullable=False),
        sa.Column('case_id', sa.String(26)),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('platform', 'channel', name='pk_stream_channels'),
    )


def downgrade() -> None:
    op.drop_table('stream_channels')
    op.drop_index('ix_scanned_posts_channel', table_name='scanned_posts')
    op.drop_table('scanned_posts')
    op.drop_index('ix_outbox_unrelayed', table_name='outbox')
    op.drop_index('ix_outbox_pending', table_name='outbox')
    op.drop_table('outbox')
