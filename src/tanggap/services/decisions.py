"""A moderator's verdict on a case, four-eyes approval, and the enforcement it calls for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tanggap.detect.language import readable_by
from tanggap.domain.access import Permission, Principal
from tanggap.domain.clock import as_utc
from tanggap.domain.errors import InvalidDecision, NotFound, PermissionDenied
from tanggap.domain.model import (
    DECIDABLE_STATES, Action, Case, CaseState, Decision, DecisionStatus, Enforcement, Scope, Source,
)
from tanggap.domain.policy import (
    DEFAULT_FOUR_EYES, DecisionContext, FourEyesRule, PolicyTaxonomy, four_eyes_rule,
)
from tanggap.store.uow import UnitOfWork

TAXONOMY = PolicyTaxonomy()
DEFAULT_LEASE = timedelta(minutes=15)  # a claim; the queue shows the case again when it runs out


@dataclass(frozen=True)
class DecisionRequest:
    action: str
    reason: str
    scope: str | list[str] | None = None
    legal_basis: str | None = None
    note: str | None = None
    reason_code: str | None = None


@dataclass(frozen=True)
class DecisionOutcome:
    case_id: str
    decision_id: str
    case_state: str
    enforcement_id: str | None
    repeated: bool  # the same decision had already been taken; nothing changed
    awaiting_approval: str | None = None  # the four-eyes rule it waits on


MAX_REASON = 2000


def decide(uow: UnitOfWork, case_id: str, request: DecisionRequest, by: Principal,
           rules: tuple[FourEyesRule, ...] = DEFAULT_FOUR_EYES,
           taxonomy: PolicyTaxonomy = TAXONOMY) -> DecisionOutcome:
    by.require(Permission.DECIDE)
    action = _action(request.action)
    if not request.reason or not request.reason.strip():
        raise InvalidDecision("a decision needs a reason", "reason")
    # The API's limits, for every way in (the console's form too): the statement of reasons
    # carries these texts to the transparency database and to the channel's owner.
    if len(request.reason) > MAX_REASON:
        raise InvalidDecision(f"the reason is at most {MAX_REASON:,} characters", "reason")
    if request.legal_basis and len(request.legal_basis) > MAX_REASON:
        raise InvalidDecision(f"the legal basis is at most {MAX_REASON:,} characters", "legal_basis")
    if request.reason_code:
        taxonomy.reason(request.reason_code, action)
    scope = Scope.parse(request.scope) if action is Action.BLOCK else Scope()
    with uow:
        case = _case(uow, case_id, lock=True)
        _check_reader(case, by)
        check_escalation(case, by)
        now = uow.clock.now()
        _take_claim(case, by, now)
        decision = Decision(case.id, action, scope, request.reason.strip(), request.legal_basis,
                            request.note, by.id, now, request.reason_code)
        context = DecisionContext(case.subscribers, case.source == Source.ORDER)
        rule = four_eyes_rule(action, scope, context, rules)
        if not case.decide(decision, by.actor, rule.name if rule else None):
            previous = case.decision
            assert previous is not None  # a repeat is a repeat of the decision the case holds
            enforcement = next(iter(uow.enforcements.for_case(case.id)), None)
            return DecisionOutcome(case.id, previous.id, str(case.state),
                                   enforcement.id if enforcement else None, repeated=True,
                                   awaiting_approval=previous.approval_rule
                                   if previous.status is DecisionStatus.PROPOSED else None)
        enforcement = None if rule else _enforcement_for(uow, case, decision)
        outcome = DecisionOutcome(case.id, decision.id, str(case.state),
                                  enforcement.id if enforcement else None, repeated=False,
                                  awaiting_approval=rule.name if rule else None)
        uow.commit()
    return outcome


def approve(uow: UnitOfWork, case_id: str, by: Principal) -> DecisionOutcome:
    """A senior confirms a four-eyes decision; only then is it enforced."""
    by.require(Permission.APPROVE)
    with uow:
        case = _case(uow, case_id, lock=True)
        decision = case.approve(by.id, uow.clock.now(), by.actor)
        enforcement = _enforcement_for(uow, case, decision)
        outcome = DecisionOutcome(case.id, decision.id, str(case.state),
                                  enforcement.id if enforcement else None, repeated=False)
        uow.commit()
    return outcome


def reject_proposal(uow: UnitOfWork, case_id: str, reason: str, by: Principal) -> DecisionOutcome:
    by.require(Permission.APPROVE)
    with uow:
        case = _case(uow, case_id, lock=True)
        decision = case.reject_proposal(by.id, uow.clock.now(), by.actor, reason)
        outcome = DecisionOutcome(case.id, decision.id, str(case.state), None, repeated=False)
        uow.commit()
    return outcome


def _enforcement_for(uow: UnitOfWork, case: Case, decision: Decision) -> Enforcement | None:
    if not decision.action.needs_platform:
        return None
    return uow.enforcements.add(Enforcement(
        case.id, decision.id, decision.action, decision.scope, case.target,
        idempotency_key=f"tanggap-{decision.id}", created_at=uow.clock.now()))


def undo_block(uow: UnitOfWork, case: Case, decision: Decision, key: str) -> Enforcement | None:
    """When a block is overturned (appeal, post-hoc review), the unblock that goes with it."""
    if decision.action is not Action.BLOCK:
        return None
    return uow.enforcements.add(Enforcement(case.id, decision.id, Action.UNBLOCK, Scope(), case.target,
                                            idempotency_key=key, created_at=uow.clock.now()))


def _case(uow: UnitOfWork, case_id: str, lock: bool = False) -> Case:
    case = uow.cases.get_for_update(case_id) if lock else uow.cases.get(case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


def _take_claim(case: Case, by: Principal, now) -> None:
    """Deciding requires a claim: the decider's own, or one taken now (refused while someone
    else holds the case). A decided case is left alone: repeating a decision is answered below."""
    if CaseState(case.state) not in DECIDABLE_STATES:
        return
    if case.claimed_by == by.id and case.lease_until is not None and as_utc(case.lease_until) > as_utc(now):
        return
    case.claim(by.id, now, DEFAULT_LEASE, by.actor)


def _check_reader(case: Case, by: Principal) -> None:
    """A moderator decides only what they can read; seniors and admins may step in."""
    if by.kind == "user" and not by.can(Permission.APPROVE) and not readable_by(case.language, by.languages):
        raise PermissionDenied(f"this case is in {case.language}; you read {', '.join(by.languages)}")


def check_escalation(case: Case, by: Principal) -> None:
    """An escalated case ("need more information") waits for a senior: no moderator decides or
    claims it, the one who escalated it included."""
    if not escalation_allows(case, by):
        raise PermissionDenied("this case was escalated to the seniors; a senior decides it")


def escalation_allows(case: Case, by: Principal) -> bool:
    return CaseState(case.state) is not CaseState.ESCALATED or by.can(Permission.APPROVE)


def _action(written: str) -> Action:
    try:
        return Action(written)
    except ValueError:
        raise InvalidDecision(
            f"unknown action {written!r}; one of: {', '.join(a.value for a in Action)}") from None
