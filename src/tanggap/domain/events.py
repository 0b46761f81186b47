"""Domain events: facts that other parts of the system act on after the change has committed.

Each event is a small frozen dataclass with a `subject` (the name it travels under on the bus)
and a payload of plain JSON values. They are written to the outbox in the same transaction as
the change that raised them (see store/outbox.py), so a crash after commit loses none.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import ClassVar


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


EVENT_TYPES: dict[str, type[Event]] = {
    cls.subject: cls for cls in
    (DecisionTaken, EnforcementRequested, PostSeen)
}


def event_from(subject: str, payload: dict) -> Event:
    try:
        return EVENT_TYPES[subject].from_payload(payload)
    except KeyError:
        raise ValueError(f"unknown event subject {subject!r}") from None
