"""A moderator's verdict on a case, and the enforcement it calls for."""

from __future__ import annotations

from dataclasses import dataclass

from tanggap.domain.access import Permission, Principal
from tanggap.domain.errors import InvalidDecision, NotFound
from tanggap.domain.model import Action, Decision, Enforcement, Scope
from tanggap.store.uow import UnitOfWork


@dataclass(frozen=True)
class DecisionRequest:
    action: str
    reason: str
    scope: str | list[str] | None = None
    legal_basis: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class DecisionOutcome:
    case_id: str
    decision_id: str
    case_state: str
    enforcement_id: str | None
    repeated: bool  # the same decision had already been taken; nothing changed


def decide(uow: UnitOfWork, case_id: str, request: DecisionRequest, by: Principal) -> DecisionOutcome:
    by.require(Permission.DECIDE)
    action = _action(request.action)
    if not request.reason or not request.reason.strip():
        raise InvalidDecision("a decision needs a reason", "reason")
    scope = Scope.parse(request.scope) if action is Action.BLOCK else Scope()
    with uow:
        case = uow.cases.get_for_update(case_id)
        if case is None:
            raise NotFound(f"no case {case_id}")
        decision = Decision(case.id, action, scope, request.reason.strip(), request.legal_basis,
                            request.note, by.id, uow.clock.now())
        if not case.decide(decision, by.actor):
            previous = case.decision
            enforcement = next(iter(uow.enforcements.for_case(case.id)), None)
            return DecisionOutcome(case.id, previous.id, str(case.state),
                                   enforcement.id if enforcement else None, repeated=True)
        enforcement = None
        if action.needs_platform:
            enforcement = uow.enforcements.add(Enforcement(
                case.id, decision.id, action, scope, case.target,
                idempotency_key=f"tanggap-{decision.id}", created_at=decision.decided_at))
        outcome = DecisionOutcome(case.id, decision.id, str(case.state),
                                  enforcement.id if enforcement else None, repeated=False)
        uow.commit()
    return outcome


def _action(written: str) -> Action:
    try:
        return Action(written)
    except ValueError:
        raise InvalidDecision(
            f"unknown action {written!r}; one of: {', '.join(a.value for a in Action)}") from None
