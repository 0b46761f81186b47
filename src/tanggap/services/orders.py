"""Orders in, one case per target, each with its legal deadline; and status back out."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial

from tanggap.domain.access import Permission, Principal
from tanggap.domain.errors import DuplicateReference, InvalidTarget, NotFound, PermissionDenied
from tanggap.domain.events import OrderReceived
from tanggap.domain.model import Case, CaseState, DecisionStatus, Order, OrderDraft, OrderTarget
from tanggap.domain.clock import as_utc
from tanggap.domain.sla import Deadline, SlaPolicy
from tanggap.domain.targets import Target, parse_target
from tanggap.store.uow import UnitOfWork


@dataclass(frozen=True)
class TargetReceipt:
    input: str
    target: str
    case_id: str
    deadline: datetime
    case_state: str


@dataclass(frozen=True)
class OrderReceipt:
    order_id: str
    reference: str | None
    received_at: datetime
    deadline: Deadline
    targets: list[TargetReceipt]
    rejected: list[dict[str, str]]
    duplicate_of_existing: bool = False  # the authority resent an order we already hold

    @property
    def case_ids(self) -> list[str]:
        return [t.case_id for t in self.targets]


log = logging.getLogger(__name__)


REJECTED_LISTED = 100  # rejections kept one by one; the rest are counted in one line
REJECTED_INPUT_CHARS = 120  # of each rejected input, enough to find it in the original


def parse_targets(spellings: list[str]) -> tuple[list[Target], list[str], list[dict[str, str]]]:
    """Split what was written into distinct targets (first spelling kept) and rejections.
    Rejections are summarised: inputs and reasons shortened, at most REJECTED_LISTED listed
    (an attacker's megabytes of junk must not be stored and echoed back twice over)."""
    targets: list[Target] = []
    kept_spellings: list[str] = []
    rejected: list[dict[str, str]] = []
    seen: set[Target] = set()
    for spelling in spellings:
        try:
            target = parse_target(spelling)
        except InvalidTarget as error:
            rejected.append({"input": _shortened(spelling, REJECTED_INPUT_CHARS),
                             "reason": _shortened(error.message, 2 * REJECTED_INPUT_CHARS)})
            continue
        if target not in seen:
            seen.add(target)
            targets.append(target)
            kept_spellings.append(spelling)
    if len(rejected) > REJECTED_LISTED:
        more = len(rejected) - REJECTED_LISTED
        rejected = rejected[:REJECTED_LISTED] + [
            {"input": f"… {more} more", "reason": f"{more} further inputs were not targets either"}]
    return targets, kept_spellings, rejected


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def ingest_order(uow: UnitOfWork, sla: SlaPolicy, draft: OrderDraft, by: Principal) -> OrderReceipt:
    """Receive an order: store it, merge each target into its case, start the deadline clock."""
    by.require(Permission.SUBMIT_ORDER)
    if by.kind == "authority" and draft.authority_id != by.id:
        raise PermissionDenied("an authority submits orders only in its own name")
    with uow:
        if uow.authorities.get(draft.authority_id) is None:
            raise NotFound(f"no authority {draft.authority_id}", "authority_id")
        received_at = draft.received_at or uow.clock.now()
        category = sla.category(draft.category)
        deadline = sla.deadline(received_at, draft.jurisdiction, category)
        revision = 1
        if draft.reference is not None:
            previous = uow.orders.latest_by_reference(draft.authority_id, draft.reference)
            if previous is not None:
                if _same_targets(previous, draft) or not draft.follow_up:
                    return _resent(uow, previous, draft)
                revision = previous.revision + 1
        order = Order.receive(_with_category(draft, category), received_at, deadline, by.actor, revision)
        if uow.orders.add_unique(order) is None:  # a concurrent resend won the race
            assert draft.reference is not None  # only an authority's own number can collide
            previous = uow.orders.latest_by_reference(draft.authority_id, draft.reference)
            assert previous is not None  # the order that won is there
            return _resent(uow, previous, draft)
        cases = _cases_for(uow, draft.targets, received_at, by.actor)
        severity = sla.severity(category)
        for position, (target, spelling) in enumerate(zip(draft.targets, _spellings(draft), strict=False)):
            case = cases[target]
            if case.state == CaseState.REVERSED:
                case.reopen_after_reversal(order, by.actor)
            elif case.state == CaseState.CLOSED and order.authority_id not in {
                    o.authority_id for o in uow.orders.for_case(case.id) if o.id != order.id}:
                case.reopen_for_new_authority(order, by.actor)
            case.attach_order(order, severity, by.actor)
            if case.state == CaseState.NEW:
                case.step("triage", received_at, by.actor)
            order.targets.append(OrderTarget(order.id, target, spelling, position, case.id))
        receipt = _receipt(order, cases)
        uow.publish(OrderReceived(order.id, draft.channel))
        uow.commit()
    log.info("order received", extra={"order_id": order.id, "authority_id": order.authority_id,
                                      "status": f"{len(receipt.targets)} targets, {len(receipt.rejected)} rejected"})
    return receipt


def _same_targets(order: Order, draft: OrderDraft) -> bool:
    return {link.target for link in order.targets} == set(draft.targets)


def _resent(uow: UnitOfWork, existing: Order, draft: OrderDraft) -> OrderReceipt:
    if not _same_targets(existing, draft):
        raise DuplicateReference(
            f"reference {draft.reference!r} was already used for an order with other targets")
    cases = uow.cases.by_targets(draft.targets)
    return _receipt(existing, cases, duplicate=True)


def _cases_for(uow: UnitOfWork, targets: tuple[Target, ...], at: datetime, actor: str) -> dict[Target, Case]:
    cases = uow.cases.by_targets(targets, lock=True)
    missing = [Case.open(t, at, actor) for t in targets if t not in cases]
    cases.update(uow.cases.add_all_or_existing(missing))
    return cases


def _receipt(order: Order, cases: dict[Target, Case], duplicate: bool = False) -> OrderReceipt:
    return OrderReceipt(
        order_id=order.id, reference=order.reference, received_at=order.received_at,
        deadline=order.deadline, rejected=list(order.rejected), duplicate_of_existing=duplicate,
        targets=[TargetReceipt(link.spelling, link.target.canonical, link.case_id,
                               order.deadline_due_at, str(cases[link.target].state))
                 for link in order.targets],
    )


def _spellings(draft: OrderDraft) -> tuple[str, ...]:
    return draft.spellings if len(draft.spellings) == len(draft.targets) else tuple(
        t.canonical for t in draft.targets)


def _with_category(draft: OrderDraft, category: str) -> OrderDraft:
    return replace(draft, category=category)


# --- status back to the authority -------------------------------------------------------

@dataclass(frozen=True)
class TargetStatus:
    target: str
    case_id: str
    status: str  # queued | in_review | actioned | no_action | reversed
    action: str | None = None
    scope: str | list[str] | None = None
    actioned_at: datetime | None = None
    reason: str | None = None


@dataclass(frozen=True)
class OrderStatus:
    order_id: str
    authority_id: str
    reference: str | None
    category: str
    jurisdiction: str
    received_at: datetime
    deadline: Deadline
    rejected: list[dict[str, str]]
    targets: list[TargetStatus] = field(default_factory=list)

    @property
    def settled(self) -> bool:
        return all(t.status in {"actioned", "no_action", "reversed"} for t in self.targets)


def order_status(uow: UnitOfWork, order_id: str, by: Principal) -> OrderStatus:
    with uow:
        order = uow.orders.get(order_id)
        # Someone else's order looks exactly like a missing one: no probing of ids.
        if order is None or not by.may_see_order(order.authority_id):
            raise NotFound(f"no order {order_id}")
        cases = uow.cases.with_decisions([link.case_id for link in order.targets])
        statuses = [_target_status(link, cases[link.case_id], order) for link in order.targets]
        return OrderStatus(order.id, order.authority_id, order.reference, order.category,
                           order.jurisdiction, order.received_at, order.deadline,
                           list(order.rejected), statuses)


def _target_status(link: OrderTarget, case: Case, order: Order) -> TargetStatus:
    state = CaseState(case.state)
    decision = case.decision
    status_of = partial(TargetStatus, link.target.canonical, case.id)
    # A case merges orders of several authorities: a decision taken before this order arrived
    # answered someone else's, and its free-text reason is internal to them.
    reason = decision.reason if decision is not None and as_utc(decision.decided_at) >= as_utc(
        order.received_at) else None
    if state in {CaseState.NEW, CaseState.QUEUED}:
        return status_of(status="queued")
    if state is CaseState.REVERSED:
        return status_of(status="reversed", reason=reason)
    if decision is None or decision.status is DecisionStatus.PROPOSED:
        return status_of(status="in_review")
    if not decision.action.needs_platform:
        return status_of(status="no_action", reason=reason)
    if case.actioned_at is not None:
        return status_of(status="actioned", action=str(decision.action),
                         scope=decision.scope.as_json(), actioned_at=case.actioned_at)
    return status_of(status="in_review")
