"""Evidence snapshots and legal holds: the SQL behind `services.evidence`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tanggap.domain.clock import as_utc
from tanggap.domain.model import new_id
from tanggap.store.accountability_tables import evidence_snapshots, legal_holds
from tanggap.store.engine import rows_changed
from tanggap.store.tables import evidence, inbound_messages, orders


def put_blob(session: Session, content: bytes, now: datetime, retain_until: datetime) -> str:
    """Store bytes under their SHA-256 (once); keep them at least until `retain_until`."""
    sha256 = hashlib.sha256(content).hexdigest()
    current = session.scalar(select(evidence.c.retain_until).where(evidence.c.sha256 == sha256))
    if current is not None:
        if as_utc(current) < retain_until:
            session.execute(update(evidence).where(evidence.c.sha256 == sha256).values(retain_until=retain_until))
        return sha256
    try:
        with session.begin_nested():
            session.execute(evidence.insert().values(sha256=sha256, content=content, size=len(content),
                                                     first_seen_at=now, retain_until=retain_until))
    except IntegrityError:
        pass  # the same bytes stored meanwhile by someone else: same address
    return sha256


def blob(session: Session, sha256: str) -> bytes | None:
    content = session.scalar(select(evidence.c.content).where(evidence.c.sha256 == sha256))
    return bytes(content) if content is not None else None


@dataclass(frozen=True)
class SnapshotRow:
    id: str
    case_id: str
    decision_id: str
    evidence_sha256: str | None
    taken_at: datetime
    retain_until: datetime
    items: int
    expired_at: datetime | None


def _row(row) -> SnapshotRow:
    return SnapshotRow(row.id, row.case_id, row.decision_id, row.evidence_sha256, as_utc(row.taken_at),
                       as_utc(row.retain_until), row.items, as_utc(row.expired_at) if row.expired_at else None)


def add_snapshot(session: Session, case_id: str, decision_id: str, sha256: str, taken_at: datetime,
                 retain_until: datetime, items: int) -> bool:
    """One snapshot per decision: False when it was already taken (a repeat changes nothing)."""
    try:
        with session.begin_nested():
            session.execute(evidence_snapshots.insert().values(
                id=new_id(), case_id=case_id, decision_id=decision_id, evidence_sha256=sha256,
                taken_at=taken_at, retain_until=retain_until, items=items))
        return True
    except IntegrityError:
        return False


def snapshot_for_decision(session: Session, decision_id: str) -> SnapshotRow | None:
    row = session.execute(select(evidence_snapshots).where(evidence_snapshots.c.decision_id == decision_id)).first()
    return _row(row) if row else None


def snapshots_for_case(session: Session, case_id: str) -> list[SnapshotRow]:
    rows = session.execute(select(evidence_snapshots).where(evidence_snapshots.c.case_id == case_id)
                           .order_by(evidence_snapshots.c.taken_at.desc())).all()
    return [_row(row) for row in rows]


def snapshots_by_decision(session: Session, decision_ids: list[str]) -> dict[str, SnapshotRow]:
    found: dict[str, SnapshotRow] = {}
    for start in range(0, len(decision_ids), 500):
        for row in session.execute(select(evidence_snapshots).where(
                evidence_snapshots.c.decision_id.in_(decision_ids[start:start + 500]))):
            found[row.decision_id] = _row(row)
    return found


def due_for_expiry(session: Session, now: datetime) -> list[SnapshotRow]:
    """Snapshots past their retention whose case has no legal hold in force."""
    held = exists().where(legal_holds.c.case_id == evidence_snapshots.c.case_id, legal_holds.c.released_at.is_(None))
    rows = session.execute(select(evidence_snapshots).where(
        evidence_snapshots.c.retain_until < now, evidence_snapshots.c.expired_at.is_(None), ~held)).all()
    return [_row(row) for row in rows]


def mark_expired(session: Session, snapshot_id: str, now: datetime) -> None:
    session.execute(update(evidence_snapshots).where(evidence_snapshots.c.id == snapshot_id)
                    .values(evidence_sha256=None, expired_at=now))


def delete_blob_if_unused(session: Session, sha256: str, now: datetime) -> bool:
    """Delete bytes nothing else needs: not another live snapshot, not an intake message or an
    order's raw evidence, and not kept longer for another reason (its own retain_until)."""
    still_needed = (
        session.scalar(select(evidence_snapshots.c.id).where(evidence_snapshots.c.evidence_sha256 == sha256).limit(1))
        or session.scalar(select(inbound_messages.c.id).where(inbound_messages.c.evidence_sha256 == sha256).limit(1))
        or session.scalar(select(orders.c.id).where(orders.c.raw_evidence == sha256).limit(1))
        or session.scalar(select(evidence.c.sha256).where(evidence.c.sha256 == sha256, evidence.c.retain_until >= now))
    )
    if still_needed:
        return False
    try:
        with session.begin_nested():
            return rows_changed(session, delete(evidence).where(evidence.c.sha256 == sha256)) > 0
    except IntegrityError:
        return False  # another table points at it (e.g. a hash list import): keep it


def add_hold(session: Session, case_id: str, reason: str, by: str, now: datetime) -> str:
    hold_id = new_id()
    session.execute(legal_holds.insert().values(id=hold_id, case_id=case_id, reason=reason, set_by=by, set_at=now))
    return hold_id


def active_holds(session: Session, case_id: str) -> list:
    return list(session.execute(select(legal_holds).where(legal_holds.c.case_id == case_id,
                                                          legal_holds.c.released_at.is_(None))).all())


def release_holds(session: Session, case_id: str, by: str, now: datetime) -> int:
    return rows_changed(session, update(legal_holds).where(legal_holds.c.case_id == case_id,
                                                           legal_holds.c.released_at.is_(None))
                        .values(released_by=by, released_at=now))
