"""Has this case view been written to the audit log yet? (The key that makes a redelivered
CaseViewed one audit entry, not two: take `audit_log.lock_audit_chain` before looking.)"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tanggap.store.tables import audit_events


def view_recorded(session: Session, case_id: str, view_id: str) -> bool:
    columns = audit_events.c
    payloads = session.scalars(select(columns.payload).where(
        columns.subject_type == "case", columns.subject_id == case_id, columns.kind == "case_viewed")
        .order_by(columns.seq.desc()))
    return any(payload.get("view_id") == view_id for payload in payloads)
