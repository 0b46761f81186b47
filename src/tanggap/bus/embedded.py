"""The embedded transport: the outbox table is the queue. Nothing to run but the database, so
`make demo` needs nothing more; many worker processes share it through leased claims."""

from __future__ import annotations

import asyncio
import os
import socket
from datetime import timedelta

from tanggap.bus.transport import STREAM_OF_SUBJECT, Delivery
from tanggap.domain.clock import Clock, SystemClock
from tanggap.domain.events import event_from
from tanggap.store import outbox
from tanggap.store.uow import Store

POST_SUBJECTS = [subject for subject, stream in STREAM_OF_SUBJECT.items() if stream == "posts"]


class EmbeddedTransport:
    name = "embedded"

    def __init__(self, store: Store, lease_s: float = 60.0, poll_s: float = 0.05, clock: Clock | None = None):
        self.store = store
        self.clock = clock or SystemClock()  # leases and back-off run on wall time
        self.lease = timedelta(seconds=lease_s)
        self.poll_s = poll_s
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def publish(self, subject: str, payload: dict, message_id: str) -> None:
        event = event_from(subject, payload)
        await asyncio.to_thread(self._publish, event)

    def _publish(self, event) -> None:
        with self.store.uow() as uow:
            uow.publish(event)
            uow.commit()

    async def fetch(self, group: str, stream: str, batch: int, timeout_s: float) -> list[Delivery]:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            rows = await asyncio.to_thread(self._claim, stream, batch)
            if rows or asyncio.get_running_loop().time() >= deadline:
                return [Delivery(row["id"], row["subject"], row["payload"], row["attempts"]) for row in rows]
            await asyncio.sleep(self.poll_s)

    def _claim(self, stream: str, batch: int) -> list[dict]:
        with self.store.uow() as uow:
            posts = stream == "posts"  # the events stream is every subject that is not a post
            rows = outbox.claim(uow.session, self.worker_id, POST_SUBJECTS if posts else None, batch,
                                self.lease, self.clock.now(), exclude=() if posts else POST_SUBJECTS)
            uow.session.commit()
            return rows

    async def ack(self, delivery: Delivery) -> None:
        await asyncio.to_thread(self._write, outbox.mark_done, delivery.id)

    async def retry(self, delivery: Delivery, delay_s: float, error: str) -> None:
        def later(session, row_id, worker, now):
            outbox.retry_later(session, row_id, worker, error, now + timedelta(seconds=delay_s))
        await asyncio.to_thread(self._write, later, delivery.id)

    async def dead(self, delivery: Delivery, error: str) -> None:
        def bury(session, row_id, worker, now):
            outbox.mark_dead(session, row_id, worker, error, now)
        await asyncio.to_thread(self._write, bury, delivery.id)

    def _write(self, change, row_id: str) -> None:
        with self.store.uow() as uow:
            change(uow.session, row_id, self.worker_id, self.clock.now())
            uow.session.commit()

    async def pending(self, group: str, stream: str) -> int:
        def count() -> int:
            with self.store.uow(read_only=True) as uow:
                waiting = outbox.backlog(uow.session, self.clock.now())
            return sum(n for subject, n in waiting.items() if (subject in POST_SUBJECTS) == (stream == "posts"))
        return await asyncio.to_thread(count)
