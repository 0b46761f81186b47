"""Verify the audit log's hash chain end to end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from tanggap.domain.audit import BrokenLink, verify_chain
from tanggap.store.audit_log import iter_events
from tanggap.store.tables import audit_events
from tanggap.store.uow import UnitOfWork


@dataclass(frozen=True)
class ChainReport:
    events: int
    broken: BrokenLink | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def verify_audit_log(uow: UnitOfWork, progress: Callable[[int], None] | None = None) -> ChainReport:
    with uow:
        total = uow.session.scalar(select(func.count()).select_from(audit_events)) or 0

        def counted():
            for index, event in enumerate(iter_events(uow.session), 1):
                if progress and index % 1000 == 0:
                    progress(index)
                yield event

        broken = verify_chain(counted())
    return ChainReport(total, broken)
