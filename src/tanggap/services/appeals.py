"""Appeals: the channel owner contests a decision; someone else reviews it; a reversal is
proposed and unblocks only once a senior other than the reviewer approves (services.reversals)."""

from __future__ import annotations

from dataclasses import dataclass

from tanggap.domain.access import Permission, Principal
from tanggap.domain.errors import ConflictingDecision, DomainError, NotFound
from tanggap.domain.model import Appeal
from tanggap.domain.targets import parse_target
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
        pending = _open_appeal(uow, case.id)
        if pending is not None:
            # Not whose, nor when: the form is public, and the open appeal may be someone else's.
            raise ConflictingDecision(
                "An appeal against this decision is already open. It will be answered before another appeal "
                "is heard: please send yours again once it is.", "target")
        appeal = Appeal(case.id, case.decision.id, appellant.strip()[:200], grounds.strip()[:10_000],
                        uow.clock.now(), (contact or "").strip()[:320] or None)
        case.appeal(appeal, actor)
        uow.appeals.add(appeal)
        outcome = AppealOutcome(appeal.id, case.id, str(appeal.status), str(case.state))
        uow.commit()
    return outcome


def _open_appeal(uow: UnitOfWork, case_id: str) -> Appeal | None:
    return uow.appeals.pending_for_case(case_id)


def open_appeals(uow: UnitOfWork, by: Principal) -> list[Appeal]:
    by.require(Permission.VIEW_CASES)
    with uow:
        return list(uow.appeals.open())


def resolve_appeal(uow: UnitOfWork, appeal_id: str, reverse: bool, reason: str, by: Principal) -> AppealOutcome:
    """Uphold, or propose the reversal: the block stays until a senior other than `by`
    approves it (services.reversals), whoever `by` is."""
    by.require(Permission.DECIDE)
    if not reason.strip():
        raise DomainError("say why the appeal is upheld or the decision reversed", "reason")
    with uow:
        appeal = uow.appeals.get(appeal_id)
        if appeal is None:
            raise NotFound(f"no appeal {appeal_id}")
        case = uow.cases.get_for_update(appeal.case_id)
        if case is None:
            raise NotFound(f"no case {appeal.case_id}")
        case.resolve_appeal(appeal, by.id, reverse, reason.strip(), uow.clock.now(), by.actor)
        outcome = AppealOutcome(appeal.id, case.id, str(appeal.status), str(case.state))
        uow.commit()
    return outcome
