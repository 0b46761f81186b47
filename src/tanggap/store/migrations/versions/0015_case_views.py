"""case views recorded on the audit log, keyed by view id

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    case_views = op.create_table(
        'case_views',
        sa.Column('view_id', sa.String(26), nullable=False),
        sa.Column('case_id', sa.String(26), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('view_id', name='pk_case_views'),
    )
    # Views already on the audit log keep their key, so a late redelivery is still one entry.
    audit = sa.table('audit_events', sa.column('at', sa.DateTime(timezone=True)), sa.column('kind', sa.String),
                     sa.column('subject_id', sa.String), sa.column('payload', sa.JSON))
    rows = op.get_bind().execute(sa.select(audit.c.subject_id, audit.c.at, audit.c.payload)
                                 .where(audit.c.kind == 'case_viewed'))
    seen: dict[str, dict] = {}
    for case_id, at, payload in rows:
        view_id = (payload or {}).get('view_id')
        if isinstance(view_id, str) and len(view_id) <= 26:
            seen.setdefault(view_id, {'view_id': view_id, 'case_id': case_id, 'recorded_at': at})
    if seen:
        op.bulk_insert(case_views, list(seen.values()))


def downgrade() -> None:
    op.drop_table('case_views')
