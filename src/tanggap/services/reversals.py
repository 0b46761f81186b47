"""Reversals waiting for a second person: an appeal's or a post-hoc review's proposal to lift a
block. Only a senior other than the proposer approves; only then is the unblock enforced."""

from __future__ import annotations

from dataclasses import dataclass

from tanggap.domain.access import Permission, Principal
from tanggap.domain.errors import DomainError, NotFound
from tanggap.domain.model import Appeal, Case, Enforcement
from tanggap.services.decisions import undo_block
from tanggap.store.uow import UnitOfWork


@dataclass(frozen=True)
class ReversalOutcome:
    case_id: str
    case_state: str
    enforcement_id: str | None = None


def pending_reversals(uow: UnitOfWork, by: Principal) -> list[Case]:
    by.require(Permission.APPROVE)
    with uow:
        return list(uow.cases.reversals_proposed())


def approve_reversal(uow: UnitOfWork, case_id: str, by: Principal) -> ReversalOutcome:
    by.require(Permission.APPROVE)
    with uow:
        case = _case(uow, case_id)
        appeal_id = case.reversal_appeal_id
        decision = case.approve_reversal(by.id, uow.clock.now(), by.actor)
        if appeal_id:
            _appeal(uow, appeal_id).reversal_decided(approved=True)
        key = f"tanggap-unblock-{appeal_id}" if appeal_id else f"tanggap-posthoc-{decision.id}"
        enforcement: Enforcement | None = undo_block(uow, case, decision, key)
        outcome = ReversalOutcome(case.id, str(case.state), enforcement.id if enforcement else None)
        uow.commit()
    return outcome


def reject_reversal(uow: UnitOfWork, case_id: str, reason: str, by: Principal) -> ReversalOutcome:
    by.require(Permission.APPROVE)
    if not reason.strip():
        raise DomainError("say why the decision stands", "reason")
    with uow:
        case = _case(uow, case_id)
        appeal_id = case.reversal_appeal_id
        case.reject_reversal(by.id, reason.strip(), uow.clock.now(), by.actor)
        if appeal_id:
            _appeal(uow, appeal_id).reversal_decided(approved=False)
        outcome = ReversalOutcome(case.id, str(case.state))
        uow.commit()
    return outcome


def _case(uow: UnitOfWork, case_id: str) -> Case:
    case = uow.cases.get_for_update(case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


def _appeal(uow: UnitOfWork, appeal_id: str) -> Appeal:
    appeal = uow.appeals.get_for_update(appeal_id)
    if appeal is None:
        raise NotFound(f"no appeal {appeal_id}")
    return appeal
