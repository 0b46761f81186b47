"""Evidence copied from a platform before it acted (a Matrix room before its shutdown), kept
content-addressed in the same ``evidence`` table as raw order e-mails."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from tanggap.store.tables import evidence
from tanggap.store.uow import UnitOfWork

RETENTION = timedelta(days=183)  # at least 6 months, as for order e-mails (DSA appeals window)


def keep_evidence(uow: UnitOfWork, content: bytes, now: datetime) -> str:
    """Store the bytes once (by SHA-256) and return their address; a copy seen again is kept longer."""
    sha256 = hashlib.sha256(content).hexdigest()
    if uow.session.execute(select(evidence.c.sha256).where(evidence.c.sha256 == sha256)).first():
        uow.session.execute(update(evidence).where(evidence.c.sha256 == sha256)
                            .values(retain_until=now + RETENTION))
        return sha256
    try:
        with uow.session.begin_nested():
            uow.session.execute(insert(evidence).values(
                sha256=sha256, content=content, size=len(content), first_seen_at=now,
                retain_until=now + RETENTION))
    except IntegrityError:
        pass  # stored meanwhile by another writer: same bytes, same address
    return sha256
