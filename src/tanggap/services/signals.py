"""Signals stored on cases: recorded by detection, read on the case page."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select

from tanggap.domain.model import new_id
from tanggap.domain.signals import Signal
from tanggap.store.tables import case_signals
from tanggap.store.uow import Store, UnitOfWork


def record_signals(uow: UnitOfWork, case_id: str, signals: Sequence[Signal], at: datetime) -> None:
    """Within the caller's unit of work (the caller commits)."""
    if signals:
        uow.session.execute(insert(case_signals), [
            {"id": new_id(), "case_id": case_id, "source": s.source, "strength": s.strength,
             "explanation": s.explanation[:4000], "details": s.details, "recorded_at": at} for s in signals])


def signals_for(store: Store, case_id: str) -> list[dict]:
    with store.uow(read_only=True) as uow:
        rows = uow.session.execute(select(case_signals).where(case_signals.c.case_id == case_id)
                                   .order_by(case_signals.c.strength.desc())).all()
    return [dict(row._mapping) for row in rows]
