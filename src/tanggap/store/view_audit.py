"""Has this case view been written to the audit log yet? (The key that makes a redelivered
CaseViewed one audit entry, not two: take `audit_log.lock_audit_chain` before looking, and mark
the view in the transaction that writes its entry.)"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from tanggap.store.tables import case_views


def view_recorded(session: Session, view_id: str) -> bool:
    return session.scalar(select(case_views.c.view_id).where(case_views.c.view_id == view_id)) is not None


def mark_view_recorded(session: Session, view_id: str, case_id: str, at: datetime) -> None:
    session.execute(insert(case_views).values(view_id=view_id, case_id=case_id, recorded_at=at))
