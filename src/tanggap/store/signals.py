"""Writing detection's signals onto cases (reads are in store.views)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from tanggap.domain.model import new_id
from tanggap.domain.signals import Signal
from tanggap.store.tables import case_signals


def add_signals(session: Session, case_id: str, signals: Sequence[Signal], at: datetime) -> None:
    """One row per signal, its explanation cut to what the column holds."""
    session.execute(insert(case_signals), [
        {"id": new_id(), "case_id": case_id, "source": s.source, "strength": s.strength,
         "explanation": s.explanation[:4000], "details": s.details, "recorded_at": at} for s in signals])
