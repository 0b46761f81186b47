"""Appending to and reading the hash-chained audit log."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from tanggap.domain.audit import GENESIS, AuditEvent, event_hash
from tanggap.domain.clock import as_utc
from tanggap.domain.model import AuditDraft
from tanggap.store.tables import audit_events

# Any constant works; it only has to be the same in every process that appends.
AUDIT_LOCK_KEY = 0x7A6E_6761_7000


def lock_audit_chain(session: Session) -> None:
    """Serialise appends to the chain until this transaction ends (also for a writer that looks
    before it appends, so that a second one waits and then finds the first one's entry)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
    # SQLite: the transaction already holds the write lock (BEGIN IMMEDIATE).


def append_events(session: Session, drafts: Sequence[AuditDraft], at: datetime) -> list[AuditEvent]:
    """Chain and insert drafts. Serialised so concurrent writers extend one chain, not two."""
    if not drafts:
        return []
    # Hash the moment as the store gives it back (UTC): a clock in another zone (WIB) would
    # otherwise sign "09:00+07:00" and read back "02:00+00:00", a row that seems altered.
    at = as_utc(at)
    lock_audit_chain(session)
    tail = session.execute(
        select(audit_events.c.seq, audit_events.c.hash).order_by(audit_events.c.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (tail.seq, tail.hash) if tail else (0, GENESIS)
    events = []
    for draft in drafts:
        seq += 1
        payload = json.loads(json.dumps(draft.payload, default=str))
        digest = event_hash(prev_hash, seq, at, draft.actor, draft.kind, draft.subject_type,
                            draft.subject_id, payload)
        events.append(AuditEvent(seq, at, draft.actor, draft.kind, draft.subject_type,
                                 draft.subject_id, payload, prev_hash, digest))
        prev_hash = digest
    session.execute(insert(audit_events), [vars(e) for e in events])
    return events


def iter_events(session: Session, batch: int = 5000) -> Iterator[AuditEvent]:
    after = 0
    while True:
        rows = session.execute(
            select(audit_events).where(audit_events.c.seq > after).order_by(audit_events.c.seq).limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield AuditEvent(**row._mapping)
        after = rows[-1].seq


def events_for(session: Session, subject_type: str, subject_id: str) -> list[AuditEvent]:
    rows = session.execute(
        select(audit_events)
        .where(audit_events.c.subject_type == subject_type, audit_events.c.subject_id == subject_id)
        .order_by(audit_events.c.seq)
    ).all()
    return [AuditEvent(**row._mapping) for row in rows]
