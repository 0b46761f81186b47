"""Workers: take messages from a transport, hand them to the handlers, ack what was handled.

A handler takes a list of events of one subject (the scan scores posts in batches); when a batch
fails, its events are tried one by one so that one bad message cannot hold the others back.
A failed message comes back after a back-off and goes to the dead letters after the last attempt.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tanggap.bus.transport import Delivery, Transport
from tanggap.domain.events import Event, event_from
from tanggap.store import outbox
from tanggap.store.uow import Store

log = logging.getLogger(__name__)

Handler = Callable[[Sequence[Event]], None]


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    backoff_s: tuple[float, ...] = (1.0, 5.0, 30.0, 120.0)

    def delay(self, attempt: int) -> float:
        return self.backoff_s[min(attempt, len(self.backoff_s)) - 1]


@dataclass
class WorkerStats:
    handled: int = 0
    retried: int = 0
    dead: int = 0


@dataclass
class Worker:
    transport: Transport
    group: str
    stream: str
    handlers: dict[str, Handler]
    retry: RetryPolicy = RetryPolicy()
    batch: int = 50
    stats: WorkerStats = field(default_factory=WorkerStats)

    async def step(self, timeout_s: float = 1.0) -> int:
        """One fetch and what follows; returns how many messages it took."""
        deliveries = await self.transport.fetch(self.group, self.stream, self.batch, timeout_s)
        by_subject: dict[str, list[Delivery]] = {}
        for delivery in deliveries:
            by_subject.setdefault(delivery.subject, []).append(delivery)
        for subject, group in by_subject.items():
            await self._handle(subject, group)
        return len(deliveries)

    async def run(self, stop: asyncio.Event, timeout_s: float = 1.0) -> None:
        while not stop.is_set():
            await self.step(timeout_s)

    async def _handle(self, subject: str, deliveries: list[Delivery]) -> None:
        handler = self.handlers.get(subject)
        if handler is None:  # nothing here acts on it: handled, by definition
            for delivery in deliveries:
                await self.transport.ack(delivery)
            return
        try:
            await asyncio.to_thread(handler, [event_from(d.subject, d.payload) for d in deliveries])
        except Exception:
            if len(deliveries) == 1:
                await self._failed(deliveries[0])
                return
            for delivery in deliveries:  # find the one that fails; the others go through
                await self._handle(subject, [delivery])
            return
        for delivery in deliveries:
            await self.transport.ack(delivery)
        self.stats.handled += len(deliveries)

    async def _failed(self, delivery: Delivery) -> None:
        error = _last_error()
        if delivery.attempt >= self.retry.max_attempts:
            log.error("message dead-lettered", extra={"subject": delivery.subject, "message_id": delivery.id,
                                                      "attempts": delivery.attempt, "error": error[:300]})
            await self.transport.dead(delivery, error)
            self.stats.dead += 1
        else:
            await self.transport.retry(delivery, self.retry.delay(delivery.attempt), error)
            self.stats.retried += 1


def _last_error() -> str:
    import sys
    import traceback
    kind, value, _ = sys.exc_info()
    return "".join(traceback.format_exception_only(kind, value)).strip() if kind else "unknown error"


async def relay(store: Store, transport: Transport, batch: int = 500) -> int:
    """Copy outbox rows to an external broker (NATS). Publishing under the row id makes a second
    copy of the same row (a relay that died before marking it, two relays at once) a duplicate
    that JetStream drops."""
    def unrelayed() -> list[dict]:
        with store.uow(read_only=True) as uow:
            return outbox.unrelayed(uow.session, batch)

    rows = await asyncio.to_thread(unrelayed)
    for row in rows:
        await transport.publish(row["subject"], row["payload"], row["id"])

    def mark() -> None:
        with store.uow() as uow:
            outbox.mark_relayed(uow.session, [row["id"] for row in rows], uow.clock.now())
            uow.session.commit()
    if rows:
        await asyncio.to_thread(mark)
    return len(rows)
