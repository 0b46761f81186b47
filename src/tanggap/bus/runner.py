"""Run workers: in a thread beside the web server (the embedded default), or as their own
processes (`tanggap worker effects|scan`), with either transport."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

from tanggap.bus.transport import Transport
from tanggap.bus.worker import RetryPolicy, Worker, relay
from tanggap.config import Settings
from tanggap.store.uow import Store

log = logging.getLogger(__name__)


def transport_from_settings(settings: Settings, store: Store) -> Transport:
    if settings.bus == "nats":
        from tanggap.bus.nats import NatsTransport
        return NatsTransport(settings.nats_url, prefix=settings.nats_prefix, ack_wait_s=settings.bus_lease_s)
    if settings.bus == "embedded":
        from tanggap.bus.embedded import EmbeddedTransport
        return EmbeddedTransport(store, lease_s=settings.bus_lease_s)
    raise ValueError(f"TANGGAP_BUS must be embedded or nats, not {settings.bus!r}")


async def run_workers(store: Store, transport: Transport, workers: list[Worker], stop: asyncio.Event,
                      relay_interval_s: float = 0.2) -> None:
    """Each worker in its own task; with an external broker, the outbox relay beside them."""
    await transport.start()
    tasks = [asyncio.create_task(worker.run(stop, timeout_s=0.5)) for worker in workers]
    if transport.name != "embedded":
        tasks.append(asyncio.create_task(_relay_loop(store, transport, stop, relay_interval_s)))
    try:
        await stop.wait()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await transport.close()


async def _relay_loop(store: Store, transport: Transport, stop: asyncio.Event, interval_s: float) -> None:
    while not stop.is_set():
        try:
            if await relay(store, transport) == 0:
                await asyncio.sleep(interval_s)
        except Exception:  # the broker or the database is away: try again, lose nothing
            log.exception("outbox relay failed")
            await asyncio.sleep(min(5.0, interval_s * 10))


class BackgroundWorkers:
    """Workers on an event loop in a daemon thread (beside uvicorn, or in the demo)."""

    def __init__(self, store: Store, transport: Transport, make_workers: Callable[[Transport], list[Worker]]):
        self.store, self.transport = store, transport
        self.workers = make_workers(transport)
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="bus-workers", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._stop = asyncio.Event()
        self._loop.run_until_complete(run_workers(self.store, self.transport, self.workers, self._stop))

    def start(self) -> BackgroundWorkers:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)


def effects_workers(store: Store, platform, settings: Settings, count: int = 1,
                    mail: bool = True) -> Callable[[Transport], list[Worker]]:
    """`mail`: replies to authorities and notices to appellants go out through the SMTP relay
    of the settings (the intake worker's sweep sends whatever is still due, either way)."""
    from tanggap.bus.handlers import Outbound, effects_handlers
    from tanggap.intake.worker import mailer_from_settings
    from tanggap.services.enforcement import RetryPolicy as EnforcementRetry

    outbound = Outbound(mailer_from_settings(settings), settings.intake_address) if mail else None
    handlers = effects_handlers(store, platform, EnforcementRetry(settings.enforcement_attempts,
                                                                  settings.enforcement_backoff_s), outbound)
    policy = RetryPolicy(settings.bus_max_attempts)
    return lambda transport: [Worker(transport, "effects", "events", handlers, policy, batch=20)
                              for _ in range(count)]
