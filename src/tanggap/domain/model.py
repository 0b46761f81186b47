"""Entities of the takedown loop and the case lifecycle.

A state change happens here and only here; each one records an audit draft on the entity
(collected by the unit of work) and is idempotent: repeating it changes nothing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ulid import ULID

from tanggap.domain.clock import as_utc
from tanggap.domain.errors import ConflictingDecision, InvalidDecision, InvalidTransition
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
    "enforced": {S.DECIDED: S.ACTIONED},
    "close": {S.DECIDED: S.CLOSED, S.ACTIONED: S.CLOSED},
    "appeal": {S.ACTIONED: S.APPEALED, S.CLOSED: S.APPEALED},
    "uphold": {S.APPEALED: S.UPHELD},
    "reverse": {S.APPEALED: S.REVERSED},
}
OPEN_STATES = frozenset({S.NEW, S.QUEUED, S.IN_REVIEW, S.ESCALATED, S.DECIDED, S.APPEALED})


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


class Decision:
    def __init__(self, case_id: str, action: Action, scope: Scope, reason: str,
                 legal_basis: str | None, note: str | None, decided_by: str,
                 decided_at: datetime, id: str | None = None):
        self.id = id or new_id()
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
                tries: int = 1) -> bool:
        if self.status is EnforcementStatus.CONFIRMED:
            return False
        self.attempts += tries
        self.status = EnforcementStatus.CONFIRMED
        self.platform_reference = platform_reference
        self.confirmed_at = self.updated_at = as_utc(at)
        self._record("enforcement_confirmed", actor, action=str(self.action),
                     scope=self.scope.as_json(), case_id=self.case_id,
                     platform_reference=platform_reference)
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
        self.decisions: list[Decision] = []

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
        return self.decisions[-1] if self.decisions else None

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
        self._record("order_attached", actor, order_id=order.id, reference=order.reference,
                     deadline=self.deadline_due_at.isoformat())

    def attach_report(self, report: Report, actor: str) -> None:
        self._note_source(Source.REPORT)
        self._record("report_attached", actor, report_id=report.id)

    def _note_source(self, source: Source) -> None:
        if self.source is None or SOURCE_RANK[source] < SOURCE_RANK[Source(self.source)]:
            self.source = source

    def step(self, name: str, at: datetime, actor: str, **payload: Any) -> bool:
        """Move along the lifecycle. Returns False when already there (idempotent)."""
        moves = LIFECYCLE[name]
        current = CaseState(self.state)
        if current in moves:
            self.state = moves[current]
            self.updated_at = as_utc(at)
            self._record(f"case_{name}", actor, from_state=str(current), to_state=str(self.state), **payload)
            return True
        if current in moves.values():
            return False
        raise InvalidTransition(f"cannot {name} a case that is {current}")

    def decide(self, decision: Decision, actor: str) -> bool:
        """Record a verdict. The same verdict twice is a no-op; a different one is a conflict."""
        _check_action_fits(decision.action, self.target)
        previous = self.decision
        if previous is not None and CaseState(self.state) not in {S.QUEUED, S.IN_REVIEW, S.ESCALATED}:
            if previous.same_verdict(decision):
                return False
            raise ConflictingDecision(
                f"case already decided: {previous.action} ({previous.reason}); appeal to change it")
        self.step("decide", decision.decided_at, actor, decision_id=decision.id,
                  action=str(decision.action), scope=decision.scope.as_json(),
                  reason=decision.reason, legal_basis=decision.legal_basis)
        self.decisions.append(decision)
        if not decision.action.needs_platform:
            self.step("close", decision.decided_at, actor, reason=decision.reason)
        return True

    def enforced(self, enforcement: Enforcement, actor: str) -> bool:
        if enforcement.status is not EnforcementStatus.CONFIRMED:
            raise InvalidTransition("an enforcement the platform has not confirmed actions nothing")
        changed = self.step("enforced", enforcement.confirmed_at, actor, enforcement_id=enforcement.id)
        if changed:
            self.actioned_at = enforcement.confirmed_at
        return changed


def _check_action_fits(action: Action, target: Target) -> None:
    post_kinds = {TargetKind.POST, TargetKind.PRIVATE_POST}
    if action is Action.REMOVE_POST and target.kind not in post_kinds:
        raise InvalidDecision(f"remove_post needs a post target; {target} is a {target.kind}")
