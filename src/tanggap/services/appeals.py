"""Appeals: the channel owner contests a decision; someone else reviews it; a reversal unblocks."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from tanggap.domain.access import Permission, Principal
from tanggap.domain.errors import DomainError, NotFound
from tanggap.domain.model import Appeal, AppealStatus
from tanggap.domain.targets import parse_target
from tanggap.services.decisions import undo_block
from tanggap.store.tables import appeals
from tanggap.store.uow import UnitOfWork


@dataclass(frozen=True)
class AppealOutcome:
    appeal_id: str
    case_id: str
    status: str
    case_state: str
    enforcement_id: str | None = None


def submit_appeal(uow: UnitOfWork, target_written: str, appellant: str, grounds: str,
                  contact: str | None, actor: str) -> AppealOutcome:
    """Open to the affected channel's owner (public form) and to platform integrations (API)."""
    if not grounds.strip() or not appellant.strip():
        raise DomainError("an appeal needs the appellant's name and the grounds", "grounds")
    target = parse_target(target_written)
    with uow:
        found = uow.cases.by_targets([target], lock=True)
        case = found.get(target)
        if case is None or case.decision is None:
            raise NotFound(f"no decision on {target} to appeal", "target")
        appeal = Appeal(case.id, case.decision.id, appellant.strip()[:200], grounds.strip()[:10_000],
                        uow.clock.now(), (contact or "").strip()[:320] or None)
        case.appeal(appeal, actor)
        uow.session.add(appeal)
        outcome = AppealOutcome(appeal.id, case.id, str(appeal.status), str(case.state))
        uow.commit()
    return outcome


def open_appeals(uow: UnitOfWork, by: Principal) -> list[Appeal]:
    by.require(Permission.VIEW_CASES)
    with uow:
        return list(uow.session.scalars(select(Appeal).where(appeals.c.status == AppealStatus.OPEN)
                                        .order_by(appeals.c.submitted_at)))


def resolve_appeal(uow: UnitOfWork, appeal_id: str, reverse: bool, reason: str, by: Principal) -> AppealOutcome:
    by.require(Permission.DECIDE)
    if not reason.strip():
        raise DomainError("say why the appeal is upheld or the decision reversed", "reason")
    with uow:
        appeal = uow.session.get(Appeal, appeal_id)
        if appeal is None:
            raise NotFound(f"no appeal {appeal_id}")
        case = uow.cases.get_for_update(appeal.case_id)
        decision = case.decision
        case.resolve_appeal(appeal, by.id, reverse, reason.strip(), uow.clock.now(), by.actor)
        enforcement = undo_block(uow, case, decision, f"tanggap-unblock-{appeal.id}") if reverse else None
        outcome = AppealOutcome(appeal.id, case.id, str(appeal.status), str(case.state),
                                enforcement.id if enforcement else None)
        uow.commit()
    return outcome
