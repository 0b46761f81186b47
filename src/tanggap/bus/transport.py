"""What a transport promises (the contract tests in tests/bus run every transport against it).

A message is published once under an id; a consumer group receives each message at least once,
acknowledges it when handled, asks for it again later when a handler failed, or sends it to the
dead letters after the last attempt. Messages travel on one of two streams: `events` (domain
events, for the effects workers) and `posts` (the platforms' post stream, for the scan workers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

STREAM_OF_SUBJECT = {"post.seen": "posts"}  # every other subject travels on `events`


def stream_of(subject: str) -> str:
    return STREAM_OF_SUBJECT.get(subject, "events")


@dataclass
class Delivery:
    id: str  # the message id given at publish time (the outbox row's id)
    subject: str
    payload: dict
    attempt: int  # 1 on first delivery
    handle: Any = field(default=None, repr=False)  # the transport's own


class Transport(Protocol):
    name: str

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def publish(self, subject: str, payload: dict, message_id: str) -> None:
        """Outside any transaction (the post stream); domain events go through the outbox."""

    async def fetch(self, group: str, stream: str, batch: int, timeout_s: float) -> list[Delivery]: ...

    async def ack(self, delivery: Delivery) -> None: ...

    async def retry(self, delivery: Delivery, delay_s: float, error: str) -> None: ...

    async def dead(self, delivery: Delivery, error: str) -> None: ...

    async def pending(self, group: str, stream: str) -> int:
        """Messages not yet handled by the group: the lag shown in /metrics."""
