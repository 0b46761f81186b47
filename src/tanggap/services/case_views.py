"""Who opened which case, on the audit log: written from the CaseViewed event by a worker (or
at once with `effects=inline`), never twice for one view."""

from __future__ import annotations

from datetime import datetime

from tanggap.domain.events import CaseViewed
from tanggap.domain.model import AuditDraft
from tanggap.store.uow import Store, UnitOfWork
from tanggap.store.audit_log import lock_audit_chain
from tanggap.store.view_audit import mark_view_recorded, view_recorded


def case_viewed(uow: UnitOfWork, case_id: str, actor: str, via: str) -> CaseViewed:
    """Within the request's unit of work: the view becomes an event, committed with it."""
    viewed = CaseViewed(case_id, actor, _iso(uow.clock.now()), via)
    uow.publish(viewed)
    return viewed


def record_case_view(store: Store, viewed: CaseViewed) -> bool:
    """True when the entry was written here; False when it was there already (a redelivery)."""
    with store.uow() as uow:
        lock_audit_chain(uow.session)
        if view_recorded(uow.session, viewed.view_id):
            return False
        mark_view_recorded(uow.session, viewed.view_id, viewed.case_id, uow.clock.now())
        uow.record(AuditDraft("case_viewed", "case", viewed.case_id, viewed.actor,
                              {"via": viewed.via, "viewed_at": viewed.viewed_at, "view_id": viewed.view_id}))
        uow.commit()
    return True


def _iso(moment: datetime) -> str:
    return moment.isoformat()
