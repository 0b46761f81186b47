"""Domain events: facts that other parts of the system act on after the change has committed.

Each event is a small frozen dataclass with a `subject` (the name it travels under on the bus)
and a payload of plain JSON values. They are written to the outbox in the same transaction as
the change that raised them (see store/outbox.py), so a crash after commit loses none.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import ClassVar

from tanggap.domain.model import Case, CaseState, DecisionStatus, new_id


@dataclass(frozen=True)
class Event:
    subject: ClassVar[str]

    def payload(self) -> dict:
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: dict) -> Event:
        names = {field.name for field in fields(cls)}
        return cls(**{name: value for name, value in payload.items() if name in names})


@dataclass(frozen=True)
class DecisionTaken(Event):
    subject: ClassVar[str] = "decision.taken"
    case_id: str
    decision_id: str
    enforcement_id: str | None = None


@dataclass(frozen=True)
class EnforcementRequested(Event):
    """Any enforcement to carry out (an unblock after a reversal, a retry from a sweep)."""
    subject: ClassVar[str] = "enforcement.requested"
    enforcement_id: str


@dataclass(frozen=True)
class PostSeen(Event):
    """A post on a platform was created or edited (the post stream)."""
    subject: ClassVar[str] = "post.seen"
    platform: str
    channel: str  # the channel's username (public handle)
    post_id: str
    text: str = ""
    media_sha256: tuple[str, ...] = ()  # media bytes travel by reference, not in the stream
    kind: str = "created"  # created | edited | deleted
    subscribers: int | None = None


@dataclass(frozen=True)
class OrderReceived(Event):
    """An order was stored, from any intake channel. An e-mail order raises it again once the
    message is filed under the order (`inbound_id`): that is when its acknowledgement can go."""
    subject: ClassVar[str] = "order.received"
    order_id: str
    channel: str  # api | email | console | …
    inbound_id: str | None = None


@dataclass(frozen=True)
class OrderSettled(Event):
    """Every case of the order reached a final state (see `settles_its_orders`): the authority is
    owed its final status. Raised again when a settled case changes (a reversal on appeal)."""
    subject: ClassVar[str] = "order.settled"
    order_id: str


@dataclass(frozen=True)
class CaseViewed(Event):
    """A staff member opened a case: the audit entry is written by a handler, not the request.
    `view_id` makes a redelivered event one entry, not two."""
    subject: ClassVar[str] = "case.viewed"
    case_id: str
    actor: str
    viewed_at: str  # ISO 8601, UTC: the moment of the view, not of the audit write
    via: str = "console"
    view_id: str = field(default_factory=new_id)


@dataclass(frozen=True)
class AppealResolved(Event):
    """An appeal reached its final outcome (upheld, or reversed once the reversal was approved):
    the appellant is owed a notice."""
    subject: ClassVar[str] = "appeal.resolved"
    appeal_id: str
    case_id: str
    status: str  # upheld | reversed


EVENT_TYPES: dict[str, type[Event]] = {
    cls.subject: cls for cls in
    (DecisionTaken, EnforcementRequested, PostSeen, OrderReceived, OrderSettled, CaseViewed, AppealResolved)
}


def settles_its_orders(case: Case) -> bool:
    """The case is final as its orders' authorities see it: actioned, no action, or reversed
    (the same rule as the order status in services.orders)."""
    state = CaseState(case.state)
    if state is CaseState.REVERSED:
        return True
    if state in {CaseState.NEW, CaseState.QUEUED}:
        return False
    decision = case.decision
    if decision is None or decision.status is DecisionStatus.PROPOSED:
        return False
    return not decision.action.needs_platform or case.actioned_at is not None


def event_from(subject: str, payload: dict) -> Event:
    try:
        return EVENT_TYPES[subject].from_payload(payload)
    except KeyError:
        raise ValueError(f"unknown event subject {subject!r}") from None
