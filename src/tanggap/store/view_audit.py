"""Has this case view been written to the audit log yet? (The key that makes a redelivered
CaseViewed one audit entry, not two.)"""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tanggap.store.audit_log import AUDIT_LOCK_KEY
from tanggap.store.tables import audit_events


def lock_audit_chain(session: Session) -> None:
    """Take the chain's lock before looking: two workers holding the same view then queue, and
    the second finds the first one's entry (SQLite: the write transaction holds it already)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})


def view_recorded(session: Session, case_id: str, view_id: str) -> bool:
    columns = audit_events.c
    payloads = session.scalars(select(columns.payload).where(
        columns.subject_type == "case", columns.subject_id == case_id, columns.kind == "case_viewed")
        .order_by(columns.seq.desc()))
    return any(payload.get("view_id") == view_id for payload in payloads)
