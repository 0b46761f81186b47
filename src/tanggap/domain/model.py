"""Entities of the takedown loop and the case lifecycle.

A state change happens here and only here; each one records an audit draft on the entity
(collected by the unit of work) and is idempotent: repeating it changes nothing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from ulid import ULID

from tanggap.domain.clock import as_utc
from tanggap.domain.errors import (
    ConflictingDecision, InvalidDecision, InvalidTransition, PermissionDenied,
)
from tanggap.domain.sla import Deadline
from tanggap.domain.targets import Target, TargetKind


def new_id() -> str:
    """Sortable, collision-free ids (ULID), as text so every store treats them alike."""
    return str(ULID())


_DRAFT_ORDER = itertools.count()


@dataclass(frozen=True)
class AuditDraft:
    """An audit event before the store chains it."""

    kind: str
    subject_type: str
    subject_id: str
    actor: str
    payload: dict[str, Any] = field(default_factory=dict)
    # Drafts from several entities are chained in the order they happened.
    created: int = field(default_factory=lambda: next(_DRAFT_ORDER), compare=False)


class RecordsEvents:
    """Mixin: entities collect audit drafts; loaded entities start with none."""

    id: str  # every entity that records events has one

    @property
    def events(self) -> list[AuditDraft]:
        return self.__dict__.setdefault("_events", [])

    def _record(self, kind: str, actor: str, **payload: Any) -> None:
        self.events.append(AuditDraft(kind, type(self).__name__.lower(), self.id, actor, payload))


class Role(StrEnum):
    MODERATOR = "moderator"
    SENIOR = "senior"
    ADMIN = "admin"
    AUDITOR = "auditor"
    LIAISON = "liaison"


class Source(StrEnum):
    ORDER = "order"
    REPORT = "report"
    PROACTIVE = "proactive"


SOURCE_RANK = {Source.ORDER: 0, Source.REPORT: 1, Source.PROACTIVE: 2}


class Action(StrEnum):
    BLOCK = "block"
    REMOVE_POST = "remove_post"
    RESTRICT = "restrict"
    NO_ACTION = "no_action"
    UNBLOCK = "unblock"

    @property
    def needs_platform(self) -> bool:
        return self is not Action.NO_ACTION


@dataclass(frozen=True)
class Scope:
    """Where a block applies: everywhere, or only for viewers in the listed countries."""

    countries: tuple[str, ...] = ()  # empty: global

    GLOBAL_WORD = "global"

    @property
    def is_global(self) -> bool:
        return not self.countries

    @classmethod
    def parse(cls, written: str | list[str] | tuple[str, ...] | None) -> Scope:
        if written is None or written == cls.GLOBAL_WORD or written == [cls.GLOBAL_WORD]:
            return cls()
        items = written.split(",") if isinstance(written, str) else list(written)
        countries = sorted({c.strip().upper() for c in items if c.strip()})
        for code in countries:
            if len(code) != 2 or not code.isalpha():
                raise InvalidDecision(f"scope {code!r} is not an ISO 3166 country code", "scope")
        return cls(tuple(countries))

    def as_json(self) -> str | list[str]:
        return self.GLOBAL_WORD if self.is_global else list(self.countries)

    def __str__(self) -> str:
        return self.GLOBAL_WORD if self.is_global else ",".join(self.countries)


class CaseState(StrEnum):
    NEW = "new"
    QUEUED = "queued"
    IN_REVIEW = "in_review"
    ESCALATED = "escalated"
    PENDING_APPROVAL = "pending_approval"
    DECIDED = "decided"
    ACTIONED = "actioned"
    CLOSED = "closed"
    APPEALED = "appealed"
    UPHELD = "upheld"
    REVERSED = "reversed"


S = CaseState
# step -> {from state: to state}. Anything not listed is an invalid transition.
LIFECYCLE: dict[str, dict[CaseState, CaseState]] = {
    "triage": {S.NEW: S.QUEUED},
    "claim": {S.QUEUED: S.IN_REVIEW},
    "release": {S.IN_REVIEW: S.QUEUED},
    "escalate": {S.QUEUED: S.ESCALATED, S.IN_REVIEW: S.ESCALATED},
    "decide": {S.QUEUED: S.DECIDED, S.IN_REVIEW: S.DECIDED, S.ESCALATED: S.DECIDED},
    "propose": {S.QUEUED: S.PENDING_APPROVAL, S.IN_REVIEW: S.PENDING_APPROVAL,
                S.ESCALATED: S.PENDING_APPROVAL},
    "approve": {S.PENDING_APPROVAL: S.DECIDED},
    "reject_proposal": {S.PENDING_APPROVAL: S.QUEUED},
    "enforced": {S.DECIDED: S.ACTIONED},
    "close": {S.DECIDED: S.CLOSED, S.ACTIONED: S.CLOSED},
    # Also after an upheld appeal: the public form takes anyone's appeal, and one upheld appeal
    # (a stranger's, a weak one) must not use up the channel owner's right to be heard within
    # the six months. One appeal is open at a time.
    "appeal": {S.ACTIONED: S.APPEALED, S.CLOSED: S.APPEALED, S.UPHELD: S.APPEALED},
    "uphold": {S.APPEALED: S.UPHELD},
    "reverse": {S.APPEALED: S.REVERSED},
    # An automatic block that a human's post-hoc review finds wrong.
    "reverse_automatic": {S.DECIDED: S.REVERSED, S.ACTIONED: S.REVERSED},
    # Unblocking is never one person's act: a reversal (appeal, post-hoc review) is proposed,
    # the block stays, and a senior other than the proposer approves or rejects it.
    "propose_reversal": {S.APPEALED: S.PENDING_APPROVAL, S.DECIDED: S.PENDING_APPROVAL,
                         S.ACTIONED: S.PENDING_APPROVAL},
    "approve_reversal": {S.PENDING_APPROVAL: S.REVERSED},
    "reject_reversal": {S.PENDING_APPROVAL: S.UPHELD},
    "keep_automatic": {S.PENDING_APPROVAL: S.ACTIONED},
    # Another authority's order on a channel closed without action gets a fresh look.
    # ... and so does a new order on a case whose block was reversed after review.
    "reopen": {S.CLOSED: S.QUEUED, S.REVERSED: S.QUEUED},
}
OPEN_STATES = frozenset({S.NEW, S.QUEUED, S.IN_REVIEW, S.ESCALATED, S.PENDING_APPROVAL,
                         S.DECIDED, S.APPEALED})
DECIDABLE_STATES = frozenset({S.QUEUED, S.IN_REVIEW, S.ESCALATED})
OPEN_STATES = frozenset({S.QUEUED, S.IN_REVIEW, S.ESCALATED, S.PENDING_APPROVAL})  # what queues hold


class Authority(RecordsEvents):
    def __init__(self, name: str, jurisdiction: str, email_domains: list[str] | None = None,
                 created_at: datetime | None = None, id: str | None = None):
        self.id = id or new_id()
        self.name = name
        self.jurisdiction = jurisdiction.upper()
        self.email_domains = [d.lower() for d in (email_domains or [])]
        self.created_at = created_at


class User(RecordsEvents):
    def __init__(self, name: str, role: Role, languages: list[str], password_hash: str,
                 created_at: datetime | None = None, id: str | None = None):
        self.id = id or new_id()
        self.name = name
        self.role = Role(role)
        self.languages = sorted({lang.strip().lower() for lang in languages if lang.strip()})
        self.password_hash = password_hash
        self.created_at = created_at
        self.disabled_at: datetime | None = None


class ApiKey:
    """A bearer key; only its SHA-256 is kept. Owned by an authority or a user."""

    def __init__(self, key_hash: str, prefix: str, owner_type: str, owner_id: str,
                 created_at: datetime, id: str | None = None):
        self.id = id or new_id()
        self.key_hash = key_hash
        self.prefix = prefix
        self.owner_type = owner_type
        self.owner_id = owner_id
        self.created_at = created_at
        self.revoked_at: datetime | None = None


@dataclass(frozen=True)
class OrderDraft:
    """What an authority asked for, before it is received: parsed, not yet stored."""

    authority_id: str
    reference: str | None
    category: str
    jurisdiction: str
    targets: tuple[Target, ...]
    legal_basis: str | None = None
    channel: str = "api"  # api | email
    spellings: tuple[str, ...] = ()  # as written, parallel to targets
    rejected: tuple[dict[str, str], ...] = ()  # [{"input", "reason"}]
    raw_evidence: str | None = None  # content address of the raw message, if any
    received_at: datetime | None = None  # when it reached us (e-mail: SMTP receipt), else now
    follow_up: bool = False  # e-mail: the same reference with other targets is a new revision


class Order(RecordsEvents):
    def __init__(self, authority_id: str, reference: str | None, category: str,
                 jurisdiction: str, legal_basis: str | None, received_at: datetime,
                 deadline: Deadline, channel: str = "api", rejected: list | None = None,
                 raw_evidence: str | None = None, revision: int = 1, id: str | None = None):
        self.id = id or new_id()
        self.revision = revision
        self.authority_id = authority_id
        self.reference = reference
        self.category = category
        self.jurisdiction = jurisdiction.upper()
        self.legal_basis = legal_basis
        self.received_at = as_utc(received_at)
        self.deadline_due_at = deadline.due_at
        self.deadline_basis = deadline.basis
        self.channel = channel
        self.rejected = list(rejected or [])
        self.raw_evidence = raw_evidence
        self.targets: list[OrderTarget] = []

    @classmethod
    def receive(cls, draft: OrderDraft, received_at: datetime, deadline: Deadline,
                actor: str, revision: int = 1) -> Order:
        order = cls(draft.authority_id, draft.reference, draft.category, draft.jurisdiction,
                    draft.legal_basis, received_at, deadline, draft.channel,
                    list(draft.rejected), draft.raw_evidence, revision)
        order._record("order_received", actor, reference=draft.reference,
                      category=draft.category, jurisdiction=order.jurisdiction,
                      targets=len(draft.targets), rejected=len(draft.rejected),
                      deadline=deadline.due_at.isoformat(), basis=deadline.basis,
                      channel=draft.channel, raw_evidence=draft.raw_evidence, revision=revision)
        return order

    @property
    def deadline(self) -> Deadline:
        return Deadline(self.deadline_due_at, self.deadline_basis)


class OrderTarget:
    """One target of one order, linked to the case that handles it."""

    def __init__(self, order_id: str, target: Target, spelling: str, position: int,
                 case_id: str, id: str | None = None):
        self.id = id or new_id()
        self.order_id = order_id
        self.target = target
        self.spelling = spelling
        self.position = position
        self.case_id = case_id


class Report(RecordsEvents):
    """A user's or trusted flagger's report: not a legal order, so no legal deadline."""

    def __init__(self, target: Target, reporter: str, reason: str, received_at: datetime,
                 case_id: str, trusted_flagger: bool = False, id: str | None = None):
        self.id = id or new_id()
        self.target = target
        self.reporter = reporter
        self.reason = reason
        self.received_at = as_utc(received_at)
        self.case_id = case_id
        self.trusted_flagger = trusted_flagger


class DecisionStatus(StrEnum):
    EFFECTIVE = "effective"
    PROPOSED = "proposed"  # waits for a senior's approval (four-eyes)
    REJECTED = "rejected"  # the senior did not approve it
    REVERSED = "reversed"  # overturned on appeal


class Decision:
    def __init__(self, case_id: str, action: Action, scope: Scope, reason: str,
                 legal_basis: str | None, note: str | None, decided_by: str,
                 decided_at: datetime, reason_code: str | None = None, id: str | None = None):
        self.id = id or new_id()
        self.reason_code = reason_code
        self.status = DecisionStatus.EFFECTIVE
        self.approval_rule: str | None = None
        self.approved_by: str | None = None
        self.approved_at: datetime | None = None
        self.case_id = case_id
        self.action = Action(action)
        self.scope = scope
        self.reason = reason
        self.legal_basis = legal_basis
        self.note = note
        self.decided_by = decided_by
        self.decided_at = as_utc(decided_at)

    def same_verdict(self, other: Decision) -> bool:
        return (self.action, self.scope, self.reason, self.legal_basis) == (
            other.action, other.scope, other.reason, other.legal_basis)


class EnforcementStatus(StrEnum):
    PENDING = "pending"  # not yet confirmed; retryable
    CONFIRMED = "confirmed"  # the platform said it is done
    FAILED = "failed"  # the platform refused for good (e.g. no such channel); needs a human


class Enforcement(RecordsEvents):
    def __init__(self, case_id: str, decision_id: str, action: Action, scope: Scope,
                 target: Target, idempotency_key: str, created_at: datetime,
                 id: str | None = None):
        self.id = id or new_id()
        self.case_id = case_id
        self.decision_id = decision_id
        self.action = Action(action)
        self.scope = scope
        self.target = target
        self.idempotency_key = idempotency_key
        self.status = EnforcementStatus.PENDING
        self.attempts = 0
        self.last_error: str | None = None
        self.platform_reference: str | None = None
        self.created_at = as_utc(created_at)
        self.updated_at = self.created_at
        self.confirmed_at: datetime | None = None

    def attempt_failed(self, error: str, at: datetime, permanent: bool, actor: str,
                       tries: int = 1) -> None:
        self.attempts += tries
        self.last_error = error[:2000]
        self.updated_at = as_utc(at)
        if permanent:
            self.status = EnforcementStatus.FAILED
        self._record("enforcement_failed", actor, error=self.last_error, permanent=permanent,
                     attempts=self.attempts, case_id=self.case_id)

    def confirm(self, platform_reference: str | None, at: datetime, actor: str,
                tries: int = 1, evidence: str | None = None) -> bool:
        """``evidence``: the SHA-256 of the copy the platform took before acting, if any."""
        if self.status is EnforcementStatus.CONFIRMED:
            return False
        self.attempts += tries
        self.status = EnforcementStatus.CONFIRMED
        self.platform_reference = platform_reference
        self.confirmed_at = self.updated_at = as_utc(at)
        extra = {"evidence": evidence} if evidence else {}
        self._record("enforcement_confirmed", actor, action=str(self.action),
                     scope=self.scope.as_json(), case_id=self.case_id,
                     platform_reference=platform_reference, **extra)
        return True


class Case(RecordsEvents):
    """The unit of review: one per target entity; orders and reports on it merge here."""

    def __init__(self, target: Target, created_at: datetime, id: str | None = None):
        self.id = id or new_id()
        self.target = target
        self.kind = target.kind
        self.state = CaseState.NEW
        self.created_at = self.updated_at = as_utc(created_at)
        self.deadline_due_at: datetime | None = None
        self.deadline_basis: str | None = None
        self.category: str | None = None
        self.severity: int | None = None
        self.source: Source | None = None
        self.actioned_at: datetime | None = None
        self.language: str | None = None  # of the channel's posts; routes the case to readers
        self.subscribers: int | None = None  # from the platform; four-eyes rules look at it
        self.claimed_by: str | None = None
        self.lease_until: datetime | None = None
        self.signal_strength = 0.0  # strongest detection signal; orders the queue after severity
        self.assigned_to: str | None = None  # a user id or "team:<language>", set by a senior
        self.decisions: list[Decision] = []
        self.reversal_proposed_by: str | None = None
        self.reversal_proposed_at: datetime | None = None
        self.reversal_reason: str | None = None
        self.reversal_appeal_id: str | None = None

    @classmethod
    def open(cls, target: Target, at: datetime, actor: str) -> Case:
        case = cls(target, at)
        case._record("case_opened", actor, target=target.canonical)
        return case

    @property
    def deadline(self) -> Deadline | None:
        if self.deadline_due_at is None:
            return None
        return Deadline(as_utc(self.deadline_due_at), self.deadline_basis or "")

    @property
    def decision(self) -> Decision | None:
        """The decision in force or awaiting approval (a rejected proposal is history)."""
        live = [d for d in self.decisions if d.status is not DecisionStatus.REJECTED]
        return live[-1] if live else None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def attach_order(self, order: Order, severity: int, actor: str) -> None:
        """Merge an order in: the case's deadline becomes the earliest over its orders."""
        current, offered = self.deadline, order.deadline
        if current is None or offered.due_at < current.due_at:
            self.deadline_due_at, self.deadline_basis = offered.due_at, offered.basis
            self.category = order.category
        if self.severity is None or severity < self.severity:
            self.severity = severity
        self._note_source(Source.ORDER)
        due_at = self.deadline_due_at
        assert due_at is not None  # set above when the case had none
        self._record("order_attached", actor, order_id=order.id, reference=order.reference,
                     deadline=due_at.isoformat())

    def reopen_for_new_authority(self, order: Order, actor: str) -> bool:
        """A case closed with no action is reviewed again when an authority that has not
        ordered it before does; a block stays as it is (it already does what they ask)."""
        decision = self.decision
        if CaseState(self.state) is not S.CLOSED or decision is None or decision.action.needs_platform:
            return False
        return self.step("reopen", order.received_at, actor, order_id=order.id,
                         authority_id=order.authority_id, previous_decision_id=decision.id)

    def reopen_after_reversal(self, order: Order, actor: str) -> bool:
        """A case whose block was lifted (appeal, post-hoc review) is reviewed again when an
        order on it arrives afterwards: the order may bring what the reversal did not weigh.
        The block is not put back by itself: a person decides, with the order's clock."""
        decision = self.decision
        if CaseState(self.state) is not S.REVERSED:
            return False
        return self.step("reopen", order.received_at, actor, order_id=order.id, authority_id=order.authority_id,
                         previous_decision_id=decision.id if decision is not None else None)

    def attach_report(self, report: Report, actor: str) -> None:
        self._note_source(Source.REPORT)
        self._record("report_attached", actor, report_id=report.id)

    def _note_source(self, source: Source) -> None:
        if self.source is None or SOURCE_RANK[source] < SOURCE_RANK[Source(self.source)]:
            self.source = source

    def step(self, name: str, at: datetime, actor: str, **payload: Any) -> bool:
        """Move along the lifecycle. Returns False when already there (idempotent, and the
        repeat is recorded as `case_<step>_repeated`)."""
        moves = LIFECYCLE[name]
        current = CaseState(self.state)
        if current in moves:
            self.state = moves[current]
            self.updated_at = as_utc(at)
            self._record(f"case_{name}", actor, from_state=str(current), to_state=str(self.state), **payload)
            return True
        if current in moves.values():
            # Already there: nothing changes, but the attempt is on the record, never silent.
            self._record(f"case_{name}_repeated", actor, state=str(current), **payload)
            return False
        raise InvalidTransition(f"cannot {name} a case that is {current}")

    # --- review: claims with expiring leases -------------------------------------------

    def lease_expired(self, now: datetime) -> bool:
        return (CaseState(self.state) is S.IN_REVIEW and self.lease_until is not None
                and as_utc(self.lease_until) <= as_utc(now))

    def held_by_other(self, user_id: str, now: datetime) -> bool:
        return (self.claimed_by is not None and self.claimed_by != user_id
                and self.lease_until is not None and as_utc(self.lease_until) > as_utc(now))

    def claim(self, user_id: str, now: datetime, lease: timedelta, actor: str) -> bool:
        """Take the case for review. A crashed browser does not strand it: the lease expires."""
        if self.held_by_other(user_id, now):
            raise ConflictingDecision(f"case is being reviewed by someone else until {self.lease_until}", "claim")
        state = CaseState(self.state)
        if state is S.QUEUED:
            self.step("claim", now, actor, lease_until=(as_utc(now) + lease).isoformat())
        elif state not in {S.IN_REVIEW, S.ESCALATED}:
            raise InvalidTransition(f"cannot claim a case that is {state}")
        else:
            self._record("case_claim_renewed" if self.claimed_by == user_id else "case_reclaimed", actor,
                         lease_until=(as_utc(now) + lease).isoformat())
        self.claimed_by, self.lease_until = user_id, as_utc(now) + lease
        return True

    def assign(self, assignee: str | None, actor: str) -> bool:
        """A senior routes the case to one person or a language team (None: back to everyone).
        Only open cases are routed; the same assignment twice changes nothing."""
        if CaseState(self.state) not in OPEN_STATES:
            raise InvalidTransition(f"cannot assign a case that is {self.state}")
        if self.assigned_to == assignee:
            return False
        self._record("case_assigned", actor, assigned_to=assignee, previously=self.assigned_to)
        self.assigned_to = assignee
        return True

    def release(self, now: datetime, actor: str) -> bool:
        self.claimed_by = self.lease_until = None
        if CaseState(self.state) is S.IN_REVIEW:
            return self.step("release", now, actor)
        return False

    def expire_lease(self, now: datetime, actor: str) -> bool:
        return self.lease_expired(now) and self.release(now, actor)

    # --- decisions, four-eyes -----------------------------------------------------------

    def decide(self, decision: Decision, actor: str, approval_rule: str | None = None) -> bool:
        """Record a verdict. The same verdict twice is a no-op; a different one is a conflict.
        With an `approval_rule` it waits for a senior (four-eyes) instead of taking effect."""
        _check_action_fits(decision.action, self.target)
        previous = self.decision
        if previous is not None and CaseState(self.state) not in DECIDABLE_STATES:
            if previous.same_verdict(decision):
                return False
            raise ConflictingDecision(
                f"case already decided: {previous.action} ({previous.reason}); appeal to change it")
        if self.held_by_other(decision.decided_by, decision.decided_at):
            raise ConflictingDecision("another moderator holds this case; wait or ask them", "claim")
        details = dict(decision_id=decision.id, action=str(decision.action),
                       scope=decision.scope.as_json(), reason=decision.reason,
                       reason_code=decision.reason_code, legal_basis=decision.legal_basis)
        self.decisions.append(decision)
        self.claimed_by = self.lease_until = None
        if approval_rule:
            decision.status, decision.approval_rule = DecisionStatus.PROPOSED, approval_rule
            self.step("propose", decision.decided_at, actor, rule=approval_rule, **details)
            return True
        self.step("decide", decision.decided_at, actor, **details)
        self._close_without_platform(decision, actor)
        return True

    def approve(self, approver_id: str, at: datetime, actor: str) -> Decision:
        decision = self._proposal(approver_id)
        decision.status, decision.approved_by, decision.approved_at = (
            DecisionStatus.EFFECTIVE, approver_id, as_utc(at))
        self.step("approve", at, actor, decision_id=decision.id, rule=decision.approval_rule)
        self._close_without_platform(decision, actor)
        return decision

    def reject_proposal(self, reviewer_id: str, at: datetime, actor: str, reason: str) -> Decision:
        decision = self._proposal(reviewer_id)
        decision.status = DecisionStatus.REJECTED
        self.step("reject_proposal", at, actor, decision_id=decision.id, reason=reason)
        return decision

    def _proposal(self, reviewer_id: str) -> Decision:
        decision = self.decision
        if self.reversal_proposed_by is not None:
            raise InvalidTransition("this case waits for a reversal's approval, not a decision's")
        if CaseState(self.state) is not S.PENDING_APPROVAL or decision is None:
            raise InvalidTransition("no decision on this case waits for approval")
        if decision.decided_by == reviewer_id:
            raise PermissionDenied("nobody approves their own decision")
        return decision

    def _close_without_platform(self, decision: Decision, actor: str) -> None:
        if not decision.action.needs_platform:
            self.step("close", decision.decided_at, actor, reason=decision.reason)

    # --- post-hoc review of automatic decisions -----------------------------------------

    def review_automatic(self, reviewer_id: str, confirm: bool, reason: str, at: datetime,
                         actor: str, automatic_actor_id: str) -> Decision:
        """A person confirms or reverses what a rule decided without one (e.g. a verified
        hash-bank match); the decision records who looked."""
        decision = self.decision
        if decision is None or decision.decided_by != automatic_actor_id:
            raise InvalidTransition("only automatic decisions get a post-hoc review")
        if decision.approved_by is not None:
            raise InvalidTransition("this automatic decision was already reviewed")
        decision.approved_by, decision.approved_at = reviewer_id, as_utc(at)
        if confirm:
            self._record("automatic_decision_confirmed", actor, decision_id=decision.id, reason=reason)
        else:
            self.propose_reversal(reviewer_id, reason, at, actor)
        return decision

    # --- reversals: proposed by one, approved by another ------------------------------

    @property
    def reversal_pending(self) -> bool:
        return self.reversal_proposed_by is not None and CaseState(self.state) is S.PENDING_APPROVAL

    def propose_reversal(self, proposer_id: str, reason: str, at: datetime, actor: str,
                         appeal_id: str | None = None) -> None:
        """The decision stays in force (the channel stays blocked) until a senior approves."""
        decision = self.decision
        if decision is None or decision.status is not DecisionStatus.EFFECTIVE:
            raise InvalidTransition("only a decision in force can be reversed")
        if self.reversal_pending:
            raise ConflictingDecision("a reversal of this decision already waits for approval", "state")
        self.reversal_proposed_by, self.reversal_proposed_at = proposer_id, as_utc(at)
        self.reversal_reason, self.reversal_appeal_id = reason, appeal_id
        self.step("propose_reversal", at, actor, decision_id=decision.id, appeal_id=appeal_id,
                  action=str(decision.action), reason=reason)

    def approve_reversal(self, approver_id: str, at: datetime, actor: str) -> Decision:
        decision = self._reversal(approver_id)
        decision.status = DecisionStatus.REVERSED
        self.step("approve_reversal", at, actor, decision_id=decision.id, appeal_id=self.reversal_appeal_id,
                  proposed_by=self.reversal_proposed_by, reason=self.reversal_reason)
        self._clear_reversal()
        return decision

    def reject_reversal(self, reviewer_id: str, reason: str, at: datetime, actor: str) -> Decision:
        decision = self._reversal(reviewer_id)
        # Back to where it was: an appeal ends upheld; a post-hoc review leaves the block.
        step = "reject_reversal" if self.reversal_appeal_id else "keep_automatic"
        self.step(step, at, actor, decision_id=decision.id, appeal_id=self.reversal_appeal_id,
                  proposed_by=self.reversal_proposed_by, reason=reason)
        self._clear_reversal()
        return decision

    def _reversal(self, reviewer_id: str) -> Decision:
        if not self.reversal_pending:
            raise InvalidTransition("no reversal on this case waits for approval")
        if reviewer_id == self.reversal_proposed_by:
            raise PermissionDenied("nobody approves their own reversal: another senior must")
        decision = self.decision
        if decision is None:
            raise InvalidTransition("no decision on this case to reverse")
        return decision

    def _clear_reversal(self) -> None:
        self.reversal_proposed_by = self.reversal_proposed_at = None
        self.reversal_reason = self.reversal_appeal_id = None

    # --- enforcement and appeals --------------------------------------------------------

    def enforcement_refusal(self, enforcement: Enforcement) -> str | None:
        """Why this enforcement must not reach the platform now (None: carry it out).

        Checked before every platform call, the first and each retry or replay: an unblock
        goes out only for the case's latest decision, and only when two people stand behind it
        (a reversal approved by a senior other than its proposer, or an `unblock` decision
        approved under four-eyes); a block, a removal or a restriction goes out only while its
        decision is in force (never after its reversal was approved)."""
        decision = next((d for d in self.decisions if d.id == enforcement.decision_id), None)
        if decision is None:
            return "no decision on this case stands behind this enforcement"
        if enforcement.action is Action.UNBLOCK:
            latest = self.decision
            if latest is None or latest.id != decision.id:
                return "a later decision on this case supersedes this unblock"
            if decision.action is Action.BLOCK and decision.status is DecisionStatus.REVERSED:
                return None
            if (decision.action is Action.UNBLOCK and decision.status is DecisionStatus.EFFECTIVE
                    and decision.approved_by is not None and decision.approved_by != decision.decided_by):
                return None
            return "an unblock needs a reversal or an unblock approved by a second person"
        if decision.status is not DecisionStatus.EFFECTIVE:
            return f"the decision this enforcement carries out is {decision.status}"
        if enforcement.action is not decision.action or enforcement.scope != decision.scope:
            return "this enforcement does not match the decision it carries out"
        return None

    def enforced(self, enforcement: Enforcement, actor: str) -> bool:
        if enforcement.status is not EnforcementStatus.CONFIRMED or enforcement.confirmed_at is None:
            raise InvalidTransition("an enforcement the platform has not confirmed actions nothing")
        if CaseState(self.state) is not S.DECIDED:  # e.g. the unblock after a reversal
            self._record("case_enforcement_applied", actor, enforcement_id=enforcement.id,
                         action=str(enforcement.action))
            return False
        changed = self.step("enforced", enforcement.confirmed_at, actor, enforcement_id=enforcement.id)
        if changed:
            self.actioned_at = enforcement.confirmed_at
        return changed

    def appeal(self, appeal: Appeal, actor: str) -> None:
        decision = self.decision
        if decision is None or decision.id != appeal.decision_id:
            raise InvalidTransition("an appeal must be against the decision in force")
        if as_utc(appeal.submitted_at) > decision.decided_at + APPEAL_WINDOW:
            raise InvalidTransition("the appeal window (6 months) has closed")
        if CaseState(self.state) not in LIFECYCLE["appeal"]:
            # One open appeal (or reversal) at a time: a second one is refused, not swallowed.
            raise ConflictingDecision(f"this decision cannot be appealed now: the case is {self.state}", "target")
        self.step("appeal", appeal.submitted_at, actor, appeal_id=appeal.id)

    def resolve_appeal(self, appeal: Appeal, reviewer_id: str, reverse: bool, reason: str,
                       at: datetime, actor: str) -> None:
        """Upholding ends the appeal; reversing only proposes it (see propose_reversal)."""
        decision = self.decision
        if decision is None:
            raise InvalidTransition("no decision on this case to appeal")
        if reviewer_id in {decision.decided_by, decision.approved_by}:
            raise PermissionDenied("an appeal is reviewed by someone who did not take the decision")
        if CaseState(self.state) is not S.APPEALED:
            raise InvalidTransition(f"the appeal cannot be resolved: the case is {self.state}")
        appeal.resolve(reviewer_id, reverse, reason, at)
        if reverse:
            self.propose_reversal(reviewer_id, reason, at, actor, appeal_id=appeal.id)
        else:
            self.step("uphold", at, actor, appeal_id=appeal.id, reason=reason)


APPEAL_WINDOW = timedelta(days=183)  # DSA Art. 20: at least six months


class AppealStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    REVERSAL_PROPOSED = "reversal_proposed"  # waits for a senior other than the reviewer
    REVERSED = "reversed"


class Appeal(RecordsEvents):
    """The affected channel owner's complaint against a decision."""

    def __init__(self, case_id: str, decision_id: str, appellant: str, grounds: str,
                 submitted_at: datetime, contact: str | None = None, id: str | None = None):
        self.id = id or new_id()
        self.case_id = case_id
        self.decision_id = decision_id
        self.appellant = appellant
        self.contact = contact
        self.grounds = grounds
        self.submitted_at = as_utc(submitted_at)
        self.status = AppealStatus.OPEN
        self.reviewed_by: str | None = None
        self.reviewed_at: datetime | None = None
        self.outcome_reason: str | None = None

    def resolve(self, reviewer_id: str, reverse: bool, reason: str, at: datetime) -> None:
        if self.status is not AppealStatus.OPEN:
            raise InvalidTransition(f"appeal already {self.status}")
        self.status = AppealStatus.REVERSAL_PROPOSED if reverse else AppealStatus.UPHELD
        self.reviewed_by, self.reviewed_at, self.outcome_reason = reviewer_id, as_utc(at), reason

    def reversal_decided(self, approved: bool) -> None:
        if self.status is not AppealStatus.REVERSAL_PROPOSED:
            raise InvalidTransition(f"appeal is {self.status}, no reversal waits")
        self.status = AppealStatus.REVERSED if approved else AppealStatus.UPHELD


def _check_action_fits(action: Action, target: Target) -> None:
    post_kinds = {TargetKind.POST, TargetKind.PRIVATE_POST}
    if action is Action.REMOVE_POST and target.kind not in post_kinds:
        raise InvalidDecision(f"remove_post needs a post target; {target} is a {target.kind}")
